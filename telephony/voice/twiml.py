"""TwiML for each step of a call, built with the twilio SDK (never hand-written XML)."""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from casework.enums import Need
from telephony.voice import texts

RING_SECONDS = 25
SCREEN_SECONDS = 8
VOICEMAIL_SECONDS = 120


def _say(target: VoiceResponse, text: str) -> None:
    target.say(text, voice=texts.VOICE, language=texts.LANGUAGE)


def url(base: str, path: str, **query: object) -> str:
    return base + path + (f"?{urlencode(query)}" if query else "")


def menu(base: str, *, attempt: int, greet: bool) -> VoiceResponse:
    """Greeting and data notice on the first attempt, then the menu by key and by voice."""
    response = VoiceResponse()
    if greet:
        _say(response, texts.GREETING)
        _say(response, texts.DATA_NOTICE)
    else:
        _say(response, texts.NOT_UNDERSTOOD)
    gather = response.gather(
        input="dtmf speech",
        num_digits=1,
        timeout=6,
        speech_timeout="auto",
        language=texts.LANGUAGE,
        hints=texts.SPEECH_HINTS,
        action=url(base, "/twilio/voice/menu", attempt=attempt),
        method="POST",
        action_on_empty_result=True,
    )
    _say(gather, texts.MENU)
    return response


def ring_staff(base: str, *, call_sid: str, hotline: str, staff: list[tuple[int, str]]) -> VoiceResponse:
    """Ring everyone on duty at once; each leg is screened so that only a key press connects."""
    response = VoiceResponse()
    _say(response, texts.CONNECTING)
    dial = response.dial(
        action=url(base, "/twilio/voice/dial-result"),
        method="POST",
        caller_id=hotline,
        answer_on_bridge=True,
        timeout=RING_SECONDS,
    )
    for staff_id, phone in staff:
        dial.number(phone, url=url(base, "/twilio/voice/screen", call=call_sid, staff=staff_id), method="POST")
    return response


def screen(
    base: str, *, call_sid: str, staff_id: int, need: Need | None, known_family: bool = False,
    counsellor: str | None = None,
) -> VoiceResponse:  # fmt: skip
    """The whisper on a staff member's phone. Without the key press the leg hangs up (no mailbox)."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=SCREEN_SECONDS,
        action=url(base, "/twilio/voice/screen/answer", call=call_sid, staff=staff_id),
        method="POST",
        action_on_empty_result=True,
    )
    _say(gather, texts.whisper(need, known_family=known_family, counsellor=counsellor))
    _say(response, texts.WHISPER_NOT_TAKEN)
    response.hangup()
    return response


def screen_result(*, accepted: bool, taken_by_other: bool) -> VoiceResponse:
    """An empty end of the screening connects the leg; a hang-up declines it."""
    response = VoiceResponse()
    if accepted:
        _say(response, texts.ACCEPTED)
        return response
    _say(response, texts.ALREADY_TAKEN if taken_by_other else texts.WHISPER_NOT_TAKEN)
    response.hangup()
    return response


def voicemail(base: str, *, lead: list[str]) -> VoiceResponse:
    """Say why, then record a message of at most two minutes (the only recording we ever make)."""
    response = VoiceResponse()
    for sentence in lead:
        _say(response, sentence)
    _say(response, texts.VOICEMAIL_PROMPT)
    response.record(
        action=url(base, "/twilio/voice/voicemail"),
        method="POST",
        max_length=VOICEMAIL_SECONDS,
        finish_on_key="#",
        play_beep=True,
        timeout=10,
        recording_status_callback=url(base, "/twilio/voice/recording"),
        recording_status_callback_method="POST",
    )
    _say(response, texts.NO_VOICEMAIL)
    response.hangup()
    return response


def goodbye(text: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, text)
    response.hangup()
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def fallback(base: str, *, fallback_number: str, hotline: str) -> VoiceResponse:
    """When our primary handler fails: apologise, then a stand-in number or a voicemail."""
    response = VoiceResponse()
    _say(response, texts.FALLBACK_APOLOGY)
    if fallback_number:
        _say(response, texts.FALLBACK_CONNECTING)
        response.dial(fallback_number, caller_id=hotline, timeout=RING_SECONDS, answer_on_bridge=True)
        return response
    _say(response, texts.VOICEMAIL_PROMPT)
    response.record(
        action=url(base, "/twilio/voice/fallback/voicemail"), method="POST", max_length=VOICEMAIL_SECONDS,
        finish_on_key="#", play_beep=True, timeout=10,
    )  # fmt: skip
    _say(response, texts.VOICEMAIL_THANKS)
    response.hangup()
    return response


def empty() -> VoiceResponse:
    return VoiceResponse()
