"""The hotline never waits for the purge: while 400 closed cases are anonymised, callers calling the served
app the whole time hear the menu at once (SQLite's one writer; PostgreSQL in CI)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from casework.cases.models import Case, CaseNote
from casework.enums import CaseChannel, CaseStatus
from core.db import make_sessionmaker
from retention import service
from retention.rules import Kind
from tests.factories import T0
from tests.volunteers.test_import_under_load import Callers, counter, served_app  # noqa: F401 - the fixture

CASES = 400


def _closed_cases(db, count: int) -> None:
    for n in range(count):
        case = Case(
            number=f"2020-{n:06d}", year=2020, seq=n, opened_at=T0 - timedelta(days=900), channel=CaseChannel.PHONE,
            caller_name=f"Familie {n}", caller_phone=f"+49151777{n:05d}", address="Lindenstraße 4",
            status=CaseStatus.CLOSED_NO_NEED, closed_at=T0 - timedelta(days=800), created_at=T0, updated_at=T0,
        )  # fmt: skip
        db.add(case)
        db.flush()
        db.add(CaseNote(case_id=case.id, body="Notiz", created_at=T0))
    db.commit()


def test_calls_hear_the_menu_at_once_while_the_purge_anonymises_four_hundred_cases(served_app, db, engine):  # noqa: F811
    url, settings = served_app
    _closed_cases(db, CASES)
    anonymised = select(func.count()).select_from(Case).where(Case.anonymised_at.is_not(None))
    callers = Callers(url, settings, counter(engine, anonymised))

    report = callers.during(lambda: service.purge(make_sessionmaker(engine), now=T0, days=730, today=T0.date()))

    assert isinstance(report, service.Report) and report.counts[Kind.CASES] == CASES
    callers.assert_all_heard_the_menu(at_least=5, between=(0, CASES))
    db.expire_all()
    left = select(func.count()).where(Case.caller_name.like("Familie %"), Case.anonymised_at.is_(None))
    assert db.scalar(left) == 0
