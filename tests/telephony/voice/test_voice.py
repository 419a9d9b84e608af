from datetime import datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CallStatus, CaseChannel, CaseStatus, Need
from tests.factories import make_staff
from tests.telephony.voice.voice_helpers import spoken, twiml_of, verbs
from tests.twilio_helpers import post_signed, voice_params

BERLIN = ZoneInfo("Europe/Berlin")
BASE = "http://testserver"


def incoming(client, settings, sid="CA100"):
    return post_signed(client, settings, "/twilio/voice/incoming", voice_params(sid))


def menu(client, settings, sid="CA100", attempt=1, **answer):
    return post_signed(client, settings, "/twilio/voice/menu", voice_params(sid, **answer), query=f"attempt={attempt}")


def the_call(db, sid="CA100") -> Call:
    """The call with its case and its status history (relationships that never load lazily)."""
    db.expire_all()
    return db.scalar(select(Call).where(Call.call_sid == sid).options(joinedload(Call.case), selectinload(Call.events)))


def test_an_incoming_call_in_open_hours_is_greeted_in_german_and_offered_the_menu(client, settings, db):
    root = twiml_of(incoming(client, settings))
    assert verbs(root) == ["Say", "Say", "Gather"]
    first = root.find("Say")
    assert first.get("language") == "de-DE" and first.get("voice") == "Polly.Vicki-Neural"
    assert "Fluxxfon" in first.text
    assert "Gespräche werden nicht aufgezeichnet" in spoken(root)
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "de-DE" and gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("action") == f"{BASE}/twilio/voice/menu?attempt=1"
    assert "Kinderbetreuung" in gather.get("hints")
    assert "Für Kinderbetreuung drücken Sie die 1" in spoken(gather)
    call = the_call(db)
    assert call.from_number == "+4951112345678"
    assert call.case.channel == CaseChannel.PHONE and call.case.caller_phone == "+4951112345678"
    assert call.case.number == "2026-000001" and call.case.status == CaseStatus.NEW


def test_a_retried_incoming_webhook_makes_one_call_and_one_case(client, settings, db):
    incoming(client, settings)
    incoming(client, settings)
    assert db.scalar(select(func.count()).select_from(Call)) == 1
    assert db.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize(
    ("answer", "need", "whisper"),
    [
        ({"Digits": "1"}, Need.CHILD_CARE, "Kinderbetreuung"),
        ({"Digits": "2"}, Need.RELATIVE_CARE, "Betreuung von Angehörigen"),
        ({"Digits": "3"}, Need.DRIVING, "Fahrdienst"),
        ({"Digits": "0"}, Need.OTHER, "anderes Anliegen"),
        ({"SpeechResult": "Kinderbetreuung", "Confidence": "0.92"}, Need.CHILD_CARE, "Kinderbetreuung"),
        (
            {"SpeechResult": "Meine Mutter braucht Betreuung", "Confidence": "0.8"},
            Need.RELATIVE_CARE,
            "Betreuung von Angehörigen",
        ),
        ({"SpeechResult": "Fahrdienst", "Confidence": "0.9"}, Need.DRIVING, "Fahrdienst"),
        ({"SpeechResult": "etwas anderes", "Confidence": "0.7"}, Need.OTHER, "anderes Anliegen"),
    ],
)
def test_each_menu_choice_sets_the_need_and_rings_the_staff(client, settings, db, answer, need, whisper):
    staff = make_staff(db, on_duty=True, phone="0511 1234567")
    incoming(client, settings)
    root = twiml_of(menu(client, settings, **answer))
    assert the_call(db).case.need == need
    dial = root.find("Dial")
    assert dial.get("callerId") == "+4951116832110"
    assert dial.get("answerOnBridge") == "true" and dial.get("timeout") == "25"
    assert dial.get("action") == f"{BASE}/twilio/voice/dial-result"
    number = dial.find("Number")
    assert number.text == "+495111234567"
    screen_url = number.get("url")
    assert screen_url == f"{BASE}/twilio/voice/screen?call=CA100&staff={staff.id}"
    screening = twiml_of(post_signed(client, settings, "/twilio/voice/screen",
                                     voice_params("CA-LEG-1", Direction="outbound-dial", ParentCallSid="CA100"),
                                     query=urlparse(screen_url).query))  # fmt: skip
    assert f"Fluxx-Anruf: {whisper}" in spoken(screening)


