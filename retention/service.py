"""The retention purge (rules in `retention.rules`): what is due, and purging it in short transactions.

Cases are anonymised a short batch per transaction (`rules.BATCH`), set-wise: the batch's cases still due are locked
and checked again in one query, then every table is written in one statement for all of them, and the cases are
marked `anonymised_at` in the same transaction as their data: a purge killed half-way leaves every case either
untouched or done, and the next run carries on with the rest. The columns come from the one list of what a case
owns (`core.case_owned`: each floor declares its personal columns there), so a new table with personal data is
purged once it is declared.
The SMS exchanged with volunteers about a job, deactivated volunteers (`retention.volunteers.service`), login failures
and sessions follow in batches of their own (`steps`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, and_, delete, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from billing.models import Bill, SepaMandate
from casework.calls.models import Call
from casework.cases.models import Case
from casework.cases.rules import CLOSED_STATUSES
from core import audit, case_owned
from core.batches import gap_for
from core.db import transaction
from core.models import LoginFailure, StaffSession
from messaging.gateway import RecordingGone, Recordings
from messaging.models import Message
from retention import rules
from retention.rules import Kind
from retention.volunteers import service as volunteer_purge
from volunteers.registry.models import Volunteer

# What a case row itself holds about people (the tables it owns declare theirs in core.case_owned).
# (The reversed digits of the number too: the ORM keeps them in step with the number, a bulk UPDATE does not.)
CASE_COLUMNS = (
    "caller_name", "caller_phone", "caller_phone_reversed", "caller_name_search", "callback_outcome", "district",
    "address", "employer_name",
)  # fmt: skip
# Kept with the bill until its retention period ends (`rules.bill_expired`), then anonymised as Kind.BILLS.
BILL_TABLES = (Bill, SepaMandate)
Progress = Callable[[Kind, int], None]


def _blank(column: ColumnElement[Any]) -> Any:
    """What an anonymised column holds: NULL where allowed, else an empty value of its type."""
    if column.nullable:
        return None
    return {} if isinstance(column.type, JSON) else ""


def _due_cases(now: datetime, days: int, *, recordings_deleted: bool = True) -> Any:
    """Closed cases past the period. With `recordings_deleted`, only those whose voicemails are deleted at
    Twilio already (the voicemail purge runs first): blanking the reference alone would leave the recording
    at Twilio with nothing pointing to it."""
    closed = or_(Case.status.in_(CLOSED_STATUSES), Case.merged_into_id.is_not(None))
    due = (Case.anonymised_at.is_(None), closed, Case.closed_at < rules.case_cutoff(now, days))
    if recordings_deleted:
        return (*due, ~exists().where(Call.case_id == Case.id, Call.recording_sid.is_not(None)))
    return due


def _bills_kept(today: date) -> Any:
    """Cases with a bill still within its retention period."""
    return exists().where(Bill.case_id == Case.id, Bill.issue_date > rules.latest_issue_kept(today))


def _bills_due(today: date) -> Any:
    """Anonymised cases whose bill data is still there and whose every bill has outlived its period."""
    holding = or_(
        exists().where(Bill.case_id == Case.id, Bill.debtor_name.is_not(None)),
        exists().where(SepaMandate.case_id == Case.id, SepaMandate.iban != ""),
    )
    return (Case.anonymised_at.is_not(None), holding, ~_bills_kept(today))


@dataclass
class Report:
    """How many of each kind were (or, in a dry run, would be) purged."""

    counts: dict[Kind, int] = field(default_factory=lambda: dict.fromkeys(Kind, 0))

    def lines(self) -> list[str]:
        return [f"{kind.label}: {self.counts[kind]}" for kind in Kind]


def _due_voicemails(now: datetime, days: int) -> Any:
    return (Call.recording_sid.is_not(None), Call.created_at < rules.voicemail_cutoff(now, days))


def due(db: Session, *, now: datetime, days: int, today: date, voicemail_days: int) -> Report:
    """What a purge at `now` would do, changing nothing (the dry run)."""
    report = Report()
    report.counts[Kind.VOICEMAILS] = db.scalar(select(func.count()).where(*_due_voicemails(now, voicemail_days))) or 0
    # Counted with their voicemails, which the purge deletes first (a voicemail is never older than its case).
    cases = select(func.count()).where(*_due_cases(now, days, recordings_deleted=False))
    report.counts[Kind.CASES] = db.scalar(cases) or 0
    report.counts[Kind.BILLS] = db.scalar(select(func.count()).select_from(Case).where(*_bills_due(today))) or 0
    anonymised = or_(Case.anonymised_at.is_not(None), and_(*_due_cases(now, days, recordings_deleted=False)))
    replies = volunteer_purge.replies_due((anonymised,))
    report.counts[Kind.REPLIES] = db.scalar(select(func.count()).where(*replies)) or 0
    volunteers_due = volunteer_purge.volunteers_due(now, days)
    report.counts[Kind.VOLUNTEERS] = db.scalar(select(func.count()).where(*volunteers_due)) or 0
    cutoff = rules.login_cutoff(now)
    report.counts[Kind.LOGIN_FAILURES] = db.scalar(select(func.count()).where(LoginFailure.at < cutoff)) or 0
    report.counts[Kind.SESSIONS] = db.scalar(select(func.count()).where(_old_session(cutoff))) or 0
    return report


def _old_session(cutoff: datetime) -> Any:
    return or_(StaffSession.ended_at < cutoff, StaffSession.last_seen_at < cutoff)


def _owned_updates(case_ids: list[int], *, with_bills: bool) -> Iterator[Any]:
    """One statement per declared table: its personal columns blanked in the rows of these cases, or the rows
    deleted where they hold nothing but what the case's personal data gave them."""
    for declared in case_owned.tables():
        if (declared.model in BILL_TABLES) != with_bills:
            continue
        table = declared.model.__table__
        if declared.anonymise_deletes:
            yield delete(table).where(table.c.case_id.in_(case_ids))
            continue
        if not declared.anonymise:
            continue
        values = {name: _blank(table.c[name]) for name in declared.anonymise}
        yield update(table).where(table.c.case_id.in_(case_ids)).values(**values)


