"""The tariff page for admins: the rates in force and their history, and a new rate from a date on."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from billing.tariff import rules, service
from casework.enums import Affiliation
from core import flash, web
from core.db import refusable
from core.errors import FieldErrors
from core.formats import money_de
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields

router = APIRouter(prefix="/admin/tariff", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, *, errors: dict[str, str], form: dict[str, str], status: int = 200) -> Response:
    today = web.now(request).astimezone(web.zone(request)).date()
    rates = service.all_rates(db)
    current = [
        (service_, affiliation, rules.rate_on(rates, affiliation=affiliation, service=service_, day=today))
        for service_ in rules.Service
        for affiliation in Affiliation
    ]
    return web.render(
        request, "billing/tariff.html", status_code=status,
        rates=sorted(rates, key=lambda r: r.valid_from, reverse=True), current=current, today=today,
        errors=errors, form=form, affiliations=list(Affiliation), services=list(rules.Service),
    )  # fmt: skip


@router.get("")
def tariff_page(request: Request, db: DB) -> Response:
    return _page(request, db, errors={}, form={})


@router.post("", dependencies=[CSRF])
def set_rate(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    form = fields(posted)
    errors: dict[str, str] = {}
    affiliation = next((a for a in Affiliation if a.value == form.get("affiliation")), None)
    service_ = next((s for s in rules.Service if s.value == form.get("service")), None)
    if affiliation is None:
        errors["affiliation"] = "Bitte eine Zugehörigkeit wählen."
    if service_ is None:
        errors["service"] = "Bitte eine Leistung wählen."
    try:
        valid_from = date.fromisoformat(form.get("valid_from", ""))
    except ValueError:
        errors["valid_from"] = "Bitte ein Datum angeben, ab dem der Satz gilt."
    try:
        per_hour = service.parse_rate(form.get("rate", ""))
    except FieldErrors as exc:
        errors |= exc.errors
    if errors or affiliation is None or service_ is None:
        return _page(request, db, errors=errors, form=form, status=422)
    with refusable(db):
        service.set_rate(db, affiliation=affiliation, service=service_, valid_from=valid_from, per_hour=per_hour,
                         actor=actor(request, staff))  # fmt: skip
    message = (f"{service_.label}, {affiliation.label}: {money_de(per_hour)} je Stunde ab "
               f"{valid_from:%d.%m.%Y}. Gestellte Rechnungen bleiben, wie sie sind.")  # fmt: skip
    return flash.add(RedirectResponse("/admin/tariff", status_code=303), request, message)
