"""Call-back work ("Ich rufe zurück", outcome) and marking a call as no case, in one click each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from casework import callbacks
from casework.callbacks import CallbackOutcome
from casework.case_views import render_case
from casework.enums import NoCaseReason
from casework.models import Call
from casework.service import CaseworkError
from casework.web_support import actor, case_or_404
from fluxx.core import web
from fluxx.core.models import StaffRole
from fluxx.core.web import CSRF, DB, CurrentStaff

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])


@router.post("/cases/{case_id}/callback/claim", dependencies=[CSRF])
def claim_callback(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case_or_404(db, case_id)
    try:
        holder = callbacks.claim(db, case_id=case_id, actor=actor(request, staff))
    except CaseworkError as exc:
        return render_case(request, db, staff, case_id, status_code=409, error=str(exc))
    if holder is not None:
        message = f"{holder.name} ruft bereits zurück. Bitte nicht doppelt anrufen."
        return render_case(request, db, staff, case_id, status_code=409, error=message)
    return RedirectResponse(f"/cases/{case_id}#callback", status_code=303)


@router.post("/cases/{case_id}/callback/outcome", dependencies=[CSRF])
def callback_outcome(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    case_id: int,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    case = case_or_404(db, case_id, for_update=True)
    try:
        if outcome not in CallbackOutcome._value2member_map_:
            raise CaseworkError("Bitte wählen Sie aus, wie der Rückruf ausgegangen ist.")
        callbacks.record_outcome(
            db, case=case, outcome=CallbackOutcome(outcome), note=note, actor=actor(request, staff)
        )
    except (CaseworkError, ValueError) as exc:
        return render_case(request, db, staff, case_id, status_code=409, error=str(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


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
    callbacks.mark_no_case(db, call=call, reason=NoCaseReason(reason), actor=actor(request, staff))
    return RedirectResponse(web.safe_next(back), status_code=303)
