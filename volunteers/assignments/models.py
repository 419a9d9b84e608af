"""Hours a carer gave on an assignment: reported by SMS or by staff, then confirmed by staff.

They live with what changes them (`volunteers.assignments.service.report_hours`); billing, a floor above,
confirms and bills them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.enums import HoursStatus
from core.db import Base


class HoursReport(Base):
    """Hours for an assignment: reported by SMS or web, then confirmed by staff."""

    __tablename__ = "hours_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[HoursStatus] = mapped_column(default=HoursStatus.REPORTED)
    reported_at: Mapped[datetime]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
