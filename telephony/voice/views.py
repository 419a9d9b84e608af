"""Voice at the edge: Twilio's webhooks (the IVR, ringing the staff on duty, screening, voicemail, status
callbacks, fallback) and the staff route that plays a voicemail."""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from casework.calls import service as calls
from casework.calls.models import Call
from casework.calls.rules import parse_call_status
from casework.cases import family
from casework.enums import Need
from core import audit, web
from core.context import context_of
from core.db import describe_error, transaction
from core.formats import ascii_int
from core.group_commit import GroupCommit
from core.settings import Settings
from core.web import DB, CurrentStaff, actor
from telephony.voice import rules, service, texts
from telephony.voice import twiml as voice_twiml
from telephony.webhooks import TwilioForm, WebhookRoute, in_webhook_thread, twiml, verified_twilio_form

log = logging.getLogger("fluxx.telephony")


class NoCallSid(Exception):
    """A voice request without a CallSid: nothing to find or store, but the caller still hears something."""


# Status callbacks: nobody listens to what they answer.
CALLBACKS = ("/twilio/voice/status", "/twilio/voice/recording")


class TwimlRoute(WebhookRoute):
    """A voice request Twilio would never send (no CallSid, a mangled query of our own URL) still gets TwiML:
    any 4xx makes Twilio play its own English error to the caller. The signature check's 403 stays."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        path = self.path

        async def answer(request: Request) -> Response:
            return await _answered(request, path, handle(request), unusable=(NoCallSid, RequestValidationError))

        return answer


async def _answered(
    request: Request, path: str, work: Awaitable[Response], *, unusable: tuple[type[Exception], ...]
) -> Response:
    """`work`'s answer; what a voice route answers when it cannot go on (`TwimlRoute`, `_step`)."""
    try:
        return await work
    except SQLAlchemyError as exc:
        if path not in CALLBACKS:
            raise  # the app's handler answers the caller with the fallback
        # A callback that answers TwiML is not a caller: an empty answer, and the reason in the log.
        log.error("database error on %s: %s", path, describe_error(exc))
        return twiml(voice_twiml.empty())
    except unusable as exc:
        log.warning("unusable request to %s: %s", path, type(exc).__name__)
        return twiml(voice_twiml.empty()) if path in CALLBACKS else _fallback_twiml(request)


class BadQuery(Exception):
    """A parameter of our own URL's query (`attempt`, `staff`) that is not what we put there."""


def _fallback_twiml(request: Request) -> Response:
    settings = _settings(request)
    return twiml(voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                                      hotline=settings.hotline_number))  # fmt: skip


def _query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    number = ascii_int(raw)
    if number is None:
        raise BadQuery(name)
    return number


Step = Callable[[Request, Session, FormData], Response]


webhooks = APIRouter(prefix="/twilio/voice", route_class=TwimlRoute)


def _step(path: str) -> Callable[[Step], Step]:
    """A voice step that works in the database, as a plain route like `incoming`: the signed form is read on the
    event loop, the step runs in one transaction on the webhooks' threads (`in_webhook_thread`), one hop.

    As FastAPI routes with the request's transaction as a dependency, the steps took three hops between the event
    loop and the threads each (the dependency's start and end, the route), and FastAPI's dependency resolution on
    the event loop: at 80× the event loop held a third of the server's interpreter time, and every hop and round
    trip of a request waited for it (bench/notes.md). It answers as `TwimlRoute` does: a bad signature 403; no
    CallSid or a mangled query of our own URL the fallback TwiML (a status callback an empty answer); a database
    error the app's fallback (a status callback an empty answer, the reason in the log)."""
    full = webhooks.prefix + path

    def register(step: Step) -> Step:
        async def endpoint(request: Request) -> Response:
            form = await verified_twilio_form(request)
            work = in_webhook_thread(partial(_unit_of_work, step, request, form))
            return await _answered(request, full, work, unusable=(NoCallSid, BadQuery))

        webhooks.add_route(full, endpoint, methods=["POST"])
        return step

    return register


def _unit_of_work(step: Step, request: Request, form: FormData) -> Response:
    with transaction(context_of(request).sessionmaker) as db:
        return step(request, db, form)


# Staff play voicemails through this authenticated route (see telephony.voice.service).
router = APIRouter()


def _settings(request: Request) -> Settings:
    settings: Settings = context_of(request).settings
    return settings


def _hours(request: Request) -> rules.HotlineHours:
    settings = _settings(request)
    return _hotline_hours(settings.opening_hours, settings.zone)


@lru_cache(maxsize=8)
def _hotline_hours(opening_hours: str, zone: ZoneInfo) -> rules.HotlineHours:
    """Opening hours and holidays, built once per setting (the holidays calendar is not free to build)."""
    return rules.HotlineHours(opening_hours, zone)


