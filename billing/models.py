"""Effective-dated tariff rates, bills and their lines (the hours they bill: `volunteers.assignments.models`)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.tariff.rules import Service
from casework.enums import Affiliation, BillStatus
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base


class TariffRate(Base):
    """The hourly rate for an affiliation and service from a date on; old bills keep the rate they used
    (`billing.tariff.rules`). Driving is billed only where an admin sets a driving rate."""

    __tablename__ = "tariff_rate"
    __table_args__ = (UniqueConstraint("affiliation", "service", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    affiliation: Mapped[Affiliation]
    service: Mapped[Service] = mapped_column(String(16), default=Service.CARE)
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    valid_from: Mapped[date]
    created_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class PaymentMethod(enum.StrEnum):
    TRANSFER = "transfer"  # the family transfers (GiroCode on the bill)
    DIRECT_DEBIT = "direct_debit"  # collected with the family's SEPA mandate (pain.008 of the run)


class Bill(Base):
    """A family's bill for one case and month; cancelled, never deleted. The number is gapless per year
    (`R-2026-00042`, taken in the bill's transaction); name and address are kept as they were billed."""

    __tablename__ = "bill"
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    period_month: Mapped[date]
    status: Mapped[BillStatus] = mapped_column(default=BillStatus.ISSUED)
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    debtor_name: Mapped[str | None] = mapped_column(String(160))
    debtor_address: Mapped[str | None] = mapped_column(Text)
    payment_method: Mapped[PaymentMethod] = mapped_column(String(16), default=PaymentMethod.TRANSFER)
    # The family's SEPA mandate the bill is collected with (payment_method DIRECT_DEBIT).
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("sepa_mandate.id"))
    # A corrected bill names the cancelled bill it replaces.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("bill.id"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    lines: Mapped[list[BillLine]] = relationship(back_populates="bill", order_by="BillLine.id", lazy="raise")


class BillLine(Base):
    __tablename__ = "bill_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    hours_report_id: Mapped[int | None] = mapped_column(ForeignKey("hours_report.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("care_job.id"))
    work_date: Mapped[date | None]
    volunteer_first_name: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    affiliation: Mapped[Affiliation]
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str | None] = mapped_column(String(200))  # why the rate applies: "Partnerbetrieb: …"
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    bill: Mapped[Bill] = relationship(back_populates="lines", lazy="raise")


class SepaMandate(Base):
    """A family's SEPA direct-debit mandate: its bills are collected (pain.008 of the month's run) instead of
    paid by transfer. Revoked, never deleted (a collected bill names it)."""

    __tablename__ = "sepa_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    holder: Mapped[str] = mapped_column(String(70))  # the account holder (SEPA allows 70 characters)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    reference: Mapped[str] = mapped_column(String(35), unique=True)  # the mandate reference
    signed_on: Mapped[date]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revoked_at: Mapped[datetime | None]


# What a case owns here (see core.case_owned): a bill goes with its case into the case it is merged into.
# It is kept for the accounts (cancelled, never deleted); the debtor's name and address it keeps are the
# retention purge's to blank after the period commercial and tax law requires. A mandate goes with its
# case too; holder and IBAN are personal data.
CASE_OWNED = (
    CaseOwned(Bill, OnMerge.MOVE, Counts.CONTENT, anonymise=("debtor_name", "debtor_address")),
    CaseOwned(SepaMandate, OnMerge.MOVE, Counts.CONTENT, anonymise=("holder", "iban", "bic")),
)
