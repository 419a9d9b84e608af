"""Repeat callers: the family's open case, adding a call to it, merging two cases, settling the call-back."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from casework.callbacks import service as callback_service
from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.calls import service as calls
from casework.calls.models import Call
from casework.cases import family
from casework.cases.models import CarePerson, CareWindow, Case, CaseNote
from casework.enums import CaseStatus, Need
from core.audit import Actor
from core.db import transaction
from core.models import AuditEvent
from reporting.statistics import service as statistics
from tests.factories import T0, make_call, make_case, make_job, make_staff

BERLIN = ZoneInfo("Europe/Berlin")
PHONE = "+495111234567"


def family_with_new_call(db, *, counsellor=None, **earlier):
    """An open case of the Meier family and a new call from the same number that opened a case of its own."""
    values = {"caller_phone": PHONE, "caller_name": "Meier", "status": CaseStatus.IN_COUNSELLING,
              "counsellor_id": counsellor.id if counsellor else None} | earlier  # fmt: skip
    open_case = make_case(db, opened_at=T0, **values)
    make_call(db, open_case)
    new = make_case(db, opened_at=T0 + timedelta(days=2), caller_phone=PHONE, need=Need.CHILD_CARE)
    call = make_call(db, new, started_at=T0 + timedelta(days=2))
    return open_case, new, call


def actor(staff, minutes=0):
    return Actor(staff_id=staff.id, ip=None, now=T0 + timedelta(days=2, minutes=minutes))


def audits(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_open_case_of_a_family_is_its_most_recent_open_one_opened_before(db):
    old_open = make_case(db, opened_at=T0, caller_phone=PHONE)
    newest_open = make_case(db, opened_at=T0 + timedelta(hours=1), caller_phone=PHONE)
    make_case(db, opened_at=T0 + timedelta(hours=2), caller_phone=PHONE, status=CaseStatus.COMPLETED)
    make_case(db, opened_at=T0 + timedelta(hours=3), caller_phone="+495119999999")
    merged = make_case(db, opened_at=T0 + timedelta(hours=4), caller_phone=PHONE, merged_into_id=old_open.id)
    new = make_case(db, opened_at=T0 + timedelta(hours=5), caller_phone=PHONE)
    assert family.open_case_of(db, phone=PHONE, before=new).id == newest_open.id
    assert family.open_case_of(db, phone=PHONE, before=newest_open).id == old_open.id
    assert family.open_case_of(db, phone=PHONE, before=old_open) is None  # no later case is "the open case"
    assert family.open_case_of(db, phone=None) is None  # withheld numbers are nobody's family
    assert family.known_family(db, case=merged) is None


def test_the_known_family_names_the_family_its_open_case_and_counsellor(db):
    anna = make_staff(db, name="Anna Schmidt")
    open_case, new, _ = family_with_new_call(db, counsellor=anna)
    known = family.known_family(db, case=new)
    assert (known.open_case.id, known.name, known.counsellor) == (open_case.id, "Meier", "Anna Schmidt")
    assert known.summary == f"Bekannte Familie: Meier · offener Fall {open_case.number} · Beratung: Anna Schmidt"
    assert family.known_families(db, [new, open_case]) == {new.id: known}


def test_adding_the_call_moves_it_and_the_need_and_the_empty_new_case_disappears(db):
    anna = make_staff(db, name="Anna Schmidt")
    open_case, new, call = family_with_new_call(db, counsellor=anna)
    new.callback_needed = True  # nobody took the new call
    added = family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN)
    db.commit()
    db.expire_all()
    target, source = db.get(Case, open_case.id), db.get(Case, new.id)
    assert added.source_merged and db.get(Call, call.id).case_id == target.id
    assert target.need == Need.CHILD_CARE and target.callback_needed
    assert source.merged_into_id == target.id and source.status == CaseStatus.CLOSED_NO_NEED
    assert not source.callback_needed
    notes = db.scalars(select(CaseNote.body).where(CaseNote.case_id == target.id)).all()
    assert notes == [f"Anruf vom 28.11.2026, 09:00 Uhr hinzugefügt (der Fall {new.number}, "
                     "den er eröffnet hatte, war leer und wurde zusammengeführt)."]  # fmt: skip
    [event] = audits(db, "case.add_call")
    assert event.case_id == target.id and event.detail["source_merged"] is True
    # The family is one counselling session now, the vanished case none.
    assert statistics.count_counselling(db) == 1


def test_a_new_case_with_something_entered_keeps_its_data_and_only_the_call_moves(db):
    anna = make_staff(db)
    open_case, new, call = family_with_new_call(db, counsellor=anna, need=Need.DRIVING)
    db.add(CaseNote(case_id=new.id, author_id=anna.id, body="Schon notiert", created_at=T0))
    db.commit()
    added = family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN)
    db.commit()
    db.expire_all()
    assert not added.source_merged and db.get(Case, new.id).merged_into_id is None
    assert db.get(Case, open_case.id).need == Need.DRIVING  # the open case's need stays
    assert db.get(Call, call.id).case_id == open_case.id


def test_adding_a_call_without_an_open_family_case_is_refused_in_german(db):
    anna = make_staff(db)
    case = make_case(db, caller_phone=PHONE)
    call = make_call(db, case)
    with pytest.raises(family.FamilyError, match="keinen anderen offenen Fall"):
        family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN)


def test_merging_moves_calls_notes_persons_windows_and_jobs_and_leaves_a_note(db):
    anna = make_staff(db)
    target = make_case(db, opened_at=T0, caller_phone=PHONE, caller_name="Meier")
    source = make_case(db, opened_at=T0 + timedelta(days=1), caller_phone=PHONE, callback_needed=True)
    make_call(db, source)
    make_call(db, source)
    job = make_job(db, source)
    db.add_all([
        CaseNote(case_id=source.id, author_id=anna.id, body="Notiz im zweiten Fall", created_at=T0),
        CarePerson(case_id=source.id, label="Kind, 4 J."),
        CareWindow(case_id=source.id, starts_at=T0 + timedelta(days=3), ends_at=T0 + timedelta(days=3, hours=4)),
        CallbackAttempt(case_id=source.id, staff_id=anna.id, at=T0, outcome=CallbackOutcome.NOT_REACHED),
    ])  # fmt: skip
    db.commit()
    preview = family.merge_preview(db, source=source, target=target)
    assert (preview.calls, preview.notes, preview.persons, preview.windows, preview.jobs) == (2, 1, 1, 1, 1)
    family.merge(db, source_id=source.id, target_id=target.id, actor=actor(anna))
    db.commit()
    db.expire_all()
    merged, kept = db.get(Case, source.id), db.get(Case, target.id)
    db.refresh(kept, ["calls", "persons", "windows", "jobs"])
    assert merged.merged_into_id == target.id and merged.status == CaseStatus.CLOSED_NO_NEED
    assert kept.callback_needed and not merged.callback_needed
    assert len(kept.calls) == 2 and [p.label for p in kept.persons] == ["Kind, 4 J."] and len(kept.windows) == 1
    assert [j.id for j in kept.jobs] == [job.id]
    assert db.scalars(select(CallbackAttempt.case_id)).all() == [target.id]  # the call-back's history moves too
    notes = db.scalars(select(CaseNote.body).where(CaseNote.case_id == target.id)).all()
    assert "Notiz im zweiten Fall" in notes
    assert (f"Fall {source.number} wurde mit diesem Fall zusammengeführt "
            "(2 Anrufe, 1 Notiz, 1 Person, 1 Zeitraum, 1 Einsatz).") in notes  # fmt: skip
    assert {e.case_id for e in audits(db, "case.merge")} == {source.id, target.id}
    assert statistics.count_counselling(db) == 1


def test_merging_refuses_itself_merged_anonymised_and_other_numbers(db):
    anna = make_staff(db)
    target = make_case(db, caller_phone=PHONE)
    other = make_case(db, caller_phone="+495119999999")
    gone = make_case(db, caller_phone=PHONE, merged_into_id=target.id)
    anonymised = make_case(db, caller_phone=PHONE, anonymised_at=T0)
    source = make_case(db, caller_phone=PHONE)
    refusals = {
        target.id: "nicht mit sich selbst",
        gone.id: "schon mit einem anderen Fall zusammengeführt",
        anonymised.id: "anonymisierter Fall",
        other.id: "derselben Telefonnummer",
    }
    for into, message in refusals.items():
        case_id = target.id if into == target.id else source.id
        with pytest.raises(family.FamilyError, match=message):
            family.merge(db, source_id=case_id, target_id=into, actor=actor(anna))
        db.rollback()
    assert [c.id for c in family.merge_targets(db, case=source)] == [target.id]


def test_an_accepted_call_from_the_family_settles_its_open_call_back_with_a_note(db):
    anna = make_staff(db, name="Anna")
    waiting = make_case(db, opened_at=T0, caller_phone=PHONE, callback_needed=True)
    closed = make_case(db, opened_at=T0, caller_phone=PHONE, callback_needed=True, status=CaseStatus.COMPLETED)
    stranger = make_case(db, opened_at=T0, caller_phone="+495119999999", callback_needed=True)
    new = make_case(db, opened_at=T0 + timedelta(days=2), caller_phone=PHONE)
    call = make_call(db, new, started_at=T0 + timedelta(days=2, hours=5, minutes=20))  # 14:20 in Hannover
    assert calls.accept(db, call=call, staff_id=anna.id, now=call.started_at, zone=BERLIN)
    db.commit()
    db.expire_all()
    assert not db.get(Case, waiting.id).callback_needed
    assert db.get(Case, closed.id).callback_needed and db.get(Case, stranger.id).callback_needed
    [note] = db.scalars(select(CaseNote.body).where(CaseNote.case_id == waiting.id)).all()
    assert note == ("Rückruf nicht mehr nötig: Die Familie hat am 28.11.2026 um 14:20 Uhr wieder angerufen "
                    "(angenommen von Anna).")  # fmt: skip
    assert [e.case_id for e in audits(db, "case.callback_settled")] == [waiting.id]
    # The call-back's attempts end with this one, so a later call-back of the case counts from 1 again.
    [attempt] = db.scalars(select(CallbackAttempt).where(CallbackAttempt.case_id == waiting.id)).all()
    assert (attempt.outcome, attempt.staff_id) == (CallbackOutcome.REACHED, anna.id)
    assert callback_service.attempt_summaries(db, case_ids=[waiting.id]) == {}


def test_a_voicemail_only_call_does_not_settle_the_call_back(db):
    waiting = make_case(db, opened_at=T0, caller_phone=PHONE, callback_needed=True)
    new = make_case(db, opened_at=T0 + timedelta(days=1), caller_phone=PHONE)
    call = calls.get_by_sid(db, call_sid=make_call(db, new, recording_sid="RE" + "b" * 32).call_sid)  # with its case
    calls.needs_callback(call, now=T0)
    calls.store_voicemail(call, recording_sid="RE" + "b" * 32, url="https://x/RE", duration=12, now=T0)
    db.commit()
    assert db.get(Case, waiting.id).callback_needed


def test_two_calls_of_the_family_accepted_at_the_same_moment_settle_the_call_back_once(engine, db):
    staff = [make_staff(db, name=name) for name in ("Anna", "Jonas")]
    waiting = make_case(db, opened_at=T0, caller_phone=PHONE, callback_needed=True)
    new_calls = []
    for n in range(2):
        case = make_case(db, opened_at=T0 + timedelta(days=1, minutes=n), caller_phone=PHONE)
        new_calls.append(make_call(db, case, started_at=T0 + timedelta(days=1)))
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    barrier, errors = threading.Barrier(2), []

    def take(call, person):
        try:
            barrier.wait()
            with transaction(factory) as session:
                mine = session.get(Call, call.id)
                assert calls.accept(session, call=mine, staff_id=person.id, now=T0 + timedelta(days=1), zone=BERLIN)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=pair) for pair in zip(new_calls, staff, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.expire_all()
    assert not db.get(Case, waiting.id).callback_needed
    settled_notes = select(func.count()).where(CaseNote.case_id == waiting.id, CaseNote.body.startswith("Rückruf"))
    assert db.scalar(settled_notes) == 1
    assert len(audits(db, "case.callback_settled")) == 1


def test_a_second_click_does_not_move_the_call_on_from_the_case_it_was_just_added_to(db):
    anna = make_staff(db)
    older = make_case(db, opened_at=T0 - timedelta(days=5), caller_phone=PHONE, status=CaseStatus.IN_COUNSELLING)
    open_case, new, call = family_with_new_call(db)
    db.commit()
    added = family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN, seen_in_case_id=new.id)
    db.commit()
    assert added.target.id == open_case.id
    # The dashboard now offers the older case for the same call; the button from the page before must not.
    with pytest.raises(family.CallAlreadyMoved, match=f"schon zu Fall {open_case.number}"):
        family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN, seen_in_case_id=new.id)
    db.rollback()
    assert db.get(Call, call.id).case_id == open_case.id and older.id != open_case.id


def test_a_different_need_chosen_on_the_repeat_call_is_written_down(db):
    anna = make_staff(db)
    open_case, new, call = family_with_new_call(db, need=Need.DRIVING)
    db.commit()
    family.add_call_to_open_case(db, call=call, actor=actor(anna), zone=BERLIN)
    db.commit()
    notes = db.scalars(select(CaseNote.body).where(CaseNote.case_id == open_case.id)).all()
    assert any("„Kinderbetreuung“ gewählt (dieser Fall: „Fahrdienst“)" in note for note in notes), notes
    assert db.get(Case, open_case.id).need == Need.DRIVING


def test_open_work_is_not_merged_into_a_closed_case_and_a_call_back_claim_goes_along(db):
    anna = make_staff(db)
    closed = make_case(db, opened_at=T0, caller_phone=PHONE, status=CaseStatus.COMPLETED)
    target = make_case(db, opened_at=T0 + timedelta(days=1), caller_phone=PHONE, status=CaseStatus.IN_COUNSELLING)
    source = make_case(db, opened_at=T0 + timedelta(days=2), caller_phone=PHONE, callback_needed=True,
                       callback_claimed_by_id=anna.id, callback_claimed_at=T0 + timedelta(days=2))  # fmt: skip
    db.commit()
    assert [c.id for c in family.merge_targets(db, case=source)] == [target.id]  # the closed case is not offered
    with pytest.raises(family.FamilyError, match=f"Fall {closed.number} ist geschlossen"):
        family.merge(db, source_id=source.id, target_id=closed.id, actor=actor(anna))
    db.rollback()
    family.merge(db, source_id=source.id, target_id=target.id, actor=actor(anna))
    db.commit()
    kept = db.get(Case, target.id)
    assert kept.callback_needed and kept.callback_claimed_by_id == anna.id  # Anna is still the one calling back


def test_a_locked_case_is_read_as_the_other_transaction_left_it(engine, db):
    """A check made under the row lock must see what a colleague committed while this request waited."""
    case = make_case(db, caller_phone=PHONE, status=CaseStatus.IN_COUNSELLING)
    db.commit()
    loaded = db.get(Case, case.id)
    assert loaded.status == CaseStatus.IN_COUNSELLING
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with transaction(factory) as colleague:
        colleague.get(Case, case.id).status = CaseStatus.COMPLETED
    from casework.cases import service as cases

    assert cases.get_case(db, case_id=case.id, for_update=True).status == CaseStatus.COMPLETED
    db.rollback()


def test_the_dashboards_earlier_case_counts_match_each_cases_own_count_in_one_statement(db):
    from sqlalchemy import event

    from casework.cases import service as case_service

    first = make_case(db, opened_at=T0, caller_phone=PHONE)
    second = make_case(db, opened_at=T0 + timedelta(hours=1), caller_phone=PHONE)
    make_case(db, opened_at=T0 + timedelta(hours=2), caller_phone=PHONE, merged_into_id=first.id)  # not counted
    same_time = make_case(db, opened_at=T0 + timedelta(hours=1), caller_phone=PHONE)  # counts the other one
    merged = make_case(db, opened_at=T0 + timedelta(hours=3), caller_phone=PHONE, merged_into_id=second.id)
    other = make_case(db, opened_at=T0 + timedelta(hours=4), caller_phone="+495119999999")
    withheld = make_case(db, opened_at=T0 + timedelta(hours=5), caller_phone=None)
    shown = [first, second, same_time, merged, other, withheld]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)
    try:
        counts = case_service.earlier_case_counts(db, shown)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
    assert counts == {case.id: case_service.count_earlier(db, phone=case.caller_phone, before=case) for case in shown}
    assert counts == {first.id: 0, second.id: 2, same_time.id: 2, merged.id: 3, other.id: 0, withheld.id: 0}
    assert len(statements) == 1
    assert case_service.earlier_case_counts(db, [withheld]) == {withheld.id: 0}
