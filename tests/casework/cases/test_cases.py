from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from casework.cases.opening import open_case
from casework.enums import CaseChannel, CaseStatus

BERLIN = ZoneInfo("Europe/Berlin")


def test_cases_are_numbered_per_local_year(db):
    first = open_case(db, channel=CaseChannel.PHONE, now=datetime(2026, 3, 1, 9, tzinfo=UTC), zone=BERLIN)
    second = open_case(db, channel=CaseChannel.MANUAL, now=datetime(2026, 3, 1, 10, tzinfo=UTC), zone=BERLIN)
    # 23:30 UTC on New Year's Eve is already 2027 in Hannover.
    new_year = open_case(db, channel=CaseChannel.PHONE, now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC), zone=BERLIN)
    assert (first.number, second.number, new_year.number) == ("2026-000001", "2026-000002", "2027-000001")
    assert first.status == CaseStatus.NEW


def test_a_retried_incoming_webhook_finds_the_same_call_and_case(db):
    from sqlalchemy import func, select

    from casework.calls.models import Call
    from casework.calls.service import register_incoming_call
    from casework.cases.models import Case

    now = datetime(2026, 11, 26, 9, tzinfo=UTC)
    first = register_incoming_call(
        db, call_sid="CA1", from_number="0511 1234567", to_number="+4951116832110", now=now, zone=BERLIN
    )
    again = register_incoming_call(
        db, call_sid="CA1", from_number="0511 1234567", to_number="+4951116832110", now=now, zone=BERLIN
    )
    assert first.id == again.id
    assert first.from_number == "+495111234567"
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    assert db.scalar(select(func.count()).select_from(Call)) == 1
    assert first.case.caller_phone == "+495111234567"
