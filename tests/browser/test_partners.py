"""An admin ends a partner company's membership, and a counsellor choosing it for a family is warned (Chromium)."""

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.cases.models import Case
from casework.reference.models import Partner
from core.models import StaffRole
from tests.browser.login import log_in
from tests.factories import make_case, make_staff

pytestmark = pytest.mark.browser


def test_a_partner_ended_in_2022_warns_on_a_case(page, live_server, db):
    db.add(Partner(name="Leinewerke Hannover GmbH", active_from=date(2015, 3, 1), employees=1_200))
    admin = make_staff(db, role=StaffRole.ADMIN)
    case = make_case(db, caller_name="Lena Schulz")
    log_in(page, live_server, admin)

    page.goto(f"{live_server}/admin/partners")
    page.get_by_role("link", name="Leinewerke Hannover GmbH bearbeiten").click()
    page.get_by_label("Beschäftigte").fill("1.350")
    page.get_by_label("Partner bis").fill("2022-12-31")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#flash-text")).to_have_text("„Leinewerke Hannover GmbH“ gespeichert.")
    expect(page.locator("#partners")).to_contain_text("1.350")

    page.goto(f"{live_server}/cases/{case.id}/edit")
    page.get_by_label("Zugehörigkeit").select_option(label="Partnerbetrieb")
    page.get_by_label("Partnerbetrieb", exact=True).select_option(
        label="Leinewerke Hannover GmbH (Partner bis 31.12.2022)"
    )
    page.get_by_role("button", name="Speichern").first.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("„Leinewerke Hannover GmbH“ ist seit dem 31.12.2022 kein Partnerbetrieb mehr")
    db.expire_all()
    assert db.get(Case, case.id).partner_id is None
    page.get_by_label("Die Person arbeitet dort – trotzdem speichern").check()
    page.get_by_role("button", name="Speichern").first.click()

    expect(page.locator("#partner-ended")).to_contain_text("kein Partner mehr seit 31.12.2022")
    db.expire_all()
    partner_id = db.scalar(select(Partner.id).where(Partner.name == "Leinewerke Hannover GmbH"))
    assert db.get(Case, case.id).partner_id == partner_id
