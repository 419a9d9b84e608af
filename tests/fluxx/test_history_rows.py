"""The calibrated history writes the rows the real services write.

A fortnight of the planned history is played twice on the same database: once through the services (the call's
webhook steps, the case form, a job, assigning by hand, entering and confirming hours, closing, the monthly bill
run, "Kein Fall"), and once by `fluxx.history.rows` in bulk. Every row either way is compared, column by column,
timestamps included; only the ids differ, so rows are matched by what identifies them (a case by its number, a call
by its CallSid, a job by its case and code, a bill by its number). The outbox and the worker's tasks are what the
history leaves out (see `fluxx.history.rows`).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.bills import service as bills
from billing.hours import service as hours
from casework.calls import service as calls
from casework.cases import service as cases
from casework.cases.forms import CaseDetails, PersonInput
from casework.enums import CallStatus, CaseStatus
from casework.jobs import service as jobs
from casework.jobs.forms import JobDetails
from core.audit import Actor
from core.settings import HOTLINE_NUMBER
from fluxx import demo
from fluxx.all_models import metadata
from fluxx.history import load, moments, network, plan, rows
from fluxx.history.plan import BERLIN, Kind, Story
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment
from volunteers.registry.models import Volunteer

NOW = datetime(2026, 11, 26, 8, tzinfo=UTC)
FIRST, LAST = date(2019, 3, 18), date(2019, 3, 31)  # a fortnight ending a month, its bills issued in April
LEFT_OUT = {"message", "scheduled_task"}  # the assignment SMS and the reminders: sent and done long ago
# What identifies a row of a table the history writes, besides its id (ids differ between the two runs).
KEYS = {
    "case": ("number",),
    "call": ("call_sid",),
    "care_job": ("case_id", "code"),
    "assignment": ("job_id", "volunteer_id"),
    "hours_report": ("assignment_id",),
    "bill": ("number",),
}
OBJECT_TABLES = {"case": "case", "call": "call", "care_job": "care_job", "assignment": "assignment",
                 "hours_report": "hours_report", "bill": "bill"}  # fmt: skip


class _Code(random.Random):
    """Hands `create_job` the job's code from the story (it draws one with `randint`)."""

    def __init__(self, code: str) -> None:
        super().__init__(0)
        self.code = int(code)

    def randint(self, a: int, b: int) -> int:
        return self.code


def _play(db: Session, story: Story, ctx: rows.Context) -> int:
    """The story through the services, step by step at its moments; returns the case id."""
    staff = ctx.counsellors[story.counsellor]
    call = calls.register_incoming_call(db, call_sid=story.call_sid, from_number=story.caller_phone,
                                        to_number=HOTLINE_NUMBER, now=story.opened_at, zone=BERLIN)  # fmt: skip
    duration = int((story.ended_at - story.opened_at).total_seconds())

    def again() -> Any:  # each webhook is a request of its own, which loads the call with its case
        return calls.get_by_sid(db, call_sid=story.call_sid)

    if story.kind is Kind.NO_CASE:
        call = again()
        calls.apply_status(db, call=call, reported=CallStatus.COMPLETED, duration=duration, source="status",
                           now=story.ended_at)  # fmt: skip
        assert story.no_case_reason is not None
        calls.mark_no_case(
            db, call=call, reason=story.no_case_reason, actor=Actor(staff, None, moments.closed_at(story))
        )
        return call.case_id or 0
    assert story.need is not None
    calls.set_need(again(), story.need, now=story.opened_at + timedelta(seconds=10))
    calls.accept(db, call=again(), staff_id=staff, now=story.answered_at, zone=BERLIN)
    calls.record_dial_result(db, call=again(), dial_status="completed", now=story.ended_at)
    call = again()
    calls.apply_status(db, call=call, reported=CallStatus.COMPLETED, duration=duration, source="status",
                       now=story.ended_at)  # fmt: skip
    case = cases.get_case(db, case_id=call.case_id or 0, load=cases.persons_and_windows())
    cases.update_details(db, case=case, details=_details(story, ctx), actor=Actor(staff, None, story.documented_at))
    if story.kind is Kind.COUNSELLING:
        cases.set_status(
            db, case=case, target=moments.closing_status(story), actor=Actor(staff, None, moments.closed_at(story))
        )
        return case.id
    made = []
    for n, job in enumerate(story.jobs):
        details = JobDetails(kind=job.kind, starts_at=job.starts_at, ends_at=job.ends_at,
                             municipality_id=case.municipality_id, district=case.district, requirements=[],
                             carers_needed=1, notes=None)  # fmt: skip
        actor = Actor(staff, None, moments.created_at(story, n))
        made.append(jobs.create_job(db, case=case, details=details, actor=actor, rng=_Code(job.code)))
    for n, (job, made_job) in enumerate(zip(story.jobs, made, strict=True)):
        volunteer = db.get_one(Volunteer, ctx.carers[job.carer])
        actor = Actor(staff, None, moments.assigned_at(story, n))
        assignments.assign_by_hand(db, job=made_job, volunteer=volunteer, actor=actor, reminder_hour=18)
    for job, made_job in zip(story.jobs, made, strict=True):
        if job.hours is None:
            continue
        assignment_id = db.scalar(select(Assignment.id).where(Assignment.job_id == made_job.id))
        hours.enter(db, job_id=made_job.id, assignment_id=assignment_id or 0, hours=job.hours,
                    actor=Actor(staff, None, job.ends_at + moments.CONFIRM_AFTER), confirm=True)  # fmt: skip
    cases.set_status(db, case=case, target=CaseStatus.COMPLETED, actor=Actor(staff, None, moments.closed_at(story)))
    return case.id


