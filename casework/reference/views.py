"""Reference data for tariff and statistics: the municipalities and the partner companies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casework.reference import forms
from casework.reference import service as reference
from core import web
from core.models import StaffRole
from core.web import CSRF, DB

router = APIRouter(prefix="/admin/partners", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, status_code: int = 200, **context: object) -> Response:
    return web.render(
        request,
        "casework/partners.html",
        status_code=status_code,
        municipalities=reference.municipalities(db),
        partners=reference.partners(db),
        today=web.now(request).astimezone(web.zone(request)).date(),
        **{"error": None, "form": {}, **context},
    )


@router.get("")
def partners_page(request: Request, db: DB) -> Response:
    return _page(request, db)


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
        details = forms.parse_partner_form(form, name_taken=lambda wanted: reference.partner_name_taken(db, wanted))
    except ValueError as exc:
        return _page(request, db, status_code=422, error=str(exc), form=form)
    reference.add_partner(db, details)
    return RedirectResponse("/admin/partners", status_code=303)
