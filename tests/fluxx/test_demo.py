import random
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseStatus, JobKind, JobStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from core.audit import Actor
from core.models import Staff
from fluxx import demo, demo_volunteers
from volunteers.registry import service as registry
from volunteers.registry.models import Volunteer
from volunteers.vocabulary import LANGUAGES, CertificateKind, Skill


def test_the_demo_tells_true_stories(db):
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert demo.load(db, now=now).created
    db.commit()
    assert db.scalar(select(func.count()).select_from(Staff).where(Staff.on_duty.is_(True))) >= 2
    assert db.scalar(select(func.count()).select_from(Partner)) == len(demo.PARTNERS)
    partner_towns = db.scalars(select(Municipality).where(Municipality.partner_from.is_not(None))).all()
    assert {m.name for m in partner_towns} == set(demo.PARTNER_MUNICIPALITIES)
    for case in db.scalars(select(Case)):
        changes = db.scalars(
            select(CaseStatusChange.to_status).where(CaseStatusChange.case_id == case.id).order_by(CaseStatusChange.id)
        ).all()
        assert changes[0] == CaseStatus.NEW and changes[-1] == case.status  # the history leads to the status
    assert db.scalar(select(func.count()).select_from(Case).where(Case.callback_needed.is_(True))) == 1
    job = db.scalars(select(CareJob).where(CareJob.kind == JobKind.DRIVING)).one()
    assert job.kind == JobKind.DRIVING and job.status == JobStatus.OPEN and len(job.active_code) == 4
    assert db.get_one(Case, job.case_id).status == CaseStatus.CARE_NEEDED
    # A family with an open case called again today: the dashboard shows it as a known family.
    from casework.cases import family

    newest = db.scalars(
        select(Case).order_by(Case.opened_at.desc(), Case.id.desc()).limit(1).options(selectinload(Case.calls))
    ).one()
    known = family.known_family(db, case=newest)
    assert known is not None and known.open_case.status == CaseStatus.IN_COUNSELLING and known.counsellor
    added = family.add_call_to_open_case(db, call=newest.calls[0], actor=Actor(staff_id=None, ip=None, now=now),
                                         zone=ZoneInfo("Europe/Berlin"))  # fmt: skip
    assert added.target.id == known.open_case.id and added.source_merged  # "hinzufügen" empties the new case
    db.rollback()
    assert not demo.load(db, now=now).created


def test_the_demo_volunteers_cover_the_region_with_current_vocabulary(db):
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    demo.load(db, now=now)
    db.commit()
    today = date(2026, 11, 26)
    volunteers = db.scalars(registry.with_rows(select(Volunteer))).all()
    assert len(volunteers) == 60 and len({v.phone for v in volunteers}) == 60
    assert all(re.fullmatch(r"\+49(151|160|170|176)0000\d{4}", v.phone) for v in volunteers)
    served = {area.municipality_id for v in volunteers for area in v.areas}
    assert served == set(db.scalars(select(Municipality.id)))  # all 21 municipalities
    assert {skill for v in volunteers for skill in v.skills} == set(Skill)
    assert all(language in LANGUAGES for v in volunteers for language in v.languages)
    assert all(slot.start_time < slot.end_time for v in volunteers for slot in v.availability)
    police = [c for v in volunteers for c in v.certificates if c.kind == CertificateKind.POLICE_CERTIFICATE]
    assert all(c.issued_on is not None for c in police)
    assert len([c for c in police if c.valid_until < today]) == 1
    assert len([c for c in police if today <= c.valid_until <= today + timedelta(days=60)]) == 3
    child_carers = [v for v in volunteers if Skill.CHILD_CARE in v.skills]
    assert all(any(c.kind == CertificateKind.POLICE_CERTIFICATE for c in v.certificates) for v in child_carers)
    assert len([v for v in volunteers if v.absences]) == 4
    assert len([v for v in volunteers if v.opted_out_at]) == 1


