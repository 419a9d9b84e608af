"""Issue 11, points 1 and 2 in Chromium: a repeat caller's call joins the family's open case (one counselling
session in the statistics), and the dashboard shows the call's true state while it is connected and after."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from casework.calls.models import Call
from casework.enums import CaseStatus
from reporting.statistics import service as statistics
from tests.browser.login import log_in
from tests.factories import T0, make_call, make_case, make_staff

pytestmark = pytest.mark.browser


def call_the_hotline(page, live_server, number):
    page.goto(live_server + "/simulator/call")
    page.get_by_label("Anrufen von Nummer").fill(number)
    page.get_by_role("button", name="Fluxxfon anrufen").click()
    page.get_by_role("button", name="Taste 1").click()
    expect(page.locator("#transcript")).to_contain_text("Es klingelt gleichzeitig bei")


def test_a_repeat_callers_call_is_added_to_the_open_case_and_counts_as_one_session(page, live_server, db):
    anna = make_staff(db, name="Anna Schmidt", on_duty=True, phone="0511 5550001")
    family = make_case(db, opened_at=T0 - timedelta(days=1), caller_phone="+495111234567", caller_name="Meier",
                       status=CaseStatus.IN_COUNSELLING, counsellor_id=anna.id, callback_needed=True)  # fmt: skip
    make_call(db, family, started_at=family.opened_at)
    assert statistics.count_counselling(db) == 1
    log_in(page, live_server, anna)

    call_the_hotline(page, live_server, "0511 1234567")
    page.get_by_role("button", name="nimmt ab und drückt 1").click()
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Bekannte Familie, offener Fall bei Anna Schmidt.")
    page.get_by_role("button", name="Gespräch beenden").click()

    page.goto(live_server + "/")
    entry = page.locator("#calls-today .call-entry").first
    expect(entry).to_contain_text(f"Bekannte Familie: Meier · offener Fall {family.number} · Beratung: Anna Schmidt")
    # The family was reached: their call-back is settled.
    expect(page.locator("#callbacks")).to_contain_text("Keine Rückrufe offen.")
    entry.get_by_role("button", name=f"Anruf zum offenen Fall {family.number} hinzufügen").click()

    expect(page.locator("h1")).to_contain_text(f"Fall {family.number}")
    expect(page.locator("#flash")).to_contain_text("Der Anruf gehört jetzt zu Fall")
    expect(page.locator("#timeline")).to_contain_text("Rückruf nicht mehr nötig: Die Familie hat am 26.11.2026 um")
    expect(page.locator("#timeline")).to_contain_text("(angenommen von Anna Schmidt)")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Call).where(Call.case_id == family.id)) == 2
    assert statistics.count_counselling(db) == 1  # the family's one case, the emptied new one is no session
    page.goto(live_server + "/")
    expect(page.locator("#calls-today")).not_to_contain_text("zum offenen Fall")


def test_the_dashboard_shows_ringing_then_in_conversation_with_the_staff_member_then_ended(page, live_server, db):
    jonas = make_staff(db, name="Jonas Becker", on_duty=True, phone="0511 5550002")
    log_in(page, live_server, jonas)
    dashboard = page.context.new_page()
    dashboard.goto(live_server + "/")
    state = dashboard.locator("#calls-today .call-state").first

    call_the_hotline(page, live_server, "0511 7654321")
    expect(state).to_have_text("klingelt")  # the dashboard polls: no reload
    page.get_by_role("button", name="nimmt ab und drückt 1").click()
    expect(page.get_by_text("Verbunden mit Jonas Becker.")).to_be_visible()
    expect(state).to_have_text("im Gespräch mit Jonas Becker")
    expect(dashboard.locator("#calls-today")).not_to_contain_text("verpasst")

    page.get_by_role("button", name="Gespräch beenden").click()
    expect(state).to_contain_text("beendet")
    expect(state).to_have_text("beendet · 3:40 Min.")  # Twilio's CallDuration of the whole call
