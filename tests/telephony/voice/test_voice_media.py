from sqlalchemy import select

from casework.calls.service import register_incoming_call
from core.models import AuditEvent
from messaging.fake_twilio import FAKE_MP3
from tests.conftest import BERLIN
from tests.factories import T0, login, make_staff

RECORDING = "RE" + "c" * 32


def a_call_with_voicemail(db):
    call = register_incoming_call(db, call_sid="CA1", from_number="+495111234567", to_number=None, now=T0, zone=BERLIN)
    call.recording_sid = RECORDING
    call.recording_url = f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING}"
    db.commit()
    return call


def test_voicemail_needs_a_login(client, db):
    call = a_call_with_voicemail(db)
    assert client.get(f"/calls/{call.id}/voicemail").status_code == 401


def test_in_simulation_a_tone_stands_in_for_the_voicemail_and_the_listening_is_audited(client, db):
    call = a_call_with_voicemail(db)
    staff = make_staff(db)
    login(client, staff)
    response = client.get(f"/calls/{call.id}/voicemail")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav" and response.content[:4] == b"RIFF"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "call.voicemail"))
    assert (event.staff_id, event.case_id, event.object_id) == (staff.id, call.case_id, call.id)


def test_with_twilio_the_audio_is_fetched_with_our_credentials_from_the_api(prod_client, fake_twilio, db):
    call = a_call_with_voicemail(db)
    login(prod_client, make_staff(db))
    response = prod_client.get(f"/calls/{call.id}/voicemail")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert response.content == FAKE_MP3


def test_when_twilio_cannot_deliver_the_audio_staff_get_a_clear_answer(prod_client, fake_twilio, db):
    call = a_call_with_voicemail(db)
    login(prod_client, make_staff(db))
    fake_twilio.fail_next(1, status=500)
    response = prod_client.get(f"/calls/{call.id}/voicemail", headers={"accept": "text/html"})
    assert response.status_code == 502 and "Die Aufnahme ist gerade nicht abrufbar." in response.text


def test_a_call_without_voicemail_has_nothing_to_play(client, db):
    call = register_incoming_call(db, call_sid="CA2", from_number=None, to_number=None, now=T0, zone=BERLIN)
    db.commit()
    login(client, make_staff(db))
    response = client.get(f"/calls/{call.id}/voicemail", headers={"accept": "text/html"})
    assert response.status_code == 404 and "keine Sprachnachricht" in response.text
