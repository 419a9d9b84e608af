"""Offers of a job to volunteers (one SMS each, in waves) and the search that sends them.

The assignments that result live with the code that changes them: `volunteers.assignments.models`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class OfferStatus(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TOO_LATE = "too_late"
    EXPIRED = "expired"
    OPTED_OUT = "opted_out"  # the volunteer sent STOPP while the offer waited for an answer


class OutreachStatus(enum.StrEnum):
    ACTIVE = "active"  # waves go out (or the worker waits for the next one)
    FILLED = "filled"
    EXHAUSTED = "exhausted"  # no candidates left: "keine Zusage"
    TOO_LATE = "too_late"  # the job starts too soon for another wave: "keine Zusage"
    CANCELLED = "cancelled"
    LIMIT_REACHED = "limit_reached"  # max_waves sent: "keine Zusage"


class Offer(Base):
    """One SMS offer of a job to a volunteer in an outreach wave."""

    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("job_id", "volunteer_id"),
        Index("ix_offer_volunteer_id_status", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("care_job.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    wave: Mapped[int]
    status: Mapped[OfferStatus] = mapped_column(default=OfferStatus.SENT)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))


class Outreach(Base):
    """The SMS search for carers of one job: its policy and how far the waves got.

    The worker locks this row before it sends a wave, so `waves_sent` and `last_wave_at` are the one
    truth about what went out: a second worker, a retried task or a restart finds the wave sent.
    """

    __tablename__ = "outreach"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("care_job.id"), unique=True)
    status: Mapped[OutreachStatus] = mapped_column(default=OutreachStatus.ACTIVE)
    wave_size: Mapped[int]
    wave_interval_minutes: Mapped[int]
    stop_before_start_minutes: Mapped[int]
    max_waves: Mapped[int | None]
    waves_sent: Mapped[int] = mapped_column(default=0)
    last_wave_at: Mapped[datetime | None]
    started_at: Mapped[datetime]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(String(200))


class LateYes(Base):
    """A yes that came when it could not win: after the job was filled, or with a code that matches no open
    offer of the sender (kept on the job of their most recent offer). Listed on the job page as "Spätere
    Zusagen"; after a withdrawal these people are asked first (`asked_again_at`) and staff can assign them.

    One row per job and volunteer: a second late yes (the same SMS twice) keeps the first time.
    """

    __tablename__ = "late_yes"
    __table_args__ = (UniqueConstraint("job_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("care_job.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    said_at: Mapped[datetime]
    code_given: Mapped[str | None] = mapped_column(String(8))  # the code they wrote, if another than the job's
    asked_again_at: Mapped[datetime | None]  # the SMS "Können Sie doch noch?" after a withdrawal
