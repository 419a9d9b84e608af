"""Access and erasure requests (issue 22, points 2 and 3), without HTTP: everything held about a person is found by
their number in any written form, their address or their name; exported as JSON with stable English keys and as a
readable PDF; erased except what a kept bill needs, with the voicemails deleted at Twilio and the volunteer's hours
kept for the statistics; the audit entry of the erasure holds none of the person's data."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import select

from billing.bills import service as bills
from billing.bills.service import Terms
from billing.models import Bill, SepaMandate
from casework.calls.models import Call
from casework.cases.models import CarePerson, Case, CaseNote
from casework.enums import CaseStatus
from core import audit
from core.db import make_sessionmaker
from core.models import AuditEvent, LoginFailure
from messaging.gateway import TwilioRecordings
from messaging.models import Message
from messaging.service import queue_sms
from retention.erasure import service as erasure
from retention.subject import pdf, rules, service
from retention.subject.rules import QueryKind
from tests.billing.helpers import family, worked
from tests.factories import T0, make_call, make_staff, make_volunteer
from volunteers.assignments.models import Assignment, HoursReport
from volunteers.registry.models import Volunteer

BERLIN = ZoneInfo("Europe/Berlin")
PHONE = "+4915112345678"
VOICEMAIL = "RE" + "7" * 32


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("0151 12345678", QueryKind.PHONE, PHONE),
        ("+49 151 1234 5678", QueryKind.PHONE, PHONE),
        ("0049 (151) 12345678", QueryKind.PHONE, PHONE),
        ("  Anna.Berg@Example.org ", QueryKind.EMAIL, "anna.berg@example.org"),
        ("Familie  YILMAZ", QueryKind.NAME, "familie yilmaz"),
    ],
)
def test_a_number_in_any_german_form_an_address_or_a_name_is_understood(typed, kind, value):
    assert rules.parse(typed) == rules.Query(kind, value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Bitte eine Telefonnummer"), ("0151", "keine gültige Telefonnummer"), ("Al", "mindestens 3 Zeichen"),
     ("x" * 161, "höchstens 160 Zeichen"), ("a@b", "keine gültige E-Mail-Adresse")],
)  # fmt: skip
def test_what_cannot_be_searched_for_is_refused_in_german(typed, message):
    with pytest.raises(rules.BadQuery, match=message):
        rules.parse(typed)


def person_with_everything(db, engine, *, issued_at: datetime = datetime(2026, 12, 1, 9, tzinfo=UTC)):
    """A family (closed case, a note, a child, a voicemail, SMS, a bill issued in December 2026 and a mandate), a
    volunteer who worked for it, and an SMS from the family's number that found no case."""
    case = family(db, caller_name="Ayşe Yılmaz", caller_phone=PHONE, address="Lindenstraße 4, 30159 Hannover")
    db.add(CaseNote(case_id=case.id, body="Mutter im Krankenhaus", created_at=T0))
    db.add(CarePerson(case_id=case.id, label="Mia", age_years=3, need_description="Asthma"))
    make_call(db, case, from_number=PHONE, recording_sid=VOICEMAIL, recording_url=f"https://api.twilio.com/{VOICEMAIL}")
    queue_sms(db, to=PHONE, body="Fluxx: Petra kommt morgen um 8 Uhr.", now=T0, case_id=case.id)
    db.add(Message(direction="inbound", from_number=PHONE, to_number="+4951112345", body="Hallo, hier Ayşe",
                   status="received", created_at=T0, updated_at=T0))  # fmt: skip
    volunteer = make_volunteer(db, name="Petra Schulz", phone="+4917699887766", notes="fährt Kombi")
    report = worked(db, case, hours="3.5", volunteer=volunteer)
    month = date(2026, 11, 1)
    bills.issue_month(make_sessionmaker(engine), month=month, terms=Terms(BERLIN, 14),
                      actor=audit.Actor(staff_id=None, ip=None, now=issued_at))  # fmt: skip
    db.add(SepaMandate(case_id=case.id, reference="FLUXX-9", holder="Ayşe Yılmaz", iban="DE89370400440532013000",
                       bic=None, signed_on=date(2026, 11, 1), created_at=T0))  # fmt: skip
    case.status, case.closed_at = CaseStatus.CLOSED_NO_NEED, T0 + timedelta(days=10)
    db.commit()
    return case, volunteer, report


def _rows(subject, key):
    return subject.sections[key].rows


