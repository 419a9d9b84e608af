"""Staff pages for one case: a new case by hand, the case page with its timeline, notes, status, take-over,
call-back work ("Ich rufe zurück", outcome) and the case form.

A refused action's service runs in `core.db.refusable`: what it wrote is rolled back before the page says why.
The case page also shows the volunteers' assignments and the case's bills: a view may use the floors above
(the one exception in the floors contract), while case work itself never imports them.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from billing import timeline as bill_timeline
from casework.callbacks import rules as callback_rules
from casework.callbacks import service as callbacks
from casework.calls.models import Call
from casework.cases import family, forms, rules, service
from casework.cases.models import Case
from casework.cases.service import CaseworkError
from casework.enums import Affiliation, CaseStatus, JobKind, JobStatus, Need, NoCaseReason
from casework.jobs import rules as job_rules
from casework.jobs.forms import describe_requirements
from casework.jobs.models import CareJob
from casework.reference import service as reference
from casework.timeline import service as timeline
from casework.undo import service as undo
from core import audit, confirm, flash, once, web
from core.db import refusable
from core.errors import NotFound
from core.formats import ascii_int, count_de, hours_de
from core.models import Staff, StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields, zone
from volunteers.assignments import service as assignment_service
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport
from volunteers.outreach.models import Offer
from volunteers.registry.models import Volunteer

router = APIRouter(dependencies=[web.require_role(StaffRole.COUNSELLOR)])
# The case page and its poll, the staff pages asked for most after the dashboard, check the login and the role in
# their one unit of work (`web.staff_page`), so their router has no dependency that would check it once more.
# Included after `router`, whose /cases/new must not be taken for a case id.
pages = APIRouter()


def _jobs() -> tuple[ORMOption, ...]:
    """The case's jobs with their municipality: the job list of the case page and its live part."""
    return (selectinload(Case.jobs).joinedload(CareJob.municipality),)


def _page() -> tuple[ORMOption, ...]:
    """Everything of the case that the case page reads, loaded with it (the relationships never load lazily)."""
    return (
        joinedload(Case.counsellor),
        joinedload(Case.municipality),
        joinedload(Case.partner),
        *service.persons_and_windows(),
        selectinload(Case.calls).joinedload(Call.accepted_by),  # the timeline says who took each call
        *_jobs(),
    )


@cache
def _page_statement() -> Select[Case]:
    """The case with everything the case page reads, built once (`service.get_case_by`)."""
    return service.case_statement(*_page())


@router.get("/cases/new")
def new_case_page(request: Request) -> Response:
    return web.render(request, "casework/case_new.html", form={}, errors={}, needs=list(Need), sources=forms.SOURCES)


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
    form_token: Annotated[str, Form()] = "",
) -> Response:
    if earlier := once.earlier_result(db, token=form_token, staff_id=staff.id, now=web.now(request)):
        return RedirectResponse(earlier, status_code=303)  # a double click: the case exists already
    form = {"caller_name": caller_name, "caller_phone": caller_phone, "need": need, "source": source, "note": note}
    try:
        new = forms.parse_new_case_form(form)
    except forms.FormInvalid as exc:
        return web.render(request, "casework/case_new.html", status_code=422, form=form, errors=exc.errors,
                          needs=list(Need), sources=forms.SOURCES)  # fmt: skip
    try:
        with refusable(db):
            case = service.create_manual_case(
                db, caller_name=new.caller_name, caller_phone=new.caller_phone, need=new.need, source=new.source,
                note=new.note, actor=actor(request, staff), zone=zone(request),
            )  # fmt: skip
    except CaseworkError as exc:  # e.g. a note too long: the case it had already opened goes too
        return web.render(request, "casework/case_new.html", status_code=422, form=form, errors={"note": str(exc)},
                          needs=list(Need), sources=forms.SOURCES)  # fmt: skip
    once.record_result(db, token=form_token, url=f"/cases/{case.id}")
    return flash.add(RedirectResponse(f"/cases/{case.id}", status_code=303), request, f"Fall {case.number} angelegt.")


