"""Reference data: the municipalities of the Region Hannover and the partner companies, as the forms list them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.reference.forms import MunicipalityDetails, PartnerDetails
from casework.reference.models import Municipality, Partner
from core import audit
from core.errors import NotFound


def municipalities(db: Session) -> list[Municipality]:
    return list(db.scalars(select(Municipality).order_by(Municipality.is_city.desc(), Municipality.name)))


def partners(db: Session) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.name)))


def partner_name_taken(db: Session, name: str, *, other_than: int | None = None) -> bool:
    query = select(Partner.id).where(Partner.name == name)
    if other_than is not None:
        query = query.where(Partner.id != other_than)
    return db.scalar(query) is not None


def get_partner(db: Session, partner_id: int) -> Partner:
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("Diesen Partnerbetrieb gibt es nicht.")
    return partner


def get_municipality(db: Session, municipality_id: int) -> Municipality:
    town = db.get(Municipality, municipality_id)
    if town is None:
        raise NotFound("Diese Kommune gibt es nicht.")
    return town


def add_partner(db: Session, details: PartnerDetails) -> Partner:
    partner = Partner(name=details.name, active_from=details.active_from, active_until=details.active_until,
                      employees=details.employees)  # fmt: skip
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


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _apply(row: object, wanted: dict[str, object]) -> dict[str, list[object]]:
    """Set the fields of `row` that differ from `wanted`; each changed field with its value before and after."""
    changed = {field: [_value(getattr(row, field)), _value(value)] for field, value in wanted.items()
               if getattr(row, field) != value}  # fmt: skip
    for field in changed:
        setattr(row, field, wanted[field])
    return changed


def update_partner(db: Session, *, partner_id: int, details: PartnerDetails, actor: audit.Actor) -> list[str]:
    """Name, membership and employees of a partner company; the changed fields (audited with before and after: an
    organisation's facts, no person's). Issued bills keep the rate they were made with."""
    partner = get_partner(db, partner_id)
    changed = _apply(partner, {"name": details.name, "active_from": details.active_from,
                               "active_until": details.active_until, "employees": details.employees})  # fmt: skip
    if changed:
        audit.record(db, actor, action="partner.edit", object_type="partner", object_id=partner.id, case_id=None,
                     detail={"changes": changed})  # fmt: skip
    return list(changed)


def update_municipality(
    db: Session, *, municipality_id: int, details: MunicipalityDetails, actor: audit.Actor
) -> list[str]:
    """A municipality's partner period and residents; the changed fields (audited with before and after)."""
    town = get_municipality(db, municipality_id)
    changed = _apply(town, {"partner_from": details.partner_from, "partner_until": details.partner_until,
                            "residents": details.residents})  # fmt: skip
    if changed:
        audit.record(db, actor, action="municipality.edit", object_type="municipality", object_id=town.id,
                     case_id=None, detail={"changes": changed})  # fmt: skip
    return list(changed)
