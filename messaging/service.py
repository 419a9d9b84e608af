"""The SMS outbox: a message is a row written in the caller's transaction, sent later by the worker.

`queue_sms` is the one way other capabilities send an SMS. The worker claims due rows in a committed
transaction before it calls Twilio (so two workers never send the same row and a worker that dies
leaves a claim that runs out), then records Twilio's answer in a second transaction. Twilio's status
callbacks then move a message forward, idempotently and never backwards.

This is messaging infrastructure below the domains: it knows phone numbers, not volunteers. Whether a
recipient opted out, and what follows when Twilio says one did (error 21610), it asks the `Recipients`
it is handed: the app assembles them from the volunteers domain (`fluxx.wiring`) for the worker's sender
and tasks, and the SMS status webhook passes the volunteers' own (`volunteers.contact.RECIPIENTS`).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.models import ScheduledTask
from core.phone import try_e164
from core.settings import HOTLINE_NUMBER
from core.worker import Handler, retry_delay, schedule_once
from messaging import rules, texts
from messaging.gateway import SendError, SendResult
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus

MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)
# With backoff doubling up to 30 minutes, 16 attempts span about four hours of a Twilio outage.
MAX_ATTEMPTS = 16
LEASE = timedelta(minutes=5)


class Recipients(Protocol):
    """Who the outbox texts, as far as it needs to know: whether they still want SMS, and opting them out."""

    def opted_out(self, db: Session, *, volunteer_id: int | None, phone: str) -> bool: ...

    def opt_out(self, db: Session, *, volunteer_id: int | None, phone: str, now: datetime) -> None: ...


class NobodyOptedOut:
    """Recipients for an outbox without volunteers (tests of the outbox alone): every number wants its SMS."""

    def opted_out(self, db: Session, *, volunteer_id: int | None, phone: str) -> bool:
        return False

    def opt_out(self, db: Session, *, volunteer_id: int | None, phone: str, now: datetime) -> None:
        return None


def queue_sms(
    db: Session,
    *,
    to: str,
    body: str,
    now: datetime,
    case_id: int | None = None,
    job_id: int | None = None,
    volunteer_id: int | None = None,
) -> Message:
    """Put an SMS in the outbox in the caller's transaction; it leaves only if that transaction commits."""
    if not body or len(body) > MAX_BODY:
        raise ValueError(f"an SMS body needs 1 to {MAX_BODY} characters, got {len(body)}")
    message = Message(
        direction=MessageDirection.OUTBOUND,
        # An invalid number is kept as given: Twilio refuses it (21211) and staff see why.
        to_number=try_e164(to) or to.strip(),
        from_number=HOTLINE_NUMBER,  # until the worker records the sender Twilio used (FLUXX_TWILIO_FROM)
        body=body,
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        case_id=case_id,
        job_id=job_id,
        volunteer_id=volunteer_id,
        created_at=now,
        updated_at=now,
    )
    db.add(message)
    db.flush()
    return message


def auto_answered_recently(db: Session, *, message: Message, now: datetime) -> bool:
    """Whether the sender of inbound `message` already had their automatic answer in the last
    `rules.AUTO_ANSWER_EVERY`: another of their messages in that time still waits for staff, and it was
    the one answered (or itself held back for the same reason)."""
    params = {"from_number": message.from_number, "message_id": message.id, "since": now - rules.AUTO_ANSWER_EVERY}
    return bool(db.scalar(_earlier_unhandled(), params))


@cache
def _earlier_unhandled() -> Select[bool]:
    """The statement of `auto_answered_recently`, built once: every inbound SMS asks it."""
    return select(
        exists().where(
            Message.direction == MessageDirection.INBOUND,
            Message.from_number == bindparam("from_number", type_=Message.from_number.type),
            Message.id != bindparam("message_id", type_=Message.id.type),
            Message.handled_at.is_(None),
            Message.created_at > bindparam("since", type_=Message.created_at.type),
        )
    )


@dataclass(frozen=True)
class Outgoing:
    """What the worker needs to send one claimed message, detached from any session."""

    id: int
    to: str
    body: str
    attempts: int
    recipient_opted_out: bool


