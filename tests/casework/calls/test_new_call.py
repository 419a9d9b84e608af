"""The incoming webhook's fast path stores exactly the rows the ORM path stores."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from casework.calls import service as calls
from casework.calls.models import Call, CallEvent
from casework.cases.models import Case, CaseStatusChange

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Hannover
IGNORED = {"id", "case_id", "call_id", "call_sid", "number", "seq"}


def _row(obj: object) -> dict[str, object]:
    """Every column's value but the ones that differ by design (keys, the CallSid, the running number)."""
    state = inspect(obj)
    return {column.key: getattr(obj, column.key) for column in state.mapper.column_attrs if column.key not in IGNORED}


@pytest.mark.parametrize("from_number", ["0511 1234567", "anonymous", ""])
def test_store_new_call_writes_the_rows_of_register_incoming_call(db, from_number: str) -> None:
    slow = calls.register_incoming_call(
        db, call_sid="CA-orm", from_number=from_number, to_number="+4951116832110", now=NOW, zone=BERLIN
    )
    new = calls.new_call(call_sid="CA-fast", from_number=from_number, to_number="+4951116832110", now=NOW, zone=BERLIN)
    fast_id = calls.store_new_calls(db, [new])[0]
    db.expire_all()
    fast = db.get(Call, fast_id)
    assert fast is not None and fast.case_id is not None and slow.case_id is not None
    assert _row(fast) == _row(db.get(Call, slow.id))
    fast_case, slow_case = db.get(Case, fast.case_id), db.get(Case, slow.case_id)
    assert _row(fast_case) == _row(slow_case)
    assert (slow_case.number, fast_case.number) == ("2027-000001", "2027-000002")
    for model, key in ((CaseStatusChange, CaseStatusChange.case_id), (CallEvent, CallEvent.call_id)):
        ids = (fast.case_id, slow.case_id) if model is CaseStatusChange else (fast.id, slow.id)
        rows = [[_row(row) for row in db.scalars(select(model).where(key == id_))] for id_ in ids]
        assert rows[0] == rows[1] and len(rows[0]) == 1


def test_a_closed_hotline_marks_the_new_case_for_a_call_back(db) -> None:
    new = calls.new_call(call_sid="CA1", from_number="0511 1234567", to_number=None, now=NOW, zone=BERLIN,
                         callback_needed=True)  # fmt: skip
    call = db.get(Call, calls.store_new_call(db, new))
    assert call is not None and db.get(Case, call.case_id).callback_needed is True


def test_a_known_call_sid_is_refused_so_the_webhook_finds_the_stored_call(db) -> None:
    new = calls.new_call(call_sid="CA1", from_number="0511 1234567", to_number=None, now=NOW, zone=BERLIN)
    calls.store_new_call(db, new)
    db.commit()
    with pytest.raises(IntegrityError):
        calls.store_new_call(db, new)


def test_calls_written_together_get_their_own_cases_numbered_in_order(db) -> None:
    new_year = datetime(2027, 1, 1, 8, tzinfo=UTC)
    batch = [
        calls.new_call(call_sid=f"CA{n}", from_number=f"0511 123456{n}", to_number=None, now=when, zone=BERLIN)
        for n, when in enumerate([NOW, NOW, datetime(2026, 6, 1, 8, tzinfo=UTC), new_year])
    ]
    ids = calls.store_new_calls(db, batch)
    stored = [db.get(Call, call_id) for call_id in ids]
    assert [call.call_sid for call in stored] == ["CA0", "CA1", "CA2", "CA3"]
    cases = [db.get(Case, call.case_id) for call in stored]
    assert [case.number for case in cases] == ["2027-000001", "2027-000002", "2026-000001", "2027-000003"]
    assert [case.caller_phone for case in cases] == [f"+49511123456{n}" for n in range(4)]
    events = db.scalars(select(CallEvent.call_id).order_by(CallEvent.id)).all()
    assert events == ids
