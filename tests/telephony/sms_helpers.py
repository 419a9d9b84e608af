"""Helpers for SMS tests."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fluxx.core.clock import FrozenClock
from fluxx.core.db import make_sessionmaker
from fluxx.core.settings import Settings
from telephony.outbox.gateway import SmsGateway
from telephony.outbox.models import Message
from telephony.outbox.sender import OutboxSender, sender_for


def make_sender(
    settings: Settings, engine: Engine, clock: FrozenClock, *, gateway: SmsGateway | None = None, **kw: object
) -> OutboxSender:
    """The production sender, never sleeping: pacing is tested on its own with a recorded sleep."""
    sender = sender_for(settings, make_sessionmaker(engine), clock=clock, gateway=gateway, sleep=lambda _s: None)
    for name, value in kw.items():
        setattr(sender, name, value)
    return sender


def messages(db: Session) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message).order_by(Message.id)))
