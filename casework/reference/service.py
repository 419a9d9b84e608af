"""Reference data: the municipalities of the Region Hannover and the partner companies, as the forms list them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.reference.forms import PartnerDetails
from casework.reference.models import Municipality, Partner


def municipalities(db: Session) -> list[Municipality]:
    return list(db.scalars(select(Municipality).order_by(Municipality.is_city.desc(), Municipality.name)))


def partners(db: Session) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.name)))


def partner_name_taken(db: Session, name: str) -> bool:
    return db.scalar(select(Partner.id).where(Partner.name == name)) is not None


def add_partner(db: Session, details: PartnerDetails) -> Partner:
    partner = Partner(name=details.name, active_from=details.active_from, active_until=details.active_until)
    db.add(partner)
    db.flush()
    return partner