def test_no_input_is_repeated_once_then_routed_as_anything_else(client, settings, db):
    make_staff(db, on_duty=True)
    incoming(client, settings)
    again = twiml_of(menu(client, settings, attempt=1))
    assert spoken(again).startswith("Das haben wir leider nicht verstanden.")
    assert again.find("Gather").get("action") == f"{BASE}/twilio/voice/menu?attempt=2"
    assert the_call(db).case.need is None
    routed = twiml_of(menu(client, settings, attempt=2, Digits="9"))
    assert routed.find("Dial") is not None
    assert the_call(db).case.need == Need.OTHER


def test_everyone_on_duty_with_a_phone_is_rung_at_once(client, settings, db):
    on = [make_staff(db, on_duty=True, phone=f"0511 77700{n}") for n in range(3)]
    make_staff(db, on_duty=False, phone="0511 7770099")
    make_staff(db, on_duty=True, phone=None)
    inactive = make_staff(db, on_duty=True, phone="0511 7770088")
    inactive.is_active = False
    db.commit()
    incoming(client, settings)
    numbers = twiml_of(menu(client, settings, Digits="1")).findall("Dial/Number")
    assert sorted(n.text for n in numbers) == sorted(s.phone for s in on)


def test_with_more_than_ten_on_duty_the_least_recently_rung_ten_are_rung(client, settings, db, clock):
    staff = [make_staff(db, on_duty=True, phone=f"0511 88800{n:02d}") for n in range(12)]
    incoming(client, settings, "CA1")
    first = {n.text for n in twiml_of(menu(client, settings, "CA1", Digits="1")).findall("Dial/Number")}
    assert len(first) == 10
    clock.advance(minutes=5)
    incoming(client, settings, "CA2")
    second = {n.text for n in twiml_of(menu(client, settings, "CA2", Digits="1")).findall("Dial/Number")}
    left_out = {s.phone for s in staff} - first
    assert left_out <= second and len(second) == 10


def test_nobody_on_duty_means_an_apology_and_a_voicemail(client, settings, db):
    incoming(client, settings)
    root = twiml_of(menu(client, settings, Digits="1"))
    assert "Leider ist gerade niemand von uns frei" in spoken(root)
    assert "1 1 2" in spoken(root)
    record = root.find("Record")
    assert record.get("maxLength") == "120" and record.get("finishOnKey") == "#"
    assert record.get("action") == f"{BASE}/twilio/voice/voicemail"
    assert root.find("Dial") is None
    assert the_call(db).case.callback_needed is True


def test_a_staff_member_who_presses_1_takes_the_call(client, settings, db):
    staff = make_staff(db, on_duty=True)
    incoming(client, settings)
    menu(client, settings, Digits="1")
    query = f"call=CA100&staff={staff.id}"
    params = voice_params("CA-LEG-1", Digits="1", Direction="outbound-dial", ParentCallSid="CA100")
    root = twiml_of(post_signed(client, settings, "/twilio/voice/screen/answer", params, query=query))
    assert root.find("Hangup") is None  # the end of the screening connects the leg
    assert spoken(root) == "Sie werden jetzt verbunden."
    call = the_call(db)
    assert call.accepted_by_id == staff.id
    assert call.case.counsellor_id == staff.id and call.case.status == CaseStatus.IN_COUNSELLING
    done = twiml_of(post_signed(client, settings, "/twilio/voice/dial-result",
                                voice_params("CA100", DialCallStatus="completed", DialCallDuration="312",
                                             DialBridged="true")))  # fmt: skip
    assert verbs(done) == ["Hangup"]
    assert the_call(db).case.callback_needed is False


def test_a_staff_leg_without_a_key_press_hangs_up_so_no_mailbox_takes_the_call(client, settings, db):
    staff = make_staff(db, on_duty=True)
    incoming(client, settings)
    menu(client, settings, Digits="2")
    query = f"call=CA100&staff={staff.id}"
    screening = twiml_of(post_signed(client, settings, "/twilio/voice/screen", voice_params("CA-LEG-1"), query=query))
    assert verbs(screening) == ["Gather", "Say", "Hangup"]
    assert screening.find("Gather").get("numDigits") == "1"
    root = twiml_of(post_signed(client, settings, "/twilio/voice/screen/answer", voice_params("CA-LEG-1"), query=query))
    assert verbs(root)[-1] == "Hangup"
    assert the_call(db).accepted_by_id is None


