"""The "Rückgängig" button of a one-time message: undo a closing or a "Kein Fall" (see service.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casework.cases.service import CaseworkError
from casework.undo import rules, service
from core import flash, web
from core.db import refusable
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, actor

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])


@router.post("/undo", dependencies=[CSRF])
def undo_action(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    token: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    response = RedirectResponse(web.safe_next(back), status_code=303)
    data = flash.unsign(request, token)
    try:
        if data is None:
            raise ValueError("not ours")
        record = service.Undo.from_dict(data)
    except ValueError:
        return flash.add(response, request, rules.UNKNOWN)
    try:
        with refusable(db):
            message = service.undo(db, record=record, actor=actor(request, staff))
    except CaseworkError as exc:
        return flash.add(response, request, str(exc))
    return flash.add(response, request, message)
