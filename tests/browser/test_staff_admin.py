"""Issue 21, point 10: the office maintains its accounts itself, in a real browser.

An admin edits a colleague and resets her password; she logs in with the temporary password, is made to
change it first, and then reaches the dashboard. "Passwort vergessen?" sends a link by SMS.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.models import Staff, StaffRole
from messaging.models import Message
from tests.browser.login import log_in
from tests.browser.test_accessibility import blocking_violations
from tests.factories import make_staff

pytestmark = pytest.mark.browser

NEW = "Sonnenblumen am Maschsee 2026"


def test_an_admin_edits_and_resets_and_the_colleague_changes_the_password_at_first_login(browser, live_server, db):
    admin = make_staff(db, role=StaffRole.ADMIN, name="Friederike Admin")
    colleague = make_staff(db, name="Carla Berger", phone="0151 23456789")
    admin_context, colleague_context = browser.new_context(locale="de-DE"), browser.new_context(locale="de-DE")
    admin_page, page = admin_context.new_page(), colleague_context.new_page()
    try:
        log_in(page, live_server, colleague)  # her old session: the reset ends it
        # Away from the dashboard meanwhile: its session check would notice the ended session by itself and take
        # her to the login while the test navigates (a race); her cookie stays with the browser.
        page.goto("about:blank")
        log_in(admin_page, live_server, admin)
        admin_page.goto(live_server + "/admin/staff")
        admin_page.get_by_role("link", name="Bearbeiten – Carla Berger").click()
        expect(admin_page.get_by_role("heading", name="Carla Berger bearbeiten")).to_be_visible()
        assert blocking_violations(admin_page) == []
        admin_page.get_by_label("Name", exact=True).fill("Carla Berger-Lind")
        admin_page.get_by_label("Rolle").select_option(label="Koordination")
        admin_page.get_by_label("Handynummer").fill("0151")
        admin_page.get_by_role("button", name="Speichern").click()
        expect(admin_page.locator("#phone-error")).to_contain_text("ist keine gültige Telefonnummer")
        expect(admin_page.get_by_label("Name", exact=True)).to_have_value("Carla Berger-Lind")  # nothing typed is lost
        admin_page.get_by_label("Handynummer").fill("0151 98765432")
        admin_page.get_by_role("button", name="Speichern").click()
        expect(admin_page.get_by_text("Konto von Carla Berger-Lind gespeichert.")).to_be_visible()

        admin_page.get_by_role("link", name="Bearbeiten – Carla Berger-Lind").click()
        admin_page.get_by_role("button", name="Passwort zurücksetzen").click()
        admin_page.get_by_role("button", name="Ja, Passwort zurücksetzen").click()
        shown = admin_page.locator("#temporary-password")
        expect(shown).to_contain_text("Vorläufiges Passwort für Carla Berger-Lind")
        temporary = shown.locator("strong").inner_text()
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary)

        page.goto(live_server + "/cases")
        expect(page).to_have_url(re.compile(r"/login"))  # her session ended with the reset
        page.get_by_label("E-Mail-Adresse").fill(colleague.email)
        page.get_by_label("Passwort", exact=True).fill(temporary)
        page.get_by_role("button", name="Anmelden").click()
        expect(page).to_have_url(live_server + "/konto/passwort")
        expect(page.locator("#must-change")).to_contain_text("Ihr Passwort wurde von der Verwaltung zurückgesetzt.")
        assert blocking_violations(page) == []
        page.goto(live_server + "/")
        expect(page).to_have_url(live_server + "/konto/passwort")  # no other page before the change
        page.get_by_label("Vorläufiges Passwort").fill(temporary)
        page.get_by_label("Neues Passwort (mindestens 8 Zeichen)").fill(NEW)
        page.get_by_label("Neues Passwort wiederholen").fill(NEW + "!")
        page.get_by_role("button", name="Passwort ändern").click()
        expect(page.locator("#new_password_repeat-error")).to_have_text(
            "Die beiden neuen Passwörter stimmen nicht überein."
        )
        page.get_by_label("Vorläufiges Passwort").fill(temporary)
        page.get_by_label("Neues Passwort (mindestens 8 Zeichen)").fill(NEW)
        page.get_by_label("Neues Passwort wiederholen").fill(NEW)
        page.get_by_role("button", name="Passwort ändern").click()
        expect(page.get_by_role("heading", name="Guten Tag, Carla Berger-Lind")).to_be_visible()
        expect(page.get_by_text("Ihr Passwort wurde geändert.")).to_be_visible()
        db.expire_all()
        carla = db.get(Staff, colleague.id)
        assert (carla.role, carla.phone, carla.must_change_password) == (StaffRole.COORDINATOR, "+4915198765432", False)
    finally:
        admin_context.close()
        colleague_context.close()


def test_a_forgotten_password_is_replaced_through_the_link_from_the_sms(page, live_server, db):
    colleague = make_staff(db, name="Jonas Becker", phone="0151 55566677")
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Passwort vergessen?").click()
    assert blocking_violations(page) == []
    page.get_by_label("E-Mail-Adresse").fill(colleague.email)
    page.get_by_role("button", name="Link per SMS anfordern").click()
    expect(page.locator("#forgot-answer")).to_contain_text("Der Link gilt 30 Minuten und nur einmal.")
    body = db.scalar(select(Message.body).where(Message.to_number == "+4915155566677"))
    token = re.search(r"neues-passwort\?token=([\w-]+)", body)[1]
    page.goto(f"{live_server}/login/neues-passwort?token={token}")
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Neues Passwort (mindestens 8 Zeichen)").fill(NEW)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW)
    page.get_by_role("button", name="Passwort festlegen").click()
    expect(page.locator("#password-set")).to_have_text(
        "Ihr neues Passwort ist festgelegt. Bitte melden Sie sich damit an."
    )
    page.get_by_label("E-Mail-Adresse").fill(colleague.email)
    page.get_by_label("Passwort", exact=True).fill(NEW)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Guten Tag, Jonas Becker")).to_be_visible()