def test_the_second_staff_member_to_press_1_is_told_the_call_is_taken(client, settings, db):
    first, second = make_staff(db, on_duty=True), make_staff(db, on_duty=True)
    incoming(client, settings)
    menu(client, settings, Digits="1")
    for person, leg in ((first, "CA-LEG-1"), (second, "CA-LEG-2")):
        root = twiml_of(post_signed(client, settings, "/twilio/voice/screen/answer", voice_params(leg, Digits="1"),
                                    query=f"call=CA100&staff={person.id}"))  # fmt: skip
    assert "schon von jemand anderem angenommen" in spoken(root) and verbs(root)[-1] == "Hangup"
    assert the_call(db).accepted_by_id == first.id


@pytest.mark.parametrize("dial_status", ["no-answer", "busy", "failed", "completed"])
def test_when_nobody_takes_the_call_the_caller_can_leave_a_voicemail(client, settings, db, dial_status):
    make_staff(db, on_duty=True)
    incoming(client, settings)
    menu(client, settings, Digits="1")
    root = twiml_of(post_signed(client, settings, "/twilio/voice/dial-result",
                                voice_params("CA100", DialCallStatus=dial_status, DialCallSid="CA-LEG-1")))  # fmt: skip
    assert "Wir rufen Sie so bald wie möglich zurück" in spoken(root)
    assert root.find("Record") is not None
    call = the_call(db)
    assert call.dial_status == dial_status and call.case.callback_needed is True

    recording_url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "a" * 32
    thanks = twiml_of(post_signed(client, settings, "/twilio/voice/voicemail",
                                  voice_params("CA100", RecordingUrl=recording_url, RecordingDuration="42",
                                               Digits="#")))  # fmt: skip
    assert spoken(thanks).startswith("Vielen Dank für Ihre Nachricht")
    call = the_call(db)
    assert call.recording_sid == "RE" + "a" * 32 and call.recording_duration_seconds == 42
    assert call.case.channel == CaseChannel.VOICEMAIL


def closed_call(client, settings, clock, moment):
    clock.at = moment
    return twiml_of(incoming(client, settings))


def test_outside_opening_hours_the_caller_hears_the_hours_112_and_can_leave_a_message(client, settings, db, clock):
    root = closed_call(client, settings, clock, datetime(2026, 11, 27, 19, 0, tzinfo=BERLIN))  # Friday evening
    text = spoken(root)
    assert "Sie rufen außerhalb unserer Telefonzeiten an." in text
    assert "montags bis freitags von 8 Uhr bis 18 Uhr, außer an Feiertagen" in text
    assert "Am Montag, 30. November, ab 8 Uhr sind wir wieder für Sie da." in text
    assert "1 1 2" in text
    assert root.find("Gather") is None and root.find("Record") is not None
    assert the_call(db).case.callback_needed is True


def test_reformation_day_is_closed_in_lower_saxony(client, settings, db, clock):
    root = closed_call(client, settings, clock, datetime(2025, 10, 31, 10, 0, tzinfo=BERLIN))  # a Friday
    assert "außerhalb unserer Telefonzeiten" in spoken(root)
    assert "Am Montag, 3. November, ab 8 Uhr" in spoken(root)


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, settings, db):
    params = voice_params("CA666")
    forged = client.post("/twilio/voice/incoming", data=params, headers={"X-Twilio-Signature": "AAAA"})
    unsigned = client.post("/twilio/voice/incoming", data=params)
    assert forged.status_code == unsigned.status_code == 403
    # Signed for another URL (e.g. a replay against another path) does not count either.
    from telephony.webhooks import sign

    elsewhere = sign(settings.webhook_auth_token, f"{BASE}/twilio/voice/status", params)
    assert (
        client.post("/twilio/voice/incoming", data=params, headers={"X-Twilio-Signature": elsewhere}).status_code == 403
    )
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(engine, clock, db):
    from fastapi.testclient import TestClient

    from fluxx.factory import create_app
    from tests.conftest import make_settings

    settings = make_settings(engine, public_base_url="https://fluxx.example.de")
    with TestClient(create_app(settings, clock=clock, engine=engine), base_url="http://10.0.0.5:8000") as client:
        assert post_signed(client, settings, "/twilio/voice/incoming", voice_params("CA7")).status_code == 200