def anonymise_cases(db: Session, case_ids: list[int], *, now: datetime, today: date, days: int) -> int:
    """Anonymise those of these closed cases still due (another run may have done some meanwhile), set-wise: they
    are locked and checked again in one query, then each table is written in one statement. Their bill data goes
    too where none of their bills is still within the retention period; else `anonymise_bills` takes it later.
    Returns how many were anonymised. For the purge's own transaction: no ORM object of theirs is in the session
    (none is brought up to date)."""
    query = select(Case.id).where(Case.id.in_(case_ids), *_due_cases(now, days)).order_by(Case.id)
    due = list(db.scalars(query.with_for_update()))
    _anonymise(db, due, now=now, today=today, synchronize=False)
    return len(due)


def erase_case(db: Session, *, case_id: int, now: datetime, today: date) -> bool:
    """Anonymise one case now, whatever its age (an erasure request, Art. 17 DSGVO); bill data still within
    its retention period stays, as in the purge. The caller deletes the case's voicemails at Twilio first
    (`forget_voicemail`). Returns whether there was anything left to anonymise."""
    anonymised_at = db.execute(select(Case.anonymised_at).where(Case.id == case_id).with_for_update()).scalar_one()
    if anonymised_at is not None and db.scalar(select(_bills_kept(today)).where(Case.id == case_id)):
        return False
    # The erasure has read the case into its session: the case object there is brought up to date.
    _anonymise(db, [case_id], now=now, today=today, synchronize="fetch")
    return True


def _anonymise(db: Session, case_ids: list[int], *, now: datetime, today: date, synchronize: str | bool) -> None:
    """Blank the personal columns of these cases (locked by the caller) and of every table they own; the bill
    tables only for the cases none of whose bills is still within its retention period."""
    if not case_ids:
        return
    kept = select(Bill.case_id).where(Bill.case_id.in_(case_ids), Bill.issue_date > rules.latest_issue_kept(today))
    billed = set(db.scalars(kept.distinct()))
    for statement in _owned_updates(case_ids, with_bills=False):
        db.execute(statement)
    expired = [case_id for case_id in case_ids if case_id not in billed]
    if expired:
        for statement in _owned_updates(expired, with_bills=True):
            db.execute(statement)
    values = {name: _blank(Case.__table__.c[name]) for name in CASE_COLUMNS}
    statement = update(Case).where(Case.id.in_(case_ids))
    now_utc = literal(now, Case.__table__.c.anonymised_at.type)  # stored as the column stores it (UTC)
    statement = statement.values(**values, anonymised_at=func.coalesce(Case.anonymised_at, now_utc))
    db.execute(statement.execution_options(synchronize_session=synchronize))


