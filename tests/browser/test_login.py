import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_a_counsellor_logs_in_goes_on_duty_and_logs_out(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker", on_duty=False)
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=%2F")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill("falsches Passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#login-error")).to_have_text("E-Mail-Adresse oder Passwort stimmen nicht.")

    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Guten Tag, Jonas Becker")).to_be_visible()
    expect(page.locator("#duty-state")).to_have_text("Nicht im Dienst")
    expect(page.locator("#on-duty-list")).to_contain_text("Niemand ist im Dienst")

    page.get_by_role("button", name="Dienst beginnen").click()
    expect(page.locator("#duty-state")).to_have_text("Im Dienst")
    expect(page.locator("#on-duty-list")).to_contain_text("Jonas Becker")
    db.refresh(staff)
    assert staff.on_duty is True

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=%2F")
