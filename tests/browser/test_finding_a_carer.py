"""What Fluxx exists for, in Chromium: import volunteers, search for a carer by SMS, a volunteer says yes.

The coordinator imports a list, starts the SMS search from the job, answers as the volunteer in the
phone simulator, and sees the assignment appear on the dashboard (open in another tab) without reload.
"""

import pytest
from playwright.sync_api import expect

from core.models import StaffRole
from tests.factories import PASSWORD, make_staff
from tests.volunteers.outreach.helpers import job_in_laatzen, work

pytestmark = pytest.mark.browser

LIST = (
    "Name;Handy;Fähigkeiten;Gemeinden;Verfügbarkeit;Führungszeugnis;SMS-Einwilligung\r\n"
    "Aylin Demir;0176 33334444;Kinder, Babys;Hannover, Laatzen;Mo-Fr 08-20;03.02.2024;ja\r\n"
    "Gisela Krüger;0160 55556666;Senioren, Demenz;Garbsen;werktags nachmittags;;ja\r\n"
)


def test_a_coordinator_finds_a_carer_by_sms_and_sees_the_yes_on_the_dashboard(
    page, browser, live_server, db, engine, app, clock, tmp_path
):
    app.state.volunteer_uploads = tmp_path
    staff = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR, on_duty=True)
    job = job_in_laatzen(db)  # Friday 14:00–18:00 in Laatzen-Rethen, child care
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    page.goto(live_server + "/volunteers/import")
    page.get_by_label("Datei").set_input_files(
        {"name": "ehrenamtliche.csv", "mimeType": "text/csv", "buffer": LIST.encode("utf-8-sig")}
    )
    page.get_by_role("button", name="Hochladen und prüfen").click()
    page.get_by_role("button", name="Alle 2 Zeilen importieren").click()
    expect(page.locator("#imported")).to_have_text("2 Ehrenamtliche importiert.")

    page.goto(live_server + f"/jobs/{job.id}")
    expect(page.locator("body")).to_contain_text("Aylin Demir")  # ranked, with the reason
    expect(page.locator("body")).not_to_contain_text("Gisela Krüger")  # no child care, not in Laatzen
    page.get_by_role("button", name="Betreuung per SMS suchen").click()
    expect(page.locator("#search-status")).to_contain_text("Suche läuft")
    work(engine, clock)  # the worker sends the first wave

    dashboard = page.context.new_page()
    dashboard.goto(live_server + "/")
    expect(dashboard.locator("#assigned-today")).to_contain_text("Heute noch keine Zusage.")
    dashboard.evaluate("window.stillTheSamePage = true")
    case_page = page.context.new_page()
    case_page.goto(live_server + f"/cases/{job.case_id}")
    expect(case_page.locator("#live")).to_contain_text(f"Einsatz {job.code}")
    assert case_page.locator("#live").get_attribute("aria-live") is None  # not read out whole on every poll

    page.goto(live_server + "/simulator?phone=%2B4917633334444#sms")
    thread = page.locator("#sim-thread")
    expect(thread).to_contain_text(f"Antwort: JA {job.code} oder NEIN {job.code}")
    expect(thread).not_to_contain_text("Hildesheimer")  # no address before the yes
    page.get_by_label("Antwort als Aylin Demir").fill(f"Ja gerne, {job.code}! LG Aylin")
    page.get_by_role("button", name="SMS senden").click()
    expect(thread).to_contain_text(f"Fluxx: Danke, Einsatz {job.code} ist Ihrer!")
    expect(thread).to_contain_text("Hildesheimer Str. 12")  # now the winner gets the address

    today = dashboard.locator("#assigned-today")
    expect(today).to_contain_text("Aylin Demir", timeout=8_000)
    expect(today).to_contain_text(f"Einsatz {job.code}")
    assert dashboard.evaluate("window.stillTheSamePage") is True  # updated in place, not reloaded
    # The case page's job list shows the yes as well, and screen readers hear just that.
    expect(case_page.locator("#live")).to_contain_text("Zusage: Aylin Demir", timeout=8_000)
    expect(case_page.locator("#live-news")).to_have_text(f"Einsatz {job.code}: Zusage von Aylin Demir.")
