"""The one list of what a case owns: every table with a `case_id` is declared once, and merging, "untouched"
and "has content" go through the list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, inspect, select

from billing.models import Bill, SepaMandate
from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.calls import service as calls
from casework.calls.models import Call
from casework.cases import family
from casework.cases.models import CarePerson, CareWindow, CaseNameWord, CaseNote, CaseStatusChange
from casework.enums import CaseStatus, NoCaseReason
from casework.jobs.models import CareJob
from core import case_owned
from core.audit import Actor
from core.case_owned import CaseOwned, CaseOwnedTables, Counts, OnMerge
from core.db import Base
from core.models import AuditEvent
from core.notices import StaffNotice
from fluxx.owned import CASE_OWNED
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from tests.factories import T0, make_call, make_case, make_job, make_staff

PHONE = "+495111234567"


def test_every_table_with_a_case_id_is_declared_once():
    assert CASE_OWNED.unregistered(Base.metadata.tables.values()) == []
    names = [declared.table_name for declared in CASE_OWNED]
    assert len(names) == len(set(names))
    for declared in CASE_OWNED:
        columns = declared.model.__table__.c
        assert "case_id" in columns, declared.table_name
        for column in (*declared.anonymise, *filter(None, [declared.content_unless])):
            assert column in columns, f"{declared.table_name}.{column}"


def test_a_new_table_with_a_case_id_is_found_unregistered():
    metadata = MetaData()
    Table("case", metadata, Column("id", Integer, primary_key=True))
    new = Table("case_photo", metadata, Column("id", Integer, primary_key=True),
                Column("case_id", ForeignKey("case.id")))  # fmt: skip
    unrelated = Table("weather", metadata, Column("id", Integer, primary_key=True))
    assert CASE_OWNED.unregistered([*Base.metadata.tables.values(), new, unrelated]) == ["case_photo"]


def test_a_table_declared_twice_is_refused():
    with pytest.raises(ValueError, match="case_note"):
        CaseOwnedTables([*CASE_OWNED, CaseOwned(CaseNote, OnMerge.KEEP, Counts.NOTHING)])


def test_the_app_connects_the_list_and_the_decisions_stand():
    assert case_owned.tables() is CASE_OWNED
    moving = {declared.model for declared in CASE_OWNED.for_merge()}
    assert moving == {Call, CaseNote, CarePerson, CareWindow, CareJob, Message, Bill, SepaMandate, CallbackAttempt}
    assert {declared.model for declared in CASE_OWNED.content()} == {Call, CaseNote, CarePerson, CareWindow,
                                                                      CareJob, Bill, SepaMandate}  # fmt: skip
    assert {d.model for d in CASE_OWNED if d.counts == Counts.ACTIVITY} == {Message, CallbackAttempt}
    for model in (AuditEvent, StaffNotice, CaseStatusChange, CaseNameWord):
        assert CASE_OWNED.find(model).on_merge == OnMerge.KEEP and CASE_OWNED.find(model).counts == Counts.NOTHING
    with pytest.raises(KeyError):
        CASE_OWNED.find(Base)


def _one_row(db, model, case, staff):
    """One row of `model` for `case`: every declared table needs a line here."""
    rows = {
        Call: lambda: make_call(db, case),
        CareJob: lambda: make_job(db, case),
        CaseNote: lambda: CaseNote(case_id=case.id, author_id=staff.id, body="Notiz", created_at=T0),
        CarePerson: lambda: CarePerson(case_id=case.id, label="Kind, 4 J."),
        CareWindow: lambda: CareWindow(case_id=case.id, starts_at=T0, ends_at=T0 + timedelta(hours=4)),
        CaseStatusChange: lambda: CaseStatusChange(case_id=case.id, from_status=CaseStatus.NEW,
                                                   to_status=CaseStatus.IN_COUNSELLING, at=T0),
        CallbackAttempt: lambda: CallbackAttempt(case_id=case.id, staff_id=staff.id, at=T0,
                                                 outcome=CallbackOutcome.NOT_REACHED),
        Message: lambda: Message(direction=MessageDirection.OUTBOUND, from_number="+4951116832110",
                                 to_number=PHONE, body="Hallo", status=MessageStatus.SENT, case_id=case.id,
                                 created_at=T0, updated_at=T0),
        Bill: lambda: Bill(number=f"R-2026-{case.id:05d}", year=2026, seq=case.id, case_id=case.id,
                           period_month=date(2026, 11, 1), total=Decimal("42.00"), issued_at=T0),
        SepaMandate: lambda: SepaMandate(case_id=case.id, holder="Lena Schulz", iban="DE89370400440532013000",
                                         reference=f"FLUXX-{case.id:06d}", signed_on=date(2026, 11, 2), created_at=T0),
        AuditEvent: lambda: AuditEvent(at=T0, action="case.view", object_type="case", object_id=case.id,
                                       case_id=case.id, detail={}),
        StaffNotice: lambda: StaffNotice(staff_id=staff.id, text="Hinweis", case_id=case.id, created_at=T0),
        CaseNameWord: lambda: CaseNameWord(case_id=case.id, suffix="quirin"),
    }  # fmt: skip
    row = rows[model]()
    db.add(row)
    db.commit()
    return row


def test_a_merge_moves_every_table_declared_to_move_and_keeps_the_others(db):
    anna = make_staff(db)
    target = make_case(db, opened_at=T0, caller_phone=PHONE, status=CaseStatus.IN_COUNSELLING)
    source = make_case(db, opened_at=T0 + timedelta(days=1), caller_phone=PHONE)
    rows = [(declared, _one_row(db, declared.model, source, anna)) for declared in CASE_OWNED]
    # Each row by its primary key (a name word's is (case_id, suffix): it stays, as its table is declared to).
    keys = [
        (declared, [(c, getattr(row, c.key)) for c in inspect(declared.model).primary_key]) for declared, row in rows
    ]
    family.merge(db, source_id=source.id, target_id=target.id, actor=Actor(staff_id=anna.id, ip=None, now=T0))
    db.commit()
    db.expire_all()
    for declared, key in keys:
        owner = db.scalar(select(declared.model.case_id).where(*[column == value for column, value in key]))
        expected = target.id if declared.on_merge == OnMerge.MOVE else source.id
        assert owner == expected, declared.table_name


@pytest.mark.parametrize("declared", list(CASE_OWNED), ids=lambda declared: declared.table_name)
def test_untouched_and_content_follow_the_declarations(db, declared):
    anna = make_staff(db)
    case = make_case(db, opened_at=T0, caller_phone=PHONE)
    assert family.is_untouched(db, case=case) and not calls._has_content(db, case)
    row = _one_row(db, declared.model, case, anna)
    assert family.is_untouched(db, case=case) == (declared.counts == Counts.NOTHING)
    assert calls._has_content(db, case) == (declared.counts == Counts.CONTENT)
    if declared.content_unless is not None:  # a call marked "kein Fall" touches the case but is no content
        assert declared.model is Call  # the only one so far; a new one needs its own value here
        setattr(row, declared.content_unless, NoCaseReason.WRONG_NUMBER)
        db.commit()
        assert not family.is_untouched(db, case=case) and not calls._has_content(db, case)
