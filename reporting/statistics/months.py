"""The statistics per local month, kept for past months so the page adds up months instead of counting years.

Counting twelve years of cases, jobs, assignments and hours took 8 s over a million cases. A month that has
ended (Europe/Berlin) is counted once (`counted`) and kept in `statistics_month` with everything the page needs
of it: its figure cells for all breakdowns, its jobs, the volunteers who went, the time to assignment as a sum,
and its calls by weekday and hour. The worker counts ended and changed months ahead of the page (`keep`,
`tasks.StatisticsKeeper`); the page counts a month itself only where none is kept that still holds, and the
current month and the parts of months at a period's edges live, each time.

Kept figures are used only while they still hold:

* Triggers in the database (migration 0025) add one to a month's `changes` in the transaction of whoever writes
  a row that one of its figures reads. Figures are kept with the `changes` they were counted at (`counted`)
  and used only while the two are equal.
* A month's `changes` is read before its figures are counted and stored with them only if it is still the
  same (`UPDATE … WHERE changes = :read`). A writer that changed the month meanwhile, committed or not, has
  added one to it (on PostgreSQL it holds the row's lock until it commits, and the update waits or, under
  `SKIP LOCKED`, leaves the row; on SQLite there is one writer at a time), so figures counted without its
  change are never kept.
* That needs the month's row to exist before any such writer writes: a row is created under a share lock on
  every table the triggers watch (PostgreSQL, `LOCK TABLE … IN SHARE MODE` with a short lock timeout; SQLite's
  writer lock), which waits for the writers in flight to commit.
* A job whose end passes becomes done without any write: the figures hold for `now` between the latest end of a
  job of the month before the moment they were counted and the first one after it (`valid_from`,
  `valid_until`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, and_, bindparam, case, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import JobStatus
from casework.jobs.models import CareJob
from core.clock import day_start
from core.db import transaction
from reporting.statistics import rules
from reporting.statistics.models import StatisticsMonth
from reporting.statistics.rules import FIRST_DAY, Span
from reporting.statistics.service import (
    BREAKDOWNS,
    WENT,
    By,
    Cell,
    Jobs,
    Report,
    Scope,
    Totals,
    _carer_went,
    _rows_of,
    _summed,
    _totals_of,
    average_hours,
    counselling_condition,
    coverage,
    figure_cells,
    first_assignments,
    job_start,
    local_text,
    short_span,
    unindexed,
    whole_seconds,
)
from volunteers.assignments.models import Assignment

KEPT_ZONE = "Europe/Berlin"  # the months kept are this zone's
# The tables whose writers the triggers count; a month's row is created while none of them is being written.
WATCHED = ('"case"', "call", "care_job", "assignment", "hours_report", "partner", "municipality")
LOCK_TIMEOUT = "100ms"  # creating rows waits this long for the writers in flight, else the month is not kept


def _holds(since: datetime | None, until: datetime | None, now: datetime) -> bool:
    """Whether figures counted for the window [since, until) (None: unbounded) hold at `now`."""
    return (since is None or since <= now) and (until is None or now < until)


@dataclass(frozen=True)
class MonthFigures:
    """Everything the page shows of one month (or of the part of it in a period)."""

    cells: tuple[Cell, ...]
    planned: int  # jobs starting in it, not cancelled
    filled: int  # ... to which a carer went
    volunteers: frozenset[int]  # who went to a job starting in it
    waited_seconds: int  # from the call to a job's first assignment, cases opened in it, whole seconds
    waited_jobs: int
    calls: tuple[int, ...]  # inbound calls by local weekday (Monday 0) * 24 + hour
    valid_from: datetime | None  # the figures hold for `now` in [valid_from, valid_until); None: unbounded
    valid_until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        return _holds(self.valid_from, self.valid_until, now)

    def as_json(self) -> dict[str, Any]:
        return {
            "cells": [
                [c.need, c.municipality_id, c.company_id, c.resident_id, [str(v) for v in c.values], list(c.seen)]
                for c in self.cells
            ],
            "planned": self.planned,
            "filled": self.filled,
            "volunteers": sorted(self.volunteers),
            "waited_seconds": self.waited_seconds,
            "waited_jobs": self.waited_jobs,
            "calls": list(self.calls),
        }

    @staticmethod
    def of_json(
        month: str, found: dict[str, Any], valid_from: datetime | None, valid_until: datetime | None
    ) -> MonthFigures:
        cells = tuple(
            Cell(
                month,
                need,
                municipality,
                company,
                resident,
                (int(values[0]), int(values[1]), Decimal(values[2]), int(values[3]), int(values[4])),
                tuple(bool(s) for s in seen),  # type: ignore[arg-type]
            )
            for need, municipality, company, resident, values, seen in found["cells"]
        )
        return MonthFigures(
            cells,
            found["planned"],
            found["filled"],
            frozenset(found["volunteers"]),
            found["waited_seconds"],
            found["waited_jobs"],
            tuple(found["calls"]),
            valid_from,
            valid_until,
        )


# --- Counting months ----------------------------------------------------------------------------------------


def counted(db: Session, scope: Scope) -> dict[str, MonthFigures]:
    """The figures of every month of the period (cut to it), counted now: one pass per figure for all months."""
    names = rules.months_of(scope.span)
    cells: dict[str, list[Cell]] = defaultdict(list)
    for cell in figure_cells(db, scope):
        cells[cell.month].append(cell)

    def month_of(when: Any) -> Any:
        return local_text(db, scope, when, sqlite="%Y-%m", postgresql="YYYY-MM")

    starts = month_of(CareJob.starts_at)
    arranged = and_(CareJob.status != JobStatus.CANCELLED, scope.within(job_start(scope)))
    jobs: dict[str, tuple[int, int]] = {
        month: (planned, filled)
        for month, planned, filled in db.execute(
            select(starts, func.count(), func.count(case((_carer_went(), 1)))).where(arranged).group_by(starts)
        )
    }
    volunteers: dict[str, set[int]] = defaultdict(set)
    went = (
        select(starts, Assignment.volunteer_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.status.in_(WENT), arranged)
        .group_by(starts, Assignment.volunteer_id)
    )
    for month, volunteer_id in db.execute(went):
        volunteers[month].add(volunteer_id)
    opened = month_of(Case.opened_at)
    if short_span(scope):  # the period's cases, their jobs, each job's first assignment through the indexes
        first_at = select(func.min(Assignment.assigned_at)).where(Assignment.job_id == CareJob.id).scalar_subquery()
        seconds = whole_seconds(first_at, Case.opened_at)
        waiting = (
            select(opened, func.sum(seconds), func.count(seconds))
            .select_from(Case)
            .join(CareJob, CareJob.case_id == Case.id)
            .where(scope.within(Case.opened_at), counselling_condition())
        )
    else:  # the jobs, each job's first assignment from one pass over all assignments
        first = first_assignments()
        waiting = (
            select(opened, func.sum(whole_seconds(first.c.first_at, Case.opened_at)), func.count())
            .select_from(CareJob)
            .join(Case, Case.id == CareJob.case_id)
            .join(first, first.c.job_id == CareJob.id)
            .where(scope.within(unindexed(Case.opened_at)), counselling_condition())
        )
    waited = {month: (int(total or 0), count) for month, total, count in db.execute(waiting.group_by(opened))}
    calls = _calls(db, scope)
    windows = _windows(db, scope, starts, opened)
    found = {}
    for month in names:
        planned, filled = jobs.get(month, (0, 0))
        total, count = waited.get(month, (0, 0))
        since, until = windows.get(month, (None, None))
        found[month] = MonthFigures(
            tuple(cells.get(month, ())),
            planned,
            filled,
            frozenset(volunteers.get(month, ())),
            total,
            count,
            tuple(calls.get(month, [0] * 168)),
            since,
            until,
        )
    return found


def _calls(db: Session, scope: Scope) -> dict[str, list[int]]:
    """Inbound calls by month, local weekday and hour (`service.calls_by_hour`, per month)."""
    postgresql = db.get_bind().dialect.name == "postgresql"
    # SQLite's %w counts from Sunday (0), PostgreSQL's ID from Monday (1).
    key = local_text(db, scope, Call.started_at, sqlite="%Y-%m %w %H", postgresql="YYYY-MM ID HH24")
    found: dict[str, list[int]] = defaultdict(lambda: [0] * 168)
    rows = db.execute(
        select(key, func.count()).where(Call.direction == "inbound", scope.within(Call.started_at)).group_by(key)
    )
    for text_, count in rows:
        month, day, hour = str(text_).split()
        weekday = int(day) - 1 if postgresql else (int(day) + 6) % 7
        found[month][weekday * 24 + int(hour)] += count
    return found


def _windows(db: Session, scope: Scope, starts: Any, opened: Any) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Per month, the latest end at or before `now` and the first end after it of the jobs its figures count as
    done or not (jobs starting in it; the jobs of cases opened in it): between the two, no job's end passes."""
    now = scope.now
    ended = func.max(case((CareJob.ends_at <= now, CareJob.ends_at)))
    ahead = func.min(case((CareJob.ends_at > now, CareJob.ends_at)))
    found: dict[str, tuple[datetime | None, datetime | None]] = {}

    def narrow(rows: Iterable[Any]) -> None:
        for month, since, until in rows:
            old_since, old_until = found.get(month, (None, None))
            found[month] = (
                max((s for s in (since, old_since) if s is not None), default=None),
                min((u for u in (until, old_until) if u is not None), default=None),
            )

    live = CareJob.status != JobStatus.CANCELLED
    started = scope.within(job_start(scope))
    narrow(db.execute(select(starts, ended, ahead).where(live, started).group_by(starts)))
    narrow(
        db.execute(
            select(opened, ended, ahead)
            .select_from(CareJob)
            .join(Case, Case.id == CareJob.case_id)
            .where(live, scope.within(Case.opened_at if short_span(scope) else unindexed(Case.opened_at)))
            .group_by(opened)
        )
    )
    return found


