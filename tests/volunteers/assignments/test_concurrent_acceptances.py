"""Fifty volunteers say yes to the same job at the same moment, through the served app's SMS webhook.

Exactly as many win as the job needs; everyone else is thanked and told the job is taken. On PostgreSQL
the job row lock decides (READ COMMITTED, many connections); on SQLite the one writer at a time does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from casework.enums import JobStatus
from casework.jobs.models import CareJob
from messaging.models import Message, MessageDirection
from telephony.webhooks import sign
from tests.servers import served
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE
from tests.volunteers.builders import offered_job
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach import texts
from volunteers.outreach.models import Offer, OfferStatus

VOLUNTEERS = 50
THREADS = 16


def _yes_from_everyone(app, settings, phones: list[str], code: str) -> list[str]:
    def post(base_url: str, n: int) -> str:
        params = {
            "AccountSid": ACCOUNT_SID, "MessageSid": f"SM{n:032d}", "From": phones[n], "To": HOTLINE,
            "Body": f"Ja {code}", "NumMedia": "0",
        }  # fmt: skip
        path = "/twilio/sms/incoming"
        signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
        response = httpx.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert response.status_code == 200, response.text
        return ET.fromstring(response.text).findtext("Message") or ""

    with served(app) as url, ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(lambda n: post(url, n), range(len(phones))))


def _fifty_yeses(db, app, settings, carers: int) -> None:
    job, people = offered_job(db, volunteers=VOLUNTEERS, carers_needed=carers)
    answers = _yes_from_everyone(app, settings, [v.phone for v in people], job.code)
    won = [a for a in answers if a.startswith(f"Fluxx: Danke, Einsatz {job.code} ist Ihrer!")]
    assert len(won) == carers
    assert sorted(a for a in answers if a not in won) == [texts.taken(job.code)] * (VOLUNTEERS - carers)
    db.expire_all()
    active = select(func.count()).where(Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE)
    assert db.scalar(active) == carers
    assert db.scalar(select(CareJob.status).where(CareJob.id == job.id)) == JobStatus.FILLED
    accepted = select(func.count()).where(Offer.job_id == job.id, Offer.status == OfferStatus.ACCEPTED)
    assert db.scalar(accepted) == carers


@pytest.mark.postgres_only
@pytest.mark.parametrize("carers", [1, 2], ids=["one carer", "two carers"])
def test_fifty_yeses_at_once_on_postgresql_win_exactly_the_carers_needed(engine, db, app, settings, carers):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; set FLUXX_TEST_DATABASE_URL")
    _fifty_yeses(db, app, settings, carers)


@pytest.mark.parametrize("carers", [1, 2], ids=["one carer", "two carers"])
def test_fifty_yeses_at_once_on_sqlite_win_exactly_the_carers_needed(engine, db, app, settings, carers):
    if engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL run has its own test")
    _fifty_yeses(db, app, settings, carers)


def test_twilio_sending_the_same_yes_ten_times_at_once_stores_it_once_and_answers_it_once(db, app, settings):
    """A retry of a webhook arriving while the first is handled: the message is inserted once (ON CONFLICT on
    its MessageSid); the others store nothing and stay silent, on SQLite and on PostgreSQL."""
    job, people = offered_job(db, volunteers=3, carers_needed=1)
    params = {
        "AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "7" * 32, "From": people[0].phone, "To": HOTLINE,
        "Body": f"Ja {job.code}", "NumMedia": "0",
    }  # fmt: skip
    path = "/twilio/sms/incoming"
    signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)

    def post(base_url: str) -> str:
        response = httpx.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert response.status_code == 200, response.text
        return ET.fromstring(response.text).findtext("Message") or ""

    with served(app) as url, ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: post(url), range(10)))
    assert sorted(answers) == [""] * 9 + [max(answers)]
    assert max(answers).startswith(f"Fluxx: Danke, Einsatz {job.code} ist Ihrer!")
    db.expire_all()
    stored = db.scalars(select(Message).where(Message.twilio_sid == params["MessageSid"])).all()
    assert len(stored) == 1
    assert (stored[0].job_id, stored[0].handled_at is not None) == (job.id, True)
    replies = select(func.count()).where(
        Message.direction == MessageDirection.OUTBOUND, Message.to_number == people[0].phone,
        Message.body == max(answers),
    )  # fmt: skip
    assert db.scalar(replies) == 1
    assert db.scalar(select(func.count()).where(Assignment.job_id == job.id)) == 1