def test_the_demo_volunteers_are_the_same_for_the_same_seed():
    towns = {name: index for index, name in enumerate(["Hannover", "Laatzen", "Garbsen", "Uetze"])}
    first = demo_volunteers.drafts(random.Random(2015), towns, date(2026, 11, 26))
    again = demo_volunteers.drafts(random.Random(2015), towns, date(2026, 11, 26))
    assert first == again and len(first) == 60


def test_the_demo_job_waiting_for_a_carer_has_drivers_who_fit_it_on_any_day_of_the_week(db):
    from volunteers.matching import service as matching

    now = datetime(2026, 11, 27, 8, tzinfo=UTC)  # a Friday: two days on is a Sunday, the job moves to Monday
    demo.load(db, now=now)
    db.commit()
    job = db.scalars(select(CareJob).where(CareJob.kind == JobKind.DRIVING)).one()
    assert job.starts_at.weekday() == 0 and db.get_one(Municipality, job.municipality_id).name == "Hannover"
    assert len(matching.rank(db, job, limit=50)) >= 1  # "Betreuung per SMS suchen" in the demo reaches somebody


def test_the_demo_refuses_a_database_with_staff_of_its_own(db):
    import pytest

    from core import auth
    from core.models import StaffRole

    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    auth.create_staff(db, name="Anna Beispiel", email="anna@fluxx.test", password="ein gutes passwort",
                      role=StaffRole.ADMIN, phone=None, on_duty=False, now=now)  # fmt: skip
    with pytest.raises(demo.DemoRefused) as refused:
        demo.load(db, now=now)
    assert str(refused.value) == (
        "Keine Demodaten: In dieser Datenbank gibt es schon 1 Konto für Mitarbeitende, das nicht zur Demo gehört. "
        "Demodaten nur in eine eigene Datenbank laden, z. B. mit FLUXX_DATABASE_URL=sqlite:///./demo.db."
    )
    assert db.scalar(select(Staff.id).where(Staff.email == demo.DEMO_EMAIL)) is None
    assert db.scalar(select(func.count()).select_from(Volunteer)) == 0


def test_the_demo_refuses_a_database_that_ran_with_twilio_even_with_its_own_data(db):
    import pytest

    from core import installation

    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert demo.load(db, now=now).created
    installation.remember(db, key=installation.TWILIO_CREDENTIALS, value="AC" + "1" * 32, now=now)
    with pytest.raises(demo.DemoRefused, match="Diese Datenbank lief schon mit echten Twilio-Zugangsdaten."):
        demo.load(db, now=now)


def test_a_rerun_keeps_the_demo_and_whoever_was_added_in_it(db):
    from core import auth
    from core.models import StaffRole

    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert demo.load(db, now=now).created
    auth.create_staff(db, name="Neu im Demo", email="neu@fluxx.test", password="ein gutes passwort",
                      role=StaffRole.COUNSELLOR, phone=None, on_duty=False, now=now)  # fmt: skip
    assert demo.refusal(db) is None
    assert not demo.load(db, now=now).created


def test_the_demo_has_the_network_of_today_two_bills_of_last_month_and_hours_to_confirm(db):
    from decimal import Decimal

    from billing.hours import service as hours
    from billing.models import Bill, BillLine

    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    demo.load(db, now=now)
    db.commit()
    assert len(demo.PARTNERS) == 48 and len(demo.PARTNER_MUNICIPALITIES) == 16  # 15 of the Region and the city
    assert len({name for name, *_ in demo.PARTNERS}) == 48
    bills = db.scalars(select(Bill).order_by(Bill.seq)).all()
    assert [(b.number, b.period_month) for b in bills] == [
        ("R-2026-00001", date(2026, 11, 1)),
        ("R-2026-00002", date(2026, 11, 1)),
    ]
    reasons = {line.reason for line in db.scalars(select(BillLine))}
    assert reasons == {"Partnerbetrieb: Leinewerke Hannover GmbH", "Standardtarif"}
    assert [b.total for b in bills] == [Decimal("22.50"), Decimal("13.75")]  # 7,5 h × 3 €; 2,75 h × 5 €
    count, waiting = hours.waiting(db)
    assert count == 1 and waiting[0].report.hours == Decimal("3.5") and waiting[0].report.source == "sms"
