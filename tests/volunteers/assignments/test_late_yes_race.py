"""A coordinator presses "Einteilen" beside a late yes while another late yes arrives by SMS, at the same
moment, through the served app: exactly one of them gets the job (the job row lock decides on PostgreSQL;
SQLite's one writer decides there). The loser is told so: the SMS is thanked and kept as a late yes again, the
button's page says the job is taken."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from core.models import StaffRole
from telephony.webhooks import sign
from tests.factories import PASSWORD, csrf_from, make_staff
from tests.servers import served
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE
from tests.volunteers.outreach.test_late_yeses import searching_job
from tests.volunteers.replies.test_service import text_in
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach.models import LateYes

ROUNDS = 4


def _sms(base_url: str, settings, phone: str, body: str, n: int) -> str:
    params = {
        "AccountSid": ACCOUNT_SID, "MessageSid": f"SM{n:032d}", "From": phone, "To": HOTLINE, "Body": body,
        "NumMedia": "0",
    }  # fmt: skip
    path = "/twilio/sms/incoming"
    signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
    response = httpx.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text).findtext("Message") or ""


def _race(db, app, client, settings, round_: int) -> None:
    names = (f"Lisa Brandt {round_}", f"Tobias Kern {round_}", f"Mia Sommer {round_}")
    job, (lisa, tobias, mia) = searching_job(db, names=names, code=f"{4821 + round_}")
    code = job.code
    text_in(client, settings, lisa.phone, f"JA {code}")
    text_in(client, settings, tobias.phone, f"JA {code}")
    text_in(client, settings, mia.phone, f"JA {code}")  # two late yeses
    text_in(client, settings, lisa.phone, f"ABSAGE {code}")  # both are asked again
    tobias_late = db.scalar(select(LateYes).where(LateYes.job_id == job.id, LateYes.volunteer_id == tobias.id))
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    with served(app) as url, httpx.Client(base_url=url, follow_redirects=False, timeout=30) as browser:
        page = browser.get("/login").text
        browser.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(page)})
        csrf = csrf_from(browser.get(f"/jobs/{job.id}").text)

        def press() -> int:
            return browser.post(f"/jobs/{job.id}/late/{tobias_late.id}/assign", data={"csrf_token": csrf}).status_code

        def sms() -> str:
            return _sms(url, settings, mia.phone, f"JA {code}", 900 + round_)

        with ThreadPoolExecutor(max_workers=2) as pool:
            pressed, texted = pool.submit(press), pool.submit(sms)
            status, answer = pressed.result(), texted.result()
    db.expire_all()
    active = db.scalars(
        select(Assignment.volunteer_id).where(Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE)
    ).all()
    assert len(active) == 1, active
    if active == [tobias.id]:
        assert status == 303 and "leider schon vergeben" in answer
    else:
        assert active == [mia.id] and status == 409 and answer.startswith(f"Fluxx: Danke, Einsatz {code} ist Ihrer!")
    assert db.scalar(select(func.count()).select_from(LateYes).where(LateYes.job_id == job.id)) == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_einteilen_and_an_sms_yes_at_the_same_moment_give_one_assignment(db, app, client, settings, round_):
    _race(db, app, client, settings, round_)
