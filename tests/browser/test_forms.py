"""Forms that guide and the header search, in Chromium (issue 11, points 7 and 8)."""

import pytest
from playwright.sync_api import expect

from casework.cases.rules import AGE_HINT
from tests.browser.login import log_in
from tests.factories import make_case, make_staff

AGE_MESSAGE = f"Bitte das {AGE_HINT}"

pytestmark = pytest.mark.browser


def test_a_failed_save_focuses_the_error_summary_whose_links_jump_to_the_fields(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db, caller_name="Lena Müller")
    log_in(page, live_server, staff)
    page.goto(f"{live_server}/cases/{case.id}/edit")
    page.get_by_label("Telefon", exact=True).fill("0511 45")
    page.get_by_label("Person 1: Vorname oder Initialen").fill("M.")
    page.get_by_label("Alter", exact=True).first.fill("200")
    page.get_by_role("button", name="Speichern").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Bitte korrigieren Sie 2 Angaben:")
    summary.get_by_role("link", name=AGE_MESSAGE).click()
    age = page.locator("#person-0-age")
    expect(age).to_be_focused()
    expect(age).to_have_attribute("aria-invalid", "true")
    expect(age).to_have_accessible_description(AGE_MESSAGE)
    summary.get_by_role("link", name="„0511 45“ ist keine gültige Telefonnummer. Beispiel: 0511 1234567.").click()
    expect(page.get_by_label("Telefon", exact=True)).to_be_focused()


def test_a_new_account_with_several_problems_lists_them_all_and_focuses_the_summary(page, live_server, db):
    from core.models import StaffRole

    admin = make_staff(db, name="Petra Admin", role=StaffRole.ADMIN)
    log_in(page, live_server, admin)
    page.goto(live_server + "/admin/staff")
    page.get_by_label("E-Mail-Adresse").fill("keine-adresse")
    page.get_by_role("button", name="Konto anlegen").click()  # no browser bubble stops the form first
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Bitte einen Namen angeben.",
            "„keine-adresse“ ist keine gültige E-Mail-Adresse.",
            "Das Passwort muss mindestens 8 Zeichen lang sein.",
        ]
    )
    summary.get_by_role("link", name="Das Passwort muss mindestens 8 Zeichen lang sein.").click()
    expect(page.locator("#password")).to_be_focused()


def test_the_header_search_finds_a_case_by_the_last_digits_of_its_number(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker")
    wanted = make_case(db, caller_name="Lena Müller", caller_phone="+4915123456789")
    make_case(db, caller_name="Ole Schmidt", caller_phone="+4915123456780")
    log_in(page, live_server, staff)
    search = page.get_by_role("search", name="Fall finden")
    search.get_by_role("searchbox").fill("23456789")
    search.get_by_role("button", name="Finden").click()
    table = page.locator("#case-table")
    expect(table.locator("tbody td:first-child a")).to_have_text([wanted.number])
    expect(table).to_contain_text("Lena Müller")
    # Too short: said, not everything listed.
    search = page.get_by_role("search", name="Fall finden")
    search.get_by_role("searchbox").fill("89")
    search.get_by_role("searchbox").press("Enter")
    expect(page.locator("#q-error")).to_have_text(
        "Der Suchbegriff „89“ ist zu kurz. Bitte mindestens 4 Ziffern einer Telefonnummer "
        "oder 2 Buchstaben eines Namens eingeben."
    )
    expect(table.locator("tbody").get_by_role("link")).to_have_count(0)  # only the headers sort


def test_the_header_search_fits_a_390_px_screen(browser, live_server, db):
    staff = make_staff(db, name="Jonas Becker")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    try:
        log_in(page, live_server, staff)
        for path in ("/", "/cases", "/cases/new"):
            page.goto(live_server + path)
            expect(page.get_by_role("search", name="Fall finden").get_by_role("searchbox")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    finally:
        context.close()


def test_two_more_persons_are_added_before_saving_and_enter_still_saves(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db, caller_name="Lena Müller")
    log_in(page, live_server, staff)
    page.goto(f"{live_server}/cases/{case.id}/edit")
    page.get_by_label("Person 1: Vorname oder Initialen").fill("M.")
    page.get_by_label("Person 2: Vorname oder Initialen").fill("J.")
    page.get_by_role("button", name="Weitere Person hinzufügen").click()
    expect(page.get_by_label("Person 3: Vorname oder Initialen")).to_be_focused()
    page.get_by_label("Person 3: Vorname oder Initialen").fill("K.")
    page.get_by_role("button", name="Weitere Person hinzufügen").click()
    page.get_by_label("Person 4: Vorname oder Initialen").fill("L.")
    expect(page.get_by_label("Person 1: Vorname oder Initialen")).to_have_value("M.")
    page.get_by_label("Name", exact=True).press("Enter")  # Enter saves; it does not add yet another row
    expect(page.locator("#flash")).to_have_text("Änderungen gespeichert.")
    expect(page.locator("#overview")).to_contain_text("M.; J.; K.; L.")
