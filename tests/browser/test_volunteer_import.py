"""A coordinator imports a volunteer list in Chromium: the broken row is explained, the rest goes in."""

import pytest
from playwright.sync_api import expect

from core.models import StaffRole
from tests.browser.test_accessibility import blocking_violations
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.browser

LIST = (
    "Name;Handy;Fähigkeiten;Gemeinden;Verfügbarkeit;Führungszeugnis;SMS-Einwilligung\r\n"
    "Aylin Demir;0176 33334444;Kinder, Babys;Hannover, Laatzen;Mo-Fr 08-13;03.02.2024;ja\r\n"
    "Gisela Krüger;0160 55556666;Senioren, Demenz;Garbsen;werktags nachmittags;;ja\r\n"
    "Olga Petrenko;0511 1234567;Kinder;Hannover;Mo-Fr 08-13;;ja\r\n"
)


def test_a_coordinator_imports_the_valid_rows_of_a_list_and_finds_a_volunteer(page, live_server, db, app, tmp_path):
    app.state.volunteer_uploads = tmp_path
    staff = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR)
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Ehrenamtliche", exact=True).click()
    expect(page.get_by_role("heading", name="Ehrenamtliche")).to_be_visible()

    page.get_by_role("link", name="Liste importieren (CSV, Excel)").click()
    expect(page.locator("#required-columns")).to_contain_text("Pflicht sind die Spalten „Name“")
    expect(page.get_by_role("link", name="Excel (.xlsx)")).to_have_attribute("href", "/volunteers/import/template.xlsx")
    page.set_viewport_size({"width": 390, "height": 844})
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Datei").set_input_files(
        {"name": "ehrenamtliche.csv", "mimeType": "text/csv", "buffer": LIST.encode("cp1252")}
    )
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page.locator("#summary")).to_contain_text("3 Zeilen gelesen: 2 in Ordnung, 1 mit Fehlern")
    broken = page.locator("#preview-table tr.problem")
    expect(broken).to_contain_text("Olga Petrenko")
    expect(broken).to_contain_text("Mobilnummer „0511 1234567“ ist eine Festnetznummer")
    expect(page.get_by_role("button", name="Alle 2 Zeilen importieren")).to_have_count(0)

    aylin = page.locator("#row-2")  # how the row was understood, in the registry's own words
    expect(aylin.locator('[data-label="Prüfung"]')).to_have_text("neu")
    expect(aylin.locator('[data-label="Fähigkeiten"]')).to_have_text("Kinderbetreuung, Säuglingsbetreuung")
    expect(aylin.locator('[data-label="Gemeinden"]')).to_have_text("Hannover, Laatzen")
    expect(aylin.locator('[data-label="Verfügbarkeit"]')).to_have_text("Mo-Fr 08:00-13:00")
    expect(aylin.locator('[data-label="SMS-Einwilligung"]')).to_contain_text("ja, erteilt am")
    expect(aylin.locator('[data-label="Führungszeugnis"]')).to_have_text("vom 03.02.2024, gültig bis 03.02.2029")
    expect(page.locator("#row-3 [data-label='Verfügbarkeit']")).to_have_text("Mo-Fr 12:00-18:00")
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert blocking_violations(page) == []  # the wide table scrolls inside its card, reachable by keyboard
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Nur die fehlerfreien Zeilen importieren (2)").click()
    expect(page.locator("#imported")).to_have_text("2 Ehrenamtliche importiert.")
    expect(page.locator("#result-counts")).to_contain_text("2 neu")
    expect(page.locator("#new-volunteers")).to_contain_text("Gisela Krüger neu")
    assert blocking_violations(page) == []
    page.get_by_role("link", name="Zur Liste der Ehrenamtlichen").click()
    page.get_by_label("Suche: Name oder Mobilnummer").fill("Krüger")
    page.get_by_role("button", name="Filtern").click()
    table = page.locator("#volunteer-table")
    expect(table).to_contain_text("Gisela Krüger")
    expect(table).not_to_contain_text("Aylin Demir")
    table.get_by_role("link", name="Gisela Krüger").click()
    expect(page.locator("#facts")).to_contain_text("0160 55556666")
    expect(page.locator("#facts")).to_contain_text("Seniorenbetreuung, Demenzerfahrung")
