"""Inbound SMS: stored once, linked to the volunteer, answered with MessagingResponse in German."""

import pytest
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection, MessageStatus
from tests.factories import make_volunteer
from tests.telephony.sms_helpers import messages
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE, post_signed

_sids = iter(range(1, 10**6))


def sms(client, settings, from_number, body, sid=None):
    params = {
        "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "MessageSid": sid or f"SM{next(_sids):032d}",
        "From": from_number, "To": HOTLINE, "Body": body, "NumMedia": "0", "SmsStatus": "received",
    }  # fmt: skip
    response = post_signed(client, settings, "/twilio/sms/incoming", params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return response.text


def reply_xml(text):
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


@pytest.mark.parametrize("word", ["STOP", "STOPP", "stopp!", " Abmelden "])
def test_a_volunteer_who_texts_stop_is_opted_out_and_told_so_in_german(db, client, settings, clock, word):
    volunteer = make_volunteer(db)
    assert sms(client, settings, volunteer.phone, word) == reply_xml(sms_texts.OPTED_OUT)
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is False and volunteer.opted_out_at == clock()
    inbound = messages(db)[0]
    assert inbound.volunteer_id == volunteer.id and inbound.handled_at == clock()


def test_start_opts_a_volunteer_back_in(db, client, settings):
    volunteer = make_volunteer(db, sms_opt_in=False)
    assert sms(client, settings, volunteer.phone, "Start") == reply_xml(sms_texts.OPTED_IN)
    db.refresh(volunteer)
    assert volunteer.sms_opt_in is True and volunteer.opted_out_at is None


def test_hilfe_answers_with_the_short_help_text(db, client, settings):
    volunteer = make_volunteer(db)
    assert sms(client, settings, volunteer.phone, "HILFE") == reply_xml(sms_texts.HELP)
    assert "STOPP" in sms_texts.HELP and "0511 168-32110" in sms_texts.HELP


def test_the_number_is_matched_in_e164(db, client, settings):
    volunteer = make_volunteer(db, phone="+4917612340001")
    sms(client, settings, "004917612340001", "Hilfe")
    assert messages(db)[0].volunteer_id == volunteer.id


def test_other_text_from_a_volunteer_waits_for_staff_and_is_answered_once_a_day(db, client, settings, clock):
    volunteer = make_volunteer(db)
    assert sms(client, settings, volunteer.phone, "Ich kann diese Woche nur vormittags") == reply_xml(
        sms_texts.FORWARDED
    )
    assert sms(client, settings, volunteer.phone, "Und Freitag gar nicht") == reply_xml(None)
    inbound = [m for m in messages(db) if m.direction == MessageDirection.INBOUND]
    assert [m.handled_at for m in inbound] == [None, None]
    clock.advance(hours=25)
    assert sms(client, settings, volunteer.phone, "Noch da?") == reply_xml(sms_texts.FORWARDED)


def test_an_unknown_number_gets_one_polite_answer_a_day_and_is_kept_for_staff(db, client, settings, clock):
    assert sms(client, settings, "+4915799999999", "Hallo, ist da wer?") == reply_xml(sms_texts.UNKNOWN_SENDER)
    assert sms(client, settings, "+4915799999999", "Hallo??") == reply_xml(None)
    inbound = db.scalars(select(Message).where(Message.direction == MessageDirection.INBOUND)).all()
    assert [(m.volunteer_id, m.handled_at, m.status) for m in inbound] == [(None, None, MessageStatus.RECEIVED)] * 2
    clock.advance(days=1, seconds=1)
    assert sms(client, settings, "+4915799999999", "Hallo?") == reply_xml(sms_texts.UNKNOWN_SENDER)


def test_a_withheld_sender_is_stored_but_not_answered(db, client, settings):
    assert sms(client, settings, "FluxxInfo", "Werbung") == reply_xml(None)
    assert messages(db)[0].from_number == "FluxxInfo"


def test_our_answer_is_kept_in_the_message_log_but_not_sent_again_by_the_outbox(db, client, settings):
    volunteer = make_volunteer(db)
    sms(client, settings, volunteer.phone, "STOPP")
    inbound, answer = messages(db)
    assert answer.direction == MessageDirection.OUTBOUND and answer.to_number == volunteer.phone
    assert answer.body == sms_texts.OPTED_OUT and answer.status == MessageStatus.SENT
    assert answer.twilio_sid is None and answer.volunteer_id == volunteer.id


def test_a_repeated_webhook_for_the_same_message_sid_stores_and_answers_once(db, client, settings):
    volunteer = make_volunteer(db)
    sid = "SM" + "a" * 32
    sms(client, settings, volunteer.phone, "HILFE", sid=sid)
    assert sms(client, settings, volunteer.phone, "HILFE", sid=sid) == reply_xml(None)
    assert len(messages(db)) == 2  # the message and one answer


def test_emoji_and_1600_characters_are_stored_intact(db, client, settings):
    volunteer = make_volunteer(db)
    body = ("Ja gerne 😊👍🏽 – Grüße aus Döhren! " * 60)[:1598] + "🙂"
    sms(client, settings, volunteer.phone, body)
    assert messages(db)[0].body == body


def test_an_unsigned_inbound_sms_is_refused_and_nothing_is_stored(db, client, settings):
    volunteer = make_volunteer(db)
    response = client.post("/twilio/sms/incoming", data={"From": volunteer.phone, "Body": "STOPP"})
    assert response.status_code == 403
    db.refresh(volunteer)
    assert messages(db) == [] and volunteer.sms_opt_in is True
