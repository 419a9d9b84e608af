"""Counting for the statistics in SQL; each condition is the twin of a pure rule in `rules`.

Every figure is one query function (`counselling_sessions`, `emergencies`, `care_hours`, `driving_services`,
`concrete_need_cases`, …), used alike by the page, the CSV, the command line and the report. Each aggregates in
the database (COUNT/SUM … GROUP BY) and returns a handful of rows, never one row per case, so a history of a
million cases is counted in the database. Months, hours and weekdays are local (Europe/Berlin): the database
buckets each timestamp by its local time (`local_text`), right on both sides of a change to or from summer time.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FunctionElement,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Float

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from core.formats import date_de, hours_de, number_de
from reporting.statistics import rules
from reporting.statistics.rules import CARE_KINDS, Span
from reporting.statistics.texts import BY_KEY, WEEKDAYS
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport

WENT = (AssignmentStatus.ACTIVE, AssignmentStatus.COMPLETED)  # a carer who went: not released or withdrawn


def counselling_condition() -> ColumnElement[bool]:
    """SQL twin of rules.counts_as_counselling for the statistics: the case is a counselling session."""
    real_call = exists().where(Call.case_id == Case.id, Call.no_case_reason.is_(None))
    any_call = exists().where(Call.case_id == Case.id)
    return and_(
        # Not `merged_into_id IS NULL`: without statistics SQLite would scan every case through that index
        # instead of the period's range on opened_at.
        func.coalesce(Case.merged_into_id, 0) == 0,
        or_(
            Case.channel == CaseChannel.MANUAL,
            Case.status != CaseStatus.CLOSED_NO_NEED,
            not_(any_call),
            real_call,
        ),
    )


def count_counselling(db: Session, *, where: list[ColumnElement[bool]] | None = None) -> int:
    """Counselling sessions among the cases matching `where`."""
    query = select(func.count()).select_from(Case).where(and_(counselling_condition(), *(where or [])))
    return db.scalar(query) or 0


# --- Dialect helpers: the only SQL that differs between SQLite and PostgreSQL ---------------------------------


def local_text(db: Session, scope: Scope, when: Any, *, sqlite: str, postgresql: str) -> ColumnElement[str]:
    """A timestamp as local text in the scope's zone (`2026-03`, `3 14`), computed by the database.

    PostgreSQL knows the zones (`AT TIME ZONE`); SQLite gets the offset as a modifier, one per piece of the period
    with the same offset (summer and winter time, `rules.offset_changes`), so each row is shifted by the offset
    in force at its moment.
    """
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(getattr(scope.zone, "key", "UTC"), when), postgresql)
    start, end = scope.bounds
    pieces = rules.offset_changes(start, end, scope.zone)
    modifier: Any = literal(f"{pieces[-1][1]:+d} minutes")
    if len(pieces) > 1:
        modifier = case(
            *((when < following, literal(f"{minutes:+d} minutes"))
              for (_, minutes), (following, _) in zip(pieces, pieces[1:], strict=False)),
            else_=literal(f"{pieces[-1][1]:+d} minutes"),
        )  # fmt: skip
    return func.strftime(sqlite, when, modifier)


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the second timestamp to the first."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"extract(epoch from ({later} - {earlier}))"


class unindexed(FunctionElement[Any]):  # noqa: N801
    """A column SQLite must not look up through an index (`+column`): the query is to be driven by another table.
    PostgreSQL's planner weighs both sides by their statistics and gets the column as it is."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(next(iter(element.clauses)), **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


# --- Grouping ------------------------------------------------------------------------------------------------


class By(enum.StrEnum):
    TOTAL = "total"
    MONTH = "month"
    NEED = "need"
    MUNICIPALITY = "municipality"
    PARTNER_COMPANY = "partner_company"  # employees of partner companies, while the company was a partner
    PARTNER_MUNICIPALITY = "partner_municipality"  # residents of partner municipalities, while it was one


Key = str | int | None
Counted = dict[Key, Any]


@dataclass(frozen=True)
class Scope:
    """What one statistics question is about: the period, the time zone of its days, and `now` (a job whose end
    is still ahead is not done yet)."""

    span: Span
    zone: tzinfo
    now: datetime
    bounds: tuple[datetime, datetime] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bounds", self.span.bounds(self.zone))

    def within(self, when: Any) -> ColumnElement[bool]:
        start, end = self.bounds
        return and_(when >= start, when < end)

    def year_before(self) -> Scope:
        return Scope(self.span.year_before(), self.zone, self.now)


