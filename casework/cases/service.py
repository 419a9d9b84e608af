"""Case work services: load, document, assign, annotate and move cases through their statuses.

Keyword-only functions that flush and never commit (the request owns the transaction). Every change
of a case's personal data writes an audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from casework.cases import rules as lifecycle
from casework.cases.forms import CASE_FIELDS, CaseDetails
from casework.cases.models import CarePerson, CareWindow, Case, CaseNote, CaseStatusChange
from casework.cases.opening import open_case
from casework.enums import CaseChannel, CaseStatus, JobStatus, Need
from casework.jobs import rules as jobs_rules
from casework.jobs.models import CareJob
from casework.search.rules import name_key
from core import audit, notices
from core.audit import Actor
from core.errors import DomainError, NotFound
from core.models import Staff

MAX_NOTE = 5000


class CaseworkError(DomainError, ValueError):
    """A request that the rules refuse; the message is German and shown to staff."""


def persons_and_windows() -> tuple[ORMOption, ...]:
    """Load options: what the case form shows and `update_details` replaces. (A function: building an option
    configures the mappers, which must wait until every model module is imported.)"""
    return selectinload(Case.persons), selectinload(Case.windows)


def get_case(db: Session, *, case_id: int, for_update: bool = False, load: Sequence[ORMOption] = ()) -> Case:
    """A case by id, or NotFound; `for_update` locks the row so concurrent status changes take turns.

    `load`: loader options for the relationships the caller reads (they are `lazy="raise"`), e.g.
    `persons_and_windows()`; use selectinload with `for_update` (a joined load would lock the joined rows too)."""
    query = case_statement(*load)
    if for_update:
        # After waiting for the lock, read the row as the other transaction left it, even when this session
        # loaded the case before (else checks made under the lock would see the values from before the wait).
        query = query.with_for_update().execution_options(populate_existing=True)
    return get_case_by(db, query, case_id=case_id)


def case_statement(*load: ORMOption) -> Select[Case]:
    """A case by id (parameter `case_id`) with loader options, for a page that builds it once (`get_case_by`)."""
    return select(Case).where(Case.id == bindparam("case_id")).options(*load)


def get_case_by(db: Session, statement: Select[Case], *, case_id: int) -> Case:
    """The case `statement` (from `case_statement`) finds, or NotFound. A page may build its statement once and
    pass it each time: building one with the case page's loader options and computing its cache key was a third
    of that page's CPU."""
    case = db.scalar(statement, {"case_id": case_id})
    if case is None:
        raise NotFound("Diesen Fall gibt es nicht.")
    return case


def jobs_searching(db: Session, *, case_id: int) -> int:
    query = select(func.count()).where(CareJob.case_id == case_id, CareJob.status.in_(jobs_rules.WAITING_FOR_CARER))
    return db.scalar(query) or 0


def set_status(
    db: Session, *, case: Case, target: CaseStatus, actor: Actor, because: dict[str, object] | None = None
) -> None:
    """Move a case to `target` if the rules allow it; records the change and the audit event (`because`: what
    moved it, when not a person's choice, e.g. {"job_id": 7, "event": "assignment"})."""
    # The jobs still searching stop only a case from closing: counted only then (not for a call taken, say).
    searching = 0 if lifecycle.is_open(target) else jobs_searching(db, case_id=case.id)
    lifecycle.check_transition(case.status, target, jobs_searching=searching)
    previous = case.status
    case.status = target
    case.updated_at = actor.now
    if lifecycle.closes(previous, target):
        case.closed_at = actor.now
        _finish_jobs(db, case=case, actor=actor)
        # A closed case needs no call back; a claim on it would block nobody but confuse everybody.
        case.callback_needed = False
        case.callback_claimed_by_id = None
    elif lifecycle.reopened(previous, target):
        case.closed_at = None
    db.add(
        CaseStatusChange(
            case_id=case.id,
            from_status=previous,
            to_status=target,
            changed_by_id=actor.staff_id,
            at=actor.now,
        )
    )
    db.flush()
    audit.record(
        db,
        actor,
        action="case.status",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"from": previous.value, "to": target.value, **(because or {})},
    )


def _finish_jobs(db: Session, *, case: Case, actor: Actor) -> None:
    """A closed case's staffed jobs are over: they free their SMS code for new jobs."""
    for job in db.scalars(select(CareJob).where(CareJob.case_id == case.id, CareJob.status == JobStatus.FILLED)):
        job.status, job.active_code, job.updated_at = JobStatus.COMPLETED, None, actor.now


