"""Retention of volunteers' data (issue 22, point 1): the SMS exchanged with volunteers about a job lose their
text when the job's case is anonymised; a volunteer deactivated longer than the period keeps only what the
statistics count (the row, skills, areas, assignments and hours); the dry run counts both and changes nothing;
a purge stopped half-way and run again ends where one run ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.enums import CaseStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from core import audit
from core.db import make_sessionmaker, transaction
from core.models import AuditEvent
from core.settings import install_secret
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from messaging.service import queue_sms
from retention import service
from retention.rules import Kind
from retention.volunteers import service as volunteer_purge
from retention.volunteers.service import phone_placeholder
from tests.billing.helpers import family, worked
from tests.factories import T0, make_volunteer
from tests.fluxx import test_cli_processes as cli
from volunteers.assignments.models import Assignment, HoursReport
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
    VolunteerSkill,
)
from volunteers.vocabulary import CertificateKind

DAYS = 730
NOW = T0 + timedelta(days=DAYS + 30)
TODAY = date(2028, 12, 26)
VOLUNTEER_PHONE = "+4917612345678"


def _purge(engine, **kwargs) -> service.Report:
    return service.purge(make_sessionmaker(engine), now=NOW, days=DAYS, today=TODAY, **({"gap": 0} | kwargs))


def _reply(db, job, volunteer, body: str) -> Message:
    message = Message(direction=MessageDirection.INBOUND, from_number=volunteer.phone, to_number="+4951112345",
                      body=body, status=MessageStatus.RECEIVED, job_id=job.id, volunteer_id=volunteer.id,
                      created_at=T0, updated_at=T0)  # fmt: skip
    db.add(message)
    return message


def _worked_case(db, *, closed_at=T0, volunteer=None):
    """A closed case with a job a volunteer was offered by SMS, answered and worked (hours confirmed)."""
    case = family(db, caller_name="Familie Yılmaz")
    report = worked(db, case, volunteer=volunteer)
    assignment = db.get_one(Assignment, report.assignment_id)
    volunteer = db.get_one(Volunteer, assignment.volunteer_id)
    queue_sms(db, to=volunteer.phone, body="Einsatz 4821 in Linden: Kinder 3 und 6. JA 4821?", now=T0,
              job_id=assignment.job_id, volunteer_id=volunteer.id)  # fmt: skip
    _reply(db, db.get_one(CareJob, assignment.job_id), volunteer, "JA 4821, bin um 8 bei Frau Yılmaz")
    case.status, case.closed_at = CaseStatus.CLOSED_NO_NEED, closed_at
    db.commit()
    return case, assignment


def _texts(db, job_id: int) -> list[str]:
    db.expire_all()
    return sorted(db.scalars(select(Message.body).where(Message.job_id == job_id, Message.volunteer_id.is_not(None))))


def test_the_sms_with_volunteers_about_a_job_lose_their_text_with_the_jobs_case(db, engine):
    old, old_assignment = _worked_case(db)
    recent, recent_assignment = _worked_case(db, closed_at=NOW - timedelta(days=5))
    report = _purge(engine)
    assert report.counts[Kind.CASES] == 1 and report.counts[Kind.REPLIES] == 2
    assert _texts(db, old_assignment.job_id) == ["", ""]
    assert _texts(db, recent_assignment.job_id) == [
        "Einsatz 4821 in Linden: Kinder 3 und 6. JA 4821?", "JA 4821, bin um 8 bei Frau Yılmaz",
    ]  # fmt: skip
    # The volunteer is still active: their number on the SMS rows stays, as in their record.
    numbers = db.scalars(select(Message.from_number).where(Message.job_id == old_assignment.job_id))
    assert db.get_one(Volunteer, old_assignment.volunteer_id).phone in set(numbers)
    assert _purge(engine).counts[Kind.REPLIES] == 0


def test_the_dry_run_counts_the_replies_of_cases_due_and_changes_nothing(db, engine):
    _case, assignment = _worked_case(db)
    due = service.due(db, now=NOW, days=DAYS, today=TODAY, voicemail_days=30)
    assert due.counts[Kind.CASES] == 1 and due.counts[Kind.REPLIES] == 2
    assert "SMS-Texte mit Ehrenamtlichen zu anonymisierten Fällen leeren: 2" in due.lines()
    assert "" not in _texts(db, assignment.job_id)


def _deactivated(db, *, at=T0, **overrides) -> Volunteer:
    municipality = db.scalars(select(Municipality.id).order_by(Municipality.id).limit(1)).one()
    overrides.setdefault("phone", VOLUNTEER_PHONE)
    volunteer = make_volunteer(
        db, name="Petra Schulz", notes="Hat einen Hund; Schlüssel bei Nachbarin",
        municipality_ids=[municipality], availability=[(0, "08:00", "12:00")],
        absences=[(date(2026, 12, 1), date(2026, 12, 5))],
        certificates=[(CertificateKind.POLICE_CERTIFICATE, date(2026, 1, 1), date(2031, 1, 1))], **overrides,
    )  # fmt: skip
    volunteer.is_active, volunteer.deactivated_at = False, at
    db.commit()
    return volunteer


def _count(db, model, volunteer_id: int) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.volunteer_id == volunteer_id)) or 0


def test_a_volunteer_deactivated_longer_than_the_period_keeps_only_what_the_statistics_count(db, engine):
    volunteer = _deactivated(db)
    case, assignment = _worked_case(db, closed_at=NOW - timedelta(days=5), volunteer=volunteer)
    db.get_one(Assignment, assignment.id).release_reason = "Frau Schulz ist krank"
    audit.record(db, audit.Actor(staff_id=None, ip=None, now=T0), action="volunteer.update", object_type="volunteer",
                 object_id=volunteer.id, case_id=None, detail={"name": "Petra Schulz"})  # fmt: skip
    db.commit()
    hours = db.scalars(select(HoursReport.hours).where(HoursReport.assignment_id == assignment.id)).all()

    report = _purge(engine)
    assert report.counts[Kind.VOLUNTEERS] == 1
    db.expire_all()
    after = db.get_one(Volunteer, volunteer.id)
    assert (after.name, after.phone, after.notes, after.consent_at) == ("", phone_placeholder(volunteer.id), None, None)
    assert after.anonymised_at == NOW and not after.is_active and not after.sms_opt_in
    for model in (VolunteerLanguage, VolunteerAvailability, VolunteerAbsence, VolunteerCertificate):
        assert _count(db, model, volunteer.id) == 0, model
    # What the statistics count stays: the person as a row, skills, areas, the assignment and its hours.
    assert _count(db, VolunteerSkill, volunteer.id) == 1 and _count(db, VolunteerArea, volunteer.id) == 1
    assert db.get_one(Assignment, assignment.id).status == assignment.status
    assert db.scalars(select(HoursReport.hours).where(HoursReport.assignment_id == assignment.id)).all() == hours
    assert hours == [Decimal("3.50")]
    # Their SMS keep neither text nor number (even while the job's case is still within its period).
    rows = db.execute(select(Message.body, Message.from_number, Message.to_number).where(
        Message.volunteer_id == volunteer.id)).all()  # fmt: skip
    assert rows and all(tuple(row) == ("", "", "") for row in rows)
    assert db.get_one(Assignment, assignment.id).release_reason is None
    assert db.scalars(select(AuditEvent.detail).where(AuditEvent.object_type == "volunteer",
                                                      AuditEvent.object_id == volunteer.id)).all() == [{}]  # fmt: skip
    assert VOLUNTEER_PHONE not in repr(db.execute(select(Message)).all())
    assert _purge(engine).counts[Kind.VOLUNTEERS] == 0


def test_active_volunteers_and_those_deactivated_within_the_period_are_left_alone(db, engine):
    active = make_volunteer(db, name="Aktive Person")
    recent = _deactivated(db, at=NOW - timedelta(days=DAYS - 1))
    assert service.due(db, now=NOW, days=DAYS, today=TODAY, voicemail_days=30).counts[Kind.VOLUNTEERS] == 0
    assert _purge(engine).counts[Kind.VOLUNTEERS] == 0
    db.expire_all()
    assert db.get_one(Volunteer, active.id).name == "Aktive Person"
    assert db.get_one(Volunteer, recent.id).phone == VOLUNTEER_PHONE


def test_the_dry_run_counts_volunteers_and_a_stopped_purge_carries_on(db, engine):
    people = [_deactivated(db, phone=f"+4917600000{n:03d}") for n in range(5)]
    due = service.due(db, now=NOW, days=DAYS, today=TODAY, voicemail_days=30)
    assert due.counts[Kind.VOLUNTEERS] == 5
    assert "Seit Ablauf der Frist deaktivierte Ehrenamtliche anonymisieren: 5" in due.lines()
    db.expire_all()
    assert all(db.get_one(Volunteer, v.id).anonymised_at is None for v in people)

    assert _purge(engine, batch=2, limit=3).counts[Kind.VOLUNTEERS] == 3  # as if killed after three
    assert _purge(engine, batch=2).counts[Kind.VOLUNTEERS] == 2
    db.expire_all()
    assert [db.get_one(Volunteer, v.id).name for v in people] == [""] * 5


def test_a_batch_anonymises_its_volunteers_still_due_and_skips_those_back_or_erased_since(db, engine):
    """The volunteers are written set-wise: the ids read before the batch are checked again under their locks."""
    due = [_deactivated(db, phone=f"+4917600000{n:03d}") for n in range(3)]
    back, erased = _deactivated(db, phone="+4917600000100"), _deactivated(db, phone="+4917600000101")
    factory = make_sessionmaker(engine)
    step = next(step for step in service.steps(now=NOW, days=DAYS, today=TODAY) if step.kind == Kind.VOLUNTEERS)
    with factory() as read:
        ids = step.ids(read, 0, 100)
    assert ids == sorted(v.id for v in (*due, back, erased))

    db.get_one(Volunteer, back.id).is_active = True  # meanwhile: back on the team ...
    db.commit()
    with transaction(factory) as other:  # ... and another one erased an hour earlier
        assert volunteer_purge.anonymise_volunteer(other, volunteer_id=erased.id, now=NOW - timedelta(hours=1))
    with transaction(factory) as batch:
        assert step.apply(batch, ids) == 3

    db.expire_all()
    for volunteer in due:
        after = db.get_one(Volunteer, volunteer.id)
        assert (after.name, after.phone, after.notes) == ("", phone_placeholder(volunteer.id), None)
        assert after.anonymised_at == NOW and after.deactivated_at == T0 and not after.is_active
        assert _count(db, VolunteerCertificate, volunteer.id) == 0
        assert _count(db, VolunteerAvailability, volunteer.id) == 0
    kept = db.get_one(Volunteer, back.id)
    assert (kept.name, kept.phone, kept.anonymised_at, kept.is_active) == ("Petra Schulz", back.phone, None, True)
    assert _count(db, VolunteerCertificate, back.id) == 1
    assert db.get_one(Volunteer, erased.id).anonymised_at == NOW - timedelta(hours=1)


def test_the_nightly_step_anonymises_volunteers_in_bounded_batches(db, engine):
    for n in range(3):
        _deactivated(db, phone=f"+4917600000{n:03d}")
    report, more = service.purge_some(db, now=NOW, days=DAYS, today=TODAY, batch=2)
    db.commit()
    assert report.counts[Kind.VOLUNTEERS] == 2 and more
    report, more = service.purge_some(db, now=NOW, days=DAYS, today=TODAY, batch=2)
    db.commit()
    assert report.counts[Kind.VOLUNTEERS] == 1 and not more


@pytest.fixture
def installation(engine, tmp_path: Path) -> cli.Installation:
    found = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    install_secret(found.workdir / "fluxx-secret")
    return found


def test_the_command_counts_and_anonymises_deactivated_volunteers(db, installation):
    long_ago = datetime.now(UTC) - timedelta(days=DAYS + 1)
    old = _deactivated(db, at=long_ago)
    _deactivated(db, at=datetime.now(UTC) - timedelta(days=5), phone="+4917600000999")
    dry = installation.run("retention", "purge", "--dry-run")
    assert dry.returncode == 0, dry.output
    assert "Seit Ablauf der Frist deaktivierte Ehrenamtliche anonymisieren: 1" in dry.stdout
    assert "SMS-Texte mit Ehrenamtlichen zu anonymisierten Fällen leeren: 0" in dry.stdout
    db.expire_all()
    assert db.get_one(Volunteer, old.id).anonymised_at is None
    run = installation.run("retention", "purge")
    assert run.returncode == 0, run.output
    assert "Seit Ablauf der Frist deaktivierte Ehrenamtliche anonymisieren: 1" in run.stdout
    db.expire_all()
    assert db.get_one(Volunteer, old.id).name == "" and db.get_one(Volunteer, old.id).phone != VOLUNTEER_PHONE