def _membership(db: Session, scope: Scope, by: By, when: Any) -> ColumnElement[bool]:
    """Cases counted for a partner: its employees' (or residents') while it was a partner, within the period."""
    zone = scope.zone
    terms = []
    if by is By.PARTNER_COMPANY:
        for pid, since, until in db.execute(select(Partner.id, Partner.active_from, Partner.active_until)):
            terms.append(and_(Case.partner_id == pid, *_between(when, since, until, zone)))
    else:
        found = db.execute(
            select(Municipality.id, Municipality.partner_from, Municipality.partner_until).where(
                Municipality.partner_from.is_not(None)
            )
        )
        for mid, joined, left in found:
            if joined is None:  # not a partner (the query leaves these out already)
                continue
            terms.append(and_(Case.municipality_id == mid, *_between(when, joined, left, zone)))
    return or_(*terms) if terms else false()


def _between(when: Any, since: date, until: date | None, zone: tzinfo) -> list[ColumnElement[bool]]:
    start = datetime.combine(since, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    terms = [when >= start]
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(UTC)
        terms.append(when < end)
    return terms


def _grouped(db: Session, scope: Scope, by: By, when: Any, query: Callable[[list[Any]], Select[Any]]) -> Counted:
    """Run `query` (given its key columns) grouped by `by`, within the period; months are local months."""
    keys: list[Any] = []
    if by is By.MONTH and when is Case.opened_at:
        # Cases have an index on opened_at: one range scan per local month, exact across summer time.
        return {month: db.execute(query([]).where(when >= lo, when < hi)).one()[-1] or 0
                for month, lo, hi in rules.month_bounds(scope.span, scope.zone)}  # fmt: skip
    if by is By.MONTH:
        keys = [local_text(db, scope, when, sqlite="%Y-%m", postgresql="YYYY-MM")]
    elif by is By.NEED:
        keys = [Case.need]
    elif by in (By.MUNICIPALITY, By.PARTNER_MUNICIPALITY):
        keys = [Case.municipality_id]
    elif by is By.PARTNER_COMPANY:
        keys = [Case.partner_id]
    statement = query(keys).where(scope.within(when))
    if by in (By.PARTNER_COMPANY, By.PARTNER_MUNICIPALITY):
        statement = statement.where(_membership(db, scope, by, when))
    if keys:
        statement = statement.group_by(*keys)
    counted: Counted = defaultdict(int)
    for row in db.execute(statement):
        key: Key = "" if not keys else row[0]
        if by is By.NEED and key is not None:
            key = str(key.value if isinstance(key, enum.Enum) else key)
        counted[key] += row[-1] or 0
    return dict(counted)


def _carer_went() -> ColumnElement[bool]:
    return exists().where(Assignment.job_id == CareJob.id, Assignment.status.in_(WENT))


def job_done(now: datetime) -> ColumnElement[bool]:
    """SQL twin of rules.job_completed: not cancelled, its end passed, a carer went."""
    return and_(CareJob.status != JobStatus.CANCELLED, CareJob.ends_at <= now, _carer_went())


# --- The figures ---------------------------------------------------------------------------------------------


def counselling_sessions(db: Session, scope: Scope, by: By = By.TOTAL) -> Counted:
    """Krisenberatungen: counselling cases opened in the period (rules.counts_as_counselling)."""
    return _grouped(
        db,
        scope,
        by,
        Case.opened_at,
        lambda keys: select(*keys, func.count()).select_from(Case).where(counselling_condition()),
    )


def emergencies(db: Session, scope: Scope, by: By = By.TOTAL) -> Counted:
    """Notfälle: counselling cases of the period with a done care job (rules.is_emergency)."""
    done_care = exists().where(CareJob.case_id == Case.id, CareJob.kind.in_(CARE_KINDS), job_done(scope.now))
    return _grouped(
        db,
        scope,
        by,
        Case.opened_at,
        lambda keys: select(*keys, func.count()).select_from(Case).where(counselling_condition(), done_care),
    )


def concrete_need_cases(db: Session, scope: Scope, by: By = By.TOTAL) -> Counted:
    """Counselling cases of the period with a care job arranged and not cancelled (rules.has_concrete_need)."""
    arranged = exists().where(
        CareJob.case_id == Case.id, CareJob.kind.in_(CARE_KINDS), CareJob.status != JobStatus.CANCELLED
    )
    return _grouped(
        db,
        scope,
        by,
        Case.opened_at,
        lambda keys: select(*keys, func.count()).select_from(Case).where(counselling_condition(), arranged),
    )


def care_hours(db: Session, scope: Scope, by: By = By.TOTAL) -> Counted:
    """Betreuungsstunden: confirmed hours of care jobs starting in the period (rules.counts_as_care_hours)."""

    def query(keys: list[Any]) -> Select[Any]:
        return (
            select(*keys, func.sum(HoursReport.hours))
            .select_from(HoursReport)
            .join(Assignment, Assignment.id == HoursReport.assignment_id)
            .join(CareJob, CareJob.id == Assignment.job_id)
            .join(Case, Case.id == CareJob.case_id)
            .where(HoursReport.status == HoursStatus.CONFIRMED, CareJob.kind.in_(CARE_KINDS))
        )

    return {key: Decimal(value) for key, value in _grouped(db, scope, by, CareJob.starts_at, query).items()}


def driving_services(db: Session, scope: Scope, by: By = By.TOTAL) -> Counted:
    """Fahrdienste: done driving jobs starting in the period (rules.is_driving_service)."""

    def query(keys: list[Any]) -> Select[Any]:
        return (
            select(*keys, func.count())
            .select_from(CareJob)
            .join(Case, Case.id == CareJob.case_id)
            .where(CareJob.kind == JobKind.DRIVING, job_done(scope.now))
        )

    return _grouped(db, scope, by, CareJob.starts_at, query)


@dataclass(frozen=True)
class Jobs:
    planned: int  # not cancelled, starting in the period
    filled: int  # ... to which a carer went
    volunteers_active: int
    average_hours_to_assignment: Decimal | None


def short_span(scope: Scope) -> bool:
    """Whether the period is a year or less: then the statistics' queries go from its own rows through the
    indexes (on the cases' opening and the jobs' start), not in a pass over every job and assignment."""
    return len(rules.months_of(scope.span)) <= 12


def job_start(scope: Scope) -> Any:
    """The jobs' start as the statistics' queries of `scope` filter on it: through its index for a year or less;
    over longer periods SQLite reads every job faster in one pass than through the index."""
    return CareJob.starts_at if short_span(scope) else unindexed(CareJob.starts_at)


def first_assignments() -> Any:
    """Each job's first assignment (`job_id`, `first_at`), from one grouped pass over the assignments."""
    return (
        select(Assignment.job_id.label("job_id"), func.min(Assignment.assigned_at).label("first_at"))
        .group_by(Assignment.job_id)
        .subquery()
    )


def whole_seconds(later: Any, earlier: Any) -> ColumnElement[float]:
    """Whole seconds between two timestamps: sums of them are exact, however they are added up (by month)."""
    return func.round(seconds_between(later, earlier))


def average_hours(seconds: Any, jobs: int) -> Decimal | None:
    """The average time to assignment in hours, one decimal, from the sum of whole seconds over `jobs`."""
    if not jobs:
        return None
    return (Decimal(int(seconds)) / jobs / 3600).quantize(Decimal("0.1"))


def jobs(db: Session, scope: Scope) -> Jobs:
    """Jobs of the period, how many were filled, the volunteers who went, and the time from call to assignment."""
    planned, filled = db.execute(
        select(func.count(), func.count(case((_carer_went(), 1))))
        .select_from(CareJob)
        .where(CareJob.status != JobStatus.CANCELLED, scope.within(CareJob.starts_at))
    ).one()
    active = db.scalar(
        select(func.count(distinct(Assignment.volunteer_id)))
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.status.in_(WENT), CareJob.status != JobStatus.CANCELLED, scope.within(CareJob.starts_at))
    )
    first_at = select(func.min(Assignment.assigned_at)).where(Assignment.job_id == CareJob.id).scalar_subquery()
    # From the jobs to their cases: there are far fewer jobs than cases, and SQLite would otherwise walk every case
    # of the period looking for jobs (150 ms over a million cases with not one job).
    seconds = whole_seconds(first_at, Case.opened_at)
    total, count = db.execute(
        select(func.sum(seconds), func.count(seconds))
        .select_from(CareJob)
        .join(Case, Case.id == CareJob.case_id)
        .where(scope.within(unindexed(Case.opened_at)), counselling_condition())
    ).one()
    return Jobs(planned or 0, filled or 0, active or 0, average_hours(total or 0, count))


