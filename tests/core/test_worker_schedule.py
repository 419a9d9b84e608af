"""`schedule_once`: the one way to schedule a task under a dedupe key (outreach waves, assignment
reminders and filled notices, late SMS status callbacks)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.models import ScheduledTask, TaskStatus
from core.worker import schedule_once


def tasks_with_key(db, key: str) -> list[ScheduledTask]:
    return list(db.scalars(select(ScheduledTask).where(ScheduledTask.dedupe_key == key)))


def test_a_key_is_scheduled_once(db, clock):
    now = clock()
    first = schedule_once(db, kind="test.kind", key="test:1", due_at=now, now=now, payload={"n": 1})
    second = schedule_once(
        db, kind="test.kind", key="test:1", due_at=now + timedelta(hours=1), now=now, payload={"n": 2}
    )
    db.commit()

    assert (first, second) == (True, False)
    [task] = tasks_with_key(db, "test:1")
    assert (task.kind, task.due_at, task.payload, task.status) == ("test.kind", now, {"n": 1}, TaskStatus.PENDING)


def test_a_second_schedule_leaves_the_callers_other_work_in_place(db, clock):
    now = clock()
    schedule_once(db, kind="test.kind", key="test:2", due_at=now, now=now)
    db.commit()
    db.add(ScheduledTask(kind="test.other", payload={}, due_at=now, created_at=now))
    db.flush()
    db.expunge_all()
    assert schedule_once(db, kind="test.kind", key="test:2", due_at=now, now=now) is False
    db.commit()

    assert db.scalar(select(func.count()).where(ScheduledTask.kind == "test.other")) == 1
    assert len(tasks_with_key(db, "test:2")) == 1


def test_renew_makes_a_finished_task_due_again_and_moves_a_pending_one(db, clock):
    now, later = clock(), clock() + timedelta(hours=2)
    schedule_once(db, kind="test.kind", key="test:3", due_at=now, now=now, payload={"n": 1})
    [task] = tasks_with_key(db, "test:3")
    task.status, task.attempts, task.finished_at, task.last_error = TaskStatus.DONE, 2, now, "x"
    db.commit()

    assert (
        schedule_once(db, kind="test.kind", key="test:3", due_at=later, now=now, payload={"n": 2}, renew=True) is False
    )
    db.commit()
    [task] = tasks_with_key(db, "test:3")
    assert (task.status, task.attempts, task.finished_at, task.last_error) == (TaskStatus.PENDING, 0, None, None)
    assert (task.due_at, task.payload) == (later, {"n": 2})

    task.status = TaskStatus.RUNNING
    db.commit()
    schedule_once(db, kind="test.kind", key="test:3", due_at=now, now=now, payload={"n": 3}, renew=True)
    db.commit()
    assert (task.status, task.due_at, task.payload) == (TaskStatus.RUNNING, later, {"n": 2})  # running: left alone


def test_without_renew_a_finished_task_stays_finished(db, clock):
    now = clock()
    schedule_once(db, kind="test.kind", key="test:4", due_at=now, now=now)
    [task] = tasks_with_key(db, "test:4")
    task.status = TaskStatus.DONE
    db.commit()

    assert schedule_once(db, kind="test.kind", key="test:4", due_at=now, now=now) is False
    db.commit()
    assert tasks_with_key(db, "test:4")[0].status == TaskStatus.DONE
