"""The SMS outbox: a message is a row written in the caller's transaction, sent later by the worker.

`queue_sms` is the one way other capabilities send an SMS. The worker claims due rows in a committed
transaction before it calls Twilio (so two workers never send the same row and a worker that dies
leaves a claim that runs out), then records Twilio's answer in a second transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from fluxx.core.phone import try_e164
from fluxx.core.settings import HOTLINE_NUMBER
from fluxx.core.worker import retry_delay
from telephony.gateway import SendError, SendResult
from telephony.models import Message, MessageDirection, MessageStatus
from volunteers import contact

MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)
# With backoff doubling up to 30 minutes, 16 attempts span about four hours of a Twilio outage.
MAX_ATTEMPTS = 16
LEASE = timedelta(minutes=5)
OPTED_OUT = 21610


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
        from_number=HOTLINE_NUMBER,
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


@dataclass(frozen=True)
class Outgoing:
    """What the worker needs to send one claimed message, detached from any session."""

    id: int
    to: str
    body: str
    attempts: int
    recipient_opted_out: bool


def claim_due(factory: sessionmaker[Session], *, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages (and claims whose lease ran out) and commit the claim."""
    due = or_(
        and_(Message.status == MessageStatus.PENDING, Message.next_attempt_at <= now),
        # A worker that died after claiming leaves the row claimed; its lease ends and it is due again.
        and_(Message.status == MessageStatus.CLAIMED, Message.next_attempt_at <= now),
    )
    with factory() as db, db.begin():
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


def load(factory: sessionmaker[Session], message_id: int) -> Outgoing:
    with factory() as db:
        message = db.get_one(Message, message_id)
        volunteer = contact.recipient(db, volunteer_id=message.volunteer_id, phone=message.to_number)
        return Outgoing(
            id=message.id,
            to=message.to_number,
            body=message.body,
            attempts=message.attempts,
            recipient_opted_out=volunteer is not None and not volunteer.sms_opt_in,
        )


def _claimed(db: Session, message_id: int) -> Message | None:
    """The row if it is still claimed; a finished or re-queued row is not ours to change."""
    message = db.get(Message, message_id, with_for_update=True)
    return message if message is not None and message.status == MessageStatus.CLAIMED else None


def record_sent(
    factory: sessionmaker[Session], message_id: int, *, result: SendResult, sender: str, now: datetime
) -> None:
    with factory() as db, db.begin():
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
    rng: random.Random | None = None,
) -> None:
    """Retry a transient error later with backoff; store a permanent one (or the last try) as failed."""
    with factory() as db, db.begin():
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
        if error.code == OPTED_OUT:
            contact.opt_out_number(db, volunteer_id=message.volunteer_id, phone=message.to_number, now=now)


def release(factory: sessionmaker[Session], message_ids: list[int], *, now: datetime) -> None:
    """Give unsent claims back at shutdown, so they go out now rather than after the lease."""
    with factory() as db, db.begin():
        for message_id in message_ids:
            message = _claimed(db, message_id)
            if message is not None:
                message.status = MessageStatus.PENDING
                message.attempts -= 1
                message.next_attempt_at = now
