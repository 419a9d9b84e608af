"""The network of the calibrated history: partner companies and partner municipalities joining over the years.

By 2021 (the service's years 7 and 8) 47 partner companies with 86,546 employees and 14 municipalities of the
Region with 464,949 residents are partners, besides the city with its 539,641 residents (DESIGN.md §1); the
48th company and the 15th municipality join on 1 January 2023, as the network is today. The companies are
the demo's invented ones (`fluxx.demo.PARTNERS`); the residents are about those of 2021.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.reference.models import Municipality, Partner

COMPANIES = 47
EMPLOYEES = 86_546
MUNICIPALITIES = 14
RESIDENTS = 464_949
CITY_RESIDENTS = 539_641
TODAY_JOINED = date(2023, 1, 1)  # the 48th company and the 15th municipality

# Residents of the Region's municipalities (about 2021; Garbsen's figure makes the partners' sum exact).
REGION_RESIDENTS = {
    "Barsinghausen": 33_937, "Burgdorf": 30_860, "Burgwedel": 20_893, "Garbsen": 57_287, "Gehrden": 15_231,
    "Hemmingen": 19_482, "Isernhagen": 24_520, "Laatzen": 41_916, "Langenhagen": 54_597, "Lehrte": 45_009,
    "Neustadt am Rübenberge": 44_937, "Pattensen": 14_677, "Ronnenberg": 24_430, "Seelze": 34_283,
    "Sehnde": 23_783, "Springe": 28_959, "Uetze": 20_215, "Wedemark": 29_460, "Wennigsen (Deister)": 14_160,
    "Wunstorf": 41_906,
}  # fmt: skip
# The partner municipalities in the order they joined; the last one is the 15th.
JOINING_MUNICIPALITIES = [
    "Laatzen", "Langenhagen", "Garbsen", "Lehrte", "Burgdorf", "Seelze", "Barsinghausen", "Isernhagen",
    "Hemmingen", "Ronnenberg", "Neustadt am Rübenberge", "Gehrden", "Pattensen", "Sehnde", "Wunstorf",
]  # fmt: skip


@dataclass(frozen=True)
class Company:
    name: str
    joined: date
    employees: int


def _spread(count: int, first: date, last: date) -> list[date]:
    """`count` first days of months from `first` to `last`, evenly apart."""
    months = (last.year - first.year) * 12 + last.month - first.month
    found = []
    for i in range(count):
        step = first.month - 1 + (months * i) // max(count - 1, 1)
        found.append(date(first.year + step // 12, step % 12 + 1, 1))
    return found


def companies() -> list[Company]:
    """The 48 partner companies: 47 joined from March 2015 to September 2020, the 48th on 1 January 2023."""
    from fluxx.demo import PARTNERS

    names = [name for name, *_ in PARTNERS]
    staff = [employees * 2 for *_, employees in PARTNERS[:COMPANIES]]
    staff[0] += EMPLOYEES - sum(staff)  # the largest company's figure makes the sum exact
    joined = _spread(COMPANIES, date(2015, 3, 1), date(2020, 9, 1))
    found = [Company(name, day, count) for name, day, count in zip(names, joined, staff, strict=False)]
    return [*found, Company(names[COMPANIES], TODAY_JOINED, PARTNERS[COMPANIES][3] * 2)]


def municipality_periods() -> dict[str, date]:
    """When each partner municipality joined: 14 from March 2015 to January 2020, the 15th on 1 January 2023."""
    joined = _spread(MUNICIPALITIES, date(2015, 3, 1), date(2020, 1, 1))
    periods = dict(zip(JOINING_MUNICIPALITIES, joined, strict=False))
    periods[JOINING_MUNICIPALITIES[MUNICIPALITIES]] = TODAY_JOINED
    return periods


def apply(db: Session) -> None:
    """Store the network: the companies, the municipalities' partner periods and residents."""
    for company in companies():
        db.add(Partner(name=company.name, active_from=company.joined, active_until=None, employees=company.employees))
    for name, residents in REGION_RESIDENTS.items():
        db.execute(update(Municipality).where(Municipality.name == name).values(residents=residents))
    for name, joined in municipality_periods().items():
        db.execute(update(Municipality).where(Municipality.name == name).values(partner_from=joined))
    db.execute(update(Municipality).where(Municipality.is_city.is_(True)).values(partner_from=date(2015, 1, 1)))
    db.flush()


def partner_ids(db: Session) -> dict[str, int]:
    return {name: pid for pid, name in db.execute(select(Partner.id, Partner.name))}
