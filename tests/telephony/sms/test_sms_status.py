"""Status callbacks for sent SMS: signed, idempotent, never moving a message backwards."""

from sqlalchemy import select

from core.db import make_sessionmaker
from core.models import ScheduledTask
from core.worker import run_once
from fluxx.wiring import task_handlers
from messaging import rules as sms_status
from messaging.models import Message, MessageDirection, MessageStatus
from messaging.service import queue_sms
from tests.factories import make_volunteer
from tests.telephony.sms_helpers import messages
from tests.twilio_helpers import post_signed


def _sent(db, clock, sender, **kw):
    message = queue_sms(db, to=kw.pop("to", "+4917612345678"), body="Hallo", now=clock(), **kw)
    db.commit()
    sender.drain()
    db.refresh(message)
    return message


def test_statuses_have_an_order_and_final_ones_never_change():
    order = [MessageStatus.PENDING, MessageStatus.CLAIMED, MessageStatus.QUEUED, MessageStatus.SENDING,
             MessageStatus.SENT, MessageStatus.DELIVERED]  # fmt: skip
    for earlier, later in zip(order, order[1:], strict=False):
        assert sms_status.advances(earlier, later) and not sms_status.advances(later, earlier)
    assert not sms_status.advances(MessageStatus.DELIVERED, MessageStatus.FAILED)
    assert not sms_status.advances(MessageStatus.FAILED, MessageStatus.DELIVERED)
    assert sms_status.from_twilio("accepted") == MessageStatus.QUEUED
    assert sms_status.from_twilio("read") is None


def test_callbacks_move_the_message_forward_to_delivered(db, clock, sender, fake_twilio, prod_client):
    message = _sent(db, clock, sender)
    for status in ("sending", "sent", "delivered"):
        response = fake_twilio.send_status(prod_client, message.twilio_sid, status)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
    db.refresh(message)
    assert message.status == MessageStatus.DELIVERED and message.delivered_at == clock()


def test_callbacks_out_of_order_never_move_a_message_back(db, clock, sender, fake_twilio, prod_client):
    message = _sent(db, clock, sender)
    for status in ("delivered", "sent", "sending", "queued", "failed"):
        fake_twilio.send_status(prod_client, message.twilio_sid, status)
        db.refresh(message)
        assert message.status == MessageStatus.DELIVERED


def test_a_duplicated_callback_changes_nothing_the_second_time(db, clock, sender, fake_twilio, prod_client):
    message = _sent(db, clock, sender)
    fake_twilio.send_status(prod_client, message.twilio_sid, "sent")
    db.refresh(message)
    first = (message.status, message.sent_at, message.updated_at)
    clock.advance(minutes=1)
    fake_twilio.send_status(prod_client, message.twilio_sid, "sent")
    db.refresh(message)
    assert (message.status, message.sent_at, message.updated_at) == first


def test_an_undelivered_message_keeps_the_carriers_error_for_staff(db, clock, sender, fake_twilio, prod_client):
    message = _sent(db, clock, sender)
    fake_twilio.send_status(prod_client, message.twilio_sid, "undelivered", error_code=30003)
    db.refresh(message)
    assert message.status == MessageStatus.UNDELIVERED and message.error_code == 30003
    assert sms_status.error_text(message.error_code) == "30003: Telefon nicht erreichbar"


def test_a_failed_callback_with_21610_opts_the_volunteer_out(db, clock, sender, fake_twilio, prod_client):
    volunteer = make_volunteer(db)
    message = _sent(db, clock, sender, to=volunteer.phone, volunteer_id=volunteer.id)
    fake_twilio.send_status(prod_client, message.twilio_sid, "failed", error_code=21610)
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is False


def test_an_unsigned_callback_is_refused_and_nothing_is_stored(db, clock, sender, prod_client):
    message = _sent(db, clock, sender)
    response = prod_client.post(
        "/twilio/sms/status", data={"MessageSid": message.twilio_sid, "MessageStatus": "delivered"}
    )
    assert response.status_code == 403
    forged = prod_client.post(
        "/twilio/sms/status",
        data={"MessageSid": message.twilio_sid, "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )
    assert forged.status_code == 403
    db.refresh(message)
    assert message.status == MessageStatus.QUEUED


def test_a_callback_for_an_unknown_sid_is_answered_and_checked_again_later(
    db, engine, clock, prod_client, prod_settings
):
    params = {"MessageSid": "SM" + "e" * 32, "MessageStatus": "delivered"}
    response = post_signed(prod_client, prod_settings, "/twilio/sms/status", params)
    assert response.status_code == 200 and response.text.endswith("<Response />")
    post_signed(prod_client, prod_settings, "/twilio/sms/status", params)  # a duplicate parks nothing new
    tasks = db.scalars(select(ScheduledTask)).all()
    assert len(tasks) == 1 and tasks[0].payload["sid"] == params["MessageSid"]

    # The worker recorded the SID only after Twilio's fast callback: the late check applies it.
    late = Message(
        direction=MessageDirection.OUTBOUND,
        twilio_sid=params["MessageSid"],
        from_number="+4951116832110",
        to_number="+4917612345678",
        body="Hallo",
        status=MessageStatus.QUEUED,
        attempts=1,
        created_at=clock(),
        updated_at=clock(),
    )
    db.add(late)
    db.commit()
    clock.advance(seconds=11)
    assert run_once(make_sessionmaker(engine), clock=clock, handlers=task_handlers()) == 1
    assert [m.status for m in messages(db)] == [MessageStatus.DELIVERED]