def _assignment_entries(db: Session, case: Case) -> list[timeline.Entry]:
    """Volunteers who took the case's jobs, and the hours they reported."""
    job_ids = [job.id for job in case.jobs]
    if not job_ids:
        return []
    entries = []
    query = select(Assignment).where(Assignment.job_id.in_(job_ids)).options(joinedload(Assignment.volunteer))
    for a in db.scalars(query):
        name = a.volunteer.name
        entries.append(timeline.Entry(a.assigned_at, "assignment", f"Zusage von {name}"))
        # Each step when it happened, not the assignment's state now.
        if a.withdrawn_at is not None:
            entries.append(timeline.Entry(a.withdrawn_at, "assignment", f"Absage von {name}", "per SMS"))
        elif a.released_at is not None:
            entries.append(timeline.Entry(a.released_at, "assignment", f"{name} ausgetragen", a.release_reason or ""))
        for h in db.scalars(select(HoursReport).where(HoursReport.assignment_id == a.id)):
            entries.append(timeline.Entry(h.reported_at, "hours", f"{hours_de(h.hours)} Stunden gemeldet ({name})"))
            if h.confirmed_at is not None:
                entries.append(
                    timeline.Entry(h.confirmed_at, "hours", f"{hours_de(h.hours)} Stunden bestätigt ({name})")
                )
    return entries


MAX_NAMED = 8
"""A wave's entry names this many recipients, then says how many more."""


def _wave_entries(db: Session, case: Case) -> tuple[list[timeline.Entry], set[int]]:
    """One entry per outreach wave ("Welle 1: 5 SMS an Lisa B., Tobias K., …"), and the SMS they stand for."""
    codes = {job.id: job.code for job in case.jobs}
    if not codes:
        return [], set()
    query = (
        select(Offer.job_id, Offer.wave, Offer.sent_at, Offer.message_id, Volunteer.name)
        .join(Volunteer, Volunteer.id == Offer.volunteer_id)
        .where(Offer.job_id.in_(codes))
        .order_by(Offer.job_id, Offer.wave, Offer.sent_at, Offer.id)
    )
    waves: dict[tuple[int, int], list[tuple[datetime, str]]] = {}
    grouped: set[int] = set()
    for job_id, wave, sent_at, message_id, name in db.execute(query):
        waves.setdefault((job_id, wave), []).append((sent_at, timeline.short_name(name)))
        if message_id is not None:
            grouped.add(message_id)
    entries = []
    for (job_id, wave), sent in waves.items():
        names = [name for _at, name in sent]
        listed = ", ".join(names[:MAX_NAMED]) + (
            f" und {len(names) - MAX_NAMED} weitere" if len(names) > MAX_NAMED else ""
        )
        title = f"Einsatz {codes[job_id]}, Welle {wave}: {count_de(len(names), 'SMS', 'SMS')}"
        entries.append(
            timeline.Entry(min(at for at, _name in sent), "wave", title, f"an {listed}", extra={"job_id": job_id})
        )
    return entries, grouped


def _active_assignments(db: Session, case: Case) -> dict[int, list[Assignment]]:
    """Job id → the volunteers who took it (active), for the case's job list."""
    job_ids = [job.id for job in case.jobs]
    found: dict[int, list[Assignment]] = {}
    if job_ids:
        query = select(Assignment).where(Assignment.job_id.in_(job_ids), Assignment.status == AssignmentStatus.ACTIVE)
        query = query.options(joinedload(Assignment.volunteer))  # the job list names who took each job
        for assignment in db.scalars(query.order_by(Assignment.assigned_at)):
            found.setdefault(assignment.job_id, []).append(assignment)
    return found