# --- Kept months --------------------------------------------------------------------------------------------


def _month_span(month: str) -> Span:
    year, number = (int(part) for part in month.split("-"))
    following = date(year + (number == 12), number % 12 + 1, 1)
    return Span(date(year, number, 1), following - timedelta(days=1))


def keepable(scope: Scope) -> list[str]:
    """The months of the period that are kept: wholly inside it, and ended before the month of `now` began."""
    if getattr(scope.zone, "key", None) != KEPT_ZONE:
        return []
    local_now = scope.now.astimezone(scope.zone)
    this_month = date(local_now.year, local_now.month, 1)
    found = []
    for month in rules.months_of(scope.span):
        span = _month_span(month)
        if scope.span.first <= span.first and span.last <= scope.span.last and span.last < this_month:
            found.append(month)
    return found


def month_figures(db: Session, scope: Scope) -> dict[str, MonthFigures]:
    """The figures of every month of the period: kept ones where they hold, the rest counted (and kept)."""
    keep = keepable(scope)
    found = _kept(db, keep, scope.now)
    missing = [month for month in keep if month not in found]
    if missing:
        read = _changes(db, missing, scope)
        fresh: dict[str, MonthFigures] = {}
        for span in _runs([_month_span(month) for month in missing]):
            fresh.update(counted(db, Scope(span, scope.zone, scope.now)))
        _store(db, fresh, read)
        found.update(fresh)
    kept = set(keep)
    live = []
    for month in rules.months_of(scope.span):
        if month not in kept:
            span = _month_span(month)
            live.append(Span(max(span.first, scope.span.first), min(span.last, scope.span.last)))
    for span in _runs(live):
        found.update(counted(db, Scope(span, scope.zone, scope.now)))
    return found


