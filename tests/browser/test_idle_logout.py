"""No silent logout, in Chromium: the warning before, the message after, and the way back to the page.

Time is moved, never waited for: the server's injected clock (`clock`) jumps forward, and the page's timers
run on Playwright's fake clock (`page.clock`), so a 30-minute idle time passes in a moment.
"""

import dataclasses

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.cases.models import Case
from core.models import StaffSession
from tests.browser.login import submit_login
from tests.factories import make_case, make_staff

pytestmark = pytest.mark.browser


def log_in(page, staff) -> None:
    submit_login(page, staff.email)
    # The page's scripts have run (and set their timers) before the test moves the page's clock.
    expect(page.locator("#session-dialog")).to_be_attached()


def test_the_idle_warning_appears_and_angemeldet_bleiben_keeps_the_session(page, live_server, db, clock):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    page.clock.install()
    page.goto(live_server + "/cases")
    log_in(page, staff)
    expect(page.get_by_role("heading", name="Fälle", exact=True)).to_be_visible()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_hidden()

    clock.advance(minutes=28, seconds=30)  # nobody touched the page since the login
    page.clock.run_for("01:01")  # the page looks again (a minute after loading, or when it is shown)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Sie werden in 2 Minuten wegen Inaktivität abgemeldet.")
    stay = dialog.get_by_role("button", name="Angemeldet bleiben")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("link", name="Neu anmelden")).to_be_hidden()

    stay.click()
    expect(dialog).to_be_hidden()
    db.expire_all()
    session = db.scalars(select(StaffSession).where(StaffSession.staff_id == staff.id)).one()
    assert session.last_seen_at == clock.at and session.ended_at is None

    clock.advance(minutes=20)  # 48.5 minutes after the login, 20 after "Angemeldet bleiben"
    page.reload()
    expect(page.get_by_role("heading", name="Fälle", exact=True)).to_be_visible()


def test_after_the_idle_logout_the_message_says_so_and_login_returns_to_the_case(page, live_server, db, clock):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    case = make_case(db, caller_name="Erika Muster")
    page.clock.install()
    page.goto(live_server + f"/cases/{case.id}")
    log_in(page, staff)
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()

    clock.advance(minutes=31)
    page.clock.run_for("01:01")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Sie wurden wegen Inaktivität abgemeldet.")
    expect(dialog).to_contain_text("Sie sind weiterhin im Dienst: Anrufe der Hotline klingeln weiter")
    again = dialog.get_by_role("link", name="Neu anmelden")
    expect(again).to_be_focused()
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()  # the page stays readable

    again.click()
    expect(page.locator("#logout-reason")).to_contain_text("Sie wurden wegen Inaktivität abgemeldet.")
    expect(page.locator("#duty-note")).to_contain_text("Rückrufe und neue Fälle sehen Sie erst wieder")
    log_in(page, staff)
    expect(page).to_have_url(live_server + f"/cases/{case.id}")
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()
    db.refresh(staff)
    assert staff.on_duty is True


def test_the_dashboard_turns_into_the_login_page_with_the_reason(page, live_server, db, clock):
    staff = make_staff(db, name="Jonas Becker", on_duty=False)
    page.clock.install()
    page.goto(live_server + "/")
    log_in(page, staff)
    expect(page.get_by_role("heading", name="Guten Tag, Jonas Becker")).to_be_visible()

    clock.advance(minutes=31)
    page.clock.run_for("00:04")  # the next poll of the live part (every 3 seconds)
    expect(page).to_have_url(live_server + "/login?next=%2F&grund=inaktiv")
    expect(page.locator("#logout-reason")).to_have_text("Sie wurden wegen Inaktivität abgemeldet.")
    expect(page.locator("#duty-note")).to_have_count(0)  # not on duty: nothing rings
    log_in(page, staff)
    expect(page.get_by_role("heading", name="Guten Tag, Jonas Becker")).to_be_visible()


def test_the_live_dashboard_announces_a_new_call_back_but_not_what_was_there(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    waiting = make_case(db, callback_needed=True, caller_phone="+4951112345678")
    page.goto(live_server + "/")
    log_in(page, staff)
    live, news = page.locator("#live"), page.locator("#live-news")
    expect(live.locator("#callbacks")).to_contain_text(waiting.number)
    assert live.get_attribute("aria-live") is None  # the whole region is not read out on every refresh
    assert news.get_attribute("role") == "status"
    expect(news).to_have_text("")

    new = make_case(db, callback_needed=True, caller_phone="+4951187654321")
    expect(live.locator("#callbacks")).to_contain_text(new.number, timeout=5_000)
    expect(news).to_have_text(f"Neuer Rückruf: Fall {new.number}.")
    assert waiting.number not in news.text_content()

    # The case is called back: the list changes, nothing new appears, and nothing new is said.
    db.execute(Case.__table__.update().where(Case.id == new.id).values(callback_needed=False))
    db.commit()
    expect(live.locator("#callbacks")).not_to_contain_text(new.number, timeout=5_000)
    expect(news).to_have_text(f"Neuer Rückruf: Fall {new.number}.")


def test_typing_a_note_counts_as_activity(page, live_server, db, clock):
    """Somebody writing a long note is not idle: typing renews the session (at most every five minutes)."""
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db, caller_name="Erika Muster")
    page.clock.install()
    page.goto(live_server + f"/cases/{case.id}")
    log_in(page, staff)
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()
    note = page.locator("#note-body")

    clock.advance(minutes=20)
    with page.expect_response(lambda response: response.url.endswith("/session/keep-alive")) as renewal:
        note.press_sequentially("Mutter ")
    assert renewal.value.ok
    db.expire_all()
    session = db.scalars(select(StaffSession).where(StaffSession.staff_id == staff.id)).one()
    assert session.last_seen_at == clock.at

    clock.advance(minutes=20)  # 40 minutes after the login, 20 after typing: still logged in
    note.press_sequentially("ruft an.")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator("#flash")).to_have_text("Notiz gespeichert.")
    expect(page.locator("#timeline")).to_contain_text("Mutter ruft an.")


def test_before_the_maximum_age_the_notice_can_be_closed_and_stays_closed(page, live_server, app, db, clock):
    """After 12 hours "Angemeldet bleiben" cannot help: the notice says so, leaves the page usable (not
    modal, so a note can still be saved) and does not come back once closed."""
    patient = app.state.context.settings.model_copy(update={"session_idle_minutes": 24 * 60})
    app.state.context = dataclasses.replace(app.state.context, settings=patient)
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db, caller_name="Erika Muster")
    page.clock.install()
    page.goto(live_server + f"/cases/{case.id}")
    log_in(page, staff)
    expect(page.get_by_role("heading", name=f"Fall {case.number}")).to_be_visible()

    clock.advance(minutes=app.state.context.settings.session_max_hours * 60 - 1)
    page.clock.run_for("01:01")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Anmeldung läuft ab")
    expect(dialog).to_contain_text("weil sie höchstens 12 Stunden gilt")
    expect(dialog.get_by_role("button", name="Angemeldet bleiben")).to_be_hidden()
    close = dialog.get_by_role("button", name="Schließen")
    expect(close).to_be_focused()
    page.locator("#note-body").fill("Rückruf morgen früh")  # the page is not blocked behind a modal
    close.click()
    expect(dialog).to_be_hidden()
    page.clock.run_for("00:30")  # the page looks again: the notice stays closed
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator("#flash")).to_have_text("Notiz gespeichert.")
