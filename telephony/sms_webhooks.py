"""Twilio's SMS webhooks: an inbound message, and status callbacks for the messages we sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from fluxx.core import web
from fluxx.core.web import DB
from telephony import delivery, inbound
from telephony.webhooks import TwilioForm, twiml

router = APIRouter(prefix="/twilio/sms")


def _error_code(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@router.post("/incoming")
def incoming(request: Request, form: TwilioForm, db: DB) -> Response:
    answer = inbound.receive_sms(
        db,
        sid=str(form.get("MessageSid") or form.get("SmsSid") or ""),
        from_number=str(form.get("From", "")),
        to_number=str(form.get("To", "")),
        body=str(form.get("Body", "")),
        now=web.now(request),
    )
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


@router.post("/status")
def status(request: Request, form: TwilioForm, db: DB) -> Response:
    # Always an empty 200: an error answer only makes Twilio log (or retry) a callback we cannot use.
    delivery.receive_status(
        db,
        sid=str(form.get("MessageSid") or form.get("SmsSid") or ""),
        status_value=str(form.get("MessageStatus") or form.get("SmsStatus") or ""),
        error_code=_error_code(form.get("ErrorCode")),
        now=web.now(request),
    )
    return twiml(MessagingResponse())