def follow_jobs(db: Session, *, case_id: int, actor: Actor, job_id: int, event: str) -> CaseStatus | None:
    """After a change of a job's carers (`event`: assignment, withdrawal, release, cancel), move the case as
    `rules.follows_jobs` says, recorded and audited like a change by hand, with the job and the event as the
    reason. The caller holds the case's row lock (`lock_case_of_job`) so two jobs of one case changing at once
    count each other's result. Returns the new status, or None."""
    case = get_case(db, case_id=case_id, for_update=True)  # fresh values; the lock is held already
    counts = dict(
        db.execute(
            select(CareJob.status, func.count()).where(CareJob.case_id == case_id).group_by(CareJob.status)
        ).all()
    )
    waiting = sum(counts.get(status, 0) for status in jobs_rules.WAITING_FOR_CARER)
    target = lifecycle.follows_jobs(case.status, waiting=waiting, filled=counts.get(JobStatus.FILLED, 0))
    if target is None:
        return None
    set_status(db, case=case, target=target, actor=actor, because={"job_id": job_id, "event": event})
    return target


def lock_case_of_job(db: Session, *, job_id: int, shared: bool = False) -> int:
    """Lock the row of the case `job_id` belongs to and return its id. Every path that changes a job's carers
    takes the case lock before the job's (as closing a case does: the case, then its jobs), so the two never
    wait for each other in opposite order. `shared`: FOR SHARE, for a decision that changes no carers (a late
    yes, `volunteers.assignments.service`) beside others of its kind. One statement: the case is found by the
    job in a subquery, whose row is not locked."""
    case_id = db.scalar(_case_of_job_locked(shared), {"job_id": job_id})
    if case_id is None:
        raise NotFound("Diesen Einsatz gibt es nicht.")
    return case_id


@cache
def _case_of_job_locked(shared: bool) -> Select[int]:
    case_of_job = select(CareJob.case_id).where(CareJob.id == bindparam("job_id")).scalar_subquery()
    return select(Case.id).where(Case.id == case_of_job).with_for_update(read=shared)


def advance_if_allowed(db: Session, *, case: Case, target: CaseStatus, actor: Actor) -> bool:
    """Move forward as a side effect (e.g. a job makes a case "care needed") when the rules allow it."""
    if target not in lifecycle.allowed_transitions(case.status):
        return False
    set_status(db, case=case, target=target, actor=actor)
    return True


def assign(db: Session, *, case: Case, staff_id: int, actor: Actor) -> None:
    """Take over a case ("Übernehmen"): the acting staff member becomes the case's counsellor.

    The colleague who counselled the case until now finds a notice on their dashboard.
    """
    previous = case.counsellor_id
    if previous is not None and previous != staff_id:
        taker = db.get(Staff, staff_id)
        notices.tell(db, staff_id=previous, case_id=case.id, now=actor.now,
                     text=f"{taker.name if taker else 'Jemand'} hat Ihren Fall {case.number} übernommen")  # fmt: skip
    case.counsellor_id = staff_id
    case.updated_at = actor.now
    db.flush()
    audit.record(
        db,
        actor,
        action="case.assign",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"counsellor_id": staff_id},
    )


def add_note(db: Session, *, case: Case, body: str, actor: Actor) -> CaseNote:
    """Append a note; notes are never edited or deleted."""
    text = body.strip()
    if not text:
        raise CaseworkError("Die Notiz ist leer. Bitte schreiben Sie etwas hinein.")
    if len(text) > MAX_NOTE:
        raise CaseworkError(f"Die Notiz ist zu lang (höchstens {MAX_NOTE} Zeichen).")
    note = CaseNote(case_id=case.id, author_id=actor.staff_id, body=text, created_at=actor.now)
    db.add(note)
    db.flush()
    audit.record(db, actor, action="case.note", object_type="case_note", object_id=note.id, case_id=case.id)
    return note


def update_details(db: Session, *, case: Case, details: CaseDetails, actor: Actor) -> list[str]:
    """Save the documented case data; returns the names of the fields that changed (for the audit)."""
    changed = [name for name in CASE_FIELDS if getattr(case, name) != getattr(details, name)]
    for name in CASE_FIELDS:
        setattr(case, name, getattr(details, name))
    case.caller_name_search = name_key(details.caller_name)
    if details.consent and case.consent_at is None:
        case.consent_at, case.consent_recorded_by_id = actor.now, actor.staff_id
        changed.append("consent")
    elif not details.consent and case.consent_at is not None:
        case.consent_at, case.consent_recorded_by_id = None, None
        changed.append("consent")
    if case.sms_consent != details.sms_consent:
        case.sms_consent = details.sms_consent
        changed.append("sms_consent")
    if _replace_persons(db, case, details) | _replace_windows(db, case, details):
        changed.append("persons_or_windows")
    case.updated_at = actor.now
    db.flush()
    audit.record(
        db,
        actor,
        action="case.update",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"fields": changed},
    )
    return changed


