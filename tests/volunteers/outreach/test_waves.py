"""Outreach waves with an injected clock: who is asked when, and when the asking stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.enums import JobStatus
from casework.jobs import service as jobs
from core.audit import Actor
from core.models import AuditEvent, ScheduledTask, StaffRole
from messaging.models import Message
from tests.factories import T0, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, offered, outbox_count, work
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach import service as outreach
from volunteers.outreach.models import Offer, OfferStatus, OutreachStatus
from volunteers.outreach.rules import OutreachPolicy


@pytest.fixture
def counsellor(db):
    return make_staff(db, role=StaffRole.COUNSELLOR)


@pytest.fixture
def coordinator(db):
    return make_staff(db, role=StaffRole.COORDINATOR)


def begin(db, job, staff, clock, **policy):
    outreach.start(db, job=job, policy=OutreachPolicy(**policy), staff=staff, now=clock())
    db.commit()


def test_the_first_wave_offers_the_job_to_the_top_five_and_queues_their_sms(db, engine, clock, counsellor):
    people = carers(db, 8)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)

    work(engine, clock)

    assert offered(db, job) == {person.id: 1 for person in people[:5]}
    assert outbox_count(db, job) == 5
    db.refresh(job)
    assert job.status == JobStatus.SEARCHING
    assert outreach.get(db, job_id=job.id).waves_sent == 1


def test_without_an_answer_the_next_five_are_asked_after_fifteen_minutes(db, engine, clock, counsellor):
    people = carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)

    clock.advance(minutes=14)
    work(engine, clock)
    assert len(offered(db, job)) == 5

    clock.advance(minutes=1)
    work(engine, clock)
    waves = offered(db, job)
    assert {person.id for person in people[5:10]} == {v for v, wave in waves.items() if wave == 2}
    assert outbox_count(db, job) == 10


def test_the_waves_stop_when_the_job_is_filled_and_the_others_hear_it(db, engine, clock, counsellor):
    people = carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)
    db.add(Assignment(job_id=job.id, volunteer_id=people[2].id, assigned_at=clock()))
    db.execute(select(Offer).where(Offer.volunteer_id == people[2].id)).scalar_one().status = OfferStatus.ACCEPTED
    db.commit()

    clock.advance(minutes=15)
    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.FILLED
    assert outbox_count(db, job, "Fluxx: Einsatz") == 4  # the filled notice, not to the winner
    notices = db.scalars(select(Message).where(Message.job_id == job.id, Message.body.startswith("Fluxx: Einsatz")))
    assert {m.case_id for m in notices} == {job.case_id}  # told the same way as after a yes (`tell_filled`)
    assert {o.status for o in db.scalars(select(Offer).where(Offer.volunteer_id != people[2].id))} == {
        OfferStatus.EXPIRED
    }
    db.refresh(job)
    assert job.status == JobStatus.FILLED


def test_when_the_candidates_run_out_the_job_waits_for_staff_as_keine_zusage(db, engine, clock, counsellor):
    carers(db, 7)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    for _ in range(3):
        work(engine, clock)
        clock.advance(minutes=15)
    work(engine, clock)

    assert sorted(offered(db, job).values()) == [1, 1, 1, 1, 1, 2, 2]
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.EXHAUSTED
    db.refresh(job)
    assert job.status == JobStatus.UNFILLED


def test_no_new_wave_goes_out_when_the_job_starts_soon_and_the_job_is_flagged(db, engine, clock, counsellor):
    carers(db, 12, availability=[(3, "08:00", "20:00")])  # Thursday, today
    job = job_in_laatzen(db, starts_at=clock() + timedelta(minutes=40), ends_at=clock() + timedelta(hours=3))
    begin(db, job, counsellor, clock)
    work(engine, clock)
    clock.advance(minutes=10)  # the stop time: 30 minutes before the start, before the next wave is due

    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.TOO_LATE
    db.refresh(job)
    assert job.status == JobStatus.UNFILLED


def test_cancelling_stops_the_waves_and_expires_the_open_offers(db, engine, clock, counsellor, coordinator):
    carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)

    outreach.cancel(db, job=job, staff=coordinator, now=clock())
    db.commit()
    clock.advance(minutes=15)
    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert {o.status for o in db.scalars(select(Offer))} == {OfferStatus.EXPIRED}
    db.refresh(job)
    assert job.status == JobStatus.OPEN
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "outreach.cancel"))


def test_a_cancelled_job_ends_its_outreach(db, engine, clock, counsellor, coordinator):
    carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)
    jobs.cancel_job(db, job=job, actor=Actor(staff_id=coordinator.id, ip=None, now=clock()))
    db.commit()

    clock.advance(minutes=15)
    work(engine, clock)

    assert len(offered(db, job)) == 5
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.CANCELLED


def test_a_counsellor_may_start_but_only_a_coordinator_cancels_or_widens(db, clock, counsellor):
    carers(db, 2)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    with pytest.raises(outreach.OutreachError, match="Berechtigung"):
        outreach.cancel(db, job=job, staff=counsellor, now=clock())
    with pytest.raises(outreach.OutreachError, match="Berechtigung"):
        outreach.widen(db, job=job, staff=counsellor, now=clock())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"municipality_id": None}, "Kommune"),
        ({"status": JobStatus.FILLED}, "„Besetzt“ und wartet auf keine Betreuung"),
        ({"starts_at": T0 + timedelta(minutes=20)}, "zu bald"),
    ],
)
def test_start_refuses_a_job_it_cannot_search_for_in_german(db, clock, counsellor, overrides, message):
    job = job_in_laatzen(db, **overrides)
    with pytest.raises(outreach.OutreachError, match=message):
        outreach.start(db, job=job, policy=OutreachPolicy(), staff=counsellor, now=T0)


def test_a_second_start_is_refused(db, clock, counsellor):
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    with pytest.raises(outreach.OutreachError, match="schon gesucht"):
        outreach.start(db, job=job, policy=OutreachPolicy(), staff=counsellor, now=clock())


def test_a_withdrawal_resumes_the_search_with_the_next_candidates_at_once(db, engine, clock, counsellor):
    people = carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)
    assignment = Assignment(job_id=job.id, volunteer_id=people[0].id, assigned_at=clock())
    db.add(assignment)
    db.commit()
    clock.advance(minutes=15)
    work(engine, clock)
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.FILLED

    clock.advance(minutes=30)
    assignment.status = "released"
    assert outreach.resume(db, job_id=job.id, now=clock())
    db.commit()
    work(engine, clock)

    assert sorted(offered(db, job).values()) == [1] * 5 + [2] * 5
    assert db.scalar(select(ScheduledTask.id).where(ScheduledTask.dedupe_key == f"outreach:{job.id}:resume:1"))


def test_a_coordinator_widens_a_search_without_an_answer_with_bigger_waves(db, engine, clock, counsellor, coordinator):
    people = carers(db, 3)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock, wave_size=2, max_waves=1)
    work(engine, clock)
    clock.advance(minutes=15)
    work(engine, clock)
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.LIMIT_REACHED
    carers(db, 4)

    outreach.widen(db, job=job, staff=coordinator, now=clock(), wave_size=10)
    db.commit()
    work(engine, clock)

    waves = offered(db, job)
    assert len(waves) == 7 and people[2].id in waves
    assert sorted(waves.values()) == [1, 1, 2, 2, 2, 2, 2]
    db.refresh(job)
    assert job.status == JobStatus.SEARCHING


def test_the_offer_sms_says_kind_place_time_and_code_but_no_name_or_address(db, engine, clock, counsellor):
    [person] = carers(db, 1, name="Bettina Beispielfrau")
    job = job_in_laatzen(db, code="4821")
    begin(db, job, counsellor, clock)
    work(engine, clock)

    [message] = db.scalars(select(Message).where(Message.volunteer_id == person.id)).all()
    assert message.body == (
        "Fluxx: Kinderbetreuung in Laatzen-Rethen, Fr. 27.11. 14:00-18:00 Uhr. Können Sie? "
        "Antwort: JA 4821 oder NEIN 4821"
    )
    assert "Beispielfrau" not in message.body and "Hildesheimer" not in message.body
    assert len(message.body) <= 160


def test_a_withdrawal_by_sms_resumes_the_search_with_the_next_carers_and_never_asks_the_same_again(
    db, engine, clock, counsellor
):
    from volunteers.assignments import service as assignments

    people = carers(db, 12)
    job = job_in_laatzen(db)
    begin(db, job, counsellor, clock)
    work(engine, clock)
    first_offer = db.scalars(select(Offer).where(Offer.volunteer_id == people[0].id)).one()
    won = assignments.accept(db, offer=first_offer, now=clock(), reminder_hour=REMINDER_HOUR)
    db.commit()
    assert won.won
    db.refresh(job)
    assert job.status == JobStatus.FILLED

    clock.advance(minutes=20)
    assignments.withdraw(db, assignment=won.assignment, message_id=None, now=clock())
    db.commit()
    work(engine, clock)  # the resumed search runs at once, not after another interval

    waves = offered(db, job)
    assert {v for v, wave in waves.items() if wave == 2} == {person.id for person in people[5:10]}
    assert waves[people[0].id] == 1  # the one who withdrew is not asked again
    db.refresh(job)
    assert job.status == JobStatus.SEARCHING
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.ACTIVE


def test_a_jobs_active_assignments_are_counted_without_the_released(db, clock):
    people = carers(db, 3)
    job = job_in_laatzen(db, carers_needed=3)
    statuses = (AssignmentStatus.ACTIVE, AssignmentStatus.RELEASED, AssignmentStatus.ACTIVE)
    for person, status in zip(people, statuses, strict=True):
        db.add(Assignment(job_id=job.id, volunteer_id=person.id, assigned_at=clock(), status=status))
    db.flush()

    assert outreach.active_assignments(db, job_id=job.id) == 2
