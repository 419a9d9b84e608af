"""Volunteers, where and when they help, their certificates, offers and assignments."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fluxx.core.db import Base


class OfferStatus(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TOO_LATE = "too_late"
    EXPIRED = "expired"


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    COMPLETED = "completed"


class Volunteer(Base):
    """A carer or driver reached by SMS; no app, no login."""

    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    sms_opt_in: Mapped[bool] = mapped_column(default=True)
    opted_out_at: Mapped[datetime | None]
    consent_at: Mapped[datetime | None]
    last_assigned_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    areas: Mapped[list[VolunteerArea]] = relationship(cascade="all, delete-orphan")
    availability: Mapped[list[VolunteerAvailability]] = relationship(cascade="all, delete-orphan")
    certificates: Mapped[list[VolunteerCertificate]] = relationship(cascade="all, delete-orphan")


class VolunteerArea(Base):
    __tablename__ = "volunteer_area"

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)


class VolunteerAvailability(Base):
    """A weekly time slot (weekday 0 = Monday) in Europe/Berlin local time."""

    __tablename__ = "volunteer_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]


class VolunteerCertificate(Base):
    """E.g. an extended police certificate (erweitertes Führungszeugnis) needed for child care."""

    __tablename__ = "volunteer_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[date | None]


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


class Assignment(Base):
    """A volunteer who took a job; at most one per job and volunteer."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("job_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("care_job.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(default=AssignmentStatus.ACTIVE)
    assigned_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    volunteer: Mapped[Volunteer] = relationship()
