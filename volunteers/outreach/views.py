"""The job page "Betreuung suchen": who fits the job and why, the SMS search in waves, and who is
assigned (coordinators assign by hand and release).

Roles: counsellors see the page and start the search (finding a carer is part of helping the family
they talk to); cancelling and widening a search change what many volunteers receive and are job
management, kept for coordinators like editing and cancelling a job (casework.jobs.views); so are
assigning by hand and releasing an assignment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from casework.jobs import service as jobs
from casework.jobs.forms import describe_requirements
from casework.jobs.models import CareJob
from casework.jobs.rules import WAITING_FOR_CARER
from core import audit, flash, web
from core.db import refusable
from core.formats import ascii_int
from core.models import Staff, StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, client_ip, fields, zone
from volunteers.assignments import forms as assignment_forms
from volunteers.assignments import service as assignments
from volunteers.assignments import texts as assignment_texts
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.matching import service as matching
from volunteers.matching.rules import JobNotMatchable
from volunteers.outreach import forms, page, texts
from volunteers.outreach import late as late_yeses
from volunteers.outreach import service as outreach
from volunteers.outreach.models import OutreachStatus
from volunteers.registry.models import Volunteer

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])
coordinators = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
# The job page's live part, polled every few seconds by every open job page, checks the login and the role in its
# one unit of work (`web.staff_page`), so its router has no dependency that would check them once more.
pages = APIRouter()
SHOWN = 20  # ranked candidates on the page; all who fit are counted ("8.565 noch nicht angefragt", "Welle 2 von 4")


def _render(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    job: CareJob,
    *,
    errors: dict[str, str],
    q: str = "",
    status: int = 200,
    notice: str = "",
    releasing: int | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    local = zone(request)
    ranked: list[Any] = []
    left, not_matchable = 0, ""
    try:
        needs = matching.needs_for(db, job, local)
        ranked = matching.reasons(matching.rank_for(db, needs, limit=SHOWN), needs, local)
        left = matching.count_for(db, needs)
    except JobNotMatchable as exc:
        not_matchable = str(exc)
    checked: list[Any] = []
    if q and not not_matchable:  # without a municipality there is nothing to check against
        checked = [(v, matching.explain(db, v, job, zone=local)) for v in outreach.lookup(db, text=q)]
    nobody_fits = not not_matchable and left == 0 and job.status in WAITING_FOR_CARER
    live = _live(request, db, staff, job, candidates_left=left, nobody_fits=nobody_fits, typed=typed)
    family = assignments.care_persons(db, case_id=job.case_id)
    near_misses = matching.near_misses(db, needs, zone=local) if nobody_fits and live["view"].can_assign else []
    if near_misses:
        audit.viewed(
            db, actor(request, staff), action="job.view", object_type="care_job", object_id=job.id,
            case_id=job.case_id, detail={"near_misses": [near.volunteer_id for near in near_misses]},
        )  # fmt: skip
    return web.render(
        request,
        "volunteers/job_search.html",
        status_code=status,
        family=family,
        carer_briefing=assignments.briefing_of(family),
        job_requirements=describe_requirements(job.requirements),
        error_targets={  # the summary's links: the field each message stands at
            "wave_size": "wave_size" if live["view"].can_start else "widen_size",
            "reason": f"reason-{releasing}",
            "volunteer_id": "ranked",  # a hidden field: the list it was chosen from
        },
        ranked=ranked,
        candidates_left=left,
        not_matchable=not_matchable,
        q=q,
        checked=checked,
        notice=notice,
        releasing=releasing,
        errors=errors,
        near_misses=near_misses,
        **live,
    )


def _live(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    job: CareJob,
    *,
    candidates_left: int,
    nobody_fits: bool,
    typed: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the live part of the job page shows: the job's one state, who has it, the late yeses, the search
    and every person asked (`volunteers.outreach.page.load`, the pure rule `volunteers.outreach.state`); the
    search forms with what was `typed` after a refused submit, else their defaults (`forms.defaults`)."""
    now = web.now(request)
    shown = page.load(db, job=job, now=now, candidates_left=candidates_left)
    return {
        "job": job,
        "shown": shown,
        "view": shown.view,
        "now": now,
        "state_labels": texts.JOB_STATE,
        "person_labels": texts.PERSON_STATE,
        "state_detail": texts.state_detail(shown.view, now, zone(request)),
        "person_line": lambda person: texts.person_line(person, now, zone(request)),
        "can_manage": staff.has_role(StaffRole.COORDINATOR),
        "search_form": forms.defaults(shown.wave_size, typed),
        "limits": forms.LIMITS,
        "nobody_fits": nobody_fits,  # no SMS search or widening offered: it would find nobody
    }


def _nobody_fits(request: Request, db: DB, job: CareJob) -> bool:
    """No volunteer fits the job who has not been asked (one COUNT), while it waits for a carer."""
    if job.status not in WAITING_FOR_CARER:
        return False
    try:
        return matching.count_for(db, matching.needs_for(db, job, zone(request))) == 0
    except JobNotMatchable:
        return False