def _details(story: Story, ctx: rows.Context) -> CaseDetails:
    return CaseDetails(
        caller_name=story.caller_name, caller_phone=story.caller_phone, need=story.need,
        municipality_id=ctx.municipalities[story.municipality] if story.municipality else None,
        district=story.district, address=story.address, affiliation=story.affiliation,
        partner_id=ctx.partner_ids[story.partner] if story.partner else None,
        employer_municipality_id=ctx.municipalities[story.employer_municipality]
        if story.employer_municipality else None,
        consent=True, student_semester=story.semester,
        persons=[PersonInput(label, age, None, None) for label, age in story.persons],
    )  # fmt: skip


def _issue_bills(db: Session, items: list[moments.Numbered], case_ids: list[int], ctx: rows.Context) -> None:
    """The monthly bill runs, case by case in the order and at the moments the history numbers them."""
    runs = sorted((at, month, case_id) for item, case_id in zip(items, case_ids, strict=True)
                  for month, (_year, _seq, at) in item.bills.items())  # fmt: skip
    for at, month, case_id in runs:
        bill = bills.issue_case(db, case_id=case_id, month=month, terms=bills.Terms(BERLIN, ctx.payment_days),
                                actor=Actor(ctx.coordinator, None, at))  # fmt: skip
        assert bill is not None


def _snapshot(db: Session, before: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """The rows written since `before` (the highest id per table), the counters, and the carers."""
    found = {}
    for table in metadata.sorted_tables:
        query = select(table)
        if "id" in table.c:
            query = query.where(table.c.id > before.get(table.name, 0))
        elif table.name == "case_name_word":  # keyed by its case: the words of the cases written since
            query = query.where(table.c.case_id > before.get("case", 0))
        elif table.name != "yearly_counter":
            continue
        found[table.name] = [dict(row._mapping) for row in db.execute(query.order_by(*table.primary_key.columns))]
    found["volunteer"] = [dict(row._mapping) for row in db.execute(select(Volunteer.__table__))]
    return found


def _normalised(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """Ids replaced by what identifies the row they name; each table's rows in a stable order."""
    names: dict[tuple[str, int], Any] = {}
    for table in metadata.sorted_tables:  # referenced tables come first
        for row in found.get(table.name, []):
            if table.name in KEYS:
                names[(table.name, row["id"])] = tuple(
                    _named(table.name, row, column, names) for column in KEYS[table.name]
                )
    result = {}
    for table in metadata.sorted_tables:
        if table.name not in found or table.name in LEFT_OUT:
            continue
        normal = [
            tuple(sorted((column, repr(_named(table.name, row, column, names))) for column in row if column != "id"))
            for row in found[table.name]
        ]
        result[table.name] = sorted(normal)
    return result


def _named(table_name: str, row: dict[str, Any], column: str, names: dict[tuple[str, int], Any]) -> Any:
    value = row[column]
    if value is None:
        return None
    if table_name == "audit_event" and column == "object_id" and row["object_type"] in OBJECT_TABLES:
        return names.get((OBJECT_TABLES[row["object_type"]], value), value)
    if table_name == "audit_event" and column == "detail":
        ids = {"job_id": "care_job", "assignment_id": "assignment"}
        return {k: names.get((ids[k], v), v) if k in ids else v for k, v in value.items()}
    for key in metadata.tables[table_name].c[column].foreign_keys:
        return names.get((key.column.table.name, value), value)
    return value


def _highest(db: Session) -> dict[str, int]:
    return {t.name: db.scalar(select(func.max(t.c.id))) or 0 for t in metadata.sorted_tables if "id" in t.c}


def test_the_history_writes_the_rows_the_services_write(db):
    demo.load(db, now=NOW, network=network.apply)
    targets = plan.scaled(FIRST, LAST)
    carers, months = load.plan_history(db, first=FIRST, last=LAST, targets=targets, seed=7)
    # The history deactivates a volunteer who left at once; the services, playing the past, need them active.
    carers = [replace(carer, left_at=None) for carer in carers]
    carer_ids = load.register_carers(db, carers)
    ctx = load.make_context(db, carer_ids, carers, payment_days=14)
    db.flush()
    stories = list(chain.from_iterable(months))
    assert {story.kind for story in stories} == set(Kind)  # every kind of story is compared
    assert any(len(story.jobs) > 1 for story in stories) and any(item.bills for item in moments.number(stories, {}))
    before = _highest(db)

    savepoint = db.begin_nested()
    items = moments.number(stories, _counters(db))
    case_ids = [_play(db, story, ctx) for story in stories]
    _issue_bills(db, items, case_ids, ctx)
    db.flush()
    by_services = _snapshot(db, before)
    savepoint.rollback()
    db.expire_all()

    savepoint = db.begin_nested()
    taken = _counters(db)
    items = moments.number(stories, taken)
    rows.write(db, items, ctx)
    moments.save_counters(db, taken)
    rows.remember_assignments(db, items, carer_ids)
    by_history = _snapshot(db, before)
    savepoint.rollback()

    assert {name for name, found in by_services.items() if found} - {n for n, f in by_history.items() if f} == LEFT_OUT
    assert by_services["bill"] and by_services["hours_report"] and by_services["call_event"]
    services, history = _normalised(by_services), _normalised(by_history)
    for name in services:
        assert history[name] == services[name], name


def _counters(db: Session) -> dict[tuple[str, int], int]:
    from casework.cases.models import YearlyCounter

    return {
        (s, y): v for s, y, v in db.execute(select(YearlyCounter.scope, YearlyCounter.year, YearlyCounter.last_value))
    }
