"""Builders shared by the outreach tests: a Friday child-care job in Laatzen and carers who fit it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from casework.reference.models import Municipality
from core.db import make_sessionmaker
from core.worker import run_once
from fluxx.wiring import task_handlers
from messaging.models import Message
from tests.factories import make_case, make_job, make_volunteer
from volunteers.outreach.models import Offer

# Friday 27.11.2026, 14:00–18:00 in Hannover; the test clock stands on Thursday 26.11., 09:30.
JOB_START = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
JOB_END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
FRIDAY = 4


def laatzen_id(db) -> int:
    return db.scalar(select(Municipality.id).where(Municipality.name == "Laatzen"))


def job_in_laatzen(db, **overrides):
    values = {"municipality_id": laatzen_id(db), "district": "Rethen", "starts_at": JOB_START, "ends_at": JOB_END}
    values.update(overrides)
    return make_job(db, make_case(db, address="Hildesheimer Str. 12, 30880 Laatzen"), **values)


def carers(db, count: int, **overrides) -> list:
    """`count` child carers who fit the job, in rank order (all never assigned: by id)."""
    values = {
        "skills": ["child_care"],
        "municipality_ids": [laatzen_id(db)],
        "availability": [(FRIDAY, "08:00", "20:00")],
        "certificates": [("police_certificate", date(2024, 2, 3), date(2029, 2, 3))],
    }
    values.update(overrides)
    return [make_volunteer(db, **values) for _ in range(count)]


def work(engine, clock) -> int:
    """One round of the worker at the clock's time: runs every due task, each in its own transaction."""
    return run_once(make_sessionmaker(engine), clock=clock, handlers=task_handlers(), me="test-worker")


def offered(db, job) -> dict[int, int]:
    """Volunteer id -> wave of every offer of the job."""
    db.expire_all()
    return {
        row.volunteer_id: row.wave
        for row in db.execute(select(Offer.volunteer_id, Offer.wave).where(Offer.job_id == job.id))
    }


def outbox_count(db, job, body_start: str = "Fluxx: Kinderbetreuung") -> int:
    query = select(func.count()).where(Message.job_id == job.id, Message.body.startswith(body_start))
    return db.scalar(query)
