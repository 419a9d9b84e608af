"""Opening cases: every case gets a human number per year (`2026-000123`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseChannel, CaseStatus, Need
from casework.search.rules import name_key

NUMBER_ATTEMPTS = 5


def case_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


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
    """Open a new case with the next free number of the local year.

    Two calls arriving at once may pick the same number; the unique constraint catches that and the
    loser takes the next one, inside a savepoint so the caller's transaction survives.
    """
    year = now.astimezone(zone).year
    for _ in range(NUMBER_ATTEMPTS):
        seq = (db.scalar(select(func.max(Case.seq)).where(Case.year == year)) or 0) + 1
        case = Case(
            number=case_number(year, seq), year=year, seq=seq, opened_at=now, channel=channel,
            caller_phone=caller_phone, caller_name=caller_name,
            caller_name_search=name_key(caller_name), need=need,
            status=CaseStatus.NEW, created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            with db.begin_nested():
                db.add(case)
                db.flush()
        except IntegrityError:
            continue
        db.add(CaseStatusChange(case_id=case.id, from_status=None, to_status=CaseStatus.NEW,
                                changed_by_id=opened_by_id, at=now))  # fmt: skip
        db.flush()
        return case
    raise RuntimeError("no free case number after several attempts")
