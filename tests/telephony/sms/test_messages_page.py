"""The staff page "Nachrichten": the message log with failures and open inbound messages."""

from core.models import AuditEvent, StaffRole
from messaging.service import queue_sms
from tests.factories import login, make_staff, make_volunteer
from tests.telephony.sms_helpers import messages
from tests.twilio_helpers import post_signed


def test_counsellors_may_not_read_the_message_log(db, client):
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))
    assert client.get("/messages", headers={"accept": "text/html"}).status_code == 403


def test_the_message_log_needs_a_login(client):
    response = client.get("/messages", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_permanent_failure_is_shown_to_coordinators_with_its_german_reason(
    db, engine, clock, sender, fake_twilio, prod_client
):
    volunteer = make_volunteer(db, name="Lena Vogel")
    queue_sms(db, to="+49123", body="Anfrage A", now=clock(), volunteer_id=volunteer.id)
    queue_sms(db, to=volunteer.phone, body="Anfrage B", now=clock(), volunteer_id=volunteer.id)
    db.commit()
    sender.drain()
    login(prod_client, make_staff(db, role=StaffRole.COORDINATOR))

    page = prod_client.get("/messages?show=problems").text
    assert "Anfrage A" in page and "Anfrage B" not in page
    assert "fehlgeschlagen" in page and "21211: ungültige Telefonnummer" in page and "Lena Vogel" in page
    everything = prod_client.get("/messages").text
    assert "Anfrage B" in everything and "bei Twilio eingereiht" in everything
    assert 'href="/messages"' in everything  # the navigation links the page


def test_staff_mark_an_unknown_senders_message_as_handled(db, clock, client, settings):
    params = {
        "MessageSid": "SM" + "b" * 32,
        "From": "+4915799999999",
        "To": "+4951116832110",
        "Body": "Hallo?",
    }
    post_signed(client, settings, "/twilio/sms/incoming", params)
    staff = make_staff(db, role=StaffRole.ADMIN)
    csrf = login(client, staff)
    page = client.get("/messages?show=open").text
    assert "Hallo?" in page and "unbekannte Nummer" in page
    assert '>Als erledigt markieren<span class="visually-hidden"> – SMS vom ' in page  # the button names its message

    inbound = messages(db)[0]
    response = client.post(f"/messages/{inbound.id}/handled", data={"csrf_token": csrf})
    assert response.status_code == 303
    db.refresh(inbound)
    assert inbound.handled_at == clock()
    assert "Hallo?" not in client.get("/messages?show=open").text
    audit = db.query(AuditEvent).filter_by(action="message.handled").one()
    assert audit.staff_id == staff.id and audit.object_id == inbound.id


def test_marking_handled_needs_the_csrf_token(db, client, settings):
    params = {
        "MessageSid": "SM" + "c" * 32,
        "From": "+4915799999999",
        "To": "+4951116832110",
        "Body": "Hallo?",
    }
    post_signed(client, settings, "/twilio/sms/incoming", params)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    inbound = messages(db)[0]
    assert client.post(f"/messages/{inbound.id}/handled", data={"csrf_token": "x"}).status_code == 403
    db.refresh(inbound)
    assert inbound.handled_at is None
