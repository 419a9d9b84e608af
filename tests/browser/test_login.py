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


def test_a_new_address_of_an_attacked_account_confirms_with_the_code_from_the_sms(page, live_server, db, clock):
    import re

    from sqlalchemy import select

    from core.models import LoginFailure
    from messaging.models import Message
    from tests.browser.test_accessibility import blocking_violations

    staff = make_staff(db, name="Carla Berger", phone="0151 23456789")
    for n in range(12):  # somebody guessed her password from twelve other addresses
        db.add(LoginFailure(email=staff.email, ip=f"203.0.113.{n}", at=clock()))
    db.commit()
    page.goto(live_server + "/cases")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Bestätigungscode")).to_be_visible()
    expect(page.locator("#code-sent")).to_contain_text("6-stelligen Code per SMS an Ihre hinterlegte Handynummer")
    code = re.search(r"lautet (\d{6})\.", db.scalar(select(Message.body).where(Message.to_number == staff.phone)))[1]
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Bestätigungscode aus der SMS (6 Ziffern)").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Code bestätigen und anmelden").click()
    expect(page.locator("#code-error")).to_have_text("Der Bestätigungscode stimmt nicht. Sie haben noch 4 Versuche.")
    page.get_by_label("Bestätigungscode aus der SMS (6 Ziffern)").fill(code)
    page.get_by_role("button", name="Code bestätigen und anmelden").click()
    expect(page).to_have_url(live_server + "/cases")
