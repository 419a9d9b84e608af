"""Undoing a closing or a "Kein Fall": within 15 minutes, only while nothing else changed the case, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.calls import service as calls
from casework.cases import service as cases
from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseStatus, JobStatus, NoCaseReason
from casework.undo import rules, service
from casework.undo.service import Undo, UndoRefused
from core.audit import Actor
from core.models import AuditEvent
from tests.factories import T0, make_call, make_case, make_job, make_staff


def as_(staff, minutes: float = 0) -> Actor:
    return Actor(staff_id=staff.id, ip="127.0.0.1", now=T0 + timedelta(minutes=minutes))


def close(db, case, staff, target=CaseStatus.CLOSED_NO_NEED) -> Undo:
    before = service.state_of(db, case=case)
    cases.set_status(db, case=case, target=target, actor=as_(staff))
    return service.after_close(db, case=case, before=before, actor=as_(staff))


def no_case(db, call, staff, reason=NoCaseReason.HUNG_UP) -> Undo:
    before = service.state_of(db, case=db.get(Case, call.case_id))
    calls.mark_no_case(db, call=call, reason=reason, actor=as_(staff))
    record = service.after_no_case(db, call=call, before=before, actor=as_(staff))
    assert record is not None
    return record


def test_the_rules_allow_an_undo_for_15_minutes_and_only_while_nothing_changed():
    assert rules.refusal(done_at=T0, now=T0 + timedelta(minutes=15), changed_since=False) is None
    assert rules.refusal(done_at=T0, now=T0 + timedelta(minutes=15, seconds=1), changed_since=False) == rules.TOO_LATE
    assert rules.refusal(done_at=T0, now=T0 - timedelta(minutes=1), changed_since=False) == rules.TOO_LATE
    assert rules.refusal(done_at=T0, now=T0 + timedelta(minutes=2), changed_since=True) == rules.CHANGED_SINCE
    assert not rules.changes(["case.view", "case.view", "call.voicemail"])
    assert rules.changes(["case.view", "case.note"])


def test_undoing_a_closing_reopens_the_case_with_its_previous_status_callback_and_staffed_jobs(db):
    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_ARRANGED, callback_needed=True, callback_claimed_by_id=staff.id,
                     callback_claimed_at=T0)  # fmt: skip
    job = make_job(db, case, status=JobStatus.FILLED, code="4821")
    record = close(db, case, staff, CaseStatus.COMPLETED)
    assert case.status == CaseStatus.COMPLETED and job.status == JobStatus.COMPLETED and job.active_code is None
    record = Undo.from_dict(record.to_dict())  # as it comes back from the button

    message = service.undo(db, record=record, actor=as_(staff, minutes=5))

    assert case.status == CaseStatus.CARE_ARRANGED and case.closed_at is None
    assert case.callback_needed and case.callback_claimed_by_id == staff.id
    assert job.status == JobStatus.FILLED and job.active_code == "4821"
    assert message == f"Fall {case.number} ist wieder offen (Betreuung organisiert)."
    last = db.scalars(select(CaseStatusChange).order_by(CaseStatusChange.id.desc())).first()
    assert (last.from_status, last.to_status) == (CaseStatus.COMPLETED, CaseStatus.CARE_ARRANGED)
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "case.status_undo" and event.staff_id == staff.id
    assert event.detail == {"from": "completed", "to": "care_arranged"}


def test_an_undo_after_15_minutes_is_refused_and_changes_nothing(db):
    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.IN_COUNSELLING)
    record = close(db, case, staff)
    with pytest.raises(UndoRefused, match="nur in den ersten 15 Minuten"):
        service.undo(db, record=record, actor=as_(staff, minutes=16))
    assert case.status == CaseStatus.CLOSED_NO_NEED


def test_an_undo_is_refused_once_the_case_changed_since_but_looking_at_it_is_no_change(db):
    staff, colleague = make_staff(db), make_staff(db)
    case = make_case(db, status=CaseStatus.IN_COUNSELLING)
    record = close(db, case, staff)
    from core import audit

    audit.record(db, as_(colleague, 1), action="case.view", object_type="case", object_id=case.id, case_id=case.id)
    cases.add_note(db, case=case, body="Familie hat sich gemeldet", actor=as_(colleague, 2))
    with pytest.raises(UndoRefused, match="seitdem geändert"):
        service.undo(db, record=record, actor=as_(staff, minutes=3))
    assert case.status == CaseStatus.CLOSED_NO_NEED


def test_a_case_reopened_by_hand_cannot_be_reopened_again_by_the_old_undo(db):
    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_NEEDED)
    record = close(db, case, staff)
    service.undo(db, record=record, actor=as_(staff, minutes=1))
    with pytest.raises(UndoRefused, match="seitdem geändert"):
        service.undo(db, record=record, actor=as_(staff, minutes=2))  # the same button sent twice
    assert case.status == CaseStatus.CARE_NEEDED


def test_undoing_no_case_restores_the_call_and_the_case_it_closed(db):
    staff = make_staff(db)
    case = make_case(db, caller_phone="+495114567890", callback_needed=True)
    call = make_call(db, case)
    record = no_case(db, call, staff)
    assert case.status == CaseStatus.CLOSED_NO_NEED and not case.callback_needed

    message = service.undo(db, record=Undo.from_dict(record.to_dict()), actor=as_(staff, minutes=10))

    assert call.no_case_reason is None
    assert case.status == CaseStatus.NEW and case.closed_at is None and case.callback_needed
    assert message == f"„Kein Fall“ zurückgenommen. Fall {case.number} ist wieder offen (Neu)."
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["case.status_undo", "call.no_case_undo"]


def test_undoing_no_case_on_a_documented_case_only_clears_the_reason(db):
    staff = make_staff(db)
    case = make_case(db, status=CaseStatus.IN_COUNSELLING)
    cases.add_note(db, case=case, body="Beratung am Telefon", actor=as_(staff))
    call = make_call(db, case)
    record = no_case(db, call, staff, NoCaseReason.WRONG_NUMBER)
    assert case.status == CaseStatus.IN_COUNSELLING  # it holds a note: not closed
    assert service.undo(db, record=record, actor=as_(staff, minutes=1)) == "„Kein Fall“ zurückgenommen."
    assert call.no_case_reason is None and case.status == CaseStatus.IN_COUNSELLING


def test_an_undo_record_that_is_not_one_is_refused_as_malformed():
    with pytest.raises(ValueError):
        Undo.from_dict({"kind": "close"})
    with pytest.raises(ValueError):
        Undo.from_dict({"kind": "drop_table", "case": 1, "call": None, "status": "new", "callback": False,
                        "claimed_by": None, "claimed_at": None, "jobs": [], "after": "new", "mark": 1,
                        "at": T0.isoformat()})  # fmt: skip
