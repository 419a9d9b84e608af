"""Reference data for tariff and statistics: the municipalities and the partner companies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casework.reference import forms
from casework.reference import service as reference
from core import flash, web
from core.formats import number_de
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


def _edit_page(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    return web.render(request, template, status_code=status_code, **{"errors": {}, **context})


@router.get("/{partner_id}")
def partner_edit_page(request: Request, db: DB, partner_id: int) -> Response:
    partner = reference.get_partner(db, partner_id)
    form = {
        "name": partner.name,
        "active_from": partner.active_from.isoformat(),
        "active_until": partner.active_until.isoformat() if partner.active_until else "",
        "employees": "" if partner.employees is None else number_de(partner.employees),
    }
    return _edit_page(request, "casework/partner_edit.html", partner=partner, form=form)


@router.post("/{partner_id}", dependencies=[CSRF])
def partner_edit(request: Request, db: DB, staff: CurrentStaff, partner_id: int, posted: FormFields) -> Response:
    partner = reference.get_partner(db, partner_id)
    form = fields(posted)
    try:
        details = forms.parse_partner_form(
            form, name_taken=lambda wanted: reference.partner_name_taken(db, wanted, other_than=partner_id)
        )
    except forms.ReferenceFormInvalid as exc:
        return _edit_page(request, "casework/partner_edit.html", 422, partner=partner, form=form, errors=exc.errors)
    changed = reference.update_partner(db, partner_id=partner_id, details=details, actor=actor(request, staff))
    message = f"„{details.name}“ gespeichert." if changed else "Nichts geändert."
    return flash.add(RedirectResponse("/admin/partners", status_code=303), request, message)


@router.get("/municipalities/{municipality_id}")
def municipality_edit_page(request: Request, db: DB, municipality_id: int) -> Response:
    town = reference.get_municipality(db, municipality_id)
    form = {
        "since": town.partner_from.isoformat() if town.partner_from else "",
        "until": town.partner_until.isoformat() if town.partner_until else "",
        "residents": "" if town.residents is None else number_de(town.residents),
    }
    return _edit_page(request, "casework/municipality_edit.html", town=town, form=form)


@router.post("/municipalities/{municipality_id}", dependencies=[CSRF])
def municipality_edit(
    request: Request, db: DB, staff: CurrentStaff, municipality_id: int, posted: FormFields
) -> Response:
    town = reference.get_municipality(db, municipality_id)
    form = fields(posted)
    try:
        details = forms.parse_municipality_form(form)
    except forms.ReferenceFormInvalid as exc:
        return _edit_page(request, "casework/municipality_edit.html", 422, town=town, form=form, errors=exc.errors)
    changed = reference.update_municipality(db, municipality_id=municipality_id, details=details,
                                            actor=actor(request, staff))  # fmt: skip
    message = f"{town.name} gespeichert." if changed else "Nichts geändert."
    return flash.add(RedirectResponse("/admin/partners", status_code=303), request, message)


@router.post("", dependencies=[CSRF])
def partner_create(
    request: Request,
    db: DB,
    name: Annotated[str, Form()] = "",
    active_from: Annotated[str, Form()] = "",
    active_until: Annotated[str, Form()] = "",
    employees: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "active_from": active_from, "active_until": active_until, "employees": employees}
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