def _runs(spans: Sequence[Span]) -> list[Span]:
    """Adjacent spans joined: each run is counted in one pass."""
    runs: list[Span] = []
    for span in spans:
        if runs and runs[-1].last + timedelta(days=1) == span.first:
            runs[-1] = Span(runs[-1].first, span.last)
        else:
            runs.append(span)
    return runs


def _kept(db: Session, months: Sequence[str], now: datetime) -> dict[str, MonthFigures]:
    if not months:
        return {}
    rows = db.execute(
        select(
            StatisticsMonth.month, StatisticsMonth.figures, StatisticsMonth.valid_from, StatisticsMonth.valid_until
        ).where(
            StatisticsMonth.month.in_(months),
            StatisticsMonth.figures.is_not(None),
            StatisticsMonth.counted == StatisticsMonth.changes,
        )
    )
    found = {}
    for month, figures, since, until in rows:
        kept = MonthFigures.of_json(month, figures, since, until)
        if kept.holds_at(now):
            found[month] = kept
    return found


def _changes(db: Session, months: Sequence[str], scope: Scope) -> dict[str, int]:
    """Each month's `changes` as of now, its row created first where it has none; {} for months whose row could
    not be created without waiting (they are counted, not kept)."""
    present = set(db.scalars(select(StatisticsMonth.month).where(StatisticsMonth.month.in_(months))))
    absent = [month for month in months if month not in present]
    if absent and not _create(db, absent, scope):
        months = [month for month in months if month in present]
    if not months:
        return {}
    rows = db.execute(select(StatisticsMonth.month, StatisticsMonth.changes).where(StatisticsMonth.month.in_(months)))
    return {month: changes for month, changes in rows}


