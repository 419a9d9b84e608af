"""What the dashboard shows: work waiting for staff and who is on duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only

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
    my_open_cases: int
    unassigned_cases: int
    jobs_waiting: int
    jobs_unfilled: int  # the SMS search ended without enough carers: "keine Zusage"


def _count(table: Any, *where: Any) -> Any:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


@cache
def _summary() -> Select[Any]:
    """The counts of `summary` in one statement, built once (the live part asks every 3 s, and each round trip
    waits its turn for the interpreter when the server is busy)."""
    open_case = Case.status.in_(OPEN_STATUSES)
    return select(
        _count(Case, Case.callback_needed.is_(True)),
        _count(Case, open_case, Case.counsellor_id == bindparam("staff_id")),
        _count(Case, open_case, Case.counsellor_id.is_(None)),
        _count(CareJob, CareJob.status.in_(jobs_rules.WAITING_FOR_CARER)),
        _count(CareJob, CareJob.status == JobStatus.UNFILLED),
    )


def summary(db: Session, *, staff: Staff) -> DashboardSummary:
    """Counts of waiting work: what the dashboard's boxes show (not every open case: nobody reads that number,
    and counting it cost every poll a scan of all open cases)."""
    counts = db.execute(_summary(), {"staff_id": staff.id}).one()
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
    voicemails: dict[int, callback_service.Voicemail]  # case id → the newest voicemail of the case
    families: dict[int, family.KnownFamily]  # case id → the caller's open case (a repeat caller)
    call_states: dict[int, LiveState]  # call id → klingelt, im Gespräch mit …, beendet, verpasst
    live_calls: list[Call]  # "Anruf jetzt": ringing or in conversation right now, the newest first


# What the lists show or decide by, and no more: the live part is polled every 3 s, and loading 30 rows of a
# wide table as objects was most of a poll's time. A column not named here raises when read (raiseload), so a
# page that starts to show one fails its tests instead of loading it again row by row.
_CASE_SHOWN = (
    Case.id, Case.number, Case.opened_at, Case.caller_name, Case.caller_phone, Case.need, Case.status,
    Case.counsellor_id, Case.callback_needed, Case.callback_claimed_by_id, Case.callback_claimed_at,
    Case.merged_into_id, Case.anonymised_at,
)  # fmt: skip
_STAFF_NAMED = (Staff.id, Staff.name)


@cache
def _callbacks() -> Select[Case]:
    """Cases waiting for a call-back, the oldest first, with the counsellor the box names."""
    return (
        select(Case)
        .where(Case.callback_needed.is_(True))
        .order_by(Case.opened_at.asc(), Case.id.asc())
        .limit(LIST_LIMIT)
        .options(
            load_only(*_CASE_SHOWN, raiseload=True),
            joinedload(Case.counsellor).load_only(*_STAFF_NAMED, raiseload=True),
        )
    )


@cache
def _open_cases_statement() -> Select[Case]:
    order = (Case.opened_at.desc(), Case.id.desc())

    def newest(*where: Any) -> Any:
        return select(Case.id).where(Case.status.in_(OPEN_STATUSES), *where).order_by(*order).limit(LIST_LIMIT)

    mine, nobodys = newest(Case.counsellor_id == bindparam("staff_id")), newest(Case.counsellor_id.is_(None))
    return (
        select(Case)
        .where(or_(Case.id.in_(mine), Case.id.in_(nobodys)))
        .order_by(*order)
        .options(load_only(*_CASE_SHOWN, raiseload=True))
    )


def _open_cases(db: Session, *, staff: Staff) -> tuple[list[Case], list[Case]]:
    """The person's own open cases and the open cases without counsellor, the newest first, up to LIST_LIMIT
    each, in one statement (each list's own ORDER BY … LIMIT in a subquery, so each can take an index)."""
    found = list(db.scalars(_open_cases_statement(), {"staff_id": staff.id}))
    return [case for case in found if case.counsellor_id is not None], [c for c in found if c.counsellor_id is None]


@dataclass(frozen=True)
class _JobLists:
    waiting: list[CareJob]
    unfilled: list[CareJob]
    searching: list[CareJob]


@cache
def _jobs_statement() -> Select[CareJob]:
    order = (CareJob.starts_at, CareJob.id)

    def soonest(*statuses: JobStatus) -> Any:
        return select(CareJob.id).where(CareJob.status.in_(statuses)).order_by(*order).limit(LIST_LIMIT)

    # The soonest of all waiting jobs come first among these, so the first LIST_LIMIT are that list.
    kept = or_(*(CareJob.id.in_(soonest(*statuses)) for statuses in
                 (jobs_rules.WAITING_FOR_CARER, (JobStatus.UNFILLED,), (JobStatus.SEARCHING,))))  # fmt: skip
    return (
        select(CareJob)
        .where(kept)
        .order_by(*order)
        .options(
            load_only(CareJob.id, CareJob.case_id, CareJob.code, CareJob.kind, CareJob.starts_at, CareJob.ends_at,
                      CareJob.status, raiseload=True),
            joinedload(CareJob.case).load_only(Case.id, Case.number, raiseload=True),
        )
    )  # fmt: skip


def _jobs(db: Session) -> _JobLists:
    """Jobs waiting for a carer, by start, the soonest first: all of them, those whose SMS search ended without
    enough carers, and those searching now, up to LIST_LIMIT each, in one statement. The job status says
    where the search stands (the volunteers domain sets SEARCHING and UNFILLED), so case work need not know
    about outreach."""
    jobs = list(db.scalars(_jobs_statement()))
    return _JobLists(
        waiting=jobs[:LIST_LIMIT],
        unfilled=[job for job in jobs if job.status == JobStatus.UNFILLED],
        searching=[job for job in jobs if job.status == JobStatus.SEARCHING],
    )


@cache
def _calls_today() -> Select[Call]:
    """Today's newest calls with their cases and who took them (many-to-one, so joined: one round trip)."""
    return (
        select(Call)
        .where(Call.started_at >= bindparam("midnight"))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(LIST_LIMIT)
        .options(
            load_only(
                Call.id, Call.case_id, Call.from_number, Call.status, Call.accepted_by_id, Call.started_at,
                Call.answered_at, Call.dial_status, Call.ended_at, Call.duration_seconds, Call.recording_sid,
                Call.recording_duration_seconds, Call.no_case_reason, raiseload=True,
            ),
            joinedload(Call.case).load_only(*_CASE_SHOWN, raiseload=True),
            joinedload(Call.accepted_by).load_only(*_STAFF_NAMED, raiseload=True),
        )
    )  # fmt: skip


def lists(db: Session, *, staff: Staff, now: datetime, zone: ZoneInfo) -> DashboardLists:
    """Calls to return, calls of today, my open cases, cases without counsellor, jobs waiting."""
    midnight = day_start(now.astimezone(zone).date(), zone)
    calls = list(db.scalars(_calls_today(), {"midnight": midnight}))
    callbacks = list(db.scalars(_callbacks()))
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
