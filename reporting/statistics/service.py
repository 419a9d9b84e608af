"""Counting for the statistics in SQL; each condition is the twin of a pure rule in `rules`."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus


def counselling_condition() -> ColumnElement[bool]:
    """SQL twin of rules.counts_as_counselling for the statistics: the case is a counselling session."""
    real_call = exists().where(Call.case_id == Case.id, Call.no_case_reason.is_(None))
    any_call = exists().where(Call.case_id == Case.id)
    return and_(
        Case.merged_into_id.is_(None),
        or_(
            Case.channel == CaseChannel.MANUAL,
            Case.status != CaseStatus.CLOSED_NO_NEED,
            not_(any_call),
            real_call,
        ),
    )


def count_counselling(db: Session, *, where: list[ColumnElement[bool]] | None = None) -> int:
    """Counselling sessions among the cases matching `where`."""
    query = select(func.count()).select_from(Case).where(and_(counselling_condition(), *(where or [])))
    return db.scalar(query) or 0
