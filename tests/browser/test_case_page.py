"""The case page by its task, in Chromium: at 1280 px the main task is a primary button in the first screen; on
a 390 px phone the closing actions come after the case's facts."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from casework.cases.models import Case
from casework.enums import CaseStatus, Need
from tests.browser.login import log_in
from tests.factories import make_case, make_staff

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("FLUXX_SCREENSHOTS")  # a folder: save what the test saw, for a person to look at


def open_case(browser, live_server, db, *, width: int, height: int):
    staff = make_staff(db, name="Anna Schmidt", email="anna@fluxx.example")
    case = make_case(db, caller_name="Familie Yılmaz", need=Need.CHILD_CARE, status=CaseStatus.IN_COUNSELLING,
                     counsellor_id=staff.id)  # fmt: skip
    db.commit()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = context.new_page()
    log_in(page, live_server, staff)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(live_server + f"/cases/{case.id}")
    return page, db.get(Case, case.id)


def test_on_a_wide_screen_the_main_task_is_the_one_primary_button_in_the_first_screen(browser, live_server, db):
    page, case = open_case(browser, live_server, db, width=1280, height=800)
    main = page.locator("#main-task")
    expect(main).to_have_text("Einsatz anlegen")
    expect(page.locator("main .kern-btn--primary")).to_have_count(1)
    box = main.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box
    expect(page.locator("#case-status")).to_have_class("kern-badge kern-badge--info")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/case-1280.png", full_page=True)
    page.context.close()


def test_on_a_phone_the_closing_actions_come_after_the_facts(browser, live_server, db):
    page, case = open_case(browser, live_server, db, width=390, height=844)
    facts = page.locator("#case-facts").bounding_box()
    closing = page.locator("#closing").bounding_box()
    main = page.locator("#main-task").bounding_box()
    assert facts is not None and closing is not None and main is not None
    assert main["y"] + main["height"] <= facts["y"]  # the task first
    assert closing["y"] >= facts["y"] + facts["height"], (facts, closing)  # the closing after the facts
    expect(page.locator("#closing").get_by_role("button")).to_have_text(
        ["Fall abschließen (erledigt)", "Fall schließen: kein Bedarf", "Fall schließen: nicht erreichbar"]
    )
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/case-390.png", full_page=True)
    page.context.close()