def test_a_phone_number_finds_the_cases_calls_messages_bills_and_audit_of_the_caller(db, engine):
    case, _volunteer, _report = person_with_everything(db, engine)
    subject = service.find(db, rules.parse("0151 1234 5678"))
    assert subject.case_ids == [case.id]
    assert [row["caller_name"] for row in _rows(subject, "cases")] == ["Ayşe Yılmaz"]
    assert [row["body"] for row in _rows(subject, "case_notes")] == ["Mutter im Krankenhaus"]
    assert _rows(subject, "calls")[0]["voicemail"] is True
    bodies = sorted(row["body"] for row in _rows(subject, "messages"))
    assert bodies == ["Fluxx: Petra kommt morgen um 8 Uhr.", "Hallo, hier Ayşe"]  # the SMS without a case too
    assert [row["holder"] for row in _rows(subject, "mandates")] == ["Ayşe Yılmaz"]
    bill = _rows(subject, "bills")[0]
    assert bill["debtor_name"] and bill["kept_until"] == date(2034, 12, 31)
    assert subject.kept_bills == [(bill["number"], date(2034, 12, 31))]
    assert {row["action"] for row in _rows(subject, "audit")} >= {"bill.issue"}
    assert _rows(subject, "volunteers") == []  # the carer is another person


def test_a_name_finds_the_volunteer_with_their_times_assignments_and_hours(db, engine):
    _case, volunteer, _report = person_with_everything(db, engine)
    subject = service.find(db, rules.parse("petra schulz"))
    assert subject.volunteer_ids == [volunteer.id] and subject.case_ids == []
    row = _rows(subject, "volunteers")[0]
    assert (row["name"], row["phone"], row["notes"]) == ("Petra Schulz", "+4917699887766", "fährt Kombi")
    assert [str(a["hours"]) for a in _rows(subject, "assignments")] == ["3.50"]


def test_an_email_address_finds_the_staff_account_and_its_failed_logins(db):
    staff = make_staff(db, email="anna.berg@example.org", name="Anna Berg")
    db.add(LoginFailure(email="Anna.Berg@example.org", ip="10.0.0.9", at=T0))
    db.commit()
    subject = service.find(db, rules.parse("anna.berg@example.org"))
    assert subject.staff_ids == [staff.id]
    assert [row["ip"] for row in _rows(subject, "login_failures")] == ["10.0.0.9"]


def test_the_json_export_has_stable_english_keys_and_every_section(db, engine):
    person_with_everything(db, engine)
    data = service.export(service.find(db, rules.parse(PHONE)), generated_at=T0)
    assert list(data) == [
        "generated_at", "query", "cases", "care_persons", "case_notes", "callback_attempts", "jobs", "calls",
        "messages", "volunteers", "volunteer_times", "assignments", "bills", "mandates", "staff_accounts",
        "login_failures", "audit", "bills_kept",
    ]  # fmt: skip
    assert data["query"] == {"kind": "phone", "value": PHONE}
    first = data["cases"][0]
    assert first["caller_phone"] == PHONE and first["status"] == "closed_no_need"
    assert first["opened_at"].startswith("2026-11-26T")
    assert data["bills"][0]["kept_until"] == "2034-12-31"
    json.dumps(data)  # serialisable as it is


def test_the_pdf_is_readable_german_with_umlauts(db, engine):
    person_with_everything(db, engine)
    subject = service.find(db, rules.parse(PHONE))
    document = pdf.render(service.readable(subject, BERLIN), searched=service.searched(subject.query),
                          kept_bills=subject.kept_bills, zone=BERLIN, generated_at=T0)  # fmt: skip
    assert document.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)
    assert "Auskunft nach Art. 15 DSGVO" in text
    assert "Ayşe Yılmaz" in text and "Lindenstraße 4" in text
    assert "Telefonnummer 0151 12345678" in text
    assert "aufzubewahren bis 31.12.2034" in text


