"""Repeat callers: a family that calls again while its case is open.

Every incoming call still opens a case at once (the webhook must stay fast and never fail). Afterwards:

- the call and its case show the known family: name, open case and who counsels it (`known_family`);
- staff add the call to the family's open case in one step (`add_call_to_open_case`); the new case, if
  nobody entered anything into it, is marked as merged: it disappears from lists, search and dashboard,
  its page leads to the open case and it counts as no counselling session;
- staff merge two cases of one family (`merge`): what the case owns moves along (calls, notes, persons,
  windows, jobs, messages, bills, call-back attempts: the tables declared `OnMerge.MOVE` in the one list of
  what a case owns, `core.case_owned`);
- an accepted call from the family settles its open call-back (`settle_callbacks`).

Services flush and never commit; every change is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, CursorResult, Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, load_only

from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.calls.models import Call
from casework.cases.models import CarePerson, CareWindow, Case, CaseNote, CaseStatusChange
from casework.cases.rules import OPEN_STATUSES, is_open
from casework.cases.service import CaseworkError, get_case
from casework.enums import Affiliation, CaseStatus
from casework.jobs.models import CareJob
from core import audit, case_owned
from core.audit import Actor
from core.formats import date_de, datetime_de, time_de
from core.models import Staff


class FamilyError(CaseworkError):
    """A merge or move the rules refuse; the message is German and shown to staff."""


class CallAlreadyMoved(FamilyError):
    """The call is no longer in the case the page showed it in (added a moment ago, by this person or another)."""

    def __init__(self, now_in: Case) -> None:
        super().__init__(f"Dieser Anruf gehört schon zu Fall {now_in.number}.")
        self.now_in = now_in


@dataclass(frozen=True)
class KnownFamily:
    """The family behind a call: its name, its open case and who counsels it."""

    open_case: Case
    name: str | None
    counsellor: str | None

    @property
    def summary(self) -> str:
        """ "Bekannte Familie: Meier · offener Fall 2026-000007 · Beratung: Anna Schmidt"."""
        parts = [f"Bekannte Familie: {self.name}" if self.name else "Bekannte Familie"]
        parts.append(f"offener Fall {self.open_case.number}")
        parts.append(f"Beratung: {self.counsellor}" if self.counsellor else "noch ohne zuständige Person")
        return " · ".join(parts)


def not_merged() -> ColumnElement[bool]:
    """Cases that are shown anywhere: not merged into another case."""
    return Case.merged_into_id.is_(None)


def _earlier_than(opened_at: Any, case_id: Any) -> ColumnElement[bool]:
    """Cases opened before the case with `opened_at` and `case_id` (values or bound parameters)."""
    return or_(Case.opened_at < opened_at, and_(Case.opened_at == opened_at, Case.id < case_id))


def open_case_of(db: Session, *, phone: str | None, before: Case | None = None) -> Case | None:
    """The family's most recent open case (opened before `before`, if given); None for withheld numbers."""
    if not phone:
        return None
    if before is None:
        return db.scalar(_open_case_of(before=False), {"phone": phone})
    return db.scalar(_open_case_of(before=True), {"phone": phone, "case_id": before.id, "opened_at": before.opened_at})


@cache
def _open_case_of(*, before: bool) -> Select[Case]:
    """The statement of `open_case_of` (parameters `phone`, and `case_id` and `opened_at` of the case it must
    be older than), built once: the screening of every call asks it."""
    where = [Case.caller_phone == bindparam("phone", type_=Case.caller_phone.type), Case.status.in_(OPEN_STATUSES),
             not_merged(), Case.anonymised_at.is_(None)]  # fmt: skip
    if before:
        case_id, opened_at = bindparam("case_id", type_=Case.id.type), bindparam("opened_at", type_=Case.opened_at.type)
        where += [Case.id != case_id, _earlier_than(opened_at, case_id)]
    query = select(Case).where(*where).order_by(Case.opened_at.desc(), Case.id.desc()).limit(1)
    return query.options(joinedload(Case.counsellor))  # named with the family (`known_family`)


def current_case(db: Session, *, case: Case) -> Case:
    """The case a merged case now lives in (following a chain of merges); the case itself if not merged."""
    seen = {case.id}
    while case.merged_into_id is not None and case.merged_into_id not in seen:
        case = get_case(db, case_id=case.merged_into_id)
        seen.add(case.id)
    return case


def known_family(db: Session, *, case: Case) -> KnownFamily | None:
    """The open case the caller of `case` had already, with the family's name and counsellor."""
    if case.merged_into_id is not None:
        return None
    found = open_case_of(db, phone=case.caller_phone, before=case)
    if found is None:
        return None
    counsellor = found.counsellor.name if found.counsellor is not None else None
    return KnownFamily(open_case=found, name=found.caller_name or case.caller_name, counsellor=counsellor)


