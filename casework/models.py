"""Reference data, cases, the people needing care, notes, calls and care jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.enums import (
    Affiliation,
    CallStatus,
    CaseChannel,
    CaseStatus,
    JobKind,
    JobStatus,
    Need,
    NoCaseReason,
)
from fluxx.core.db import Base

if TYPE_CHECKING:
    from fluxx.core.models import Staff


class Municipality(Base):
    """Hannover and the other municipalities of the Region Hannover; partner periods feed the tariff."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    is_city: Mapped[bool] = mapped_column(default=False)
    partner_from: Mapped[date | None]
    partner_until: Mapped[date | None]
    residents: Mapped[int | None]

    def is_partner_on(self, day: date) -> bool:
        return (
            self.partner_from is not None
            and self.partner_from <= day
            and (self.partner_until is None or day <= self.partner_until)
        )


class Partner(Base):
    """A partner company (Partnerbetrieb): its employees' families pay the reduced rate."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    active_from: Mapped[date]
    active_until: Mapped[date | None]
    employees: Mapped[int | None]

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)


class Case(Base):
    """One counselling case (Krisenberatung)."""

    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_case_status_opened_at", "status", "opened_at"),
        Index("ix_case_opened_at_id", "opened_at", "id"),
        # Search and list filters stay index scans with a million cases. On PostgreSQL the pattern
        # operator class lets `LIKE 'prefix%'` use the index whatever the database collation is.
        Index(
            "ix_case_caller_phone_opened_at", "caller_phone", "opened_at",
            postgresql_ops={"caller_phone": "varchar_pattern_ops"},
        ),
        Index(
            "ix_case_caller_name_search_pattern", "caller_name_search",
            postgresql_ops={"caller_name_search": "varchar_pattern_ops"},
        ),
        Index("ix_case_callback_needed_opened_at", "callback_needed", "opened_at"),
        Index("ix_case_counsellor_id_opened_at", "counsellor_id", "opened_at"),
        Index("ix_case_municipality_id_opened_at", "municipality_id", "opened_at"),
        Index("ix_case_need_opened_at", "need", "opened_at"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    opened_at: Mapped[datetime]
    channel: Mapped[CaseChannel]
    caller_name: Mapped[str | None] = mapped_column(String(160))
    # Indexed below together with opened_at / as pattern indexes, which also serve equality.
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    caller_name_search: Mapped[str | None] = mapped_column(String(160))
    need: Mapped[Need | None]
    status: Mapped[CaseStatus] = mapped_column(default=CaseStatus.NEW)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    callback_needed: Mapped[bool] = mapped_column(default=False)
    callback_claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    callback_claimed_at: Mapped[datetime | None]
    callback_outcome: Mapped[str | None] = mapped_column(Text)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    district: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(Text)
    affiliation: Mapped[Affiliation] = mapped_column(default=Affiliation.NONE)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    employer_municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    consent_at: Mapped[datetime | None]
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime | None]
    # Set when retention has removed the personal data; the row stays for the statistics.
    anonymised_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    counsellor: Mapped[Staff | None] = relationship(foreign_keys=[counsellor_id])
    municipality: Mapped[Municipality | None] = relationship(foreign_keys=[municipality_id])
    partner: Mapped[Partner | None] = relationship()
    persons: Mapped[list[CarePerson]] = relationship(back_populates="case", order_by="CarePerson.id")
    windows: Mapped[list[CareWindow]] = relationship(back_populates="case", order_by="CareWindow.starts_at")
    calls: Mapped[list[Call]] = relationship(back_populates="case", order_by="Call.created_at")
    jobs: Mapped[list[CareJob]] = relationship(back_populates="case", order_by="CareJob.id")


class CarePerson(Base):
    """Who needs care in a case; minimised: first name or initials, age or need."""

    __tablename__ = "care_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    age_years: Mapped[int | None]
    need_description: Mapped[str | None] = mapped_column(Text)
    special_requirements: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="persons")


class CareWindow(Base):
    """A time window in which the family needs care."""

    __tablename__ = "care_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="windows")


class CaseNote(Base):
    """A note on a case; append-only."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CaseStatusChange(Base):
    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[CaseStatus | None]
    to_status: Mapped[CaseStatus]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]


class Call(Base):
    """One Twilio call, identified by its CallSid."""

    __tablename__ = "call"
    # "Calls of today" on the dashboard.
    __table_args__ = (Index("ix_call_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    direction: Mapped[str] = mapped_column(String(20), default="inbound")
    from_number: Mapped[str | None] = mapped_column(String(20), index=True)
    to_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[CallStatus] = mapped_column(default=CallStatus.RINGING)
    menu_attempts: Mapped[int] = mapped_column(default=0)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    dial_status: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_duration_seconds: Mapped[int | None]
    no_case_reason: Mapped[NoCaseReason | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    case: Mapped[Case | None] = relationship(back_populates="calls")
    accepted_by: Mapped[Staff | None] = relationship(foreign_keys=[accepted_by_id])
    events: Mapped[list[CallEvent]] = relationship(back_populates="call", order_by="CallEvent.id")


class CallEvent(Base):
    """The status history of a call as Twilio reported it (including duplicates and late arrivals)."""

    __tablename__ = "call_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]

    call: Mapped[Call] = relationship(back_populates="events")


class CareJob(Base):
    """A concrete care or driving job (Einsatz) for a case."""

    __tablename__ = "care_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[JobKind]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    district: Mapped[str | None] = mapped_column(String(80))
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    carers_needed: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(4))
    # The code while the job is open; NULL afterwards, so open jobs never share a code.
    active_code: Mapped[str | None] = mapped_column(String(4), unique=True)
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="jobs")
    municipality: Mapped[Municipality | None] = relationship()
