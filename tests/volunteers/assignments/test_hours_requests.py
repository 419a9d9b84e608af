"""Asking the carer for the hours when the job's window ends, one reminder a day later, and the dashboard's
"Stunden fehlen" for jobs still without hours after that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.enums import JobStatus
from core import audit, worker
from core.db import make_sessionmaker
from core.models import AuditEvent, ScheduledTask, StaffRole
from fluxx.wiring import task_handlers
from messaging.models import Message, MessageDirection
from tests.factories import login, make_staff
from tests.volunteers.builders import offered_job
from volunteers.assignments import rules
from volunteers.assignments import service as assignments
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach import texts
from volunteers.outreach.models import Offer

END = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # offered_job: Fri 27.11. 09:00-13:00 in Hannover
DAY = timedelta(hours=24)


def hours_sms(db, volunteer) -> list[Message]:
    db.expire_all()
    query = select(Message).where(
        Message.direction == MessageDirection.OUTBOUND,
        Message.to_number == volunteer.phone,
        Message.body.like("%Stunden haben Sie%"),
    )
    return list(db.scalars(query.order_by(Message.id)))


def run_due(engine, clock) -> None:
    for _ in range(10):  # what is due now, and what that schedules for now
        if not worker.run_once(make_sessionmaker(engine), clock=clock, handlers=task_handlers()):
            return


def assigned(db, clock, **job_overrides):
    job, (volunteer,) = offered_job(db, **job_overrides)
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id))
    assignment = assignments.accept(db, offer=offer, now=clock(), reminder_hour=REMINDER_HOUR).assignment
    db.commit()
    return job, volunteer, assignment


def move_to(clock, at: datetime) -> None:
    clock.advance(seconds=(at - clock()).total_seconds())


def report(db, assignment, clock, hours: str = "3,5") -> None:
    outcome = assignments.report_hours(
        db, assignment=assignment, hours=Decimal(hours.replace(",", ".")), source="sms", message_id=None, now=clock()
    )
    assert outcome.stored
    db.commit()


# --- The rule ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "job_cancelled", "reported", "decision"),
    [
        (True, False, False, rules.HoursAsk.SEND),
        (False, False, False, rules.HoursAsk.NOT_ACTIVE),
        (False, True, True, rules.HoursAsk.NOT_ACTIVE),
        (True, True, False, rules.HoursAsk.JOB_CANCELLED),
        (True, False, True, rules.HoursAsk.REPORTED),
    ],
    ids=["active, nothing reported", "released or withdrawn", "released wins", "job cancelled", "hours reported"],
)
def test_only_a_carer_still_assigned_to_a_job_that_took_place_and_without_hours_is_asked(
    active, job_cancelled, reported, decision
):
    assert rules.ask_for_hours(active=active, job_cancelled=job_cancelled, reported=reported) is decision


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (END - DAY, END),
        (END, END),
        (END + timedelta(hours=3), END + timedelta(hours=3)),
    ],
    ids=["assigned before: at the end", "at the end", "assigned after the end: at once"],
)
def test_the_hours_are_asked_for_when_the_window_ends_or_at_once(now, due):
    assert rules.hours_request_due(ends_at=END, now=now) == due


def test_the_reminder_follows_a_day_later_and_the_dashboard_counts_from_then():
    assert rules.hours_reminder_due(requested_at=END) == END + DAY
    assert rules.hours_missing_for_jobs_ended_before(END + DAY) == END
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.hours_request_due(ends_at=END.replace(tzinfo=None), now=END)


# --- The worker ----------------------------------------------------------------------------------------------


def test_the_carer_is_asked_when_the_window_ends_and_reminded_once_a_day_later(db, engine, clock):
    job, volunteer, assignment = assigned(db, clock)
    task = db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "assignment.hours_request"))
    assert (task.dedupe_key, task.due_at) == (f"hours:{assignment.id}", END)

    move_to(clock, END - timedelta(minutes=1))
    run_due(engine, clock)
    assert hours_sms(db, volunteer) == []
    move_to(clock, END)
    run_due(engine, clock)
    (request,) = hours_sms(db, volunteer)
    assert request.body == (
        "Fluxx: Wie viele Stunden haben Sie bei Einsatz 4821 betreut? Antworten Sie z. B. STUNDEN 4821 3,5"
    )
    assert (request.volunteer_id, request.job_id, request.case_id) == (volunteer.id, job.id, job.case_id)
    reminder = db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "assignment.hours_reminder"))
    assert (reminder.dedupe_key, reminder.due_at) == (f"hours-reminder:{assignment.id}", END + DAY)

    move_to(clock, END + DAY - timedelta(minutes=1))
    run_due(engine, clock)
    assert len(hours_sms(db, volunteer)) == 1
    move_to(clock, END + DAY)
    run_due(engine, clock)
    clock.advance(days=5)
    run_due(engine, clock)
    assert [message.body for message in hours_sms(db, volunteer)] == [
        texts.hours_request("4821"),
        "Fluxx: Erinnerung: Wie viele Stunden haben Sie bei Einsatz 4821 (Fr. 27.11.) betreut? "
        "Antworten Sie z. B. STUNDEN 4821 3,5",
    ]


def test_the_text_names_the_jobs_real_code(db, engine, clock):
    _, volunteer, _ = assigned(db, clock, code="0815")
    move_to(clock, END)
    run_due(engine, clock)
    assert [message.body for message in hours_sms(db, volunteer)] == [texts.hours_request("0815")]


def test_a_released_assignment_gets_no_request_and_no_reminder(db, engine, clock):
    _, volunteer, assignment = assigned(db, clock)
    assignments.release(db, assignment=assignment, actor=audit.Actor(None, None, clock()), reason="krank")
    db.commit()
    move_to(clock, END + 3 * DAY)
    run_due(engine, clock)
    assert hours_sms(db, volunteer) == []


def test_a_withdrawn_assignment_or_a_cancelled_job_gets_nothing(db, engine, clock):
    from casework.jobs.service import cancel_job

    _, withdrawn, assignment = assigned(db, clock)
    assignments.withdraw(db, assignment=assignment, message_id=None, now=clock())
    cancelled_job, cancelled, _ = assigned(db, clock, code="4822")
    cancel_job(db, job=cancelled_job, actor=audit.Actor(None, None, clock()))
    db.commit()
    move_to(clock, END + 3 * DAY)
    run_due(engine, clock)
    assert hours_sms(db, withdrawn) == [] and hours_sms(db, cancelled) == []
    assert cancelled_job.status == JobStatus.CANCELLED


def test_hours_reported_before_the_end_mean_no_request(db, engine, clock):
    _, volunteer, assignment = assigned(db, clock)
    move_to(clock, END - timedelta(hours=1))  # the job has started: hours can be reported
    report(db, assignment, clock)
    move_to(clock, END + 3 * DAY)
    run_due(engine, clock)
    assert hours_sms(db, volunteer) == []
    assert db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "assignment.hours_reminder")) is None


def test_hours_reported_after_the_request_mean_no_reminder(db, engine, clock):
    _, volunteer, assignment = assigned(db, clock)
    move_to(clock, END)
    run_due(engine, clock)
    clock.advance(hours=2)
    report(db, assignment, clock)
    move_to(clock, END + 3 * DAY)
    run_due(engine, clock)
    assert [message.body for message in hours_sms(db, volunteer)] == [texts.hours_request("4821")]


# --- The dashboard -------------------------------------------------------------------------------------------


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_the_dashboard_shows_stunden_fehlen_once_the_reminder_was_due_until_hours_come(client, db, engine, clock):
    job, volunteer, assignment = assigned(db, clock)
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    move_to(clock, END + DAY - timedelta(minutes=1))
    run_due(engine, clock)
    login(client, staff)
    live = client.get("/dashboard/live").text
    assert "Zu keinem Einsatz fehlen Stunden." in section(live, "hours-missing")
    assert "<strong>0</strong> Einsätze: Stunden fehlen" in live

    clock.advance(minutes=1)
    run_due(engine, clock)
    live = client.get("/dashboard/live").text
    missing = section(live, "hours-missing")
    assert f'<a href="/jobs/{job.id}">Einsatz 4821</a>' in missing
    assert f'<a href="/cases/{job.case_id}">{db.get_one(Case, job.case_id).number}</a>' in missing
    assert f'<a href="/volunteers/{volunteer.id}">Ehrenamtliche</a>' in missing  # the first name only
    assert volunteer.name not in missing
    assert "Ende 27.11.2026, 13:00 Uhr" in missing and "Stunden fehlen" in missing
    assert "<strong>1</strong> Einsatz: Stunden fehlen" in live
    db.expire_all()
    viewed = db.scalars(select(AuditEvent).where(AuditEvent.action == "dashboard.view").order_by(AuditEvent.id))
    detail = list(viewed)[-1].detail
    assert volunteer.id in detail["volunteers"] and job.case_id in detail["shown"]

    report(db, assignment, clock)
    live = client.get("/dashboard/live").text
    assert "Einsatz 4821" not in section(live, "hours-missing")
    assert "<strong>0</strong> Einsätze: Stunden fehlen" in live


def test_missing_hours_are_one_query_counting_jobs_not_carers(db, engine, clock):
    from sqlalchemy import event

    job, (first, second) = offered_job(db, volunteers=2, carers_needed=2)
    actor = audit.Actor(staff_id=None, ip=None, now=clock())
    for volunteer in (first, second):
        assignments.assign_by_hand(db, job=job, volunteer=volunteer, actor=actor, reminder_hour=REMINDER_HOUR)
    other, (third,) = offered_job(db, code="4822")
    assignments.assign_by_hand(db, job=other, volunteer=third, actor=actor, reminder_hour=REMINDER_HOUR)
    db.commit()
    move_to(clock, END + DAY)

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    missing = assignments.hours_missing(db, now=clock())

    assert len([statement for statement in statements if "SELECT" in statement.upper()]) == 1
    assert missing.jobs == 2
    assert [(entry.code, entry.volunteer_id) for entry in missing.entries] == [
        ("4821", first.id), ("4821", second.id), ("4822", third.id),
    ]  # fmt: skip
    assert assignments.hours_missing(db, now=clock(), limit=1).jobs == 2
