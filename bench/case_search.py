"""(5) The case list and search, and (6) the statistics, with 1,000,000 cases: SQLite and PostgreSQL.

The cases are written in bulk (bench/data.py), once per database for both tables (a million cases take
a while to write and index). Each search question runs the case list's own query
(`casework.search.service.list_cases`, what `GET /cases` runs, without rendering the page) repeatedly
on a pooled connection, so PostgreSQL's prepared statements and generic plans count as in production:
the median. The statistics: the worker's keeper counts every ended month once (`months.keep`), then
`reporting.statistics.months.report` (all of the statistics page's queries) runs for one year and for all years,
and for all years right after a past month changed.

    .venv/bin/python bench/case_search.py [--cases 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import fresh_database, kinds, markdown_table, median_ms, ms, quick, report, verdict, workdir
from bench.data import RARE_NAME, insert_cases, insert_jobs
from casework.cases.models import Case
from casework.jobs.models import CareJob
from casework.search.rules import parse_query
from casework.search.service import CaseFilters, Cursor, list_cases
from core.db import make_engine, make_sessionmaker, transaction
from reporting.statistics import months as statistics_months
from reporting.statistics.rules import FIRST_DAY, Span
from reporting.statistics.service import Scope
from volunteers.assignments.models import Assignment, HoursReport

ZONE = ZoneInfo("Europe/Berlin")
TARGET_MS = 100
STATISTICS_TARGET_MS = 1000


def questions(sample: Case) -> list[tuple[str, str | None, bool]]:
    """(label, search text, deep page) — the search texts come from a stored case, as staff would type them."""
    phone = sample.caller_phone or ""
    return [
        ("first page", None, False),
        ("a deep page (after 20,000 cases)", None, True),
        ("a full number", phone, False),
        ("the last digits (6)", phone[-6:], False),
        ("a name prefix (“Elif Sa”)", "Elif Sa", False),
        ("a rare name word", RARE_NAME, False),
        ("six digits of a case number", f"{sample.seq:06d}", False),
    ]


def measure(url: str, repeat: int) -> list[float]:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    results = []
    with factory() as db:
        sample = db.get(Case, min(4242, db.scalar(select(func.max(Case.id))) or 1))
        assert sample is not None
        # The cursor a reader paging down would hold 20,000 cases below the newest (page 400).
        total = db.scalar(select(func.count()).select_from(Case)) or 0
        deep = db.execute(
            select(Case.opened_at, Case.id).order_by(Case.opened_at.desc(), Case.id.desc())
            .offset(min(20_000, max(total - 100, 0))).limit(1)
        ).one()  # fmt: skip
        cursor = Cursor(deep.opened_at, deep.id)
        for _label, search, is_deep in questions(sample):
            filters = CaseFilters(query=parse_query(search))

            def run(filters: CaseFilters = filters, is_deep: bool = is_deep) -> None:
                list_cases(db, filters=filters, zone=ZONE, after=cursor if is_deep else None)
                db.rollback()

            results.append(median_ms(run, repeat))
    engine.dispose()
    return results


def statistics(url: str, repeat: int) -> list[float]:
    """The worker's keeper counting every ended month (`months.keep`, to the end, in its batches), then the page
    for one year and for all years (median of `repeat` views), and all years right after a past month changed
    (the page counts that month itself, before the keeper's next round). `now` is in the month after the spans."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    results = []
    start = time.perf_counter()
    while statistics_months.keep(factory, zone=ZONE, now=now)[1]:
        pass
    results.append((time.perf_counter() - start) * 1000)
    for span in (Span(date(2025, 1, 1), date(2025, 12, 31)), Span(FIRST_DAY, date(2026, 11, 30))):
        scope = Scope(span, ZONE, now)

        def run(scope: Scope = scope) -> None:
            with transaction(factory) as db:
                statistics_months.report(db, scope, day=date(2026, 11, 30))

        results.append(median_ms(run, repeat, warm_up=False))
    with factory() as db:
        hours_id = db.scalar(
            select(HoursReport.id)
            .join(Assignment, Assignment.id == HoursReport.assignment_id)
            .join(CareJob, CareJob.id == Assignment.job_id)
            .where(CareJob.starts_at >= datetime(2025, 6, 10, tzinfo=UTC))
            .order_by(CareJob.starts_at)
            .limit(1)
        )
    scope = Scope(Span(FIRST_DAY, date(2026, 11, 30)), ZONE, now)
    views = []
    for n in range(repeat):
        with transaction(factory) as db:  # staff correct the hours of a job of June 2025
            db.execute(update(HoursReport).where(HoursReport.id == hours_id).values(hours=Decimal(3 + n % 2)))
        start = time.perf_counter()
        with transaction(factory) as db:
            statistics_months.report(db, scope, day=date(2026, 11, 30))
        views.append((time.perf_counter() - start) * 1000)
    results.append(sorted(views)[len(views) // 2])
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5_000 if quick() else 1_000_000)
    parser.add_argument("--repeat", type=int, default=5 if quick() else 15)
    args = parser.parse_args()
    columns: dict[str, list[float]] = {}
    made: dict[str, float] = {}
    yearly: dict[str, list[float]] = {}
    jobs_made: dict[str, float] = {}
    written: dict[str, int] = {}
    with workdir() as cwd:
        for kind in kinds():
            with fresh_database(kind, cwd) as database:
                engine = make_engine(database.url)
                start = time.perf_counter()
                insert_cases(engine, args.cases)
                made[kind] = time.perf_counter() - start
                engine.dispose()
                columns[kind] = measure(database.url, args.repeat)
                # The statistics count what happened on the cases as well; the case list does not need it.
                engine = make_engine(database.url)
                start = time.perf_counter()
                written = insert_jobs(engine)
                jobs_made[kind] = time.perf_counter() - start
                engine.dispose()
                yearly[kind] = statistics(database.url, args.repeat)
    labels = [label for label, _, _ in questions(Case(caller_phone="+49000000000", seq=1))]
    rows = []
    for n, label in enumerate(labels):
        values = [columns[kind][n] for kind in columns]
        rows.append([label, *(ms(value) for value in values), verdict(all(v <= TARGET_MS for v in values))])
    body = (
        f"{args.cases:,} cases (written in bulk: "
        + ", ".join(f"{kind} {seconds:.0f} s" for kind, seconds in made.items())
        + f"); median of {args.repeat} runs of the case list's query. Target: each ≤ {TARGET_MS} ms.\n\n"
        + markdown_table(["question", *columns, "target"], rows)
    )
    report("5-case-search", f"5. Case list and search with {args.cases:,} cases", body)
    rows = []
    labels = [
        "the worker keeping every ended month since 2014 (in the background, batches of 12 months)",
        "one year (2025)",
        "all years (2015 to today)",
        "all years, right after the hours of a job in June 2025 were corrected",
    ]
    for n, label in enumerate(labels):
        values = [yearly[kind][n] for kind in yearly]
        target = "(background)" if n == 0 else verdict(all(v <= STATISTICS_TARGET_MS for v in values))
        rows.append([label, *(ms(value) for value in values), target])
    body = (
        f"The same {args.cases:,} cases with what happened on them at the demo history's shares (bench/data.py "
        f"`insert_jobs`: "
        + ", ".join(f"{count:,} {table}" for table, count in written.items())
        + "; written in "
        + ", ".join(f"{kind} {seconds:.0f} s" for kind, seconds in jobs_made.items())
        + "). The worker keeps the ended months' figures (`reporting.statistics.tasks`, `months.keep`: timed "
        "to the end, once); then every query of the statistics page (`reporting.statistics.months.report`) in a "
        f"unit of work of its own, as the page runs it, median of {args.repeat} views; the last row corrects "
        "a past month's hours before each view, which the page then counts itself. Target: each view ≤ 1 s.\n\n"
        + markdown_table(["statistics", *yearly, "target"], rows)
    )
    report("6a-statistics", f"6. Statistics over {args.cases:,} cases", body)


if __name__ == "__main__":
    main()
