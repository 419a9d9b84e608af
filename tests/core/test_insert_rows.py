"""`core.db.insert_rows`: many rows in one statement, their ids in the order of the rows, on either database.

On PostgreSQL more than fifty values go as one array per column (`unnest`), fewer as a multi-row VALUES; the
three sizes below take both ways there, and SQLite's one way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseChannel, CaseStatus
from core.db import PSYCOPG_CACHED_PARAMS, insert_rows

CASES = cast(Table, Case.__table__)
CHANGES = cast(Table, CaseStatusChange.__table__)
START = datetime(2026, 12, 31, 22, 59, 59, 123456, tzinfo=UTC)


def _case(n: int) -> dict[str, object]:
    at = START + timedelta(seconds=n)
    return {
        "number": f"2026-{n:06d}", "year": 2026, "seq": n, "opened_at": at,
        "channel": CaseChannel.PHONE if n % 2 else CaseChannel.VOICEMAIL,
        "caller_phone": None if n % 3 == 0 else f"+4915{n:09d}", "caller_phone_reversed": None,
        "status": CaseStatus.NEW, "callback_needed": n % 2 == 0, "created_at": at, "updated_at": at,
    }  # fmt: skip


@pytest.mark.parametrize("count", [1, 4, 40])
def test_the_rows_are_stored_as_given_and_their_ids_come_in_their_order(engine: Engine, db: Session, count: int):
    rows = [_case(n) for n in range(count, 0, -1)]  # numbers falling: the ids must follow the rows, not sort
    assert (count * len(rows[0]) > PSYCOPG_CACHED_PARAMS) is (count == 40)
    with engine.begin() as connection:
        ids = insert_rows(connection, CASES, rows, key="number")
        assert insert_rows(connection, CHANGES, [
            {"case_id": case_id, "from_status": None, "to_status": CaseStatus.NEW, "at": START} for case_id in ids
        ]) == []  # fmt: skip
    assert len(set(ids)) == count
    stored = {case.id: case for case in db.scalars(select(Case))}
    for case_id, row in zip(ids, rows, strict=True):
        case = stored[case_id]
        assert case.number == row["number"] and case.seq == row["seq"]
        assert case.opened_at == row["opened_at"] and case.opened_at.tzinfo is not None  # microseconds kept
        assert case.channel is row["channel"] and case.status is CaseStatus.NEW
        assert case.caller_phone == row["caller_phone"] and case.callback_needed is row["callback_needed"]
        assert case.affiliation is not None  # the table's defaults apply as for any insert
    changes = db.scalars(select(CaseStatusChange).order_by(CaseStatusChange.id)).all()
    assert sorted(change.case_id for change in changes) == sorted(ids)
    assert all(change.at == START and change.to_status is CaseStatus.NEW for change in changes)


@pytest.mark.parametrize("count", [1, 40])
def test_a_row_that_collides_fails_the_whole_statement(engine: Engine, db: Session, count: int):
    with engine.begin() as connection:
        insert_rows(connection, CASES, [_case(7)], key="number")
    rows = [_case(n) for n in range(100, 100 + count - 1)] + [_case(7)]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, CASES, rows, key="number")
    assert db.scalars(select(Case.number)).all() == ["2026-000007"]  # nothing of the failed statement


def test_no_rows_store_nothing(engine: Engine, db: Session):
    with engine.begin() as connection:
        assert insert_rows(connection, CASES, [], key="number") == []
    assert db.scalars(select(Case)).all() == []
