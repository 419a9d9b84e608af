"""Assigning by hand and releasing on the job page: coordinators only, German messages, SMS to the volunteer."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from casework.enums import JobStatus
from core import audit
from core.models import ScheduledTask, StaffRole, TaskStatus
from messaging.models import Message, MessageDirection
from tests.factories import login, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach import texts

REASON = "Familie braucht niemanden mehr"


def sms_to(db, volunteer) -> list[str]:
    db.expire_all()
    query = select(Message.body).where(
        Message.direction == MessageDirection.OUTBOUND, Message.to_number == volunteer.phone
    ).order_by(Message.id)  # fmt: skip
    return list(db.scalars(query))


def active(db, job) -> list[int]:
    db.expire_all()
    query = select(Assignment.volunteer_id).where(
        Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE
    )
    return list(db.scalars(query))


def assigned_by_hand(db, job, volunteer) -> Assignment:
    made = assignments.assign_by_hand(
        db, job=job, volunteer=volunteer, actor=audit.Actor(None, None, job.created_at), reminder_hour=REMINDER_HOUR
    )
    db.commit()
    return made


def wave_tasks(db, job) -> list[str]:
    query = select(ScheduledTask.dedupe_key).where(
        ScheduledTask.kind == "outreach.wave", ScheduledTask.status == TaskStatus.PENDING,
        ScheduledTask.dedupe_key.like(f"outreach:{job.id}:%"),
    )  # fmt: skip
    return list(db.scalars(query))


def test_a_coordinator_assigns_a_ranked_carer_by_hand_and_the_carer_gets_the_address(client, db):
    [petra] = carers(db, 1, name="Petra Sommer")
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/jobs/{job.id}")
    assert f'name="volunteer_id" value="{petra.id}"' in page.text

    response = client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": str(petra.id)})
    assert response.status_code == 303
    page = client.get(response.headers["location"])

    assert active(db, job) == [petra.id]
    db.refresh(job)
    assert job.status == JobStatus.FILLED
    assert db.scalar(select(Assignment.source).where(Assignment.job_id == job.id)) == AssignmentSource.STAFF
    [sms] = sms_to(db, petra)
    assert "Hildesheimer Str. 12, 30880 Laatzen" in sms
    assert "Petra Sommer ist eingeteilt und per SMS informiert." in page.text
    assert re.search(r"Petra Sommer · von Hand · \d\d\.\d\d\.2026", page.text)
    assert ">Einteilen<" not in page.text  # the job is full: nobody else to assign


def test_the_why_not_lookup_offers_to_assign_only_a_volunteer_without_exclusion_reasons(client, db):
    [fits] = carers(db, 1, name="Petra Sommer")
    carers(db, 1, name="Petra Kaputtzeugnis", certificates=[("police_certificate", date(2021, 2, 3), date(2026, 2, 3))])
    job = job_in_laatzen(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    page = client.get(f"/jobs/{job.id}", params={"q": "Petra"})
    check = page.text[page.text.index('id="check"') :]

    assert check.count(">Einteilen<") == 1
    assert f'name="volunteer_id" value="{fits.id}"' in check
    assert "Führungszeugnis abgelaufen am 03.02.2026" in check


def test_a_full_job_refuses_a_second_assignment_by_hand_in_german_and_changes_nothing(client, db):
    first, second = carers(db, 2)
    job = job_in_laatzen(db)
    assigned_by_hand(db, job, first)
    messages = db.scalar(select(func.count()).select_from(Message))
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": str(second.id)})

    assert response.status_code == 409
    assert f"Einsatz {job.code} sucht niemanden mehr (Status: " in response.text
    assert active(db, job) == [first.id]
    assert db.scalar(select(func.count()).select_from(Message)) == messages
    db.refresh(job)
    assert job.status == JobStatus.FILLED


def test_assigning_someone_who_does_not_exist_or_no_one_is_a_form_error(client, db):
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    unknown = client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": "999999"})
    foreign_digits = client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": "٣"})

    assert unknown.status_code == 422 and "Diese Person gibt es nicht (mehr) im Verzeichnis." in unknown.text
    assert foreign_digits.status_code == 422 and "Bitte wählen Sie eine ehrenamtliche Person" in foreign_digits.text
    assert active(db, job) == []


def test_releasing_with_a_reason_tells_the_volunteer_and_the_search_goes_on(client, db, engine, clock):
    people = carers(db, 3)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "2", "interval": "15"})
    work(engine, clock)
    petra = people[2]
    client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": str(petra.id)})
    assignment = db.scalar(select(Assignment).where(Assignment.job_id == job.id))
    db.refresh(job)
    assert job.status == JobStatus.FILLED

    response = client.post(
        f"/jobs/{job.id}/assignments/{assignment.id}/release", data={"csrf_token": csrf, "reason": f"  {REASON} "}
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])

    db.refresh(assignment)
    db.refresh(job)
    assert (assignment.status, assignment.release_reason) == (AssignmentStatus.RELEASED, REASON)
    assert job.status == JobStatus.SEARCHING
    assert sms_to(db, petra)[-1] == texts.released(job.code, job.starts_at)
    assert f"outreach:{job.id}:resume:1" in wave_tasks(db, job)
    assert f"Einteilung freigegeben; {petra.name} ist per SMS informiert, die Suche läuft weiter." in page.text
    assert "Noch niemand eingeteilt." in page.text


def test_releasing_a_job_without_a_search_says_the_job_waits_again(client, db):
    [petra] = carers(db, 1, name="Petra Sommer")
    job = job_in_laatzen(db)
    assignment = assigned_by_hand(db, job, petra)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(
        f"/jobs/{job.id}/assignments/{assignment.id}/release", data={"csrf_token": csrf, "reason": REASON}
    )
    page = client.get(response.headers["location"])

    assert "Einteilung freigegeben; Petra Sommer ist per SMS informiert. Der Einsatz wartet wieder" in page.text
    assert "die Suche läuft weiter" not in page.text
    assert wave_tasks(db, job) == []


def test_releasing_without_a_reason_is_a_form_error_and_changes_nothing(client, db):
    [petra] = carers(db, 1)
    job = job_in_laatzen(db)
    assignment = assigned_by_hand(db, job, petra)
    sent = sms_to(db, petra)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(
        f"/jobs/{job.id}/assignments/{assignment.id}/release", data={"csrf_token": csrf, "reason": "  \n "}
    )

    assert response.status_code == 422
    assert "Bitte geben Sie einen Grund für die Freigabe an." in response.text
    assert "<details open>" in response.text  # the release form stays open with its message
    assert active(db, job) == [petra.id]
    db.refresh(job)
    assert job.status == JobStatus.FILLED
    assert sms_to(db, petra) == sent


def test_releasing_an_assignment_of_another_job_is_not_found(client, db):
    [petra] = carers(db, 1)
    job, other = job_in_laatzen(db), job_in_laatzen(db)
    assignment = assigned_by_hand(db, job, petra)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(
        f"/jobs/{other.id}/assignments/{assignment.id}/release", data={"csrf_token": csrf, "reason": REASON}
    )

    assert response.status_code == 404
    assert active(db, job) == [petra.id]


def test_a_counsellor_sees_who_is_assigned_but_can_neither_assign_nor_release(client, db):
    petra, other = carers(db, 2, name="Petra Sommer")
    job = job_in_laatzen(db, carers_needed=2)
    assignment = assigned_by_hand(db, job, petra)
    csrf = login(client, make_staff(db, role=StaffRole.COUNSELLOR))

    page = client.get(f"/jobs/{job.id}", params={"q": "Petra"})
    assign = client.post(f"/jobs/{job.id}/assign", data={"csrf_token": csrf, "volunteer_id": str(other.id)})
    release = client.post(
        f"/jobs/{job.id}/assignments/{assignment.id}/release", data={"csrf_token": csrf, "reason": REASON}
    )

    assert "Petra Sommer · von Hand" in page.text
    assert "Einteilen" not in page.text and "Freigeben" not in page.text and "/release" not in page.text
    assert (assign.status_code, release.status_code) == (403, 403)
    assert active(db, job) == [petra.id]


def test_assigning_and_releasing_need_the_form_token(client, db):
    petra, other = carers(db, 2)
    job = job_in_laatzen(db, carers_needed=2)
    assignment = assigned_by_hand(db, job, petra)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    assign = client.post(f"/jobs/{job.id}/assign", data={"volunteer_id": str(other.id)})
    release = client.post(
        f"/jobs/{job.id}/assignments/{assignment.id}/release", data={"csrf_token": "x" * 64, "reason": REASON}
    )

    assert (assign.status_code, release.status_code) == (403, 403)
    assert active(db, job) == [petra.id]
