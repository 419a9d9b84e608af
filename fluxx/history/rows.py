"""The rows the real services write for a story, built as dicts and inserted in bulk.

Each story plays the services' steps at the story's moments, and this module writes what those steps leave
behind: `register_incoming_call`, `set_need`, `accept`, `record_dial_result`, `apply_status` (telephony and
casework.calls), `update_details`, `create_job`, `assign_by_hand`, `billing.hours.service.enter(confirm=True)`,
`set_status` (closing finishes the filled jobs), `issue_case` for each month of hours, and for a call that was
no case `mark_no_case`. The values come from the same pure rules (case and bill numbers, tariff, bill lines);
`tests/fluxx/test_history_rows.py` plays a fortnight of stories through the services and compares every row.

Left out on purpose: the SMS the steps put into the outbox and the worker tasks they schedule (reminders,
hours requests). In a history they were sent and done long ago; written now, the worker would send years
of SMS to invented numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from billing.bills import rules as bills
from billing.models import Bill, BillLine, PaymentMethod
from billing.tariff import rules as tariff
from billing.tariff.rules import Eligibility, Membership, Rate
from billing.tariff.service import service_of
from casework.calls.models import Call, CallEvent
from casework.cases.forms import CASE_FIELDS
from casework.cases.models import CarePerson, Case, CaseStatusChange, write_name_words
from casework.cases.opening import case_number
from casework.enums import Affiliation, BillStatus, CallStatus, CaseChannel, CaseStatus, HoursStatus, JobStatus
from casework.jobs.models import CareJob
from casework.search.rules import name_key, reversed_digits
from core.models import AuditEvent
from core.settings import HOTLINE_NUMBER
from fluxx.history import moments
from fluxx.history.plan import BERLIN, Kind, Story
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus, HoursReport
from volunteers.registry.models import Volunteer

S = CaseStatus


@dataclass(frozen=True)
class Context:
    """The ids and settings the rows refer to."""

    counsellors: Sequence[int]
    coordinator: int  # issues the bills
    carers: Sequence[int]  # volunteer ids, by the plan's carer index
    carer_names: Sequence[str]
    municipalities: dict[str, int]
    partners: dict[str, Membership]
    partner_ids: dict[str, int]
    employers: dict[str, Membership]
    rates: list[Rate]
    payment_days: int = 14


def _returning(db: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.scalars(statement, rows))


def _plain(db: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.execute(insert(model), rows)


@dataclass
class _Audit:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, at: datetime, staff: int | None, action: str, kind: str, oid: int | None, case: int, **detail: Any
    ) -> None:
        self.rows.append({"at": at, "staff_id": staff, "action": action, "object_type": kind, "object_id": oid,
                          "case_id": case, "detail": detail, "ip": None})  # fmt: skip


def write(db: Session, items: Sequence[moments.Numbered], ctx: Context) -> int:
    """Insert the rows of `items` (in bulk, a statement per table); returns how many rows were written."""
    cases = [_case(item, ctx) for item in items]
    case_ids = _returning(db, Case, cases)
    # A bulk insert fires no mapper event: the names' words are written here.
    words = write_name_words(
        db.connection(), zip(case_ids, (case["caller_name_search"] for case in cases), strict=True)
    )
    call_ids = _returning(db, Call, [_call(item.story, cid, ctx) for item, cid in zip(items, case_ids, strict=True)])
    audit, changes, events, persons = _Audit(), [], [], []
    for item, case_id, call_id in zip(items, case_ids, call_ids, strict=True):
        story, staff = item.story, ctx.counsellors[item.story.counsellor]
        events += _call_events(story, call_id)
        persons += [{"case_id": case_id, "label": label, "age_years": age, "need_description": None,
                     "special_requirements": None} for label, age in story.persons]  # fmt: skip
        changes.append(_change(case_id, None, S.NEW, None, story.opened_at))
        if story.kind is Kind.NO_CASE:
            at = moments.closed_at(story)
            audit.add(at, staff, "call.no_case", "call", call_id, case_id, reason=str(story.no_case_reason))
            changes.append(_change(case_id, S.NEW, S.CLOSED_NO_NEED, staff, at))
            audit.add(at, staff, "case.status", "case", case_id, case_id, **{"from": "new", "to": "closed_no_need"})
            continue
        changes.append(_change(case_id, S.NEW, S.IN_COUNSELLING, staff, story.answered_at))
        audit.add(story.answered_at, staff, "case.status", "case", case_id, case_id,
                  **{"from": "new", "to": "in_counselling"})  # fmt: skip
        audit.add(story.documented_at, staff, "case.update", "case", case_id, case_id, fields=_changed_fields(story))
        if story.kind is Kind.COUNSELLING:
            at, closing = moments.closed_at(story), moments.closing_status(story)
            changes.append(_change(case_id, S.IN_COUNSELLING, closing, staff, at))
            audit.add(
                at, staff, "case.status", "case", case_id, case_id, **{"from": "in_counselling", "to": closing.value}
            )
    _plain(db, CallEvent, events)
    _plain(db, CarePerson, persons)
    rows = len(cases) + words + len(call_ids) + len(events) + len(persons)
    rows += _jobs(db, items, case_ids, ctx, audit, changes)
    _plain(db, CaseStatusChange, changes)
    _plain(db, AuditEvent, audit.rows)
    return rows + len(changes) + len(audit.rows)


def _jobs(
    db: Session,
    items: Sequence[moments.Numbered],
    case_ids: Sequence[int],
    ctx: Context,
    audit: _Audit,
    changes: list[Any],
) -> int:
    """Jobs, assignments, confirmed hours, bills and their lines, and the status changes they cause."""
    working = [(item, cid) for item, cid in zip(items, case_ids, strict=True) if item.story.jobs]
    jobs = [(item, cid, n, job) for item, cid in working for n, job in enumerate(item.story.jobs)]
    job_ids = _returning(db, CareJob, [_job(item, cid, n, job, ctx) for item, cid, n, job in jobs])
    assignments = [{"job_id": jid, "volunteer_id": ctx.carers[job.carer], "status": AssignmentStatus.ACTIVE,
                    "source": AssignmentSource.STAFF, "assigned_at": moments.assigned_at(item.story, n),
                    "assigned_by_id": ctx.counsellors[item.story.counsellor], "released_at": None,
                    "released_by_id": None, "release_reason": None, "withdrawn_at": None, "completed_at": None}
                   for (item, _cid, n, job), jid in zip(jobs, job_ids, strict=True)]  # fmt: skip
    assignment_ids = _returning(db, Assignment, assignments)
    hours = [(item, cid, n, job, jid, aid)
             for (item, cid, n, job), jid, aid in zip(jobs, job_ids, assignment_ids, strict=True)
             if job.hours is not None]  # fmt: skip
    report_ids = _returning(db, HoursReport, [_report(item, job, aid, ctx) for item, _c, _n, job, _j, aid in hours])
    by_case: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (_i, cid, n, _j), jid, aid in zip(jobs, job_ids, assignment_ids, strict=True):
        by_case[cid].append((n, jid, aid))
    for item, cid in working:
        _job_audit(item.story, cid, by_case[cid], ctx, audit, changes)
    for (item, cid, _n, job, jid, aid), rid in zip(hours, report_ids, strict=True):
        staff, at = ctx.counsellors[item.story.counsellor], job.ends_at + moments.CONFIRM_AFTER
        figure = str(job.hours)
        audit.add(at, staff, "hours.enter", "hours_report", rid, cid, job_id=jid, assignment_id=aid, hours=figure,
                  previous=None)  # fmt: skip
        audit.add(at, staff, "hours.confirm", "hours_report", rid, cid, job_id=jid, assignment_id=aid, hours=figure)
    lines = len(jobs) + len(assignments) + len(report_ids)
    return lines + _bills(db, items, case_ids, hours, job_ids, report_ids, ctx, audit)


def _job_audit(story: Story, case_id: int, jobs: list[tuple[int, int, int]], ctx: Context, audit: _Audit,
               changes: list[Any]) -> None:  # fmt: skip
    staff = ctx.counsellors[story.counsellor]
    for n, job_id, _aid in jobs:
        audit.add(moments.created_at(story, n), staff, "job.create", "care_job", job_id, case_id)
        if n == 0:
            changes.append(_change(case_id, S.IN_COUNSELLING, S.CARE_NEEDED, staff, moments.created_at(story, 0)))
            audit.add(moments.created_at(story, 0), staff, "case.status", "case", case_id, case_id,
                      **{"from": "in_counselling", "to": "care_needed"})  # fmt: skip
    for n, job_id, assignment_id in jobs:
        at, job = moments.assigned_at(story, n), story.jobs[n]
        audit.add(at, staff, "assignment.create", "assignment", assignment_id, case_id, job_id=job_id,
                  volunteer_id=ctx.carers[job.carer], source="staff")  # fmt: skip
    last = moments.assigned_at(story, len(jobs) - 1)
    changes.append(_change(case_id, S.CARE_NEEDED, S.CARE_ARRANGED, staff, last))
    moved = {"from": "care_needed", "to": "care_arranged", "job_id": jobs[-1][1], "event": "assignment"}
    audit.add(last, staff, "case.status", "case", case_id, case_id, **moved)
    at = moments.closed_at(story)
    changes.append(_change(case_id, S.CARE_ARRANGED, S.COMPLETED, staff, at))
    audit.add(at, staff, "case.status", "case", case_id, case_id, **{"from": "care_arranged", "to": "completed"})


def _bills(db: Session, items: Sequence[moments.Numbered], case_ids: Sequence[int], hours: list[Any],
           job_ids: list[int], report_ids: list[int], ctx: Context, audit: _Audit) -> int:  # fmt: skip
    """One bill per case and month of its confirmed hours, its lines in the order `issue_case` writes them."""
    lines: dict[tuple[int, date], list[tuple[Any, ...]]] = defaultdict(list)
    for (item, cid, _n, job, jid, _aid), rid in zip(hours, report_ids, strict=True):
        lines[(cid, moments.bill_month(job.starts_at))].append((job.starts_at, jid, rid, job, item))
    bill_rows, line_rows = [], []
    for (cid, month), found in lines.items():
        found.sort(key=lambda line: line[:3])
        item = found[0][4]
        priced = [_line(item.story, job, jid, rid, ctx) for _s, jid, rid, job, _i in found]
        year, seq, at = item.bills[month]
        total = bills.total(line["amount"] for line in priced)
        issued = at.astimezone(BERLIN).date()
        story = item.story
        bill_rows.append({
            "number": bills.bill_number(year, seq), "year": year, "seq": seq, "case_id": cid, "period_month": month,
            "status": BillStatus.ISSUED, "total": total, "issued_at": at, "issued_by_id": ctx.coordinator,
            "issue_date": issued, "due_date": bills.due_date(issued, ctx.payment_days),
            "debtor_name": (story.caller_name or "").strip() or None,
            "debtor_address": (story.address or "").strip() or None, "payment_method": PaymentMethod.TRANSFER,
            "mandate_id": None, "corrects_id": None, "cancelled_at": None, "cancelled_by_id": None,
            "cancel_reason": None, "paid_at": None, "paid_amount": None, "paid_recorded_by_id": None,
        })  # fmt: skip
        line_rows.append(priced)
    bill_ids = _returning(db, Bill, bill_rows)
    flat = []
    for bill_id, row, priced in zip(bill_ids, bill_rows, line_rows, strict=True):
        flat += [{**line, "bill_id": bill_id} for line in priced]
        audit.add(row["issued_at"], ctx.coordinator, "bill.issue", "bill", bill_id, row["case_id"],
                  number=row["number"], month=row["period_month"].isoformat(), total=str(row["total"]),
                  lines=len(priced))  # fmt: skip
    _plain(db, BillLine, flat)
    return len(bill_rows) + len(flat)


def _line(story: Story, job: Any, job_id: int, report_id: int, ctx: Context) -> dict[str, Any]:
    day = job.starts_at.astimezone(BERLIN).date()
    eligibility = Eligibility(
        partner=ctx.partners.get(story.partner or ""),
        municipality=ctx.employers.get(story.employer_municipality or ""), semester=story.semester,
    )  # fmt: skip
    pricing = tariff.price(eligibility, ctx.rates, service=service_of(job.kind), day=day)
    if pricing is None:  # only a driving job without a driving rate; the history bills care only
        raise ValueError(f"no rate for {job.kind} on {day}")
    return {
        "hours_report_id": report_id, "job_id": job_id, "work_date": day,
        "volunteer_first_name": bills.first_name(ctx.carer_names[job.carer]),
        "description": bills.line_description(job.kind.label, job.code, day), "hours": job.hours,
        "affiliation": pricing.affiliation, "rate": pricing.per_hour, "reason": pricing.reason,
        "amount": tariff.amount(job.hours, pricing.per_hour),
    }  # fmt: skip


# --- One story's moments and rows -------------------------------------------------------------------------------


def _change(case_id: int, old: CaseStatus | None, new: CaseStatus, staff: int | None, at: datetime) -> dict[str, Any]:
    return {"case_id": case_id, "from_status": old, "to_status": new, "changed_by_id": staff, "at": at}


def _documented(story: Story, ctx: Context) -> dict[str, Any]:
    return {
        "caller_name": story.caller_name, "caller_phone": story.caller_phone, "need": story.need,
        "municipality_id": ctx.municipalities[story.municipality] if story.municipality else None,
        "district": story.district, "address": story.address, "affiliation": story.affiliation,
        "partner_id": ctx.partner_ids[story.partner] if story.partner else None,
        "employer_municipality_id": ctx.municipalities[story.employer_municipality]
        if story.employer_municipality else None,
        "employer_name": None, "student_semester": story.semester,
    }  # fmt: skip


def _changed_fields(story: Story) -> list[str]:
    """What `update_details` lists as changed: the documented fields that differ from the case the call opened."""
    opened = {"caller_phone": story.caller_phone, "need": story.need, "affiliation": Affiliation.NONE}
    documented = {
        "caller_name": story.caller_name, "caller_phone": story.caller_phone, "need": story.need,
        "municipality_id": story.municipality, "district": story.district, "address": story.address,
        "affiliation": story.affiliation, "partner_id": story.partner,
        "employer_municipality_id": story.employer_municipality, "employer_name": None,
        "student_semester": story.semester,
    }  # fmt: skip
    changed = [name for name in CASE_FIELDS if opened.get(name) != documented[name]]
    return [*changed, "consent", *(["persons_or_windows"] if story.persons else [])]


def _case(item: moments.Numbered, ctx: Context) -> dict[str, Any]:
    story = item.story
    closed = moments.closed_at(story)
    staff = None if story.kind is Kind.NO_CASE else ctx.counsellors[story.counsellor]
    documented = (
        _documented(story, ctx) if staff is not None else
        {**{name: None for name in CASE_FIELDS}, "caller_phone": story.caller_phone, "affiliation": Affiliation.NONE}
    )  # fmt: skip
    return {
        "number": case_number(item.year, item.seq), "year": item.year, "seq": item.seq, "opened_at": story.opened_at,
        "channel": CaseChannel.PHONE, **documented, "caller_phone_reversed": reversed_digits(story.caller_phone),
        "caller_name_search": name_key(story.caller_name), "status": moments.closing_status(story),
        "counsellor_id": staff,
        "callback_needed": False, "callback_claimed_by_id": None, "callback_claimed_at": None,
        "callback_outcome": None, "consent_at": story.documented_at if staff else None,
        "consent_recorded_by_id": staff, "sms_consent": False, "closed_at": closed, "anonymised_at": None,
        "merged_into_id": None, "created_at": story.opened_at, "updated_at": closed,
    }  # fmt: skip


def _call(story: Story, case_id: int, ctx: Context) -> dict[str, Any]:
    answered = story.kind is not Kind.NO_CASE
    return {
        "call_sid": story.call_sid, "case_id": case_id, "direction": "inbound", "from_number": story.caller_phone,
        "to_number": HOTLINE_NUMBER, "status": CallStatus.COMPLETED, "menu_attempts": 0,
        "accepted_by_id": ctx.counsellors[story.counsellor] if answered else None,
        "dial_status": "completed" if answered else None, "started_at": story.opened_at,
        "answered_at": story.answered_at if answered else None, "ended_at": story.ended_at,
        "duration_seconds": int((story.ended_at - story.opened_at).total_seconds()), "recording_sid": None,
        "recording_url": None, "recording_duration_seconds": None, "no_case_reason": story.no_case_reason,
        "created_at": story.opened_at, "updated_at": story.ended_at if answered else moments.closed_at(story),
    }  # fmt: skip


def _call_events(story: Story, call_id: int) -> list[dict[str, Any]]:
    steps = [("incoming", CallStatus.RINGING.value, story.opened_at)]
    if story.kind is not Kind.NO_CASE:
        steps += [("screening", "accepted", story.answered_at), ("dial", "completed", story.ended_at)]
    steps.append(("status", CallStatus.COMPLETED.value, story.ended_at))
    return [{"call_id": call_id, "source": source, "status": status, "at": at} for source, status, at in steps]


def _job(item: moments.Numbered, case_id: int, n: int, job: Any, ctx: Context) -> dict[str, Any]:
    story = item.story
    return {
        "case_id": case_id, "kind": job.kind, "starts_at": job.starts_at, "ends_at": job.ends_at,
        "municipality_id": ctx.municipalities[story.municipality] if story.municipality else None,
        "district": story.district, "requirements": [], "notes": None, "carers_needed": 1, "code": job.code,
        "active_code": None, "status": JobStatus.COMPLETED, "created_by_id": ctx.counsellors[story.counsellor],
        "created_at": moments.created_at(story, n), "updated_at": moments.closed_at(story), "cancelled_at": None,
    }  # fmt: skip


def _report(item: moments.Numbered, job: Any, assignment_id: int, ctx: Context) -> dict[str, Any]:
    staff, at = ctx.counsellors[item.story.counsellor], job.ends_at + moments.CONFIRM_AFTER
    return {
        "assignment_id": assignment_id, "hours": job.hours, "source": "staff", "status": HoursStatus.CONFIRMED,
        "reported_at": at, "reported_by_id": staff, "message_id": None, "started_at": None, "ended_at": None,
        "confirmed_at": at, "confirmed_by_id": staff,
    }  # fmt: skip


def remember_assignments(db: Session, items: Sequence[moments.Numbered], carer_ids: Sequence[int]) -> None:
    """Each carer's newest assignment, as the assignment step sets it: the matching's fairness key."""
    found: dict[int, datetime] = {}
    for item in items:
        for n, job in enumerate(item.story.jobs):
            at = moments.assigned_at(item.story, n)
            found[job.carer] = max(at, found.get(job.carer, at))
    for index, at in found.items():
        db.execute(update(Volunteer).where(Volunteer.id == carer_ids[index]).values(last_assigned_at=at))
