"""Admins read the audit log per case and per staff member (data-protection requests, reviews).

Reading a log is itself written to the log: a case's log shows what happened to the family's data, a staff
member's log what they did. Entries about a volunteer or a staff member name whom ("Ehrenamtliche Person
angesehen: Olga Petrenko"); the log itself stores only the id, the name is looked up when the page is shown.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from casework.audit import texts
from casework.cases import service as cases
from casework.cases.models import Case
from casework.search.rules import parse_query
from core import audit, web
from core.models import AuditEvent, Staff, StaffRole
from core.web import DB, CurrentStaff, actor
from volunteers.registry.models import Volunteer

router = APIRouter(prefix="/admin/audit", dependencies=[web.require_role(StaffRole.ADMIN)])


def _render(request: Request, db: DB, title: str, events: list[AuditEvent], base: str, action: str | None) -> Response:
    counsellors = {event.detail.get("counsellor_id") for event in events}
    ids = {event.staff_id for event in events} | {i for i in counsellors if isinstance(i, int)}
    ids |= {event.object_id for event in events if event.object_type == "staff"}  # whose log was read
    names = audit.staff_names(db, ids)
    case_ids = {event.case_id for event in events if event.case_id}
    rows = db.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids)))
    numbers = {ident: number for ident, number in rows}
    volunteers = _volunteer_names(db, events)
    return web.render(
        request,
        "casework/audit.html",
        title=title,
        events=events,
        names=names,
        numbers=numbers,
        what=lambda event: texts.what(event, staff_names=names, volunteer_names=volunteers),
        describe=lambda detail: texts.describe(detail, names, volunteers),
        actions=texts.action_choices(),
        action=action or "",
        base=base,
        older=_older(base, events, action),
    )


def _volunteer_names(db: DB, events: list[AuditEvent]) -> dict[int, str]:
    """The volunteers the events are about (as their object, or in the detail), by id."""
    ids = {event.object_id for event in events if event.object_type == "volunteer" and event.object_id}
    ids |= {i for event in events if isinstance(i := event.detail.get("volunteer_id"), int)}
    if not ids:
        return {}
    rows = db.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids)))
    return {ident: name for ident, name in rows}


def _older(base: str, events: list[AuditEvent], action: str | None) -> str | None:
    if len(events) < audit.PAGE:
        return None
    return f"{base}?before={events[-1].id}" + (f"&action={quote(action)}" if action else "")


def _action(raw: str) -> str | None:
    """Only a known action filters; anything else shows all entries."""
    return raw if raw in audit.ACTION_LABELS else None


@router.get("")
def audit_index(request: Request, db: DB, case: str = "") -> Response:
    if case.strip():
        number = parse_query(case).number
        found = db.scalar(select(Case.id).where(Case.number == number)) if number else None
        if found:
            return RedirectResponse(f"/admin/audit/cases/{found}", status_code=303)
    staff_list = db.scalars(select(Staff).order_by(Staff.name)).all()
    return web.render(
        request, "casework/audit_index.html", staff_list=staff_list, query=case, not_found=bool(case.strip())
    )


@router.get("/cases/{case_id}")
def audit_case(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, before: int | None = None, action: str = ""
) -> Response:
    case = cases.get_case(db, case_id=case_id)
    chosen = _action(action)
    events = audit.for_case(db, case_id=case_id, before_id=before, action=chosen)
    audit.viewed(db, actor(request, staff), action="audit.case_view", object_type="case", object_id=case.id,
                 case_id=case.id)  # fmt: skip
    return _render(request, db, f"Protokoll zu Fall {case.number}", events, f"/admin/audit/cases/{case_id}", chosen)


@router.get("/staff/{staff_id}")
def audit_staff(
    request: Request, db: DB, staff: CurrentStaff, staff_id: int, before: int | None = None, action: str = ""
) -> Response:
    person = db.get(Staff, staff_id)
    if person is None:
        raise HTTPException(status_code=404, detail="Dieses Konto gibt es nicht.")
    chosen = _action(action)
    events = audit.for_staff(db, staff_id=staff_id, before_id=before, action=chosen)
    audit.viewed(db, actor(request, staff), action="audit.staff_view", object_type="staff", object_id=person.id)
    return _render(request, db, f"Protokoll: {person.name}", events, f"/admin/audit/staff/{staff_id}", chosen)
