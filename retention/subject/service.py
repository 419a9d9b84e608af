"""Everything held about one person (Art. 15 DSGVO), found by phone number, e-mail address or name.

`find` collects it as sections of rows (English keys, raw values): the page, the PDF and the JSON export show the
same thing. Every section is bounded (`LIMIT` rows); a person with more is told so by the page. Erasure
(Art. 17) lives in `retention.subject.erasure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from billing.models import Bill, SepaMandate
from casework.callbacks.models import CallbackAttempt
from casework.calls.models import Call
from casework.cases.models import CarePerson, Case, CaseNote
from casework.enums import HoursStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from core import audit
from core.formats import date_de, datetime_de, hours_de, money_de, number_de
from core.models import AuditEvent, LoginFailure, Staff
from core.phone import display
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from messaging.rules import label as message_label
from retention import rules as retention_rules
from retention.subject import texts
from retention.subject.rules import Query, QueryKind
from volunteers.assignments.models import Assignment, HoursReport
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
    VolunteerSkill,
)

LIMIT = 200  # rows per section
AUDIT_LIMIT = 500
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


@dataclass
class Section:
    key: str
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """Whether the section hit its bound (the page says that there may be more)."""
        return len(self.rows) >= (AUDIT_LIMIT if self.key == "audit" else LIMIT)


@dataclass
class Subject:
    """What was found about one person: the ids erasure works on, and the sections shown and exported."""

    query: Query
    case_ids: list[int] = field(default_factory=list)
    volunteer_ids: list[int] = field(default_factory=list)
    call_ids: list[int] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    staff_ids: list[int] = field(default_factory=list)
    login_failure_ids: list[int] = field(default_factory=list)
    kept_bills: list[tuple[str, date]] = field(default_factory=list)  # (bill number, kept until, inclusive)
    sections: dict[str, Section] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(section.rows for section in self.sections.values())

    def counts(self) -> dict[str, int]:
        return {key: len(section.rows) for key, section in self.sections.items()}


def _like(column: Any, value: str) -> ColumnElement[bool]:
    """`column` contains `value`, case-insensitively, with LIKE's wildcards in `value` taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _ids(db: Session, query: Any) -> list[int]:
    return sorted(set(db.scalars(query.limit(LIMIT))))


def _case_ids(db: Session, query: Query) -> list[int]:
    if query.kind == QueryKind.PHONE:
        own = select(Case.id).where(Case.caller_phone == query.value)
        called = select(Call.case_id).where(Call.from_number == query.value, Call.case_id.is_not(None))
        texted = select(Message.case_id).where(
            or_(Message.from_number == query.value, Message.to_number == query.value), Message.case_id.is_not(None)
        )
        return sorted(set(_ids(db, own)) | set(_ids(db, called)) | set(_ids(db, texted)))[:LIMIT]
    if query.kind == QueryKind.NAME:
        named = select(Case.id).where(_like(Case.caller_name_search, query.value))
        billed = select(Bill.case_id).where(_like(Bill.debtor_name, query.value))
        holding = select(SepaMandate.case_id).where(_like(SepaMandate.holder, query.value))
        return sorted(set(_ids(db, named)) | set(_ids(db, billed)) | set(_ids(db, holding)))[:LIMIT]
    return []


def _volunteer_ids(db: Session, query: Query) -> list[int]:
    if query.kind == QueryKind.PHONE:
        return _ids(db, select(Volunteer.id).where(Volunteer.phone == query.value))
    if query.kind == QueryKind.NAME:
        return _ids(db, select(Volunteer.id).where(_like(Volunteer.name, query.value)))
    return []


def _staff_ids(db: Session, query: Query) -> list[int]:
    condition = {
        QueryKind.PHONE: Staff.phone == query.value,
        QueryKind.EMAIL: func.lower(Staff.email) == query.value,
        QueryKind.NAME: _like(Staff.name, query.value),
    }[query.kind]
    return _ids(db, select(Staff.id).where(condition))


def find(db: Session, query: Query) -> Subject:
    """Everything held about the person `query` names (reads only)."""
    subject = Subject(query=query)
    subject.case_ids = _case_ids(db, query)
    subject.volunteer_ids = _volunteer_ids(db, query)
    subject.staff_ids = _staff_ids(db, query)
    for key, title, columns in texts.SECTIONS:
        subject.sections[key] = Section(key, title, columns)
    numbers = {
        ident: number for ident, number in db.execute(select(Case.id, Case.number).where(Case.id.in_(subject.case_ids)))
    }
    _cases(db, subject, numbers)
    _calls_and_messages(db, subject, numbers)
    _volunteers(db, subject)
    _bills(db, subject, numbers)
    _staff(db, subject)
    _audit(db, subject)
    return subject


