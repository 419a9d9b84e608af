"""The tariff, pure: which hourly rate a family pays for a job on a given day, and why.

Counselling is free; a care hour costs the standard rate (5,00 €), less when the family is eligible for
a reduction on the job's date: a parent or relative works for a partner company or for a partner
municipality (3,00 €), or is a student in Hannover in a semester that covers the date (2,00 €). What
makes a family eligible is recorded on its case (`Eligibility`); partners and partner municipalities have
periods of membership, so a partner that left the network before the job's date no longer counts. Of all
reductions that apply, the lowest rate wins and its reason is written on the bill line
("Partnerbetrieb: Continental AG").

Rates are effective-dated rows an admin edits (`Rate`): the rate of a kind on a day is the row with the
latest `valid_from` on or before that day, so a price change never alters an earlier job's price, and a
bill keeps the rate it used. Driving services are arranged, not billed by the hour, unless an admin sets
a rate for them (`Service.DRIVING`).

Money is `Decimal`; each line is rounded half-up to cents once (`amount`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from casework.cases.rules import SemesterInvalid, semester_label, semester_period
from casework.enums import Affiliation

CENT = Decimal("0.01")
# The rates of the seed (DESIGN.md): standard, partner company or municipality as employer, students.
DEFAULT_RATES = {
    Affiliation.NONE: Decimal("5.00"),
    Affiliation.PARTNER_COMPANY: Decimal("3.00"),
    Affiliation.PARTNER_MUNICIPALITY: Decimal("3.00"),
    Affiliation.STUDENT: Decimal("2.00"),
}
# The order among equal rates: the reason written on the line is the first of these that applies.
PREFERENCE = (Affiliation.STUDENT, Affiliation.PARTNER_COMPANY, Affiliation.PARTNER_MUNICIPALITY, Affiliation.NONE)


class Service(enum.StrEnum):
    """What an hour is billed for: care (child care, care of a relative) or driving."""

    CARE = "care"
    DRIVING = "driving"

    @property
    def label(self) -> str:
        return {"care": "Betreuung", "driving": "Fahrdienst"}[self.value]


@dataclass(frozen=True)
class Rate:
    affiliation: Affiliation
    service: Service
    valid_from: date
    per_hour: Decimal


@dataclass(frozen=True)
class Membership:
    """A partner company or municipality and the period it belongs to the network (`until` inclusive)."""

    name: str
    since: date | None
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.since is not None and self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Eligibility:
    """What a case records about the family's right to a reduced rate."""

    partner: Membership | None = None  # the employer is a partner company
    municipality: Membership | None = None  # the employer is a municipality (partner or not)
    semester: str | None = None  # student in Hannover, e.g. "WiSe 2026/27"


@dataclass(frozen=True)
class Pricing:
    affiliation: Affiliation
    per_hour: Decimal
    reason: str  # written on the bill line


def rate_on(rates: Iterable[Rate], *, affiliation: Affiliation, service: Service, day: date) -> Decimal | None:
    """The rate of `affiliation` and `service` in force on `day` (the latest valid_from on or before it)."""
    valid = [r for r in rates if r.affiliation == affiliation and r.service == service and r.valid_from <= day]
    return max(valid, key=lambda r: r.valid_from).per_hour if valid else None


def reductions(eligibility: Eligibility, day: date) -> list[tuple[Affiliation, str]]:
    """The reductions the family has on `day`, with the reason for each; the standard rate always applies."""
    found: list[tuple[Affiliation, str]] = []
    if eligibility.partner is not None and eligibility.partner.covers(day):
        found.append((Affiliation.PARTNER_COMPANY, f"Partnerbetrieb: {eligibility.partner.name}"))
    if eligibility.municipality is not None and eligibility.municipality.covers(day):
        found.append(
            (Affiliation.PARTNER_MUNICIPALITY, f"Partnerkommune als Arbeitgeberin: {eligibility.municipality.name}")
        )
    if eligibility.semester and _in_semester(eligibility.semester, day):
        found.append((Affiliation.STUDENT, f"Studierende in Hannover ({semester_label(eligibility.semester)})"))
    found.append((Affiliation.NONE, "Standardtarif"))
    return found


def _in_semester(label: str, day: date) -> bool:
    try:
        first, last = semester_period(label)
    except SemesterInvalid:
        return False  # an unreadable semester gives no reduction (the case form refuses it)
    return first <= day <= last


def price(eligibility: Eligibility, rates: Iterable[Rate], *, service: Service, day: date) -> Pricing | None:
    """The lowest rate that applies on `day`, with its reason; None when nothing is billed (a driving
    service without a driving rate, or no rate in force yet)."""
    rates = list(rates)
    candidates: list[tuple[Decimal, int, Affiliation, str]] = []
    for affiliation, reason in reductions(eligibility, day):
        per_hour = rate_on(rates, affiliation=affiliation, service=service, day=day)
        if per_hour is None:  # e.g. driving: billed only for the affiliations an admin set a rate for
            continue
        candidates.append((per_hour, PREFERENCE.index(affiliation), affiliation, reason))
    if not candidates:
        return None
    per_hour, _order, affiliation, reason = min(candidates)
    return Pricing(affiliation=affiliation, per_hour=per_hour, reason=reason)


def amount(hours: Decimal, per_hour: Decimal) -> Decimal:
    """Hours times rate, rounded half-up to cents once: 1,25 h × 3,00 € = 3,75 €; 0,33 h × 5 € = 1,65 €."""
    return (hours * per_hour).quantize(CENT, rounding=ROUND_HALF_UP)
