"""The job page "Betreuung suchen": ranked reasons, why-not checks, starting and stopping the search."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casework.enums import JobStatus
from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, offered, work
from volunteers.matching import texts as matching_texts
from volunteers.outreach import service as outreach
from volunteers.outreach.models import OutreachStatus


def test_the_case_page_links_each_job_to_its_search_page(client, db):
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    page = client.get(f"/cases/{job.case_id}")

    assert f'href="/jobs/{job.id}"' in page.text


def test_the_job_page_shows_the_ranked_carers_with_the_reason_for_each_rank(client, db):
    [first, second] = carers(db, 2)
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}")

    assert page.status_code == 200
    assert "Betreuung suchen · Einsatz" in page.text
    assert page.text.index(first.name) < page.text.index(second.name)
    assert "Kinderbetreuung, Führungszeugnis bis 03.02.2029, noch nie im Einsatz" in page.text
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.object_id == job.id)) == "job.view"


def test_checking_a_volunteer_by_name_shows_why_they_are_excluded(client, db):
    carers(db, 1, name="Karla Kaputtzeugnis", certificates=[("police_certificate", date(2021, 2, 3), date(2026, 2, 3))])
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}", params={"q": "kaputtzeug"})

    assert "Karla Kaputtzeugnis" in page.text
    assert "Führungszeugnis abgelaufen am 03.02.2026" in page.text


def test_checking_a_volunteer_for_a_job_without_municipality_says_why_instead_of_failing(client, db):
    carers(db, 1, name="Karla Kaputtzeugnis")
    job = job_in_laatzen(db, municipality_id=None)
    login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}", params={"q": "Karla"})

    assert page.status_code == 200
    assert matching_texts.NO_MUNICIPALITY in page.text[page.text.index('id="check"') :]


def test_a_counsellor_starts_the_search_and_sees_the_first_wave(client, db, engine, clock):
    carers(db, 3)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COUNSELLOR))

    response = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "2", "interval": "20"})
    assert response.status_code == 303
    work(engine, clock)
    page = client.get(f"/jobs/{job.id}")

    assert len(offered(db, job)) == 2
    assert "Suche läuft" in page.text and "Welle 1 von 2, nächste Welle um 09:50 Uhr" in page.text
    assert page.text.count("wartet auf Antwort") == 2
    assert "Suche abbrechen" not in page.text  # a coordinator's button


def test_a_start_with_a_wrong_wave_size_is_refused_with_a_german_message(client, db):
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db))

    response = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "0", "interval": "15"})

    assert response.status_code == 422
    assert "SMS pro Welle: bitte eine ganze Zahl von 1 bis 50." in response.text
    assert outreach.get(db, job_id=job.id) is None


def test_a_start_for_a_job_without_municipality_is_refused(client, db):
    job = job_in_laatzen(db, municipality_id=None)
    csrf = login(client, make_staff(db))

    response = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "5", "interval": "15"})

    assert response.status_code == 409
    assert "Bitte tragen Sie zuerst die Kommune des Einsatzes ein" in response.text


def test_starting_without_the_csrf_token_is_refused(client, db):
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    response = client.post(f"/jobs/{job.id}/outreach", data={"wave_size": "5", "interval": "15"})

    assert response.status_code == 403
    assert outreach.get(db, job_id=job.id) is None


def test_only_a_coordinator_cancels_or_widens_the_search(client, db, engine, clock):
    carers(db, 1)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COUNSELLOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "5", "interval": "15"})

    assert client.post(f"/jobs/{job.id}/outreach/cancel", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/jobs/{job.id}/outreach/widen", data={"csrf_token": csrf, "wave_size": "9"}).status_code == 403
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.ACTIVE


def test_a_coordinator_sees_keine_zusage_and_widens_the_search(client, db, engine, clock):
    carers(db, 1)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "5", "interval": "15"})
    work(engine, clock)
    clock.advance(minutes=15)
    work(engine, clock)

    page = client.get(f"/jobs/{job.id}")
    assert "Keine Zusage" in page.text and "niemand mehr zum Anfragen" in page.text
    carers(db, 2)
    response = client.post(f"/jobs/{job.id}/outreach/widen", data={"csrf_token": csrf, "wave_size": "10"})
    work(engine, clock)

    assert response.status_code == 303
    assert sorted(offered(db, job).values()) == [1, 2, 2]
    db.refresh(job)
    assert job.status == JobStatus.SEARCHING


def test_a_coordinator_cancels_the_search(client, db, engine, clock):
    carers(db, 2)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "5", "interval": "15"})

    response = client.post(f"/jobs/{job.id}/outreach/cancel", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert outreach.get(db, job_id=job.id).status == OutreachStatus.CANCELLED
    assert "Suche abgebrochen" in client.get(f"/jobs/{job.id}").text


def test_an_unknown_job_is_a_german_404(client, db):
    login(client, make_staff(db))

    response = client.get("/jobs/999999", headers={"accept": "text/html"})

    assert response.status_code == 404
    assert "Diesen Einsatz gibt es nicht." in response.text
