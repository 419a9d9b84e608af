"""Opening cases: every case gets a human number per year (`2026-000123`)."""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseStatusChange, YearlyCounter
from casework.enums import CaseChannel, CaseStatus, Need
from casework.search.rules import name_key, reversed_digits
from core.db import insert_on_conflict

CASE_NUMBERS = "case"


def case_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


_NEXT_NUMBER: dict[str, Insert] = {}


def next_number(db: Session, *, scope: str, year: int) -> int:
    """The next running number of `scope` in `year`: 1, 2, 3, … without gaps or duplicates.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: the counter row stays locked until our transaction
    ends, so concurrent transactions queue for it (PostgreSQL row lock; SQLite has one writer anyway)
    instead of computing "highest + 1" and colliding.
    """
    dialect = db.get_bind().dialect.name
    statement = _NEXT_NUMBER.get(dialect)
    if statement is None:  # built once per dialect: its cache key is then cheap (a hot path: every call)
        statement = _NEXT_NUMBER[dialect] = (
            insert_on_conflict(db, YearlyCounter)
            .on_conflict_do_update(
                index_elements=[YearlyCounter.scope, YearlyCounter.year],
                set_={"last_value": YearlyCounter.last_value + 1},
            )
            .returning(YearlyCounter.last_value)
        )
    # On the session's connection: Session.execute would take the ORM's bulk insert path (ten times the cost).
    return int(db.connection().execute(statement, {"scope": scope, "year": year, "last_value": 1}).scalar_one())


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
_INSERT_CASE = insert(_CASE).returning(_CASE.c.id)
_INSERT_STATUS_CHANGE = insert(cast(Table, CaseStatusChange.__table__))


def open_phone_case(db: Session, *, year: int, now: datetime, caller_phone: str | None, callback_needed: bool) -> int:
    """`open_case(channel=PHONE, caller_phone=…)` in three SQL statements and no unit of work; the case's id.

    The hot path of every incoming call (SQLite has one writer: the shorter its transaction, the more callers
    per second). The same rows as `open_case`, with `callback_needed` set at once when nobody will take the
    call; `year` is the local year of `now`, worked out before the transaction.
    """
    seq = next_number(db, scope=CASE_NUMBERS, year=year)
    connection = db.connection()  # plain Core statements, not the ORM's bulk insert path (see next_number)
    case_id = connection.execute(
        _INSERT_CASE,
        {
            "number": case_number(year, seq), "year": year, "seq": seq, "opened_at": now,
            "channel": CaseChannel.PHONE, "caller_phone": caller_phone,
            "caller_phone_reversed": reversed_digits(caller_phone), "status": CaseStatus.NEW,
            "callback_needed": callback_needed, "created_at": now, "updated_at": now,
        },
    ).scalar_one()  # fmt: skip
    connection.execute(
        _INSERT_STATUS_CHANGE, {"case_id": case_id, "from_status": None, "to_status": CaseStatus.NEW, "at": now}
    )
    return int(case_id)
