"""Who a phone number belongs to, and whether that volunteer still wants SMS from us (the outbox asks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.phone import try_e164
from volunteers.registry.models import Volunteer


def by_phone(db: Session, phone: str | None) -> Volunteer | None:
    """The volunteer with this number in any common format (stored as E.164), or None."""
    number = try_e164(phone)
    if number is None:
        return None
    return db.scalar(select(Volunteer).where(Volunteer.phone == number))


def by_phones(db: Session, phones: Iterable[str | None]) -> dict[str, Volunteer]:
    """`by_phone` for many numbers in one query: each number as given (in any common format) to its volunteer;
    numbers that are nobody's, or no phone number at all, are left out."""
    numbers = {phone: try_e164(phone) for phone in set(phones) if phone}
    wanted = {number for number in numbers.values() if number is not None}
    if not wanted:
        return {}
    found = {volunteer.phone: volunteer for volunteer in db.scalars(_BY_PHONES, {"phones": sorted(wanted)})}
    return {phone: found[number] for phone, number in numbers.items() if number in found}


_BY_PHONES = select(Volunteer).where(Volunteer.phone.in_(bindparam("phones", expanding=True)))


def recipient(db: Session, *, volunteer_id: int | None, phone: str) -> Volunteer | None:
    """The volunteer an outbound SMS goes to: the linked one, else whoever has the number."""
    if volunteer_id is not None:
        return db.get(Volunteer, volunteer_id)
    return by_phone(db, phone)


def opt_out(volunteer: Volunteer, *, now: datetime) -> None:
    if volunteer.sms_opt_in:
        volunteer.sms_opt_in = False
        volunteer.opted_out_at = now
        volunteer.updated_at = now


def opt_in(volunteer: Volunteer, *, now: datetime) -> None:
    if not volunteer.sms_opt_in:
        volunteer.sms_opt_in = True
        volunteer.opted_out_at = None
        volunteer.updated_at = now


def opt_out_number(db: Session, *, volunteer_id: int | None, phone: str, now: datetime) -> None:
    """Twilio says the number unsubscribed (21610): stop offering it jobs until it sends START."""
    volunteer = recipient(db, volunteer_id=volunteer_id, phone=phone)
    if volunteer is not None:
        opt_out(volunteer, now=now)


class VolunteerRecipients:
    """The outbox's `Recipients` (`messaging.service`): its recipients are volunteers, found by id or
    number, opted out here. The app hands them to the worker's sender and tasks (`fluxx.wiring`); the SMS
    status webhook uses them for Twilio's "unsubscribed" (error 21610)."""

    def opted_out(self, db: Session, *, volunteer_id: int | None, phone: str) -> bool:
        volunteer = recipient(db, volunteer_id=volunteer_id, phone=phone)
        return volunteer is not None and not volunteer.sms_opt_in

    def opt_out(self, db: Session, *, volunteer_id: int | None, phone: str, now: datetime) -> None:
        opt_out_number(db, volunteer_id=volunteer_id, phone=phone, now=now)


RECIPIENTS = VolunteerRecipients()
