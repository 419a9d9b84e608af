"""Reference data: the municipalities of the Region Hannover and the partner companies, as the forms list them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.reference.models import Municipality, Partner


def municipalities(db: Session) -> list[Municipality]:
    return list(db.scalars(select(Municipality).order_by(Municipality.is_city.desc(), Municipality.name)))


def partners(db: Session) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.name)))
