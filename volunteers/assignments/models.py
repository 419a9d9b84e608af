"""Assignments (a volunteer who took a job) and the hours a carer gave on one: reported by SMS or by staff,
then confirmed by staff.

Both live with what changes them (`volunteers.assignments.service.report_hours`); billing, a floor above,
confirms and bills them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.enums import HoursStatus
from casework.jobs.models import CareJob
from core.db import Base
from messaging.models import Message
from volunteers.registry.models import Volunteer


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    COMPLETED = "completed"


class AssignmentSource(enum.StrEnum):
    SMS = "sms"  # the volunteer's yes to an offer
    STAFF = "staff"  # a coordinator assigned by hand


class Assignment(Base):
    """A volunteer who took a job; at most one per job and volunteer."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("job_id", "volunteer_id"),
        # Matching asks, per candidate, for their active assignments (overlap, weekly maximum).
        Index("ix_assignment_volunteer_id_status", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("care_job.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    status: Mapped[AssignmentStatus] = mapped_column(default=AssignmentStatus.ACTIVE)
    source: Mapped[AssignmentSource] = mapped_column(default=AssignmentSource.SMS)
    assigned_at: Mapped[datetime]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # "volunteer" when they withdrew by SMS, else the coordinator's reason.
    release_reason: Mapped[str | None] = mapped_column(String(200))
    # Set when the volunteer withdrew by SMS (ABSAGE): staff must find a replacement (see
    # `volunteers.assignments.service.open_withdrawals`).
    withdrawn_at: Mapped[datetime | None]
    # The volunteer's SMS that withdrew (its text is the reason they gave, shown to staff).
    withdrawal_message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    # Staff told the family about the withdrawal ("Familie informiert"): off the dashboard's urgent list.
    family_informed_at: Mapped[datetime | None]
    family_informed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    completed_at: Mapped[datetime | None]

    volunteer: Mapped[Volunteer] = relationship(lazy="raise")
    job: Mapped[CareJob] = relationship(lazy="raise")
    withdrawal_message: Mapped[Message | None] = relationship(lazy="raise")


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
    # When staff entered the hours as start and end (15-minute steps) rather than as a duration.
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
