import random
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.callbacks import rules as callback_rules
from casework.callbacks import service as callbacks
from casework.cases import service
from casework.cases.models import Case, CaseNote
from casework.cases.rules import TransitionNotAllowed
from casework.enums import CaseChannel, CaseStatus, JobStatus, Need, NoCaseReason
from casework.jobs import service as jobs
from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from core.audit import Actor
from core.models import StaffRole
from reporting.statistics import service as statistics
from tests.factories import T0, csrf_from, login, make_call, make_case, make_job, make_staff


def job_form(token, municipality_id, **overrides):
    data = {
        "csrf_token": token,
        "kind": "child_care",
        "starts_at": "2026-11-27T07:30",
        "ends_at": "2026-11-27T15:00",
        "municipality_id": str(municipality_id),
        "carers_needed": "1",
        "requirements": ["infant_care"],
        "languages": ["tr"],
    }
    return data | overrides


def test_a_counsellor_creates_a_child_care_job_with_a_four_digit_code(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.CHILD_CARE)
    hannover = db.scalar(select(Municipality).where(Municipality.name == "Hannover"))
    token = login(client, staff)
    assert 'value="child_care" selected' in client.get(f"/cases/{case.id}/jobs/new").text
    response = client.post(f"/cases/{case.id}/jobs", data=job_form(token, hannover.id))
    assert response.status_code == 303
    job = db.scalar(select(CareJob).where(CareJob.case_id == case.id))
    assert len(job.code) == 4 and job.code.isdigit() and job.active_code == job.code
    assert job.requirements == ["infant_care", "lang:tr"]
    assert job.starts_at.isoformat() == "2026-11-27T06:30:00+00:00"  # 07:30 in Hannover, winter time
    db.expire_all()
    assert db.get(Case, case.id).status == CaseStatus.CARE_NEEDED
    assert f"Einsatz {job.code}" in client.get(f"/cases/{case.id}").text


def test_a_job_with_the_end_before_the_start_keeps_what_was_typed(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.CHILD_CARE)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/jobs", data=job_form(token, 1, ends_at="2026-11-27T06:00"))
    assert response.status_code == 422
    assert "Das Ende liegt vor dem Beginn" in response.text and 'value="2026-11-27T06:00"' in response.text
    assert 'value="infant_care" checked' in response.text


def test_a_case_without_a_concrete_need_gets_no_job(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.COUNSELLING)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/jobs", data=job_form(token, 1))
    assert response.status_code == 409 and "konkreten Bedarf" in response.text


def test_a_coordinator_edits_and_cancels_a_job_which_frees_its_code(client, db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = make_case(db, need=Need.CHILD_CARE, status=CaseStatus.CARE_NEEDED)
    job = make_job(db, case, code="4821")
    token = login(client, coordinator)
    edited = client.post(f"/jobs/{job.id}/edit", data=job_form(token, 1, carers_needed="2"))
    assert edited.status_code == 303
    assert client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token, "confirmed": "1"}).status_code == 303
    db.expire_all()
    cancelled = db.get(CareJob, job.id)
    assert cancelled.carers_needed == 2 and cancelled.status == JobStatus.CANCELLED
    assert cancelled.active_code is None and cancelled.code == "4821"
    again = make_job(db, case, code="4821")  # the code is free for the next open job
    assert again.active_code == "4821"


def test_job_codes_stay_unique_among_open_jobs_even_when_the_random_choice_collides(db, monkeypatch):
    case = make_case(db, need=Need.CHILD_CARE)
    # As if another request had taken 5555 after we looked: only the unique constraint notices.
    monkeypatch.setattr(jobs, "active_codes", lambda _db: set())
    make_job(db, case, code="5555")
    actor = Actor(staff_id=None, ip=None, now=T0)

    class Collides(random.Random):
        """First proposes the code that is already taken, then a free one."""

        calls = 0

        def randint(self, a, b):
            self.calls += 1
            return 5555 if self.calls == 1 else 6666

    from casework.jobs.forms import JobDetails

    details = JobDetails(
        kind="child_care",
        starts_at=T0,
        ends_at=T0.replace(hour=12),
        municipality_id=1,
        district=None,
        requirements=[],
        carers_needed=1,
        notes=None,
    )
    job = jobs.create_job(db, case=case, details=details, actor=actor, rng=Collides())
    assert job.code == "6666"
    codes = db.scalars(select(CareJob.active_code).where(CareJob.active_code.is_not(None))).all()
    assert sorted(codes) == ["5555", "6666"]


def test_claiming_a_call_back_is_exclusive_and_the_second_sees_who_has_it(client, db, app):
    first = make_staff(db, name="Jonas Becker")
    second = make_staff(db, name="Sabine Krüger")
    case = make_case(db, callback_needed=True, caller_phone="+495111234567")
    actor_first = Actor(staff_id=first.id, ip=None, now=T0)
    assert callbacks.claim(db, case_id=case.id, actor=actor_first) is None
    db.commit()
    token = login(client, second)
    response = client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": token})
    assert response.status_code == 409 and "Jonas Becker ruft bereits zurück." in response.text
    db.expire_all()
    assert db.get(Case, case.id).callback_claimed_by_id == first.id


