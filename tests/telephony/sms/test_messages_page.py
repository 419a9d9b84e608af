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


def test_the_log_opens_the_thread_of_one_volunteer_and_of_one_job_oldest_first(db, client):
    from datetime import timedelta

    from messaging.models import Message
    from messaging.rules import MessageDirection, MessageStatus
    from tests.factories import T0, make_case, make_job

    lisa = make_volunteer(db, name="Lisa Berger", phone="+4917612345001")
    tobias = make_volunteer(db, name="Tobias Krämer", phone="+4917612345002")
    job = make_job(db, make_case(db))
    for minutes, person, text, inbound in [
        (0, lisa, "Anfrage an Lisa", False), (1, tobias, "Anfrage an Tobias", False), (5, lisa, "JA", True),
        (9, lisa, "Danke, Sie sind eingeteilt", False),
    ]:  # fmt: skip
        at = T0 + timedelta(minutes=minutes)
        db.add(Message(
            direction=MessageDirection.INBOUND if inbound else MessageDirection.OUTBOUND,
            from_number=person.phone if inbound else "+4951116832110",
            to_number="+4951116832110" if inbound else person.phone, body=text,
            status=MessageStatus.RECEIVED if inbound else MessageStatus.DELIVERED, attempts=0, job_id=job.id,
            volunteer_id=person.id, created_at=at, updated_at=at,
        ))  # fmt: skip
    db.commit()
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    log = client.get("/messages").text
    assert log.index("Danke, Sie sind eingeteilt") < log.index("Anfrage an Lisa")  # the log: newest first
    assert f'<a href="/messages?volunteer={lisa.id}" aria-label="Alle SMS mit Lisa Berger">Lisa Berger</a>' in log
    job_link = f'<a href="/messages?job={job.id}" aria-label="Alle SMS zu Einsatz {job.code}">{job.code}</a>'
    assert f"Einsatz {job_link}:" in log
    assert '<a href="tel:+4951116832110">0511 168-32110</a>' in log  # the hotline written as everywhere else
    assert 'class="kern-table__cell send-error"' not in log  # no error, so the error column is not an error

    thread = client.get(f"/messages?volunteer={lisa.id}").text
    assert "SMS mit Lisa Berger" in thread and "Anfrage an Tobias" not in thread
    assert thread.index("Anfrage an Lisa") < thread.index(":</span> JA<") < thread.index("Danke, Sie sind eingeteilt")
    assert f'href="/messages?show=open&amp;volunteer={lisa.id}"' in thread  # the filters stay in the thread
    by_job = client.get(f"/messages?job={job.id}").text
    assert f"SMS zu Einsatz {job.code}" in by_job and "Anfrage an Tobias" in by_job
    event = db.query(AuditEvent).filter_by(action="message.list").order_by(AuditEvent.id.desc()).first()
    assert event.detail == {"show": "all", "count": 4, "job_id": job.id}
