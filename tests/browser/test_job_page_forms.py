"""The job page in Chromium (issue 21, points 4 and 7): the family's details for the carer, and the search form
refusing a wrong value like every other form — the summary takes the focus, its link leads to the field, the
field is marked and keeps what was typed, and the live refresh does not wipe the message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from casework.cases.models import CarePerson
from core.models import StaffRole
from tests.browser.login import log_in
from tests.factories import make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen

pytestmark = pytest.mark.browser


def test_a_wrong_wave_size_is_summarised_focused_and_marked_at_its_field(page, live_server, db):
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    carers(db, 2)
    job = job_in_laatzen(db, notes="Klingel defekt, bitte klopfen.")
    db.add(CarePerson(case_id=job.case_id, label="Mia", age_years=4, need_description="Kind mit Asthma",
                      special_requirements="Nussallergie"))  # fmt: skip
    db.commit()

    log_in(page, live_server, staff)
    page.goto(live_server + f"/jobs/{job.id}")
    family = page.locator("#family")
    expect(family).to_contain_text("Mia (4 J.)")
    expect(family).to_contain_text("Nussallergie")
    expect(family).to_contain_text("Klingel defekt, bitte klopfen.")
    expect(page.locator("#wave_size-hint")).to_have_text("höchstens 50 SMS pro Welle")

    field = page.get_by_label("SMS pro Welle")
    field.fill("80")
    page.get_by_role("button", name="Betreuung per SMS suchen").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Bitte korrigieren Sie eine Angabe:")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("80")
    expect(page.locator("#wave_size-error")).to_have_text("SMS pro Welle: bitte eine ganze Zahl von 1 bis 50.")
    expect(field).to_have_accessible_description(re.compile("bitte eine ganze Zahl von 1 bis 50"))

    page.wait_for_timeout(3_500)  # one live refresh later the message and the typed value are still there
    expect(field).to_have_value("80")
    expect(page.locator("#wave_size-error")).to_be_visible()

    summary.get_by_role("link", name="SMS pro Welle: bitte eine ganze Zahl von 1 bis 50.").click()
    expect(field).to_be_focused()
    field.fill("3")
    page.get_by_role("button", name="Betreuung per SMS suchen").click()
    expect(page.locator("#search-status")).to_contain_text("Suche läuft")
    expect(page.locator("#error-summary")).to_have_count(0)
