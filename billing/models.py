"""Effective-dated tariff rates, bills and their lines (the hours they bill: `volunteers.assignments.models`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.enums import Affiliation, BillStatus
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base


class TariffRate(Base):
    """The hourly rate for an affiliation from a date on; old bills keep the rate they used."""

    __tablename__ = "tariff_rate"
    __table_args__ = (UniqueConstraint("affiliation", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    affiliation: Mapped[Affiliation]
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    valid_from: Mapped[date]


class Bill(Base):
    """A family's bill for one case and month; cancelled, never deleted."""

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
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[BillLine]] = relationship(back_populates="bill", order_by="BillLine.id", lazy="raise")


class BillLine(Base):
    __tablename__ = "bill_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    hours_report_id: Mapped[int | None] = mapped_column(ForeignKey("hours_report.id"))
    description: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    affiliation: Mapped[Affiliation]
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    bill: Mapped[Bill] = relationship(back_populates="lines", lazy="raise")


# What a case owns here (see core.case_owned): a bill goes with its case into the case it is merged into.
# It is kept for the accounts (cancelled, never deleted) and holds no personal data of its own.
CASE_OWNED = (CaseOwned(Bill, OnMerge.MOVE, Counts.CONTENT),)
