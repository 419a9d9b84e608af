"""The hours pages: a job's carers and their hours (enter, confirm, correct) and the hours to confirm.

Coordinators confirm what carers reported by SMS or enter the hours themselves; only confirmed hours are
billed and counted. Routes stay thin: the rules are in `billing.hours.rules`, the changes in `service`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from billing.hours import rules, service
from casework.jobs import service as jobs
from casework.jobs.models import CareJob
from core import audit, flash, web
from core.db import refusable
from core.errors import FieldErrors
from core.formats import hours_de
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


def _render(request: Request, db: DB, job: CareJob, *, errors: dict[str, str], form: dict[str, str],
            target: int | None = None, status: int = 200) -> Response:  # fmt: skip
    job = jobs.require_job(db, job_id=job.id)  # again with its case: a refusal's savepoint expired the row
    return web.render(
        request, "billing/job_hours.html", status_code=status, job=job, case_number=job.case.number,
        rows=service.rows_for_job(db, job_id=job.id), errors=errors, form=form, target=target,
    )  # fmt: skip


@router.get("/jobs/{job_id}/hours")
def job_hours(request: Request, db: DB, staff: CurrentStaff, job_id: int) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    audit.viewed(db, actor(request, staff), action="hours.view", object_type="care_job", object_id=job.id,
                 case_id=job.case_id)  # fmt: skip
    return _render(request, db, job, errors={}, form={})


def _hours_from(
    form: dict[str, str], job: CareJob, request: Request
) -> tuple[Decimal, datetime | None, datetime | None]:
    """The hours typed: a duration, or a start and an end on the job's day (15-minute steps)."""
    duration, start, end = form.get("hours", "").strip(), form.get("started", "").strip(), form.get("ended", "").strip()
    if start or end:
        errors: dict[str, str] = {}
        times = {}
        for name, text in (("started", start), ("ended", end)):
            try:
                times[name] = rules.parse_clock(text, name)
            except FieldErrors as exc:
                errors |= exc.errors
        if errors:
            raise FieldErrors(errors)
        zone = web.zone(request)
        started, ended, hours = rules.span(
            job.starts_at.astimezone(zone).date(), times["started"], times["ended"], zone
        )
        return hours, started, ended
    if not duration:
        raise FieldErrors({"hours": "Bitte die Stunden (z. B. 3,5) oder Beginn und Ende angeben."})
    return rules.parse_duration(duration), None, None


def _done(request: Request, job: CareJob, message: str) -> Response:
    return flash.add(RedirectResponse(f"/jobs/{job.id}/hours", status_code=303), request, message)


@router.post("/jobs/{job_id}/hours/{assignment_id}", dependencies=[CSRF])
def enter_hours(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, assignment_id: int, posted: FormFields
) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    form = fields(posted)
    try:
        with refusable(db):
            hours, started, ended = _hours_from(form, job, request)
            service.enter(
                db, job_id=job.id, assignment_id=assignment_id, hours=hours, actor=actor(request, staff),
                started_at=started, ended_at=ended, confirm=form.get("confirm") == "1",
            )  # fmt: skip
    except FieldErrors as exc:
        return _render(request, db, job, errors=exc.errors, form=form, target=assignment_id, status=422)
    except service.HoursError as exc:
        return _render(request, db, job, errors={"form": exc.message}, form=form, target=assignment_id, status=409)
    state = "erfasst und bestätigt" if form.get("confirm") == "1" else "erfasst"
    return _done(request, job, f"{hours_de(hours)} Stunden {state}.")


@router.post("/jobs/{job_id}/hours/reports/{report_id}/confirm", dependencies=[CSRF])
def confirm_hours(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, report_id: int, posted: FormFields
) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    back = fields(posted).get("back", "")
    try:
        with refusable(db):
            report = service.confirm(db, job_id=job.id, report_id=report_id, actor=actor(request, staff))
    except service.HoursError as exc:
        if back == "/hours":
            return flash.add(RedirectResponse("/hours", status_code=303), request, exc.message)
        return _render(request, db, job, errors={"form": exc.message}, form={}, status=409)
    message = f"{hours_de(report.hours)} Stunden bei Einsatz {job.code} bestätigt."
    if back == "/hours":
        return flash.add(RedirectResponse("/hours", status_code=303), request, message)
    return _done(request, job, message)


@router.post("/jobs/{job_id}/hours/reports/{report_id}/correct", dependencies=[CSRF])
def correct_hours(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, report_id: int, posted: FormFields
) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    form = fields(posted)
    target = int(form["assignment_id"]) if form.get("assignment_id", "").isdigit() else None
    try:
        with refusable(db):
            hours, started, ended = _hours_from(form, job, request)
            service.correct(
                db, job_id=job.id, report_id=report_id, hours=hours, reason=form.get("reason", ""),
                actor=actor(request, staff), started_at=started, ended_at=ended,
            )  # fmt: skip
    except FieldErrors as exc:
        return _render(request, db, job, errors=exc.errors, form=form, target=target, status=422)
    except service.HoursError as exc:
        return _render(request, db, job, errors={"form": exc.message}, form=form, target=target, status=409)
    return _done(request, job, f"Bestätigte Stunden auf {hours_de(hours)} geändert (Grund gespeichert).")


@router.get("/hours")
def hours_to_confirm(request: Request, db: DB, staff: CurrentStaff) -> Response:
    count, waiting = service.waiting(db, limit=200)
    audit.viewed(db, actor(request, staff), action="hours.list", object_type="hours_report",
                 detail={"reports": [w.report.id for w in waiting]})  # fmt: skip
    return web.render(request, "billing/hours_to_confirm.html", count=count, waiting=waiting)
