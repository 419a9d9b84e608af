"""Dialogs by keyboard only, in Chromium (issue 18, point 7): the idle-logout warning and its notices
(fluxx/static/session.js) and the confirmation page of a destructive action (templates/shell/confirm.html).
The focus moves into the dialog, Escape and the buttons work, and the focus returns to where it was.

Time is moved, never waited for (see test_idle_logout.py): the server's clock jumps, the page's timers run on
Playwright's fake clock."""

import dataclasses

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.enums import CaseStatus
from core.models import StaffSession
from tests.browser.login import submit_login
from tests.factories import make_case, make_staff

pytestmark = pytest.mark.browser


def open_case_logged_in(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    case = make_case(db, caller_name="Erika Muster", status=CaseStatus.CARE_NEEDED, counsellor_id=staff.id)
    page.clock.install()
    page.goto(f"{live_server}/cases/{case.id}")
    submit_login(page, staff.email)
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()
    expect(page.locator("#session-dialog")).to_be_attached()  # session.js has set its timer
    return staff, case


def last_seen(db, staff):
    db.expire_all()
    return db.scalars(select(StaffSession.last_seen_at).where(StaffSession.staff_id == staff.id)).one()


def test_the_idle_warning_takes_the_focus_keeps_it_and_gives_it_back(page, live_server, db, clock):
    staff, _ = open_case_logged_in(page, live_server, db)
    note = page.locator("#note-body")
    note.focus()  # somebody was about to write a note
    dialog = page.get_by_role("alertdialog")

    clock.advance(minutes=28, seconds=30)
    page.clock.run_for("01:01")
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Angemeldet bleiben")
    expect(stay).to_be_focused()
    # Modal: Tab and Shift+Tab do not reach the page behind it.
    for key in ("Tab", "Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert page.evaluate("!document.querySelector('main').contains(document.activeElement)"), key
        assert page.evaluate("!document.querySelector('header').contains(document.activeElement)"), key
    stay.focus()

    # Enter on "Angemeldet bleiben": the session is renewed, the dialog closes, the focus is back in the note.
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(note).to_be_focused()
    assert last_seen(db, staff) == clock.at

    # Escape means the same: somebody is here.
    clock.advance(minutes=28, seconds=30)
    page.clock.run_for("01:01")
    expect(stay).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(note).to_be_focused()
    assert last_seen(db, staff) == clock.at


def test_the_notice_before_the_maximum_age_closes_with_escape_or_its_button(page, live_server, app, db, clock):
    patient = app.state.context.settings.model_copy(update={"session_idle_minutes": 24 * 60})
    app.state.context = dataclasses.replace(app.state.context, settings=patient)
    open_case_logged_in(page, live_server, db)
    note = page.locator("#note-body")
    note.focus()
    dialog = page.get_by_role("alertdialog")

    clock.advance(minutes=app.state.context.settings.session_max_hours * 60 - 1)
    page.clock.run_for("01:01")
    expect(dialog.get_by_role("heading")).to_have_text("Anmeldung läuft ab")
    close = dialog.get_by_role("button", name="Schließen")
    expect(close).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(note).to_be_focused()
    page.clock.run_for("00:30")
    expect(dialog).to_be_hidden()  # closed is closed


def test_the_logout_notice_leads_to_the_login_by_keyboard(page, live_server, db, clock):
    _, case = open_case_logged_in(page, live_server, db)
    clock.advance(minutes=31)
    page.clock.run_for("01:01")
    dialog = page.get_by_role("alertdialog")
    again = dialog.get_by_role("link", name="Neu anmelden")
    expect(again).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/login?next=%2Fcases%2F{case.id}&grund=inaktiv")


def test_the_confirmation_page_takes_the_focus_and_works_by_keyboard(page, live_server, db):
    _, case = open_case_logged_in(page, live_server, db)
    closing = page.get_by_role("button", name="Fall schließen: kein Bedarf")
    closing.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Fall {case.number} schließen?")).to_be_visible()
    # The focus is on the question, not at the top of the page: the next Tab is the answer.
    expect(page.locator("#confirm")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Ja, Fall schließen: kein Bedarf")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Abbrechen")).to_be_focused()

    # Escape is "Abbrechen": back to the case, nothing changed.
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server}/cases/{case.id}")
    expect(page.locator("#case-status")).to_have_text("Betreuung gesucht")

    # Enter on the answer does it.
    page.get_by_role("button", name="Fall schließen: kein Bedarf").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#confirm")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(f"Fall {case.number} geschlossen")
    expect(page.locator("#case-status")).to_have_text("Geschlossen: kein Bedarf")
