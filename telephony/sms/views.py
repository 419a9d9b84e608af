"""SMS at the edge: Twilio's webhooks (an inbound message, status callbacks for the messages we sent) and the
staff pages of the message log ("Nachrichten") with problems and open inbound messages.

An inbound SMS is handed to `telephony.sms.service`, which dispatches it to the domain that owns it.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from core import audit, web
from core.context import context_of
from core.db import transaction
from core.formats import ascii_int
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, actor
from messaging import service as delivery
from messaging.models import Message
from telephony.sms import service
from telephony.sms.service import Show
from telephony.webhooks import TwilioForm, WebhookRoute, in_webhook_thread, twiml, verified_twilio_form
from volunteers.contact import RECIPIENTS

webhooks = APIRouter(prefix="/twilio/sms", route_class=WebhookRoute)


def _error_code(value: object) -> int | None:
    return ascii_int(str(value or ""))


def _fitted(value: object, column: Any) -> str:
    """A parameter cut to its column's width: an over-long number or SID from a forged or broken request
    must not make PostgreSQL refuse the row and lose the message's body with it."""
    return str(value or "")[: column.type.length]


async def incoming(request: Request) -> Response:
    """An inbound SMS: stored, handed to the domain that owns it, and answered in TwiML.

    A plain Starlette route, as `/twilio/voice/incoming` is: it needs nothing but the signed form, and
    FastAPI's dependency resolution around it cost a yes storm's answers CPU they queued on. The unit of work
    (`_receive`) runs on the webhooks' few threads (`in_webhook_thread`); a bad signature is refused with 403,
    a database error reaches the app's handler."""
    form = await verified_twilio_form(request)
    context = context_of(request)
    answer = await in_webhook_thread(
        partial(
            _receive, context.sessionmaker, form, now=web.now(request), reminder_hour=context.settings.reminder_hour
        ),
    )
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


def _receive(factory: sessionmaker[Session], form: FormData, *, now: datetime, reminder_hour: int) -> str | None:
    with transaction(factory) as db:
        return service.receive_sms(
            db,
            sid=_fitted(form.get("MessageSid") or form.get("SmsSid"), Message.twilio_sid),
            from_number=_fitted(form.get("From"), Message.from_number),
            to_number=_fitted(form.get("To"), Message.to_number),
            body=str(form.get("Body", "")),
            now=now,
            reminder_hour=reminder_hour,
        )


webhooks.add_route(webhooks.prefix + "/incoming", incoming, methods=["POST"])


@webhooks.post("/status")
def status(request: Request, form: TwilioForm, db: DB) -> Response:
    # Always an empty 200: an error answer only makes Twilio log (or retry) a callback we cannot use.
    delivery.receive_status(
        db,
        sid=_fitted(form.get("MessageSid") or form.get("SmsSid"), Message.twilio_sid),
        status_value=str(form.get("MessageStatus") or form.get("SmsStatus") or ""),
        error_code=_error_code(form.get("ErrorCode")),
        now=web.now(request),
        recipients=RECIPIENTS,
    )
    return twiml(MessagingResponse())


router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


@router.get("/messages")
def messages_page(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    show: str = "all",
    job: int | None = None,
    volunteer: int | None = None,
) -> Response:
    try:
        selected = Show(show)
    except ValueError:
        selected = Show.ALL
    if volunteer is not None:
        job = None  # one conversation at a time: the volunteer's, across all jobs
    entries = service.entries(db, show=selected, job_id=job, volunteer_id=volunteer)
    # An audited view: the log shows volunteers' names and numbers and the assignment SMS with families' addresses.
    detail: dict[str, object] = {"show": selected.value, "count": len(entries)}
    if job is not None:
        detail["job_id"] = job
    if volunteer is not None:
        detail["volunteer_id"] = volunteer
    audit.viewed(db, actor(request, staff), action="message.list", object_type="message", detail=detail)
    thread = service.thread(db, job_id=job, volunteer_id=volunteer)
    return web.render(request, "telephony/messages.html", entries=entries, show=selected.value, job=job,
                      volunteer=volunteer, thread=thread)  # fmt: skip


@router.post("/messages/{message_id}/handled", dependencies=[CSRF])
def handled(request: Request, message_id: int, db: DB, staff: CurrentStaff) -> Response:
    if service.mark_handled(db, message_id=message_id, actor=actor(request, staff)) is None:
        raise HTTPException(status_code=404, detail="Diese Nachricht gibt es nicht.")
    return RedirectResponse("/messages?show=open", status_code=303)
