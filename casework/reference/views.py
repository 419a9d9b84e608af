"""Reference data for tariff and statistics: the municipalities and the partner companies."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from casework.reference import service as reference
from casework.reference.models import Partner
from fluxx.core import web
from fluxx.core.models import StaffRole
from fluxx.core.web import CSRF, DB

router = APIRouter(prefix="/admin/partners", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, status_code: int = 200, **context: object) -> Response:
    return web.render(
        request,
        "casework/partners.html",
        status_code=status_code,
        municipalities=reference.municipalities(db),
        partners=reference.partners(db),
        today=web.now(request).astimezone(request.app.state.settings.zone).date(),
        **{"error": None, "form": {}, **context},
    )


@router.get("")
def partners_page(request: Request, db: DB) -> Response:
    return _page(request, db)


def _parse_date(value: str, label: str, required: bool) -> date | None:
    if not value.strip():
        if required:
            raise ValueError(f"Bitte {label} angeben.")
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{label} ist kein gültiges Datum.") from None


@router.post("", dependencies=[CSRF])
def partner_create(
    request: Request,
    db: DB,
    name: Annotated[str, Form()] = "",
    active_from: Annotated[str, Form()] = "",
    active_until: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "active_from": active_from, "active_until": active_until}
    try:
        if not name.strip():
            raise ValueError("Bitte den Namen des Partnerbetriebs angeben.")
        if db.scalar(select(Partner.id).where(Partner.name == name.strip())):
            raise ValueError(f"„{name.strip()}“ ist schon eingetragen.")
        start = _parse_date(active_from, "Partner seit", required=True)
        end = _parse_date(active_until, "Partner bis", required=False)
        if start and end and end < start:
            raise ValueError("„Partner bis“ liegt vor „Partner seit“.")
    except ValueError as exc:
        return _page(request, db, status_code=422, error=str(exc), form=form)
    db.add(Partner(name=name.strip(), active_from=start, active_until=end))
    return RedirectResponse("/admin/partners", status_code=303)
