"""The job page "Betreuung suchen": who fits the job and why, and the SMS search in waves.

Roles: counsellors see the page and start the search (finding a carer is part of helping the family
they talk to); cancelling and widening a search change what many volunteers receive and are job
management, kept for coordinators like editing and cancelling a job (casework.jobs.views).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from casework.jobs import service as jobs
from casework.jobs.models import CareJob
from fluxx.core import audit, web
from fluxx.core.models import StaffRole
from fluxx.core.web import CSRF, DB, CurrentStaff, FormFields, actor, client_ip, fields, zone
from volunteers.matching import service as matching
from volunteers.matching.rules import JobNotMatchable
from volunteers.outreach import forms, texts
from volunteers.outreach import service as outreach

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])
coordinators = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
SHOWN = 20  # ranked candidates on the page
COUNTED = 500  # candidates counted for "Welle 2 von 4"


def _job_or_404(db: DB, job_id: int) -> CareJob:
    job = jobs.get_job(db, job_id=job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="Diesen Einsatz gibt es nicht.")
    return job


def _render(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    job: CareJob,
    *,
    errors: dict[str, str],
    q: str = "",
    status: int = 200,
) -> Response:
    local = zone(request)
    ranked: list[Any] = []
    left, not_matchable = 0, ""
    try:
        needs = matching.needs_for(db, job, local)
        candidates = matching.rank_for(db, needs, limit=COUNTED)
        ranked, left = matching.reasons(candidates[:SHOWN], needs, local), len(candidates)
    except JobNotMatchable as exc:
        not_matchable = str(exc)
    checked = [(v, matching.explain(db, v, job, zone=local)) for v in outreach.lookup(db, text=q)] if q else []
    found = outreach.overview(db, job=job, candidates_left=left)
    row = found.outreach
    return web.render(
        request,
        "volunteers/job_search.html",
        status_code=status,
        job=job,
        ranked=ranked,
        candidates_left=left,
        not_matchable=not_matchable,
        q=q,
        checked=checked,
        found=found,
        wave_line=texts.wave_line(row.waves_sent, found.waves_expected, found.next_wave_at, local) if row else "",
        status_labels=texts.OUTREACH_STATUS,
        offer_labels=texts.OFFER_STATUS,
        no_answer=row is not None and row.status in outreach.NEEDS_STAFF,
        can_manage=staff.has_role(StaffRole.COORDINATOR),
        errors=errors,
    )


@router.get("/jobs/{job_id}")
def job_page(request: Request, db: DB, staff: CurrentStaff, job_id: int, q: str = "") -> Response:
    job = _job_or_404(db, job_id)
    audit.record(db, actor(request, staff), action="job.view", object_type="care_job", object_id=job.id,
                 case_id=job.case_id)  # fmt: skip
    return _render(request, db, staff, job, errors={}, q=q[:80])


def _act(request: Request, db: DB, staff: CurrentStaff, job: CareJob, command: Any) -> Response:
    """Run one service command; a refusal shows the page again with the German reason."""
    try:
        command()
    except (outreach.OutreachError, forms.FormErrors) as exc:
        db.rollback()  # nothing of a refused command stays
        errors = exc.errors if isinstance(exc, forms.FormErrors) else {"form": str(exc)}
        return _render(request, db, staff, job, errors=errors, status=422 if "form" not in errors else 409)
    return RedirectResponse(f"/jobs/{job.id}#search", status_code=303)


@router.post("/jobs/{job_id}/outreach", dependencies=[CSRF])
def start_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = _job_or_404(db, job_id)

    def start() -> None:
        policy = forms.parse_start(fields(posted))
        outreach.start(db, job=job, policy=policy, staff=staff, now=web.now(request), ip=client_ip(request))

    return _act(request, db, staff, job, start)


@coordinators.post("/jobs/{job_id}/outreach/cancel", dependencies=[CSRF])
def cancel_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int) -> Response:
    job = _job_or_404(db, job_id)
    return _act(
        request, db, staff, job,
        lambda: outreach.cancel(db, job=job, staff=staff, now=web.now(request), ip=client_ip(request)),
    )  # fmt: skip


@coordinators.post("/jobs/{job_id}/outreach/widen", dependencies=[CSRF])
def widen_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = _job_or_404(db, job_id)

    def widen() -> None:
        size = forms.parse_widen(fields(posted))
        outreach.widen(db, job=job, staff=staff, now=web.now(request), wave_size=size, ip=client_ip(request))

    return _act(request, db, staff, job, widen)