def _withdrawals(db: Session, case: Case) -> dict[int, list[Assignment]]:
    """Job id → the volunteers who withdrew from it by SMS, with their reason and whether the family was told."""
    found: dict[int, list[Assignment]] = {}
    for assignment in assignment_service.withdrawals_of_case(db, case_id=case.id):
        found.setdefault(assignment.job_id, []).append(assignment)
    return found


def _merged_target(db: Session, case: Case) -> Case:
    return family.current_case(db, case=case)


def _merged_away(request: Request, db: Session, case: Case) -> Response | None:
    """A form sent from the page of a case that was merged meanwhile changes nothing; the user lands on the
    family's case and is told so (a note is kept there instead: see case_add_note)."""
    if case.merged_into_id is None:
        return None
    target = _merged_target(db, case)
    text = (f"Fall {case.number} ist inzwischen mit Fall {target.number} zusammengeführt. Es wurde nichts "
            "geändert; bitte prüfen Sie es hier noch einmal.")  # fmt: skip
    return flash.add(RedirectResponse(f"/cases/{target.id}", status_code=303), request, text)


def render_case(request: Request, db: DB, staff: Staff, case_id: int, status_code: int = 200, **extra: Any) -> Response:
    """The case page; every showing is an audited view of the case's personal data."""
    case = service.get_case_by(db, _page_statement(), case_id=case_id)
    if case.merged_into_id is not None:
        return RedirectResponse(f"/cases/{_merged_target(db, case).id}", status_code=303)
    audit.record(db, actor(request, staff), action="case.view", object_type="case", object_id=case.id, case_id=case.id)
    waiting = [job for job in case.jobs if job.status in job_rules.WAITING_FOR_CARER]
    tasks = rules.case_tasks(
        case.status,
        need=case.need,
        waiting_job=(waiting[0].id, waiting[0].code) if waiting else None,
        filled_jobs=sum(1 for job in case.jobs if job.status == JobStatus.FILLED),
    )
    waves, grouped = _wave_entries(db, case)
    entries = timeline.for_case(
        db,
        case=case,
        extra=_assignment_entries(db, case) + waves + bill_timeline.entries_for_case(db, case_id=case.id),
        now=web.now(request),
        grouped_messages=grouped,
    )
    topic = request.query_params.get("verlauf", "alle")
    claimer_id = callback_rules.active_claimer_id(case, web.now(request))
    claimer = db.get(Staff, claimer_id) if claimer_id else None
    context = {"error": None, "note_text": "", "note_error": None, **extra}
    return web.render(
        request,
        "casework/case_detail.html",
        status_code=status_code,
        case=case,
        tasks=tasks,
        history=service.caller_history(db, case=case),
        entries=timeline.by_topic(entries, topic),
        topics=timeline.TOPICS,
        topic=topic if topic in timeline.TOPICS else "alle",
        topic_counts=timeline.topic_counts(entries),
        family=family.known_family(db, case=case),
        merge_targets=family.merge_targets(db, case=case),
        claimer=claimer,
        callback_attempts=callbacks.attempts(db, case_id=case.id),
        voicemail=callbacks.latest_voicemails(db, case_ids=[case.id]).get(case.id) if case.callback_needed else None,
        can_manage_jobs=staff.has_role(StaffRole.COORDINATOR),
        describe_requirements=describe_requirements,
        no_case_reasons=list(NoCaseReason),
        outcomes=list(callback_rules.CallbackOutcome),
        job_kinds=list(JobKind),
        assignments=_active_assignments(db, case),
        today=web.now(request).astimezone(zone(request)).date(),
        withdrawals=_withdrawals(db, case),
        **context,
    )


def _refused(request: Request, db: DB, staff: Staff, case_id: int, status_code: int, **extra: Any) -> Response:
    """The case page saying why an action was refused (what the refused service wrote is undone: `refusable`)."""
    return render_case(request, db, staff, case_id, status_code=status_code, **extra)


@pages.get("/cases/{case_id}")
async def case_page(request: Request, case_id: int) -> Response:
    """The case page, the staff page opened most after the dashboard: one unit of work in one thread."""
    return await web.staff_page(
        request, lambda request, db, staff: render_case(request, db, staff, case_id), role=StaffRole.COUNSELLOR
    )


