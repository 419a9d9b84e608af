"""The calibrated history as pure data: who called when, what the case became, which jobs, carers and hours.

Deterministic for a seed. The four totals are exact by construction: the counselling sessions are spread over
the months of the period (more each year, as the service grew; fewer in August and at Christmas), the
emergencies among them by a share that rises from about a third in 2015 to over half in 2021/22, the
driving services likewise; the care hours are drawn per job in quarter hours and then nudged, a quarter hour
at a time, until they add up. Calls come when families call: on weekdays, most in the early morning and around
noon. A few calls each month are no case (hung up, wrong number) and count for nothing.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from casework.enums import Affiliation, JobKind, Need, NoCaseReason

BERLIN = ZoneInfo("Europe/Berlin")
QUARTER = Decimal("0.25")


@dataclass(frozen=True)
class Targets:
    counselling_sessions: int
    emergencies: int
    care_hours: int
    driving_services: int


SEED = Targets(counselling_sessions=9_832, emergencies=3_900, care_hours=16_033, driving_services=297)
SEED_FIRST, SEED_LAST = date(2015, 1, 1), date(2022, 6, 30)


def scaled(first: date, last: date) -> Targets:
    """The seed's figures for another period, at the seed's rate per day (a history that is not calibrated)."""
    factor = ((last - first).days + 1) / ((SEED_LAST - SEED_FIRST).days + 1)
    return Targets(*(max(1, round(value * factor)) for value in vars(SEED).values()))


class Kind(enum.StrEnum):
    NO_CASE = "no_case"  # a call marked "kein Fall": no session
    COUNSELLING = "counselling"  # counselling only
    CARE = "care"  # an emergency: care jobs a carer went to
    DRIVING = "driving"  # a driving service


@dataclass(frozen=True)
class Carer:
    """A volunteer of the history: joined, maybe left (deactivated)."""

    name: str
    phone: str
    skills: tuple[str, ...]
    home: str
    joined_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class Job:
    kind: JobKind
    starts_at: datetime
    ends_at: datetime
    code: str
    carer: int  # index into the carers
    hours: Decimal | None  # confirmed hours (care jobs)


@dataclass(frozen=True)
class Story:
    """One call and the case it opened, with everything that followed."""

    kind: Kind
    opened_at: datetime
    call_sid: str
    caller_phone: str
    need: Need | None
    answered_after: int  # seconds of ringing and menu
    talk_seconds: int
    counsellor: int  # index into the counsellors
    caller_name: str | None = None
    municipality: str | None = None
    district: str | None = None
    address: str | None = None
    affiliation: Affiliation = Affiliation.NONE
    partner: str | None = None
    employer_municipality: str | None = None
    semester: str | None = None
    persons: tuple[tuple[str, int], ...] = ()
    no_case_reason: NoCaseReason | None = None
    jobs: tuple[Job, ...] = ()

    @property
    def answered_at(self) -> datetime:
        return self.opened_at + timedelta(seconds=self.answered_after)

    @property
    def ended_at(self) -> datetime:
        return self.answered_at + timedelta(seconds=self.talk_seconds)

    @property
    def documented_at(self) -> datetime:
        return self.ended_at + timedelta(minutes=3)


@dataclass(frozen=True)
class Network:
    """Who could be named on a case on a day: partner companies (name, joined) and partner municipalities."""

    companies: Sequence[tuple[str, date]]
    municipalities: dict[str, date]
    all_municipalities: Sequence[str]


# --- How many of what, per month --------------------------------------------------------------------------------


def months(first: date, last: date) -> list[date]:
    found, day = [], first.replace(day=1)
    while day <= last:
        found.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return found


def _days_in(month: date, first: date, last: date) -> int:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (min(following, last + timedelta(days=1)) - max(month, first)).days


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up exactly (largest remainder)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], -i), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


SEASON = {1: 1.1, 2: 1.15, 3: 1.05, 4: 0.95, 5: 0.95, 6: 0.9, 7: 0.75, 8: 0.7, 9: 1.0, 10: 1.05, 11: 1.15, 12: 0.95}


def growth(month: date) -> float:
    """The service grew: about 850 sessions in 2015, about 1,650 a year from 2021 (2020 dipped)."""
    years = month.year - 2015 + (month.month - 1) / 12
    dip = 0.85 if month.year == 2020 and 3 <= month.month <= 6 else 1.0
    return (1.0 + 0.13 * max(years, 0.0)) * SEASON[month.month] * dip


def emergency_share(month: date) -> float:
    """Of the sessions, the share with care a carer gave: a third in 2015, over half from 2021."""
    return {2015: 0.30, 2016: 0.31, 2017: 0.33, 2018: 0.35, 2019: 0.37, 2020: 0.40}.get(month.year, 0.55)


@dataclass(frozen=True)
class MonthCounts:
    month: date
    sessions: int
    emergencies: int
    driving: int
    no_case: int


def month_counts(first: date, last: date, targets: Targets) -> list[MonthCounts]:
    spans = months(first, last)
    weights = [growth(m) * _days_in(m, first, last) for m in spans]
    sessions = apportion(targets.counselling_sessions, weights)
    emergencies = apportion(targets.emergencies, [n * emergency_share(m) for n, m in zip(sessions, spans, strict=True)])
    room = [n - e for n, e in zip(sessions, emergencies, strict=True)]
    driving = apportion(targets.driving_services, [float(r) for r in room])
    no_case = [round(n * 0.06) for n in sessions]
    return [MonthCounts(*row) for row in zip(spans, sessions, emergencies, driving, no_case, strict=True)]


# --- When families call -----------------------------------------------------------------------------------------

# Weight of each local hour for calls (the hotline is staffed 8–18; a few are taken earlier or later).
HOUR_WEIGHTS = {7: 6, 8: 14, 9: 12, 10: 9, 11: 8, 12: 9, 13: 8, 14: 7, 15: 7, 16: 6, 17: 5}
HOURS, HOUR_SHARES = list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values())
WEEKDAY_WEIGHTS = (1.35, 1.1, 1.0, 1.0, 0.95, 0.0, 0.0)  # Mondays most, no weekend service by phone


def call_times(rng: random.Random, count: int, month: date, first: date, last: date) -> list[datetime]:
    """`count` moments of the month (within the period) on weekdays, at hours families call, in UTC, in order."""
    start, end = max(month, first), min(date(month.year + (month.month == 12), month.month % 12 + 1, 1)
                                         - timedelta(days=1), last)  # fmt: skip
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    if not any(weights):
        weights = [1.0] * len(days)
    found = []
    for day, hour in zip(rng.choices(days, weights, k=count), rng.choices(HOURS, HOUR_SHARES, k=count), strict=True):
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), BERLIN)
        found.append(local.astimezone(UTC))
    return sorted(found)


# --- The stories --------------------------------------------------------------------------------------------------


def care_hours(rng: random.Random, jobs: int, total: int) -> list[Decimal]:
    """Hours per care job, quarter hours from 1 to 8, adding up to exactly `total`."""
    hours = [min(Decimal(8), max(Decimal(1), QUARTER * round(rng.triangular(4, 24, 11)))) for _ in range(jobs)]
    difference = Decimal(total) - sum(hours, Decimal(0))
    step = QUARTER if difference > 0 else -QUARTER
    while difference != 0:
        i = rng.randrange(jobs)
        if Decimal(1) <= hours[i] + step <= Decimal(8):
            hours[i] += step
            difference -= step
    return [h.quantize(Decimal("0.01")) for h in hours]


def jobs_per_emergency(rng: random.Random) -> int:
    return rng.choices((1, 2, 3), (70, 22, 8))[0]


def window(rng: random.Random, after: datetime, hours: Decimal, last: date, days: int) -> tuple[datetime, datetime]:
    """A job's time `days` after `after` (never after the period's last day), starting at a care hour at least an
    hour after `after` (else an hour after it, the same evening); long enough for `hours` (whole half hours)."""
    day = min(after.astimezone(BERLIN).date() + timedelta(days=days), last)
    hour = rng.choice((7, 8, 8, 9, 13, 14, 15, 16))
    start = datetime.combine(day, time(hour, rng.choice((0, 30))), BERLIN)
    if start < after + timedelta(hours=1):
        start = (after + timedelta(hours=1)).astimezone(BERLIN).replace(second=0, microsecond=0)
    halves = int((hours * 2).to_integral_value(rounding=ROUND_CEILING))
    return start.astimezone(UTC), (start + timedelta(minutes=30 * halves)).astimezone(UTC)