def calls_by_hour(db: Session, scope: Scope) -> tuple[list[int], list[int]]:
    """Incoming calls of the period by local hour of the day (0–23) and weekday (Monday first)."""
    by_hour, by_weekday = [0] * 24, [0] * 7
    # SQLite's %w counts from Sunday (0), PostgreSQL's ID from Monday (1).
    postgresql = db.get_bind().dialect.name == "postgresql"
    key = local_text(db, scope, Call.started_at, sqlite="%w %H", postgresql="ID HH24")
    found = db.execute(
        select(key, func.count()).where(Call.direction == "inbound", scope.within(Call.started_at)).group_by(key)
    )
    for text, count in found:
        day, hour = (int(part) for part in str(text).split())
        by_hour[hour] += count
        by_weekday[day - 1 if postgresql else (day + 6) % 7] += count
    return by_hour, by_weekday


# --- Everything a page, the CLI or the report shows ----------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    counselling_sessions: int
    emergencies: int
    care_hours: Decimal
    driving_services: int
    concrete_need_cases: int
    jobs: int
    jobs_filled: int
    volunteers_active: int
    average_hours_to_assignment: Decimal | None

    @property
    def concrete_need_share(self) -> Decimal | None:
        return rules.share(self.concrete_need_cases, self.counselling_sessions)

    @property
    def jobs_filled_share(self) -> Decimal | None:
        return rules.share(self.jobs_filled, self.jobs)

    def as_json(self) -> dict[str, Any]:
        """The stable English keys of `fluxx stats --format json` (documented in the README)."""

        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "counselling_sessions": self.counselling_sessions,
            "emergencies": self.emergencies,
            "care_hours": number(self.care_hours),
            "driving_services": self.driving_services,
            "concrete_need_cases": self.concrete_need_cases,
            "concrete_need_share": number(self.concrete_need_share),
            "jobs": self.jobs,
            "jobs_filled": self.jobs_filled,
            "jobs_filled_share": number(self.jobs_filled_share),
            "volunteers_active": self.volunteers_active,
            "average_hours_to_assignment": number(self.average_hours_to_assignment),
        }


