"""What the dashboard shows: work waiting for staff and who is on duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from casework.callbacks import rules as callback_rules
from casework.callbacks import service as callback_service
from casework.calls.models import Call
from casework.calls.rules import LiveState, live_state
from casework.cases import family
from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.rules import OPEN_STATUSES
from casework.dashboard import rules
from casework.enums import JobStatus
from casework.jobs import rules as jobs_rules
from casework.jobs.models import CareJob
from core.audit import staff_names
from core.clock import day_start
from core.models import Staff


@dataclass(frozen=True)
class DashboardSummary:
    callbacks: int
    open_cases: int
    my_open_cases: int
    unassigned_cases: int
    jobs_waiting: int
    jobs_unfilled: int  # the SMS search ended without enough carers: "keine Zusage"
    on_duty: list[Staff]


def summary(db: Session, *, staff: Staff) -> DashboardSummary:
    """Counts of waiting work and the list of staff on duty."""
    open_case = Case.status.in_(OPEN_STATUSES)

    def count(*where: object) -> int:
        return db.scalar(select(func.count()).select_from(Case).where(*where)) or 0  # type: ignore[arg-type]

    jobs_waiting = db.scalar(
        select(func.count()).select_from(CareJob).where(CareJob.status.in_(jobs_rules.WAITING_FOR_CARER))
    )
    jobs_unfilled = db.scalar(select(func.count()).select_from(CareJob).where(CareJob.status == JobStatus.UNFILLED))
    on_duty = db.scalars(
        select(Staff).where(Staff.on_duty.is_(True), Staff.is_active.is_(True)).order_by(Staff.name)
    ).all()
    return DashboardSummary(
        callbacks=count(Case.callback_needed.is_(True)),
        open_cases=count(open_case),
        my_open_cases=count(open_case, Case.counsellor_id == staff.id),
        unassigned_cases=count(open_case, Case.counsellor_id.is_(None)),
        jobs_waiting=jobs_waiting or 0,
        jobs_unfilled=jobs_unfilled or 0,
        on_duty=list(on_duty),
    )


LIST_LIMIT = 30


@dataclass(frozen=True)
class DashboardLists:
    """The live part of the dashboard, polled every few seconds."""

    callbacks: list[Case]
    calls_today: list[Call]
    my_cases: list[Case]
    unassigned: list[Case]
    jobs_waiting: list[CareJob]
    jobs_unfilled: list[CareJob]  # "Einsätze ohne Zusage": the SMS search ended without enough carers
    jobs_searching: list[CareJob]  # "Suche läuft"
    history: dict[int, int]  # case id → number of earlier cases from the same number
    claimers: dict[int, str]  # case id → who is calling back now (claims past the timeout are free again)
    attempts: dict[int, callback_service.AttemptSummary]  # case id → call-back attempts so far ("2. Versuch")
    voicemails: dict[int, Call]  # case id → the newest call of the case that left a voicemail
    families: dict[int, family.KnownFamily]  # case id → the caller's open case (a repeat caller)
    call_states: dict[int, LiveState]  # call id → klingelt, im Gespräch mit …, beendet, verpasst
    live_calls: list[Call]  # "Anruf jetzt": ringing or in conversation right now, the newest first


def _cases(db: Session, *where: Any, oldest_first: bool = False, options: tuple[Any, ...] = ()) -> list[Case]:
    order = (Case.opened_at.asc(),) if oldest_first else (Case.opened_at.desc(), Case.id.desc())
    return list(db.scalars(select(Case).where(*where).order_by(*order).limit(LIST_LIMIT).options(*options)))


def _jobs(db: Session, *where: Any) -> list[CareJob]:
    """Jobs by start, the soonest first; the job status says where the search stands (the volunteers
    domain sets SEARCHING and UNFILLED), so case work need not know about outreach."""
    query = select(CareJob).where(*where).order_by(CareJob.starts_at).limit(LIST_LIMIT)
    return list(db.scalars(query.options(selectinload(CareJob.case))))


def lists(db: Session, *, staff: Staff, now: datetime, zone: ZoneInfo) -> DashboardLists:
    """Calls to return, calls of today, my open cases, cases without counsellor, jobs waiting."""
    open_case = Case.status.in_(OPEN_STATUSES)
    midnight = day_start(now.astimezone(zone).date(), zone)
    calls = list(
        db.scalars(
            select(Call)
            .where(Call.started_at >= midnight)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(LIST_LIMIT)
            .options(selectinload(Call.case), selectinload(Call.accepted_by))
        )
    )
    # The call-back box names the case's counsellor: loaded with the cases, not one query per entry.
    callbacks = _cases(db, Case.callback_needed.is_(True), oldest_first=True, options=(selectinload(Case.counsellor),))
    jobs = _jobs(db, CareJob.status.in_(jobs_rules.WAITING_FOR_CARER))
    shown = {case.id: case for case in callbacks + [c.case for c in calls if c.case is not None]}
    active = {case.id: callback_rules.active_claimer_id(case, now) for case in callbacks}
    names = staff_names(db, {staff_id for staff_id in active.values() if staff_id})
    states = {call.id: live_state(call, now) for call in calls}
    return DashboardLists(
        callbacks=callbacks,
        calls_today=calls,
        my_cases=_cases(db, open_case, Case.counsellor_id == staff.id),
        unassigned=_cases(db, open_case, Case.counsellor_id.is_(None)),
        jobs_waiting=jobs,
        jobs_unfilled=_jobs(db, CareJob.status == JobStatus.UNFILLED),
        jobs_searching=_jobs(db, CareJob.status == JobStatus.SEARCHING),
        history=cases.earlier_case_counts(db, list(shown.values())),
        claimers={case_id: names[staff_id] for case_id, staff_id in active.items() if staff_id},
        attempts=callback_service.attempt_summaries(db, case_ids=[case.id for case in callbacks]),
        voicemails=callback_service.latest_voicemails(db, case_ids=[case.id for case in callbacks]),
        families=family.known_families(db, [c.case for c in calls if c.case is not None]),
        call_states=states,
        live_calls=[call for call in calls if rules.is_live(states[call.id])],
    )
