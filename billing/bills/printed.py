"""What a bill shows, assembled once for the page, the PDF and the GiroCode (no database here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.bills import rules
from billing.models import Bill, BillLine, PaymentMethod
from casework.enums import BillStatus
from core.formats import hours_de, money_de


@dataclass(frozen=True)
class Issuer:
    """Who issues the bills and where families pay (FLUXX_BILLING_*)."""

    name: str
    address: str
    iban: str
    bic: str
    note: str


@dataclass(frozen=True)
class PrintedLine:
    day: str  # "Fr. 27.11.2026"
    description: str
    volunteer: str
    hours: str
    rate: str
    reason: str
    amount: str


@dataclass(frozen=True)
class Printed:
    number: str
    cancelled: bool
    cancel_note: str
    corrects: str | None
    issuer: Issuer
    debtor_name: str
    debtor_address: list[str]
    case_number: str
    period: str
    issue_date: date
    due_date: date
    lines: list[PrintedLine]
    total: Decimal
    direct_debit: bool

    @property
    def total_de(self) -> str:
        return money_de(self.total)

    @property
    def iban_grouped(self) -> str:
        return " ".join(self.issuer.iban[i : i + 4] for i in range(0, len(self.issuer.iban), 4))

    @property
    def payment_text(self) -> str:
        if self.direct_debit:
            return (f"Der Betrag von {self.total_de} wird zum {self.due_date:%d.%m.%Y} von Ihrem Konto eingezogen "
                    "(SEPA-Lastschrift).")  # fmt: skip
        return (f"Bitte überweisen Sie {self.total_de} bis zum {self.due_date:%d.%m.%Y} an {self.issuer.name}, "
                f"IBAN {self.iban_grouped}{', BIC ' + self.issuer.bic if self.issuer.bic else ''}, "
                f"Verwendungszweck {self.number}. Oder scannen Sie den GiroCode mit Ihrer Banking-App.")  # fmt: skip


def printed(
    bill: Bill, lines: Sequence[BillLine], *, case_number: str, issuer: Issuer, corrects: str | None
) -> Printed:
    return Printed(
        number=bill.number,
        cancelled=bill.status == BillStatus.CANCELLED,
        cancel_note=(f"Storniert am {bill.cancelled_at:%d.%m.%Y}: {bill.cancel_reason}" if bill.cancelled_at else ""),
        corrects=corrects,
        issuer=issuer,
        debtor_name=bill.debtor_name or "Familie (Name nicht erfasst)",
        debtor_address=[
            part.strip() for part in (bill.debtor_address or "").replace(",", "\n").splitlines() if part.strip()
        ],
        case_number=case_number,
        period=rules.month_label(bill.period_month),
        issue_date=bill.issue_date or bill.issued_at.date(),
        due_date=bill.due_date or bill.issued_at.date(),
        lines=[
            PrintedLine(
                day=rules.day_label(line.work_date) if line.work_date else "",
                description=line.description,
                volunteer=line.volunteer_first_name or "",
                hours=hours_de(line.hours),
                rate=money_de(line.rate),
                reason=line.reason or "",
                amount=money_de(line.amount),
            )
            for line in lines
        ],
        total=bill.total,
        direct_debit=bill.payment_method == PaymentMethod.DIRECT_DEBIT,
    )


def _address_lines(address: str | None) -> list[str]:
    """ "Lindenstraße 4, 30159 Hannover" or two lines → the lines of the address window."""
    return [part.strip() for part in (address or "").replace(",", "\n").splitlines() if part.strip()]
