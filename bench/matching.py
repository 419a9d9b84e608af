"""(4) Matching among 100,000 volunteers: the median time to rank the carers for one job, SQLite and PostgreSQL.

The volunteers (with skills, languages, areas, weekly availability and certificates) are written in bulk;
then the job page's ranking (`volunteers.matching.service.rank`, one SQL statement) runs repeatedly for a
child-care job in one municipality on a weekday morning.

    .venv/bin/python bench/matching.py [--volunteers 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import fresh_database, kinds, markdown_table, median_ms, ms, quick, report, verdict, workdir
from casework.cases.opening import open_case
from casework.enums import CaseChannel, JobKind, JobStatus
from casework.jobs.models import CareJob
from core.db import make_engine, make_sessionmaker
from volunteers.matching.service import rank

ZONE = ZoneInfo("Europe/Berlin")
TARGET_MS = 50
JOB_START = datetime(2026, 12, 8, 7, tzinfo=UTC)  # a Tuesday, 08:00 in Hannover
JOB_END = datetime(2026, 12, 8, 11, tzinfo=UTC)
SKILLS = ["child_care", "infant_care", "elder_care", "dementia", "driving", "wheelchair"]


def insert_volunteers(engine: object, count: int) -> None:
    """`count` volunteers spread over the 21 municipalities, written with executemany (not the services)."""
    rng = random.Random(2026)
    now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    volunteers, skills, languages, areas, hours, certificates = [], [], [], [], [], []
    for n in range(1, count + 1):
        volunteers.append((n, f"Ehrenamtliche {n}", f"+49176{n:08d}", True, True, now, now, now))
        for skill in rng.sample(SKILLS, rng.randint(1, 3)):
            skills.append((n, skill))
        languages.append((n, "de"))
        for municipality in rng.sample(range(1, 22), rng.randint(1, 3)):
            areas.append((n, municipality))
        for weekday in rng.sample(range(7), rng.randint(1, 5)):
            hours.append(
                (n, weekday, "07:00:00.000000" if rng.random() < 0.6 else "13:00:00.000000", "18:00:00.000000")
            )
        if rng.random() < 0.7:
            certificates.append((n, "police_certificate", f"{rng.randint(2025, 2030)}-06-30"))
    raw = engine.raw_connection()  # type: ignore[attr-defined]
    postgres = engine.dialect.name == "postgresql"  # type: ignore[attr-defined]
    mark = "%s" if postgres else "?"

    def many(sql: str, rows: list[tuple[object, ...]]) -> None:
        width = len(rows[0])
        statement = sql.format(marks=", ".join([mark] * width))
        cursor = raw.cursor()
        for start in range(0, len(rows), 20_000):
            cursor.executemany(statement, rows[start : start + 20_000])

    try:
        many("INSERT INTO volunteer (id, name, phone, is_active, sms_opt_in, consent_at, created_at, updated_at) "
             "VALUES ({marks})", volunteers)  # fmt: skip
        many("INSERT INTO volunteer_skill (volunteer_id, skill) VALUES ({marks})", skills)
        many("INSERT INTO volunteer_language (volunteer_id, language) VALUES ({marks})", languages)
        many("INSERT INTO volunteer_area (volunteer_id, municipality_id) VALUES ({marks})", areas)
        many("INSERT INTO volunteer_availability (volunteer_id, weekday, start_time, end_time) VALUES ({marks})",
             hours)  # fmt: skip
        many("INSERT INTO volunteer_certificate (volunteer_id, kind, valid_until) VALUES ({marks})", certificates)
        if postgres:
            raw.cursor().execute("SELECT setval('volunteer_id_seq', (SELECT max(id) FROM volunteer))")
            for table in ("volunteer", "volunteer_skill", "volunteer_area", "volunteer_availability",
                          "volunteer_certificate", "volunteer_language"):  # fmt: skip
                raw.cursor().execute(f"ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()


def measure(url: str, repeat: int) -> tuple[float, int]:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as db:
        case = open_case(db, channel=CaseChannel.PHONE, now=JOB_START, zone=ZONE)
        job = CareJob(case_id=case.id, kind=JobKind.CHILD_CARE, starts_at=JOB_START, ends_at=JOB_END,
                      municipality_id=1, code="4821", active_code="4821", status=JobStatus.OPEN,
                      created_at=JOB_START, updated_at=JOB_START)  # fmt: skip
        db.add(job)
        db.commit()
        found = len(rank(db, job))

        def run() -> None:
            rank(db, job)
            db.rollback()

        result = median_ms(run, repeat)
    engine.dispose()
    return result, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=5_000 if quick() else 100_000)
    parser.add_argument("--repeat", type=int, default=5 if quick() else 15)
    args = parser.parse_args()
    rows = []
    with workdir() as cwd:
        for kind in kinds():
            with fresh_database(kind, cwd) as database:
                engine = make_engine(database.url)
                start = time.perf_counter()
                insert_volunteers(engine, args.volunteers)
                made = time.perf_counter() - start
                engine.dispose()
                median, found = measure(database.url, args.repeat)
                rows.append([kind, f"{made:.0f} s", f"{found}", ms(median), verdict(median <= TARGET_MS)])
    body = (
        f"{args.volunteers:,} volunteers written in bulk; the ranking of one child-care job (the job page's one "
        f"statement, the best 50), median of {args.repeat} runs. Target: ≤ {TARGET_MS} ms.\n\n"
        + markdown_table(["database", "written in", "candidates shown", "median", "target"], rows)
    )
    report("4-matching", f"4. Matching among {args.volunteers:,} volunteers", body)


if __name__ == "__main__":
    main()
