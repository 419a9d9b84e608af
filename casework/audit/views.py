"""Admins read the audit log per case and per staff member (data-protection requests, reviews)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from casework.cases import service as cases
from casework.cases.models import Case
from casework.search.rules import parse_query
from fluxx.core import audit, web
from fluxx.core.models import AuditEvent, Staff, StaffRole
from fluxx.core.web import DB

router = APIRouter(prefix="/admin/audit", dependencies=[web.require_role(StaffRole.ADMIN)])


def _render(request: Request, db: DB, title: str, events: list[AuditEvent], base: str) -> Response:
    names = audit.staff_names(db, {event.staff_id for event in events})
    case_ids = {event.case_id for event in events if event.case_id}
    rows = db.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids)))
    numbers = {ident: number for ident, number in rows}
    return web.render(
        request,
        "casework/audit.html",
        title=title,
        events=events,
        names=names,
        numbers=numbers,
        label=audit.label,
        older=f"{base}?before={events[-1].id}" if len(events) == audit.PAGE else None,
    )


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
def audit_case(request: Request, db: DB, case_id: int, before: int | None = None) -> Response:
    case = cases.get_case(db, case_id=case_id)
    events = audit.for_case(db, case_id=case_id, before_id=before)
    return _render(request, db, f"Protokoll zu Fall {case.number}", events, f"/admin/audit/cases/{case_id}")


@router.get("/staff/{staff_id}")
def audit_staff(request: Request, db: DB, staff_id: int, before: int | None = None) -> Response:
    person = db.get(Staff, staff_id)
    if person is None:
        raise HTTPException(status_code=404, detail="Dieses Konto gibt es nicht.")
    events = audit.for_staff(db, staff_id=staff_id, before_id=before)
    return _render(request, db, f"Protokoll: {person.name}", events, f"/admin/audit/staff/{staff_id}")
