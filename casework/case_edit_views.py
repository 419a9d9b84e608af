"""The case form: caller, household, affiliation, consent, persons needing care and time windows."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from casework import service
from casework.enums import Affiliation, Need
from casework.forms import MAX_PERSONS, MAX_WINDOWS, FormInvalid, parse_case_form
from casework.models import Case
from casework.web_support import FormFields, actor, case_or_404, fields, zone
from fluxx.core import audit, web
from fluxx.core.models import StaffRole
from fluxx.core.phone import display
from fluxx.core.web import CSRF, DB, CurrentStaff

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def form_from_case(case: Case, local: ZoneInfo) -> dict[str, str]:
    """The form fields as the browser would send them back for the stored case."""
    form = {name: "" if getattr(case, name) is None else str(getattr(case, name)) for name in service.CASE_FIELDS}
    form["caller_phone"] = display(case.caller_phone) if case.caller_phone else ""
    form["consent"] = "1" if case.consent_at else ""
    for i, person in enumerate(case.persons):
        form |= {
            f"person-{i}-label": person.label,
            f"person-{i}-age": str(person.age_years or ""),
            f"person-{i}-need": person.need_description or "",
            f"person-{i}-special": person.special_requirements or "",
        }
    for i, window in enumerate(case.windows):
        form[f"window-{i}-start"] = window.starts_at.astimezone(local).strftime(LOCAL_INPUT)
        form[f"window-{i}-end"] = window.ends_at.astimezone(local).strftime(LOCAL_INPUT)
    return form


def _rows(form: dict[str, str], prefix: str, minimum: int, most: int) -> int:
    """Rows to show: every filled one plus one empty row to add another."""
    used = [int(key.split("-")[1]) for key, value in form.items() if key.startswith(prefix) and value.strip()]
    return min(most, max(minimum, max(used, default=-1) + 2))


def _render(request: Request, db: DB, case: Case, form: dict[str, str], errors: dict[str, str]) -> Response:
    context: dict[str, Any] = {
        "case": case,
        "form": form,
        "errors": errors,
        "needs": list(Need),
        "affiliations": list(Affiliation),
        "municipalities": service.municipalities(db),
        "partners": service.partners(db),
        "person_rows": _rows(form, "person-", 2, MAX_PERSONS),
        "window_rows": _rows(form, "window-", 1, MAX_WINDOWS),
    }
    return web.render(request, "casework/case_edit.html", status_code=422 if errors else 200, **context)


@router.get("/cases/{case_id}/edit")
def case_edit_page(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case = case_or_404(db, case_id)
    audit.record(
        db,
        actor(request, staff),
        action="case.view",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"page": "edit"},
    )
    return _render(request, db, case, form_from_case(case, zone(request)), {})


@router.post("/cases/{case_id}/edit", dependencies=[CSRF])
def case_edit(request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields) -> Response:
    case = case_or_404(db, case_id, for_update=True)
    form = fields(posted)
    try:
        details = parse_case_form(
            form,
            zone=zone(request),
            municipality_ids={m.id for m in service.municipalities(db)},
            partner_ids={p.id for p in service.partners(db)},
        )
    except FormInvalid as exc:
        return _render(request, db, case, form, exc.errors)
    service.update_details(db, case=case, details=details, actor=actor(request, staff))
    return RedirectResponse(f"/cases/{case_id}?saved=1", status_code=303)
