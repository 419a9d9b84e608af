"""The dashboard: waiting work at a glance, refreshed by /static/dashboard.js every few seconds."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework.dashboard import service as dashboard
from casework.enums import NoCaseReason
from fluxx.core import notices, web
from fluxx.core.web import DB, CurrentStaff, zone
from volunteers.assignments import service as assignments

router = APIRouter()


def _context(request: Request, db: DB, staff: CurrentStaff) -> dict[str, Any]:
    now, local = web.now(request), zone(request)
    # The volunteers' side of the same day, assembled here: case work knows nothing of volunteers.
    today = datetime.combine(now.astimezone(local).date(), time(0), tzinfo=local)
    return {
        "summary": dashboard.summary(db, staff=staff),
        "lists": dashboard.lists(db, staff=staff, now=now, zone=local),
        "no_case_reasons": list(NoCaseReason),
        "assigned_today": assignments.assigned_since(db, since=today),
        "withdrawals": assignments.open_withdrawals(db),
    }


@router.get("/")
def dashboard_page(request: Request, db: DB, staff: CurrentStaff) -> Response:
    mine = notices.open_for(db, staff_id=staff.id)  # e.g. a colleague took over one's case
    return web.render(request, "casework/dashboard.html", notices=mine, **_context(request, db, staff))


@router.get("/dashboard/live")
def dashboard_live(request: Request, db: DB, staff: CurrentStaff) -> Response:
    """The live part of the dashboard as an HTML fragment, for polling."""
    return web.render(request, "casework/_dashboard_live.html", **_context(request, db, staff))
