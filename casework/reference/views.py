"""Reference data for tariff and statistics: the municipalities and the partner companies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casework.reference import forms
from casework.reference import service as reference
from core import web
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields

router = APIRouter(prefix="/admin/partners", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, status_code: int = 200, **context: object) -> Response:
    return web.render(
        request,
        "casework/partners.html",
        status_code=status_code,
        municipalities=reference.municipalities(db),
        partners=reference.partners(db),
        today=web.now(request).astimezone(web.zone(request)).date(),
        **{"error": None, "form": {}, "period_error": None, "period_target": None, **context},
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


@router.post("/{partner_id}/period", dependencies=[CSRF])
def partner_period(request: Request, db: DB, staff: CurrentStaff, partner_id: int, posted: FormFields) -> Response:
    form = fields(posted)
    try:
        since, until = forms.parse_period(form, start_required=True)
    except ValueError as exc:
        return _page(request, db, status_code=422, period_error=str(exc), period_target=f"partner-{partner_id}")
    assert since is not None
    reference.set_partner_period(db, partner_id=partner_id, since=since, until=until, actor=actor(request, staff))
    return RedirectResponse("/admin/partners", status_code=303)


@router.post("/municipalities/{municipality_id}/period", dependencies=[CSRF])
def municipality_period(
    request: Request, db: DB, staff: CurrentStaff, municipality_id: int, posted: FormFields
) -> Response:
    form = fields(posted)
    try:
        since, until = forms.parse_period(form, start_required=False)
    except ValueError as exc:
        return _page(request, db, status_code=422, period_error=str(exc),
                     period_target=f"municipality-{municipality_id}")  # fmt: skip
    reference.set_municipality_period(db, municipality_id=municipality_id, since=since, until=until,
                                      actor=actor(request, staff))  # fmt: skip
    return RedirectResponse("/admin/partners", status_code=303)