@router.post("/calls/{call_id}/add-to-open-case", dependencies=[CSRF])
def call_add_to_open_case(
    request: Request, db: DB, staff: CurrentStaff, call_id: int, from_case: Annotated[str, Form()] = ""
) -> Response:
    """A repeat caller's call joins the family's open case; the empty case it opened disappears."""
    call = db.get(Call, call_id)
    if call is None or call.case_id is None:
        raise NotFound("Diesen Anruf gibt es nicht.")
    case_id = call.case_id
    try:
        with refusable(db):
            added = family.add_call_to_open_case(
                db, call=call, actor=actor(request, staff), zone=zone(request), seen_in_case_id=ascii_int(from_case)
            )
    except family.CallAlreadyMoved as exc:  # a second click, or a colleague was quicker: nothing moves again
        return flash.add(RedirectResponse(f"/cases/{exc.now_in.id}#timeline", status_code=303), request, str(exc))
    except CaseworkError as exc:
        return _refused(request, db, staff, case_id, 409, error=str(exc))
    response = RedirectResponse(f"/cases/{added.target.id}#timeline", status_code=303)
    return flash.add(response, request, f"Der Anruf gehört jetzt zu Fall {added.target.number}.")


def _merge_page(
    request: Request, db: DB, staff: Staff, case: Case, into: str, status_code: int = 200, error: str = ""
) -> Response:
    target_id = ascii_int(into) if into else None
    preview = None
    if target_id is not None and not error:
        try:
            preview = family.merge_preview(db, source=case, target=service.get_case(db, case_id=target_id))
        except CaseworkError as exc:
            error, status_code = str(exc), 409
    if into and target_id is None and not error:
        error, status_code = "Bitte wählen Sie einen Fall aus der Liste.", 422
    targets = family.merge_targets(db, case=case)
    # An audited view of the case (with the family's other cases offered, named by id), and of the chosen case
    # too when its preview is shown: each case's log then says who looked at it here.
    seen: dict[int, dict[str, Any]] = {case.id: {"shown": [target.id for target in targets]}}
    if preview is not None:
        seen[case.id]["other"] = preview.target.id
        seen[preview.target.id] = {"other": case.id}
    for case_id, detail in seen.items():
        audit.viewed(db, actor(request, staff), action="case.merge_preview", object_type="case", object_id=case_id,
                     case_id=case_id, detail=detail)  # fmt: skip
    return web.render(
        request, "casework/case_merge.html", status_code=status_code, case=case, preview=preview, error=error,
        targets=targets,
    )  # fmt: skip


@router.get("/cases/{case_id}/merge")
def case_merge_page(request: Request, db: DB, staff: CurrentStaff, case_id: int, into: str = "") -> Response:
    """ "Fälle zusammenführen": pick the family's other case, see what moves, then confirm (no JavaScript needed)."""
    case = service.get_case(db, case_id=case_id)
    if case.merged_into_id is not None:
        return RedirectResponse(f"/cases/{_merged_target(db, case).id}", status_code=303)
    return _merge_page(request, db, staff, case, into)


@router.post("/cases/{case_id}/merge", dependencies=[CSRF])
def case_merge(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, into: Annotated[str, Form()] = ""
) -> Response:
    case = service.get_case(db, case_id=case_id)
    target_id = ascii_int(into)
    if target_id is None:
        return _merge_page(
            request, db, staff, case, "", 422, "Bitte wählen Sie den Fall, in den dieser Fall übergehen soll."
        )
    try:
        with refusable(db):
            family.merge(db, source_id=case.id, target_id=target_id, actor=actor(request, staff))
    except CaseworkError as exc:
        return _merge_page(request, db, staff, service.get_case(db, case_id=case_id), into, 409, str(exc))
    response = RedirectResponse(f"/cases/{target_id}#timeline", status_code=303)
    return flash.add(response, request, f"Fall {case.number} ist mit diesem Fall zusammengeführt.")


