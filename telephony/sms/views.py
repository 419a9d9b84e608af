"""SMS at the edge: Twilio's webhooks (an inbound message, status callbacks for the messages we sent) and the
staff pages of the message log ("Nachrichten") with problems and open inbound messages.

An inbound SMS is handed to `telephony.sms.service`, which dispatches it to the domain that owns it.
"""

from __future__ import annotations

import threading
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from twilio.twiml.messaging_response import MessagingResponse

from core import audit, web
from core.context import context_of
from core.formats import ascii_int
from core.group_commit import GroupCommit, Overdue
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, actor
from messaging import service as delivery
from messaging.models import Message
from telephony.sms import service
from telephony.sms.service import Show
from telephony.webhooks import (
    TwilioForm,
    WebhookRoute,
    WebhooksBusy,
    twiml,
    verified_twilio_form,
)
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
    FastAPI's dependency resolution around it cost a yes storm's answers CPU they queued on. The SMS that
    arrive together are handled together by one writer thread in one transaction (`core.group_commit`,
    `service.receive_many`) while this request waits on the event loop. A bad signature is refused with 403; a
    database error reaches the app's handler, which asks the sender to send again (nothing of that SMS was
    stored), as it does after a wait longer than `SMS_PATIENCE_SECONDS` for the writer (`WebhooksBusy`)."""
    form = await verified_twilio_form(request)
    context = context_of(request)
    inbound = service.Inbound(
        sid=_fitted(form.get("MessageSid") or form.get("SmsSid"), Message.twilio_sid),
        from_number=_fitted(form.get("From"), Message.from_number),
        to_number=_fitted(form.get("To"), Message.to_number),
        body=str(form.get("Body", "")),
        now=web.now(request),
        reminder_hour=context.settings.reminder_hour,
    )
    try:
        answer = await _intake(context.sessionmaker).write(inbound)
    except Overdue:
        raise WebhooksBusy() from None
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


# How many SMS one transaction handles at most. On SQLite it holds the one writer's lock meanwhile, which new
# calls wait for: a few milliseconds each, so a full batch keeps them waiting well under 100 ms.
SMS_BATCH = 16
# How long an SMS may wait for its turn before its sender is asked to send it again. Twilio waits 15 s; a batch
# takes milliseconds, and one stuck on a database lock gives up after 10 s (core.db.BUSY_TIMEOUT_SECONDS), when
# everything that waited longer than this is answered at once. Not the 4 s a voice step waits for a thread
# (WEBHOOK_WAIT_SECONDS): the SMS queue also holds what arrived during the batch before, and the first yes a
# fresh process handles (SQLAlchemy compiling its statements) took 0.8 s on a loaded machine, longer in CI,
# where fifteen yeses of a storm that had waited behind it for 4 s were asked to resend.
SMS_PATIENCE_SECONDS = 8.0

_intakes: WeakKeyDictionary[sessionmaker[Session], GroupCommit[service.Inbound, str | None]] = WeakKeyDictionary()
_intakes_lock = threading.Lock()


def _intake(factory: sessionmaker[Session]) -> GroupCommit[service.Inbound, str | None]:
    """The app's writer of inbound SMS. Any error of a batch (one SMS's lock timeout, say) sends each of its SMS
    through again on its own, so that only that one fails, as if it had come alone. An SMS that waited longer
    than `SMS_PATIENCE_SECONDS` for its turn (the batch before it held a lock far too long) is not handled: its
    sender is asked to send it again before Twilio gives up."""
    with _intakes_lock:
        intake = _intakes.get(factory)
        if intake is None:
            intake = _intakes[factory] = GroupCommit(
                factory, service.receive_many, name="fluxx-sms-intake", max_batch=SMS_BATCH,
                alone_on=(Exception,), patience=SMS_PATIENCE_SECONDS,
            )  # fmt: skip
        return intake


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
