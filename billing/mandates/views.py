"""A family's SEPA mandate, entered by staff from the signed form: `/cases/{id}/mandate`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from billing.mandates import service as mandates
from casework.cases import service as cases
from core import audit, flash, web
from core.db import refusable
from core.errors import FieldErrors
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


def _page(request: Request, db: DB, case_id: int, *, errors: dict[str, str], form: dict[str, str],
          status: int = 200) -> Response:  # fmt: skip
    case = cases.get_case(db, case_id=case_id)
    return web.render(
        request, "billing/mandate.html", status_code=status, case=case,
        active=mandates.active(db, case_id=case.id), history=mandates.of_case(db, case_id=case.id),
        masked=mandates.masked, errors=errors, form=form,
    )  # fmt: skip


@router.get("/cases/{case_id}/mandate")
def mandate_page(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case = cases.get_case(db, case_id=case_id)
    audit.viewed(db, actor(request, staff), action="mandate.view", object_type="case", object_id=case.id,
                 case_id=case.id)  # fmt: skip
    return _page(request, db, case_id, errors={}, form={})


@router.post("/cases/{case_id}/mandate", dependencies=[CSRF])
def mandate_create(request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields) -> Response:
    case = cases.get_case(db, case_id=case_id)
    form = fields(posted)
    today = web.now(request).astimezone(web.zone(request)).date()
    try:
        holder, iban, bic, signed = mandates.check(
            holder=form.get("holder", ""), iban=form.get("iban", ""), bic=form.get("bic", ""),
            signed_on=form.get("signed_on", ""), today=today,
        )  # fmt: skip
    except FieldErrors as exc:
        return _page(request, db, case.id, errors=exc.errors, form=form, status=422)
    with refusable(db):
        mandate = mandates.record(db, case_id=case.id, holder=holder, iban=iban, bic=bic, signed_on=signed,
                                  actor=actor(request, staff))  # fmt: skip
    message = f"Lastschriftmandat {mandate.reference} gespeichert: neue Rechnungen werden eingezogen."
    return flash.add(RedirectResponse(f"/cases/{case.id}/mandate", status_code=303), request, message)


@router.post("/cases/{case_id}/mandate/revoke", dependencies=[CSRF])
def mandate_revoke(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case = cases.get_case(db, case_id=case_id)
    try:
        with refusable(db):
            mandate = mandates.revoke(db, case_id=case.id, actor=actor(request, staff))
    except mandates.MandateError as exc:
        return _page(request, db, case.id, errors={"form": exc.message}, form={}, status=409)
    message = f"Lastschriftmandat {mandate.reference} widerrufen: neue Rechnungen werden überwiesen."
    return flash.add(RedirectResponse(f"/cases/{case.id}/mandate", status_code=303), request, message)