def _candidates_left(request: Request, db: DB, job: CareJob) -> int:
    """Ranked volunteers not yet asked: only needed for "Welle 2 von 4" while a search runs."""
    search = outreach.get(db, job_id=job.id)
    if search is None or search.status != OutreachStatus.ACTIVE:
        return 0
    try:
        return matching.count_for(db, matching.needs_for(db, job, zone(request)))
    except JobNotMatchable:
        return 0


def _notice(db: DB, job: CareJob, *, assigned: str, released: str) -> str:
    """The confirmation after assigning (`?assigned=ID`) or releasing (`?released=ID`) on this job."""
    for raw, status in ((assigned, AssignmentStatus.ACTIVE), (released, AssignmentStatus.RELEASED)):
        assignment_id = ascii_int(raw)
        found = assignments.of_job(db, job_id=job.id, assignment_id=assignment_id) if assignment_id else None
        if found is None or found.status != status:
            continue
        name = db.get_one(Volunteer, found.volunteer_id).name
        if status == AssignmentStatus.ACTIVE:
            return assignment_texts.assigned_by_hand(name)
        search = outreach.get(db, job_id=job.id)
        searching = search is not None and search.status == OutreachStatus.ACTIVE
        return (assignment_texts.released_by_hand if searching else assignment_texts.released_without_search)(name)
    return ""


@pages.get("/jobs/{job_id}/live")
async def job_live(request: Request, job_id: int) -> Response:
    """The live part of the job page, polled every few seconds (/static/dashboard.js): a yes, a withdrawal,
    a late yes or the next wave shows without reload. One unit of work in one thread (`web.staff_page`), as the
    dashboard's poll."""
    return await web.staff_page(
        request, lambda request, db, staff: job_live_part(request, db, staff, job_id), role=StaffRole.COUNSELLOR
    )


def job_live_part(request: Request, db: Session, staff: Staff, job_id: int) -> Response:
    """An audited view of the volunteers it names, written like the dashboard's: again only when other
    volunteers are shown, or after audit.POLL_REPEAT."""
    job = jobs.require_job(db, job_id=job_id)
    live = _live(request, db, staff, job, candidates_left=_candidates_left(request, db, job),
                 nobody_fits=_nobody_fits(request, db, job))  # fmt: skip
    audit.viewed(
        db, actor(request, staff), action="job.view", object_type="care_job", object_id=job.id, case_id=job.case_id,
        detail={"volunteers": sorted(live["shown"].volunteers)}, repeat_after=audit.POLL_REPEAT,
    )  # fmt: skip
    return web.render(request, "volunteers/_job_live.html", errors={}, releasing=None, **live)


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, q: str = "", assigned: str = "", released: str = ""
) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    audit.record(db, actor(request, staff), action="job.view", object_type="care_job", object_id=job.id,
                 case_id=job.case_id)  # fmt: skip
    notice = _notice(db, job, assigned=assigned, released=released)
    return _render(request, db, staff, job, errors={}, q=q[:80], notice=notice)


def _act(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    job: CareJob,
    command: Callable[[], str | None],
    *,
    releasing: int | None = None,
    posted: FormFields | None = None,
) -> Response:
    """Run one service command; a refusal shows the page again with the German reason. The command
    returns where to go next, or None for the search on the job page; a refused search form shows again with
    what was typed (`posted`)."""
    try:
        with refusable(db):  # nothing of a refused command stays
            target = command()
    except (outreach.OutreachError, assignments.AssignmentError, forms.FormErrors) as exc:
        job = jobs.require_job(db, job_id=job.id)  # again with its case and municipality, which the page names
        errors = exc.errors if isinstance(exc, forms.FormErrors) else {"form": str(exc)}
        status = 422 if "form" not in errors else 409
        typed = forms.kept(fields(posted)) if posted is not None else None
        return _render(request, db, staff, job, errors=errors, status=status, releasing=releasing, typed=typed)
    return RedirectResponse(target or f"/jobs/{job.id}#search", status_code=303)


@router.post("/jobs/{job_id}/outreach", dependencies=[CSRF])
def start_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = jobs.require_job(db, job_id=job_id)

    def start() -> None:
        policy = forms.parse_start(fields(posted))
        outreach.start(db, job=job, policy=policy, staff=staff, now=web.now(request), ip=client_ip(request))

    return _act(request, db, staff, job, start, posted=posted)


@coordinators.post("/jobs/{job_id}/outreach/cancel", dependencies=[CSRF])
def cancel_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int) -> Response:
    job = jobs.require_job(db, job_id=job_id)

    def cancel() -> None:
        outreach.cancel(db, job=job, staff=staff, now=web.now(request), ip=client_ip(request))

    return _act(request, db, staff, job, cancel)


