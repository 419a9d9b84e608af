"""What happens when a known volunteer texts us, and what we answer.

`handle_reply` is the hook telephony calls for every inbound SMS from a volunteer. Keywords are
handled completely (the message is marked handled); anything else waits for staff.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from telephony.outbox import texts as sms_texts
from telephony.outbox.models import Message, MessageDirection
from volunteers import contact
from volunteers.registry.models import Volunteer
from volunteers.replies.rules import Reply, ReplyKind, parse

# One "we will get back to you" per day: an auto-responder on the other side must not start a loop.
FALLBACK_EVERY = timedelta(hours=24)

Handler = Callable[[Session, Volunteer, Message, Reply, datetime], str | None]


def _opt_out(db: Session, volunteer: Volunteer, message: Message, reply: Reply, now: datetime) -> str:
    contact.opt_out(volunteer, now=now)
    return sms_texts.OPTED_OUT


def _opt_in(db: Session, volunteer: Volunteer, message: Message, reply: Reply, now: datetime) -> str:
    contact.opt_in(volunteer, now=now)
    return sms_texts.OPTED_IN


def _help(db: Session, volunteer: Volunteer, message: Message, reply: Reply, now: datetime) -> str:
    return sms_texts.HELP


HANDLERS: dict[ReplyKind, Handler] = {
    ReplyKind.OPT_OUT: _opt_out,
    ReplyKind.OPT_IN: _opt_in,
    ReplyKind.HELP: _help,
}


def earlier_free_text(db: Session, *, message: Message, since: datetime) -> bool:
    """Whether the same number sent another still-open free text since `since` (already answered)."""
    query = exists().where(
        Message.direction == MessageDirection.INBOUND,
        Message.from_number == message.from_number,
        Message.id != message.id,
        Message.handled_at.is_(None),
        Message.created_at > since,
    )
    return bool(db.scalar(select(query)))


def handle_reply(db: Session, *, volunteer: Volunteer, message: Message, now: datetime) -> str | None:
    """Act on a volunteer's SMS; return the German answer, or None to stay silent."""
    reply = parse(message.body)
    handler = HANDLERS.get(reply.kind)
    if handler is not None:
        message.handled_at = now
        return handler(db, volunteer, message, reply, now)
    # Free text stays open for staff (handled_at empty) and gets at most one polite answer a day.
    if earlier_free_text(db, message=message, since=now - FALLBACK_EVERY):
        return None
    return sms_texts.FORWARDED if volunteer.sms_opt_in else sms_texts.STILL_OPTED_OUT
