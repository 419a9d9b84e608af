"""The job page when nobody fits (issue 21, point 6): said up front, no SMS search offered, the near misses with
their reason and a "Direkt anfragen" button that sends that one person the offer."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent, StaffRole
from messaging.models import Message
from tests.factories import login, make_staff
from tests.volunteers.builders import make_offer, make_outreach
from tests.volunteers.outreach.helpers import FRIDAY, carers, job_in_laatzen
from volunteers.outreach.models import Offer, OfferStatus


def section(page, marker: str) -> str:
    return page.text[page.text.index(marker) :]


def test_a_job_nobody_fits_says_so_shows_near_misses_and_no_search_button(client, db):
    job = job_in_laatzen(db)
    carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    carers(db, 1, name="Fritz Fähigkeit", skills=["elder_care"])
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    page = client.get(f"/jobs/{job.id}")

    assert page.status_code == 200
    assert "Niemand passt zu diesem Einsatz." in page.text
    assert 'class="kern-alert kern-alert--warning" role="alert" id="nobody-fits"' in page.text
    assert page.text.index('id="nobody-fits"') < page.text.index('id="search"'), "said up front"
    assert "Betreuung per SMS suchen" not in page.text and 'id="start-form"' not in page.text
    assert "Keine SMS-Suche: niemand passt zu diesem Einsatz." in page.text
    near = section(page, 'id="near-miss-list"')
    assert "Tina Zeitfenster · <strong>Zeit:</strong>" in near
    assert "nicht verfügbar Fr 14:00–18:00" in near
    assert "Fritz Fähigkeit · <strong>Fähigkeit:</strong>" in near and "ohne Kinderbetreuung" in near
    assert near.count("Direkt anfragen</span>") == 2
    shown = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "job.view")).all()
    assert any(detail and len(detail.get("near_misses", [])) == 2 for detail in shown), "the near misses are audited"


def test_the_live_part_offers_no_search_either(client, db):
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    live = client.get(f"/jobs/{job.id}/live")

    assert "Betreuung per SMS suchen" not in live.text
    assert "Keine SMS-Suche: niemand passt zu diesem Einsatz." in live.text


def test_a_job_someone_fits_keeps_its_search_button_and_shows_no_near_misses(client, db):
    job = job_in_laatzen(db)
    carers(db, 1)
    carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}")

    assert "Betreuung per SMS suchen" in page.text
    assert 'id="nobody-fits"' not in page.text and "Fast passend" not in page.text


def test_when_everyone_who_fits_was_asked_widening_is_not_offered(client, db):
    job = job_in_laatzen(db)
    [asked] = carers(db, 1)
    make_offer(db, job, asked, status=OfferStatus.DECLINED)
    make_outreach(db, job)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    page = client.get(f"/jobs/{job.id}")

    assert "Niemand mehr, der passt und noch nicht angefragt wurde." in page.text
    assert "SMS-Suche erweitern" not in page.text and "SMS-Suche abbrechen" in page.text
    assert "Erweitern hilft nicht" in page.text


def test_a_coordinator_asks_a_near_miss_directly(client, db):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(
        f"/jobs/{job.id}/near-misses/ask", data={"csrf_token": csrf, "volunteer_id": str(near.id)},
        follow_redirects=False,
    )  # fmt: skip

    assert response.status_code == 303 and response.headers["location"] == f"/jobs/{job.id}#asked"
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id))
    assert (offer.volunteer_id, offer.wave, offer.status) == (near.id, 0, OfferStatus.SENT)
    assert db.scalar(select(Message.body).where(Message.volunteer_id == near.id)).startswith("Fluxx: Kinderbetreuung")
    page = client.get(f"/jobs/{job.id}")
    assert "Angebot per SMS an Tina Zeitfenster gesendet." in page.text
    assert 'id="person-' + str(near.id) + '"' in page.text, "listed under Angefragt"
    assert 'id="near-' + str(near.id) + '"' not in page.text, "no longer offered to ask again"


def test_asking_the_same_near_miss_twice_is_refused_with_a_german_reason(client, db):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    data = {"csrf_token": csrf, "volunteer_id": str(near.id)}
    client.post(f"/jobs/{job.id}/near-misses/ask", data=data)

    again = client.post(f"/jobs/{job.id}/near-misses/ask", data=data)

    assert again.status_code == 409
    assert (
        "Tina Zeitfenster lässt sich nicht direkt anfragen: nicht verfügbar Fr 14:00–18:00, "
        "hat dieses Angebot schon bekommen." in again.text
    )
    assert len(db.scalars(select(Offer).where(Offer.job_id == job.id)).all()) == 1


def test_counsellors_see_near_misses_but_cannot_ask_directly(client, db):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    csrf = login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}")
    refused = client.post(f"/jobs/{job.id}/near-misses/ask", data={"csrf_token": csrf, "volunteer_id": str(near.id)})

    assert "Tina Zeitfenster" in section(page, 'id="near-miss-list"') and "Direkt anfragen</span>" not in page.text
    assert refused.status_code == 403
    assert db.scalar(select(Offer).where(Offer.job_id == job.id)) is None