@cache
def _open_cases_of_numbers() -> Select[Case]:
    """The open cases of some numbers (parameter `phones`), newest first, as `open_case_of` orders them, with only
    what the dashboard names (it polls every 3 s; anything else raises rather than loading per row). Built once:
    building it per poll cost more than running it."""
    return (
        select(Case)
        .where(Case.caller_phone.in_(bindparam("phones", expanding=True)), Case.status.in_(OPEN_STATUSES),
               not_merged(), Case.anonymised_at.is_(None))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .options(load_only(Case.id, Case.number, Case.caller_phone, Case.caller_name, Case.opened_at,
                           Case.counsellor_id, Case.status, Case.merged_into_id, Case.anonymised_at, raiseload=True),
                 joinedload(Case.counsellor).load_only(Staff.id, Staff.name, raiseload=True))
    )  # fmt: skip


def known_families(db: Session, cases: Iterable[Case]) -> dict[int, KnownFamily]:
    """Case id → known family, for the dashboard's entries: the open cases of all their numbers in one query
    with their counsellors), so the live dashboard polls without a query per call."""
    asking = [case for case in cases if case.caller_phone and case.merged_into_id is None]
    if not asking:
        return {}
    open_cases = db.scalars(_open_cases_of_numbers(), {"phones": sorted({case.caller_phone or "" for case in asking})})
    by_phone: dict[str, list[Case]] = {}
    for open_case in open_cases:  # newest first, as open_case_of orders them
        by_phone.setdefault(open_case.caller_phone or "", []).append(open_case)
    found = {}
    for case in asking:
        earlier = (
            candidate
            for candidate in by_phone.get(case.caller_phone or "", [])
            if (candidate.opened_at, candidate.id) < (case.opened_at, case.id)
        )
        if (found_case := next(earlier, None)) is not None:
            counsellor = found_case.counsellor.name if found_case.counsellor is not None else None
            found[case.id] = KnownFamily(open_case=found_case, name=found_case.caller_name or case.caller_name,
                                         counsellor=counsellor)  # fmt: skip
    return found


def _has_details(case: Case) -> bool:
    return any(
        (
            case.caller_name, case.municipality_id, case.district, case.address, case.partner_id,
            case.employer_municipality_id, case.consent_at, case.sms_consent, case.affiliation != Affiliation.NONE,
        )
    )  # fmt: skip


def is_untouched(db: Session, *, case: Case) -> bool:
    """Nobody entered anything into the case and nothing happened in it: no details, and no row in a table
    the case owns that counts as content or activity (notes, persons, windows, jobs, calls, messages, bills,
    call-back attempts; `core.case_owned`)."""
    if _has_details(case):
        return False
    checks = [exists().where(declared.model.case_id == case.id) for declared in case_owned.tables().touching()]
    return not any(db.scalar(select(check)) for check in checks)


def _lock_pair(db: Session, first_id: int, second_id: int) -> tuple[Case, Case]:
    """Both cases locked, always in id order, so two merges of the same pair take turns and never deadlock."""
    locked = {cid: get_case(db, case_id=cid, for_update=True) for cid in sorted((first_id, second_id))}
    return locked[first_id], locked[second_id]


def _note(db: Session, case: Case, body: str, actor: Actor) -> None:
    db.add(CaseNote(case_id=case.id, author_id=actor.staff_id, body=body, created_at=actor.now))


def _retire(db: Session, *, source: Case, target: Case, actor: Actor) -> None:
    """The source disappears into the target: merged, closed (no longer open work), no call-back pending."""
    if source.callback_needed and not target.callback_needed:
        # Somebody may be dialling the family right now: the claim goes along, so nobody calls twice.
        target.callback_claimed_by_id = source.callback_claimed_by_id
        target.callback_claimed_at = source.callback_claimed_at
    target.callback_needed = target.callback_needed or source.callback_needed
    target.need = target.need or source.need
    target.caller_name = target.caller_name or source.caller_name
    target.caller_name_search = target.caller_name_search or source.caller_name_search
    target.counsellor_id = target.counsellor_id or source.counsellor_id
    target.updated_at = actor.now
    source.merged_into_id = target.id
    source.callback_needed = False
    source.callback_claimed_by_id = None
    source.callback_claimed_at = None
    source.updated_at = actor.now
    if is_open(source.status):
        db.add(CaseStatusChange(case_id=source.id, from_status=source.status, to_status=CaseStatus.CLOSED_NO_NEED,
                                changed_by_id=actor.staff_id, at=actor.now))  # fmt: skip
        source.status = CaseStatus.CLOSED_NO_NEED
        source.closed_at = actor.now


