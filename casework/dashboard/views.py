"""The dashboard: waiting work at a glance, refreshed by /static/dashboard.js every few seconds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework.dashboard import service as dashboard
from casework.enums import NoCaseReason
from fluxx.core import web
from fluxx.core.web import DB, CurrentStaff, zone

router = APIRouter()


def _context(request: Request, db: DB, staff: CurrentStaff) -> dict[str, Any]:
    return {
        "summary": dashboard.summary(db, staff=staff),
        "lists": dashboard.lists(db, staff=staff, now=web.now(request), zone=zone(request)),
        "no_case_reasons": list(NoCaseReason),
    }


@router.get("/")
def dashboard_page(request: Request, db: DB, staff: CurrentStaff) -> Response:
    return web.render(request, "casework/dashboard.html", **_context(request, db, staff))


@router.get("/dashboard/live")
def dashboard_live(request: Request, db: DB, staff: CurrentStaff) -> Response:
    """The live part of the dashboard as an HTML fragment, for polling."""
    return web.render(request, "casework/_dashboard_live.html", **_context(request, db, staff))