@coordinators.post("/jobs/{job_id}/outreach/widen", dependencies=[CSRF])
def widen_outreach(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = jobs.require_job(db, job_id=job_id)

    def widen() -> None:
        size = forms.parse_widen(fields(posted))
        outreach.widen(db, job=job, staff=staff, now=web.now(request), wave_size=size, ip=client_ip(request))

    return _act(request, db, staff, job, widen, posted=posted)


@coordinators.post("/jobs/{job_id}/assign", dependencies=[CSRF])
def assign(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = jobs.require_job(db, job_id=job_id)

    def assign_by_hand() -> str:
        volunteer = db.get(Volunteer, assignment_forms.parse_assign(fields(posted)))
        if volunteer is None:
            raise forms.FormErrors({"volunteer_id": assignment_texts.VOLUNTEER_UNKNOWN})
        made = assignments.assign_by_hand(
            db, job=job, volunteer=volunteer, actor=actor(request, staff),
            reminder_hour=web.get_settings(request).reminder_hour,
        )  # fmt: skip
        return f"/jobs/{job.id}?assigned={made.id}#assigned"

    return _act(request, db, staff, job, assign_by_hand)


@coordinators.post("/jobs/{job_id}/assignments/{assignment_id}/release", dependencies=[CSRF])
def release(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, assignment_id: int, posted: FormFields
) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    assignment = assignments.of_job(db, job_id=job.id, assignment_id=assignment_id)
    if assignment is None:
        raise HTTPException(status_code=404, detail="Diese Einteilung gibt es nicht.")

    def release_by_hand() -> str:
        reason = assignment_forms.parse_release(fields(posted))
        assignments.release(db, assignment=assignment, actor=actor(request, staff), reason=reason)
        return f"/jobs/{job.id}?released={assignment.id}#assigned"

    return _act(request, db, staff, job, release_by_hand, releasing=assignment.id)


@coordinators.post("/jobs/{job_id}/late/{late_yes_id}/assign", dependencies=[CSRF])
def assign_late_yes(request: Request, db: DB, staff: CurrentStaff, job_id: int, late_yes_id: int) -> Response:
    """ "Einteilen" beside a late yes: assigns them under the job lock like any yes (never twice booked:
    a yes by SMS at the same moment is decided before or after, and the second finds the job full)."""
    job = jobs.require_job(db, job_id=job_id)
    late = late_yeses.get(db, job_id=job.id, late_yes_id=late_yes_id)
    if late is None:
        raise HTTPException(status_code=404, detail="Diese Zusage gibt es nicht.")

    def assign_late() -> str:
        made = assignments.assign_by_hand(
            db, job=job, volunteer=db.get_one(Volunteer, late.volunteer_id), actor=actor(request, staff),
            reminder_hour=web.get_settings(request).reminder_hour,
        )  # fmt: skip
        return f"/jobs/{job.id}?assigned={made.id}#assigned"

    return _act(request, db, staff, job, assign_late)


@router.post("/assignments/{assignment_id}/family-informed", dependencies=[CSRF])
def family_informed(
    request: Request, db: DB, staff: CurrentStaff, assignment_id: int, back: Annotated[str, Form()] = "/"
) -> Response:
    """ "Familie informiert" beside a withdrawal (dashboard, case page, job page): audited; the withdrawal leaves
    the dashboard's urgent list. Counsellors too: they are the ones who talk to the family."""
    assignment = db.get(Assignment, assignment_id)
    if assignment is None:
        raise HTTPException(status_code=404, detail="Diese Einteilung gibt es nicht.")
    try:
        with refusable(db):
            job = assignments.family_informed(db, assignment=assignment, actor=actor(request, staff))
    except assignments.AssignmentError as exc:
        response = RedirectResponse(web.safe_next(back), status_code=303)
        return flash.add(response, request, str(exc))
    response = RedirectResponse(web.safe_next(back), status_code=303)
    return flash.add(response, request, assignment_texts.family_informed(job.code))


@coordinators.post("/jobs/{job_id}/near-misses/ask", dependencies=[CSRF])
def ask_near_miss(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    """ "Direkt anfragen" beside a near miss when nobody fits: that one person gets the offer SMS
    (`outreach.ask_directly`, audited); their yes is decided like any yes, so the job is never booked twice."""
    job = jobs.require_job(db, job_id=job_id)
    asked: list[str] = []

    def ask() -> str:
        volunteer_id = assignment_forms.parse_assign(fields(posted))
        offer = outreach.ask_directly(
            db, job=job, volunteer_id=volunteer_id, staff=staff, now=web.now(request), ip=client_ip(request)
        )
        asked.append(db.get_one(Volunteer, offer.volunteer_id).name)
        return f"/jobs/{job.id}#asked"

    response = _act(request, db, staff, job, ask)
    return flash.add(response, request, texts.asked_directly(asked[0])) if asked else response
