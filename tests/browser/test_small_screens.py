"""The pages of the volunteer work on a 390 px phone screen: the navigation wraps, wide tables scroll in their
card, and nothing makes the page itself scroll sideways."""

import pytest

from fluxx.core.models import StaffRole
from tests.factories import PASSWORD, make_staff, make_volunteer
from tests.volunteers.outreach.helpers import job_in_laatzen

pytestmark = pytest.mark.browser


def test_volunteer_pages_dashboard_and_a_job_fit_a_390_px_screen(browser, live_server, db):
    staff = make_staff(db, role=StaffRole.ADMIN, on_duty=True)
    job = job_in_laatzen(db)
    volunteer = make_volunteer(db, name="Aylin Demir-Hoffmann-Schultze")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-Mail-Adresse").fill(staff.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    for path in ("/", "/volunteers", f"/volunteers/{volunteer.id}", f"/jobs/{job.id}", f"/cases/{job.case_id}"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()