def _call(request: Request, db: Session, form: FormData) -> Call:
    """The call this request is about; found by CallSid, created if an earlier step never reached us."""
    call_sid = str(form.get("CallSid") or "")
    if not call_sid:
        raise NoCallSid()
    settings = _settings(request)
    return calls.register_incoming_call(
        db, call_sid=call_sid, from_number=str(form.get("From") or ""), to_number=str(form.get("To") or ""),
        now=web.now(request), zone=settings.zone,
    )  # fmt: skip


def _closed_lead(request: Request, now: datetime) -> list[str]:
    settings = _settings(request)
    hours = _hours(request)
    described = texts.describe_hours(hours.weekly_hours())
    next_open = texts.next_opening_sentence(hours.next_opening(now), now.astimezone(settings.zone))
    return [texts.CLOSED, *([described] if described else []), next_open, texts.ACUTE_DANGER]


def _nobody(request: Request, call: Call) -> Response:
    calls.needs_callback(call, now=web.now(request))
    lead = [texts.NOBODY_AVAILABLE, texts.ACUTE_DANGER]
    return twiml(voice_twiml.voicemail(_settings(request).public_base_url, lead=lead))


@lru_cache(maxsize=8)
def _first_menu(base: str) -> str:
    """The greeting and menu every caller hears first: the same TwiML for every call, built once."""
    return str(voice_twiml.menu(base, attempt=1, greet=True))


_intakes: WeakKeyDictionary[sessionmaker[Session], GroupCommit[calls.NewCall, int]] = WeakKeyDictionary()
_intakes_lock = threading.Lock()


def _intake(request: Request) -> GroupCommit[calls.NewCall, int]:
    """The app's writer of new calls: the calls arriving together are committed together."""
    factory = context_of(request).sessionmaker
    with _intakes_lock:
        intake = _intakes.get(factory)
        if intake is None:
            intake = _intakes[factory] = GroupCommit(factory, calls.store_new_calls, name="fluxx-call-intake")
        return intake


async def incoming(request: Request) -> Response:
    """A new call: a new case, and the menu (or, when closed, the voicemail).

    The hot path of the busiest hour. SQLite has one writer, so the write transaction holds nothing but
    the inserts of `calls.store_new_call`: the answer, the opening hours and the numbers are worked out
    before it, no row is read first (a CallSid already stored fails the insert; see below), and the calls
    that arrive together are committed together by one writer thread (`core.group_commit`) while this
    request waits on the event loop.

    A plain Starlette route, not a FastAPI one: it takes nothing but the signed form, and FastAPI's
    dependency resolution and response handling around it were a fifth of the server's CPU per call under
    load (py-spy). It answers as `TwimlRoute` does: no CallSid gets the fallback TwiML, a database error
    the app's handler's fallback, a bad signature 403.
    """
    form = await verified_twilio_form(request)
    call_sid = str(form.get("CallSid") or "")
    settings = _settings(request)
    if not call_sid:
        log.warning("unusable request to %s: %s", request.url.path, NoCallSid.__name__)
        return _fallback_twiml(request)
    now = web.now(request)
    is_open = _hours(request).is_open(now)
    if is_open:
        answer = Response(content=_first_menu(settings.public_base_url), media_type="text/xml")
    else:
        answer = twiml(voice_twiml.voicemail(settings.public_base_url, lead=_closed_lead(request, now)))
    new = calls.new_call(
        call_sid=call_sid, from_number=str(form.get("From") or ""), to_number=str(form.get("To") or ""),
        now=now, zone=settings.zone, callback_needed=not is_open,
    )  # fmt: skip
    try:
        await _intake(request).write(new)
    except IntegrityError:
        # Twilio's retry of a call already stored, or the same webhook twice at once: that call and its
        # case exist; find them (`register_incoming_call`) and store nothing new.
        await run_in_threadpool(_known_call, request, form, now=now, is_open=is_open)
    return answer


webhooks.add_route(webhooks.prefix + "/incoming", incoming, methods=["POST"])


def _known_call(request: Request, form: FormData, *, now: datetime, is_open: bool) -> None:
    with transaction(context_of(request).sessionmaker) as db:
        call = _call(request, db, form)
        if not is_open:
            calls.needs_callback(call, now=now)


@_step("/menu")
def menu(request: Request, db: Session, form: FormData) -> Response:
    attempt = _query_int(request, "attempt", 1)
    call = _call(request, db, form)
    settings = _settings(request)
    choice = rules.menu_choice(str(form.get("Digits") or ""), str(form.get("SpeechResult") or ""))
    if choice is None and attempt < rules.MENU_ATTEMPTS:
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


