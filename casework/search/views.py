"""The case list: filters, search by case number, phone or name, and keyset pagination (/cases)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from casework.cases import rules as case_rules
from casework.enums import CaseStatus, Need
from casework.reference import service as reference
from casework.search import service
from casework.search.rules import CASE_COLUMNS, DEFAULT_CASE_SORT, parse_case_sort, parse_query
from casework.search.service import CaseFilters
from core import audit, web
from core.formats import ascii_int
from core.models import Staff, StaffRole
from core.sorting import SortLinks
from core.web import DB, CurrentStaff, actor, zone

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str, label: str, problems: list[str]) -> int | None:
    if not raw:
        return None
    value = ascii_int(raw)
    if value is None:
        problems.append(f"Der Filter „{label}“ war ungültig und wurde nicht angewandt.")
    return value


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
    sort: str = "",
    direction: Annotated[str, Query(alias="dir")] = "",
) -> Response:
    problems: list[str] = []
    query = parse_query(q)
    filters = CaseFilters(
        statuses=tuple(case_rules.statuses_from(status)),
        needs=(Need(need),) if need in Need._value2member_map_ else (),
        municipality_id=_int(municipality, "Kommune", problems),
        counsellor_id=(
            service.UNASSIGNED
            if counsellor == str(service.UNASSIGNED)
            else _int(counsellor, "Beratung durch", problems)
        ),
        opened_from=_date(since),
        opened_until=_date(until),
        query=query,
    )
    order = parse_case_sort(sort, direction)
    page = service.list_cases(
        db, filters=filters, zone=zone(request), after=service.decode_cursor(after, order), sort=order
    )
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
    sorting = SortLinks("/cases", CASE_COLUMNS, order, DEFAULT_CASE_SORT, params)
    return web.render(
        request,
        "casework/case_list.html",
        page=page,
        params=params,
        statuses=list(CaseStatus),
        needs=list(Need),
        municipalities=reference.municipalities(db),
        counsellors=db.scalars(select(Staff).where(Staff.is_active.is_(True)).order_by(Staff.name)).all(),
        unassigned=service.UNASSIGNED,
        sorting=sorting,
        next_url=f"/cases?{urlencode({**params, **sorting.params(), 'after': page.next_cursor.encode()}, doseq=True)}"
        if page.next_cursor
        else None,
        searched=not filters.query.empty or bool(q.strip()),
        problems=problems,
        search_problem=query.problem,
    )