def status(client, settings, value, **extra):
    return post_signed(client, settings, "/twilio/voice/status", voice_params("CA100", CallStatus=value, **extra))


def test_status_callbacks_out_of_order_never_move_a_call_back(client, settings, db):
    incoming(client, settings)
    twiml_of(status(client, settings, "in-progress"))
    twiml_of(status(client, settings, "completed", CallDuration="95"))
    twiml_of(status(client, settings, "ringing"))  # late
    twiml_of(status(client, settings, "in-progress"))  # duplicate, late
    twiml_of(status(client, settings, "completed", CallDuration="95"))  # duplicate
    call = the_call(db)
    assert call.status == CallStatus.COMPLETED
    assert call.duration_seconds == 95 and call.ended_at is not None and call.answered_at is not None
    assert [e.status for e in call.events if e.source == "status"] == [
        "in-progress", "completed", "ringing", "in-progress", "completed",
    ]  # fmt: skip


def test_a_status_callback_for_a_call_we_never_saw_still_becomes_a_case_to_call_back(client, settings, db):
    post_signed(client, settings, "/twilio/voice/status", voice_params("CA404", CallStatus="completed"))
    call = the_call(db, "CA404")
    assert call.status == CallStatus.COMPLETED and call.case.callback_needed is True


def test_the_fallback_answers_without_a_database(engine, clock):
    from fastapi.testclient import TestClient

    from core.db import make_engine
    from fluxx.factory import create_app
    from tests.conftest import make_settings

    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 1})
    settings = make_settings(engine)
    with TestClient(create_app(settings, clock=clock, engine=gone)) as client:
        root = twiml_of(
            post_signed(
                client,
                settings,
                "/twilio/voice/fallback",
                voice_params("CA9", ErrorCode="11200", ErrorUrl=f"{BASE}/twilio/voice/incoming"),
            )
        )
        assert "technische Störung" in spoken(root) and root.find("Record") is not None
        # The primary handler with the database gone answers the same instead of an error.
        primary = twiml_of(post_signed(client, settings, "/twilio/voice/incoming", voice_params("CA9")))
        assert "technische Störung" in spoken(primary)
        thanks = twiml_of(post_signed(client, settings, "/twilio/voice/fallback/voicemail",
                                      voice_params("CA9", RecordingUrl=f"{BASE}/RE{'b' * 32}",
                                                   RecordingDuration="10")))  # fmt: skip
        assert "Vielen Dank" in spoken(thanks)


def test_the_fallback_dials_the_stand_in_number_when_one_is_set(engine, clock):
    from fastapi.testclient import TestClient

    from fluxx.factory import create_app
    from tests.conftest import make_settings

    settings = make_settings(engine, fallback_number="0511 168-40000")
    with TestClient(create_app(settings, clock=clock, engine=engine)) as client:
        root = twiml_of(post_signed(client, settings, "/twilio/voice/fallback", voice_params("CA9")))
    assert root.find("Dial").text == "+4951116840000"
    assert root.find("Dial").get("callerId") == "+4951116832110"


def test_screen_urls_carry_the_parent_call_and_the_staff_member(client, settings, db):
    staff = make_staff(db, on_duty=True)
    incoming(client, settings)
    number = twiml_of(menu(client, settings, Digits="3")).find("Dial/Number")
    assert parse_qs(urlparse(number.get("url")).query) == {"call": ["CA100"], "staff": [str(staff.id)]}


def test_a_refused_request_is_logged_without_personal_data(client, settings, caplog):
    caplog.set_level("WARNING", logger="fluxx.telephony")
    client.post("/twilio/voice/incoming", data=voice_params("CA666", From="+4917612345678"))
    assert "refused POST /twilio/voice/incoming: no signature" in caplog.text
    assert "4917612345678" not in caplog.text and "CA666" not in caplog.text
