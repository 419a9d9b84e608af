"""Coordinator pages of the volunteer registry: the list with filters, a volunteer's page, the form to
create and edit, deactivation and absences, and the CSV export. Import pages: `volunteers/imports/views.py`.

Every page that shows personal data and every change is written to the audit log; details hold field
names and ids, never the data itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from casework.reference import service as reference
from core import audit, confirm, flash, web
from core.db import refusable
from core.errors import NotFound
from core.formats import ascii_int
from core.models import Staff, StaffRole
from core.sorting import SortLinks
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields
from volunteers.registry import forms, history, service, texts
from volunteers.registry.availability import AVAILABILITY_HELP
from volunteers.registry.models import Volunteer
from volunteers.registry.rules import DEFAULT_VOLUNTEER_SORT, VOLUNTEER_COLUMNS, parse_volunteer_sort
from volunteers.registry.service import DuplicatePhone, RegistryError
from volunteers.vocabulary import Skill

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
PAGE_SIZE = 50


def today(request: Request) -> date:
    return web.now(request).astimezone(web.zone(request)).date()


def _record(request: Request, db: Session, staff: Staff, action: str, volunteer_id: int | None, **detail: Any) -> None:
    audit.record(db, actor(request, staff), action=action, object_type="volunteer", object_id=volunteer_id,
                 case_id=None, detail=detail)  # fmt: skip


def get_volunteer(db: Session, volunteer_id: int) -> Volunteer:
    volunteer = service.get_with_rows(db, volunteer_id)
    if volunteer is None:
        raise NotFound("Diese ehrenamtliche Person gibt es nicht.")
    return volunteer


def list_filters(params: dict[str, str], today: date) -> dict[str, Any]:
    """The service's filters from the list's query string; unknown values are ignored."""
    filters: dict[str, Any] = {"today": today, "search": params.get("q", "").strip() or None}
    if params.get("skill") in Skill._value2member_map_:
        filters["skill"] = Skill(params["skill"])
    if (municipality_id := ascii_int(params.get("municipality", ""))) is not None:
        filters["municipality_id"] = municipality_id
    if params.get("weekday", "") in {str(day) for day in range(7)}:
        filters["weekday"] = int(params["weekday"])
    if params.get("expiring", "") in {str(days) for days in texts.EXPIRY_CHOICES}:
        filters["certificate_expiring_within"] = int(params["expiring"])
    status = params.get("status", "active")
    filters["inactive_only"] = status == "inactive"
    filters["include_inactive"] = status == "all"
    filters["sort"] = parse_volunteer_sort(params.get("sort"), params.get("dir"))
    return filters


@router.get("/volunteers")
def volunteer_list(request: Request, db: DB, staff: CurrentStaff) -> Response:
    params = dict(request.query_params)
    filters = list_filters(params, today(request))
    page = max(ascii_int(params.get("page", "")) or 1, 1)
    total = service.count_volunteers(db, **filters)
    volunteers = service.list_volunteers(db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
    used = sorted(key for key in ("q", "skill", "municipality", "weekday", "expiring", "status") if params.get(key))
    _record(request, db, staff, "volunteer.list", None, filters=used, page=page)
    query = {key: value for key, value in params.items() if key != "page" and value}
    sorting = SortLinks("/volunteers", VOLUNTEER_COLUMNS, filters["sort"], DEFAULT_VOLUNTEER_SORT, query)
    return web.render(
        request, "volunteers/list.html", volunteers=volunteers, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), params=params, query=query, skills=list(Skill),
        municipalities=reference.municipalities(db), weekdays=texts.WEEKDAY_NAMES,
        expiry_choices=texts.EXPIRY_CHOICES, area_names=_area_names(db), today=filters["today"],
        imported=params.get("imported"), sorting=sorting,
    )  # fmt: skip


@router.get("/volunteers/export.csv")
def volunteer_export(request: Request, db: DB, staff: CurrentStaff) -> Response:
    filters = list_filters(dict(request.query_params), today(request))
    volunteers = list(db.scalars(service.with_details(service.list_query(**filters))))
    _record(request, db, staff, "volunteer.export", None, count=len(volunteers))
    filename = f"ehrenamtliche-{today(request):%Y-%m-%d}.csv"
    return Response(
        service.export_csv(db, volunteers=volunteers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _area_names(db: Session) -> Callable[[Volunteer], str]:
    """For the templates: a volunteer's municipalities by name, "Garbsen, Hannover"."""
    names = {m.id: m.name for m in reference.municipalities(db)}
    return lambda volunteer: ", ".join(sorted(names[area.municipality_id] for area in volunteer.areas))


def _form_page(
    request: Request, db: Session, volunteer: Volunteer | None, form: dict[str, Any], errors: dict[str, str]
) -> Response:
    return web.render(
        request, "volunteers/form.html", status_code=422 if errors else 200, volunteer=volunteer, form=form,
        errors=errors, skills=list(Skill), municipalities=reference.municipalities(db),
        availability_help=AVAILABILITY_HELP, form_invalid=texts.FORM_INVALID,
    )  # fmt: skip


def _posted(posted: FormData) -> dict[str, Any]:
    form: dict[str, Any] = fields(posted)
    form["skills"] = [str(value) for value in posted.getlist("skills")]
    form["municipality_ids"] = [str(value) for value in posted.getlist("municipality_ids")]
    return form


