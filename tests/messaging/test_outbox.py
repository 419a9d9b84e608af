"""Sending from the outbox through the real twilio Client against the local fake API."""

import threading

import pytest

from core.db import make_sessionmaker
from fluxx.wiring import task_handlers
from messaging import service as outbox
from messaging.gateway import TwilioGateway
from messaging.models import MessageStatus
from messaging.sender import Pacer
from messaging.service import queue_sms
from tests.factories import make_volunteer
from tests.telephony.sms_helpers import make_sender, messages

TO = "+4917612345678"


def _queue(db, clock, body="Neue Anfrage: Kinderbetreuung in Linden, Fr 8-12 Uhr. JA 4821 / NEIN 4821", **kw):
    message = queue_sms(db, to=kw.pop("to", TO), body=body, now=clock(), **kw)
    db.commit()
    return message


def test_a_queued_sms_is_sent_once_through_the_real_client_with_our_status_callback(db, clock, sender, fake_twilio):
    message = _queue(db, clock)
    assert sender.drain() == 1
    [sent] = fake_twilio.accepted
    assert sent["to"] == TO and sent["from"] == "+4951116832110"
    assert sent["body"].startswith("Neue Anfrage")
    assert sent["status_callback"] == "http://testserver/twilio/sms/status"
    db.refresh(message)
    assert message.twilio_sid == sent["sid"] and message.status == MessageStatus.QUEUED
    assert message.sent_at == clock() and message.attempts == 1
    assert sender.drain() == 0 and len(fake_twilio.accepted) == 1


def test_nothing_is_sent_when_the_business_transaction_rolls_back(db, clock, sender, fake_twilio):
    queue_sms(db, to=TO, body="Hallo", now=clock())
    db.rollback()
    assert sender.drain() == 0 and fake_twilio.accepted == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_twilio_is_retried_later_and_the_sms_goes_out_exactly_once(
    db, clock, sender, fake_twilio, status
):
    message = _queue(db, clock)
    fake_twilio.fail_next(2, status=status)
    assert sender.drain() == 1
    db.refresh(message)
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.error_code == {429: 20429, 500: 20500, 503: 20503}[status]
    assert message.next_attempt_at > clock()
    assert sender.drain() == 0, "not due before its backoff has passed"

    clock.advance(seconds=2)  # the first backoff is 1-2 s
    sender.drain()
    clock.advance(seconds=4)  # the second is 2-4 s
    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.QUEUED and message.attempts == 3
    assert message.error_code is None
    assert [m["body"] for m in fake_twilio.accepted] == [message.body]


def test_a_client_timeout_is_retried(db, clock, sender, fake_twilio):
    message = _queue(db, clock)
    fake_twilio.fail_next(1, status=503, delay=1.5)  # the sender's client gives up after 0.5 s
    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.PENDING
    assert "Timeout" in message.error_message
    clock.advance(seconds=2)
    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.QUEUED and len(fake_twilio.accepted) == 1


def test_retries_stop_after_the_limit_and_the_sms_is_marked_failed(db, clock, sender, fake_twilio):
    message = _queue(db, clock)
    fake_twilio.fail_next(outbox.MAX_ATTEMPTS, status=500)
    for _ in range(outbox.MAX_ATTEMPTS):
        sender.drain()
        clock.advance(hours=1)
    db.refresh(message)
    assert message.status == MessageStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    assert message.error_code == 20500 and message.next_attempt_at is None
    assert fake_twilio.accepted == []


def test_an_invalid_number_fails_at_once_with_twilios_error_and_is_not_retried(db, clock, sender, fake_twilio):
    message = _queue(db, clock, to="+49123")
    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert message.error_code == 21211 and "not a valid phone number" in message.error_message
    clock.advance(hours=2)
    assert sender.drain() == 0
    assert fake_twilio.request_count == 1


def test_error_21610_marks_the_volunteer_as_opted_out(db, clock, sender, fake_twilio):
    volunteer = make_volunteer(db)
    fake_twilio.opted_out.add(volunteer.phone)
    message = _queue(db, clock, to=volunteer.phone, volunteer_id=volunteer.id)
    sender.drain()
    db.refresh(message)
    db.refresh(volunteer)
    assert message.status == MessageStatus.FAILED and message.error_code == 21610
    assert volunteer.sms_opt_in is False and volunteer.opted_out_at == clock()