@pages.get("/cases/{case_id}/jobs/live")
async def case_jobs_live(request: Request, case_id: int) -> Response:
    """The case's jobs and who took them, polled by the case page every few seconds: an assignment shows
    without reload. One unit of work in one thread (`web.staff_page`), as the dashboard's poll."""
    return await web.staff_page(
        request, lambda request, db, staff: case_jobs_part(request, db, staff, case_id), role=StaffRole.COUNSELLOR
    )


def case_jobs_part(request: Request, db: Session, staff: Staff, case_id: int) -> Response:
    """The jobs and the volunteers who took them are an audited view, written like the dashboard's live part:
    again only when other volunteers are shown, or after audit.POLL_REPEAT (see audit.viewed)."""
    case = service.get_case(db, case_id=case_id, load=_jobs())
    assignments = _active_assignments(db, case)
    withdrawals = _withdrawals(db, case)
    volunteers = sorted({a.volunteer_id for taken in (*assignments.values(), *withdrawals.values()) for a in taken})
    audit.viewed(
        db, actor(request, staff), action="case.jobs_view", object_type="case", object_id=case.id, case_id=case.id,
        detail={"volunteers": volunteers}, repeat_after=audit.POLL_REPEAT,
    )  # fmt: skip
    return web.render(
        request, "casework/_case_jobs.html", case=case, assignments=assignments, withdrawals=withdrawals,
        can_manage_jobs=staff.has_role(StaffRole.COORDINATOR), describe_requirements=describe_requirements,
    )  # fmt: skip


