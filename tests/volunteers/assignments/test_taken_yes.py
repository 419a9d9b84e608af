"""A yes to a job that was just filled is decided under a shared lock (`assignments._too_late`): the late ones of a
storm are told side by side instead of one after the other, a change of carers still waits for them, and a job
that turns out to have room after all is decided under the exclusive lock like any other yes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import JobStatus
from casework.jobs.models import CareJob
from core import audit
from core.db import make_sessionmaker
from tests.factories import T0
from tests.volunteers.builders import offered_job
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach.models import LateYes, Offer, OfferStatus

NOW = T0 + timedelta(hours=1)
HOUR = 18


def _offer(session: Session, job_id: int, volunteer_id: int) -> Offer:
    return session.scalars(select(Offer).where(Offer.job_id == job_id, Offer.volunteer_id == volunteer_id)).one()


def _filled(db: Session, volunteers: int = 3):
    """A job of one carer, filled by the first of `volunteers` offered it."""
    job, people = offered_job(db, volunteers=volunteers)
    assert assignments.accept(db, offer=_offer(db, job.id, people[0].id), now=NOW, reminder_hour=HOUR).won
    db.commit()
    return job, people


def test_a_yes_seen_taken_is_kept_as_a_late_yes_and_its_offer_answered(db):
    job, (_lisa, tobias, _mia) = _filled(db)
    outcome = assignments.accept(db, offer=_offer(db, job.id, tobias.id), now=NOW, reminder_hour=HOUR, seen_taken=True)
    db.commit()
    assert outcome.assignment is None and not outcome.won
    offer = _offer(db, job.id, tobias.id)
    assert (offer.status, offer.answered_at is not None) == (OfferStatus.TOO_LATE, True)
    late = db.scalars(select(LateYes).where(LateYes.job_id == job.id)).all()
    assert [row.volunteer_id for row in late] == [tobias.id]


def test_a_yes_seen_taken_wins_when_the_job_has_room_again_under_the_lock(db):
    job, (lisa, tobias, _mia) = _filled(db)
    held = db.scalars(select(Assignment).where(Assignment.volunteer_id == lisa.id)).one()
    actor = audit.Actor(staff_id=None, ip=None, now=NOW)
    assignments.release(db, assignment=held, actor=actor, reason="krank", resume_outreach=False)
    db.commit()
    # The sender saw the job taken a moment before the release: under the lock it has room, and the yes wins.
    outcome = assignments.accept(db, offer=_offer(db, job.id, tobias.id), now=NOW, reminder_hour=HOUR, seen_taken=True)
    db.commit()
    assert outcome.won and outcome.assignment is not None and outcome.assignment.volunteer_id == tobias.id
    assert db.scalar(select(CareJob.status).where(CareJob.id == job.id)) == JobStatus.FILLED
    assert _offer(db, job.id, tobias.id).status == OfferStatus.ACCEPTED
    assert db.scalar(select(func.count()).select_from(LateYes).where(LateYes.job_id == job.id)) == 0


def test_the_same_volunteers_yes_again_is_told_it_already_holds_the_job(db):
    job, (lisa, _tobias, _mia) = _filled(db)
    again = assignments.accept(db, offer=_offer(db, job.id, lisa.id), now=NOW, reminder_hour=HOUR, seen_taken=True)
    assert again.already_held and not again.won
    active = select(func.count()).where(Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE)
    assert db.scalar(active) == 1


def _postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; set FLUXX_TEST_DATABASE_URL")


def _lock_timeout(session: Session, milliseconds: int) -> None:
    session.execute(text(f"SET LOCAL lock_timeout = '{milliseconds}ms'"))


@pytest.mark.postgres_only
def test_late_yeses_are_decided_side_by_side_and_a_change_of_carers_waits_for_them(engine, db):
    _postgres(engine)
    job, (lisa, tobias, mia) = _filled(db)
    factory = make_sessionmaker(engine)
    with factory() as first, factory() as second, factory() as staff:
        first_outcome = assignments.accept(
            first, offer=_offer(first, job.id, tobias.id), now=NOW, reminder_hour=HOUR, seen_taken=True
        )
        # The first late yes holds its shared locks until it commits; the second does not wait for it.
        _lock_timeout(second, 2000)
        second_outcome = assignments.accept(
            second, offer=_offer(second, job.id, mia.id), now=NOW, reminder_hour=HOUR, seen_taken=True
        )
        assert first_outcome.assignment is None and second_outcome.assignment is None
        # A change of the job's carers takes the exclusive lock: it waits until both are decided.
        _lock_timeout(staff, 300)
        with pytest.raises(OperationalError, match="lock timeout"):
            assignments.lock_job(staff, job.id)
        staff.rollback()
        first.commit()
        second.commit()
        held = staff.scalars(select(Assignment).where(Assignment.volunteer_id == lisa.id)).one()
        assignments.withdraw(staff, assignment=held, message_id=None, now=NOW)
        staff.commit()
    # The withdrawal saw both late yeses and asked them again: their offers wait for an answer once more.
    db.expire_all()
    assert {_offer(db, job.id, v.id).status for v in (tobias, mia)} == {OfferStatus.SENT}


@pytest.mark.postgres_only
def test_a_shared_lock_given_back_with_its_savepoint_blocks_nobody(engine, db):
    _postgres(engine)
    job, (lisa, tobias, _mia) = _filled(db)
    held = db.scalars(select(Assignment).where(Assignment.volunteer_id == lisa.id)).one()
    actor = audit.Actor(staff_id=None, ip=None, now=NOW)
    assignments.release(db, assignment=held, actor=actor, reason="krank", resume_outreach=False)
    db.commit()
    factory = make_sessionmaker(engine)
    with factory() as sender, factory() as other:
        # The job has room under the shared lock: the savepoint goes, and its locks with it.
        assert assignments._too_late(sender, offer=_offer(sender, job.id, tobias.id), now=NOW, message_id=None) is None
        other.execute(select(Case.id).where(Case.id == job.case_id).with_for_update(nowait=True))
        other.execute(select(CareJob.id).where(CareJob.id == job.id).with_for_update(nowait=True))
        other.rollback()
        sender.rollback()
