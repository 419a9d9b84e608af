import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.calls import register_incoming_call
from fluxx.app import create_app
from fluxx.models import AuditEvent
from tests.conftest import BERLIN, make_settings
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
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "voicemail_played"))
    assert (event.staff_id, event.case_id, event.object_id) == (staff.id, call.case_id, call.id)


def test_with_twilio_the_audio_is_fetched_with_our_credentials_from_the_api(engine, clock, db):
    call = a_call_with_voicemail(db)
    staff = make_staff(db)
    seen = []

    def twilio_api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ID3 fake mp3", headers={"content-type": "audio/mpeg"})

    settings = make_settings(
        engine, twilio_account_sid="AC1", twilio_auth_token="tok", twilio_api_url="http://fake-twilio.local"
    )
    app = create_app(settings, clock=clock, engine=engine)
    app.state.twilio_transport = httpx.MockTransport(twilio_api)
    with TestClient(app, follow_redirects=False) as client:
        login(client, staff)
        response = client.get(f"/calls/{call.id}/voicemail")
    assert response.content == b"ID3 fake mp3" and response.headers["content-type"] == "audio/mpeg"
    assert str(seen[0].url) == f"http://fake-twilio.local/2010-04-01/Accounts/AC1/Recordings/{RECORDING}.mp3"
    assert seen[0].headers["authorization"].startswith("Basic ")


def test_a_call_without_voicemail_has_nothing_to_play(client, db):
    call = register_incoming_call(db, call_sid="CA2", from_number=None, to_number=None, now=T0, zone=BERLIN)
    db.commit()
    login(client, make_staff(db))
    response = client.get(f"/calls/{call.id}/voicemail", headers={"accept": "text/html"})
    assert response.status_code == 404 and "keine Sprachnachricht" in response.text
