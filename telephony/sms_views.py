"""Staff pages for SMS: the message log ("Nachrichten") with problems and open inbound messages."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from casework.web_support import actor
from fluxx.core import web
from fluxx.core.models import StaffRole
from fluxx.core.web import CSRF, DB, CurrentStaff
from telephony import message_log
from telephony.message_log import Show

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


@router.get("/messages")
def messages_page(request: Request, db: DB, show: str = "all", job: int | None = None) -> Response:
    try:
        selected = Show(show)
    except ValueError:
        selected = Show.ALL
    entries = message_log.entries(db, show=selected, job_id=job)
    return web.render(request, "telephony/messages.html", entries=entries, show=selected.value, job=job)


@router.post("/messages/{message_id}/handled", dependencies=[CSRF])
def handled(request: Request, message_id: int, db: DB, staff: CurrentStaff) -> Response:
    if message_log.mark_handled(db, message_id=message_id, actor=actor(request, staff)) is None:
        raise HTTPException(status_code=404, detail="Diese Nachricht gibt es nicht.")
    return RedirectResponse("/messages?show=open", status_code=303)
