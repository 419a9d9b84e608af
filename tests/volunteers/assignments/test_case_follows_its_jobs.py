"""The case follows its job (issue 21, point 5): a carer's yes makes it "Betreuung organisiert" by itself, a
withdrawal or a release "Betreuung gesucht" again — recorded as a status change, audited like one made by hand,
and shown as "automatisch" in the case's history. Two jobs of one case filled at the same moment, through the
served app, move the case exactly once."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.cases import service as cases
from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseStatus, JobStatus
from casework.jobs import service as jobs
from casework.timeline import service as timeline
from core import audit
from core.models import AuditEvent
from telephony.webhooks import sign
from tests.factories import make_job, make_staff, make_volunteer
from tests.servers import served
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE
from tests.volunteers.builders import make_family_case, make_offer, make_outreach, offered_job
from volunteers.assignments import service as assignments
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach.models import Offer


def _accept(db, job, volunteer, now):
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == volunteer.id))
    outcome = assignments.accept(db, offer=offer, now=now, reminder_hour=REMINDER_HOUR)
    db.commit()
    return outcome


def _say_yes(base_url: str, settings, phone: str, code: str, sid: str) -> str:
    params = {
        "AccountSid": ACCOUNT_SID, "MessageSid": sid, "From": phone, "To": HOTLINE, "Body": f"Ja {code}",
        "NumMedia": "0",
    }  # fmt: skip
    path = "/twilio/sms/incoming"
    signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
    response = httpx.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text).findtext("Message") or ""


def _status(db, case_id: int) -> CaseStatus:
    db.expire_all()
    return db.get_one(Case, case_id).status


def _changes(db, case_id: int) -> list[tuple[CaseStatus | None, CaseStatus, int | None]]:
    query = select(CaseStatusChange).where(CaseStatusChange.case_id == case_id).order_by(CaseStatusChange.id)
    return [(c.from_status, c.to_status, c.changed_by_id) for c in db.scalars(query)]


def _case_needing_care(db, job):
    case = db.get_one(Case, job.case_id)
    case.status = CaseStatus.CARE_NEEDED
    db.commit()
    return case


def test_a_yes_by_sms_arranges_the_case_and_a_withdrawal_makes_it_searching_again(db, clock):
    job, (volunteer,) = offered_job(db)
    case = _case_needing_care(db, job)
    assert _accept(db, job, volunteer, clock()).won

    assert _status(db, case.id) == CaseStatus.CARE_ARRANGED
    assert _changes(db, case.id)[-1] == (CaseStatus.CARE_NEEDED, CaseStatus.CARE_ARRANGED, None)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "case.status")).one()
    assert (event.case_id, event.staff_id) == (case.id, None)
    assert event.detail == {"from": "care_needed", "to": "care_arranged", "job_id": job.id, "event": "assignment"}

    assignment = assignments.active_of(db, job_id=job.id, volunteer_id=volunteer.id)
    assignments.withdraw(db, assignment=assignment, message_id=None, now=clock())
    db.commit()
    assert _status(db, case.id) == CaseStatus.CARE_NEEDED
    assert _changes(db, case.id)[-1] == (CaseStatus.CARE_ARRANGED, CaseStatus.CARE_NEEDED, None)
    details = [e.detail for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "case.status"))]
    assert details[-1] == {"from": "care_arranged", "to": "care_needed", "job_id": job.id, "event": "withdrawal"}

    # The history says the system moved the case, not a person.
    loaded = db.scalars(select(Case).where(Case.id == case.id).options(selectinload(Case.jobs),
                                                                         selectinload(Case.calls))).one()  # fmt: skip
    entries = [e for e in timeline.for_case(db, case=loaded) if e.kind == "status"]  # newest first
    assert [(e.title, e.who) for e in entries[:2]] == [
        ("Status: Betreuung gesucht", "automatisch"),
        ("Status: Betreuung organisiert", "automatisch"),
    ]


def test_assigning_by_hand_and_releasing_move_the_case_in_the_coordinators_name(db, clock):
    job, (volunteer,) = offered_job(db)
    case = _case_needing_care(db, job)
    staff = make_staff(db, name="Petra Koordination")
    actor = audit.Actor(staff_id=staff.id, ip=None, now=clock())
    assignment = assignments.assign_by_hand(db, job=job, volunteer=volunteer, actor=actor, reminder_hour=REMINDER_HOUR)
    db.commit()
    assert _status(db, case.id) == CaseStatus.CARE_ARRANGED
    assert _changes(db, case.id)[-1] == (CaseStatus.CARE_NEEDED, CaseStatus.CARE_ARRANGED, staff.id)

    assignments.release(db, assignment=assignment, actor=actor, reason="Familie hat abgesagt", resume_outreach=False)
    db.commit()
    assert _status(db, case.id) == CaseStatus.CARE_NEEDED
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "case.status").order_by(AuditEvent.id)).all()[-1]
    assert (event.staff_id, event.detail["event"]) == (staff.id, "release")


def test_a_case_with_two_jobs_is_arranged_only_when_the_second_is_filled(db, clock):
    case = make_family_case(db, status=CaseStatus.CARE_NEEDED)
    first = make_job(db, case, code="4821", status=JobStatus.SEARCHING)
    second = make_job(db, case, code="4822", status=JobStatus.SEARCHING)
    anna, ben = make_volunteer(db), make_volunteer(db)
    make_offer(db, first, anna)
    make_offer(db, second, ben)

    assert _accept(db, first, anna, clock()).won
    assert _status(db, case.id) == CaseStatus.CARE_NEEDED  # the second job still waits
    assert _accept(db, second, ben, clock()).won
    assert _status(db, case.id) == CaseStatus.CARE_ARRANGED


def test_cancelling_the_last_waiting_job_arranges_a_case_whose_other_job_is_filled(db, clock):
    case = make_family_case(db, status=CaseStatus.CARE_NEEDED)
    filled = make_job(db, case, code="4821", status=JobStatus.SEARCHING)
    waiting = make_job(db, case, code="4822", status=JobStatus.SEARCHING)
    anna = make_volunteer(db)
    make_offer(db, filled, anna)
    assert _accept(db, filled, anna, clock()).won
    assert _status(db, case.id) == CaseStatus.CARE_NEEDED

    staff = make_staff(db)
    jobs.cancel_job(db, job=waiting, actor=audit.Actor(staff_id=staff.id, ip=None, now=clock()))
    db.commit()
    assert _status(db, case.id) == CaseStatus.CARE_ARRANGED
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "case.status").order_by(AuditEvent.id)).all()[-1]
    assert event.detail == {"from": "care_needed", "to": "care_arranged", "job_id": waiting.id, "event": "cancel"}


@pytest.mark.parametrize("status", [CaseStatus.IN_COUNSELLING, CaseStatus.NEW])
def test_a_case_not_waiting_for_care_is_not_moved_by_its_job(db, clock, status):
    job, (volunteer,) = offered_job(db)
    case = db.get_one(Case, job.case_id)
    case.status = status
    db.commit()
    before = _changes(db, case.id)
    assert _accept(db, job, volunteer, clock()).won
    assert _status(db, case.id) == status
    assert _changes(db, case.id) == before


def test_the_service_counts_only_the_cases_own_jobs(db, clock):
    """Another family's waiting job does not keep this case searching."""
    other = make_family_case(db, status=CaseStatus.CARE_NEEDED)
    make_job(db, other, code="5000", status=JobStatus.SEARCHING)
    job, (volunteer,) = offered_job(db)
    case = _case_needing_care(db, job)
    assert _accept(db, job, volunteer, clock()).won
    assert _status(db, case.id) == CaseStatus.CARE_ARRANGED
    assert _status(db, other.id) == CaseStatus.CARE_NEEDED
    assert cases.follow_jobs(db, case_id=case.id, actor=audit.Actor(None, None, clock()), job_id=job.id,
                             event="assignment") is None  # fmt: skip


