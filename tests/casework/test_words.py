"""What staff read on the dashboard and the case page: counts in singular or plural, weekdays on planned times."""

from __future__ import annotations

from casework.enums import CaseStatus
from tests.factories import login, make_case, make_job, make_staff


def test_one_callback_is_singular_and_two_are_plural(client, db):
    staff = make_staff(db)
    make_case(db, callback_needed=True, status=CaseStatus.NEW)
    db.commit()
    login(client, staff)
    assert "<strong>1</strong> Rückruf nötig" in client.get("/dashboard/live").text
    make_case(db, callback_needed=True, status=CaseStatus.NEW)
    db.commit()
    live = client.get("/dashboard/live").text
    assert "<strong>2</strong> Rückrufe nötig" in live
    assert "<strong>2</strong> Fälle ohne zuständige Person" in live


def test_one_waiting_job_is_singular(client, db):
    staff = make_staff(db)
    make_job(db, make_case(db))
    db.commit()
    login(client, staff)
    assert "<strong>1</strong> Einsatz wartet auf Betreuung" in client.get("/dashboard/live").text


def test_planned_job_times_name_the_weekday(client, db):
    staff = make_staff(db)
    case = make_case(db)
    job = make_job(db, case)
    db.commit()
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert job.code in page
    assert "Fr., 27.11.2026, 09:00–13:00 Uhr" in page  # the factory's job: the day after T0, four hours
