"""Helpers for SMS tests."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.db import make_sessionmaker
from core.settings import Settings
from fluxx.wiring import RECIPIENTS
from messaging.gateway import SmsGateway
from messaging.models import Message
from messaging.sender import OutboxSender, sender_for


def make_sender(
    settings: Settings, engine: Engine, clock: FrozenClock, *, gateway: SmsGateway | None = None, **kw: object
) -> OutboxSender:
    """The production sender, never sleeping: pacing is tested on its own with a recorded sleep."""
    sender = sender_for(
        settings, make_sessionmaker(engine), clock=clock, recipients=RECIPIENTS, gateway=gateway, sleep=lambda _s: None
    )
    for name, value in kw.items():
        setattr(sender, name, value)
    return sender


def messages(db: Session) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message).order_by(Message.id)))
