"""Care job pages: counsellors turn their case's need into a job; coordinators edit and cancel jobs.

Creating a job is part of documenting a case (DESIGN §5), so counsellors may do it; changing or
cancelling a job affects the outreach to volunteers and is job management, kept for coordinators.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import selectinload

from casework.cases import family
from casework.cases import service as cases
from casework.cases.forms import FormInvalid
from casework.cases.models import Case
from casework.cases.service import CaseworkError
from casework.enums import LANGUAGE_PREFIX, LANGUAGES, JobKind, JobStatus, Requirement
from casework.jobs import service as jobs
from casework.jobs.forms import KIND_FOR_NEED, PAST_OK, next_window, parse_job_form
from casework.jobs.models import CareJob
from casework.jobs.rules import NoFreeCode
from casework.reference import service as reference
from core import audit, confirm, flash, once, web
from core.db import refusable
from core.formats import datetime_de
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields, zone

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])
coordinators = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _render(
    request: Request,
    db: DB,
    case: Case,
    job: CareJob | None,
    form: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return web.render(
        request,
        "casework/job_form.html",
        status_code=status_code,
        case=case,
        job=job,
        form=form,
        errors=errors,
        kinds=list(JobKind),
        requirements=list(Requirement),
        languages=LANGUAGES,
        past_ok=PAST_OK,
        municipalities=reference.municipalities(db),
    )


def _parse(request: Request, db: DB, posted: FormFields, job: CareJob | None = None) -> Any:
    return parse_job_form(
        fields(posted),
        requirements=[str(v) for v in posted.getlist("requirements")],
        languages=[str(v) for v in posted.getlist("languages")],
        zone=zone(request),
        municipality_ids={m.id for m in reference.municipalities(db)},
        now=web.now(request),
        unchanged_start=job.starts_at if job else None,
    )


def _posted_form(posted: FormFields) -> dict[str, Any]:
    form: dict[str, Any] = fields(posted)
    form["requirements"] = [str(v) for v in posted.getlist("requirements")]
    form["languages"] = [str(v) for v in posted.getlist("languages")]
    return form


@router.get("/cases/{case_id}/jobs/new")
def new_job_page(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    """The job form, filled from the case (its district and time window): an audited view of the case."""
    case = cases.get_case(db, case_id=case_id, load=(selectinload(Case.windows),))
    audit.viewed(db, actor(request, staff), action="case.view", object_type="case", object_id=case.id,
                 case_id=case.id, detail={"page": "job_new"})  # fmt: skip
    kind = KIND_FOR_NEED.get(case.need) if case.need else None
    # The job takes the case's time window (the next one not over yet).
    window = next_window(((w.starts_at, w.ends_at) for w in case.windows), web.now(request))
    local = zone(request)
    form = {
        "kind": kind.value if kind else "",
        "municipality_id": str(case.municipality_id or ""),
        "district": case.district or "",
        "carers_needed": "1",
        "requirements": [],
        "languages": [],
        "starts_at": window[0].astimezone(local).strftime(LOCAL_INPUT) if window else "",
        "ends_at": window[1].astimezone(local).strftime(LOCAL_INPUT) if window else "",
    }
    return _render(request, db, case, None, form, {})


@router.post("/cases/{case_id}/jobs", dependencies=[CSRF])
def create_job(request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields) -> Response:
    case = cases.get_case(db, case_id=case_id, for_update=True)
    token = str(posted.get(once.FIELD, ""))
    if earlier := once.earlier_result(db, token=token, staff_id=staff.id, now=web.now(request)):
        return RedirectResponse(earlier, status_code=303)  # a double click: the job exists already
    if case.merged_into_id is not None:  # merged meanwhile: offer the same job for the family's case, unsaved
        family_case = family.current_case(db, case=case)
        moved = (f"Fall {case.number} ist inzwischen mit Fall {family_case.number} zusammengeführt. Der Einsatz "
                 f"wurde noch nicht angelegt; speichern Sie ihn hier für Fall {family_case.number}.")  # fmt: skip
        return _render(request, db, family_case, None, _posted_form(posted), {"form": moved}, 409)
    try:
        with refusable(db):  # nothing of a refused job stays
            jobs.create_job(db, case=case, details=_parse(request, db, posted), actor=actor(request, staff))
    except FormInvalid as exc:
        return _render(request, db, case, None, _posted_form(posted), exc.errors, 422)
    except (CaseworkError, NoFreeCode) as exc:
        return _render(request, db, case, None, _posted_form(posted), {"form": str(exc)}, 409)
    once.record_result(db, token=token, url=f"/cases/{case_id}#jobs")
    return flash.add(RedirectResponse(f"/cases/{case_id}#jobs", status_code=303), request, "Einsatz angelegt.")


@coordinators.get("/jobs/{job_id}/edit")
def edit_job_page(request: Request, db: DB, staff: CurrentStaff, job_id: int) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    audit.viewed(db, actor(request, staff), action="job.view", object_type="care_job", object_id=job.id,
                 case_id=job.case_id, detail={"page": "edit"})  # fmt: skip
    local = zone(request)
    form = {
        "kind": job.kind.value,
        "starts_at": job.starts_at.astimezone(local).strftime(LOCAL_INPUT),
        "ends_at": job.ends_at.astimezone(local).strftime(LOCAL_INPUT),
        "municipality_id": str(job.municipality_id or ""),
        "district": job.district or "",
        "carers_needed": str(job.carers_needed),
        "notes": job.notes or "",
        "requirements": [r for r in job.requirements if not r.startswith(LANGUAGE_PREFIX)],
        "languages": [r.removeprefix(LANGUAGE_PREFIX) for r in job.requirements if r.startswith(LANGUAGE_PREFIX)],
    }
    return _render(request, db, job.case, job, form, {})


@coordinators.post("/jobs/{job_id}/edit", dependencies=[CSRF])
def edit_job(request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields) -> Response:
    job = jobs.require_job(db, job_id=job_id)
    case = job.case  # read before a rollback expires the job
    try:
        with refusable(db):  # nothing of a refused change stays
            jobs.update_job(db, job=job, details=_parse(request, db, posted, job), actor=actor(request, staff))
    except FormInvalid as exc:
        return _render(request, db, case, job, _posted_form(posted), exc.errors, 422)
    except CaseworkError as exc:
        return _render(request, db, case, job, _posted_form(posted), {"form": str(exc)}, 409)
    response = RedirectResponse(f"/cases/{job.case_id}#jobs", status_code=303)
    return flash.add(response, request, f"Einsatz {job.code}: Änderungen gespeichert.")


@coordinators.post("/jobs/{job_id}/cancel", dependencies=[CSRF])
def cancel_job(
    request: Request, db: DB, staff: CurrentStaff, job_id: int, posted: FormFields,
    confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Cancel a job, after asking: the search for volunteers ends and its SMS code is given up."""
    job = jobs.require_job(db, job_id=job_id)
    if not confirm.given(posted) and job.status not in (JobStatus.CANCELLED, JobStatus.COMPLETED):
        starts = datetime_de(job.starts_at, zone(request))
        return confirm.ask(
            request, posted, title=f"Einsatz {job.code} absagen?",
            text=f"Der Einsatz {job.code} ({job.kind.label}, {starts} Uhr) für Fall {job.case.number} wird abgesagt.",
            details=["Ehrenamtliche bekommen dafür keine Angebote mehr; der SMS-Code wird frei.",
                     "Eine Absage lässt sich nicht rückgängig machen: Dafür müssten Sie den Einsatz neu anlegen."],
            button=f"Ja, Einsatz {job.code} absagen", back=confirm.came_from(request, posted, f"/cases/{job.case_id}"),
        )  # fmt: skip
    try:
        jobs.cancel_job(db, job=job, actor=actor(request, staff))
    except CaseworkError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    response = RedirectResponse(f"/cases/{job.case_id}#jobs", status_code=303)
    return flash.add(response, request, f"Einsatz {job.code} abgesagt.")