def anonymise_bills(db: Session, case_ids: list[int], *, today: date) -> int:
    """The bill data of those of these anonymised cases whose bills have all outlived their retention period
    (checked again under their row locks); how many cases."""
    query = select(Case.id).where(Case.id.in_(case_ids), *_bills_due(today)).order_by(Case.id)
    due = list(db.scalars(query.with_for_update()))
    if due:
        for statement in _owned_updates(due, with_bills=True):
            db.execute(statement)
    return len(due)


@dataclass(frozen=True)
class Step:
    """One kind of the purge: which rows are due (ids after `after`, at most `limit`, in id order) and how a
    batch of them is purged inside the caller's transaction (returns how many were; a row another run did
    meanwhile is skipped). `scale`: rows per batch, as a multiple of the batch of cases."""

    kind: Kind
    ids: Callable[[Session, int, int], list[int]]
    apply: Callable[[Session, list[int]], int]
    scale: int = 1


def _due_ids(column: Any, condition: tuple[Any, ...]) -> Callable[[Session, int, int], list[int]]:
    def ids(db: Session, after: int, limit: int) -> list[int]:
        return list(db.scalars(select(column).where(*condition, column > after).order_by(column).limit(limit)))

    return ids


def _deleting(model: Any, condition: Any) -> Callable[[Session, list[int]], int]:
    def apply(db: Session, ids: list[int]) -> int:
        db.execute(delete(model).where(model.id.in_(ids), condition).execution_options(synchronize_session=False))
        return len(ids)

    return apply


def steps(*, now: datetime, days: int, today: date) -> tuple[Step, ...]:
    """The kinds after the voicemails, in the order they run: cases first, then the volunteers' SMS about their
    jobs (which wait for their case), bill data, volunteers, and the login data."""
    cases, bills, anonymised = _due_cases(now, days), _bills_due(today), (Case.anonymised_at.is_not(None),)
    volunteers_due = volunteer_purge.volunteers_due(now, days)
    cutoff = rules.login_cutoff(now)

    def case(db: Session, ids: list[int]) -> int:
        return anonymise_cases(db, ids, now=now, today=today, days=days)

    def bill(db: Session, ids: list[int]) -> int:
        return anonymise_bills(db, ids, today=today)

    def volunteer(db: Session, ids: list[int]) -> int:
        return volunteer_purge.anonymise_volunteers(db, ids, now=now, condition=volunteers_due)

    def replies(db: Session, ids: list[int]) -> int:
        return volunteer_purge.blank_replies(db, ids, anonymised)

    return (
        Step(Kind.CASES, _due_ids(Case.id, cases), case),
        Step(Kind.REPLIES, _due_ids(Message.id, volunteer_purge.replies_due(anonymised)), replies, scale=10),
        Step(Kind.BILLS, _due_ids(Case.id, bills), bill),
        Step(Kind.VOLUNTEERS, _due_ids(Volunteer.id, volunteers_due), volunteer),
        Step(Kind.LOGIN_FAILURES, _due_ids(LoginFailure.id, (LoginFailure.at < cutoff,)),
             _deleting(LoginFailure, LoginFailure.at < cutoff), scale=10),
        Step(Kind.SESSIONS, _due_ids(StaffSession.id, (_old_session(cutoff),)),
             _deleting(StaffSession, _old_session(cutoff)), scale=10),
    )  # fmt: skip


