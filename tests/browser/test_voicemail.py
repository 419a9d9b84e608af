"""Issue 3's staff view: a new call appears on the dashboard, its voicemail plays from our own route only."""

import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from telephony.webhooks import sign
from tests.factories import PASSWORD, make_staff
from tests.twilio_helpers import voice_params

pytestmark = pytest.mark.browser
RECORDING = "RE" + "d" * 32


def twilio_posts(app, path: str, params: dict[str, str]) -> str:
    settings = app.state.context.settings
    url = settings.public_base_url + path
    response = httpx.post(
        url, data=params, headers={"X-Twilio-Signature": sign(settings.webhook_auth_token, url, params)}
    )
    assert response.status_code == 200, response.text
    return response.text


def test_a_missed_call_shows_on_the_dashboard_and_its_voicemail_plays_from_our_route(page, live_server, app, db):
    staff = make_staff(db, name="Mia Kaya", on_duty=False)
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#calls-today")).to_contain_text("Heute noch keine Anrufe.")
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    sid, caller = "CA" + "e" * 32, "+495119876543"
    twilio_posts(app, "/twilio/voice/incoming", voice_params(sid, From=caller))
    assert "<Record" in twilio_posts(app, "/twilio/voice/menu?attempt=1", voice_params(sid, From=caller, Digits="1"))
    recording_url = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{RECORDING}"
    twilio_posts(app, "/twilio/voice/voicemail",
                 voice_params(sid, From=caller, RecordingUrl=recording_url, RecordingDuration="17"))  # fmt: skip

    calls = page.locator("#calls-today")
    expect(calls).to_contain_text("0511 9876543", timeout=5_000)  # without reloading the page
    expect(calls).to_contain_text("nicht angenommen · Sprachnachricht hinterlassen")
    expect(page.locator("#callbacks")).to_contain_text("0511 9876543")
    calls.get_by_role("link", name="Sprachnachricht (17 s)").click()

    audio = page.locator("#timeline audio")  # the call-back box above plays the same voicemail
    expect(audio).to_have_attribute("src", re.compile(r"^/calls/\d+/voicemail$"))
    with page.expect_response(re.compile(r"/calls/\d+/voicemail$")) as media:
        page.evaluate("document.querySelector('audio').play().catch(() => null)")
    assert media.value.status == 200
    assert media.value.headers["content-type"] == "audio/wav"
    assert hosts == {urlsplit(live_server).netloc}  # nothing from Twilio or anywhere else reached the browser
    assert "api.twilio.com" not in page.content()
