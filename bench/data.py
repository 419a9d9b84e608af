"""Bulk data for the benchmarks, written in large executemany batches (not through the services).

A million cases take about a minute: rows are built as tuples of plain values and inserted with the
driver's executemany in batches of 20,000 (SQLite) or with COPY (PostgreSQL), bypassing the ORM.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, text

from casework.cases.models import Case
from casework.enums import Affiliation, CaseChannel, CaseStatus, Need
from casework.search.rules import name_key

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
    columns = ", ".join(COLUMNS)
    indexes = list(cast(Table, Case.__table__).indexes)  # built once after the load: much faster than row by row
    for index in indexes:
        index.drop(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f'COPY "case" ({columns}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
                                    for value in row])  # fmt: skip
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            for start in range(0, len(rows), BATCH):
                cursor.executemany(f'INSERT INTO "case" ({columns}) VALUES ({marks})', rows[start : start + BATCH])
        raw.commit()
    finally:
        raw.close()
    for index in indexes:
        index.create(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO yearly_counter (scope, year, last_value) SELECT 'case', year, max(seq) FROM \"case\" "
            "GROUP BY year ON CONFLICT (scope, year) DO UPDATE SET last_value = excluded.last_value"
        ))  # fmt: skip
        if engine.dialect.name == "postgresql":
            connection.execute(text('ANALYZE "case"'))
