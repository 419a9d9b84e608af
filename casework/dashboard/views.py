"""The dashboard: waiting work at a glance, refreshed by /static/dashboard.js every few seconds.

Both the page and its live part are audited views ("Übersicht angesehen"): they show families' names and
numbers and volunteers' names. The entry names the cases and volunteers shown (ids, never the data).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from billing.hours import service as hours
from casework.dashboard import service as dashboard
from casework.dashboard.rules import Section, arrange
from casework.enums import NoCaseReason
from core import audit, notices, web
from core.clock import day_start
from core.models import Staff
from core.web import DB, CurrentStaff, actor, zone
from volunteers.assignments import service as assignments

router = APIRouter()


def _context(request: Request, db: DB, staff: CurrentStaff) -> dict[str, Any]:
    now, local = web.now(request), zone(request)
    # The volunteers' side of the same day, assembled here: case work knows nothing of volunteers.
    today = day_start(now.astimezone(local).date(), local)
    context: dict[str, Any] = {
        "summary": dashboard.summary(db, staff=staff),
        "lists": dashboard.lists(db, staff=staff, now=now, zone=local),
        "no_case_reasons": list(NoCaseReason),
        "assigned_today": assignments.assigned_since(db, since=today),
        "withdrawals": assignments.open_withdrawals(db, now=now),
        "hours_missing": assignments.hours_missing(db, now=now),
        # Billing's side (above case work, composed here like the volunteers'): hours staff must confirm.
        "hours_to_confirm": hours.waiting(db, limit=10),
    }
    context["counts"] = _counts(context)
    context["layout"] = arrange(context["counts"])
    return context


def _counts(context: dict[str, Any]) -> dict[Section, int]:
    """How many entries each section has: the full counts where the page has them (the tiles show them), else
    the length of the list shown."""
    summary: dashboard.DashboardSummary = context["summary"]
    lists: dashboard.DashboardLists = context["lists"]
    return {
        Section.LIVE_CALLS: len(lists.live_calls),
        Section.CALLBACKS: summary.callbacks,
        Section.WITHDRAWALS: len(context["withdrawals"]),
        Section.JOBS_UNFILLED: summary.jobs_unfilled,
        Section.HOURS_TO_CONFIRM: context["hours_to_confirm"][0],
        Section.HOURS_MISSING: context["hours_missing"].jobs,
        Section.CALLS_TODAY: len(lists.calls_today),
        Section.MY_CASES: summary.my_open_cases,
        Section.UNASSIGNED: summary.unassigned_cases,
        Section.JOBS_SEARCHING: len(lists.jobs_searching),
        Section.JOBS_WAITING: summary.jobs_waiting,
        Section.ASSIGNED_TODAY: len(context["assigned_today"]),
    }


def _shown(context: dict[str, Any]) -> dict[str, list[int]]:
    """Whose data the live part shows, for the audit: the cases (by id) and the volunteers (by id)."""
    lists: dashboard.DashboardLists = context["lists"]
    cases = {case.id for case in lists.callbacks + lists.my_cases + lists.unassigned}
    cases |= {call.case_id for call in lists.calls_today if call.case_id is not None}
    cases |= {job.case_id for job in lists.jobs_waiting + lists.jobs_unfilled + lists.jobs_searching}
    cases |= {known.open_case.id for known in lists.families.values()}
    people = context["assigned_today"] + context["withdrawals"]
    cases |= {assignment.job.case_id for assignment in people}
    volunteers = {assignment.volunteer_id for assignment in people}
    missing: assignments.MissingHours = context["hours_missing"]
    cases |= {entry.case_id for entry in missing.entries}
    volunteers |= {entry.volunteer_id for entry in missing.entries}
    _count, waiting = context["hours_to_confirm"]
    cases |= {entry.job.case_id for entry in waiting}
    volunteers |= {entry.volunteer.id for entry in waiting}
    return {"shown": sorted(cases), "volunteers": sorted(volunteers)}


def _record(request: Request, db: DB, staff: CurrentStaff, context: dict[str, Any], *, poll: bool) -> None:
    """Opening the dashboard is always written. Its live part reloads every 3 s (dashboard.js): a reload is
    written only when it shows other cases or volunteers than the person's last entry, or after
    audit.POLL_REPEAT with the page still open (see audit.viewed), so the log shows who had which family on
    screen when without a row every 3 seconds per open dashboard."""
    audit.viewed(
        db, actor(request, staff), action="dashboard.view", object_type="dashboard", detail=_shown(context),
        repeat_after=audit.POLL_REPEAT if poll else None,
    )  # fmt: skip


@router.get("/")
def dashboard_page(request: Request, db: DB, staff: CurrentStaff) -> Response:
    mine = notices.open_for(db, staff_id=staff.id)  # e.g. a colleague took over one's case
    context = _context(request, db, staff)
    _record(request, db, staff, context, poll=False)
    return web.render(request, "casework/dashboard.html", notices=mine, on_duty=dashboard.on_duty(db), **context)


@router.get("/dashboard/live")
async def dashboard_live(request: Request) -> Response:
    """The live part of the dashboard as an HTML fragment, for polling: every open dashboard asks every 3 s,
    also in the busiest hour, so it is one unit of work in one thread (`web.staff_page`)."""
    return await web.staff_page(request, live_page)


def live_page(request: Request, db: Session, staff: Staff) -> Response:
    """The live part as `staff` sees it, its view audited (also what `fluxx serve` renders once to warm up)."""
    context = _context(request, db, staff)
    _record(request, db, staff, context, poll=True)
    return web.render(request, "casework/_dashboard_live.html", **context)
