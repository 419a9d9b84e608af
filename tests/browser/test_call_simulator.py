import pytest
from playwright.sync_api import expect

from tests.browser.login import log_in
from tests.factories import make_staff

pytestmark = pytest.mark.browser


def test_staff_place_a_simulated_call_through_the_ivr_and_take_it(page, live_server, db):
    staff = make_staff(db, name="Jonas Becker", on_duty=True, phone="0511 5550001")
    log_in(page, live_server, staff)
    page.goto(live_server + "/simulator/call")
    page.get_by_label("Anrufen von Nummer").fill("0511 1234567")
    page.get_by_role("button", name="Fluxxfon anrufen").click()
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Guten Tag, hier ist das Fluxxfon")
    expect(transcript).to_contain_text("Wartet auf eine Taste oder ein gesprochenes Wort.")

    page.get_by_role("button", name="Nichts drücken").click()
    expect(transcript).to_contain_text("Das haben wir leider nicht verstanden.")
    page.get_by_label("Oder sprechen (Text eingeben)").fill("Kinderbetreuung")
    page.get_by_role("button", name="Sagen").click()
    expect(transcript).to_contain_text("Es klingelt gleichzeitig bei: 0511 5550001.")

    page.get_by_role("button", name="nimmt ab und drückt 1").click()
    expect(transcript).to_contain_text("Fluxx-Anruf: Kinderbetreuung. Drücken Sie 1 zum Annehmen.")
    expect(page.get_by_text("Verbunden mit Jonas Becker.")).to_be_visible()
    page.get_by_role("button", name="Gespräch beenden").click()
    expect(page.locator("#call-ended")).to_be_visible()
