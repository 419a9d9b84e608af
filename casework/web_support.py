"""Small pieces shared by the case work routes: the acting person, loading records or 404, form fields."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from casework import service
from casework.models import Case
from fluxx.core import web
from fluxx.core.audit import Actor
from fluxx.core.models import Staff
from fluxx.core.web import DB


def actor(request: Request, staff: Staff) -> Actor:
    return Actor(staff_id=staff.id, ip=web.client_ip(request), now=web.now(request))


def zone(request: Request) -> ZoneInfo:
    return request.app.state.settings.zone  # type: ignore[no-any-return]


def case_or_404(db: DB, case_id: int, *, for_update: bool = False) -> Case:
    case = service.get_case(db, case_id=case_id, for_update=for_update)
    if case is None:
        raise HTTPException(status_code=404, detail="Diesen Fall gibt es nicht.")
    return case


async def read_form(request: Request) -> FormData:
    """The posted form, read once in the event loop so that sync routes can use it."""
    return await request.form()


FormFields = Annotated[FormData, Depends(read_form)]


def fields(form: FormData) -> dict[str, str]:
    """Single-valued text fields (files and repeated values are not used by these forms)."""
    return {key: value for key, value in form.items() if isinstance(value, str)}