def _cases(db: Session, subject: Subject, numbers: dict[int, str]) -> None:
    ids = subject.case_ids
    sections = subject.sections
    for case in db.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.opened_at)):
        sections["cases"].rows.append({
            "number": case.number, "opened_at": case.opened_at, "closed_at": case.closed_at, "status": case.status,
            "need": case.need, "caller_name": case.caller_name, "caller_phone": case.caller_phone,
            "address": case.address, "district": case.district, "employer_name": case.employer_name,
            "callback_outcome": case.callback_outcome, "anonymised_at": case.anonymised_at,
        })  # fmt: skip
    for person in db.scalars(select(CarePerson).where(CarePerson.case_id.in_(ids)).order_by(CarePerson.id)):
        sections["care_persons"].rows.append({
            "case": numbers[person.case_id], "label": person.label, "age_years": person.age_years,
            "need_description": person.need_description, "special_requirements": person.special_requirements,
        })  # fmt: skip
    for note in db.scalars(select(CaseNote).where(CaseNote.case_id.in_(ids)).order_by(CaseNote.id).limit(LIMIT)):
        sections["case_notes"].rows.append(
            {"case": numbers[note.case_id], "created_at": note.created_at, "body": note.body}
        )
    attempts = select(CallbackAttempt).where(CallbackAttempt.case_id.in_(ids)).order_by(CallbackAttempt.id)
    for attempt in db.scalars(attempts.limit(LIMIT)):
        sections["callback_attempts"].rows.append(
            {"case": numbers[attempt.case_id], "at": attempt.at, "outcome": attempt.outcome, "note": attempt.note}
        )
    for job in db.scalars(select(CareJob).where(CareJob.case_id.in_(ids)).order_by(CareJob.starts_at).limit(LIMIT)):
        sections["jobs"].rows.append({
            "case": numbers[job.case_id], "code": job.code, "kind": job.kind, "starts_at": job.starts_at,
            "ends_at": job.ends_at, "status": job.status, "district": job.district, "notes": job.notes,
        })  # fmt: skip


def _calls_and_messages(db: Session, subject: Subject, numbers: dict[int, str]) -> None:
    phone = subject.query.value if subject.query.kind == QueryKind.PHONE else None
    by_phone: ColumnElement[bool] = or_(Call.from_number == phone, Call.to_number == phone) if phone else false()
    calls = select(Call).where(or_(Call.case_id.in_(subject.case_ids), by_phone)).order_by(Call.started_at)
    for call in db.scalars(calls.limit(LIMIT)):
        subject.call_ids.append(call.id)
        subject.sections["calls"].rows.append({
            "case": numbers.get(call.case_id or 0), "started_at": call.started_at, "from_number": call.from_number,
            "to_number": call.to_number, "status": call.status, "duration_seconds": call.duration_seconds,
            "voicemail": call.recording_sid is not None,
        })  # fmt: skip
    texted: ColumnElement[bool] = or_(Message.from_number == phone, Message.to_number == phone) if phone else false()
    mine = or_(Message.case_id.in_(subject.case_ids), Message.volunteer_id.in_(subject.volunteer_ids), texted)
    for message in db.scalars(select(Message).where(mine).order_by(Message.created_at).limit(LIMIT)):
        subject.message_ids.append(message.id)
        subject.sections["messages"].rows.append({
            "created_at": message.created_at, "direction": message.direction, "from_number": message.from_number,
            "to_number": message.to_number, "body": message.body, "status": message.status,
            "case": numbers.get(message.case_id or 0),
        })  # fmt: skip


