"""SMS at the edge: inbound messages and the message log staff read.

An inbound SMS is stored once per MessageSid, linked to the volunteer by number and handed to the domain
that owns the flow (`volunteers.replies` for a known volunteer); unknown numbers are answered politely.
The message log shows every SMS in and out, problems first to find, open inbound messages to handle.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
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
from volunteers.assignments import service as assignments
from volunteers.registry.models import Volunteer
from volunteers.replies import service as replies


@dataclass(frozen=True)
class Inbound:
    """An inbound SMS as Twilio's webhook gives it, with the moment it arrived. `reminder_hour`
    (FLUXX_REMINDER_HOUR) goes with a volunteer's reply: a yes schedules the reminder."""

    sid: str
    from_number: str
    to_number: str
    body: str
    now: datetime
    reminder_hour: int


def receive_sms(
    db: Session, *, sid: str, from_number: str, to_number: str, body: str, now: datetime, reminder_hour: int
) -> str | None:
    """Log an inbound SMS and return the answer to send (None: stay silent). A repeat does nothing."""
    return receive_many(db, [Inbound(sid, from_number, to_number, body, now, reminder_hour)])[0]


def receive_many(db: Session, inbound: Sequence[Inbound]) -> list[str | None]:
    """`receive_sms` for SMS arriving together (the webhook's group commit, `telephony.sms.views`): each is
    logged, handled and answered as if it had come alone, one after the other in this order.

    Written in runs of messages from different numbers: a run's senders are found with one query, its messages
    stored with one statement and our answers logged with one, and each message is handled in turn
    (`replies.handle_reply`). Two messages of the same sender are never in one run: the second is handled only
    after the first is stored, handled and answered, as it reads them (`outbox.auto_answered_recently`, the
    sender's offers)."""
    answers: list[str | None] = []
    for run in _runs(inbound):
        answers.extend(_receive_run(db, run))
    return answers


def _runs(inbound: Sequence[Inbound]) -> list[list[Inbound]]:
    """`inbound` cut into runs, in order, each without two messages from the same number."""
    runs: list[list[Inbound]] = []
    senders: set[str] = set()
    for item in inbound:
        sender = try_e164(item.from_number) or item.from_number
        if not runs or sender in senders:
            runs.append([])
            senders = set()
        runs[-1].append(item)
        senders.add(sender)
    return runs


def _receive_run(db: Session, run: Sequence[Inbound]) -> list[str | None]:
    volunteers = contact.by_phones(db, [item.from_number for item in run])
    messages = _stored_inbound(db, run, volunteers)
    # The volunteers' situations, read together. They stay true until a message of the run changes a job's carers
    # (a yes that wins, a withdrawal, hours: each takes the job's exclusive lock); from then on each is read anew.
    senders = {
        volunteer.id: item.now
        for item, message in zip(run, messages, strict=True)
        if message is not None and (volunteer := volunteers.get(item.from_number)) is not None
    }
    situations = replies.situations_of(db, senders) if len(senders) > 1 else {}
    locked = assignments.jobs_locked(db)
    answers: list[str | None] = []
    replies_to: list[tuple[Message, str, datetime]] = []
    for item, message in zip(run, messages, strict=True):
        if message is None:  # Twilio's retry, or the same webhook handled at this moment by another request
            answers.append(None)
            continue
        volunteer = volunteers.get(item.from_number)
        if volunteer is not None:
            situation = situations.get(volunteer.id) if assignments.jobs_locked(db) == locked else None
            answer = replies.handle_reply(
                db, volunteer=volunteer, message=message, now=item.now, reminder_hour=item.reminder_hour,
                situation=situation,
            )  # fmt: skip
        else:
            answer = _answer_unknown(db, message=message, now=item.now)
        answers.append(answer)
        if answer:
            replies_to.append((message, answer, item.now))
    log_replies(db, replies_to)
    return answers


def _stored_inbound(db: Session, run: Sequence[Inbound], volunteers: dict[str, Volunteer]) -> list[Message | None]:
    """The run's inbound messages, stored; None for one whose MessageSid is stored already (or being stored
    right now, or earlier in the run).

    One statement for the run, INSERT … ON CONFLICT (twilio_sid) DO NOTHING RETURNING id, twilio_sid, instead of
    looking each SID up and inserting it in a savepoint (four statements each through the ORM: a yes storm's
    answers queued on them). Each row becomes the session's own object as if just loaded, so the reply's
    changes to it are updates."""
    values: list[dict[str, object] | None] = []
    sids: set[str] = set()
    for item in run:
        sid = item.sid or None
        if sid is not None and sid in sids:
            values.append(None)
            continue
        if sid is not None:
            sids.add(sid)
        volunteer = volunteers.get(item.from_number)
        row: dict[str, object] = dict.fromkeys(_MESSAGE_COLUMNS)
        row.update(
            direction=MessageDirection.INBOUND, twilio_sid=sid, from_number=try_e164(item.from_number) or
            item.from_number, to_number=item.to_number, body=item.body, status=MessageStatus.RECEIVED, attempts=0,
            volunteer_id=volunteer.id if volunteer else None, created_at=item.now, updated_at=item.now,
        )  # fmt: skip
        del row["id"]
        values.append(row)
    statement = insert_or_skip(db, Message, on=("twilio_sid",), returning=("id", "twilio_sid"))
    connection = db.connection()
    with_sid = [row for row in values if row is not None and row["twilio_sid"] is not None]
    stored = {sid: id_ for id_, sid in connection.execute(statement, with_sid)} if with_sid else {}
    messages: list[Message | None] = []
    for values_of in values:
        message_id = None
        if values_of is not None:
            its_sid = values_of["twilio_sid"]
            # No SID to collide on (not from Twilio): stored on its own.
            message_id = connection.scalar(statement, values_of) if its_sid is None else stored.get(str(its_sid))
        if values_of is None or message_id is None:
            messages.append(None)
            continue
        message = Message(id=message_id, **values_of)
        make_transient_to_detached(message)
        db.add(message)
        messages.append(message)
    return messages


_MESSAGE_COLUMNS = tuple(column.key for column in Message.__table__.columns)


def _answer_unknown(db: Session, *, message: Message, now: datetime) -> str | None:
    # Withheld or alphanumeric senders and our own number cannot (or must not) be answered.
    if try_e164(message.from_number) is None or message.from_number == message.to_number:
        return None
    # One answer a day, not one per message (an auto-responder loop); the messages wait for staff.
    return None if outbox.auto_answered_recently(db, message=message, now=now) else sms_texts.UNKNOWN_SENDER


def log_replies(db: Session, answered: Sequence[tuple[Message, str, datetime]]) -> None:
    """Keep our TwiML answers (to each message, its answer and when) in the message log; Twilio sends them, so
    they never enter the outbox. One plain insert on the session's connection: nothing reads the rows back in
    this unit of work."""
    rows = [
        {
            "direction": MessageDirection.OUTBOUND,
            "from_number": message.to_number,
            "to_number": message.from_number,
            "body": body,
            "status": MessageStatus.SENT,
            "attempts": 0,
            "volunteer_id": message.volunteer_id,
            "sent_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for message, body, now in answered
    ]
    if rows:
        db.connection().execute(_REPLY, rows)


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
