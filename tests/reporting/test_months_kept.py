"""Past months' statistics are kept (`reporting.statistics.months`) and used only while they hold: every write to a
row a month's figures read marks it changed (database triggers, whoever writes), figures counted while a writer
changed the month are not kept, and a job's end passing recounts its month. After each, the page's report gives
exactly the per-figure queries' totals and rows (`totals`, `breakdown`), on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, Need
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from core.db import make_sessionmaker, transaction
from reporting.statistics import months
from reporting.statistics.models import StatisticsMonth
from reporting.statistics.months import report
from reporting.statistics.rules import Span
from reporting.statistics.service import BREAKDOWNS, Scope, breakdown, counselling_condition, totals
from reporting.statistics.tasks import EVERY, StatisticsKeeper
from tests.reporting.test_report_counts_once import BERLIN, NOW, _history
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport

ALL_YEARS = Span(date(2015, 1, 1), date(2026, 11, 30))
YEAR = Span(date(2025, 1, 1), date(2025, 12, 31))


def _reference(db: Session, span: Span, now: datetime = NOW) -> tuple[object, ...]:
    scope = Scope(span, BERLIN, now)
    return (totals(db, scope), totals(db, scope.year_before()), *(breakdown(db, scope, by) for by in BREAKDOWNS))


def _reported(db: Session, span: Span, now: datetime = NOW) -> tuple[object, ...]:
    found = report(db, Scope(span, BERLIN, now), day=span.last)
    return (found.totals, found.year_before, *(found.breakdowns[by] for by in BREAKDOWNS))


def _assert_exact(db: Session, now: datetime = NOW) -> None:
    for span in (ALL_YEARS, YEAR):
        assert _reported(db, span, now) == _reference(db, span, now), span


def _kept_months(db: Session) -> set[str]:
    return set(
        db.scalars(
            select(StatisticsMonth.month).where(
                StatisticsMonth.figures.is_not(None), StatisticsMonth.counted == StatisticsMonth.changes
            )
        )
    )


def _in_2025(column):  # type: ignore[no-untyped-def]
    return column.between(datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC))


def test_past_months_are_kept_and_the_next_view_counts_only_the_current_month(db, monkeypatch):
    _history(db, random.Random(3))
    _assert_exact(db)
    kept = _kept_months(db)
    assert "2025-06" in kept and "2015-01" in kept and "2026-10" in kept
    assert "2026-11" not in kept  # the month of `now` is counted live, each time
    db.commit()

    spans: list[Span] = []
    count = months.counted
    monkeypatch.setattr(months, "counted", lambda db, scope: spans.append(scope.span) or count(db, scope))
    _assert_exact(db)
    # All years: only November 2026 (its year before, up to 30 November 2025, is all kept); 2025: nothing.
    assert spans == [Span(date(2026, 11, 1), date(2026, 11, 30))]


def _case_need(db: Session) -> None:
    case = db.scalars(select(Case).where(_in_2025(Case.opened_at), counselling_condition()).order_by(Case.id)).first()
    case.need = Need.CHILD_CARE if case.need != Need.CHILD_CARE else None  # type: ignore[union-attr]


def _case_merged(db: Session) -> None:
    target, merged = db.scalars(
        select(Case.id).where(_in_2025(Case.opened_at), Case.merged_into_id.is_(None)).order_by(Case.id).limit(2)
    ).all()
    db.execute(update(Case).where(Case.id == merged).values(merged_into_id=target))


def _case_added(db: Session) -> None:
    opened = datetime(2025, 6, 3, 12, tzinfo=UTC)
    db.execute(
        insert(Case).values(
            number="R-new", year=2025, seq=999, opened_at=opened, channel="manual", status=CaseStatus.NEW,
            created_at=opened, updated_at=opened,
        )
    )  # fmt: skip


def _case_deleted(db: Session) -> None:
    found = db.scalars(
        select(Case.id)
        .where(_in_2025(Case.opened_at), Case.merged_into_id.is_(None))
        .where(~select(CareJob.id).where(CareJob.case_id == Case.id).exists())
        .where(~select(Call.id).where(Call.case_id == Case.id).exists())
        .order_by(Case.id)
    ).first()
    db.execute(update(Case).where(Case.merged_into_id == found).values(merged_into_id=None))
    db.execute(delete(Case).where(Case.id == found))


def _phone_case(db: Session) -> None:
    """A phone case of June 2025 closed without need, with one real call: a counselling session."""
    opened = datetime(2025, 6, 12, 10, tzinfo=UTC)
    case = Case(
        number="R-call", year=2025, seq=998, opened_at=opened, channel=CaseChannel.PHONE,
        status=CaseStatus.CLOSED_NO_NEED, created_at=opened, updated_at=opened,
    )  # fmt: skip
    db.add(case)
    db.flush()
    db.add(Call(call_sid="CA-R-call", case_id=case.id, started_at=opened, created_at=opened, updated_at=opened))


def _call_no_case(db: Session) -> None:
    """Its call marked as no case (hung up): the case is no counselling session any more."""
    found = db.scalar(select(Case.id).where(Case.number == "R-call"))
    db.execute(update(Call).where(Call.case_id == found).values(no_case_reason="hung_up"))


def _job_cancelled(db: Session) -> None:
    job = db.scalars(
        select(CareJob).where(_in_2025(CareJob.starts_at), CareJob.status != JobStatus.CANCELLED).order_by(CareJob.id)
    ).first()
    job.status = JobStatus.CANCELLED  # type: ignore[union-attr]


def _job_moved(db: Session) -> None:
    found = db.scalars(
        select(CareJob.id)
        .where(_in_2025(CareJob.starts_at), CareJob.status != JobStatus.CANCELLED)
        .order_by(CareJob.id)
    ).first()
    later = datetime(2024, 3, 5, 9, tzinfo=UTC)
    db.execute(update(CareJob).where(CareJob.id == found).values(starts_at=later, ends_at=later + timedelta(hours=2)))


def _assignment_released(db: Session) -> None:
    """The only carer who went to a job of 2025 released: the job is no longer filled."""
    went = [AssignmentStatus.ACTIVE, AssignmentStatus.COMPLETED]
    carers = select(func.count(Assignment.id)).where(Assignment.job_id == CareJob.id, Assignment.status.in_(went))
    found = db.scalars(
        select(Assignment.id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(_in_2025(CareJob.starts_at), CareJob.status != JobStatus.CANCELLED, Assignment.status.in_(went))
        .where(carers.correlate(CareJob).scalar_subquery() == 1)
        .order_by(Assignment.id)
    ).first()
    db.execute(update(Assignment).where(Assignment.id == found).values(status=AssignmentStatus.RELEASED))


def _care_hours_of_2025(db: Session, *, confirmed: bool) -> int | None:
    """The first hours report (of more than nothing) of a care job starting in 2025, confirmed or not."""
    status = HoursReport.status == HoursStatus.CONFIRMED
    return db.scalars(
        select(HoursReport.id)
        .join(Assignment, Assignment.id == HoursReport.assignment_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(_in_2025(CareJob.starts_at), CareJob.kind.in_([JobKind.CHILD_CARE, JobKind.ELDER_CARE]))
        .where(status if confirmed else ~status, HoursReport.hours > 0)
        .order_by(HoursReport.id)
    ).first()


def _hours_confirmed(db: Session) -> None:
    found = _care_hours_of_2025(db, confirmed=False)
    db.execute(update(HoursReport).where(HoursReport.id == found).values(status=HoursStatus.CONFIRMED))


def _hours_deleted(db: Session) -> None:
    db.execute(delete(HoursReport).where(HoursReport.id == _care_hours_of_2025(db, confirmed=True)))


def _partner_window(db: Session) -> None:
    partner = db.scalars(select(Partner).where(Partner.name == "Leinewerke")).one()
    partner.active_until = date(2025, 4, 30)


def _municipality_window(db: Session) -> None:
    db.execute(
        update(Municipality).where(Municipality.partner_from == date(2025, 3, 1)).values(partner_from=date(2025, 7, 1))
    )


CHANGES: dict[str, Callable[[Session], None]] = {
    "case_need": _case_need,
    "case_merged": _case_merged,
    "case_added": _case_added,
    "case_deleted": _case_deleted,
    "call_no_case": _call_no_case,
    "job_cancelled": _job_cancelled,
    "job_moved": _job_moved,
    "assignment_released": _assignment_released,
    "hours_confirmed": _hours_confirmed,
    "hours_deleted": _hours_deleted,
    "partner_window": _partner_window,
    "municipality_window": _municipality_window,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_write_marks_its_months_changed(db, change):
    _history(db, random.Random(4))
    _phone_case(db)
    db.commit()
    _assert_exact(db)  # counts and keeps the past months
    before = [_reference(db, span) for span in (ALL_YEARS, YEAR)]
    db.commit()
    CHANGES[change](db)
    db.commit()
    assert [_reference(db, span) for span in (ALL_YEARS, YEAR)] != before, (
        "the change must change a figure for the test to mean anything"
    )
    _assert_exact(db)


def test_a_job_whose_end_passes_recounts_its_month(db):
    _history(db, random.Random(5))
    case = db.scalars(
        select(Case).where(_in_2025(Case.opened_at), Case.merged_into_id.is_(None)).order_by(Case.id)
    ).first()
    starts = datetime(2025, 5, 5, 8, tzinfo=UTC)
    ends = NOW + timedelta(days=3)  # a long driving service, from May 2025 until after `now`
    job = CareJob(
        case_id=case.id, kind=JobKind.DRIVING, starts_at=starts, ends_at=ends, code="L",
        status=JobStatus.FILLED, created_at=starts, updated_at=starts,
    )  # fmt: skip
    db.add(job)
    db.flush()
    volunteer_id = db.scalar(select(Assignment.volunteer_id).limit(1))
    db.add(Assignment(job_id=job.id, volunteer_id=volunteer_id, status=AssignmentStatus.ACTIVE, assigned_at=starts))
    db.commit()
    _assert_exact(db)
    assert "2025-05" in _kept_months(db)
    driving = report(db, Scope(YEAR, BERLIN, NOW), day=YEAR.last).totals.driving_services

    later = ends + timedelta(minutes=1)  # not a write: the job's end passed
    _assert_exact(db, later)
    assert report(db, Scope(YEAR, BERLIN, later), day=YEAR.last).totals.driving_services == driving + 1
    _assert_exact(db)  # and back at `now`, the job not done yet


def test_figures_counted_while_a_writer_changed_the_month_are_not_kept(db, engine):
    _history(db, random.Random(6))
    db.commit()
    scope = Scope(Span(date(2025, 6, 1), date(2025, 6, 30)), BERLIN, NOW)
    read = months._changes(db, ["2025-06"], scope)
    db.commit()
    assert read == {"2025-06": 0}
    # Another unit of work confirms hours of a June job after the figures were counted, before they are kept.
    counted = months.counted(db, scope)
    db.commit()
    with Session(engine) as other:
        _hours_in(other, "2025-06")
        other.commit()
    months._store(db, counted, read)
    db.commit()
    assert "2025-06" not in _kept_months(db)
    assert db.scalar(select(StatisticsMonth.changes).where(StatisticsMonth.month == "2025-06")) >= 1
    _assert_exact(db)


def _hours_in(db: Session, month: str) -> None:
    """New confirmed hours for a care job starting in `month` (one is made if there is none)."""
    year, number = (int(part) for part in month.split("-"))
    starts = datetime(year, number, 10, 9, tzinfo=UTC)
    case_id = db.scalar(select(Case.id).where(Case.merged_into_id.is_(None)).limit(1))
    job = CareJob(
        case_id=case_id, kind=JobKind.CHILD_CARE, starts_at=starts, ends_at=starts + timedelta(hours=3),
        code="H", status=JobStatus.FILLED, created_at=starts, updated_at=starts,
    )  # fmt: skip
    db.add(job)
    db.flush()
    volunteer_id = db.scalar(select(Assignment.volunteer_id).limit(1))
    assignment = Assignment(
        job_id=job.id, volunteer_id=volunteer_id, status=AssignmentStatus.ACTIVE, assigned_at=starts
    )
    db.add(assignment)
    db.flush()
    db.add(
        HoursReport(
            assignment_id=assignment.id, hours=Decimal("2.5"), source="web", status=HoursStatus.CONFIRMED,
            reported_at=starts,
        )
    )  # fmt: skip


def test_a_writer_in_flight_keeps_its_months_from_being_kept(db, engine, test_database):
    """PostgreSQL: a writer that has changed a month and not yet committed holds the month's row; figures counted
    meanwhile are not kept (`SKIP LOCKED`), and a month whose row is still to be created waits at most the lock
    timeout for writers in flight, then is counted without being kept. Either way the report is exact once the
    writer has committed."""
    if not test_database.is_postgres:
        pytest.skip("SQLite has one writer at a time: no writer is in flight while the report's unit of work writes")
    _history(db, random.Random(7))
    db.commit()
    _assert_exact(db)  # rows exist and are kept for every past month
    _hours_in(db, "2025-06")  # June is to be counted anew
    db.commit()
    with Session(engine) as writer:
        _hours_in(writer, "2025-06")
        writer.flush()  # the trigger has marked June, uncommitted, and holds its row
        _assert_exact(db)  # counts June anew; cannot keep it
        db.commit()
        writer.commit()
    assert "2025-06" not in _kept_months(db)
    _assert_exact(db)
    assert "2025-06" in _kept_months(db)

    # A month without a row yet (the table emptied), with a writer in flight: not created, counted live.
    db.execute(delete(StatisticsMonth))
    db.commit()
    with Session(engine) as writer:
        _hours_in(writer, "2025-07")
        writer.flush()
        started = datetime.now(UTC)
        _assert_exact(db)
        assert datetime.now(UTC) - started < timedelta(seconds=5)
        assert not _kept_months(db)
        db.commit()
        writer.commit()
    _assert_exact(db)
    assert "2025-07" in _kept_months(db)


def test_triggers_watch_every_table_a_figure_reads(db):
    """A later migration that rebuilds one of these tables (SQLite's batch mode copies it) must keep them."""
    watched = {"case", "call", "care_job", "assignment", "hours_report", "partner", "municipality"}
    if db.get_bind().dialect.name == "postgresql":
        rows = db.execute(
            text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE t.tgname LIKE 'statistics_%' AND n.nspname = current_schema()"
            )
        ).all()
        found: dict[str, int] = {}
        for (table,) in rows:
            found[table] = found.get(table, 0) + 1
        assert found == dict.fromkeys(watched, 2)  # insert or delete; update of a figure's column
    else:
        rows = db.execute(
            text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'statistics_%'")
        )
        found = {}
        for (table,) in rows:
            found[table] = found.get(table, 0) + 1
        assert found == dict.fromkeys(watched, 3)