def totals(db: Session, scope: Scope) -> Totals:
    """The period's totals, each figure by its own query (`report` counts them once for all breakdowns)."""
    figures = [
        counselling_sessions(db, scope).get("", 0),
        emergencies(db, scope).get("", 0),
        care_hours(db, scope).get("", Decimal(0)),
        driving_services(db, scope).get("", 0),
        concrete_need_cases(db, scope).get("", 0),
    ]
    return _totals_of(figures, jobs(db, scope))


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: its label and the five figures."""

    key: Key
    label: str
    counselling_sessions: int
    emergencies: int
    care_hours: Decimal
    driving_services: int
    concrete_need_cases: int

    @property
    def concrete_need_share(self) -> Decimal | None:
        return rules.share(self.concrete_need_cases, self.counselling_sessions)


def breakdown(db: Session, scope: Scope, by: By) -> list[Row]:
    """The five figures by month (every month of the period), need, municipality or partner."""
    figures = [
        counselling_sessions(db, scope, by),
        emergencies(db, scope, by),
        care_hours(db, scope, by),
        driving_services(db, scope, by),
        concrete_need_cases(db, scope, by),
    ]
    labels = _labels(db, scope, by, set().union(*figures))
    return [
        Row(
            key,
            label,
            figures[0].get(key, 0),
            figures[1].get(key, 0),
            Decimal(figures[2].get(key, 0)),
            figures[3].get(key, 0),
            figures[4].get(key, 0),
        )
        for key, label in labels
    ]


def _labels(db: Session, scope: Scope, by: By, keys: set[Key]) -> list[tuple[Key, str]]:
    """The rows of a breakdown in their order, with their German labels."""
    from reporting.statistics import texts

    if by is By.MONTH:
        return [(month, texts.month_label(month)) for month in rules.months_of(scope.span)]
    if by is By.NEED:
        from casework.enums import Need

        found = [(need.value, need.label) for need in Need if need.value in keys]
        return found + ([(None, texts.NO_NEED)] if None in keys else [])
    if by is By.PARTNER_COMPANY:
        partners = db.execute(select(Partner.id, Partner.name).order_by(Partner.name)).all()
        return [(pid, name) for pid, name in partners if pid in keys]
    names = db.execute(select(Municipality.id, Municipality.name).order_by(Municipality.name)).all()
    found_m: list[tuple[Key, str]] = [(mid, name) for mid, name in names if mid in keys]
    if by is By.MUNICIPALITY and None in keys:
        found_m.append((None, texts.NO_MUNICIPALITY))
    return found_m or ([("", "Gesamt")] if by is By.TOTAL else [])


# --- All figures and breakdowns at once (the page) -----------------------------------------------------------
#
# `breakdown` asks each figure once per breakdown, and the case figures once per month: thirty passes over the
# period's cases. The page instead counts each figure once, grouped by everything a breakdown can ask (local
# month, need, municipality, partner company while a partner, partner municipality while one), and adds the
# groups up in Python. The conditions are the same as the figures' above.

FIGURE_NAMES = ("counselling_sessions", "emergencies", "care_hours", "driving_services", "concrete_need_cases")


@dataclass(frozen=True)
class Cell:
    """The figures of one group: (month, need, municipality, partner company, partner municipality) -> values.

    `seen` tells which figures had rows in the group at all (a care job's confirmed hours can add up to
    nothing): a breakdown lists a key when any figure had a row for it, as `breakdown` does."""

    month: str
    need: str | None
    municipality_id: int | None
    company_id: int | None  # the case's partner company if the moment lies in its partnership, else None
    resident_id: int | None  # the case's municipality if the moment lies in its partnership, else None
    values: tuple[int, int, Decimal, int, int]
    seen: tuple[bool, bool, bool, bool, bool]


def _need_key(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value if isinstance(value, enum.Enum) else value)


def _group_keys(db: Session, scope: Scope, when: Any) -> list[Any]:
    """Need, municipality, the partner company while a partner and the municipality while a partner at `when`."""
    company = case((_membership(db, scope, By.PARTNER_COMPANY, when), Case.partner_id), else_=None)
    resident = case((_membership(db, scope, By.PARTNER_MUNICIPALITY, when), Case.municipality_id), else_=None)
    return [Case.need, Case.municipality_id, company, resident]


def figure_cells(db: Session, scope: Scope) -> list[Cell]:
    """Every figure of the period grouped by local month and for all breakdowns: the sessions one range query per
    local month over the index on opened_at, the rest grouped by the local month of the case's opening or the
    job's start."""
    cells: list[Cell] = []

    def add(month: str, keys: Sequence[Any], values: list[Any], seen: list[bool]) -> None:
        need, municipality, company, resident = keys
        cells.append(Cell(month, _need_key(need), municipality, company, resident, tuple(values), tuple(seen)))  # type: ignore[arg-type]

    # Counselling sessions: per local month, exact across summer time as `_grouped` counts them.
    keys = _group_keys(db, scope, Case.opened_at)
    low, high = bindparam("low", type_=Case.opened_at.type), bindparam("high", type_=Case.opened_at.type)
    sessions = (
        select(*keys, func.count())
        .where(counselling_condition(), Case.opened_at >= low, Case.opened_at < high)
        .group_by(*keys)
    )
    for month, lo, hi in rules.month_bounds(scope.span, scope.zone):
        for row in db.execute(sessions, {"low": lo, "high": hi}):
            if row[-1]:
                add(month, row[:-1], [row[-1], 0, Decimal(0), 0, 0], [True, False, False, False, False])

    def month_of(when: Any) -> list[Any]:
        return [local_text(db, scope, when, sqlite="%Y-%m", postgresql="YYYY-MM")]

    # Emergencies and concrete need: counselling cases with a care job arranged (not cancelled), of which those
    # with one done. A done care job is an arranged one, so the cases with one are among these.
    arranged_jobs = and_(CareJob.kind.in_(CARE_KINDS), CareJob.status != JobStatus.CANCELLED)
    # A year or less (a month the worker keeps, the current month): probe the period's cases for a job. Longer:
    # one pass over all arranged jobs beats a probe for each of the period's cases.
    if short_span(scope):
        arranged: ColumnElement[bool] = exists().where(CareJob.case_id == Case.id, arranged_jobs)
    else:
        arranged = Case.id.in_(select(CareJob.case_id).where(arranged_jobs))
    done_care = exists().where(CareJob.case_id == Case.id, CareJob.kind.in_(CARE_KINDS), job_done(scope.now))
    grouping = month_of(Case.opened_at) + keys
    needing = select(*grouping, func.count(), func.count(case((done_care, 1)))).where(
        arranged, scope.within(Case.opened_at), counselling_condition()
    )
    for row in db.execute(needing.group_by(*grouping)):
        month, found = row[0], row[1:-2]
        concrete, emergencies = row[-2] or 0, row[-1] or 0
        if concrete:
            add(month, found, [0, emergencies, Decimal(0), 0, concrete], [False, emergencies > 0, False, False, True])

    # Care hours and driving services, by the job's start.
    job_keys = _group_keys(db, scope, CareJob.starts_at)
    grouping = month_of(CareJob.starts_at) + job_keys
    hours = (
        select(*grouping, func.count(), func.sum(HoursReport.hours))
        .select_from(HoursReport)
        .join(Assignment, Assignment.id == HoursReport.assignment_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .join(Case, Case.id == CareJob.case_id)
        .where(
            HoursReport.status == HoursStatus.CONFIRMED,
            CareJob.kind.in_(CARE_KINDS),
            scope.within(job_start(scope)),
        )
    )
    for row in db.execute(hours.group_by(*grouping)):
        month, found = row[0], row[1:-2]
        if row[-2]:
            add(month, found, [0, 0, Decimal(row[-1] or 0), 0, 0], [False, False, True, False, False])
    driving = (
        select(*grouping, func.count())
        .select_from(CareJob)
        .join(Case, Case.id == CareJob.case_id)
        .where(CareJob.kind == JobKind.DRIVING, job_done(scope.now), scope.within(job_start(scope)))
    )
    for row in db.execute(driving.group_by(*grouping)):
        month, found = row[0], row[1:-1]
        if row[-1]:
            add(month, found, [0, 0, Decimal(0), row[-1], 0], [False, False, False, True, False])
    return cells


def _key_of(cell: Cell, by: By) -> tuple[bool, Key]:
    """The cell's key in a breakdown, and whether the cell counts there at all."""
    if by is By.TOTAL:
        return True, ""
    if by is By.MONTH:
        return True, cell.month
    if by is By.NEED:
        return True, cell.need
    if by is By.MUNICIPALITY:
        return True, cell.municipality_id
    if by is By.PARTNER_COMPANY:
        return cell.company_id is not None, cell.company_id
    return cell.resident_id is not None, cell.resident_id


def _summed(cells: Sequence[Cell], by: By) -> tuple[dict[Key, list[Any]], set[Key]]:
    sums: dict[Key, list[Any]] = {}
    seen: set[Key] = set()
    for cell in cells:
        counts, key = _key_of(cell, by)
        if not counts:
            continue
        found = sums.setdefault(key, [0, 0, Decimal(0), 0, 0])
        for i, value in enumerate(cell.values):
            found[i] += value
        if any(cell.seen):
            seen.add(key)
    return sums, seen


def _rows_of(db: Session, scope: Scope, by: By, cells: Sequence[Cell]) -> list[Row]:
    """`breakdown(db, scope, by)` from the cells."""
    sums, seen = _summed(cells, by)
    if by is By.TOTAL:
        seen.add("")
    zero = [0, 0, Decimal(0), 0, 0]
    return [Row(key, label, *sums.get(key, zero)) for key, label in _labels(db, scope, by, seen)]


def _totals_of(figures: Sequence[Any], job_figures: Jobs) -> Totals:
    """`totals(db, scope)` from the five figures' totals (`_summed(cells, By.TOTAL)`) and the jobs'."""
    sessions, emergencies, hours, driving, concrete = figures
    return Totals(
        counselling_sessions=sessions,
        emergencies=emergencies,
        care_hours=hours,
        driving_services=driving,
        concrete_need_cases=concrete,
        jobs=job_figures.planned,
        jobs_filled=job_figures.filled,
        volunteers_active=job_figures.volunteers_active,
        average_hours_to_assignment=job_figures.average_hours_to_assignment,
    )


# --- Coverage: the network on a day --------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    people: int | None  # employees of a company, residents of a municipality


@dataclass(frozen=True)
class Coverage:
    day: date
    companies: list[Member]
    municipalities: list[Member]  # partner municipalities of the Region (not the city)
    city: list[Member]

    @staticmethod
    def total(members: Sequence[Member]) -> int:
        return sum(member.people or 0 for member in members)


def coverage(db: Session, day: date) -> Coverage:
    """Partner companies and their employees, partner municipalities and their residents, on `day`."""
    companies = db.execute(
        select(Partner.name, Partner.employees)
        .where(Partner.active_from <= day, or_(Partner.active_until.is_(None), Partner.active_until >= day))
        .order_by(Partner.name)
    ).all()
    partner_on_day = and_(
        Municipality.partner_from.is_not(None),
        Municipality.partner_from <= day,
        or_(Municipality.partner_until.is_(None), Municipality.partner_until >= day),
    )
    municipalities = db.execute(
        select(Municipality.name, Municipality.residents, Municipality.is_city)
        .where(or_(partner_on_day, Municipality.is_city))
        .order_by(Municipality.name)
    ).all()
    return Coverage(
        day,
        [Member(name, people) for name, people in companies],
        [Member(name, people) for name, people, is_city in municipalities if not is_city],
        [Member(name, people) for name, people, is_city in municipalities if is_city],
    )


# --- The page's tables, the same for its CSV files ----------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # in the CSV's file name and the page's ids
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Report:
    scope: Scope
    totals: Totals
    year_before: Totals
    breakdowns: dict[By, list[Row]]
    calls_by_hour: list[int]
    calls_by_weekday: list[int]
    coverage: Coverage


BREAKDOWNS = (By.MONTH, By.NEED, By.MUNICIPALITY, By.PARTNER_COMPANY, By.PARTNER_MUNICIPALITY)


def _count(value: int) -> str:
    return number_de(value)


def _share(value: Decimal | None) -> str:
    return "–" if value is None else f"{number_de(value, 1)} %"


def _hours(value: Decimal | None) -> str:
    return "–" if value is None else hours_de(value)


def total_lines(figures: Totals) -> list[tuple[str, str, str]]:
    """(key, German label, value as German text) for every total, in the order shown."""
    values = {
        "counselling_sessions": _count(figures.counselling_sessions),
        "emergencies": _count(figures.emergencies),
        "care_hours": _hours(figures.care_hours),
        "driving_services": _count(figures.driving_services),
        "concrete_need_share": _share(figures.concrete_need_share),
        "jobs": _count(figures.jobs),
        "jobs_filled_share": _share(figures.jobs_filled_share),
        "volunteers_active": _count(figures.volunteers_active),
        "average_hours_to_assignment": _hours(figures.average_hours_to_assignment),
    }
    return [(key, BY_KEY[key].label, value) for key, value in values.items()]


FIGURES = ["Krisenberatungen", "Notfälle", "Betreuungsstunden", "Fahrdienste", "Anteil mit konkretem Bedarf"]


def _row_cells(row: Row) -> list[str]:
    return [
        row.label,
        _count(row.counselling_sessions),
        _count(row.emergencies),
        _hours(row.care_hours),
        _count(row.driving_services),
        _share(row.concrete_need_share),
    ]


def tables(found: Report) -> list[Table]:
    """Every table of the page, each also a CSV file (German numbers)."""
    now, before = total_lines(found.totals), total_lines(found.year_before)
    span, earlier = found.scope.span, found.scope.span.year_before()
    period = f"{date_de(span.first)}–{date_de(span.last)}"
    result = [
        Table(
            "totals",
            "Kennzahlen",
            ["Kennzahl", period, f"Vorjahr {date_de(earlier.first)}–{date_de(earlier.last)}"],
            [[label, value, old] for (_, label, value), (_, _, old) in zip(now, before, strict=True)],
        ),
    ]
    titles = {
        By.MONTH: ("Nach Monat", "Monat"),
        By.NEED: ("Nach Anliegen", "Anliegen"),
        By.MUNICIPALITY: ("Nach Kommune", "Kommune"),
        By.PARTNER_COMPANY: ("Beschäftigte von Partnerbetrieben", "Partnerbetrieb"),
        By.PARTNER_MUNICIPALITY: ("Einwohner/innen von Partnerkommunen", "Partnerkommune"),
    }
    for by, rows in found.breakdowns.items():
        title, first = titles[by]
        result.append(Table(by.value, title, [first, *FIGURES], [_row_cells(row) for row in rows]))
    result.append(
        Table(
            "hours",
            "Anrufe nach Uhrzeit",
            ["Stunde", "Anrufe"],
            [[f"{hour:02d}–{(hour + 1) % 24:02d} Uhr", _count(n)] for hour, n in enumerate(found.calls_by_hour)],
        )
    )
    result.append(
        Table(
            "weekdays",
            "Anrufe nach Wochentag",
            ["Wochentag", "Anrufe"],
            [[day, _count(n)] for day, n in zip(WEEKDAYS, found.calls_by_weekday, strict=True)],
        )
    )
    cover = found.coverage
    members = [["Partnerbetrieb", m.name, _count(m.people or 0)] for m in cover.companies]
    members += [["Partnerkommune", m.name, _count(m.people or 0)] for m in cover.municipalities]
    members += [["Landeshauptstadt", m.name, _count(m.people or 0)] for m in cover.city]
    result.append(
        Table("coverage", f"Netzwerk am {date_de(cover.day)}", ["Art", "Name", "Beschäftigte/Einwohner"], members)
    )
    return result


# --- The command line's output ------------------------------------------------------------------------------


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "key": row.key, "label": row.label, "counselling_sessions": row.counselling_sessions,
        "emergencies": row.emergencies, "care_hours": float(row.care_hours), "driving_services": row.driving_services,
        "concrete_need_cases": row.concrete_need_cases,
        "concrete_need_share": None if row.concrete_need_share is None else float(row.concrete_need_share),
    }  # fmt: skip


