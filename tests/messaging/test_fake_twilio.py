"""The fake Twilio API speaks Twilio's shapes and errors, so the real client behaves as in production."""

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from messaging.gateway import RewritingHttpClient


@pytest.fixture
def twilio_client(fake_server):
    fake, url = fake_server
    return Client(fake.account_sid, fake.auth_token, http_client=RewritingHttpClient(url))


def test_a_created_message_can_be_fetched_back_with_twilios_fields(twilio_client, fake_twilio):
    created = twilio_client.messages.create(to="+4917612345678", from_="+4951116832110", body="Grüße 👋")
    assert created.sid.startswith("SM") and len(created.sid) == 34
    fetched = twilio_client.messages(created.sid).fetch()
    assert fetched.body == "Grüße 👋" and fetched.status == "queued" and fetched.direction == "outbound-api"
    assert fetched.num_segments == "1" and fetched.account_sid == fake_twilio.account_sid


def test_errors_come_in_twilios_format(twilio_client, fake_twilio, fake_server):
    with pytest.raises(TwilioRestException) as invalid:
        twilio_client.messages.create(to="0511", from_="+4951116832110", body="x")
    assert (invalid.value.status, invalid.value.code) == (400, 21211)
    with pytest.raises(TwilioRestException) as missing:
        twilio_client.messages("SM" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    fake_twilio.fail_next(status=400, code=21612, message="The 'To' phone number is not currently reachable")
    with pytest.raises(TwilioRestException) as programmed:
        twilio_client.messages.create(to="+4917612345678", from_="+4951116832110", body="x")
    assert programmed.value.code == 21612 and "not currently reachable" in programmed.value.msg
    raw = httpx.post(
        f"{fake_server[1]}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json",
        data={"To": "+49", "From": "+4951116832110", "Body": "x"},
        auth=(fake_twilio.account_sid, fake_twilio.auth_token),
    ).json()
    assert raw == {
        "code": 21211,
        "message": "The 'To' number +49 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }


def test_wrong_credentials_are_refused(fake_server, fake_twilio):
    fake, url = fake_server
    client = Client(fake.account_sid, "wrong-token", http_client=RewritingHttpClient(url))
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to="+4917612345678", from_="+4951116832110", body="x")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert fake_twilio.accepted == []


def test_recording_media_can_be_downloaded(fake_server):
    fake, url = fake_server
    response = httpx.get(
        f"{url}/2010-04-01/Accounts/{fake.account_sid}/Recordings/RE{'1' * 32}.mp3",
        auth=(fake.account_sid, fake.auth_token),
    )
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert response.content.startswith(b"ID3")
