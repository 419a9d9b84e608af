"""A wave goes out once: a worker killed mid-wave, a task run twice, two workers at the same time."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import make_sessionmaker, transaction
from core.models import ScheduledTask, StaffRole
from core.worker import schedule
from tests.database import POSTGRES_URL
from tests.factories import make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, offered, outbox_count, work
from volunteers.outreach import service as outreach
from volunteers.outreach.rules import OutreachPolicy, StepKind


@pytest.fixture
def job(db, clock):
    carers(db, 12)
    job = job_in_laatzen(db)
    staff = make_staff(db, role=StaffRole.COUNSELLOR)
    outreach.start(db, job=job, policy=OutreachPolicy(), staff=staff, now=clock())
    db.commit()
    return job


def tasks_with_key(db, key: str) -> int:
    return db.scalar(select(func.count()).where(ScheduledTask.dedupe_key == key))


def test_a_worker_killed_in_the_middle_of_a_wave_leaves_nothing_and_the_retry_sends_it_once(db, engine, clock, job):
    with Session(engine) as dying:
        step = outreach.run_wave(dying, job_id=job.id, now=clock())
        dying.flush()
        assert step.kind == StepKind.SEND_WAVE
        dying.rollback()  # the process died before the commit
    assert offered(db, job) == {}

    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert outbox_count(db, job) == 5


def test_running_the_same_wave_twice_sends_it_once(db, engine, clock, job):
    first = outreach.run_wave(db, job_id=job.id, now=clock())
    db.commit()
    second = outreach.run_wave(db, job_id=job.id, now=clock())
    db.commit()

    assert (first.kind, second.kind) == (StepKind.SEND_WAVE, StepKind.WAIT_UNTIL)
    assert len(offered(db, job)) == 5
    assert outbox_count(db, job) == 5
    assert tasks_with_key(db, f"outreach:{job.id}:2") == 1


def test_a_restarted_worker_that_finds_a_second_task_for_the_wave_sends_nothing_twice(db, engine, clock, job):
    # A stale copy of the same wave's task, as a restart might leave behind.
    schedule(db, kind=outreach.TASK_KIND, due_at=clock(), now=clock(), payload={"job_id": job.id})
    db.commit()

    work(engine, clock)
    clock.advance(minutes=15)
    work(engine, clock)
    work(engine, clock)

    assert sorted(offered(db, job).values()) == [1] * 5 + [2] * 5
    assert outbox_count(db, job) == 10
    assert tasks_with_key(db, f"outreach:{job.id}:3") == 1


def test_a_task_that_fails_after_the_wave_is_retried_without_sending_again(db, engine, clock, job, monkeypatch):
    calls = []
    real = outreach._schedule_wave

    def flaky(*args, **kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 1 and kwargs["key"].endswith(":2"):
            raise RuntimeError("worker lost its database connection")
        return real(*args, **kwargs)

    monkeypatch.setattr(outreach, "_schedule_wave", flaky)
    work(engine, clock)  # the wave fails as a whole: its offers and SMS roll back with it
    assert offered(db, job) == {}
    monkeypatch.setattr(outreach, "_schedule_wave", real)

    clock.advance(minutes=1)  # the retry's backoff
    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert outbox_count(db, job) == 5


@pytest.mark.postgres_only
@pytest.mark.skipif(not POSTGRES_URL.startswith("postgresql"), reason="needs PostgreSQL row locks")
def test_two_workers_running_the_due_wave_at_once_send_one_set_of_offers(db, engine, clock, job):
    factory = make_sessionmaker(engine)
    start = threading.Barrier(2)
    steps: list[StepKind] = []
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            with transaction(factory) as session:
                steps.append(outreach.run_wave(session, job_id=job.id, now=clock()).kind)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted(steps) == sorted([StepKind.SEND_WAVE, StepKind.WAIT_UNTIL])
    assert len(offered(db, job)) == 5
    assert outbox_count(db, job) == 5
    assert tasks_with_key(db, f"outreach:{job.id}:2") == 1
