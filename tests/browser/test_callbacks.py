"""Issue 11, point 6 in Chromium: a call-back with two recorded attempts, from the voicemail on the dashboard
to the case page that lists both attempts."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_voicemail import twilio_posts
from tests.factories import PASSWORD, make_staff
from tests.twilio_helpers import voice_params

pytestmark = pytest.mark.browser
RECORDING = "RE" + "7" * 32


def leave_a_voicemail(app, caller: str, seconds: int) -> None:
    """A call nobody takes (nobody is on duty): the caller chooses child care and leaves a voicemail."""
    sid = "CA" + "7" * 32
    twilio_posts(app, "/twilio/voice/incoming", voice_params(sid, From=caller))
    assert "<Record" in twilio_posts(app, "/twilio/voice/menu?attempt=1", voice_params(sid, From=caller, Digits="1"))
    recording_url = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{RECORDING}"
    params = voice_params(sid, From=caller, RecordingUrl=recording_url, RecordingDuration=str(seconds))
    twilio_posts(app, "/twilio/voice/voicemail", params)


def record(page, outcome: str) -> None:
    box = page.locator("#callback")
    expect(box).to_contain_text("Ergebnis des Rückrufs")
    box.get_by_label(outcome, exact=True).check()
    box.get_by_role("button", name="Ergebnis speichern").click()


def test_a_call_back_with_two_attempts_from_the_voicemail_to_the_family_reached(page, live_server, app, db, clock):
    staff = make_staff(db, name="Mia Kaya", on_duty=False)
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#callbacks")).to_contain_text("Keine Rückrufe offen.")

    leave_a_voicemail(app, "+4915123456789", seconds=35)  # at 09:30 in Hannover
    callbacks = page.locator("#callbacks")
    entry = callbacks.locator("article").first
    expect(entry).to_contain_text("Sprachnachricht, 35 s", timeout=5_000)  # without reloading the page
    expect(entry.locator('a[href="tel:+4915123456789"]')).to_be_visible()
    expect(entry.locator("audio")).to_have_attribute("src", re.compile(r"^/calls/\d+/voicemail$"))
    with page.expect_response(re.compile(r"/calls/\d+/voicemail$")) as media:
        entry.locator("audio").evaluate("audio => audio.play().catch(() => null)")
    assert media.value.status == 200
    expect(entry).not_to_contain_text("Versuch")

    entry.get_by_role("button", name="Ich rufe zurück").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+#callback$"))
    case_url = page.url.split("#")[0]
    expect(page.locator("#callback")).to_contain_text("Beratung durch Mia Kaya")  # she counsels the case now
    expect(page.locator("#callback audio")).to_have_attribute("src", re.compile(r"^/calls/\d+/voicemail$"))
    record(page, "Nicht erreicht, später noch einmal versuchen")
    expect(page.locator("#callback-attempts")).to_contain_text("1. Versuch 26.11.2026, 09:30 Uhr · Mia Kaya")

    clock.advance(minutes=25)
    page.goto(live_server + "/")
    entry = page.locator("#callbacks article").first
    expect(entry).to_contain_text("2. Versuch, zuletzt 09:30 Uhr")
    expect(entry.get_by_role("button", name="Ich rufe zurück")).to_be_visible()  # the claim was released
    entry.get_by_role("button", name="Ich rufe zurück").click()
    record(page, "Erreicht")

    expect(page).to_have_url(case_url)
    attempts = page.locator("#callback-attempts li")
    expect(attempts).to_have_text([
        "1. Versuch 26.11.2026, 09:30 Uhr · Mia Kaya · Nicht erreicht",
        "2. Versuch 26.11.2026, 09:55 Uhr · Mia Kaya · Erreicht",
    ])  # fmt: skip
    expect(page.locator("#callback")).to_have_count(0)  # the call-back box is gone
    expect(page.locator("#counsellor")).to_have_text("Mia Kaya")
    page.goto(live_server + "/")
    expect(page.locator("#callbacks")).to_contain_text("Keine Rückrufe offen.")


def test_a_call_back_with_its_voicemail_and_attempts_fits_a_390_px_screen(browser, live_server, db):
    from datetime import UTC, datetime

    from casework.callbacks import service as callbacks
    from casework.callbacks.rules import CallbackOutcome
    from core.audit import Actor
    from tests.factories import make_call, make_case

    staff = make_staff(db, name="Anna Beispiel-Oberhausen")
    case = make_case(db, callback_needed=True, caller_phone="+4915123456789", caller_name="Erika Muster")
    make_call(db, case, recording_sid=RECORDING, recording_duration_seconds=118)
    actor = Actor(staff.id, None, datetime(2026, 11, 26, 8, 10, tzinfo=UTC))
    callbacks.claim(db, case_id=case.id, actor=actor)
    callbacks.record_outcome(db, case=case, outcome=CallbackOutcome.NOT_REACHED, note="Mailbox voll", actor=actor)
    db.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#callbacks")).to_contain_text("2. Versuch, zuletzt 09:10 Uhr")
    expect(page.locator("#callbacks audio")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server}/cases/{case.id}")
    expect(page.locator("#callback audio")).to_be_visible()
    expect(page.locator("#callback-attempts")).to_contain_text("1. Versuch 26.11.2026, 09:10 Uhr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