def purge_some(db: Session, *, now: datetime, days: int, today: date, batch: int = rules.BATCH) -> tuple[Report, bool]:
    """One bounded step of the purge inside the caller's transaction (the worker's nightly task): at most
    `batch` cases (volunteers, ...) of each kind and ten times as many SMS, login failures and sessions. Returns
    what was done and whether more is due. The rows are written set-wise: ORM objects of theirs the session
    holds are not brought up to date (the task's session holds none)."""
    report = Report()
    more = False
    for step in steps(now=now, days=days, today=today):
        ids = step.ids(db, 0, batch * step.scale)
        if ids:
            report.counts[step.kind] += step.apply(db, ids)
        more = more or len(ids) == batch * step.scale
    return report, more


def delete_voicemails(
    factory: sessionmaker[Session], recordings: Recordings, *, now: datetime, days: int,
    batch: int = rules.VOICEMAIL_BATCH, limit: int | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Delete the voicemails left more than `days` ago: first at Twilio, outside any transaction (no lock is
    held across the network), then our reference to it, with an audit entry in the case. A recording Twilio
    refuses to delete now is kept and tried again on the next run. Returns (deleted, kept for later)."""
    deleted = failed = 0
    after = 0
    while limit is None or deleted < limit:
        with factory() as db:
            query = select(Call.id, Call.recording_sid).where(*_due_voicemails(now, days), Call.id > after)
            due = [(call_id, str(sid)) for call_id, sid in db.execute(query.order_by(Call.id).limit(batch))]
        if not due:
            break
        after = due[-1][0]
        gone = []
        for call_id, sid in due:
            try:
                recordings.delete(sid)
            except RecordingGone:
                failed += 1
                continue
            gone.append((call_id, sid))
        if gone:
            with transaction(factory) as db:
                for call_id, sid in gone:
                    deleted += forget_voicemail(db, call_id=call_id, sid=sid, now=now)
    return deleted, failed


def forget_voicemail(db: Session, *, call_id: int, sid: str, now: datetime) -> int:
    """Our reference to a voicemail deleted at Twilio, with an entry in the case's audit trail."""
    call = db.scalars(select(Call).where(Call.id == call_id, Call.recording_sid == sid).with_for_update()).one_or_none()
    if call is None:  # another worker was first
        return 0
    call.recording_sid = call.recording_url = None
    audit.record(
        db, audit.Actor(staff_id=None, ip=None, now=now), action="call.voicemail_deleted", object_type="call",
        object_id=call.id, case_id=call.case_id, detail={"recording_sid": sid},
    )  # fmt: skip
    return 1


def purge(
    factory: sessionmaker[Session], *, now: datetime, days: int, today: date, progress: Progress | None = None,
    batch: int = rules.BATCH, limit: int | None = None, recordings: Recordings | None = None, voicemail_days: int = 30,
    gap: float | None = None, sleep: Callable[[float], None] = time.sleep,
) -> Report:  # fmt: skip
    """Purge everything due, `batch` cases per short transaction (at most `limit` of each kind). Voicemails
    first, when `recordings` (where they are deleted) is given. Safe to run again at any time, also after being
    killed: it carries on.

    Between two transactions it leaves the database to the others for `gap` seconds (on SQLite, whose one
    writer the calls need: `core.batches.gap_for`, as every long write does), so that a call waiting for the
    writer gets it before the next batch does."""
    pause = gap_for(factory) if gap is None else gap
    wrote = False
    report = Report()
    if recordings is not None:
        report.counts[Kind.VOICEMAILS], _kept = delete_voicemails(
            factory, recordings, now=now, days=voicemail_days, batch=min(batch, rules.VOICEMAIL_BATCH), limit=limit
        )
        if progress is not None:
            progress(Kind.VOICEMAILS, report.counts[Kind.VOICEMAILS])
    for step in steps(now=now, days=days, today=today):
        after = 0
        while limit is None or report.counts[step.kind] < limit:
            size = batch * step.scale if limit is None else min(batch * step.scale, limit - report.counts[step.kind])
            with factory() as db:  # read outside the writing transaction
                ids = step.ids(db, after, size)
            if not ids:
                break
            if wrote and pause:
                sleep(pause)  # let the waiting writers in: calls, staff, the worker
            with transaction(factory) as db:
                done = step.apply(db, ids)
            wrote = True
            report.counts[step.kind] += done
            after = ids[-1]
            if progress is not None:
                progress(step.kind, done)
    return report
