"""Staff pages of case work."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework import dashboard
from fluxx import web
from fluxx.web import DB, CurrentStaff

router = APIRouter()


@router.get("/")
def dashboard_page(request: Request, db: DB, staff: CurrentStaff) -> Response:
    return web.render(request, "casework/dashboard.html", summary=dashboard.summary(db, staff=staff))