@_step("/screen")
def screen(request: Request, db: Session, form: FormData) -> Response:
    """Runs on the staff member's leg after they pick up: Twilio's CallSid here is that leg's."""
    call, staff = request.query_params.get("call") or "", _query_int(request, "staff", 0)
    parent = calls.get_by_sid(db, call_sid=call)
    if parent is None:
        return twiml(voice_twiml.hangup())
    need = parent.case.need if parent.case else None
    known = family.known_family(db, case=parent.case) if parent.case else None
    return twiml(
        voice_twiml.screen(
            _settings(request).public_base_url, call_sid=call, staff_id=staff, need=need,
            known_family=known is not None, counsellor=known.counsellor if known else None,
        )
    )  # fmt: skip


@_step("/screen/answer")
def screen_answer(request: Request, db: Session, form: FormData) -> Response:
    call, staff = request.query_params.get("call") or "", _query_int(request, "staff", 0)
    parent = calls.get_by_sid(db, call_sid=call)
    if parent is None or str(form.get("Digits") or "") != "1":
        return twiml(voice_twiml.screen_result(accepted=False, taken_by_other=False))
    won = calls.accept(db, call=parent, staff_id=staff, now=web.now(request), zone=_settings(request).zone)
    return twiml(voice_twiml.screen_result(accepted=won, taken_by_other=not won))


@_step("/dial-result")
def dial_result(request: Request, db: Session, form: FormData) -> Response:
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
    return sid, url, ascii_int(duration)


@_step("/voicemail")
def voicemail(request: Request, db: Session, form: FormData) -> Response:
    call = _call(request, db, form)
    recording = _recording(form)
    if recording is None:
        return twiml(voice_twiml.goodbye(texts.NO_VOICEMAIL))
    sid, url, duration = recording
    calls.store_voicemail(call, recording_sid=sid, url=url, duration=duration, now=web.now(request))
    return twiml(voice_twiml.goodbye(texts.VOICEMAIL_THANKS))


@_step("/recording")
def recording_status(request: Request, db: Session, form: FormData) -> Response:
    recording = _recording(form)
    if recording is not None and str(form.get("RecordingStatus") or "completed") == "completed":
        sid, url, duration = recording
        calls.store_voicemail(_call(request, db, form), recording_sid=sid, url=url, duration=duration,
                              now=web.now(request))  # fmt: skip
    return twiml(voice_twiml.empty())


@_step("/status")
def status(request: Request, db: Session, form: FormData) -> Response:
    call = _call(request, db, form)
    reported = parse_call_status(str(form.get("CallStatus") or ""))
    if reported is not None:
        duration = str(form.get("CallDuration") or "")
        calls.apply_status(
            db, call=call, reported=reported, duration=ascii_int(duration),
            source="status", now=web.now(request),
        )  # fmt: skip
    return twiml(voice_twiml.empty())


@webhooks.post("/fallback")
def fallback(request: Request, form: TwilioForm) -> Response:
    """Twilio calls this when the primary handler failed. It never touches the database."""
    settings = _settings(request)
    response = voice_twiml.fallback(
        settings.public_base_url, fallback_number=settings.fallback_number, hotline=settings.hotline_number
    )
    return twiml(response)


@webhooks.post("/fallback/voicemail")
def fallback_voicemail(request: Request, form: TwilioForm) -> Response:
    """Keep the voicemail if the database is back; thank the caller either way."""
    recording = _recording(form)
    if recording is not None and form.get("CallSid"):
        try:
            with transaction(context_of(request).sessionmaker) as db:
                call = _call(request, db, form)
                calls.needs_callback(call, now=web.now(request))
                sid, url, duration = recording
                calls.store_voicemail(call, recording_sid=sid, url=url, duration=duration, now=web.now(request))
        except Exception as exc:
            log.error("fallback voicemail not stored: %s", describe_error(exc))
    return twiml(voice_twiml.goodbye(texts.VOICEMAIL_THANKS))


@router.get("/calls/{call_id}/voicemail")
def play_voicemail(request: Request, db: DB, staff: CurrentStaff, call_id: int) -> Response:
    call = db.get(Call, call_id)
    if call is None or not call.recording_sid:
        raise HTTPException(status_code=404, detail="Zu diesem Anruf gibt es keine Sprachnachricht.")
    settings: Settings = context_of(request).settings
    audit.record(
        db, actor(request, staff), action="call.voicemail", object_type="call", object_id=call.id,
        case_id=call.case_id,
    )  # fmt: skip
    if settings.simulation:
        return Response(service.simulated_recording(), media_type="audio/wav")
    if not service.RECORDING_SID.match(call.recording_sid):
        raise HTTPException(status_code=404, detail="Diese Aufnahme ist nicht abrufbar.")
    try:
        audio = service.fetch_recording(settings, call.recording_sid)
    except httpx.HTTPError:
        raise HTTPException(
            status_code=502, detail="Die Aufnahme ist gerade nicht abrufbar. Bitte versuchen Sie es später noch einmal."
        ) from None
    return Response(audio, media_type="audio/mpeg")
