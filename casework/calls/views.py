"""Marking a call as no case (hung up, wrong number, test, silence), in one click from the dashboard or case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from casework.calls import service
from casework.calls.models import Call
from casework.enums import NoCaseReason
from fluxx.core import web
from fluxx.core.models import StaffRole
from fluxx.core.web import CSRF, DB, CurrentStaff, actor

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])


@router.post("/calls/{call_id}/no-case", dependencies=[CSRF])
def call_no_case(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    call_id: int,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    call = db.get(Call, call_id)
    if call is None:
        raise HTTPException(status_code=404, detail="Diesen Anruf gibt es nicht.")
    if reason not in NoCaseReason._value2member_map_:
        raise HTTPException(status_code=422, detail="Bitte einen Grund auswählen.")
    service.mark_no_case(db, call=call, reason=NoCaseReason(reason), actor=actor(request, staff))
    return RedirectResponse(web.safe_next(back), status_code=303)
