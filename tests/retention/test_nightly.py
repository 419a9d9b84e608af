"""The nightly purge in the worker: due at 03:00 in Hannover, one bounded batch per task, handing on to the next
batch while more is due, then the next night; a restart schedules no second night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from casework.cases.models import Case
from core import worker
from core.clock import FrozenClock
from core.db import make_sessionmaker
from core.models import ScheduledTask, TaskStatus
from fluxx.wiring import task_handlers
from retention import rules
from retention.tasks import PURGE, next_night, schedule_nightly
from tests.retention.test_purge_under_load import _closed_cases

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("local_now", "local_night"),
    [
        (datetime(2026, 12, 3, 14, 0), datetime(2026, 12, 4, 3, 0)),
        (datetime(2026, 12, 4, 2, 59), datetime(2026, 12, 4, 3, 0)),
        (datetime(2026, 12, 4, 3, 0), datetime(2026, 12, 5, 3, 0)),
        (datetime(2027, 3, 27, 23, 0), datetime(2027, 3, 28, 3, 0)),  # the night the clocks go forward
        (datetime(2027, 10, 30, 23, 0), datetime(2027, 10, 31, 3, 0)),  # and back
    ],
)
def test_the_purge_runs_at_three_in_the_morning_in_hannover(local_now, local_night):
    now = local_now.replace(tzinfo=BERLIN).astimezone(UTC)
    assert next_night(now, BERLIN) == local_night.replace(tzinfo=BERLIN).astimezone(UTC)
    assert next_night(now, BERLIN).astimezone(BERLIN).hour == 3


def _tasks(db) -> list[tuple[str, TaskStatus]]:
    db.expire_all()
    query = select(ScheduledTask.dedupe_key, ScheduledTask.status).where(ScheduledTask.kind == PURGE)
    return [tuple(row) for row in db.execute(query.order_by(ScheduledTask.id))]


def test_the_worker_purges_in_batches_through_the_night_then_schedules_the_next(db, engine):
    cases = rules.BATCH * 2 + 5
    _closed_cases(db, cases)  # closed in 2024: long past the 730 days by December 2026
    evening = datetime(2026, 12, 3, 20, 0, tzinfo=BERLIN)
    schedule_nightly(db, now=evening.astimezone(UTC), zone=BERLIN, days=730)
    schedule_nightly(db, now=evening.astimezone(UTC) + timedelta(hours=1), zone=BERLIN, days=730)  # a restart
    db.commit()
    assert _tasks(db) == [("retention:2026-12-04", TaskStatus.PENDING)]

    factory = make_sessionmaker(engine)
    clock = FrozenClock(evening.astimezone(UTC))
    assert worker.run_once(factory, clock=clock, handlers=task_handlers()) == 0  # not yet
    clock.advance(hours=7)  # 03:00
    rounds = 0
    while worker.run_once(factory, clock=clock, handlers=task_handlers()):
        rounds += 1
        clock.advance(seconds=5)
    assert rounds == 3  # BATCH + BATCH + 5 cases, each a short transaction of its own
    db.expire_all()
    assert db.scalar(select(func.count()).where(Case.anonymised_at.is_(None))) == 0
    tasks = _tasks(db)
    assert tasks[0] == ("retention:2026-12-04", TaskStatus.DONE)
    assert tasks[-1] == ("retention:2026-12-05", TaskStatus.PENDING)
    assert [status for _key, status in tasks[1:-1]] == [TaskStatus.DONE, TaskStatus.DONE]
