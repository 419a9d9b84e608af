"""Issue 22, points 2 and 3, in a real browser: an admin opens "Auskunft und Löschung" from the Verwaltung group,
searches a caller by their number as they dictate it, sees everything held about them, downloads the PDF and the
JSON (posted, so the number is in no address), then erases it all after choosing a reason and confirming; the
kept bill is named beforehand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework.cases.models import Case
from core.models import StaffRole
from tests.browser.login import log_in
from tests.browser.test_accessibility import blocking_violations
from tests.factories import make_staff
from tests.retention.test_subject import person_with_everything

pytestmark = pytest.mark.browser


def test_an_admin_finds_exports_and_erases_what_is_held_about_a_caller(browser, live_server, db, engine, tmp_path):
    case, _volunteer, _report = person_with_everything(db, engine)
    admin = make_staff(db, role=StaffRole.ADMIN, name="Friederike Admin")
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, admin)
        navigation = page.get_by_role("navigation", name="Hauptnavigation")
        navigation.get_by_role("button", name="Verwaltung").click()
        navigation.get_by_role("link", name="Auskunft und Löschung").click()
        expect(page).to_have_url(live_server + "/admin/auskunft")
        assert blocking_violations(page) == []

        page.get_by_label("Telefonnummer, E-Mail-Adresse oder Name").fill("0151 1234 5678")
        page.get_by_role("button", name="Suchen").click()
        expect(page.get_by_role("heading", name="Gefunden zu Telefonnummer 0151 12345678")).to_be_visible()
        expect(page).to_have_url(live_server + "/admin/auskunft")  # the number is in no address
        expect(page.locator("#section-cases")).to_contain_text("Ayşe Yılmaz")
        expect(page.locator("#section-cases")).to_contain_text(case.number)
        expect(page.locator("#section-messages")).to_contain_text("Hallo, hier Ayşe")
        expect(page.locator("#what-stays")).to_contain_text("aufzubewahren bis 31.12.2034")
        assert blocking_violations(page) == []

        with page.expect_download() as waiting:
            page.get_by_role("button", name="Als PDF herunterladen").click()
        assert Path(waiting.value.path()).read_bytes().startswith(b"%PDF")
        assert waiting.value.suggested_filename.startswith("auskunft-")
        with page.expect_download() as waiting:
            page.get_by_role("button", name="Als JSON herunterladen").click()
        target = tmp_path / "auskunft.json"
        waiting.value.save_as(target)
        assert json.loads(target.read_text("utf-8"))["cases"][0]["caller_name"] == "Ayşe Yılmaz"

        page.get_by_label("Grund (Pflichtangabe)").select_option("request")
        page.get_by_role("button", name="Alles zu dieser Person löschen …").click()
        expect(page.locator("#confirm")).to_contain_text("Das lässt sich nicht rückgängig machen.")
        expect(page.locator("#confirm")).to_contain_text("Bleibt: Rechnung")
        page.get_by_role("button", name="Endgültig löschen").click()
        expect(page).to_have_url(live_server + "/admin/auskunft")
        expect(page.get_by_text("Gelöscht bzw. anonymisiert: 1 Fall/Fälle", exact=False)).to_be_visible()
        db.expire_all()
        assert db.get_one(Case, case.id).caller_name is None
    finally:
        context.close()
