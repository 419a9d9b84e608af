"""Voice webhooks: the IVR, ringing the staff on duty, screening, voicemail, status callbacks, fallback."""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from casework import calls
from casework.call_status import parse_call_status
from casework.enums import Need
from casework.models import Call
from fluxx.core import web
from fluxx.core.settings import Settings
from fluxx.core.web import DB
from telephony import ivr, voice_texts, voice_twiml
from telephony.opening_hours import HotlineHours
from telephony.webhooks import TwilioForm, twiml

log = logging.getLogger("fluxx.telephony")
router = APIRouter(prefix="/twilio/voice")


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _hours(request: Request) -> HotlineHours:
    state = request.app.state
    if getattr(state, "hotline_hours", None) is None:
        state.hotline_hours = HotlineHours(state.settings.opening_hours, state.settings.zone)
    return state.hotline_hours


def _call(request: Request, db: DB, form: FormData) -> Call:
    """The call this request is about; found by CallSid, created if an earlier step never reached us."""
    call_sid = str(form.get("CallSid") or "")
    if not call_sid:
        raise HTTPException(status_code=400, detail="CallSid fehlt.")
    settings = _settings(request)
    return calls.register_incoming_call(
        db, call_sid=call_sid, from_number=str(form.get("From") or ""), to_number=str(form.get("To") or ""),
        now=web.now(request), zone=settings.zone,
    )  # fmt: skip


def _closed_lead(request: Request, now: datetime) -> list[str]:
    settings = _settings(request)
    hours = _hours(request)
    described = voice_texts.describe_hours(settings.opening_hours)
    next_open = voice_texts.next_opening_sentence(hours.next_opening(now), now.astimezone(settings.zone))
    return [voice_texts.CLOSED, *([described] if described else []), next_open, voice_texts.ACUTE_DANGER]


def _nobody(request: Request, call: Call) -> Response:
    calls.needs_callback(call, now=web.now(request))
    lead = [voice_texts.NOBODY_AVAILABLE, voice_texts.ACUTE_DANGER]
    return twiml(voice_twiml.voicemail(_settings(request).public_base_url, lead=lead))


@router.post("/incoming")
def incoming(request: Request, db: DB, form: TwilioForm) -> Response:
    call = _call(request, db, form)
    now = web.now(request)
    if not _hours(request).is_open(now):
        calls.needs_callback(call, now=now)
        return twiml(voice_twiml.voicemail(_settings(request).public_base_url, lead=_closed_lead(request, now)))
    return twiml(voice_twiml.menu(_settings(request).public_base_url, attempt=1, greet=True))


@router.post("/menu")
def menu(request: Request, db: DB, form: TwilioForm, attempt: int = 1) -> Response:
    call = _call(request, db, form)
    settings = _settings(request)
    choice = ivr.menu_choice(str(form.get("Digits") or ""), str(form.get("SpeechResult") or ""))
    if choice is None and attempt < ivr.MENU_ATTEMPTS:
        return twiml(voice_twiml.menu(settings.public_base_url, attempt=attempt + 1, greet=False))
    calls.set_need(call, choice or Need.OTHER, now=web.now(request))
    staff = calls.staff_to_ring(db, now=web.now(request))
    if not staff:
        return _nobody(request, call)
    return twiml(
        voice_twiml.ring_staff(
            settings.public_base_url, call_sid=call.call_sid, hotline=settings.hotline_number,
            staff=[(person.id, person.phone or "") for person in staff],
        )
    )  # fmt: skip


@router.post("/screen")
def screen(request: Request, db: DB, form: TwilioForm, call: str = "", staff: int = 0) -> Response:
    """Runs on the staff member's leg after they pick up: Twilio's CallSid here is that leg's."""
    parent = calls.get_by_sid(db, call_sid=call)
    if parent is None:
        return twiml(voice_twiml.hangup())
    need = parent.case.need if parent.case else None
    return twiml(voice_twiml.screen(_settings(request).public_base_url, call_sid=call, staff_id=staff, need=need))