def test_two_jobs_of_one_case_filled_at_the_same_moment_move_the_case_once(db, app, settings):
    """Yeses to both jobs of a case arrive together at the served app (threads; SQLite's one writer or
    PostgreSQL's row locks): whichever is decided second sees the first and arranges the case, exactly once."""
    for round_ in range(3):
        case = make_family_case(db, status=CaseStatus.CARE_NEEDED)
        pair = [make_job(db, case, code=f"{6000 + 2 * round_ + n}", status=JobStatus.SEARCHING) for n in (0, 1)]
        people = [make_volunteer(db) for _ in pair]
        for job, volunteer in zip(pair, people, strict=True):
            make_offer(db, job, volunteer)
            make_outreach(db, job)

        with served(app) as url, ThreadPoolExecutor(max_workers=2) as pool:
            sids = [f"SM{round_:08d}{n:024d}" for n in (0, 1)]
            yeses = [(people[n].phone, pair[n].code, sids[n]) for n in (0, 1)]
            answers = list(pool.map(lambda yes: _say_yes(url, settings, *yes), yeses))
        assert all(answer.startswith("Fluxx: Danke, Einsatz") for answer in answers), answers
        assert _status(db, case.id) == CaseStatus.CARE_ARRANGED
        arranged = [c for c in _changes(db, case.id) if c[1] == CaseStatus.CARE_ARRANGED]
        assert arranged == [(CaseStatus.CARE_NEEDED, CaseStatus.CARE_ARRANGED, None)]