def _replace_persons(db: Session, case: Case, details: CaseDetails) -> bool:
    old = [(p.label, p.age_years, p.need_description, p.special_requirements, p.age_months) for p in case.persons]
    new = [(p.label, p.age_years, p.need_description, p.special_requirements, p.age_months) for p in details.persons]
    if old == new:
        return False
    for person in list(case.persons):
        db.delete(person)
    case.persons = [
        CarePerson(label=p[0], age_years=p[1], need_description=p[2], special_requirements=p[3], age_months=p[4])
        for p in new
    ]
    return True


def _replace_windows(db: Session, case: Case, details: CaseDetails) -> bool:
    old = [(w.starts_at, w.ends_at) for w in case.windows]
    new = sorted((w.starts_at, w.ends_at) for w in details.windows)
    if old == new:
        return False
    for window in list(case.windows):
        db.delete(window)
    case.windows = [CareWindow(starts_at=start, ends_at=end) for start, end in new]
    return True


def create_manual_case(
    db: Session,
    *,
    caller_name: str | None,
    caller_phone: str | None,
    need: Need | None,
    source: str,
    note: str | None,
    actor: Actor,
    zone: ZoneInfo,
) -> Case:
    """Open a case for a walk-in or an e-mail ("Neuer Fall"); the staff member who enters it counsels it."""
    case = open_case(
        db,
        channel=CaseChannel.MANUAL,
        now=actor.now,
        zone=zone,
        caller_phone=caller_phone,
        caller_name=caller_name,
        need=need,
        opened_by_id=actor.staff_id,
    )
    case.counsellor_id = actor.staff_id
    audit.record(
        db,
        actor,
        action="case.create",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"source": source},
    )
    set_status(db, case=case, target=CaseStatus.IN_COUNSELLING, actor=actor)
    body = f"Fall von Hand angelegt ({source})." + (f"\n{note.strip()}" if note and note.strip() else "")
    add_note(db, case=case, body=body, actor=actor)
    return case


# Caller history: earlier cases and calls from the same number ("Anrufer bekannt: 2 frühere Fälle").
SHOWN = 20


@dataclass(frozen=True)
class CallerHistory:
    earlier_count: int
    earlier: list[Case] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.earlier_count > 0


def count_earlier(db: Session, *, phone: str | None, before: Case) -> int:
    """How many cases this number opened before `before` (0 for withheld numbers)."""
    if not phone:
        return 0
    query = select(func.count()).where(
        Case.caller_phone == phone, Case.opened_at <= before.opened_at, Case.id != before.id,
        Case.merged_into_id.is_(None),
    )  # fmt: skip
    return db.scalar(query) or 0


def caller_history(db: Session, *, case: Case) -> CallerHistory:
    """The earlier cases of the caller (newest first, with their calls)."""
    count = count_earlier(db, phone=case.caller_phone, before=case)
    if not count:
        return CallerHistory(0)
    query = (
        select(Case)
        .where(
            Case.caller_phone == case.caller_phone,
            Case.opened_at <= case.opened_at,
            Case.id != case.id,
            Case.merged_into_id.is_(None),
        )  # fmt: skip
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(SHOWN)
        .options(selectinload(Case.calls))
    )
    return CallerHistory(count, list(db.scalars(query)))


def earlier_case_counts(db: Session, cases: list[Case]) -> dict[int, int]:
    """Earlier-case counts for dashboard entries, as count_earlier gives them, in one statement (a count per
    entry was 30 to 60 statements per dashboard poll): each entry's case joined to the earlier cases of its
    number, through the caller_phone index."""
    counts = dict.fromkeys((case.id for case in cases), 0)
    ids = [case.id for case in cases if case.caller_phone]
    if not ids:
        return counts
    counts.update({case_id: count for case_id, count in db.execute(_earlier_counts(), {"ids": ids})})
    return counts


@cache
def _earlier_counts() -> Select[int, int]:
    """The statement of `earlier_case_counts`, built once: building it (an alias of the wide case table) took
    a tenth of a dashboard poll's CPU."""
    earlier = aliased(Case, name="earlier")
    return (
        select(Case.id, func.count(earlier.id))
        .join(
            earlier,
            and_(
                earlier.caller_phone == Case.caller_phone,
                earlier.opened_at <= Case.opened_at,
                earlier.id != Case.id,
                earlier.merged_into_id.is_(None),
            ),
        )
        .where(Case.id.in_(bindparam("ids", expanding=True)))
        .group_by(Case.id)
    )
