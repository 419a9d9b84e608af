"""Opening cases: every case gets a human number per year (`2026-000123`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseStatusChange, YearlyCounter
from casework.enums import CaseChannel, CaseStatus, Need
from casework.search.rules import name_key
from core.db import insert_on_conflict

CASE_NUMBERS = "case"


def case_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


def next_number(db: Session, *, scope: str, year: int) -> int:
    """The next running number of `scope` in `year`: 1, 2, 3, … without gaps or duplicates.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: the counter row stays locked until our transaction
    ends, so concurrent transactions queue for it (PostgreSQL row lock; SQLite has one writer anyway)
    instead of computing "highest + 1" and colliding.
    """
    statement = (
        insert_on_conflict(db, YearlyCounter)
        .values(scope=scope, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[YearlyCounter.scope, YearlyCounter.year],
            set_={"last_value": YearlyCounter.last_value + 1},
        )
        .returning(YearlyCounter.last_value)
    )
    return int(db.execute(statement).scalar_one())


def open_case(
    db: Session,
    *,
    channel: CaseChannel,
    now: datetime,
    zone: ZoneInfo,
    caller_phone: str | None = None,
    caller_name: str | None = None,
    need: Need | None = None,
    opened_by_id: int | None = None,
) -> Case:
    """Open a new case with the next number of the local year."""
    year = now.astimezone(zone).year
    seq = next_number(db, scope=CASE_NUMBERS, year=year)
    case = Case(
        number=case_number(year, seq), year=year, seq=seq, opened_at=now, channel=channel,
        caller_phone=caller_phone, caller_name=caller_name,
        caller_name_search=name_key(caller_name), need=need,
        status=CaseStatus.NEW, created_at=now, updated_at=now,
    )  # fmt: skip
    db.add(case)
    db.flush()
    db.add(CaseStatusChange(case_id=case.id, from_status=None, to_status=CaseStatus.NEW,
                            changed_by_id=opened_by_id, at=now))  # fmt: skip
    db.flush()
    return case
