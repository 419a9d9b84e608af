"""A counsellor's whole way through a case in Chromium, from the ringing phone to finding the case again."""

import re

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from casework.calls.models import Call
from telephony.webhooks import sign
from tests.factories import PASSWORD, make_staff
from tests.twilio_helpers import voice_params

pytestmark = pytest.mark.browser


def incoming_call(app, engine, sid: str, number: str) -> str:
    """A call arrives as Twilio sends it (a signed webhook to the live server); returns the new case number."""
    settings = app.state.context.settings
    params = voice_params(sid, From=number, Caller=number)
    url = settings.public_base_url + "/twilio/voice/incoming"
    response = httpx.post(
        url, data=params, headers={"X-Twilio-Signature": sign(settings.webhook_auth_token, url, params)}
    )
    assert response.status_code == 200 and "<Gather" in response.text
    with Session(engine) as session:
        call = session.scalars(select(Call).where(Call.call_sid == sid).options(joinedload(Call.case))).one()
        assert call.case is not None
        return call.case.number


def test_a_counsellor_handles_a_call_from_dashboard_to_job_and_finds_the_case_again(page, live_server, db, engine, app):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Guten Tag, Jonas Becker")).to_be_visible()
    expect(page.locator("#calls-today")).to_contain_text("Heute noch keine Anrufe.")
    page.evaluate("window.stillTheSamePage = true")

    number = incoming_call(app, engine, "CA0000000000000000000000000000b001", "+495114567890")
    calls = page.locator("#calls-today")
    expect(calls).to_contain_text(number, timeout=5_000)
    expect(calls).to_contain_text("0511 4567890")
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place, not reloaded

    calls.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Fall {number}")).to_be_visible()
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#counsellor")).to_have_text("Jonas Becker")

    page.get_by_role("link", name="Falldaten bearbeiten").click()
    page.get_by_label("Name", exact=True).fill("Lena Müller")
    page.get_by_label("Telefon", exact=True).fill("0511 45")  # one digit group missing: not a phone number
    page.get_by_label("Anliegen", exact=True).select_option(label="Kinderbetreuung")
    page.get_by_label("Kommune", exact=True).select_option(label="Hannover")
    page.get_by_label("Stadtteil / Ortsteil").fill("Linden-Nord")
    page.get_by_label("Person 1: Vorname oder Initialen").fill("M.")
    page.get_by_label("Alter", exact=True).first.fill("4")
    page.get_by_label("Zeitraum 1: Beginn").fill("2026-11-27T07:30")
    page.get_by_label("Zeitraum 1: Ende").fill("2026-11-27T16:00")
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator("#error-summary")).to_contain_text("Bitte korrigieren Sie eine Angabe:")
    expect(page.locator("#caller_phone-error")).to_contain_text("„0511 45“ ist keine gültige Telefonnummer.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Lena Müller")  # nothing typed is lost
    expect(page.get_by_label("Stadtteil / Ortsteil")).to_have_value("Linden-Nord")
    page.get_by_label("Telefon", exact=True).fill("0511 4567890")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#flash")).to_have_text("Änderungen gespeichert.")
    expect(page.locator("#caller-name")).to_have_text("Lena Müller")

    page.get_by_label("Notiz", exact=True).fill("Kita geschlossen, Kind (4) hat Fieber, Mutter im Frühdienst.")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator("#timeline")).to_contain_text("Kita geschlossen, Kind (4) hat Fieber")

    page.get_by_role("link", name="Einsatz anlegen").click()
    expect(page.get_by_label("Art")).to_have_value("child_care")
    page.get_by_label("Beginn (Ortszeit Hannover)").fill("2026-11-27T07:30")
    page.get_by_label("Ende (Ortszeit Hannover)").fill("2026-11-27T16:00")
    page.get_by_label("Erfahrung mit Säuglingen").check()
    page.get_by_role("button", name="Einsatz anlegen").click()
    jobs = page.locator("#jobs")
    expect(jobs).to_contain_text("Kinderbetreuung · Fr., 27.11.2026, 07:30–16:00 Uhr")
    expect(jobs.locator("strong")).to_have_text([re.compile(r"^Einsatz \d{4}$")])
    expect(page.locator("#case-status")).to_have_text("Betreuung gesucht")

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fälle").click()
    page.get_by_label("Suche: Fallnummer, Name oder Telefon").fill("0511 4567 89")
    page.get_by_role("button", name="Suchen").click()
    rows = page.locator("#case-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("Lena Müller")
