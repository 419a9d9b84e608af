"""When nobody fits a job, in Chromium (issue 21, point 6): the job page says so up front, offers no SMS search,
shows the near misses with their reason, and "Direkt anfragen" sends one of them the offer; their yes assigns."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.reference.models import Municipality
from core.models import StaffRole
from messaging.models import Message
from tests.browser.login import log_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_job_truth import SLOW, text_in
from tests.factories import make_staff
from tests.volunteers.outreach.helpers import FRIDAY, carers, job_in_laatzen

pytestmark = pytest.mark.browser


def test_a_job_nobody_fits_shows_near_misses_and_one_is_asked_directly(page, live_server, db, settings):
    staff = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR, on_duty=True)
    sehnde = db.scalar(select(Municipality.id).where(Municipality.name == "Sehnde"))
    [tina] = carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    [nele] = carers(db, 1, name="Nele Nachbar", municipality_ids=[sehnde])
    carers(db, 1, name="Weit Weg", municipality_ids=[sehnde], skills=[])
    job = job_in_laatzen(db)
    code = job.code

    log_in(page, live_server, staff)
    page.goto(live_server + f"/jobs/{job.id}")

    expect(page.locator("#nobody-fits")).to_contain_text("Niemand passt zu diesem Einsatz.")
    expect(page.get_by_role("button", name="Betreuung per SMS suchen")).to_have_count(0)
    expect(page.locator("#no-search")).to_contain_text("Keine SMS-Suche")
    expect(page.locator(f"#near-{tina.id}")).to_contain_text("Zeit: nicht verfügbar Fr 14:00–18:00")
    expect(page.locator(f"#near-{nele.id}")).to_contain_text(
        "Kommune: fährt nur in die Nachbarkommune Sehnde, nicht nach Laatzen"
    )
    expect(page.locator("#near-miss-list")).not_to_contain_text("Weit Weg")  # two rules: not a near miss
    assert blocking_violations(page) == []

    page.get_by_role("button", name="Tina Zeitfenster direkt per SMS anfragen").click()

    expect(page.locator("#flash-text")).to_contain_text("Angebot per SMS an Tina Zeitfenster gesendet.")
    expect(page.locator(f"#person-{tina.id}")).to_contain_text("wartet auf Antwort")
    expect(page.locator(f"#near-{tina.id}")).to_have_count(0)
    expect(page.get_by_role("button", name="Betreuung per SMS suchen")).to_have_count(0)
    db.expire_all()
    assert db.scalar(select(Message.body).where(Message.volunteer_id == tina.id)).endswith(
        f"JA {code} oder NEIN {code}"
    )

    # Her yes assigns her like any yes; the page shows it without reload.
    text_in(live_server, settings, tina.phone, f"JA {code}")
    expect(page.locator("#search-status")).to_contain_text("Besetzt", timeout=SLOW)
    expect(page.locator("#assignments")).to_contain_text("Tina Zeitfenster")
