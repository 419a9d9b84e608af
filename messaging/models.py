"""Every SMS in and out; outbound rows are the outbox the worker sends from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base
from messaging.rules import MessageDirection, MessageStatus


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[MessageDirection]
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(40))
    to_number: Mapped[str] = mapped_column(String(40), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus]
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("care_job.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"), index=True)
    # Inbound messages from unknown numbers wait for staff until someone marks them handled.
    handled_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# What a case owns here (see core.case_owned): an SMS to or from the family touches the case (an automatic
# answer too), but is nothing entered into it.
CASE_OWNED = (CaseOwned(Message, OnMerge.MOVE, Counts.ACTIVITY, anonymise=("body", "from_number", "to_number")),)
