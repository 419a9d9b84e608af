"""SMS at the edge: inbound messages and the message log staff read.

An inbound SMS is stored once per MessageSid, linked to the volunteer by number and handed to the domain
that owns the flow (`volunteers.replies` for a known volunteer); unknown numbers are answered politely.
The message log shows every SMS in and out, problems first to find, open inbound messages to handle.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from casework.jobs.models import CareJob
from core import audit
from core.db import insert_or_skip
from core.phone import try_e164
from messaging import rules as sms_status
from messaging import service as outbox
from messaging import texts as sms_texts
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from volunteers import contact
from volunteers.registry.models import Volunteer
from volunteers.replies import service as replies


def receive_sms(
    db: Session, *, sid: str, from_number: str, to_number: str, body: str, now: datetime, reminder_hour: int
) -> str | None:
    """Log an inbound SMS and return the answer to send (None: stay silent). A repeat does nothing.
    `reminder_hour` (FLUXX_REMINDER_HOUR) goes with a volunteer's reply: a yes schedules the reminder."""
    volunteer = contact.by_phone(db, from_number)
    message = _stored_inbound(
        db, sid=sid, from_number=try_e164(from_number) or from_number, to_number=to_number, body=body, now=now,
        volunteer_id=volunteer.id if volunteer else None,
    )  # fmt: skip
    if message is None:
        return None  # Twilio's retry, or the same webhook handled at this moment by another request
    if volunteer is not None:
        answer = replies.handle_reply(db, volunteer=volunteer, message=message, now=now, reminder_hour=reminder_hour)
    else:
        answer = _answer_unknown(db, message=message, now=now)
    if answer:
        log_reply(db, to_message=message, body=answer, now=now)
    return answer


def _stored_inbound(
    db: Session, *, sid: str, from_number: str, to_number: str, body: str, now: datetime, volunteer_id: int | None
) -> Message | None:
    """The inbound message, stored; None if its MessageSid is stored already (or being stored right now).

    One statement, INSERT … ON CONFLICT (twilio_sid) DO NOTHING RETURNING id, instead of looking the SID up
    and inserting in a savepoint (four statements through the ORM: a yes storm's answers queued on them).
    The row becomes the session's own object as if just loaded, so the reply's changes to it are updates."""
    values: dict[str, object] = dict.fromkeys(_MESSAGE_COLUMNS)
    values.update(
        direction=MessageDirection.INBOUND, twilio_sid=sid or None, from_number=from_number, to_number=to_number,
        body=body, status=MessageStatus.RECEIVED, attempts=0, volunteer_id=volunteer_id, created_at=now,
        updated_at=now,
    )  # fmt: skip
    row = {key: value for key, value in values.items() if key != "id"}
    message_id = db.connection().scalar(insert_or_skip(db, Message, on=("twilio_sid",), returning="id"), row)
    if message_id is None:
        return None
    values["id"] = message_id
    message = Message(**values)
    make_transient_to_detached(message)
    db.add(message)
    return message


_MESSAGE_COLUMNS = tuple(column.key for column in Message.__table__.columns)


def _answer_unknown(db: Session, *, message: Message, now: datetime) -> str | None:
    # Withheld or alphanumeric senders and our own number cannot (or must not) be answered.
    if try_e164(message.from_number) is None or message.from_number == message.to_number:
        return None
    # One answer a day, not one per message (an auto-responder loop); the messages wait for staff.
    return None if outbox.auto_answered_recently(db, message=message, now=now) else sms_texts.UNKNOWN_SENDER


def log_reply(db: Session, *, to_message: Message, body: str, now: datetime) -> None:
    """Keep our TwiML answer in the message log; Twilio sends it, so it never enters the outbox. One plain
    insert on the session's connection: nothing reads the row back in this unit of work."""
    reply = {
        "direction": MessageDirection.OUTBOUND, "from_number": to_message.to_number,
        "to_number": to_message.from_number, "body": body, "status": MessageStatus.SENT, "attempts": 0,
        "volunteer_id": to_message.volunteer_id, "sent_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip
    db.connection().execute(_REPLY, reply)


_REPLY = insert(Message)


class Show(enum.StrEnum):
    ALL = "all"
    PROBLEMS = "problems"  # failed or undelivered outbound messages
    OPEN = "open"  # inbound messages nobody has handled yet


@dataclass(frozen=True)
class Entry:
    message: Message
    volunteer_name: str | None
    job_code: str | None = None

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


@dataclass(frozen=True)
class Thread:
    """One conversation of the message log: every SMS with one volunteer, or every SMS about one job."""

    title: str
    volunteer_phone: str | None = None


def thread(db: Session, *, job_id: int | None, volunteer_id: int | None) -> Thread | None:
    """The conversation the log is narrowed to, named as the page heads it (None: the whole log)."""
    if volunteer_id is not None:
        volunteer = db.get(Volunteer, volunteer_id)
        return Thread(f"SMS mit {volunteer.name}", volunteer.phone) if volunteer else Thread("SMS mit unbekannt")
    if job_id is not None:
        code = db.scalar(select(CareJob.code).where(CareJob.id == job_id))
        return Thread(f"SMS zu Einsatz {code}" if code else "SMS zu einem gelöschten Einsatz")
    return None


def _filtered(
    query: Select[Message, str, str], show: Show, job_id: int | None, volunteer_id: int | None = None
) -> Select[Message, str, str]:
    if show == Show.PROBLEMS:
        query = query.where(Message.status.in_(sms_status.PROBLEMS))
    elif show == Show.OPEN:
        query = query.where(Message.direction == MessageDirection.INBOUND, Message.handled_at.is_(None))
    if job_id is not None:
        query = query.where(Message.job_id == job_id)
    if volunteer_id is not None:
        query = query.where(Message.volunteer_id == volunteer_id)
    return query


def entries(
    db: Session, *, show: Show = Show.ALL, job_id: int | None = None, volunteer_id: int | None = None, limit: int = 300
) -> list[Entry]:
    """The newest messages matching the filter, each with its volunteer's name and its job's code.

    A thread (one job's or one volunteer's messages) reads as a conversation: oldest first."""
    query = (
        select(Message, Volunteer.name, CareJob.code)
        .outerjoin(Volunteer, Message.volunteer_id == Volunteer.id)
        .outerjoin(CareJob, Message.job_id == CareJob.id)
    )
    query = _filtered(query, show, job_id, volunteer_id)
    newest = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    found = [Entry(message=message, volunteer_name=name, job_code=code) for message, name, code in db.execute(newest)]
    conversation = job_id is not None or volunteer_id is not None
    return found[::-1] if conversation else found


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