def test_reports_and_writers_at_once_stay_exact(engine, db):
    """Two threads keep changing past months' hours and jobs while two others view the statistics, each in units
    of work of their own as the app runs them; afterwards the report is exact."""
    _history(db, random.Random(8))
    db.commit()
    factory = make_sessionmaker(engine)
    failures: list[BaseException] = []
    month_names = [f"2025-{m:02d}" for m in range(2, 11)]

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(12):
                with transaction(factory) as session:
                    if rng.random() < 0.5:
                        _hours_in(session, rng.choice(month_names))
                    else:
                        job = session.scalars(
                            select(CareJob).where(_in_2025(CareJob.starts_at)).order_by(func.random()).limit(1)
                        ).first()
                        job.status = JobStatus.CANCELLED if job.status != JobStatus.CANCELLED else JobStatus.FILLED  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    def viewer() -> None:
        try:
            for _ in range(6):
                with transaction(factory) as session:
                    report(session, Scope(YEAR, BERLIN, NOW), day=YEAR.last)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)] + [
        threading.Thread(target=viewer) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    db.expire_all()
    _assert_exact(db)


def test_the_worker_keeps_ended_months_ahead_of_the_page(engine, db, monkeypatch):
    """The keeper counts every ended month since 2014 a batch at a time; the page then counts only the current
    month. A later change to a past month is counted again at the keeper's next round, that month alone."""
    _history(db, random.Random(9))
    db.commit()
    factory = make_sessionmaker(engine)
    now = [NOW]
    keeper = StatisticsKeeper(factory, clock=lambda: now[0], zone=BERLIN)
    assert keeper("test") == 0  # not at start-up: a server (re)started in a busy hour answers calls first
    now[0] += EVERY
    rounds = []
    for _ in range(30):
        rounds.append(keeper("test"))
        if keeper.next_at and keeper.next_at - now[0] == EVERY:
            break
        now[0] = keeper.next_at  # the pause between batches, as the worker waits it
    ended = 12 * (2026 - 2014) + 10  # January 2014 (the year before the first) to October 2026
    assert sum(rounds) == ended and max(rounds) == months.KEEP_BATCH
    assert keeper("test") == 0  # nothing due before its next round
    with factory() as fresh:
        assert months.stale(fresh, zone=BERLIN, now=now[0]) == []
        assert len(_kept_months(fresh)) == ended

    spans: list[Span] = []
    count = months.counted
    monkeypatch.setattr(months, "counted", lambda db, scope: spans.append(scope.span) or count(db, scope))
    db.expire_all()
    _assert_exact(db, now[0])
    assert set(spans) == {Span(date(2026, 11, 1), date(2026, 11, 30))}  # the current month, for all years

    with transaction(factory) as writer:
        _hours_in(writer, "2025-06")
    with factory() as fresh:
        assert months.stale(fresh, zone=BERLIN, now=now[0]) == ["2025-06"]
    spans.clear()
    now[0] += EVERY
    assert keeper("test") == 1
    assert spans == [Span(date(2025, 6, 1), date(2025, 6, 30))]
    db.expire_all()
    _assert_exact(db, now[0])
