"""The dashboard in Chromium, ordered by urgency (issue 18): measured on the screen at 1280 and 390 px, a section
that needs someone now is above all of the day's work, the call ringing now comes first (on a phone too, with
the urgent counts on the first screen), and the live refresh keeps that order."""

import pytest
from playwright.sync_api import expect

from casework.enums import CallStatus, CaseStatus
from tests.browser.login import submit_login
from tests.browser.staff_pages import build_world, log_in
from tests.factories import make_call, make_case, make_staff

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
URGENT = ["callbacks", "withdrawals", "jobs-unfilled", "hours-to-confirm", "hours-missing"]
WORK = ["calls-today", "my-cases", "unassigned", "jobs-searching", "jobs-waiting", "assigned-today"]


def boxes(page, ids):
    """Element id → its box on the page (y from the page's top), for the sections shown as cards."""
    found = {}
    for section_id in ids:
        element = page.locator(f"section#{section_id}")
        if element.count():
            box = element.bounding_box()
            assert box is not None, section_id
            found[section_id] = box
    return found


def assert_urgent_above_work(page):
    urgent, work = boxes(page, URGENT), boxes(page, WORK)
    assert urgent and work, (urgent, work)
    lowest_urgent = max(box["y"] + box["height"] for box in urgent.values())
    highest_work = min(box["y"] for box in work.values())
    assert lowest_urgent <= highest_work, (urgent, work)
    # The empty sections: one line below all of them, not a card each.
    empty = page.locator(".dashboard-empty").bounding_box()
    assert empty is not None and empty["y"] >= max(box["y"] + box["height"] for box in work.values())
    assert empty["height"] < 120, empty
    return urgent


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_urgent_sections_come_first_and_the_live_call_tops_the_page(browser, live_server, db, clock, viewport):
    world = build_world(db, clock())  # a ringing call, two call-backs, hours to confirm, calls, jobs, cases
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    log_in(page, live_server, world.email)

    urgent = assert_urgent_above_work(page)
    assert {"callbacks", "hours-to-confirm"} <= set(urgent)
    call = page.locator("#live-calls").bounding_box()
    tiles = page.locator(".tiles").bounding_box()
    assert call is not None and tiles is not None
    assert call["y"] + call["height"] <= tiles["y"] <= min(box["y"] for box in urgent.values())
    expect(page.locator("#live-calls")).to_contain_text("klingelt")
    expect(page.locator("#live-calls").get_by_role("link", name="Fall")).to_have_attribute(
        "href", f"/cases/{world.ids['case']}"
    )
    # The first screen shows the live call and the urgent counts, each a link to its section.
    first_screen = viewport["height"]
    assert call["y"] + call["height"] < first_screen
    for tile in page.locator(".tile--urgent").all():
        box = tile.bounding_box()
        assert box is not None and box["y"] + box["height"] < first_screen, tile.text_content()
    page.locator("#tile-callbacks").click()
    expect(page).to_have_url(live_server + "/#callbacks")
    context.close()


def test_on_a_phone_the_live_call_is_the_first_thing_after_the_greeting(browser, live_server, db, clock):
    world = build_world(db, clock())
    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    log_in(page, live_server, world.email)
    heading = page.get_by_role("heading", level=1).bounding_box()
    call = page.locator("#live-calls").bounding_box()
    assert heading is not None and call is not None
    first_in_main = page.evaluate(
        "() => [...document.querySelectorAll('#live section')].map(s => s.id || s.className)[0]"
    )
    assert first_in_main == "live-calls"
    assert heading["y"] < call["y"] < PHONE["height"] / 2, (heading, call)
    context.close()


def test_the_live_refresh_keeps_the_order(page, live_server, db, clock):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    make_case(db, status=CaseStatus.NEW)  # the day's work: a case without counsellor
    page.clock.install()
    page.goto(live_server + "/")
    submit_login(page, staff.email)
    expect(page.locator("#session-dialog")).to_be_attached()
    expect(page.locator("li#callbacks")).to_have_text("Keine Rückrufe offen.")  # folded into the empty line
    expect(page.locator("#live-calls")).to_have_count(0)

    waiting = make_case(db, callback_needed=True, caller_phone="+4951112345678")
    make_call(db, waiting, status=CallStatus.RINGING, started_at=clock(), ended_at=None)
    page.clock.run_for("00:04")  # the next poll of the live part

    expect(page.locator("section#callbacks")).to_contain_text(waiting.number)
    expect(page.locator("#live-calls")).to_contain_text("klingelt")
    assert_urgent_above_work(page)
    order = page.evaluate("() => [...document.querySelectorAll('#live section[id]')].map(s => s.id)")
    assert order == ["live-calls", "callbacks", "calls-today", "unassigned"], order