def coverage_json(cover: Coverage) -> dict[str, Any]:
    """The network on a day in numbers: partner companies and their employees, partner municipalities of the
    Region and their residents, the city's residents."""
    return {
        "day": cover.day.isoformat(),
        "partner_companies": len(cover.companies),
        "employees": cover.total(cover.companies),
        "partner_municipalities": len(cover.municipalities),
        "residents": cover.total(cover.municipalities),
        "city_residents": cover.total(cover.city),
    }


def as_json(
    scope: Scope, figures: Totals, breakdowns: dict[By, list[Row]], cover: Coverage | None = None
) -> dict[str, Any]:
    """`fluxx stats --format json`: stable English keys (README, "Statistics")."""
    found = {
        "from": scope.span.first.isoformat(),
        "to": scope.span.last.isoformat(),
        "totals": figures.as_json(),
        "breakdowns": {by.value: [_row_json(row) for row in rows] for by, rows in breakdowns.items()},
    }
    if cover is not None:
        found["coverage"] = coverage_json(cover)
    return found


def cli_tables(figures: Totals, breakdowns: dict[By, list[Row]]) -> list[Table]:
    """The totals, then each breakdown, as tables with German numbers (the CLI's table and CSV output)."""
    result = [Table("totals", "Kennzahlen", ["Kennzahl", "Wert"], [[label, v] for _, label, v in total_lines(figures)])]
    firsts = {By.MONTH: "Monat", By.NEED: "Anliegen", By.MUNICIPALITY: "Kommune",
              By.PARTNER_COMPANY: "Partnerbetrieb", By.PARTNER_MUNICIPALITY: "Partnerkommune"}  # fmt: skip
    for by, rows in breakdowns.items():
        result.append(Table(by.value, firsts[by], [firsts[by], *FIGURES], [_row_cells(row) for row in rows]))
    return result


def plain_table(table: Table) -> str:
    """A table for the terminal: columns padded, numbers right-aligned."""
    lines = [table.header, *table.rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(table.header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )
