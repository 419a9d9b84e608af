"""The tariff with the database: the rates in force, what a case says about the family, a job day's price.

The rules are pure (`billing.tariff.rules`); this module loads what they need and lets admins set a rate
from a date on. A new rate never changes a bill: bill lines keep the rate and reason they were issued
with; it prices the confirmed hours not yet billed whose day is on or after its date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import TariffRate
from billing.tariff import rules
from billing.tariff.rules import Eligibility, Membership, Pricing, Rate, Service
from casework.cases.models import Case
from casework.enums import Affiliation, JobKind
from casework.reference.models import Municipality, Partner
from core import audit
from core.errors import FieldErrors

MAX_RATE = Decimal("100.00")


def service_of(kind: JobKind) -> Service:
    """Driving jobs are priced as driving (billed only with a driving rate), all others as care."""
    return Service.DRIVING if kind is JobKind.DRIVING else Service.CARE


def all_rates(db: Session) -> list[Rate]:
    rows = db.scalars(select(TariffRate).order_by(TariffRate.valid_from, TariffRate.id)).all()
    return [Rate(r.affiliation, Service(r.service), r.valid_from, r.rate) for r in rows]


def eligibility(db: Session, case: Case) -> Eligibility:
    """What the case records, with the partners' membership periods as they are now."""
    partner = db.get(Partner, case.partner_id) if case.partner_id is not None else None
    employer = db.get(Municipality, case.employer_municipality_id) if case.employer_municipality_id else None
    return Eligibility(
        partner=Membership(partner.name, partner.active_from, partner.active_until) if partner else None,
        municipality=Membership(employer.name, employer.partner_from, employer.partner_until) if employer else None,
        semester=case.student_semester,
    )


def price(db: Session, *, case: Case, kind: JobKind, day: date, rates: list[Rate] | None = None) -> Pricing | None:
    """The rate for a job of `kind` of this case on `day` (None: not billed)."""
    in_force = all_rates(db) if rates is None else rates
    return rules.price(eligibility(db, case), in_force, service=service_of(kind), day=day)


def parse_rate(text: str) -> Decimal:
    """A rate typed by an admin ("3", "3,00", "2.5"): at most two decimals, 0 to 100 €. FieldErrors."""
    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldErrors({"rate": "Bitte einen Betrag in Euro angeben, z. B. 3,00."}) from None
    if not value.is_finite() or value < 0 or value > MAX_RATE:
        raise FieldErrors({"rate": "Der Stundensatz muss zwischen 0,00 € und 100,00 € liegen."})
    if value != value.quantize(rules.CENT):
        raise FieldErrors({"rate": "Bitte höchstens zwei Nachkommastellen angeben (Cent)."})
    return value.quantize(rules.CENT)


def set_rate(
    db: Session, *, affiliation: Affiliation, service: Service, valid_from: date, per_hour: Decimal, actor: audit.Actor
) -> TariffRate:
    """The rate of `affiliation` and `service` from `valid_from` on (the same date again replaces it)."""
    row = db.scalar(
        select(TariffRate).where(
            TariffRate.affiliation == affiliation, TariffRate.service == service, TariffRate.valid_from == valid_from
        )
    )
    before = None if row is None else str(row.rate)
    if row is None:
        row = TariffRate(affiliation=affiliation, service=service, valid_from=valid_from, rate=per_hour)
        db.add(row)
    row.rate, row.created_at, row.created_by_id = per_hour, actor.now, actor.staff_id
    db.flush()
    audit.record(
        db, actor, action="tariff.set", object_type="tariff_rate", object_id=row.id, case_id=None,
        detail={"affiliation": affiliation.value, "service": service.value, "valid_from": valid_from.isoformat(),
                "rate": str(per_hour), "before": before},
    )  # fmt: skip
    return row
