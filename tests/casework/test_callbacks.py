"""Call-back work: who calls back, every attempt with time, person and outcome, the number to call and the
family's voicemail in the call-back box, and which cases left a voicemail in the case list."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from casework.callbacks import rules
from casework.callbacks import service as callbacks
from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.cases import service as case_service
from casework.cases.models import Case
from casework.cases.rules import TransitionNotAllowed
from casework.dashboard import service as dashboard
from casework.enums import CaseStatus, JobStatus
from casework.search import service as search
from casework.search.service import CaseFilters
from core.audit import Actor
from core.models import AuditEvent
from tests.factories import csrf_from, login, make_call, make_case, make_job, make_staff

BERLIN = ZoneInfo("Europe/Berlin")
AT_14_20 = datetime(2026, 11, 26, 14, 20, tzinfo=BERLIN)
AT_15_05 = datetime(2026, 11, 26, 15, 5, tzinfo=BERLIN)
REACHED, NOT_REACHED, GIVE_UP = CallbackOutcome.REACHED, CallbackOutcome.NOT_REACHED, CallbackOutcome.GIVE_UP


@contextmanager
def counted_queries(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def attempt_rows(db, case):
    return db.scalars(select(CallbackAttempt).where(CallbackAttempt.case_id == case.id).order_by(CallbackAttempt.id))


def call_back(db, case, staff, outcome, at, note=""):
    """Claim the call-back and record how it went, as one request would."""
    assert callbacks.claim(db, case_id=case.id, actor=Actor(staff.id, None, at)) is None
    callbacks.record_outcome(db, case=case, outcome=outcome, note=note, actor=Actor(staff.id, None, at))
    db.commit()


# --- rules -------------------------------------------------------------------------------------------------


def test_attempts_are_numbered_within_their_call_back_and_count_from_one_after_one_ended():
    outcomes = [NOT_REACHED, NOT_REACHED, REACHED, NOT_REACHED, GIVE_UP, REACHED]
    assert rules.attempt_numbers(outcomes) == [1, 2, 3, 1, 2, 1]
    assert rules.attempt_numbers([]) == []


def test_each_outcome_reads_as_a_result_in_the_list_of_attempts():
    assert [o.result for o in CallbackOutcome] == ["Erreicht", "Nicht erreicht", "Nicht erreicht, Fall geschlossen"]


# --- service -----------------------------------------------------------------------------------------------


def test_taking_a_call_back_makes_the_claimer_the_counsellor_of_a_case_without_one(db):
    anna = make_staff(db, name="Anna Beispiel")
    case = make_case(db, callback_needed=True)
    assert callbacks.claim(db, case_id=case.id, actor=Actor(anna.id, None, AT_14_20)) is None
    db.commit()
    assert case.counsellor_id == anna.id and case.callback_claimed_by_id == anna.id
    assigned = db.scalars(select(AuditEvent).where(AuditEvent.action == "case.assign")).all()
    assert [(e.staff_id, e.case_id, e.detail) for e in assigned] == [(anna.id, case.id, {"counsellor_id": anna.id})]


def test_taking_a_call_back_keeps_the_counsellor_already_set(db):
    counsellor, anna = make_staff(db, name="Jonas Becker"), make_staff(db, name="Anna Beispiel")
    case = make_case(db, callback_needed=True, counsellor_id=counsellor.id)
    assert callbacks.claim(db, case_id=case.id, actor=Actor(anna.id, None, AT_14_20)) is None
    callbacks.record_outcome(db, case=case, outcome=REACHED, note="", actor=Actor(anna.id, None, AT_14_20))
    db.commit()
    assert case.counsellor_id == counsellor.id and case.callback_claimed_by_id is None
    assert db.scalar(select(func.count()).where(AuditEvent.action == "case.assign")) == 0


def test_a_claim_refused_because_a_colleague_holds_it_changes_no_counsellor(db):
    jonas, anna = make_staff(db, name="Jonas Becker"), make_staff(db, name="Anna Beispiel")
    case = make_case(db, callback_needed=True)
    assert callbacks.claim(db, case_id=case.id, actor=Actor(jonas.id, None, AT_14_20)) is None
    case.counsellor_id = None  # as if Jonas had handed the case back meanwhile
    db.commit()
    holder = callbacks.claim(db, case_id=case.id, actor=Actor(anna.id, None, AT_14_20))
    assert holder.id == jonas.id and case.counsellor_id is None


def test_every_attempt_is_recorded_with_time_person_outcome_and_note(db):
    anna, jonas = make_staff(db, name="Anna Beispiel"), make_staff(db, name="Jonas Becker")
    case = make_case(db, callback_needed=True)
    call_back(db, case, anna, NOT_REACHED, AT_14_20, note="  Mailbox voll ")
    assert case.callback_needed and case.callback_claimed_by_id is None  # open again, the claim released
    call_back(db, case, jonas, REACHED, AT_15_05)
    rows = [(a.staff_id, a.at, a.outcome, a.note) for a in attempt_rows(db, case)]
    assert rows == [(anna.id, AT_14_20, NOT_REACHED, "Mailbox voll"), (jonas.id, AT_15_05, REACHED, None)]
    listed = callbacks.attempts(db, case_id=case.id)
    assert [(e.number, e.attempt.staff.name, e.attempt.outcome.result) for e in listed] == [
        (1, "Anna Beispiel", "Nicht erreicht"),
        (2, "Jonas Becker", "Erreicht"),
    ]
    assert not case.callback_needed and case.status == CaseStatus.IN_COUNSELLING
    assert case.counsellor_id == anna.id  # the first who took the call-back counsels the case


def test_giving_up_records_the_attempt_and_closes_the_case(db):
    anna = make_staff(db)
    case = make_case(db, callback_needed=True)
    call_back(db, case, anna, GIVE_UP, AT_14_20)
    assert [a.outcome for a in attempt_rows(db, case)] == [GIVE_UP]
    assert case.status == CaseStatus.CLOSED_UNREACHABLE and not case.callback_needed


def test_a_refused_give_up_records_no_attempt(db):
    anna = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_NEEDED, callback_needed=True)
    make_job(db, case, status=JobStatus.SEARCHING)
    with pytest.raises(TransitionNotAllowed):
        callbacks.record_outcome(db, case=case, outcome=GIVE_UP, note="weg", actor=Actor(anna.id, None, AT_14_20))
    db.flush()
    assert list(attempt_rows(db, case)) == []


def test_a_give_up_refused_over_the_web_rolls_back_and_leaves_no_attempt(client, db):
    anna = make_staff(db)
    case = make_case(db, status=CaseStatus.CARE_NEEDED, callback_needed=True)
    make_job(db, case, status=JobStatus.SEARCHING)
    token = login(client, anna)
    assert client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": token}).status_code == 303
    refused = client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": token, "outcome": "give_up"})
    assert refused.status_code == 409
    db.expire_all()
    assert list(attempt_rows(db, case)) == [] and db.get(Case, case.id).callback_needed
    assert 'id="callback-attempts"' not in refused.text


def test_the_dashboard_counts_only_the_attempts_of_the_open_call_back(db):
    anna = make_staff(db)
    case = make_case(db, callback_needed=True)
    call_back(db, case, anna, NOT_REACHED, datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN))
    call_back(db, case, anna, REACHED, datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN))
    case.callback_needed = True  # the family left another voicemail the next day
    db.commit()
    assert callbacks.attempt_summaries(db, case_ids=[case.id]) == {}
    call_back(db, case, anna, NOT_REACHED, AT_14_20)
    summary = callbacks.attempt_summaries(db, case_ids=[case.id])[case.id]
    assert (summary.count, summary.next_number, summary.last_at) == (1, 2, AT_14_20)
    assert [e.number for e in callbacks.attempts(db, case_id=case.id)] == [1, 2, 1]


def test_the_dashboard_loads_attempts_voicemails_and_counsellors_without_a_query_per_call_back(db, engine, monkeypatch):
    anna = make_staff(db)
    # The earlier-case counts ("Anrufer bekannt") are not the call-back box's; leave them out of the count.
    monkeypatch.setattr(case_service, "earlier_case_counts", lambda db, cases: {}, raising=False)

    def add_call_backs(n):
        for _ in range(n):
            counsellor = make_staff(db, name="Beraterin")
            case = make_case(db, callback_needed=True, caller_phone="+495111234567", counsellor_id=counsellor.id)
            make_call(db, case, recording_sid="RE" + "a" * 32, recording_duration_seconds=35)
            call_back(db, case, anna, NOT_REACHED, AT_14_20)

    def queries():
        db.expire_all()
        with counted_queries(engine) as statements:
            lists = dashboard.lists(db, staff=anna, now=AT_15_05, zone=BERLIN)
            for case in lists.callbacks:
                assert case.counsellor.name == "Beraterin"
        return len(statements), lists

    add_call_backs(2)
    few, _ = queries()
    add_call_backs(4)
    many, lists = queries()
    assert len(lists.callbacks) == 6
    assert {s.next_number for s in lists.attempts.values()} == {2} and len(lists.voicemails) == 6
    assert many == few


# --- pages -------------------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_number_the_voicemail_and_the_next_attempt(client, db, clock):
    anna = make_staff(db, name="Anna Beispiel")
    case = make_case(db, callback_needed=True, caller_phone="+4915123456789")
    make_call(db, case, recording_sid="RE" + "b" * 32, recording_duration_seconds=12)
    newest = make_call(db, case, recording_sid="RE" + "c" * 32, recording_duration_seconds=35,
                       started_at=AT_14_20.replace(hour=9))  # fmt: skip
    clock.at = AT_14_20
    login(client, anna)
    first = client.get("/dashboard/live").text
    assert '<a href="tel:+4915123456789">' in first
    assert "Sprachnachricht, 35 s" in first and f'src="/calls/{newest.id}/voicemail"' in first
    assert "Versuch" not in first  # nothing before the first attempt
    assert "Beratung durch" not in first

    token = csrf_from(client.get(f"/cases/{case.id}").text)
    client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": token})
    client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": token, "outcome": "not_reached"})
    clock.advance(minutes=20)
    live = client.get("/dashboard/live").text
    assert "2. Versuch, zuletzt 14:20 Uhr" in live
    assert "Beratung durch Anna Beispiel" in live  # she took the call-back, so she counsels the case now


def test_an_attempt_of_an_earlier_day_shows_its_date(client, db, clock):
    anna = make_staff(db)
    case = make_case(db, callback_needed=True, caller_phone="+4915123456789")
    call_back(db, case, anna, NOT_REACHED, AT_14_20)
    clock.at = datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    login(client, anna)
    assert "2. Versuch, zuletzt 26.11.2026, 14:20 Uhr" in client.get("/dashboard/live").text


def test_the_case_page_has_the_number_the_voicemail_the_counsellor_and_lists_the_attempts(client, db, clock):
    jonas, anna = make_staff(db, name="Jonas Becker"), make_staff(db, name="Anna Beispiel")
    case = make_case(db, callback_needed=True, caller_phone="+4915123456789", counsellor_id=jonas.id)
    voicemail = make_call(db, case, recording_sid="RE" + "d" * 32, recording_duration_seconds=35)
    call_back(db, case, anna, NOT_REACHED, AT_14_20)
    clock.at = AT_15_05
    login(client, anna)
    page = client.get(f"/cases/{case.id}").text
    box = page[page.index('id="callback"') : page.index('id="callback-attempts"')]
    assert '<a href="tel:+4915123456789">' in box
    assert "Beratung durch Jonas Becker" in box
    assert f'src="/calls/{voicemail.id}/voicemail"' in box and ", 35 s" in box
    assert "1. Versuch 26.11.2026, 14:20 Uhr · Anna Beispiel · Nicht erreicht" in page

    client.post(f"/cases/{case.id}/callback/claim", data={"csrf_token": csrf_from(page)})
    client.post(f"/cases/{case.id}/callback/outcome", data={"csrf_token": csrf_from(page), "outcome": "reached"})
    done = client.get(f"/cases/{case.id}").text
    assert 'id="callback"' not in done
    assert "2. Versuch 26.11.2026, 15:05 Uhr · Anna Beispiel · Erreicht" in done
    assert 'Beratung durch</dt><dd class="kern-description-list-item__value" id="counsellor">Jonas Becker' in done


def test_the_case_list_marks_the_cases_whose_calls_left_a_voicemail(client, db, engine):
    staff = make_staff(db)
    with_message = make_case(db, caller_name="Erika Muster")
    make_call(db, with_message, recording_sid="RE" + "e" * 32, recording_duration_seconds=20)
    make_call(db, with_message, recording_sid=None)
    without = make_case(db, caller_name="Karl Winter")
    make_call(db, without, recording_sid=None)
    make_case(db, caller_name="Lena Kaya")  # no call at all
    page = search.list_cases(db, filters=CaseFilters(), zone=BERLIN)
    assert page.voicemail_case_ids == {with_message.id}

    login(client, staff)
    lead = '<td class="kern-table__cell lead code" data-label="Fall">'  # the first cell of each row
    rows = {row.split("</td>")[0]: row for row in client.get("/cases").text.split(lead)[1:]}
    marked = [number for number, row in rows.items() if "Sprachnachricht" in row]
    assert marked == [f'<a href="/cases/{with_message.id}">{with_message.number}</a> '
                      '<span class="pill voicemail">Sprachnachricht</span>']  # fmt: skip


def test_the_case_list_finds_its_voicemails_in_one_query_however_long_the_page(db, engine):
    def queries():
        with counted_queries(engine) as statements:
            search.list_cases(db, filters=CaseFilters(), zone=BERLIN)
        return len(statements)

    case = make_case(db)
    make_call(db, case, recording_sid="RE" + "f" * 32)
    few = queries()
    for _ in range(10):
        make_call(db, make_case(db), recording_sid="RE" + "f" * 32)
    assert queries() == few
