"""What the yearly statistics count, as pure rules. The SQL that counts the same lives in the service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, NoCaseReason
from core.clock import day_start


def counts_as_counselling(
    *,
    status: CaseStatus,
    channel: CaseChannel,
    call_reasons: Sequence[NoCaseReason | None],
    merged: bool = False,
) -> bool:
    """Whether a case is a counselling session (Krisenberatung) in the statistics.

    A phone case is no counselling when all of its calls were marked as no case (hung up, wrong
    number, test or silent call) and it was closed without need because of that. A case that stays
    open or has a real call counts, and so does every case entered by hand. A case merged into another case of
    the same family (a repeat caller's call added to the open case) is no session of its own.
    """
    if merged:
        return False
    if channel == CaseChannel.MANUAL or status != CaseStatus.CLOSED_NO_NEED or not call_reasons:
        return True
    return any(reason is None for reason in call_reasons)


# --- The figures for the city: each a pure rule here, its SQL twin in `service` -------------------------------

CARE_KINDS = frozenset({JobKind.CHILD_CARE, JobKind.ELDER_CARE})


@dataclass(frozen=True)
class Span:
    """A period of whole local days, `first` to `last` inclusive (Europe/Berlin)."""

    first: date
    last: date

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The period as UTC instants: [local midnight of `first`, local midnight after `last`)."""
        return (
            day_start(self.first, zone).astimezone(UTC),
            day_start(self.last + timedelta(days=1), zone).astimezone(UTC),
        )

    def year_before(self) -> Span:
        """The same days one year earlier (29 February becomes 28 February)."""
        return Span(_year_earlier(self.first), _year_earlier(self.last))

    def contains(self, at: datetime, zone: tzinfo) -> bool:
        start, end = self.bounds(zone)
        return start <= at < end


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class JobFacts:
    """What the statistics need to know of one job: its kind, end, whether it was cancelled, and whether a
    carer went (an assignment neither released nor withdrawn)."""

    kind: JobKind
    ends_at: datetime
    cancelled: bool
    carer_went: bool


def job_completed(job: JobFacts, *, now: datetime) -> bool:
    """A job counts as done (erledigt): not cancelled, its planned end has passed, and a carer went."""
    return not job.cancelled and job.ends_at <= now and job.carer_went


def is_emergency(jobs: Sequence[JobFacts], *, now: datetime) -> bool:
    """A counselling case is an emergency (Notfall) when at least one of its care jobs was done."""
    return any(job.kind in CARE_KINDS and job_completed(job, now=now) for job in jobs)


def is_driving_service(job: JobFacts, *, now: datetime) -> bool:
    """A driving service (Fahrdienst) is a driving job that was done."""
    return job.kind == JobKind.DRIVING and job_completed(job, now=now)


def has_concrete_need(jobs: Sequence[JobFacts]) -> bool:
    """A concrete care need: a care job was arranged for the case (created and not cancelled)."""
    return any(job.kind in CARE_KINDS and not job.cancelled for job in jobs)


def counts_as_care_hours(kind: JobKind, status: HoursStatus) -> bool:
    """Care hours are the confirmed hours (after any correction) of child-care and relative-care jobs."""
    return kind in CARE_KINDS and status == HoursStatus.CONFIRMED


def share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, one decimal (None when there is nothing to divide by)."""
    if whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def months_of(span: Span) -> list[str]:
    """Every month the period touches, `2026-01` … `2026-12`."""
    months, year, month = [], span.first.year, span.first.month
    while (year, month) <= (span.last.year, span.last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class Preset(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    SINCE_2015 = "since2015"


PRESETS = {
    Preset.YEAR: "Dieses Jahr",
    Preset.QUARTER: "Dieses Quartal",
    Preset.MONTH: "Dieser Monat",
    Preset.SINCE_2015: "Seit 2015",
}
FIRST_DAY = date(2015, 1, 1)  # the service began in 2015


def preset_span(preset: Preset, today: date) -> Span:
    """The period a preset button stands for, seen on `today`."""
    if preset is Preset.SINCE_2015:
        return Span(FIRST_DAY, today)
    if preset is Preset.MONTH:
        first = today.replace(day=1)
        months = 1
    elif preset is Preset.QUARTER:
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        months = 3
    else:
        return Span(date(today.year, 1, 1), date(today.year, 12, 31))
    year, month = divmod(first.month - 1 + months, 12)
    return Span(first, date(first.year + year, month + 1, 1) - timedelta(days=1))


def parse_span(start: str, end: str, preset: str, today: date) -> tuple[Span, dict[str, str]]:
    """The period asked for: a preset, or `von` and `bis` as dates (2026-01-31 or 31.01.2026); the current year
    when nothing (or nothing valid) is given, with a German message per wrong field."""
    if preset in Preset.__members__.values():
        return preset_span(Preset(preset), today), {}
    default = preset_span(Preset.YEAR, today)
    if not start.strip() and not end.strip():
        return default, {}
    errors: dict[str, str] = {}
    first = parse_day(start) if start.strip() else default.first
    last = parse_day(end) if end.strip() else default.last
    if first is None:
        errors["from"] = "„Von“ ist kein Datum (z. B. 01.01.2026)."
    if last is None:
        errors["to"] = "„Bis“ ist kein Datum (z. B. 31.12.2026)."
    if first is not None and last is not None and last < first:
        errors["to"] = "„Bis“ liegt vor „Von“."
    if errors or first is None or last is None:
        return default, errors
    return Span(first, last), {}


def parse_day(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(text, pattern).replace(tzinfo=UTC).date()
        except ValueError:
            continue
        return day if day.year >= 2000 else None
    return None


def offset_changes(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, int]]:
    """The zone's offset to UTC in minutes over [start, end), as (from, minutes) pieces in order; the first piece
    begins at `start`. Found day by day, then to the hour (zones change on the hour), so ten years take
    milliseconds."""

    def minutes(at: datetime) -> int:
        offset = at.astimezone(zone).utcoffset()
        return 0 if offset is None else int(offset.total_seconds() // 60)

    pieces = [(start, minutes(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if minutes(following) != pieces[-1][1]:
            hour = day.replace(minute=0, second=0, microsecond=0)
            while minutes(hour) == pieces[-1][1]:
                hour += timedelta(hours=1)
            pieces.append((hour, minutes(hour)))
        day = following
    return pieces


def month_bounds(span: Span, zone: tzinfo) -> list[tuple[str, datetime, datetime]]:
    """Every month of the period as (`2026-03`, its first instant, the first instant after it) in UTC, cut to the
    period: the database counts per range, so a month is exact across summer time."""
    start, end = span.bounds(zone)
    found = []
    for month in months_of(span):
        year, number = (int(part) for part in month.split("-"))
        following = date(year + (number == 12), number % 12 + 1, 1)
        lo = day_start(date(year, number, 1), zone).astimezone(UTC)
        hi = day_start(following, zone).astimezone(UTC)
        found.append((month, max(lo, start), min(hi, end)))
    return found
