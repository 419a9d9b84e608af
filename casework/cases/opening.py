"""Opening cases: every case gets a human number per year (`2026-000123`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, Table
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseStatusChange, YearlyCounter
from casework.enums import CaseChannel, CaseStatus, Need
from casework.search.rules import name_key, reversed_digits
from core.db import insert_on_conflict, insert_rows

CASE_NUMBERS = "case"


def case_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


_TAKE_NUMBERS: dict[str, Insert] = {}


def next_number(db: Session, *, scope: str, year: int) -> int:
    """The next running number of `scope` in `year`: 1, 2, 3, … without gaps or duplicates.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: the counter row stays locked until our transaction
    ends, so concurrent transactions queue for it (PostgreSQL row lock; SQLite has one writer anyway)
    instead of computing "highest + 1" and colliding.
    """
    return take_numbers(db, scope=scope, year=year, count=1)[0]


def take_numbers(db: Session, *, scope: str, year: int, count: int) -> range:
    """`count` consecutive running numbers at once, in the one upsert of `next_number`."""
    dialect = db.get_bind().dialect.name
    statement = _TAKE_NUMBERS.get(dialect)
    if statement is None:  # built once per dialect: its cache key is then cheap (a hot path: every call)
        upsert = insert_on_conflict(db, YearlyCounter)
        statement = _TAKE_NUMBERS[dialect] = upsert.on_conflict_do_update(
            index_elements=[YearlyCounter.scope, YearlyCounter.year],
            set_={"last_value": YearlyCounter.last_value + upsert.excluded.last_value},
        ).returning(YearlyCounter.last_value)
    # On the session's connection: Session.execute would take the ORM's bulk insert path (ten times the cost).
    parameters = {"scope": scope, "year": year, "last_value": count}
    last = int(db.connection().execute(statement, parameters).scalar_one())
    return range(last - count + 1, last + 1)


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


_CASE = cast(Table, Case.__table__)
_STATUS_CHANGE = cast(Table, CaseStatusChange.__table__)


@dataclass(frozen=True)
class PhoneCase:
    """A case an incoming call opens, prepared before the transaction (`open_phone_cases`)."""

    year: int  # the local year of `now`: the case number's year
    now: datetime
    caller_phone: str | None
    callback_needed: bool


def open_phone_cases(db: Session, cases: Sequence[PhoneCase]) -> list[int]:
    """`open_case(channel=PHONE, caller_phone=…)` for many cases in three SQL statements and no unit of work.

    The hot path of incoming calls (SQLite has one writer: the shorter its transaction, the more callers per
    second). The same rows as `open_case`, with `callback_needed` set at once when nobody will take the call;
    the numbers are handed out in the order of `cases`. Returns the cases' ids in that order.
    """
    numbers = {
        year: iter(take_numbers(db, scope=CASE_NUMBERS, year=year, count=count))
        for year, count in Counter(case.year for case in cases).items()
    }
    rows = []
    for case in cases:
        seq = next(numbers[case.year])
        rows.append({
            "number": case_number(case.year, seq), "year": case.year, "seq": seq, "opened_at": case.now,
            "channel": CaseChannel.PHONE, "caller_phone": case.caller_phone,
            "caller_phone_reversed": reversed_digits(case.caller_phone), "status": CaseStatus.NEW,
            "callback_needed": case.callback_needed, "created_at": case.now, "updated_at": case.now,
        })  # fmt: skip
    connection = db.connection()  # plain Core statements, not the ORM's bulk insert path (see take_numbers)
    ids = insert_rows(connection, _CASE, rows, key="number")
    changes = [
        {"case_id": case_id, "from_status": None, "to_status": CaseStatus.NEW, "at": case.now}
        for case_id, case in zip(ids, cases, strict=True)
    ]
    insert_rows(connection, _STATUS_CHANGE, changes)
    return ids
