"""The retention purge (rules in `retention.rules`): what is due, and purging it in short transactions.

Cases are anonymised a short batch per transaction, each under its row lock and marked `anonymised_at` in
the same transaction as its data: a purge killed half-way leaves every case either untouched or done, and the next run
carries on with the rest. The columns come from the one list of what a case owns (`core.case_owned`: each
floor declares its personal columns there), so a new table with personal data is purged once it is declared.
Login failures and sessions are deleted in batches of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from billing.models import Bill, SepaMandate
from casework.calls.models import Call
from casework.cases.models import Case
from casework.cases.rules import CLOSED_STATUSES
from core import audit, case_owned
from core.db import transaction
from core.models import LoginFailure, StaffSession
from messaging.gateway import RecordingGone, Recordings
from retention import rules
from retention.rules import Kind

# What a case row itself holds about people (the tables it owns declare theirs in core.case_owned).
CASE_COLUMNS = (
    "caller_name", "caller_phone", "caller_name_search", "callback_outcome", "district", "address", "employer_name",
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
    cutoff = rules.login_cutoff(now)
    report.counts[Kind.LOGIN_FAILURES] = db.scalar(select(func.count()).where(LoginFailure.at < cutoff)) or 0
    report.counts[Kind.SESSIONS] = db.scalar(select(func.count()).where(_old_session(cutoff))) or 0
    return report


def _old_session(cutoff: datetime) -> Any:
    return or_(StaffSession.ended_at < cutoff, StaffSession.last_seen_at < cutoff)


def _owned_updates(case_id: int, *, with_bills: bool) -> Iterator[Any]:
    for declared in case_owned.tables():
        if not declared.anonymise or (declared.model in BILL_TABLES) != with_bills:
            continue
        table = declared.model.__table__
        values = {name: _blank(table.c[name]) for name in declared.anonymise}
        yield update(table).where(table.c.case_id == case_id).values(**values)


def anonymise_case(db: Session, *, case_id: int, now: datetime, today: date, days: int) -> bool:
    """Anonymise one closed case, if it is still due (another run may have done it meanwhile). Its bill data
    goes too when none of its bills is still within the retention period; else `anonymise_bills` takes it
    later. Returns whether the case was anonymised."""
    query = select(Case).where(Case.id == case_id, *_due_cases(now, days)).with_for_update()
    case = db.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if case is None:
        return False
    with_bills = not db.scalar(select(_bills_kept(today)).where(Case.id == case_id))
    for statement in _owned_updates(case_id, with_bills=False):
        db.execute(statement)
    if with_bills:
        for statement in _owned_updates(case_id, with_bills=True):
            db.execute(statement)
    for name in CASE_COLUMNS:
        setattr(case, name, _blank(Case.__table__.c[name]))
    case.anonymised_at = now
    db.flush()
    return True


def anonymise_bills(db: Session, *, case_id: int, today: date) -> bool:
    """The bill data of an anonymised case whose bills have all outlived their retention period."""
    query = select(Case.id).where(Case.id == case_id, *_bills_due(today)).with_for_update()
    if db.scalar(query) is None:
        return False
    for statement in _owned_updates(case_id, with_bills=True):
        db.execute(statement)
    return True


def purge_some(db: Session, *, now: datetime, days: int, today: date, batch: int = rules.BATCH) -> tuple[Report, bool]:
    """One bounded step of the purge inside the caller's transaction (the worker's nightly task): at most
    `batch` cases of each kind and ten times as many login failures and sessions. Returns what was done and
    whether more is due."""
    report = Report()
    more = False
    for kind, condition in ((Kind.CASES, _due_cases(now, days)), (Kind.BILLS, _bills_due(today))):
        ids = list(db.scalars(select(Case.id).where(*condition).order_by(Case.id).limit(batch)))
        for case_id in ids:
            if kind == Kind.CASES:
                done = anonymise_case(db, case_id=case_id, now=now, today=today, days=days)
            else:
                done = anonymise_bills(db, case_id=case_id, today=today)
            report.counts[kind] += done
        more = more or len(ids) == batch
    cutoff = rules.login_cutoff(now)
    for kind, model, old in (
        (Kind.LOGIN_FAILURES, LoginFailure, LoginFailure.at < cutoff),
        (Kind.SESSIONS, StaffSession, _old_session(cutoff)),
    ):
        ids = list(db.scalars(select(model.id).where(old).order_by(model.id).limit(batch * 10)))
        if ids:
            db.execute(delete(model).where(model.id.in_(ids)))
        report.counts[kind] += len(ids)
        more = more or len(ids) == batch * 10
    return report, more


def delete_voicemails(
    factory: sessionmaker[Session], recordings: Recordings, *, now: datetime, days: int, batch: int = rules.BATCH,
    limit: int | None = None,
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
                    deleted += _forget_voicemail(db, call_id=call_id, sid=sid, now=now)
    return deleted, failed


def _forget_voicemail(db: Session, *, call_id: int, sid: str, now: datetime) -> int:
    call = db.scalars(select(Call).where(Call.id == call_id, Call.recording_sid == sid).with_for_update()).one_or_none()
    if call is None:  # another worker was first
        return 0
    call.recording_sid = call.recording_url = None
    audit.record(
        db, audit.Actor(staff_id=None, ip=None, now=now), action="call.voicemail_deleted", object_type="call",
        object_id=call.id, case_id=call.case_id, detail={"recording_sid": sid},
    )  # fmt: skip
    return 1


def _ids(factory: sessionmaker[Session], condition: Any, after: int, limit: int) -> list[int]:
    with factory() as db:
        query = select(Case.id).where(*condition, Case.id > after).order_by(Case.id).limit(limit)
        return list(db.scalars(query))


def purge(
    factory: sessionmaker[Session], *, now: datetime, days: int, today: date, progress: Progress | None = None,
    batch: int = rules.BATCH, limit: int | None = None, recordings: Recordings | None = None, voicemail_days: int = 30,
) -> Report:  # fmt: skip
    """Purge everything due, `batch` cases per short transaction (at most `limit` cases of each kind).
    Voicemails first, when `recordings` (where they are deleted) is given. Safe to run again at any time, also
    after being killed: it carries on."""
    report = Report()
    if recordings is not None:
        report.counts[Kind.VOICEMAILS], _kept = delete_voicemails(factory, recordings, now=now, days=voicemail_days,
                                                                  batch=batch, limit=limit)  # fmt: skip
        if progress is not None:
            progress(Kind.VOICEMAILS, report.counts[Kind.VOICEMAILS])

    def case(db: Session, case_id: int) -> bool:
        return anonymise_case(db, case_id=case_id, now=now, today=today, days=days)

    def bills(db: Session, case_id: int) -> bool:
        return anonymise_bills(db, case_id=case_id, today=today)

    for kind, condition, one in ((Kind.CASES, _due_cases(now, days), case), (Kind.BILLS, _bills_due(today), bills)):
        after = 0
        while limit is None or report.counts[kind] < limit:
            size = batch if limit is None else min(batch, limit - report.counts[kind])
            ids = _ids(factory, condition, after, size)
            if not ids:
                break
            with transaction(factory) as db:
                done = sum(1 for case_id in ids if one(db, case_id))
            report.counts[kind] += done
            after = ids[-1]
            if progress is not None:
                progress(kind, done)
    cutoff = rules.login_cutoff(now)
    for kind, model, condition in (
        (Kind.LOGIN_FAILURES, LoginFailure, LoginFailure.at < cutoff),
        (Kind.SESSIONS, StaffSession, _old_session(cutoff)),
    ):
        while True:
            with transaction(factory) as db:
                ids = list(db.scalars(select(model.id).where(condition).order_by(model.id).limit(batch * 10)))
                if ids:
                    db.execute(delete(model).where(model.id.in_(ids)))
            report.counts[kind] += len(ids)
            if progress is not None and ids:
                progress(kind, len(ids))
            if len(ids) < batch * 10:
                break
    return report
