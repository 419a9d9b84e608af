"""The phone simulator ("Telefon-Simulator"): only in simulation mode, only for logged-in staff.

It drives our real Twilio webhooks with correctly signed requests, in process through the ASGI app,
so everything a real Twilio request would pass (signature check, middleware, transaction) is passed.
The SMS part lives here; the call part is a separate section of the same page and router.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

import anyio.from_thread
import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from fluxx.core import web
from fluxx.core.phone import try_e164
from fluxx.core.settings import Settings
from fluxx.core.web import CSRF, DB
from telephony import sim_inbox
from telephony.webhooks import sign

router = APIRouter(prefix="/simulator", dependencies=[Depends(web.current_staff)])

SIM_ACCOUNT_SID = "AC" + "5" * 32  # stands in for the account when there are no credentials


def drive_webhook(request: Request, path: str, params: dict[str, str]) -> httpx.Response:
    """POST `params` to one of our /twilio/* webhooks, signed as Twilio would sign it.

    Call only from a sync route (it runs in a worker thread) and commit first: on SQLite the
    webhook's own transaction would otherwise wait for ours.
    """
    settings: Settings = request.app.state.settings
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


@router.get("")
def simulator_page(request: Request, db: DB, phone: str = "") -> Response:
    number = try_e164(phone) if phone else None
    return web.render(
        request,
        "telephony/simulator.html",
        phones=sim_inbox.phones(db),
        number=number,
        number_name=sim_inbox.name_for(db, number) if number else None,
        conversation=sim_inbox.conversation(db, number=number) if number else [],
        phone_error="Bitte eine gültige Telefonnummer angeben." if phone and not number else None,
    )


@router.post("/sms", dependencies=[CSRF])
def answer_sms(
    request: Request, db: DB, phone: Annotated[str, Form()] = "", body: Annotated[str, Form()] = ""
) -> Response:
    number = try_e164(phone)
    if number is None or not body.strip():
        return RedirectResponse(_page(phone), status_code=303)
    db.commit()
    params = sms_params(request.app.state.settings, from_number=number, body=body)
    drive_webhook(request, "/twilio/sms/incoming", params)
    return RedirectResponse(_page(number), status_code=303)


def _page(phone: str) -> str:
    return "/simulator?" + urlencode({"phone": phone}) + "#sms"
