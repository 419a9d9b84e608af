"""The job page tells the truth as it happens, in Chromium (issue 21, points 1-3).

A job is filled by SMS, a late yes and a yes with a wrong code are kept under "Spätere Zusagen", the carer
withdraws, and the late yes is offered first and assigned: the job page's state and per-person lines follow each
step without reload. The dashboard shows the withdrawal as a tile and at the top, and "Familie informiert" takes it
off the urgent list.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
from playwright.sync_api import expect

from core.models import StaffRole
from telephony.webhooks import sign
from tests.browser.login import log_in
from tests.factories import make_staff
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work
from volunteers.outreach import service as outreach
from volunteers.outreach.rules import OutreachPolicy

pytestmark = pytest.mark.browser
_sids = itertools.count(7000)
SLOW = 8_000  # the live part reloads every 3 s


def text_in(live_server: str, settings, phone: str, body: str) -> None:
    """An SMS from `phone`, signed for the address the served app really has."""
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": f"SM{next(_sids):032d}", "From": phone, "To": HOTLINE,
              "Body": body, "NumMedia": "0"}  # fmt: skip
    path = "/twilio/sms/incoming"
    signature = sign(settings.webhook_auth_token, live_server + path, params)
    response = httpx.post(live_server + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200, response.text


def test_the_job_page_follows_a_filling_a_withdrawal_and_a_late_yes_without_reload(
    page, live_server, db, engine, clock, settings
):
    staff = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR, on_duty=True)
    [lisa] = carers(db, 1, name="Lisa Brandt")
    [tobias] = carers(db, 1, name="Tobias Kern")
    [mia] = carers(db, 1, name="Mia Sommer")
    job = job_in_laatzen(db)
    outreach.start(db, job=job, policy=OutreachPolicy(), staff=staff, now=clock())
    db.commit()
    work(engine, clock)  # the first wave: all three are asked
    code = job.code

    log_in(page, live_server, staff)
    page.goto(live_server + f"/jobs/{job.id}")
    state = page.locator("#search-status")
    expect(state).to_contain_text("Suche läuft")
    for person in (lisa, tobias, mia):
        expect(page.locator(f"#person-{person.id}")).to_contain_text("wartet auf Antwort")
    page.evaluate("window.stillTheSamePage = true")

    # 1. Lisa says yes: filled, and nothing offers to widen or cancel the search any more.
    text_in(live_server, settings, lisa.phone, f"JA {code}")
    expect(state).to_contain_text("Besetzt", timeout=SLOW)
    expect(state).not_to_contain_text("Suche läuft")
    expect(state).not_to_contain_text("Welle 1 von")
    expect(page.locator(f"#person-{lisa.id}")).to_contain_text("hat zugesagt")
    expect(page.locator(f"#person-{tobias.id}")).to_contain_text("Angebot beendet")
    expect(page.get_by_role("button", name="SMS-Suche erweitern")).to_have_count(0)
    expect(page.get_by_role("button", name="SMS-Suche abbrechen")).to_have_count(0)

    # 2. Tobias says yes too late, Mia with a wrong code: both kept under "Spätere Zusagen".
    text_in(live_server, settings, tobias.phone, f"Ja {code}")
    text_in(live_server, settings, mia.phone, "Ja 9999")
    late = page.locator("#late")
    expect(late).to_contain_text("Tobias Kern", timeout=SLOW)
    expect(late).to_contain_text("Mia Sommer")
    expect(late).to_contain_text("mit falschem Code 9999")
    expect(page.locator(f"#person-{tobias.id}")).to_contain_text("zu spät")
    expect(page.get_by_role("button", name="Tobias Kern einteilen")).to_have_count(0)  # full: nobody to assign

    # 3. Lisa withdraws: searching again, her reason shown, the late yeses asked first and offered to assign.
    text_in(live_server, settings, lisa.phone, f"ABSAGE {code}, mein Kind ist krank")
    expect(state).to_contain_text("Abgesagt – Suche läuft wieder", timeout=SLOW)
    expect(state).to_contain_text("Spätere Zusagen werden zuerst gefragt.")
    expect(page.locator(f"#person-{lisa.id}")).to_contain_text("hat abgesagt")
    expect(page.locator(f"#person-{lisa.id}")).to_contain_text("mein Kind ist krank")
    expect(page.locator(f"#person-{tobias.id}")).to_contain_text("erneut gefragt")
    expect(page.get_by_role("button", name="Tobias Kern einteilen")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True  # every step above came without reload

    # The dashboard: the withdrawal as a tile and the first urgent section, with reason and start.
    dashboard = page.context.new_page()
    dashboard.goto(live_server + "/")
    expect(dashboard.locator("#tile-withdrawals")).to_contain_text("1 Absage von Ehrenamtlichen")
    withdrawal = dashboard.locator("#withdrawals")
    expect(withdrawal).to_contain_text("Lisa Brandt")
    expect(withdrawal).to_contain_text("mein Kind ist krank")
    expect(withdrawal).to_contain_text("Beginn Fr., 27.11.2026, 14:00 Uhr")
    first_urgent = dashboard.locator(".dashboard-group--urgent section.card").first
    expect(first_urgent).to_have_attribute("id", "withdrawals")

    # 4. The late yes is assigned with one click.
    page.get_by_role("button", name="Tobias Kern einteilen").click()
    expect(page.locator("#notice")).to_have_text("Tobias Kern ist eingeteilt und per SMS informiert.")
    expect(state).to_contain_text("Besetzt")
    expect(page.locator(f"#person-{tobias.id}")).to_contain_text("von Hand eingeteilt")
    expect(page.locator("#late")).not_to_contain_text("Tobias Kern")
    expect(page.get_by_role("button", name="Mia Sommer einteilen")).to_have_count(0)  # full again

    # 5. The family was told: off the dashboard's urgent list.
    dashboard.get_by_role("button", name=f"Familie informiert – Einsatz {code}").click()
    expect(dashboard.locator("#withdrawals")).to_have_text("Keine offene Absage.")
    expect(dashboard.locator("#tile-withdrawals")).to_contain_text("0 Absagen von Ehrenamtlichen")
