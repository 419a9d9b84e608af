"""Calls attached to cases: one row per Twilio call, and its status history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.enums import CallStatus, NoCaseReason
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base

if TYPE_CHECKING:
    from casework.cases.models import Case
    from core.models import Staff


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

    case: Mapped[Case | None] = relationship(back_populates="calls", lazy="raise")
    accepted_by: Mapped[Staff | None] = relationship(foreign_keys=[accepted_by_id], lazy="raise")
    events: Mapped[list[CallEvent]] = relationship(back_populates="call", order_by="CallEvent.id", lazy="raise")


class CallEvent(Base):
    """The status history of a call as Twilio reported it (including duplicates and late arrivals)."""

    __tablename__ = "call_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]

    call: Mapped[Call] = relationship(back_populates="events", lazy="raise")


# What a case owns here (see core.case_owned). A call marked "kein Fall" is no content of its case (but the
# case is no longer untouched). The call events hang on the call, not on the case.
CASE_OWNED = (
    CaseOwned(
        Call,
        OnMerge.MOVE,
        Counts.CONTENT,
        anonymise=("from_number", "recording_sid", "recording_url"),
        content_unless="no_case_reason",
    ),
)
