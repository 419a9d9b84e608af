"""Two workers on PostgreSQL share the outbox: every message goes out exactly once."""

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from messaging.gateway import TwilioGateway
from messaging.models import Message, MessageStatus
from messaging.service import queue_sms
from tests.database import POSTGRES_URL
from tests.telephony.sms_helpers import make_sender

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not POSTGRES_URL.startswith("postgresql"),
        reason="needs PostgreSQL row locks (FOR UPDATE SKIP LOCKED); set FLUXX_TEST_DATABASE_URL",
    ),
]

COUNT = 1000


def test_two_workers_send_1000_queued_messages_none_twice_and_none_lost(db, engine, clock, prod_settings, fake_twilio):
    for n in range(COUNT):
        queue_sms(db, to=f"+49176{n:08d}", body=f"Nachricht {n}", now=clock())
    db.commit()
    start = threading.Barrier(2)
    done: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        # Each worker has its own Twilio client and, through the pool, its own database connection.
        sender = make_sender(prod_settings, engine, clock, gateway=TwilioGateway(prod_settings), batch=25)
        start.wait()
        try:
            done[name] = sender.drain()
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert done["a"] > 0 and done["b"] > 0 and done["a"] + done["b"] == COUNT

    bodies = Counter(message["body"] for message in fake_twilio.accepted)
    assert len(bodies) == COUNT and max(bodies.values()) == 1
    db.expire_all()
    rows = db.scalars(select(Message)).all()
    assert {row.status for row in rows} == {MessageStatus.QUEUED}
    assert {row.twilio_sid for row in rows} == set(fake_twilio.messages)
    assert {row.attempts for row in rows} == {1}
