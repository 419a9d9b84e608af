"""Reference data: the municipalities of the Region Hannover and the partner companies, as the forms list them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.reference.forms import PartnerDetails
from casework.reference.models import Municipality, Partner
from core import audit
from core.errors import NotFound


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


def set_partner_period(db: Session, *, partner_id: int, since: date, until: date | None, actor: audit.Actor) -> Partner:
    """A partner company's membership: joined, and left (the tariff counts only job days within it)."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("Diesen Partnerbetrieb gibt es nicht.")
    before = (partner.active_from.isoformat(), partner.active_until.isoformat() if partner.active_until else None)
    partner.active_from, partner.active_until = since, until
    audit.record(
        db, actor, action="partner.period", object_type="partner", object_id=partner.id, case_id=None,
        detail={"before": list(before), "since": since.isoformat(), "until": until.isoformat() if until else None},
    )  # fmt: skip
    return partner


def set_municipality_period(
    db: Session, *, municipality_id: int, since: date | None, until: date | None, actor: audit.Actor
) -> Municipality:
    """A municipality's membership as a partner (empty: no partner)."""
    town = db.get(Municipality, municipality_id)
    if town is None:
        raise NotFound("Diese Kommune gibt es nicht.")
    town.partner_from, town.partner_until = since, until
    audit.record(
        db, actor, action="municipality.period", object_type="municipality", object_id=town.id, case_id=None,
        detail={"since": since.isoformat() if since else None, "until": until.isoformat() if until else None},
    )  # fmt: skip
    return town