@router.post("/cases/{case_id}/notes", dependencies=[CSRF])
def case_add_note(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, body: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    sent_to = service.get_case(db, case_id=case_id)
    if earlier := once.earlier_result(db, token=form_token, staff_id=staff.id, now=web.now(request)):
        return RedirectResponse(earlier, status_code=303)  # the same note sent twice is kept once
    case = _merged_target(db, sent_to)  # a note written on a case merged meanwhile is kept at the family's case
    try:
        with refusable(db):
            service.add_note(db, case=case, body=body, actor=actor(request, staff))
    except CaseworkError as exc:
        return _refused(request, db, staff, case.id, 422, note_error=str(exc), note_text=body)  # shown at the note
    once.record_result(db, token=form_token, url=f"/cases/{case.id}#timeline")
    text = (
        "Notiz gespeichert."
        if case is sent_to
        else (f"Notiz bei Fall {case.number} gespeichert: Fall {sent_to.number} ist inzwischen damit zusammengeführt.")
    )
    return flash.add(RedirectResponse(f"/cases/{case.id}#timeline", status_code=303), request, text)


@router.post("/cases/{case_id}/status", dependencies=[CSRF])
def case_set_status(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields,
    to: Annotated[str, Form()] = "", confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """A status change; closing a case asks first and can be undone for a short while."""
    case = service.get_case(db, case_id=case_id, for_update=True, load=(selectinload(Case.jobs),))  # see _ask_close
    if (moved := _merged_away(request, db, case)) is not None:
        return moved
    before = undo.state_of(db, case=case)
    try:
        with refusable(db):
            if to not in CaseStatus._value2member_map_:
                raise CaseworkError("Diesen Status gibt es nicht.")
            target = CaseStatus(to)
            closing = rules.closes(case.status, target)
            if closing and not confirm.given(posted):
                rules.check_transition(case.status, target, jobs_searching=service.jobs_searching(db, case_id=case.id))
                return _ask_close(request, posted, case, target)
            service.set_status(db, case=case, target=target, actor=actor(request, staff))
    except (CaseworkError, rules.TransitionNotAllowed) as exc:
        return _refused(request, db, staff, case_id, 409, error=str(exc))
    response = RedirectResponse(f"/cases/{case_id}", status_code=303)
    if not closing:
        return flash.add(response, request, f"Status geändert: {target.label}.")
    record = undo.after_close(db, case=case, before=before, actor=actor(request, staff))
    text = f"Fall {case.number} {'abgeschlossen' if target == CaseStatus.COMPLETED else 'geschlossen'}"
    return flash.add(response, request, text, undo=flash.sign(request, record.to_dict()))


def _ask_close(request: Request, posted: FormFields, case: Case, target: CaseStatus) -> Response:
    details = ["Sie können das gleich danach auf der Fallseite rückgängig machen (bis zu 15 Minuten lang)."]
    if case.callback_needed:
        details.insert(0, "Der offene Rückruf entfällt.")
    if any(job.status.value == "filled" for job in case.jobs):
        details.insert(0, "Besetzte Einsätze werden als erledigt abgeschlossen.")
    verb = "abschließen" if target == CaseStatus.COMPLETED else "schließen"
    return confirm.ask(
        request, posted, title=f"Fall {case.number} {verb}?",
        text=f"Fall {case.number} wird auf „{target.label}“ gesetzt und ist danach nicht mehr offen.",
        details=details, button=f"Ja, {rules.action_label(case.status, target)}", back=f"/cases/{case.id}",
    )  # fmt: skip


@router.post("/cases/{case_id}/assign", dependencies=[CSRF])
def case_assign(
    request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields,
    confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Take over a case; taking it from a colleague asks first, and the colleague is told."""
    case = service.get_case(db, case_id=case_id, load=(joinedload(Case.counsellor),))
    if (moved := _merged_away(request, db, case)) is not None:
        return moved
    previous = case.counsellor
    if previous is not None and previous.id != staff.id and not confirm.given(posted):
        return confirm.ask(
            request, posted, title=f"Fall {case.number} übernehmen?",
            text=f"{previous.name} berät diesen Fall. Wenn Sie ihn übernehmen, sind Sie dafür zuständig; "
            f"{previous.name} bekommt einen Hinweis auf der Übersicht.",
            button="Ja, Fall übernehmen", back=f"/cases/{case.id}",
        )  # fmt: skip
    service.assign(db, case=case, staff_id=staff.id, actor=actor(request, staff))
    response = RedirectResponse(f"/cases/{case_id}", status_code=303)
    if previous is not None and previous.id != staff.id:
        return flash.add(response, request, f"Sie beraten jetzt Fall {case.number}. {previous.name} wurde informiert.")
    return flash.add(response, request, f"Sie beraten jetzt Fall {case.number}.")


@router.post("/cases/{case_id}/callback/claim", dependencies=[CSRF])
def claim_callback(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    if (moved := _merged_away(request, db, service.get_case(db, case_id=case_id))) is not None:
        return moved
    try:
        with refusable(db):
            holder = callbacks.claim(db, case_id=case_id, actor=actor(request, staff))
    except CaseworkError as exc:
        return _refused(request, db, staff, case_id, 409, error=str(exc))
    if holder is not None:
        message = f"{holder.name} ruft bereits zurück. Bitte nicht doppelt anrufen."
        return render_case(request, db, staff, case_id, status_code=409, error=message)
    return RedirectResponse(f"/cases/{case_id}#callback", status_code=303)


@router.post("/cases/{case_id}/callback/outcome", dependencies=[CSRF])
def callback_outcome(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    case_id: int,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    case = service.get_case(db, case_id=case_id, for_update=True)
    if (moved := _merged_away(request, db, case)) is not None:
        return moved
    try:
        with refusable(db):
            if outcome not in callback_rules.CallbackOutcome._value2member_map_:
                raise CaseworkError("Bitte wählen Sie aus, wie der Rückruf ausgegangen ist.")
            outcome_value = callback_rules.CallbackOutcome(outcome)
            callbacks.record_outcome(db, case=case, outcome=outcome_value, note=note, actor=actor(request, staff))
    except (CaseworkError, ValueError) as exc:
        return _refused(request, db, staff, case_id, 409, error=str(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _rows(form: dict[str, str], prefix: str, minimum: int, most: int) -> int:
    """Rows to show: every filled one plus one empty row to add another."""
    # Row keys come from the browser ("person-2-label"); a tampered key is no row, not a server error.
    used = [
        number
        for key, value in form.items()
        if key.startswith(prefix) and value.strip() and (number := ascii_int(key.split("-")[1])) is not None
    ]
    return min(most, max(minimum, max(used, default=-1) + 2))


ADD_ROW = {"person": ("person_rows", forms.MAX_PERSONS), "window": ("window_rows", forms.MAX_WINDOWS)}


def _shown_rows(form: dict[str, str], kind: str, minimum: int, added: str) -> int:
    """Rows of persons or time windows: the filled ones plus an empty one, at least as many as were shown
    before ("Weitere Person hinzufügen" adds one more each time, before anything is saved)."""
    field, most = ADD_ROW[kind]
    shown = min(most, ascii_int(form.get(field, "")) or 0)
    return max(_rows(form, f"{kind}-", minimum, most), min(most, shown + 1) if added == kind else shown)


def _edit_page(
    request: Request, db: DB, case: Case, form: dict[str, str], errors: dict[str, str], added: str = ""
) -> Response:
    context: dict[str, Any] = {
        "case": case,
        "form": form,
        "errors": errors,
        "needs": list(Need),
        "affiliations": list(Affiliation),
        "municipalities": reference.municipalities(db),
        "partners": reference.partners(db),
        "today": web.now(request).astimezone(zone(request)).date(),
        "partner_ended_ok": forms.PARTNER_ENDED_OK,
        "person_rows": _shown_rows(form, "person", 2, added),
        "window_rows": _shown_rows(form, "window", 1, added),
        "added": added,
        "max_persons": forms.MAX_PERSONS,
        "max_windows": forms.MAX_WINDOWS,
    }
    return web.render(request, "casework/case_edit.html", status_code=422 if errors else 200, **context)


@router.get("/cases/{case_id}/edit")
def case_edit_page(request: Request, db: DB, staff: CurrentStaff, case_id: int) -> Response:
    case = service.get_case(db, case_id=case_id, load=service.persons_and_windows())
    if case.merged_into_id is not None:
        return RedirectResponse(f"/cases/{_merged_target(db, case).id}/edit", status_code=303)
    audit.record(db, actor(request, staff), action="case.view", object_type="case", object_id=case.id,
                 case_id=case.id, detail={"page": "edit"})  # fmt: skip
    return _edit_page(request, db, case, forms.form_from_case(case, zone(request)), {})


@router.post("/cases/{case_id}/edit", dependencies=[CSRF])
def case_edit(request: Request, db: DB, staff: CurrentStaff, case_id: int, posted: FormFields) -> Response:
    case = service.get_case(db, case_id=case_id, for_update=True, load=service.persons_and_windows())
    if (moved := _merged_away(request, db, case)) is not None:
        return moved
    form = fields(posted)
    if (added := form.get("add_row", "")) in ADD_ROW:
        return _edit_page(request, db, case, form, {}, added=added)  # one more empty row; nothing saved yet
    today = web.now(request).astimezone(zone(request)).date()
    partners = reference.partners(db)
    try:
        details = forms.parse_case_form(
            form,
            zone=zone(request),
            municipality_ids={m.id for m in reference.municipalities(db)},
            partner_ids={p.id for p in partners},
            ended_partners={
                p.id: (p.name, p.active_until) for p in partners if p.active_until and p.active_until < today
            },
            current_partner_id=case.partner_id,
        )
    except forms.FormInvalid as exc:
        return _edit_page(request, db, case, form, exc.errors)
    service.update_details(db, case=case, details=details, actor=actor(request, staff))
    return flash.add(RedirectResponse(f"/cases/{case_id}", status_code=303), request, "Änderungen gespeichert.")