def _volunteers(db: Session, subject: Subject) -> None:
    ids = subject.volunteer_ids
    skills = _grouped(db, select(VolunteerSkill.volunteer_id, VolunteerSkill.skill).where(
        VolunteerSkill.volunteer_id.in_(ids)))  # fmt: skip
    languages = _grouped(db, select(VolunteerLanguage.volunteer_id, VolunteerLanguage.language).where(
        VolunteerLanguage.volunteer_id.in_(ids)))  # fmt: skip
    areas = _grouped(db, select(VolunteerArea.volunteer_id, Municipality.name)
                     .join(Municipality, Municipality.id == VolunteerArea.municipality_id)
                     .where(VolunteerArea.volunteer_id.in_(ids)))  # fmt: skip
    names: dict[int, str] = {}
    for person in db.scalars(select(Volunteer).where(Volunteer.id.in_(ids)).order_by(Volunteer.id)):
        names[person.id] = person.name
        subject.sections["volunteers"].rows.append({
            "name": person.name, "phone": person.phone, "active": person.is_active,
            "deactivated_at": person.deactivated_at, "sms_opt_in": person.sms_opt_in, "consent_at": person.consent_at,
            "skills": ", ".join(getattr(s, "label", str(s)) for s in skills.get(person.id, [])),
            "languages": ", ".join(languages.get(person.id, [])), "areas": ", ".join(areas.get(person.id, [])),
            "notes": person.notes, "created_at": person.created_at, "anonymised_at": person.anonymised_at,
        })  # fmt: skip
    times = subject.sections["volunteer_times"].rows
    for slot in db.scalars(select(VolunteerAvailability).where(VolunteerAvailability.volunteer_id.in_(ids))):
        value = f"{WEEKDAYS[slot.weekday]} {slot.start_time:%H:%M}–{slot.end_time:%H:%M}"
        times.append({"volunteer": names[slot.volunteer_id], "what": "Wochenzeit", "value": value})
    for absence in db.scalars(select(VolunteerAbsence).where(VolunteerAbsence.volunteer_id.in_(ids))):
        value = f"{absence.starts_on:%d.%m.%Y}–{absence.ends_on:%d.%m.%Y} {absence.note or ''}".strip()
        times.append({"volunteer": names[absence.volunteer_id], "what": "Abwesenheit", "value": value})
    for cert in db.scalars(select(VolunteerCertificate).where(VolunteerCertificate.volunteer_id.in_(ids))):
        until = f"gültig bis {cert.valid_until:%d.%m.%Y}" if cert.valid_until else "ohne Gültigkeit"
        times.append({"volunteer": names[cert.volunteer_id], "what": cert.kind.label, "value": until})
    confirmed = (
        select(func.coalesce(func.sum(HoursReport.hours), 0))
        .where(HoursReport.assignment_id == Assignment.id, HoursReport.status == HoursStatus.CONFIRMED)
        .scalar_subquery()
    )
    rows = db.execute(
        select(Assignment, CareJob, confirmed).join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id.in_(ids)).order_by(CareJob.starts_at).limit(LIMIT)
    )  # fmt: skip
    for assignment, job, hours in rows:
        subject.sections["assignments"].rows.append({
            "volunteer": names[assignment.volunteer_id], "job": job.code, "starts_at": job.starts_at,
            "kind": job.kind, "status": assignment.status, "hours": Decimal(hours),
        })  # fmt: skip


