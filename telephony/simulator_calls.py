"""The "Telefon-Simulator" call page: staff place a simulated call and walk through the real IVR.

It exists only in simulation mode. Each step is a signed request to our own webhooks (see
`telephony.simulator.drive_webhook`), so they run exactly as they would for Twilio.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fluxx.core import web
from fluxx.core.models import Staff
from fluxx.core.phone import InvalidPhoneNumber, to_e164
from fluxx.core.web import CSRF, DB, CurrentStaff
from telephony.call_simulator import CallSimulator, SimulatedCall
from telephony.simulator import drive_webhook

KEEP_CALLS = 20


# Included only in simulation mode (see fluxx/app.py); with Twilio credentials it does not exist.
router = APIRouter(prefix="/simulator/call", dependencies=[Depends(web.current_staff)])


def _calls(request: Request) -> dict[str, SimulatedCall]:
    if getattr(request.app.state, "simulated_calls", None) is None:
        request.app.state.simulated_calls = {}
    return request.app.state.simulated_calls


def _simulator(request: Request) -> CallSimulator:
    base = request.app.state.settings.public_base_url + "/twilio/voice/"

    def post(url: str, params: dict[str, str]) -> str:
        if not url.startswith(base):
            raise HTTPException(status_code=400, detail="Der Simulator ruft nur unsere eigenen Webhooks auf.")
        response = drive_webhook(request, url.removeprefix(request.app.state.settings.public_base_url), params)
        if response.status_code != 200:
            raise HTTPException(status_code=502, detail=f"Der Webhook hat mit {response.status_code} geantwortet.")
        return response.text

    return CallSimulator(post)


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


@router.get("")
def page(request: Request, db: DB, staff: CurrentStaff, sid: str = "") -> Response:
    call = _calls(request).get(sid)
    names = {person.phone: person.name for person in db.scalars(select(Staff).where(Staff.phone.is_not(None)))}
    return web.render(request, "telephony/simulator_call.html", call=call, names=names, error=None, caller="")


@router.post("/start", dependencies=[CSRF])
def start(request: Request, db: DB, staff: CurrentStaff, caller: Annotated[str, Form()] = "") -> Response:
    try:
        number = to_e164(caller)
    except InvalidPhoneNumber as exc:
        return web.render(request, "telephony/simulator_call.html", status_code=422, call=None, names={},
                          error=str(exc), caller=caller)  # fmt: skip
    _release_transaction(db)
    call = _simulator(request).start(request.app.state.settings.public_base_url, number)
    calls = _calls(request)
    calls[call.call_sid] = call
    while len(calls) > KEEP_CALLS:
        calls.pop(next(iter(calls)))
    return RedirectResponse(f"/simulator/call?sid={call.call_sid}", status_code=303)


@router.post("/{sid}/menu", dependencies=[CSRF])
def menu(
    request: Request, db: DB, staff: CurrentStaff, sid: str,
    digits: Annotated[str, Form()] = "", speech: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _step(request, db, sid, lambda sim, call: sim.answer_menu(call, digits=digits.strip()[:1],
                                                                     speech=speech.strip()[:200]))  # fmt: skip


@router.post("/{sid}/pickup", dependencies=[CSRF])
def pickup(
    request: Request, db: DB, staff: CurrentStaff, sid: str,
    number: Annotated[str, Form()] = "", accept: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _step(request, db, sid, lambda sim, call: sim.staff_picks_up(call, number, presses_one=accept == "1"))


@router.post("/{sid}/nobody", dependencies=[CSRF])
def nobody(request: Request, db: DB, staff: CurrentStaff, sid: str, status: Annotated[str, Form()] = "") -> Response:
    outcome = "busy" if status == "busy" else "no-answer"
    return _step(request, db, sid, lambda sim, call: sim.nobody_answers(call, outcome))


@router.post("/{sid}/end", dependencies=[CSRF])
def end(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    return _step(request, db, sid, lambda sim, call: sim.end_conversation(call))


@router.post("/{sid}/voicemail", dependencies=[CSRF])
def voicemail(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    api_url = request.app.state.settings.twilio_api_url
    return _step(request, db, sid, lambda sim, call: sim.leave_voicemail(call, api_url=api_url))


@router.post("/{sid}/hangup", dependencies=[CSRF])
def hangup(request: Request, db: DB, staff: CurrentStaff, sid: str) -> Response:
    return _step(request, db, sid, lambda sim, call: sim.hang_up(call))
