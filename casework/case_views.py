"""Staff pages for cases: list and search, a new case by hand, the case page, notes, status, take-over."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from casework import callbacks, case_list, history, lifecycle, service, timeline
from casework.case_list import CaseFilters, Cursor
from casework.enums import CaseStatus, JobKind, Need, NoCaseReason
from casework.job_forms import describe_requirements
from casework.search import parse_query
from casework.service import CaseworkError
from casework.web_support import actor, case_or_404, zone
from fluxx.core import audit, web
from fluxx.core.models import Staff, StaffRole
from fluxx.core.phone import InvalidPhoneNumber, to_e164
from fluxx.core.web import CSRF, DB, CurrentStaff

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])

SOURCES = {
    "walk_in": "persönlich vorbeigekommen",
    "email": "E-Mail",
    "letter": "Brief",
    "other": "anderer Weg",
}


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str) -> int | None:
    return int(raw) if raw.lstrip("-").isdigit() else None


@router.get("/cases")
def case_list_page(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    q: str = "",
    status: Annotated[list[str], Query()] = [],  # noqa: B006
    need: str = "",
    municipality: str = "",
    counsellor: str = "",
    since: str = "",
    until: str = "",
    after: str = "",
) -> Response:
    filters = CaseFilters(
        statuses=tuple(lifecycle.statuses_from(status)),
        needs=(Need(need),) if need in Need._value2member_map_ else (),
        municipality_id=_int(municipality),
        counsellor_id=_int(counsellor),
        opened_from=_date(since),
        opened_until=_date(until),
        query=parse_query(q),
    )
    page = case_list.list_cases(db, filters=filters, zone=zone(request), after=Cursor.decode(after))
    audit.record(
        db,
        actor(request, staff),
        action="case.list",
        object_type="case",
        object_id=None,
        case_id=None,
        detail={"shown": [case.id for case in page.cases]},
    )
    params = {
        "q": q,
        "status": status,
        "need": need,
        "municipality": municipality,
        "counsellor": counsellor,
        "since": since,
        "until": until,
    }
    return web.render(
        request,
        "casework/case_list.html",
        page=page,
        params=params,
        statuses=list(CaseStatus),
        needs=list(Need),
        municipalities=service.municipalities(db),
        counsellors=db.scalars(select(Staff).where(Staff.is_active.is_(True)).order_by(Staff.name)).all(),
        unassigned=case_list.UNASSIGNED,
        next_url=f"/cases?{urlencode({**params, 'after': page.next_cursor.encode()}, doseq=True)}"
        if page.next_cursor
        else None,
        searched=not filters.query.empty or bool(q.strip()),
    )


@router.get("/cases/new")
def new_case_page(request: Request) -> Response:
    return web.render(request, "casework/case_new.html", form={}, errors={}, needs=list(Need), sources=SOURCES)


@router.post("/cases/new", dependencies=[CSRF])
def new_case(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    caller_name: Annotated[str, Form()] = "",
    caller_phone: Annotated[str, Form()] = "",
    need: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "walk_in",
    note: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "caller_name": caller_name,
        "caller_phone": caller_phone,
        "need": need,
        "source": source,
        "note": note,
    }
    errors: dict[str, str] = {}
    phone = None
    if caller_phone.strip():
        try:
            phone = to_e164(caller_phone)
        except InvalidPhoneNumber as exc:
            errors["caller_phone"] = f"{exc} Beispiel: 0511 1234567."
    if not caller_name.strip() and not phone:
        errors["caller_name"] = "Bitte einen Namen oder eine Telefonnummer angeben, damit wir die Person erreichen."
    if need and need not in Need._value2member_map_:
        errors["need"] = "Bitte einen Eintrag aus der Liste wählen."
    if errors:
        return web.render(
            request,
            "casework/case_new.html",
            status_code=422,
            form=form,
            errors=errors,
            needs=list(Need),
            sources=SOURCES,
        )
    case = service.create_manual_case(
        db,
        caller_name=" ".join(caller_name.split()) or None,
        caller_phone=phone,
        need=Need(need) if need else None,
        source=SOURCES.get(source, SOURCES["other"]),
        note=note,
        actor=actor(request, staff),
        zone=zone(request),
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def render_case(request: Request, db: DB, staff: Staff, case_id: int, status_code: int = 200, **extra: Any) -> Response:
    """The case page; every showing is an audited view of the case's personal data."""
    case = case_or_404(db, case_id)
    audit.record(db, actor(request, staff), action="case.view", object_type="case", object_id=case.id, case_id=case.id)
    transitions = [
        (target, lifecycle.action_label(case.status, target)) for target in lifecycle.allowed_transitions(case.status)
    ]
    claimer_id = callbacks.active_claimer_id(case, web.now(request))
    claimer = db.get(Staff, claimer_id) if claimer_id else None
    context = {"error": None, "note_text": "", **extra}
    return web.render(
        request,
        "casework/case_detail.html",
        status_code=status_code,
        case=case,
        transitions=transitions,
        history=history.for_case(db, case=case),
        entries=timeline.for_case(db, case=case),
        claimer=claimer,
        can_manage_jobs=staff.has_role(StaffRole.COORDINATOR),
        describe_requirements=describe_requirements,
        no_case_reasons=list(NoCaseReason),
        outcomes=list(callbacks.CallbackOutcome),
        job_kinds=list(JobKind),
        **context,
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    return render_case(request, db, staff, case_id)


@router.post("/cases/{case_id}/notes", dependencies=[CSRF])
def case_add_note(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, body: Annotated[str, Form()] = ""
) -> Response:
    case = case_or_404(db, case_id)
    try:
        service.add_note(db, case=case, body=body, actor=actor(request, staff))
    except CaseworkError as exc:
        return render_case(request, db, staff, case_id, status_code=422, error=str(exc), note_text=body)
    return RedirectResponse(f"/cases/{case_id}#timeline", status_code=303)


@router.post("/cases/{case_id}/status", dependencies=[CSRF])
def case_set_status(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, to: Annotated[str, Form()] = ""
) -> Response:
    case = case_or_404(db, case_id, for_update=True)
    try:
        if to not in CaseStatus._value2member_map_:
            raise CaseworkError("Diesen Status gibt es nicht.")
        service.set_status(db, case=case, target=CaseStatus(to), actor=actor(request, staff))
    except (CaseworkError, lifecycle.TransitionNotAllowed) as exc:
        return render_case(request, db, staff, case_id, status_code=409, error=str(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/assign", dependencies=[CSRF])
def case_assign(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case = case_or_404(db, case_id)
    service.assign(db, case=case, staff_id=staff.id, actor=actor(request, staff))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