def _create(db: Session, months: Sequence[str], scope: Scope) -> bool:
    rows = []
    for month in months:
        span = _month_span(month)
        rows.append(
            {
                "month": month,
                "starts_at": day_start(span.first, scope.zone),
                "ends_at": day_start(span.last + timedelta(days=1), scope.zone),
                "changes": 0,
            }
        )
    bind = db.get_bind()
    try:
        if bind.dialect.name == "postgresql":
            # A writer in flight may have written to these months before their rows existed (and so counted no
            # change): the share lock waits for every such writer to commit, in a transaction of its own, kept short.
            engine: Engine = bind.engine
            with engine.begin() as connection:
                connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                connection.execute(text(f"LOCK TABLE {', '.join(WATCHED)} IN SHARE MODE"))
                connection.execute(postgresql_insert(StatisticsMonth).on_conflict_do_nothing(), rows)
        else:
            # SQLite: a unit of work that may write is the one writer from its start; nobody else is in flight.
            with db.begin_nested():
                db.execute(sqlite_insert(StatisticsMonth).on_conflict_do_nothing(), rows)
    except OperationalError:
        return False
    return True


def _store(db: Session, fresh: dict[str, MonthFigures], read: dict[str, int]) -> None:
    """Keep the figures of each month whose `changes` is still what was read before counting."""
    months = [month for month in fresh if month in read]
    if not months:
        return
    table = StatisticsMonth.__table__
    assert isinstance(table, Table)
    statement = (
        table.update()
        .where(table.c.month == bindparam("m"), table.c.changes == bindparam("read"))
        .values(
            counted=bindparam("read"),
            figures=bindparam("figures"),
            valid_from=bindparam("since"),
            valid_until=bindparam("until"),
        )
    )
    try:
        with db.begin_nested():
            if db.get_bind().dialect.name == "postgresql":
                # A month locked by a writer is being changed: leave it to the next view.
                months = list(
                    db.scalars(
                        select(StatisticsMonth.month)
                        .where(StatisticsMonth.month.in_(months))
                        .with_for_update(skip_locked=True)
                    )
                )
            if months:
                db.connection().execute(
                    statement,
                    [
                        {
                            "m": month,
                            "read": read[month],
                            "figures": fresh[month].as_json(),
                            "since": fresh[month].valid_from,
                            "until": fresh[month].valid_until,
                        }
                        for month in months
                    ],
                )
    except OperationalError:
        return


# --- Kept ahead by the worker -----------------------------------------------------------------------------

KEEP_BATCH = 12  # months counted per round of the worker's keeper: a year of a million cases in about a second