def _save(request: Request, db: Session, staff: Staff, volunteer: Volunteer | None, posted: FormData) -> Response:
    """Create (no `volunteer`) or update from the posted form; the form again with messages when refused."""
    form = _posted(posted)
    created = volunteer is None
    try:
        with refusable(db):
            draft = forms.parse_volunteer_form(form, municipalities=service.municipality_ids(db), today=today(request))
            if volunteer is None:
                volunteer = service.create(db, draft=draft, now=web.now(request))
                _record(request, db, staff, "volunteer.create", volunteer.id)
            else:
                before = forms.form_from_volunteer(volunteer)
                service.update(db, volunteer=volunteer, draft=draft, now=web.now(request))
                after = forms.form_from_volunteer(volunteer)
                changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
                _record(request, db, staff, "volunteer.update", volunteer.id, fields=changed)
    except forms.FormInvalid as exc:
        return _form_page(request, db, volunteer, form, exc.errors)
    except DuplicatePhone as exc:
        return _form_page(request, db, volunteer, form, {"phone": " ".join(exc.messages)})
    response = RedirectResponse(f"/volunteers/{volunteer.id}", status_code=303)
    return flash.add(response, request, f"{volunteer.name} angelegt." if created else "Änderungen gespeichert.")


@router.get("/volunteers/new")
def volunteer_new_page(request: Request, db: DB) -> Response:
    return _form_page(request, db, None, {"sms_consent": "1"}, {})


@router.post("/volunteers/new", dependencies=[CSRF])
def volunteer_create(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    return _save(request, db, staff, None, posted)


@router.get("/volunteers/{volunteer_id}")
def volunteer_page(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int) -> Response:
    volunteer = get_volunteer(db, volunteer_id)
    _record(request, db, staff, "volunteer.view", volunteer.id)
    return _detail(request, db, volunteer)


def _detail(request: Request, db: Session, volunteer: Volunteer, error: str | None = None) -> Response:
    return web.render(
        request, "volunteers/detail.html", status_code=422 if error else 200, volunteer=volunteer, skills=list(Skill),
        area_names=_area_names(db), history=history.of(db, volunteer_id=volunteer.id), texts=texts,
        availability=forms.form_from_volunteer(volunteer)["availability"], today=today(request), error=error,
    )  # fmt: skip


@router.get("/volunteers/{volunteer_id}/edit")
def volunteer_edit_page(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int) -> Response:
    volunteer = get_volunteer(db, volunteer_id)
    _record(request, db, staff, "volunteer.view", volunteer.id, page="edit")
    return _form_page(request, db, volunteer, forms.form_from_volunteer(volunteer), {})


@router.post("/volunteers/{volunteer_id}/edit", dependencies=[CSRF])
def volunteer_edit(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int, posted: FormFields) -> Response:
    return _save(request, db, staff, get_volunteer(db, volunteer_id), posted)


@router.post("/volunteers/{volunteer_id}/deactivate", dependencies=[CSRF])
def volunteer_deactivate(
    request: Request, db: DB, staff: CurrentStaff, volunteer_id: int, posted: FormFields
) -> Response:
    """Deactivate a volunteer, after asking (the page's own button asks in a disclosure first)."""
    volunteer = get_volunteer(db, volunteer_id)
    if volunteer.is_active and not confirm.given(posted):
        return confirm.ask(
            request, posted, title=f"{volunteer.name} deaktivieren?",
            text=f"{volunteer.name} bekommt danach keine Einsatzangebote mehr.",
            details=["Angebote, Einsätze und Stunden bleiben erhalten; die Deaktivierung lässt sich jederzeit "
                     "aufheben."],
            button=f"Ja, {volunteer.name} deaktivieren", back=f"/volunteers/{volunteer.id}",
        )  # fmt: skip
    service.deactivate(db, volunteer=volunteer, now=web.now(request))
    _record(request, db, staff, "volunteer.deactivate", volunteer.id)
    response = RedirectResponse(f"/volunteers/{volunteer.id}", status_code=303)
    return flash.add(response, request, f"{volunteer.name} deaktiviert.")


@router.post("/volunteers/{volunteer_id}/reactivate", dependencies=[CSRF])
def volunteer_reactivate(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int) -> Response:
    volunteer = get_volunteer(db, volunteer_id)
    service.reactivate(db, volunteer=volunteer, now=web.now(request))
    _record(request, db, staff, "volunteer.reactivate", volunteer.id)
    response = RedirectResponse(f"/volunteers/{volunteer.id}", status_code=303)
    return flash.add(response, request, f"{volunteer.name} wieder aktiviert.")


@router.post("/volunteers/{volunteer_id}/absences", dependencies=[CSRF])
def absence_add(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int, posted: FormFields) -> Response:
    volunteer = get_volunteer(db, volunteer_id)
    form = fields(posted)
    starts_on, ends_on = forms.parse_date(form.get("starts_on", "")), forms.parse_date(form.get("ends_on", ""))
    note = " ".join(form.get("note", "").split())[:200] or None
    try:
        with refusable(db):
            if starts_on is None or ends_on is None:
                raise RegistryError(texts.ABSENCE_DATES)
            absence = service.add_absence(
                db, volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, note=note, now=web.now(request)
            )
    except RegistryError as exc:
        return _detail(request, db, get_volunteer(db, volunteer_id), error=" ".join(exc.messages))
    _record(request, db, staff, "volunteer.absence_add", volunteer.id, absence_id=absence.id)
    return RedirectResponse(f"/volunteers/{volunteer.id}#absences", status_code=303)


@router.post("/volunteers/{volunteer_id}/absences/{absence_id}/delete", dependencies=[CSRF])
def absence_remove(request: Request, db: DB, staff: CurrentStaff, volunteer_id: int, absence_id: int) -> Response:
    volunteer = get_volunteer(db, volunteer_id)
    if service.remove_absence(db, volunteer=volunteer, absence_id=absence_id, now=web.now(request)):
        _record(request, db, staff, "volunteer.absence_remove", volunteer.id, absence_id=absence_id)
    return RedirectResponse(f"/volunteers/{volunteer.id}#absences", status_code=303)
