"""Caller history: earlier cases and calls from the same number ("Anrufer bekannt: 2 frühere Fälle")."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from casework.models import Call, Case

SHOWN = 20


@dataclass(frozen=True)
class CallerHistory:
    earlier_count: int
    earlier: list[Case] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.earlier_count > 0


def count_earlier(db: Session, *, phone: str | None, before: Case) -> int:
    """How many cases this number opened before `before` (0 for withheld numbers)."""
    if not phone:
        return 0
    query = select(func.count()).where(
        Case.caller_phone == phone, Case.opened_at <= before.opened_at, Case.id != before.id
    )
    return db.scalar(query) or 0


def for_case(db: Session, *, case: Case) -> CallerHistory:
    """The earlier cases of the caller (newest first, with their calls)."""
    count = count_earlier(db, phone=case.caller_phone, before=case)
    if not count:
        return CallerHistory(0)
    query = (
        select(Case)
        .where(Case.caller_phone == case.caller_phone, Case.opened_at <= case.opened_at, Case.id != case.id)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(SHOWN)
        .options(selectinload(Case.calls))
    )
    return CallerHistory(count, list(db.scalars(query)))


def counts_for(db: Session, cases: list[Case]) -> dict[int, int]:
    """Earlier-case counts for dashboard entries; one indexed count per entry (a page shows few)."""
    return {case.id: count_earlier(db, phone=case.caller_phone, before=case) for case in cases}


def other_calls_from(db: Session, *, phone: str | None, case_id: int) -> int:
    if not phone:
        return 0
    query = select(func.count()).where(Call.from_number == phone, Call.case_id.is_distinct_from(case_id))
    return db.scalar(query) or 0