@router.post("/screen/answer")
def screen_answer(request: Request, db: DB, form: TwilioForm, call: str = "", staff: int = 0) -> Response:
    parent = calls.get_by_sid(db, call_sid=call)
    if parent is None or str(form.get("Digits") or "") != "1":
        return twiml(voice_twiml.screen_result(accepted=False, taken_by_other=False))
    won = calls.accept(db, call=parent, staff_id=staff, now=web.now(request))
    return twiml(voice_twiml.screen_result(accepted=won, taken_by_other=not won))


@router.post("/dial-result")
def dial_result(request: Request, db: DB, form: TwilioForm) -> Response:
    call = _call(request, db, form)
    calls.record_dial_result(db, call=call, dial_status=str(form.get("DialCallStatus") or ""), now=web.now(request))
    if call.accepted_by_id is not None:
        return twiml(voice_twiml.hangup())  # the conversation took place and is over
    return _nobody(request, call)


def _recording(form: FormData) -> tuple[str, str, int | None] | None:
    url = str(form.get("RecordingUrl") or "")
    if not url:
        return None
    sid = str(form.get("RecordingSid") or "") or url.rstrip("/").rsplit("/", 1)[-1]
    duration = str(form.get("RecordingDuration") or "")
    return sid, url, int(duration) if duration.isdigit() else None


@router.post("/voicemail")
def voicemail(request: Request, db: DB, form: TwilioForm) -> Response:
    call = _call(request, db, form)
    recording = _recording(form)
    if recording is None:
        return twiml(voice_twiml.goodbye(voice_texts.NO_VOICEMAIL))
    sid, url, duration = recording
    calls.store_voicemail(call, recording_sid=sid, url=url, duration=duration, now=web.now(request))
    return twiml(voice_twiml.goodbye(voice_texts.VOICEMAIL_THANKS))


@router.post("/recording")
def recording_status(request: Request, db: DB, form: TwilioForm) -> Response:
    recording = _recording(form)
    if recording is not None and str(form.get("RecordingStatus") or "completed") == "completed":
        sid, url, duration = recording
        calls.store_voicemail(_call(request, db, form), recording_sid=sid, url=url, duration=duration,
                              now=web.now(request))  # fmt: skip
    return twiml(voice_twiml.empty())


@router.post("/status")
def status(request: Request, db: DB, form: TwilioForm) -> Response:
    call = _call(request, db, form)
    reported = parse_call_status(str(form.get("CallStatus") or ""))
    if reported is not None:
        duration = str(form.get("CallDuration") or "")
        calls.apply_status(
            db, call=call, reported=reported, duration=int(duration) if duration.isdigit() else None,
            source="status", now=web.now(request),
        )  # fmt: skip
    return twiml(voice_twiml.empty())


@router.post("/fallback")
def fallback(request: Request, form: TwilioForm) -> Response:
    """Twilio calls this when the primary handler failed. It never touches the database."""
    settings = _settings(request)
    response = voice_twiml.fallback(
        settings.public_base_url, fallback_number=settings.fallback_number, hotline=settings.hotline_number
    )
    return twiml(response)


@router.post("/fallback/voicemail")
def fallback_voicemail(request: Request, form: TwilioForm) -> Response:
    """Keep the voicemail if the database is back; thank the caller either way."""
    recording = _recording(form)
    if recording is not None and form.get("CallSid"):
        try:
            with request.app.state.sessionmaker() as db, db.begin():
                call = _call(request, db, form)
                calls.needs_callback(call, now=web.now(request))
                sid, url, duration = recording
                calls.store_voicemail(call, recording_sid=sid, url=url, duration=duration, now=web.now(request))
        except Exception:
            log.exception("fallback voicemail not stored (database unavailable?)")
    return twiml(voice_twiml.goodbye(voice_texts.VOICEMAIL_THANKS))
