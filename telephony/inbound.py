"""Inbound SMS: stored once per MessageSid, linked to the volunteer by number, answered politely."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fluxx.core.phone import try_e164
from telephony import sms_texts
from telephony.models import Message, MessageDirection, MessageStatus
from volunteers import contact, replies

# Unknown numbers get one answer a day, not one per message: that would feed an auto-responder loop.
UNKNOWN_REPLY_EVERY = timedelta(hours=24)


def by_sid(db: Session, sid: str) -> Message | None:
    return db.scalar(select(Message).where(Message.twilio_sid == sid))


def receive_sms(db: Session, *, sid: str, from_number: str, to_number: str, body: str, now: datetime) -> str | None:
    """Log an inbound SMS and return the answer to send (None: stay silent). A repeat does nothing."""
    if sid and by_sid(db, sid) is not None:
        return None
    volunteer = contact.by_phone(db, from_number)
    message = Message(
        direction=MessageDirection.INBOUND,
        twilio_sid=sid or None,
        from_number=try_e164(from_number) or from_number,
        to_number=to_number,
        body=body,
        status=MessageStatus.RECEIVED,
        attempts=0,
        volunteer_id=volunteer.id if volunteer else None,
        created_at=now,
        updated_at=now,
    )
    try:
        with db.begin_nested():
            db.add(message)
            db.flush()
    except IntegrityError:
        return None  # the same webhook is being handled at this moment by another request
    if volunteer is not None:
        answer = replies.handle_reply(db, volunteer=volunteer, message=message, now=now)
    else:
        answer = _answer_unknown(db, message=message, now=now)
    if answer:
        log_reply(db, to_message=message, body=answer, now=now)
    return answer


def _answer_unknown(db: Session, *, message: Message, now: datetime) -> str | None:
    # Withheld or alphanumeric senders and our own number cannot (or must not) be answered.
    if try_e164(message.from_number) is None or message.from_number == message.to_number:
        return None
    earlier = exists().where(
        Message.direction == MessageDirection.INBOUND,
        Message.from_number == message.from_number,
        Message.id != message.id,
        Message.created_at > now - UNKNOWN_REPLY_EVERY,
    )
    return None if db.scalar(select(earlier)) else sms_texts.UNKNOWN_SENDER


def log_reply(db: Session, *, to_message: Message, body: str, now: datetime) -> Message:
    """Keep our TwiML answer in the message log; Twilio sends it, so it never enters the outbox."""
    reply = Message(
        direction=MessageDirection.OUTBOUND,
        from_number=to_message.to_number,
        to_number=to_message.from_number,
        body=body,
        status=MessageStatus.SENT,
        attempts=0,
        volunteer_id=to_message.volunteer_id,
        sent_at=now,
        created_at=now,
        updated_at=now,
    )
    db.add(reply)
    db.flush()
    return reply