def test_erasure_keeps_what_a_kept_bill_needs_and_the_hours_and_deletes_the_voicemail_at_twilio(
    db, engine, prod_settings, fake_twilio
):
    case, volunteer, report = person_with_everything(db, engine)
    staff = make_staff(db, role="admin")
    actor = audit.Actor(staff_id=staff.id, ip="10.0.0.1", now=T0 + timedelta(days=40))
    done = erasure.erase(make_sessionmaker(engine), TwilioRecordings(prod_settings), query=rules.parse(PHONE),
                         reason="request", actor=actor, today=date(2027, 1, 5))  # fmt: skip
    assert done.counts["cases"] == 1 and len(done.bills_kept) == 1
    assert fake_twilio.deleted_recordings == [VOICEMAIL]
    db.expire_all()
    after = db.get_one(Case, case.id)
    assert (after.caller_name, after.caller_phone, after.address) == (None, None, None)
    assert after.anonymised_at == actor.now
    assert db.scalar(select(CaseNote.body).where(CaseNote.case_id == case.id)) == ""
    assert db.scalar(select(Call.recording_sid).where(Call.case_id == case.id)) is None
    bill = db.scalars(select(Bill).where(Bill.case_id == case.id)).one()
    assert bill.debtor_name == "Ayşe Yılmaz" and bill.debtor_address  # kept for § 147 AO / § 257 HGB
    assert db.scalar(select(SepaMandate.iban).where(SepaMandate.case_id == case.id)) == "DE89370400440532013000"
    assert PHONE not in repr(db.execute(select(Message.from_number, Message.to_number, Message.body)).all())
    assert db.get_one(Volunteer, volunteer.id).name == "Petra Schulz"  # the carer is someone else
    # The erasure's audit entries say why (by key) and how much, never whom.
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "subject.erase")).one()
    assert event.detail["reason"] == "request" and event.detail["cases"] == 1 and event.detail["bills_kept"] == 1
    assert "Yılmaz" not in repr(event.detail) and PHONE not in repr(event.detail)
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "case.erase", AuditEvent.case_id == case.id))
    # Found again: only the kept bill and mandate still name the person.
    again = service.find(db, rules.parse("Ayşe Yılmaz"))
    assert [row["debtor_name"] for row in _rows(again, "bills")] == ["Ayşe Yılmaz"]
    assert [row["caller_name"] for row in _rows(again, "cases")] == [None]


def test_a_volunteers_erasure_keeps_the_anonymous_hours_of_past_assignments(db, engine, prod_settings, fake_twilio):
    _case, volunteer, report = person_with_everything(db, engine)
    db.get_one(Assignment, report.assignment_id).status = "completed"
    db.commit()
    actor = audit.Actor(staff_id=None, ip=None, now=T0 + timedelta(days=40))
    done = erasure.erase(make_sessionmaker(engine), TwilioRecordings(prod_settings),
                         query=rules.parse("Petra Schulz"), reason="consent_withdrawn", actor=actor,
                         today=date(2027, 1, 5))  # fmt: skip
    assert done.counts["volunteers"] == 1 and done.counts["cases"] == 0
    db.expire_all()
    person = db.get_one(Volunteer, volunteer.id)
    assert (person.name, person.notes, person.is_active, person.anonymised_at) == ("", None, False, actor.now)
    assert person.phone != "+4917699887766" and person.deactivated_at == actor.now  # it was active until now
    hours = db.scalars(select(HoursReport.hours).where(HoursReport.assignment_id == report.assignment_id)).all()
    assert [str(h) for h in hours] == ["3.50"]
    assert service.find(db, rules.parse("Petra Schulz")).empty


def test_erasure_waits_for_an_open_case_and_for_twilio(db, engine, prod_settings, fake_twilio):
    case, _volunteer, _report = person_with_everything(db, engine)
    case.status, case.closed_at = CaseStatus.IN_COUNSELLING, None
    db.commit()
    factory, recordings = make_sessionmaker(engine), TwilioRecordings(prod_settings, timeout=2)
    actor = audit.Actor(staff_id=None, ip=None, now=T0 + timedelta(days=40))
    with pytest.raises(erasure.ErasureRefused, match=f"Fall {case.number} ist noch offen"):
        erasure.erase(factory, recordings, query=rules.parse(PHONE), reason="request", actor=actor, today=T0.date())
    case.status, case.closed_at = CaseStatus.CLOSED_NO_NEED, T0
    db.commit()
    fake_twilio.fail_next(1, status=503)
    with pytest.raises(erasure.ErasureRefused, match="Twilio"):
        erasure.erase(factory, recordings, query=rules.parse(PHONE), reason="request", actor=actor, today=T0.date())
    db.expire_all()
    assert db.get_one(Case, case.id).caller_name == "Ayşe Yılmaz"  # nothing erased
    assert db.scalar(select(Call.recording_sid).where(Call.case_id == case.id)) == VOICEMAIL
