"""Bills, pure: the number, the month, the due date, what a line says and the total.

One bill per case and calendar month of confirmed hours (the month of the job's day in Hannover). The
running number has no gaps and is per year of issue: `R-2026-00042` (taken with the bill in one
transaction, `casework.cases.opening.next_number` with the scope "bill"). Each line is one job day of one
volunteer: weekday and date, the volunteer's first name only, the confirmed hours, the rate and why it
applies, and the amount rounded half-up to cents once; the total is the sum of the lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from casework.enums import Affiliation, BillStatus, LabeledEnum
from core.errors import FieldErrors

NUMBER_SCOPE = "bill"
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$|^\s*(\d{1,2})[./](\d{4})\s*$")
WEEKDAYS = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")


class PaymentState(LabeledEnum):
    """Where a bill stands for the people who follow up payments (its badge on the bill's page)."""

    OPEN = "open", "Offen"
    PAID = "paid", "Bezahlt"
    OVERDUE = "overdue", "Überfällig"
    CANCELLED = "cancelled", "Storniert"


def payment_state(status: BillStatus, *, paid: bool, due: date | None, today: date) -> PaymentState:
    if status == BillStatus.CANCELLED:
        return PaymentState.CANCELLED
    if paid:
        return PaymentState.PAID
    if due is not None and due < today:
        return PaymentState.OVERDUE
    return PaymentState.OPEN


def bill_number(year: int, seq: int) -> str:
    return f"R-{year}-{seq:05d}"


def parse_month(text: str) -> date:
    """ "2026-11" or "11/2026" or "11.2026" → 1 November 2026; FieldErrors (field "month") otherwise."""
    match = _MONTH.match(text or "")
    if match is None:
        raise FieldErrors({"month": "Bitte den Monat als 2026-11 oder 11.2026 angeben."})
    year, month = (int(match[1]), int(match[2])) if match[1] else (int(match[4]), int(match[3]))
    if not 1 <= month <= 12 or not 2015 <= year <= 2100:
        raise FieldErrors({"month": "Diesen Monat gibt es nicht; bitte z. B. 2026-11 angeben."})
    return date(year, month, 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    names = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")  # fmt: skip
    return f"{names[month.month - 1]} {month.year}"


def nothing_to_bill(month: date) -> str:
    """What a run of a month without billable hours says (the page and `fluxx bills issue`)."""
    return f"Für {month_label(month)} ist nichts zu berechnen: keine bestätigten Stunden ohne Rechnung."


def due_date(issued: date, days: int) -> date:
    return issued + timedelta(days=days)


def first_name(name: str | None) -> str:
    """The volunteer as the family reads them on the bill: the first name only."""
    parts = (name or "").split()
    return parts[0][:60] if parts else "Ehrenamtliche Person"


def day_label(day: date) -> str:
    """ "Fr. 27.11.2026"."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d.%m.%Y}"


def line_description(kind_label: str, code: str, day: date) -> str:
    return f"{kind_label}, Einsatz {code}, {day_label(day)}"[:200]


@dataclass(frozen=True)
class Line:
    """One billed job day of one volunteer."""

    hours_report_id: int
    job_id: int
    work_date: date
    description: str
    volunteer_first_name: str
    hours: Decimal
    affiliation: Affiliation
    per_hour: Decimal
    reason: str
    amount: Decimal


def total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, Decimal("0.00"))
