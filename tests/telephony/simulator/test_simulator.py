"""The phone simulator: staff-only, only in simulation mode, driving our real signed webhooks. The volunteers'
inboxes and numbers are for coordinators and admins; counsellors may only place simulated calls."""

from sqlalchemy import func, select

from core.models import AuditEvent, StaffRole
from messaging import texts as sms_texts
from messaging.models import Message
from messaging.service import queue_sms
from tests.factories import login, make_staff, make_volunteer
from tests.telephony.sms_helpers import make_sender, messages


def test_the_simulator_is_for_logged_in_staff_only(client):
    response = client.get("/simulator", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.post("/simulator/sms", data={"phone": "+4917600000001", "body": "STOPP"}).status_code == 303
    assert messages_posted(client) == 0


def messages_posted(client):
    with client.app.state.context.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(Message))


def test_in_production_mode_the_simulator_does_not_exist(db, prod_client):
    login(prod_client, make_staff(db))
    assert prod_client.get("/simulator", headers={"accept": "text/html"}).status_code == 404
    assert 'href="/simulator"' not in prod_client.get("/").text


def test_a_volunteer_inbox_shows_what_the_simulation_delivered(db, engine, clock, client, settings):
    volunteer = make_volunteer(db, name="Jana Albers")
    queue_sms(
        db,
        to=volunteer.phone,
        body="Neue Anfrage: JA 4821 / NEIN 4821",
        now=clock(),
        volunteer_id=volunteer.id,
    )
    db.commit()
    make_sender(settings, engine, clock).drain()
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    overview = client.get("/simulator").text
    assert "Telefon-Simulator" in overview and "Jana Albers" in overview and "1 SMS" in overview
    inbox = client.get("/simulator", params={"phone": volunteer.phone}).text
    assert "Neue Anfrage: JA 4821 / NEIN 4821" in inbox and "wartet auf Versand" not in inbox


def test_answering_as_a_volunteer_goes_through_the_signed_webhook_and_shows_our_reply(db, client):
    volunteer = make_volunteer(db, name="Jana Albers")
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    response = client.post("/simulator/sms", data={"phone": volunteer.phone, "body": "STOPP", "csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/simulator?phone=%2B" + volunteer.phone[1:] + "#sms"
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is False
    inbound, answer = messages(db)
    assert inbound.twilio_sid.startswith("SM") and inbound.body == "STOPP"
    page = client.get(response.headers["location"]).text
    assert "STOPP" in page and sms_texts.OPTED_OUT in page


def test_an_unknown_number_can_be_simulated_too(db, client):
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post("/simulator/sms", data={"phone": "0157 99999999", "body": "Hallo", "csrf_token": csrf})
    inbound, answer = messages(db)
    assert inbound.from_number == "+4915799999999" and inbound.volunteer_id is None
    assert answer.body == sms_texts.UNKNOWN_SENDER


def test_counsellors_place_simulated_calls_but_see_no_volunteer_numbers_or_inboxes(db, client):
    volunteer = make_volunteer(db, name="Jana Albers", phone="+4917612345678")
    csrf = login(client, make_staff(db))  # a counsellor

    page = client.get("/simulator")
    assert page.status_code == 200
    assert "Jana Albers" not in page.text and "0176 12345678" not in page.text and "Posteingang" not in page.text
    assert "nur für Koordination und Verwaltung sichtbar" in page.text
    assert 'href="/simulator/call"' in page.text and client.get("/simulator/call").status_code == 200

    inbox = client.get("/simulator", params={"phone": volunteer.phone}, headers={"accept": "text/html"})
    assert inbox.status_code == 403 and "Jana Albers" not in inbox.text
    assert "nur für Koordination und Verwaltung sichtbar" in inbox.text
    answer = client.post("/simulator/sms", data={"phone": volunteer.phone, "body": "STOPP", "csrf_token": csrf})
    assert answer.status_code == 403
    assert messages_posted(client) == 0
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is True


def test_reading_a_volunteer_inbox_is_audited_and_names_the_volunteer(db, client):
    volunteer = make_volunteer(db, name="Jana Albers")
    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)

    client.get("/simulator", params={"phone": volunteer.phone})

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "simulator.view")).one()
    assert (event.staff_id, event.object_type, event.object_id) == (admin.id, "volunteer", volunteer.id)
    log = client.get(f"/admin/audit/staff/{admin.id}").text
    assert "Telefon-Simulator angesehen: Jana Albers" in log