def test_an_opted_out_volunteer_gets_nothing_and_twilio_is_not_asked(db, clock, sender, fake_twilio):
    volunteer = make_volunteer(db, sms_opt_in=False)
    message = _queue(db, clock, to=volunteer.phone)
    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.FAILED and message.error_code == 21610
    assert fake_twilio.request_count == 0


def test_emoji_and_a_1600_character_body_arrive_intact(db, clock, sender, fake_twilio):
    body = ("Grüße aus Hannover 👋🏽 – Kita zu? 🧒 " * 60)[:1599] + "✅"
    assert len(body) == 1600
    message = _queue(db, clock, body=body)
    sender.drain()
    db.refresh(message)
    assert message.body == body
    assert fake_twilio.accepted[0]["body"] == body


def test_a_body_over_1600_characters_is_refused_when_queued(db, clock):
    with pytest.raises(ValueError):
        queue_sms(db, to=TO, body="x" * 1601, now=clock())


def test_a_worker_that_dies_after_claiming_leaves_nothing_lost_and_nothing_sent_twice(
    db, engine, clock, sender, fake_twilio
):
    queued = [_queue(db, clock, body=f"Nachricht {n}") for n in range(5)]
    # The first worker claims three rows and dies before it sends anything.
    dead = outbox.claim_due(make_sessionmaker(engine), now=clock(), limit=3)
    assert len(dead) == 3
    assert sender.drain() == 2, "the other worker sends only what is not claimed"
    clock.advance(seconds=outbox.LEASE.total_seconds() - 1)
    assert sender.drain() == 0, "the dead worker's claim still holds"
    clock.advance(seconds=2)
    assert sender.drain() == 3
    assert sorted(m["body"] for m in fake_twilio.accepted) == sorted(m.body for m in queued)
    assert all(m.status == MessageStatus.QUEUED for m in messages(db))


def test_a_stopping_worker_gives_back_the_rest_of_its_batch(db, engine, clock, prod_settings, fake_twilio):
    for n in range(3):
        _queue(db, clock, body=f"Nachricht {n}")
    stop = threading.Event()
    sender = make_sender(prod_settings, engine, clock, stop=stop)
    original = sender.send_one

    def send_then_stop(message_id):
        original(message_id)
        stop.set()  # SIGTERM arrives while the first message is being sent

    sender.send_one = send_then_stop
    assert sender.run_once() == 3
    statuses = [m.status for m in messages(db)]
    assert statuses == [MessageStatus.QUEUED, MessageStatus.PENDING, MessageStatus.PENDING]
    assert [m.attempts for m in messages(db)] == [1, 0, 0]


def test_sending_keeps_to_the_configured_pace():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(per_second=2, sleep=sleep, monotonic=lambda: now[0])
    for _ in range(3):
        pacer.wait()
    assert slept == [0.5, 0.5]


def test_in_simulation_mode_the_sms_is_delivered_to_the_simulator_without_twilio(
    db, engine, clock, settings, fake_twilio
):
    assert settings.simulation
    volunteer = make_volunteer(db)
    message = _queue(db, clock, to=volunteer.phone, volunteer_id=volunteer.id)
    make_sender(settings, engine, clock).drain()
    db.refresh(message)
    assert message.status == MessageStatus.DELIVERED and message.twilio_sid.startswith("SM")
    assert message.delivered_at == clock()
    assert fake_twilio.request_count == 0


def test_the_gateway_sends_from_a_messaging_service_when_one_is_configured(prod_settings, fake_twilio):
    prod_settings.twilio_from = "MG" + "1" * 32
    result = TwilioGateway(prod_settings).send(TO, "Hallo", "http://testserver/twilio/sms/status")
    assert fake_twilio.messages[result.sid]["messaging_service_sid"] == "MG" + "1" * 32
    assert result.status == MessageStatus.QUEUED  # Twilio's "accepted"


def test_the_worker_round_also_drains_the_outbox(db, engine, clock, sender, fake_twilio):
    from core.worker import run_once

    _queue(db, clock)
    assert run_once(make_sessionmaker(engine), clock=clock, handlers=task_handlers(), pollers=[sender]) == 1
    assert len(fake_twilio.accepted) == 1
