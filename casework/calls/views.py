"""Marking a call as no case (hung up, wrong number, test, silence) from the dashboard or the case page:
asked first, and undoable for a short while afterwards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from casework.calls import service
from casework.enums import NoCaseReason
from casework.undo import service as undo
from core import confirm, flash, web
from core.formats import time_de
from core.models import StaffRole
from core.phone import display
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, zone

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])


@router.post("/calls/{call_id}/no-case", dependencies=[CSRF])
def call_no_case(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    call_id: int,
    posted: FormFields,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    call = service.get_with_case(db, call_id=call_id)
    if call is None:
        raise HTTPException(status_code=404, detail="Diesen Anruf gibt es nicht.")
    if reason not in NoCaseReason._value2member_map_:
        raise HTTPException(status_code=422, detail="Bitte einen Grund auswählen.")
    chosen = NoCaseReason(reason)
    if not confirm.given(posted):
        number = display(call.from_number) if call.from_number else "unbekannter Nummer"
        when = time_de(call.started_at, zone(request))
        case_text = f" (Fall {call.case.number})" if call.case else ""
        return confirm.ask(
            request, posted, title="Anruf als kein Fall markieren?",
            text=f"Der Anruf von {number} um {when} Uhr{case_text} wird als „kein Fall: {chosen.label}“ markiert.",
            details=[
                "Hat der Fall sonst keine Einträge, wird er als „kein Bedarf“ geschlossen und zählt nicht als "
                "Beratung.",
                "Sie können das gleich danach rückgängig machen (bis zu 15 Minuten lang).",
            ],
            button=f"Ja, kein Fall: {chosen.label}", back=web.safe_next(back),
        )  # fmt: skip
    before = undo.state_of(db, case=call.case) if call.case else None
    closed = service.mark_no_case(db, call=call, reason=chosen, actor=actor(request, staff))
    response = RedirectResponse(web.safe_next(back), status_code=303)
    text = f"Anruf als kein Fall markiert ({chosen.label})"
    if closed and call.case:
        text += f", Fall {call.case.number} geschlossen"
    record = undo.after_no_case(db, call=call, before=before, actor=actor(request, staff)) if before else None
    return flash.add(response, request, text, undo=flash.sign(request, record.to_dict()) if record else None)
