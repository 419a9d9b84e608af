"""Bulk data for the benchmarks, written in large executemany batches (not through the services).

A million cases take about a minute: rows are built as tuples of plain values and inserted with the
driver's executemany in batches of 20,000 (SQLite) or with COPY (PostgreSQL), bypassing the ORM.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import Engine, Table, insert, select, text

from billing.models import SepaMandate
from billing.tariff.rules import DEFAULT_RATES, amount
from casework.cases.models import Case, CaseNameWord
from casework.enums import Affiliation, CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, Need
from casework.jobs.models import CareJob
from casework.search.rules import name_key, name_words
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus, HoursReport
from volunteers.registry.models import Volunteer

FIRST_NAMES = ["Elif", "Anna", "Jonas", "Mehmet", "Sophie", "Lukas", "Marie", "Ali", "Lena", "Paul", "Fatma",
               "Noah", "Emma", "Leon", "Mia", "Finn", "Hannah", "Ben", "Lea", "Elias", "Zeynep", "Tim"]  # fmt: skip
LAST_NAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
              "Hoffmann", "Yılmaz", "Kaya", "Demir", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
              "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
              "Sahin", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann"]  # fmt: skip
RARE_NAME = "Quirinbrecht"  # appears in exactly one case
STATUSES = [CaseStatus.COMPLETED] * 6 + [CaseStatus.CLOSED_NO_NEED] * 2 + [
    CaseStatus.CLOSED_UNREACHABLE, CaseStatus.NEW, CaseStatus.IN_COUNSELLING, CaseStatus.CARE_NEEDED]  # fmt: skip
CLOSED = (CaseStatus.COMPLETED, CaseStatus.CLOSED_NO_NEED, CaseStatus.CLOSED_UNREACHABLE)
NEEDS = [Need.CHILD_CARE, Need.CHILD_CARE, Need.RELATIVE_CARE, Need.DRIVING, Need.COUNSELLING, Need.OTHER]
COLUMNS = ("number", "year", "seq", "opened_at", "channel", "caller_name", "caller_phone", "caller_phone_reversed",
           "caller_name_search", "need", "status", "callback_needed", "affiliation", "sms_consent", "closed_at",
           "created_at", "updated_at")  # fmt: skip
BATCH = 20_000


def case_rows(
    count: int, *, seed: int = 2026, first: datetime, last: datetime, closed_only: bool = False
) -> list[tuple[object, ...]]:
    """`count` cases opened evenly from `first` to `last` (numbered per year, oldest first)."""
    rng = random.Random(seed)
    names = [(f"{given} {family}", name_key(f"{given} {family}")) for given in FIRST_NAMES for family in LAST_NAMES]
    statuses = [(status.value, status in CLOSED) for status in (CLOSED if closed_only else STATUSES)]
    needs = [need.value for need in NEEDS]
    prefixes = ["+49151", "+49160", "+49176", "+49511"]
    step = (last - first) / max(count, 1)
    rare = (f"Ida {RARE_NAME}", name_key(f"Ida {RARE_NAME}"))
    start = first.replace(tzinfo=None)
    three_days = timedelta(days=3)
    by_phone, no_affiliation = CaseChannel.PHONE.value, Affiliation.NONE.value
    seqs: dict[int, int] = {}
    rows = []
    choice, randrange = rng.choice, rng.randrange
    for n in range(count):
        opened = start + step * n
        year = opened.year
        seqs[year] = seq = seqs.get(year, 0) + 1
        name, key = names[randrange(len(names))] if n != count // 2 else rare
        number = f"{choice(prefixes)}{randrange(10**7, 10**8)}"
        status, closed = statuses[randrange(len(statuses))]
        rows.append((
            f"{year}-{seq:06d}", year, seq, opened, by_phone, name, number, number[:0:-1], key, choice(needs), status,
            False, no_affiliation, False, opened + three_days if closed else None, opened, opened,
        ))  # fmt: skip
    return rows


def insert_cases(
    engine: Engine, count: int, *, first: datetime | None = None, last: datetime | None = None,
    closed_only: bool = False,
) -> None:  # fmt: skip
    """Write `count` cases straight into the `case` table (and the yearly counters that go with them)."""
    first = first or datetime(2015, 1, 1, tzinfo=UTC)
    last = last or datetime(2026, 11, 30, tzinfo=UTC)
    rows = case_rows(count, first=first, last=last, closed_only=closed_only)
    with engine.connect() as connection:
        before = connection.scalar(text('SELECT coalesce(max(id), 0) FROM "case"'))
    # Indexes are built once after the load: much faster than row by row.
    indexes = [*cast(Table, Case.__table__).indexes, *cast(Table, CaseNameWord.__table__).indexes]
    for index in indexes:
        index.drop(engine)
    _bulk(engine, "case", COLUMNS, rows)
    # The names' words, as the services write them (casework.cases.models.CaseNameWord).
    with engine.connect() as connection:
        named = connection.execute(text(f'SELECT id, caller_name_search FROM "case" WHERE id > {int(before)}')).all()
    words = [(case_id, suffix) for case_id, key in named for suffix in name_words(key)]
    _bulk(engine, "case_name_word", ("case_id", "suffix"), words)
    for index in indexes:
        index.create(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO yearly_counter (scope, year, last_value) SELECT 'case', year, max(seq) FROM \"case\" "
            "GROUP BY year ON CONFLICT (scope, year) DO UPDATE SET last_value = excluded.last_value"
        ))  # fmt: skip
        if engine.dialect.name == "postgresql":
            connection.execute(text('ANALYZE "case"'))
            connection.execute(text("ANALYZE case_name_word"))


def _bulk(engine: Engine, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """`rows` into `table`: COPY on PostgreSQL, executemany in batches on SQLite; one transaction."""
    names = ", ".join(columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
                                    for value in row])  # fmt: skip
        else:
            marks = ", ".join("?" for _ in columns)
            for start in range(0, len(rows), BATCH):
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows[start : start + BATCH])
        raw.commit()
    finally:
        raw.close()


def insert_billable_month(
    engine: Engine, cases: int, *, month: date, mandate_every: int = 4, seed: int = 2026
) -> tuple[int, Decimal]:
    """`cases` cases, each with one to three jobs in `month` done by a volunteer, their hours confirmed (every
    `mandate_every`-th case with a SEPA mandate): what the monthly bill run bills. The bills' count and total."""
    rng = random.Random(seed)
    first = datetime(month.year, month.month, 1, tzinfo=UTC)
    insert_cases(engine, cases, first=first - timedelta(days=60), last=first)
    standard = DEFAULT_RATES[Affiliation.NONE]  # the seeded care rate: the bench cases record no reduction
    now = first + timedelta(days=40)
    with engine.begin() as connection:
        case_ids = list(connection.scalars(select(Case.id).order_by(Case.id)))
        volunteers = max(1, len(case_ids) // 10)
        connection.execute(insert(Volunteer), [
            {"name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
             "phone": f"+4917{n:09d}", "created_at": now, "updated_at": now}
            for n in range(volunteers)
        ])  # fmt: skip
        volunteer_ids = list(connection.scalars(select(Volunteer.id).order_by(Volunteer.id)))
        jobs = []
        for n, case_id in enumerate(case_ids):
            for k in range(n % 3 + 1):
                starts = first + timedelta(days=(n + 7 * k) % 28, hours=7 + k)  # 8:00 local and later
                jobs.append({
                    "case_id": case_id, "kind": JobKind.CHILD_CARE if n % 2 else JobKind.ELDER_CARE,
                    "starts_at": starts, "ends_at": starts + timedelta(hours=3), "carers_needed": 1,
                    "code": f"{len(jobs) % 10_000:04d}", "active_code": None, "status": JobStatus.COMPLETED,
                    "created_at": starts - timedelta(days=7), "updated_at": starts,
                })  # fmt: skip
        connection.execute(insert(CareJob), jobs)
        job_ids = list(connection.scalars(select(CareJob.id).order_by(CareJob.id)))
        connection.execute(insert(Assignment), [
            {"job_id": job_id, "volunteer_id": volunteer_ids[i % len(volunteer_ids)],
             "status": AssignmentStatus.COMPLETED, "source": AssignmentSource.SMS,
             "assigned_at": job["starts_at"] - timedelta(days=5), "completed_at": job["ends_at"]}
            for i, (job_id, job) in enumerate(zip(job_ids, jobs, strict=True))
        ])  # fmt: skip
        assignment_ids = list(connection.scalars(select(Assignment.id).order_by(Assignment.id)))
        hours = [Decimal(rng.choice(["1.50", "2.00", "2.25", "3.00", "4.75"])) for _ in assignment_ids]
        connection.execute(insert(HoursReport), [
            {"assignment_id": assignment_id, "hours": spent, "source": "sms", "status": HoursStatus.CONFIRMED,
             "reported_at": job["ends_at"], "confirmed_at": job["ends_at"] + timedelta(days=1)}
            for assignment_id, spent, job in zip(assignment_ids, hours, jobs, strict=True)
        ])  # fmt: skip
        connection.execute(insert(SepaMandate), [
            {"case_id": case_id, "holder": "Kontoinhaberin Bench", "iban": "DE89370400440532013000",
             "bic": "COBADEFFXXX", "reference": f"BENCH-{case_id}", "signed_on": month - timedelta(days=90),
             "created_at": now - timedelta(days=90)}
            for n, case_id in enumerate(case_ids) if n % mandate_every == 0
        ])  # fmt: skip
    return len(case_ids), sum((amount(spent, standard) for spent in hours), Decimal(0))
