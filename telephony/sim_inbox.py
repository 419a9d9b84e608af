"""What the phone simulator shows: each volunteer's SMS conversation with us, from the message log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telephony.models import Message
from volunteers.models import Volunteer


@dataclass(frozen=True)
class Phone:
    """A simulated phone: a volunteer's, or any other number someone typed in."""

    number: str
    name: str | None
    message_count: int


def phones(db: Session) -> list[Phone]:
    """Every volunteer's phone with how many SMS it holds, busiest first, then by name."""
    counts = (
        select(Volunteer.phone, func.count(Message.id).label("n"))
        .join(Message, or_(Message.to_number == Volunteer.phone, Message.from_number == Volunteer.phone))
        .group_by(Volunteer.phone)
        .subquery()
    )
    rows = db.execute(
        select(Volunteer.phone, Volunteer.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.phone == Volunteer.phone)
        .order_by(func.coalesce(counts.c.n, 0).desc(), Volunteer.name)
    )
    return [Phone(number=number, name=name, message_count=count) for number, name, count in rows]


def conversation(db: Session, *, number: str, limit: int = 200) -> list[Message]:
    """Everything we sent to and received from `number`, oldest first, like a phone shows it."""
    query = (
        select(Message)
        .where(or_(Message.to_number == number, Message.from_number == number))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(db.scalars(query).all()))


def name_for(db: Session, number: str) -> str | None:
    return db.scalar(select(Volunteer.name).where(Volunteer.phone == number))
