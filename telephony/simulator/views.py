"""The phone simulator ("Telefon-Simulator"): only in simulation mode, only for logged-in staff.

It drives our real Twilio webhooks with correctly signed requests, in process through the ASGI app,
so everything a real Twilio request would pass (signature check, middleware, transaction) is passed.
`router` is the simulator's page: every volunteer's inbox and number, answering as them (coordinators and
admins only: counsellors see the page without it, and its routes refuse them with 403); `calls` places a
simulated call and walks through the real IVR (all staff). Both exist only in simulation mode (see
`fluxx.factory`). Every showing of either page is an audited view: the SMS part shows volunteers' names,
numbers and messages, the call part the staff's phone numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

import anyio.from_thread
import httpx
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from core import audit, web
from core.context import context_of
from core.models import Staff, StaffRole
from core.phone import InvalidPhoneNumber, to_e164, try_e164
from core.settings import Settings
from core.web import CSRF, DB, CurrentStaff, actor
from telephony.simulator import service
from telephony.simulator.service import CallSimulator, SimulatedCall
from telephony.webhooks import sign
from volunteers.registry.models import Volunteer

router = APIRouter(prefix="/simulator", dependencies=[Depends(web.current_staff)])

SIM_ACCOUNT_SID = "AC" + "5" * 32  # stands in for the account when there are no credentials


def drive_webhook(request: Request, path: str, params: dict[str, str]) -> httpx.Response:
    """POST `params` to one of our /twilio/* webhooks, signed as Twilio would sign it.

    Call only from a sync route (it runs in a worker thread) and commit first: on SQLite the
    webhook's own transaction would otherwise wait for ours.
    """
    settings: Settings = context_of(request).settings
    url = settings.public_base_url + path
    headers = {"X-Twilio-Signature": sign(settings.webhook_auth_token, url, params)}

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_base_url) as client:
            return await client.post(path, data=params, headers=headers)

    return anyio.from_thread.run(post)


def sms_params(settings: Settings, *, from_number: str, body: str) -> dict[str, str]:
    """The parameters Twilio posts for an inbound SMS."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "AccountSid": settings.twilio_account_sid or SIM_ACCOUNT_SID, "ApiVersion": "2010-04-01",
        "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "SmsStatus": "received",
        "From": from_number, "To": settings.twilio_from, "Body": body, "NumMedia": "0", "NumSegments": "1",
        "FromCountry": "DE", "ToCountry": "DE",
    }  # fmt: skip


INBOXES = StaffRole.COORDINATOR  # who may read the volunteers' inboxes and numbers, and answer as them
NO_INBOXES = "Die SMS und Nummern der Ehrenamtlichen sind nur für Koordination und Verwaltung sichtbar."


@router.get("")
def simulator_page(request: Request, db: DB, staff: CurrentStaff, phone: str = "") -> Response:
    if not staff.has_role(INBOXES):
        if phone:
            raise HTTPException(status_code=403, detail=NO_INBOXES)
        return web.render(request, "telephony/simulator.html", inboxes=False, no_inboxes=NO_INBOXES)
    number = try_e164(phone) if phone else None
    phones = service.phones(db)
    volunteer_id = db.scalar(select(Volunteer.id).where(Volunteer.phone == number)) if number else None
    detail: dict[str, object] = {"count": len(phones)}
    if number and volunteer_id is None:
        detail["phone"] = "other"  # an unknown sender's messages; the number itself is not logged
    audit.viewed(
        db, actor(request, staff), action="simulator.view",
        object_type="volunteer" if volunteer_id else "simulator", object_id=volunteer_id, detail=detail,
    )  # fmt: skip
    return web.render(
        request,
        "telephony/simulator.html",
        inboxes=True,
        phones=phones,
        number=number,
        number_name=service.name_for(db, number) if number else None,
        conversation=service.conversation(db, number=number) if number else [],
        phone_error="Bitte eine gültige Telefonnummer angeben." if phone and not number else None,
    )


@router.post("/sms", dependencies=[CSRF, web.require_role(INBOXES)])
def answer_sms(
    request: Request, db: DB, phone: Annotated[str, Form()] = "", body: Annotated[str, Form()] = ""
) -> Response:
    number = try_e164(phone)
    if number is None or not body.strip():
        return RedirectResponse(_page(phone), status_code=303)
    db.commit()  # the webhook we call next writes; our transaction must not hold the database meanwhile
    params = sms_params(context_of(request).settings, from_number=number, body=body)
    drive_webhook(request, "/twilio/sms/incoming", params)
    return RedirectResponse(_page(number), status_code=303)


def _page(phone: str) -> str:
    return "/simulator?" + urlencode({"phone": phone}) + "#sms"


KEEP_CALLS = 20


# Included only in simulation mode (see fluxx.factory); with Twilio credentials it does not exist.
calls = APIRouter(prefix="/simulator/call", dependencies=[Depends(web.current_staff)])


def _calls(request: Request) -> dict[str, SimulatedCall]:
    if getattr(request.app.state, "simulated_calls", None) is None:
        request.app.state.simulated_calls = {}
    simulated: dict[str, SimulatedCall] = request.app.state.simulated_calls
    return simulated


def _simulator(request: Request) -> CallSimulator:
    base = context_of(request).settings.public_base_url + "/twilio/voice/"

    def post(url: str, params: dict[str, str]) -> str:
        if not url.startswith(base):
            raise HTTPException(status_code=400, detail="Der Simulator ruft nur unsere eigenen Webhooks auf.")
        response = drive_webhook(request, url.removeprefix(context_of(request).settings.public_base_url), params)
        if response.status_code != 200:
            raise HTTPException(status_code=502, detail=f"Der Webhook hat mit {response.status_code} geantwortet.")
        return response.text

    return CallSimulator(post, hotline=context_of(request).settings.hotline_number)


def _release_transaction(db: DB) -> None:
    """The webhooks we call write to the database; our own request must not hold it meanwhile."""
    db.commit()


def _call(request: Request, sid: str) -> SimulatedCall:
    call = _calls(request).get(sid)
    if call is None:
        raise HTTPException(status_code=404, detail="Diesen simulierten Anruf gibt es nicht mehr.")
    return call


def _step(request: Request, db: DB, sid: str, act: Callable[[CallSimulator, SimulatedCall], None]) -> Response:
    """One move of the person at the simulator, then back to the call's page."""
    call = _call(request, sid)
    _release_transaction(db)
    act(_simulator(request), call)
    return RedirectResponse(f"/simulator/call?sid={sid}", status_code=303)


@calls.get("")
def page(request: Request, db: DB, staff: CurrentStaff, sid: str = "") -> Response:
    call = _calls(request).get(sid)
    names = {person.phone: person.name for person in db.scalars(select(Staff).where(Staff.phone.is_not(None)))}
    # The staff rung for the call are shown by name and number.
    audit.viewed(db, actor(request, staff), action="simulator.call_view", object_type="simulator")
    return web.render(request, "telephony/simulator_call.html", call=call, names=names, error=None, caller="")


@calls.post("/start", dependencies=[CSRF])
def start(request: Request, db: DB, staff: CurrentStaff, caller: Annotated[str, Form()] = "") -> Response:
    try:
        number = to_e164(caller)
    except InvalidPhoneNumber as exc:
        return web.render(request, "telephony/simulator_call.html", status_code=422, call=None, names={},
                          error=str(exc), caller=caller)  # fmt: skip
    _release_transaction(db)
    call = _simulator(request).start(context_of(request).settings.public_base_url, number)
    calls = _calls(request)
    calls[call.call_sid] = call
    while len(calls) > KEEP_CALLS:
        calls.pop(next(iter(calls)))
    return RedirectResponse(f"/simulator/call?sid={call.call_sid}", status_code=303)


@calls.post("/{sid}/menu", dependencies=[CSRF])
def menu(
    request: Request, db: DB, staff: CurrentStaff, sid: str,
    digits: Annotated[str, Form()] = "", speech: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _step(request, db, sid, lambda sim, call: sim.answer_menu(call, digits=digits.strip()[:1],
                                                                     speech=speech.strip()[:200]))  # fmt: skip


@calls.post("/{sid}/pickup", dependencies=[CSRF])
def pickup(
    request: Request, db: DB, staff: CurrentStaff, sid: str,
    number: Annotated[str, Form()] = "", accept: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _step(request, db, sid, lambda sim, call: sim.staff_picks_up(call, number, presses_one=accept == "1"))


@calls.post("/{sid}/nobody", dependencies=[CSRF])
def nobody(request: Request, db: DB, staff: CurrentStaff, sid: str, status: Annotated[str, Form()] = "") -> Response:
    outcome = "busy" if status == "busy" else "no-answer"
    return _step(request, db, sid, lambda sim, call: sim.nobody_answers(call, outcome))


@calls.post("/{sid}/end", dependencies=[CSRF])
def end(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    return _step(request, db, sid, lambda sim, call: sim.end_conversation(call))


@calls.post("/{sid}/voicemail", dependencies=[CSRF])
def voicemail(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    api_url = context_of(request).settings.twilio_api_url
    return _step(request, db, sid, lambda sim, call: sim.leave_voicemail(call, api_url=api_url))


@calls.post("/{sid}/hangup", dependencies=[CSRF])
def hangup(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    return _step(request, db, sid, lambda sim, call: sim.hang_up(call))