@dataclass(frozen=True)
class AddedCall:
    target: Case
    source: Case
    source_merged: bool  # the new case was empty and disappeared


def add_call_to_open_case(
    db: Session, *, call: Call, actor: Actor, zone: ZoneInfo, seen_in_case_id: int | None = None
) -> AddedCall:
    """Move a repeat caller's call (and the need, if the open case has none) into the family's open case.

    The case the call opened disappears (merged) when nobody entered anything into it. `seen_in_case_id` is
    the case the call was in on the page that sent the button: a second click, or a colleague's button on an
    older page, must not move the call on from the case it was just added to."""
    if call.case_id is None:
        raise FamilyError("Dieser Anruf gehört zu keinem Fall.")
    if seen_in_case_id is not None and call.case_id != seen_in_case_id:
        raise CallAlreadyMoved(get_case(db, case_id=call.case_id))
    family = known_family(db, case=get_case(db, case_id=call.case_id))
    if family is None:
        raise FamilyError("Zu dieser Nummer gibt es keinen anderen offenen Fall.")
    source, target = _lock_pair(db, call.case_id, family.open_case.id)
    if not is_open(target.status) or target.merged_into_id is not None:
        raise FamilyError(f"Der Fall {target.number} ist nicht mehr offen.")
    call.case_id = target.id
    call.updated_at = actor.now
    other_need = source.need if source.need is not None and target.need not in (None, source.need) else None
    if target.need is None and source.need is not None:
        target.need = source.need
    db.flush()
    db.expire(source, ["calls"])
    db.expire(target, ["calls"])
    merged = is_untouched(db, case=source)
    when = datetime_de(call.started_at, zone)
    if other_need is not None:  # the family chose something else this time: say so where staff read it
        _note(db, target, f"Beim Anruf vom {when} Uhr wurde im Menü „{other_need.label}“ gewählt "
                          f"(dieser Fall: „{target.need.label if target.need else ''}“).", actor)  # fmt: skip
    if merged:
        _retire(db, source=source, target=target, actor=actor)
        _note(db, target, f"Anruf vom {when} Uhr hinzugefügt (der Fall {source.number}, "
                          "den er eröffnet hatte, war leer und wurde zusammengeführt).", actor)  # fmt: skip
    else:
        target.updated_at = actor.now
        _note(db, target, f"Anruf vom {when} Uhr aus Fall {source.number} hinzugefügt.", actor)
        _note(db, source, f"Anruf vom {when} Uhr in Fall {target.number} verschoben.", actor)
    db.flush()
    audit.record(db, actor, action="case.add_call", object_type="call", object_id=call.id, case_id=target.id,
                 detail={"from_case_id": source.id, "source_merged": merged})  # fmt: skip
    return AddedCall(target=target, source=source, source_merged=merged)


# --- merging two cases of one family ---------------------------------------------------------------------


@dataclass(frozen=True)
class MergePreview:
    """What moves when `source` is merged into `target` (shown before staff confirm)."""

    source: Case
    target: Case
    calls: int
    notes: int
    persons: int
    windows: int
    jobs: int


def merge_targets(db: Session, *, case: Case) -> list[Case]:
    """The family's other cases this case may be merged into (same number, newest first)."""
    if not case.caller_phone or case.merged_into_id is not None:
        return []
    query = select(Case).where(Case.caller_phone == case.caller_phone, Case.id != case.id, not_merged(),
                               Case.anonymised_at.is_(None))  # fmt: skip
    if is_open(case.status):  # open work goes into an open case only (see check_merge)
        query = query.where(Case.status.in_(OPEN_STATUSES))
    return list(db.scalars(query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(20)))


def check_merge(source: Case, target: Case) -> None:
    """Raise FamilyError (German) unless `source` may be merged into `target`."""
    if source.id == target.id:
        raise FamilyError("Ein Fall kann nicht mit sich selbst zusammengeführt werden.")
    if source.merged_into_id is not None:
        raise FamilyError(f"Der Fall {source.number} wurde schon mit einem anderen Fall zusammengeführt.")
    if target.merged_into_id is not None:
        raise FamilyError(f"Der Fall {target.number} wurde schon mit einem anderen Fall zusammengeführt. "
                          "Bitte wählen Sie den Fall, in dem er jetzt steht.")  # fmt: skip
    if source.anonymised_at is not None or target.anonymised_at is not None:
        raise FamilyError("Ein anonymisierter Fall kann nicht zusammengeführt werden.")
    if not source.caller_phone or source.caller_phone != target.caller_phone:
        raise FamilyError("Zusammenführen geht nur bei Fällen mit derselben Telefonnummer.")
    if is_open(source.status) and not is_open(target.status):
        # Open work (a call-back, a job looking for a carer) must not vanish into a closed case.
        raise FamilyError(f"Fall {target.number} ist geschlossen. Bitte öffnen Sie ihn zuerst wieder oder "
                          f"führen Sie ihn in Fall {source.number} zusammen.")  # fmt: skip


