"""Assignments: by hand, released, the family's SMS, reminders and the notices once a job is filled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.enums import JobStatus
from core import audit, worker
from core.db import make_sessionmaker
from core.models import ScheduledTask
from fluxx.wiring import task_handlers
from messaging.models import Message, MessageDirection
from tests.factories import make_staff, make_volunteer
from tests.volunteers.builders import FAMILY_PHONE, offered_job
from volunteers.assignments import rules
from volunteers.assignments import service as assignments
from volunteers.assignments.models import AssignmentSource, AssignmentStatus
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach import texts
from volunteers.outreach.models import OfferStatus

BERLIN = ZoneInfo("Europe/Berlin")


def outbox(db, to: str | None = None) -> list[str]:
    db.expire_all()
    query = select(Message).where(Message.direction == MessageDirection.OUTBOUND).order_by(Message.id)
    return [m.body for m in db.scalars(query) if to is None or m.to_number == to]


def accept_first(db, job, people, now):
    from volunteers.outreach.models import Offer

    offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == people[0].id))
    outcome = assignments.accept(db, offer=offer, now=now, reminder_hour=REMINDER_HOUR)
    db.commit()
    return outcome


def run_due(engine, clock) -> None:
    worker.run_once(make_sessionmaker(engine), clock=clock, handlers=task_handlers())


def test_a_coordinator_assigns_by_hand_and_the_volunteer_gets_address_and_contact(db, clock):
    job, (volunteer,) = offered_job(db)
    staff = make_staff(db)
    assignment = assignments.assign_by_hand(
        db,
        job=job,
        volunteer=volunteer,
        actor=audit.Actor(staff_id=staff.id, ip=None, now=clock()),
        reminder_hour=REMINDER_HOUR,
    )
    db.commit()
    assert (assignment.source, assignment.assigned_by_id, job.status) == (
        AssignmentSource.STAFF, staff.id, JobStatus.FILLED,
    )  # fmt: skip
    assert outbox(db, volunteer.phone) == [assignments.assigned_text(db, job)]
    assert "Lindenstraße 4" in outbox(db, volunteer.phone)[0] and "Yılmaz" in outbox(db, volunteer.phone)[0]


def test_assigning_by_hand_to_a_full_job_is_refused_in_german(db, clock):
    job, (first, second) = offered_job(db, volunteers=2)
    actor = audit.Actor(staff_id=None, ip=None, now=clock())
    assignments.assign_by_hand(db, job=job, volunteer=first, actor=actor, reminder_hour=REMINDER_HOUR)
    with pytest.raises(assignments.AssignmentError, match="sucht niemanden mehr"):
        assignments.assign_by_hand(db, job=job, volunteer=second, actor=actor, reminder_hour=REMINDER_HOUR)


def test_assigning_the_same_volunteer_twice_by_hand_is_refused_and_the_job_keeps_its_room(db, clock):
    job, (first, second) = offered_job(db, volunteers=2, carers_needed=2)
    actor = audit.Actor(staff_id=None, ip=None, now=clock())
    assignments.assign_by_hand(db, job=job, volunteer=first, actor=actor, reminder_hour=REMINDER_HOUR)
    with pytest.raises(assignments.AssignmentError, match=f"ist für Einsatz {job.code} schon eingeteilt"):
        assignments.assign_by_hand(db, job=job, volunteer=first, actor=actor, reminder_hour=REMINDER_HOUR)
    assert job.status != JobStatus.FILLED  # one of two carers
    assignments.assign_by_hand(db, job=job, volunteer=second, actor=actor, reminder_hour=REMINDER_HOUR)
    assert job.status == JobStatus.FILLED


def test_a_released_volunteer_is_told_and_the_job_searches_again(db, clock):
    job, people = offered_job(db)
    assignment = accept_first(db, job, people, clock()).assignment
    staff = make_staff(db)
    actor = audit.Actor(staff_id=staff.id, ip=None, now=clock())
    assignments.release(db, assignment=assignment, actor=actor, reason="Familie braucht niemanden mehr")
    db.commit()
    assert (assignment.status, assignment.released_by_id, job.status) == (
        AssignmentStatus.RELEASED, staff.id, JobStatus.SEARCHING,
    )  # fmt: skip
    assert outbox(db, people[0].phone)[-1] == texts.released(job.code, job.starts_at)
    assert db.scalar(select(ScheduledTask.dedupe_key).where(ScheduledTask.kind == "outreach.wave")) == (
        f"outreach:{job.id}:resume:1"
    )
    with pytest.raises(assignments.AssignmentError, match="nicht mehr aktiv"):
        assignments.release(db, assignment=assignment, actor=actor, reason="noch einmal")


def test_the_family_is_told_a_carer_is_coming_when_they_agreed_and_have_a_mobile(db, clock):
    job, people = offered_job(db)
    accept_first(db, job, people, clock())
    assert outbox(db, FAMILY_PHONE) == [texts.family_carer_coming(people[0].name, job.starts_at)]


@pytest.mark.parametrize(
    ("consent", "phone"), [(False, FAMILY_PHONE), (True, "+49511123456")], ids=["no consent", "landline"]
)
def test_the_family_gets_no_sms_without_consent_or_from_a_landline(db, clock, consent, phone):
    job, people = offered_job(db)
    case = db.get_one(Case, job.case_id)
    case.sms_consent, case.caller_phone = consent, phone
    db.commit()
    accept_first(db, job, people, clock())
    assert outbox(db, phone) == []


def test_waiting_volunteers_are_told_once_the_job_is_filled_and_their_offers_expire(db, engine, clock):
    job, people = offered_job(db, volunteers=3)
    accept_first(db, job, people, clock())
    run_due(engine, clock)
    run_due(engine, clock)
    assert [outbox(db, v.phone) for v in people[1:]] == [[texts.filled_notice(job.code)]] * 2
    from volunteers.outreach.models import Offer

    statuses = db.scalars(select(Offer.status).where(Offer.job_id == job.id).order_by(Offer.id)).all()
    assert statuses == [OfferStatus.ACCEPTED, OfferStatus.EXPIRED, OfferStatus.EXPIRED]


def test_a_job_for_two_carers_is_filled_by_the_second_yes(db, clock):
    job, people = offered_job(db, volunteers=3, carers_needed=2)
    actor = audit.Actor(staff_id=None, ip=None, now=clock())
    assignments.assign_by_hand(db, job=job, volunteer=people[0], actor=actor, reminder_hour=REMINDER_HOUR)
    assert job.status == JobStatus.SEARCHING
    assignments.assign_by_hand(db, job=job, volunteer=people[1], actor=actor, reminder_hour=REMINDER_HOUR)
    assert job.status == JobStatus.FILLED


def test_the_reminder_is_sent_the_evening_before_at_six(db, engine, clock):
    job, people = offered_job(db)  # starts on Friday 27.11. at 09:00 in Hannover
    assignment = accept_first(db, job, people, clock()).assignment
    task = db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "assignment.reminder"))
    assert (task.dedupe_key, task.due_at) == (f"reminder:{assignment.id}", datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    clock.advance(hours=8)  # 17:30: not yet
    run_due(engine, clock)
    assert not [b for b in outbox(db, people[0].phone) if "Erinnerung" in b]
    clock.advance(minutes=30)
    run_due(engine, clock)
    assert [b for b in outbox(db, people[0].phone) if "Erinnerung" in b] == [
        texts.reminder(job.kind.label, job.starts_at, job.ends_at, "Lindenstraße 4, 30159 Hannover", "4821", clock())
    ]


def test_no_reminder_after_the_assignment_was_released(db, engine, clock):
    job, people = offered_job(db)
    assignment = accept_first(db, job, people, clock()).assignment
    assignments.release(db, assignment=assignment, actor=audit.Actor(None, None, clock()), reason="krank")
    db.commit()
    clock.advance(hours=9)
    run_due(engine, clock)
    assert not [b for b in outbox(db, people[0].phone) if "Erinnerung" in b]


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN), datetime(2026, 11, 26, 18, 0, tzinfo=BERLIN)),
        (datetime(2026, 11, 26, 20, 0, tzinfo=BERLIN), datetime(2026, 11, 26, 20, 0, tzinfo=BERLIN)),
        (datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN), None),
    ],
    ids=["the evening before", "at once when later", "none once started"],
)
def test_the_reminder_is_due_the_evening_before_or_at_once(now, due):
    starts_at = datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    assert rules.reminder_due(starts_at=starts_at, now=now) == due


def test_the_reminder_hour_is_local_time_also_across_the_clock_change():
    starts_at = datetime(2026, 3, 30, 8, 0, tzinfo=BERLIN)  # the Monday after summer time began
    due = rules.reminder_due(starts_at=starts_at, now=starts_at - timedelta(days=5))
    assert due is not None and due.astimezone(BERLIN).hour == rules.REMINDER_HOUR
    assert rules.has_room(active=1, needed=2) and rules.is_full(active=1, needed=1)


def test_a_released_volunteer_assigned_again_gets_the_same_row_and_a_new_reminder(db, clock):
    job, people = offered_job(db)
    actor = audit.Actor(staff_id=None, ip=None, now=clock())
    first = accept_first(db, job, people, clock()).assignment
    assignments.release(db, assignment=first, actor=actor, reason="Irrtum")
    again = assignments.assign_by_hand(db, job=job, volunteer=people[0], actor=actor, reminder_hour=REMINDER_HOUR)
    assert again.id == first.id and again.status == AssignmentStatus.ACTIVE and again.release_reason is None
    assert make_volunteer(db)  # other volunteers unaffected


def test_fluxx_reminder_hour_moves_the_reminder_to_another_evening_hour(db, engine, clock):
    """The hour comes from the settings of the app that received the yes, not from a module's state."""
    from fastapi.testclient import TestClient

    from fluxx.factory import create_app
    from tests.conftest import make_settings
    from tests.volunteers.replies.test_service import text_in

    settings = make_settings(engine, reminder_hour=20)
    client = TestClient(create_app(settings, clock=clock, engine=engine))  # as `fluxx serve` starts
    job, people = offered_job(db)
    db.commit()
    assert text_in(client, settings, people[0].phone, f"JA {job.code}") is not None
    db.expire_all()
    task = db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "assignment.reminder"))
    assert task.due_at == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 20:00 in Hannover
