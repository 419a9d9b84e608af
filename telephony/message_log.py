"""The message log staff read: every SMS in and out, problems first to find, open inbound to handle."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fluxx.core import audit
from telephony import status as sms_status
from telephony.models import Message, MessageDirection
from volunteers.models import Volunteer


class Show(enum.StrEnum):
    ALL = "all"
    PROBLEMS = "problems"  # failed or undelivered outbound messages
    OPEN = "open"  # inbound messages nobody has handled yet


@dataclass(frozen=True)
class Entry:
    message: Message
    volunteer_name: str | None

    @property
    def status_label(self) -> str:
        return sms_status.label(self.message.status)

    @property
    def error(self) -> str:
        return sms_status.error_text(self.message.error_code, self.message.error_message)

    @property
    def is_problem(self) -> bool:
        return self.message.status in sms_status.PROBLEMS

    @property
    def is_open(self) -> bool:
        return self.message.direction == MessageDirection.INBOUND and self.message.handled_at is None


def _filtered(query: Select, show: Show, job_id: int | None) -> Select:
    if show == Show.PROBLEMS:
        query = query.where(Message.status.in_(sms_status.PROBLEMS))
    elif show == Show.OPEN:
        query = query.where(Message.direction == MessageDirection.INBOUND, Message.handled_at.is_(None))
    if job_id is not None:
        query = query.where(Message.job_id == job_id)
    return query


def entries(db: Session, *, show: Show = Show.ALL, job_id: int | None = None, limit: int = 300) -> list[Entry]:
    """The newest messages matching the filter, each with its volunteer's name."""
    query = select(Message, Volunteer.name).outerjoin(Volunteer, Message.volunteer_id == Volunteer.id)
    query = _filtered(query, show, job_id).order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    return [Entry(message=message, volunteer_name=name) for message, name in db.execute(query)]


def mark_handled(db: Session, *, message_id: int, actor: audit.Actor) -> Message | None:
    """Staff took care of an inbound message (called back, answered by phone, or nothing to do)."""
    message = db.get(Message, message_id)
    if message is None or message.direction != MessageDirection.INBOUND:
        return None
    if message.handled_at is None:
        message.handled_at = message.updated_at = actor.now
        audit.record(
            db, actor, action="message.handled", object_type="message", object_id=message.id,
            case_id=message.case_id,
        )  # fmt: skip
    return message