def _count(db: Session, model: Any, case_id: int) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.case_id == case_id)) or 0


def merge_preview(db: Session, *, source: Case, target: Case) -> MergePreview:
    check_merge(source, target)
    # What staff see counted before they confirm (all of it moves: `merge` moves every table declared so).
    counts = [_count(db, model, source.id) for model in (Call, CaseNote, CarePerson, CareWindow, CareJob)]
    return MergePreview(source, target, *counts)


def merge(db: Session, *, source_id: int, target_id: int, actor: Actor) -> MergePreview:
    """Merge `source` into `target`: every row of a table the case owns that is declared to move on merge
    (calls, notes, persons, windows, jobs, messages, bills, call-back attempts) moves; the source is marked
    as merged and the target gets a note saying what came in."""
    if source_id == target_id:
        raise FamilyError("Ein Fall kann nicht mit sich selbst zusammengeführt werden.")
    source, target = _lock_pair(db, source_id, target_id)
    preview = merge_preview(db, source=source, target=target)
    for declared in case_owned.tables().for_merge():
        db.execute(update(declared.model).where(declared.model.case_id == source.id).values(case_id=target.id))
    _retire(db, source=source, target=target, actor=actor)
    moved = [
        f"{preview.calls} {'Anruf' if preview.calls == 1 else 'Anrufe'}",
        f"{preview.notes} {'Notiz' if preview.notes == 1 else 'Notizen'}",
        f"{preview.persons} {'Person' if preview.persons == 1 else 'Personen'}",
        f"{preview.windows} {'Zeitraum' if preview.windows == 1 else 'Zeiträume'}",
        f"{preview.jobs} {'Einsatz' if preview.jobs == 1 else 'Einsätze'}",
    ]
    db.flush()
    _note(db, target, f"Fall {source.number} wurde mit diesem Fall zusammengeführt ({', '.join(moved)}).", actor)
    _note(db, source, f"Mit Fall {target.number} zusammengeführt.", actor)
    db.flush()
    db.expire_all()
    for case, other in ((target, source), (source, target)):
        audit.record(db, actor, action="case.merge", object_type="case", object_id=case.id, case_id=case.id,
                     detail={"source_case_id": source.id, "target_case_id": target.id, "other": other.id})  # fmt: skip
    return preview


# --- a call from the family settles its open call-back ----------------------------------------------------


def settle_callbacks(db: Session, *, call: Call, staff_id: int, now: datetime, zone: ZoneInfo) -> list[int]:
    """An accepted call from a number settles every open call-back of that family (other than the call's own
    case, which `accept` settles). Each case is settled once even when two calls are accepted at the same
    moment: the conditional UPDATE lets only one of them change the row. Returns the settled case ids."""
    if not call.from_number:
        return []
    candidates = db.scalars(
        select(Case.id).where(Case.caller_phone == call.from_number, Case.callback_needed.is_(True),
                              Case.status.in_(OPEN_STATUSES), not_merged(), Case.id != (call.case_id or 0))
    ).all()  # fmt: skip
    if not candidates:
        return []
    who = db.get(Staff, staff_id)
    note = (
        f"Rückruf nicht mehr nötig: Die Familie hat am {date_de(call.started_at, zone)} um "
        f"{time_de(call.started_at, zone)} Uhr wieder angerufen"
        + (f" (angenommen von {who.name})." if who is not None else ".")
    )
    actor = Actor(staff_id=staff_id, ip=None, now=now)
    settled = []
    for case_id in candidates:
        result = cast(
            "CursorResult[Any]",
            db.execute(
                update(Case)
                .where(Case.id == case_id, Case.callback_needed.is_(True))
                .values(callback_needed=False, callback_claimed_by_id=None, updated_at=now)
                .execution_options(synchronize_session="fetch")
            ),
        )
        if result.rowcount != 1:
            continue  # another accepted call of the family settled it a moment ago
        db.add(CaseNote(case_id=case_id, author_id=None, body=note, created_at=now))
        # Kept as the call-back's last attempt: the list of attempts says how it ended, and a later
        # call-back of the case counts its attempts from 1 again.
        db.add(CallbackAttempt(case_id=case_id, staff_id=staff_id, at=now, outcome=CallbackOutcome.REACHED,
                               note="Die Familie hat selbst wieder angerufen."))  # fmt: skip
        db.flush()
        audit.record(db, actor, action="case.callback_settled", object_type="case", object_id=case_id,
                     case_id=case_id, detail={"call_id": call.id})  # fmt: skip
        settled.append(case_id)
    return settled
