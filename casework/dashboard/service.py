"""What the dashboard shows: work waiting for staff and who is on duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

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


def _count(table: Any, *where: Any) -> Any:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


def summary(db: Session, *, staff: Staff) -> DashboardSummary:
    """Counts of waiting work, in one statement: the live dashboard asks every 3 s, and each round trip
    waits its turn for the interpreter when the server is busy."""
    open_case = Case.status.in_(OPEN_STATUSES)
    counts = db.execute(
        select(
            _count(Case, Case.callback_needed.is_(True)),
            _count(Case, open_case),
            _count(Case, open_case, Case.counsellor_id == staff.id),
            _count(Case, open_case, Case.counsellor_id.is_(None)),
            _count(CareJob, CareJob.status.in_(jobs_rules.WAITING_FOR_CARER)),
            _count(CareJob, CareJob.status == JobStatus.UNFILLED),
        )
    ).one()
    return DashboardSummary(*(count or 0 for count in counts))


def on_duty(db: Session) -> list[Staff]:
    """The staff on duty, by name (the dashboard page names them; its live part does not)."""
    query = select(Staff).where(Staff.on_duty.is_(True), Staff.is_active.is_(True)).order_by(Staff.name)
    return list(db.scalars(query))


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


def _open_cases(db: Session, *, staff: Staff) -> tuple[list[Case], list[Case]]:
    """The person's own open cases and the open cases without counsellor, the newest first, up to LIST_LIMIT
    each, in one statement (each list's own ORDER BY … LIMIT in a subquery, so each can take an index)."""
    order = (Case.opened_at.desc(), Case.id.desc())

    def newest(*where: Any) -> Any:
        return select(Case.id).where(Case.status.in_(OPEN_STATUSES), *where).order_by(*order).limit(LIST_LIMIT)

    mine, nobodys = newest(Case.counsellor_id == staff.id), newest(Case.counsellor_id.is_(None))
    found = list(db.scalars(select(Case).where(or_(Case.id.in_(mine), Case.id.in_(nobodys))).order_by(*order)))
    return [case for case in found if case.counsellor_id is not None], [c for c in found if c.counsellor_id is None]


@dataclass(frozen=True)
class _JobLists:
    waiting: list[CareJob]
    unfilled: list[CareJob]
    searching: list[CareJob]


def _jobs(db: Session) -> _JobLists:
    """Jobs waiting for a carer, by start, the soonest first: all of them, those whose SMS search ended without
    enough carers, and those searching now, up to LIST_LIMIT each, in one statement. The job status says
    where the search stands (the volunteers domain sets SEARCHING and UNFILLED), so case work need not know
    about outreach."""
    order = (CareJob.starts_at, CareJob.id)

    def soonest(*statuses: JobStatus) -> Any:
        return select(CareJob.id).where(CareJob.status.in_(statuses)).order_by(*order).limit(LIST_LIMIT)

    # The soonest of all waiting jobs come first among these, so the first LIST_LIMIT are that list.
    kept = or_(*(CareJob.id.in_(soonest(*statuses)) for statuses in
                 (jobs_rules.WAITING_FOR_CARER, (JobStatus.UNFILLED,), (JobStatus.SEARCHING,))))  # fmt: skip
    jobs = list(db.scalars(select(CareJob).where(kept).order_by(*order).options(joinedload(CareJob.case))))
    return _JobLists(
        waiting=jobs[:LIST_LIMIT],
        unfilled=[job for job in jobs if job.status == JobStatus.UNFILLED],
        searching=[job for job in jobs if job.status == JobStatus.SEARCHING],
    )


def lists(db: Session, *, staff: Staff, now: datetime, zone: ZoneInfo) -> DashboardLists:
    """Calls to return, calls of today, my open cases, cases without counsellor, jobs waiting."""
    midnight = day_start(now.astimezone(zone).date(), zone)
    calls = list(
        db.scalars(
            select(Call)
            .where(Call.started_at >= midnight)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(LIST_LIMIT)
            # Many-to-one, so joined in the same statement: one round trip instead of three.
            .options(joinedload(Call.case), joinedload(Call.accepted_by))
        )
    )
    # The call-back box names the case's counsellor: loaded with the cases, not one query per entry.
    callbacks = _cases(db, Case.callback_needed.is_(True), oldest_first=True, options=(joinedload(Case.counsellor),))
    jobs = _jobs(db)
    mine, unassigned = _open_cases(db, staff=staff)
    shown = {case.id: case for case in callbacks + [c.case for c in calls if c.case is not None]}
    active = {case.id: callback_rules.active_claimer_id(case, now) for case in callbacks}
    names = staff_names(db, {staff_id for staff_id in active.values() if staff_id})
    states = {call.id: live_state(call, now) for call in calls}
    return DashboardLists(
        callbacks=callbacks,
        calls_today=calls,
        my_cases=mine,
        unassigned=unassigned,
        jobs_waiting=jobs.waiting,
        jobs_unfilled=jobs.unfilled,
        jobs_searching=jobs.searching,
        history=cases.earlier_case_counts(db, list(shown.values())),
        claimers={case_id: names[staff_id] for case_id, staff_id in active.items() if staff_id},
        attempts=callback_service.attempt_summaries(db, case_ids=[case.id for case in callbacks]),
        voicemails=callback_service.latest_voicemails(db, case_ids=[case.id for case in callbacks]),
        families=family.known_families(db, [c.case for c in calls if c.case is not None]),
        call_states=states,
        live_calls=[call for call in calls if rules.is_live(states[call.id])],
    )
