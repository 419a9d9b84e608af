import pytest
from playwright.sync_api import expect

from core.db import make_sessionmaker
from core.models import StaffRole
from fluxx.wiring import RECIPIENTS
from messaging import texts as sms_texts
from messaging.sender import sender_for
from messaging.service import queue_sms
from tests.factories import PASSWORD, make_staff, make_volunteer

pytestmark = pytest.mark.browser


def test_staff_read_a_volunteers_sms_in_the_simulator_and_answer_stopp(page, live_server, db, engine, clock, settings):
    volunteer = make_volunteer(db, name="Jana Albers")
    offer = "Fluxx: Kinderbetreuung in Linden, Fr 8-12 Uhr. JA 4821 / NEIN 4821"
    queue_sms(db, to=volunteer.phone, body=offer, now=clock(), volunteer_id=volunteer.id)
    db.commit()
    sender_for(settings, make_sessionmaker(engine), clock=clock, recipients=RECIPIENTS, sleep=lambda _s: None).drain()
    staff = make_staff(db, name="Jonas Becker", role=StaffRole.COORDINATOR)  # the inboxes are for coordinators

    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Telefon-Simulator").click()
    expect(page.get_by_role("heading", name="Telefon-Simulator")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Simulationsmodus")

    page.locator("#sim-phones").get_by_role("link", name="Jana Albers").click()
    thread = page.locator("#sim-thread")
    expect(thread).to_contain_text(offer)

    page.get_by_label("Antwort als Jana Albers").fill("STOPP")
    page.get_by_role("button", name="SMS senden").click()
    expect(thread.locator("li.from-phone")).to_contain_text("STOPP")
    expect(thread.locator("li.from-fluxx").last).to_contain_text(sms_texts.OPTED_OUT)
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is False