def _grouped(db: Session, query: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for owner, value in db.execute(query):
        grouped.setdefault(owner, []).append(value)
    return grouped


def _bills(db: Session, subject: Subject, numbers: dict[int, str]) -> None:
    query = select(Bill).where(Bill.case_id.in_(subject.case_ids)).order_by(Bill.issued_at)
    for bill in db.scalars(query.limit(LIMIT)):
        until = None if bill.issue_date is None else retention_rules.bill_kept_until(bill.issue_date)
        kept_until = None if until is None else date.fromordinal(until.toordinal() - 1)
        if kept_until is not None and bill.debtor_name is not None:
            subject.kept_bills.append((bill.number, kept_until))
        subject.sections["bills"].rows.append({
            "number": bill.number, "case": numbers[bill.case_id], "period_month": bill.period_month,
            "issue_date": bill.issue_date, "total": bill.total, "status": bill.status, "debtor_name": bill.debtor_name,
            "debtor_address": bill.debtor_address, "kept_until": kept_until,
        })  # fmt: skip
    mandates = select(SepaMandate).where(SepaMandate.case_id.in_(subject.case_ids)).order_by(SepaMandate.id)
    for mandate in db.scalars(mandates.limit(LIMIT)):
        subject.sections["mandates"].rows.append({
            "reference": mandate.reference, "case": numbers[mandate.case_id], "holder": mandate.holder,
            "iban": mandate.iban, "bic": mandate.bic, "signed_on": mandate.signed_on, "revoked_at": mandate.revoked_at,
        })  # fmt: skip


def _staff(db: Session, subject: Subject) -> None:
    emails = set()
    for person in db.scalars(select(Staff).where(Staff.id.in_(subject.staff_ids)).order_by(Staff.id)):
        emails.add(person.email.lower())
        subject.sections["staff_accounts"].rows.append({
            "name": person.name, "email": person.email, "phone": person.phone, "role": person.role,
            "active": person.is_active, "created_at": person.created_at,
        })  # fmt: skip
    if subject.query.kind == QueryKind.EMAIL:
        emails.add(subject.query.value)
    failures = select(LoginFailure).where(func.lower(LoginFailure.email).in_(emails)).order_by(LoginFailure.at)
    for failure in db.scalars(failures.limit(LIMIT)):
        subject.login_failure_ids.append(failure.id)
        subject.sections["login_failures"].rows.append({"at": failure.at, "ip": failure.ip, "kind": failure.kind})


def _audit(db: Session, subject: Subject) -> None:
    assignments = select(Assignment.id).where(Assignment.volunteer_id.in_(subject.volunteer_ids))
    about = or_(
        AuditEvent.case_id.in_(subject.case_ids),
        (AuditEvent.object_type == "volunteer") & AuditEvent.object_id.in_(subject.volunteer_ids),
        (AuditEvent.object_type == "assignment") & AuditEvent.object_id.in_(assignments),
        (AuditEvent.object_type == "staff") & AuditEvent.object_id.in_(subject.staff_ids),
    )
    events = list(db.scalars(select(AuditEvent).where(about).order_by(AuditEvent.id.desc()).limit(AUDIT_LIMIT)))
    names = audit.staff_names(db, {event.staff_id for event in events})
    case_ids = {event.case_id for event in events if event.case_id}
    numbers = {ident: number for ident, number in db.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids)))}
    for event in events:
        subject.sections["audit"].rows.append({
            "at": event.at, "action": event.action, "by": names.get(event.staff_id or 0, "System"),
            "case": numbers.get(event.case_id or 0), "object": f"{event.object_type} {event.object_id or ''}".strip(),
        })  # fmt: skip


PHONES = frozenset({"caller_phone", "phone", "from_number", "to_number"})
DIRECTIONS = {MessageDirection.INBOUND: "eingegangen", MessageDirection.OUTBOUND: "gesendet"}


def shown(key: str, value: Any, zone: ZoneInfo) -> str:
    """A value as the page and the PDF show it: German dates, amounts and labels."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return texts.YES if value else texts.NO
    if isinstance(value, datetime):
        return datetime_de(value, zone)
    if isinstance(value, date):
        return date_de(value)
    if isinstance(value, Decimal):
        return money_de(value) if key == "total" else hours_de(value) if key == "hours" else number_de(value, 2)
    if isinstance(value, MessageDirection):
        return DIRECTIONS[value]
    if isinstance(value, MessageStatus):
        return message_label(value)
    if key == "action":
        return audit.label(str(value))
    if key in PHONES:
        return display(str(value)) if str(value).startswith("+") else str(value)
    label = getattr(value, "label", None)
    return str(label) if isinstance(label, str) else str(value)


def readable(subject: Subject, zone: ZoneInfo) -> list[texts.Shown]:
    """The sections as the page and the PDF show them."""
    return [
        texts.Shown(
            key=section.key, title=section.title, columns=tuple(label for _key, label in section.columns),
            rows=[tuple(shown(key, row.get(key), zone) for key, _label in section.columns) for row in section.rows],
            full=section.full,
        )
        for section in subject.sections.values()
    ]  # fmt: skip


def searched(query: Query) -> str:
    """What was searched for, in words ("Telefonnummer 0151 12345678")."""
    value = display(query.value) if query.kind == QueryKind.PHONE else query.value
    return f"{texts.KIND_LABELS[query.kind]} {value}"


def json_value(value: Any) -> Any:
    """A value as the JSON export writes it: ISO dates and times, amounts as strings, enums as their key."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def export(subject: Subject, *, generated_at: datetime) -> dict[str, Any]:
    """The JSON export: stable English keys, one list per section (empty lists included)."""
    data: dict[str, Any] = {
        "generated_at": generated_at.isoformat(),
        "query": {"kind": subject.query.kind.value, "value": subject.query.value},
    }
    for key, section in subject.sections.items():
        data[key] = [{name: json_value(row.get(name)) for name, _label in section.columns} for row in section.rows]
    data["bills_kept"] = [{"number": number, "kept_until": until.isoformat()} for number, until in subject.kept_bills]
    return data