def stale(db: Session, *, zone: ZoneInfo, now: datetime) -> list[str]:
    """The ended months since the year before the statistics began whose figures are not kept or no longer hold
    at `now`, the newest first (the page asks for those most)."""
    local = now.astimezone(zone)
    this_month = date(local.year, local.month, 1)
    if this_month <= FIRST_DAY:
        return []
    # From the year before the first (the page compares every period with the year before it).
    names = keepable(Scope(Span(FIRST_DAY.replace(year=FIRST_DAY.year - 1), this_month - timedelta(days=1)), zone, now))
    rows = db.execute(
        select(
            StatisticsMonth.month,
            StatisticsMonth.counted,
            StatisticsMonth.changes,
            StatisticsMonth.valid_from,
            StatisticsMonth.valid_until,
        ).where(StatisticsMonth.month.in_(names))
    )
    holding = {
        month
        for month, counted_at, changes, since, until in rows
        if counted_at is not None and counted_at == changes and _holds(since, until, now)
    }
    return [month for month in reversed(names) if month not in holding]


def keep(factory: sessionmaker[Session], *, zone: ZoneInfo, now: datetime, limit: int = KEEP_BATCH) -> tuple[int, int]:
    """Count up to `limit` stale months and keep them: (months counted, stale months left).

    Three short units of work, as the worker must not hold SQLite's one writer while it counts: the months' rows
    created and their `changes` read; the counting (reads only); the figures kept where `changes` is unchanged."""
    with factory() as db:
        months = stale(db, zone=zone, now=now)
    batch = months[:limit]
    if not batch:
        return 0, 0
    spans = sorted((_month_span(month) for month in batch), key=lambda span: span.first)
    scope = Scope(Span(spans[0].first, spans[-1].last), zone, now)
    with transaction(factory) as db:
        read = _changes(db, batch, scope)
    fresh: dict[str, MonthFigures] = {}
    with factory() as db:
        for span in _runs(spans):
            fresh.update(counted(db, Scope(span, zone, now)))
    with transaction(factory) as db:
        _store(db, fresh, read)
    return len(batch), len(months) - len(batch)


# --- The page's report -------------------------------------------------------------------------------------


def report(db: Session, scope: Scope, *, day: date) -> Report:
    """Everything the page, its CSV files and the annual report show, added up from the figures of each month
    (past months as kept, the rest counted); the same rows and totals as `service.totals` and `service.breakdown`
    give one by one."""
    found = month_figures(db, scope)
    before = month_figures(db, scope.year_before())
    by_hour, by_weekday = calls_of(found)
    cells = cells_of(found)
    return Report(
        scope,
        totals_of(found),
        totals_of(before),
        {by: _rows_of(db, scope, by, cells) for by in BREAKDOWNS},
        by_hour,
        by_weekday,
        coverage(db, day),
    )


# --- Adding months up -----------------------------------------------------------------------------------------


def cells_of(found: dict[str, MonthFigures]) -> list[Cell]:
    return [cell for figures in found.values() for cell in figures.cells]


def totals_of(found: dict[str, MonthFigures]) -> Totals:
    figures = _summed(cells_of(found), By.TOTAL)[0].get("", [0, 0, Decimal(0), 0, 0])
    months = list(found.values())
    volunteers: set[int] = set()
    for month in months:
        volunteers |= month.volunteers
    jobs = Jobs(
        sum(month.planned for month in months),
        sum(month.filled for month in months),
        len(volunteers),
        average_hours(sum(month.waited_seconds for month in months), sum(month.waited_jobs for month in months)),
    )
    return _totals_of(figures, jobs)


def calls_of(found: dict[str, MonthFigures]) -> tuple[list[int], list[int]]:
    """Inbound calls by local hour of the day (0–23) and weekday (Monday first)."""
    by_hour, by_weekday = [0] * 24, [0] * 7
    for figures in found.values():
        for slot, count in enumerate(figures.calls):
            by_weekday[slot // 24] += count
            by_hour[slot % 24] += count
    return by_hour, by_weekday
