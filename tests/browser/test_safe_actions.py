"""A destructive action asks first and can be undone, in Chromium: closing a case, and "Kein Fall" from the
dashboard."""

import pytest
from playwright.sync_api import expect

from casework.enums import CaseStatus
from tests.browser.login import log_in
from tests.factories import make_call, make_case, make_staff

pytestmark = pytest.mark.browser


def test_closing_a_case_asks_first_says_so_and_can_be_undone(page, live_server, db):
    staff = make_staff(db, name="Anna Schmidt")
    case = make_case(db, caller_name="Lena Müller", status=CaseStatus.CARE_NEEDED, counsellor_id=staff.id)
    log_in(page, live_server, staff)
    page.goto(f"{live_server}/cases/{case.id}")

    page.get_by_role("button", name="Fall schließen: kein Bedarf").click()
    expect(page.get_by_role("heading", name=f"Fall {case.number} schließen?")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("„Geschlossen: kein Bedarf“")
    page.get_by_role("link", name="Abbrechen").click()  # changing one's mind changes nothing
    expect(page.locator("#case-status")).to_have_text("Betreuung gesucht")

    page.get_by_role("button", name="Fall schließen: kein Bedarf").click()
    page.get_by_role("button", name="Ja, Fall schließen: kein Bedarf").click()
    message = page.get_by_role("status").filter(has_text="geschlossen")
    expect(message).to_have_text(f"Fall {case.number} geschlossen — Rückgängig")
    expect(page.locator("#case-status")).to_have_text("Geschlossen: kein Bedarf")

    message.get_by_role("button", name="Rückgängig").click()
    expect(page.locator("#flash")).to_have_text(f"Fall {case.number} ist wieder offen (Betreuung gesucht).")
    expect(page.locator("#case-status")).to_have_text("Betreuung gesucht")
    page.reload()
    expect(page.locator("#flash")).to_have_count(0)  # the message was shown once


def test_no_case_from_the_dashboard_asks_first_and_can_be_undone(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db, caller_phone="+495114567890", callback_needed=True)
    make_call(db, case)
    log_in(page, live_server, staff)
    calls = page.locator("#calls-today")
    expect(calls).to_contain_text(case.number)

    calls.get_by_role("button", name="Aufgelegt").click()
    expect(page.get_by_role("heading", name="Anruf als kein Fall markieren?")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("0511 4567890")
    page.get_by_role("button", name="Ja, kein Fall: Aufgelegt").click()

    expect(page.locator("#flash")).to_have_text(
        f"Anruf als kein Fall markiert (Aufgelegt), Fall {case.number} geschlossen — Rückgängig"
    )
    expect(calls).to_contain_text("kein Fall: Aufgelegt")
    expect(page.locator("#callbacks")).not_to_contain_text(case.number)

    page.locator("#flash").get_by_role("button", name="Rückgängig").click()
    expect(page.locator("#flash")).to_have_text(
        f"„Kein Fall“ zurückgenommen. Fall {case.number} ist wieder offen (Neu)."
    )
    expect(calls).not_to_contain_text("kein Fall: Aufgelegt")
    expect(page.locator("#callbacks")).to_contain_text(case.number)