def claim_due(factory: sessionmaker[Session], *, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages (and claims whose lease ran out) and commit the claim.

    Deliberately not a `core.worker` task queue (whose claim looks much like this one; the backoff,
    `retry_delay`, is shared): the claim must be committed before Twilio is called and the answer recorded
    in a second transaction, while a task runs in one; the row is the message (status, SID, error, the log
    staff read), and sending is paced per process. The full reasoning is next to `core.worker.Poller`."""
    due = or_(
        and_(Message.status == MessageStatus.PENDING, Message.next_attempt_at <= now),
        # A worker that died after claiming leaves the row claimed; its lease ends and it is due again.
        and_(Message.status == MessageStatus.CLAIMED, Message.next_attempt_at <= now),
    )
    with transaction(factory) as db:
        rows = db.scalars(
            select(Message)
            .where(Message.direction == MessageDirection.OUTBOUND, due)
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for message in rows:
            message.status = MessageStatus.CLAIMED
            message.attempts += 1
            message.next_attempt_at = now + LEASE
            message.updated_at = now
        return [message.id for message in rows]


def load(factory: sessionmaker[Session], message_id: int, *, recipients: Recipients) -> Outgoing:
    with transaction(factory) as db:
        message = db.get_one(Message, message_id)
        return Outgoing(
            id=message.id,
            to=message.to_number,
            body=message.body,
            attempts=message.attempts,
            recipient_opted_out=recipients.opted_out(db, volunteer_id=message.volunteer_id, phone=message.to_number),
        )


def _claimed(db: Session, message_id: int) -> Message | None:
    """The row if it is still claimed; a finished or re-queued row is not ours to change."""
    message = db.get(Message, message_id, with_for_update=True)
    return message if message is not None and message.status == MessageStatus.CLAIMED else None


def record_sent(
    factory: sessionmaker[Session], message_id: int, *, result: SendResult, sender: str, now: datetime
) -> None:
    with transaction(factory) as db:
        message = _claimed(db, message_id)
        if message is None:
            return
        message.twilio_sid = result.sid
        message.status = result.status
        message.from_number = sender
        message.error_code = message.error_message = None
        message.next_attempt_at = None
        message.sent_at = now
        message.delivered_at = now if result.status == MessageStatus.DELIVERED else None
        message.updated_at = now


def record_error(
    factory: sessionmaker[Session],
    message_id: int,
    *,
    error: SendError,
    now: datetime,
    recipients: Recipients,
    rng: random.Random | None = None,
) -> None:
    """Retry a transient error later with backoff; store a permanent one (or the last try) as failed."""
    with transaction(factory) as db:
        message = _claimed(db, message_id)
        if message is None:
            return
        message.error_code = error.code
        message.error_message = error.message[:2000]
        message.updated_at = now
        if error.retryable and message.attempts < MAX_ATTEMPTS:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = now + retry_delay(message.attempts, rng)
            return
        message.status = MessageStatus.FAILED
        message.next_attempt_at = None
        if error.code == rules.OPTED_OUT_ERROR:
            recipients.opt_out(db, volunteer_id=message.volunteer_id, phone=message.to_number, now=now)


def release(factory: sessionmaker[Session], message_ids: list[int], *, now: datetime) -> None:
    """Give unsent claims back at shutdown, so they go out now rather than after the lease."""
    with transaction(factory) as db:
        for message_id in message_ids:
            message = _claimed(db, message_id)
            if message is not None:
                message.status = MessageStatus.PENDING
                message.attempts -= 1
                message.next_attempt_at = now


log = logging.getLogger("fluxx.sms")

LATE_STATUS = "sms.late_status"
# The worker stores the SID only after Twilio answered; a fast callback can arrive just before that.
LATE_STATUS_DELAY = timedelta(seconds=10)


class StatusForUnknownMessage(Exception):
    """A callback names a SID we do not (yet) know; the task is retried with backoff, then given up."""


def by_sid(db: Session, sid: str) -> Message | None:
    return db.scalar(select(Message).where(Message.twilio_sid == sid))


def apply_status(
    db: Session, *, message: Message, status_value: str, error_code: int | None, now: datetime, recipients: Recipients
) -> bool:
    """Move the message to Twilio's reported status if that is later; return whether it changed."""
    new = rules.from_twilio(status_value)
    if new is None or not rules.advances(message.status, new):
        return False
    message.status = new
    message.updated_at = now
    if new == MessageStatus.SENT:
        message.sent_at = message.sent_at or now
    if new == MessageStatus.DELIVERED:
        message.delivered_at = now
    if new in rules.PROBLEMS:
        message.error_code = error_code
        message.error_message = texts.ERRORS.get(error_code or 0)
        if error_code == rules.OPTED_OUT_ERROR:
            recipients.opt_out(db, volunteer_id=message.volunteer_id, phone=message.to_number, now=now)
    return True


def receive_status(
    db: Session, *, sid: str, status_value: str, error_code: int | None, now: datetime, recipients: Recipients
) -> Message | None:
    """Apply a status callback; for an unknown SID, look again a little later (see LATE_STATUS_DELAY)."""
    message = by_sid(db, sid)
    if message is not None:
        apply_status(
            db, message=message, status_value=status_value, error_code=error_code, now=now, recipients=recipients
        )
        return message
    log.warning("status %r for unknown message %s; checking again later", status_value, sid)
    payload = {"sid": sid, "status": status_value, "error_code": error_code}
    # The same callback twice schedules one check: one is enough.
    schedule_once(
        db, kind=LATE_STATUS, key=f"sms-status:{sid}:{status_value}", due_at=now + LATE_STATUS_DELAY, now=now,
        payload=payload,
    )  # fmt: skip
    return None


def handlers(recipients: Recipients) -> dict[str, Handler]:
    """The outbox's worker tasks, for the app to assemble (`fluxx.wiring.task_handlers`)."""

    def late_status(db: Session, task: ScheduledTask, now: datetime) -> None:
        payload = task.payload
        message = by_sid(db, payload["sid"])
        if message is None:
            raise StatusForUnknownMessage(payload["sid"])
        apply_status(
            db, message=message, status_value=payload["status"], error_code=payload["error_code"], now=now,
            recipients=recipients,
        )  # fmt: skip

    return {LATE_STATUS: late_status}
