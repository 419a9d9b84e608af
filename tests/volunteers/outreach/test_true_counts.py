"""The job page counts every volunteer who fits, with one SQL COUNT: no cap at 500 ("500 noch nicht angefragt"
when 1,234 fit), and "Welle x von y" from the true number."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import insert, select

from core.models import StaffRole
from tests.factories import T0, login, make_staff
from tests.volunteers.outreach.helpers import FRIDAY, job_in_laatzen, laatzen_id
from volunteers.matching import service as matching
from volunteers.outreach.models import Outreach
from volunteers.registry.models import (
    Volunteer,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerSkill,
)
from volunteers.vocabulary import CertificateKind, Skill

MANY = 1234


def many_carers(db, count: int) -> None:
    """`count` child carers in Laatzen who fit the Friday job, inserted in bulk."""
    db.execute(insert(Volunteer), [
        {"name": f"Ehrenamtliche Masse {n}", "phone": f"+49170{n:08d}", "sms_opt_in": True, "consent_at": T0,
         "is_active": True, "created_at": T0, "updated_at": T0}
        for n in range(count)
    ])  # fmt: skip
    ids = list(db.scalars(select(Volunteer.id).where(Volunteer.name.startswith("Ehrenamtliche Masse "))))
    laatzen = laatzen_id(db)
    db.execute(insert(VolunteerSkill), [{"volunteer_id": i, "skill": Skill.CHILD_CARE} for i in ids])
    db.execute(insert(VolunteerArea), [{"volunteer_id": i, "municipality_id": laatzen} for i in ids])
    db.execute(insert(VolunteerAvailability), [
        {"volunteer_id": i, "weekday": FRIDAY, "start_time": time(8), "end_time": time(20)} for i in ids
    ])  # fmt: skip
    db.execute(insert(VolunteerCertificate), [
        {"volunteer_id": i, "kind": CertificateKind.POLICE_CERTIFICATE, "issued_on": date(2024, 2, 3),
         "valid_until": date(2029, 2, 3)}
        for i in ids
    ])  # fmt: skip
    db.commit()


def test_the_count_is_one_sql_count_of_everyone_who_fits(db):
    many_carers(db, MANY)
    job = job_in_laatzen(db)
    needs = matching.needs_for(db, job)
    assert matching.count_for(db, needs) == MANY == len(matching.rank_for(db, needs, limit=None))


def test_the_job_page_shows_how_many_fit_and_the_waves_from_the_true_number(client, db):
    many_carers(db, MANY)
    job = job_in_laatzen(db)
    db.add(Outreach(job_id=job.id, wave_size=5, wave_interval_minutes=15, stop_before_start_minutes=30,
                    waves_sent=1, last_wave_at=T0, started_at=T0))  # fmt: skip
    db.commit()
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    page = client.get(f"/jobs/{job.id}").text

    assert "1.234 noch nicht angefragt, die ersten 20, in der Reihenfolge der Anfrage." in page
    # 1 wave sent + 1,234 volunteers not yet asked at 5 per wave = 247 more.
    assert "Welle 1 von 248" in page