@pytest.mark.postgres_only
def test_two_staff_claiming_at_the_same_moment_get_one_winner(engine, db):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    staff = [make_staff(db) for _ in range(2)]
    case = make_case(db, callback_needed=True)
    results, barrier = {}, threading.Barrier(2)

    def claim(person):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            results[person.id] = callbacks.claim(session, case_id=case.id, actor=Actor(person.id, None, T0))
            session.commit()

    threads = [threading.Thread(target=claim, args=(person,)) for person in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [pid for pid, holder in results.items() if holder is None]
    assert len(winners) == 1
    loser = next(pid for pid in results if pid not in winners)
    assert results[loser].id == winners[0]


def test_a_reached_call_back_clears_the_flag_and_starts_counselling(client, db):
    staff = make_staff(db)
    case = make_case(db, callback_needed=True)
    token = login(client, staff)
    client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": token})
    response = client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": token, "outcome": "reached"})
    assert response.status_code == 303
    db.expire_all()
    done = db.get(Case, case.id)
    assert not done.callback_needed and done.status == CaseStatus.IN_COUNSELLING and done.counsellor_id == staff.id
    assert done.callback_outcome.startswith("Rückruf: Erreicht")


def test_not_reached_keeps_the_call_back_open_and_giving_up_closes_the_case(client, db):
    staff = make_staff(db)
    case = make_case(db, callback_needed=True)
    token = login(client, staff)
    client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": token, "outcome": "not_reached"})
    db.expire_all()
    again = db.get(Case, case.id)
    assert again.callback_needed and again.callback_claimed_by_id is None
    client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": token, "outcome": "give_up"})
    db.expire_all()
    closed = db.get(Case, case.id)
    assert closed.status == CaseStatus.CLOSED_UNREACHABLE and not closed.callback_needed


def test_a_wrong_number_closes_its_empty_case_and_it_is_no_counselling_session(client, db):
    staff = make_staff(db)
    empty = make_case(db, caller_phone="+495111111111")
    call = make_call(db, empty)
    documented = make_case(db, caller_phone="+495112222222")
    other_call = make_call(db, documented)
    manual = make_case(db, channel=CaseChannel.MANUAL)
    token = login(client, staff)
    client.post(f"/cases/{documented.id}/notes", data={"csrf_token": token, "body": "Echte Beratung"})
    for marked in (call, other_call):
        response = client.post(
            f"/calls/{marked.id}/no-case", data={"csrf_token": token, "reason": "wrong_number", "confirmed": "1"}
        )
        assert response.status_code == 303
    db.expire_all()
    assert db.get(Case, empty.id).status == CaseStatus.CLOSED_NO_NEED
    assert db.get(Case, documented.id).status == CaseStatus.NEW  # it holds a note, so it stays open
    counted = set(db.scalars(select(Case.id).where(statistics.counselling_condition())))
    assert counted == {documented.id, manual.id}
    assert statistics.count_counselling(db) == 2
    assert db.get(type(call), call.id).no_case_reason == NoCaseReason.WRONG_NUMBER


def test_closing_a_case_completes_its_staffed_jobs_and_frees_their_codes(db):

    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_ARRANGED)
    job = make_job(db, case, code="4821", status=JobStatus.FILLED)
    service.set_status(db, case=case, target=CaseStatus.COMPLETED, actor=Actor(staff_id=staff.id, ip=None, now=T0))
    db.flush()
    assert job.status == JobStatus.COMPLETED and job.active_code is None and job.code == "4821"
    again = make_job(db, make_case(db), code="4821")  # the code is free for a new job
    assert again.active_code == "4821"


def test_a_refused_give_up_changes_nothing(db):

    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_NEEDED, callback_needed=True)
    make_job(db, case, status=JobStatus.SEARCHING)
    with pytest.raises(TransitionNotAllowed):
        callbacks.record_outcome(
            db, case=case, outcome=callback_rules.CallbackOutcome.GIVE_UP, note="", actor=Actor(staff.id, None, T0)
        )
    assert case.callback_needed is True and case.callback_outcome is None
    assert db.query(CaseNote).filter_by(case_id=case.id).count() == 0


def test_a_forgotten_call_back_claim_can_be_taken_over_after_half_an_hour(client, db, clock):
    first, second = make_staff(db, name="Jonas Becker"), make_staff(db, name="Sabine Krüger")
    case = make_case(db, callback_needed=True, caller_phone="+495111234567")
    assert callbacks.claim(db, case_id=case.id, actor=Actor(first.id, None, clock())) is None
    db.commit()
    login(client, second)
    assert "<strong>Jonas Becker</strong> ruft zurück" in client.get(f"/cases/{case.id}").text
    clock.advance(minutes=16)
    client.get("/")  # Sabine keeps working meanwhile
    clock.advance(minutes=15)
    page = client.get(f"/cases/{case.id}").text
    assert "<strong>Jonas Becker</strong> ruft zurück" not in page and "Ich rufe zurück" in page
    assert "Jonas Becker ruft zurück" not in client.get("/dashboard/live").text
    token = csrf_from(page)
    assert client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": token}).status_code == 303
    db.expire_all()
    assert db.get(Case, case.id).callback_claimed_by_id == second.id
