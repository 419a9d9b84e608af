"""(5) The case list and search, and (6) the statistics, with 1,000,000 cases: SQLite and PostgreSQL.

The cases are written in bulk (bench/data.py), once per database for both tables (a million cases take
a while to write and index). Each search question runs the case list's own query
(`casework.search.service.list_cases`, what `GET /cases` runs, without rendering the page) repeatedly
on a pooled connection, so PostgreSQL's prepared statements and generic plans count as in production:
the median. The statistics run `reporting.statistics.months.report` (all of the statistics page's
queries) for one year and for all years: the first view, which counts every month and keeps the past ones
(committed, as the page's request does), then the median of the views after it.

    .venv/bin/python bench/case_search.py [--cases 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import fresh_database, kinds, markdown_table, median_ms, ms, quick, report, verdict, workdir
from bench.data import RARE_NAME, insert_cases, insert_jobs
from casework.cases.models import Case
from casework.search.rules import parse_query
from casework.search.service import CaseFilters, Cursor, list_cases
from core.db import make_engine, make_sessionmaker, transaction
from reporting.statistics import months as statistics_months
from reporting.statistics.rules import FIRST_DAY, Span
from reporting.statistics.service import Scope

ZONE = ZoneInfo("Europe/Berlin")
TARGET_MS = 100
STATISTICS_TARGET_MS = 1000
STATISTICS_RUNS = 1  # all years over a million cases take a while; once is enough to see it


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
    """For one year and for all years: the first view (counting every month, keeping the past ones) and the
    median of `repeat` views after it. `now` is in the afternoon of a day in the month after the spans."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    results = []
    for span in (Span(date(2025, 1, 1), date(2025, 12, 31)), Span(FIRST_DAY, date(2026, 11, 30))):
        scope = Scope(span, ZONE, now)

        def run(scope: Scope = scope) -> None:
            with transaction(factory) as db:
                statistics_months.report(db, scope, day=date(2026, 11, 30))

        results.append(median_ms(run, STATISTICS_RUNS, warm_up=False))
        results.append(median_ms(run, repeat, warm_up=False))
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
        "one year (2025), first view: counted, past months kept",
        "one year (2025), the views after it",
        "all years (2015 to today), first view: the months not yet kept counted",
        "all years (2015 to today), the views after it",
    ]
    for n, label in enumerate(labels):
        values = [yearly[kind][n] for kind in yearly]
        rows.append([label, *(ms(value) for value in values), verdict(all(v <= STATISTICS_TARGET_MS for v in values))])
    body = (
        f"The same {args.cases:,} cases with what happened on them at the demo history's shares (bench/data.py "
        f"`insert_jobs`: "
        + ", ".join(f"{count:,} {table}" for table, count in written.items())
        + "; written in "
        + ", ".join(f"{kind} {seconds:.0f} s" for kind, seconds in jobs_made.items())
        + "); every query of the statistics page (`reporting.statistics.months.report`) in a unit of work of "
        f"its own, as the page runs it: the first view once, then the median of {args.repeat} views. The past "
        "months are kept after the first view (`statistics_month`; one year's first view keeps 2025, so all "
        "years' first view counts the other years). Target: ≤ 1 s.\n\n"
        + markdown_table(["statistics", *yearly, "target"], rows)
    )
    report("6a-statistics", f"6. Statistics over {args.cases:,} cases", body)


if __name__ == "__main__":
    main()
