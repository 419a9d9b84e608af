"""Hours a carer reports for an assignment: one unconfirmed report per assignment, none before the job,
none beyond its window plus an hour, none changed after staff confirmed them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.enums import HoursStatus, JobStatus
from casework.jobs.models import CareJob
from tests.factories import make_job, make_volunteer
from tests.volunteers.builders import make_assignment, make_family_case
from volunteers.assignments import rules
from volunteers.assignments import service as assignments
from volunteers.assignments.models import AssignmentStatus, HoursReport
from volunteers.assignments.service import HoursResult
from volunteers.registry.models import Volunteer

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=4)
AFTER = END + timedelta(hours=2)


@pytest.mark.parametrize(
    ("hours", "now", "check"),
    [
        (Decimal("3.5"), AFTER, rules.HoursCheck.OK),
        (Decimal("5"), AFTER, rules.HoursCheck.OK),  # the window plus an hour
        (Decimal("5.01"), AFTER, rules.HoursCheck.BEYOND_WINDOW),
        (Decimal("24"), AFTER, rules.HoursCheck.BEYOND_WINDOW),
        (Decimal("2"), START + timedelta(hours=2), rules.HoursCheck.OK),  # during the job
        (Decimal("2"), START, rules.HoursCheck.OK),
        (Decimal("2"), START - timedelta(seconds=1), rules.HoursCheck.NOT_STARTED),
        (Decimal("24"), START - timedelta(days=1), rules.HoursCheck.NOT_STARTED),
    ],
)
def test_hours_are_checked_against_the_jobs_start_and_window(hours, now, check):
    assert rules.check_hours(hours, starts_at=START, ends_at=END, now=now) == check


@pytest.mark.parametrize(
    ("hours", "cancelled", "check"),
    [
        (Decimal(0), False, rules.HoursCheck.NOT_POSITIVE),
        (Decimal("-1"), False, rules.HoursCheck.NOT_POSITIVE),
        (Decimal("0.25"), False, rules.HoursCheck.OK),
        (Decimal(3), True, rules.HoursCheck.JOB_CANCELLED),
        (Decimal(0), True, rules.HoursCheck.JOB_CANCELLED),
    ],
)
def test_no_hours_for_zero_or_less_or_a_cancelled_job(hours, cancelled, check):
    assert rules.check_hours(hours, starts_at=START, ends_at=END, now=AFTER, job_cancelled=cancelled) == check


def test_the_window_is_exact_hours():
    assert rules.window_hours(starts_at=START, ends_at=START + timedelta(hours=2, minutes=15)) == Decimal("2.25")


def held_assignment(db):
    job = make_job(db, make_family_case(db), code="4821", status=JobStatus.FILLED, starts_at=START, ends_at=END)
    return make_assignment(db, job, make_volunteer(db))


def report(db, assignment, hours: str, now: datetime = AFTER) -> assignments.HoursOutcome:
    outcome = assignments.report_hours(
        db, assignment=assignment, hours=Decimal(hours), source="sms", message_id=None, now=now
    )
    db.commit()
    return outcome


def stored(db) -> list[tuple[Decimal, HoursStatus]]:
    db.expire_all()
    return [(r.hours, r.status) for r in db.scalars(select(HoursReport).order_by(HoursReport.id))]


def test_reports_before_confirmation_keep_one_row_with_the_latest_figure(db):
    assignment = held_assignment(db)
    first = report(db, assignment, "5")
    assert (first.result, first.previous) == (HoursResult.RECORDED, None)
    for hours, previous in (("4", "5"), ("3.5", "4"), ("3.5", "3.5")):
        outcome = report(db, assignment, hours, now=AFTER + timedelta(minutes=5))
        assert (outcome.result, outcome.previous) == (HoursResult.REPLACED, Decimal(previous))
        assert outcome.report is not None and outcome.report.id == first.report.id
    assert stored(db) == [(Decimal("3.50"), HoursStatus.REPORTED)]
    assert db.scalar(select(HoursReport.reported_at)) == AFTER + timedelta(minutes=5)


def test_nothing_is_stored_before_the_job_or_beyond_its_window(db):
    assignment = held_assignment(db)
    assert report(db, assignment, "3", now=START - timedelta(hours=1)).result == HoursResult.NOT_STARTED
    assert report(db, assignment, "24").result == HoursResult.BEYOND_WINDOW
    assert stored(db) == []


def test_nothing_is_stored_for_zero_hours_or_a_cancelled_job(db):
    assignment = held_assignment(db)
    assert report(db, assignment, "0").result == HoursResult.NOT_POSITIVE
    db.get_one(CareJob, assignment.job_id).status = JobStatus.CANCELLED
    db.commit()
    assert report(db, assignment, "3").result == HoursResult.JOB_CANCELLED
    assert stored(db) == []


def test_jobs_awaiting_hours_are_over_not_cancelled_and_without_confirmed_hours(db):
    volunteer = make_volunteer(db)
    case = make_family_case(db)

    def held(code: str, starts_at: datetime, status: JobStatus = JobStatus.FILLED):
        job = make_job(db, case, code=code, status=status, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4))
        assignment = make_assignment(db, job, volunteer)
        job.status = status
        db.commit()
        return assignment

    held("1001", START)
    held("1002", START - timedelta(days=1))
    held("1003", AFTER)  # still to come
    held("1004", START, JobStatus.CANCELLED)
    report(db, held("1005", START), "2").report.status = HoursStatus.CONFIRMED
    report(db, held("1006", START), "2")  # reported, not confirmed: may still be corrected
    held("1007", START).status = AssignmentStatus.RELEASED
    db.commit()
    awaiting = assignments.codes_awaiting_hours(db, volunteer_id=volunteer.id, now=AFTER)
    assert awaiting == {"1001", "1002", "1006"}


def test_confirmed_hours_are_never_changed_by_a_later_report(db):
    assignment = held_assignment(db)
    report(db, assignment, "3.5").report.status = HoursStatus.CONFIRMED
    db.commit()
    outcome = report(db, assignment, "4")
    assert outcome.result == HoursResult.ALREADY_CONFIRMED and not outcome.stored
    assert stored(db) == [(Decimal("3.50"), HoursStatus.CONFIRMED)]


def test_a_report_after_a_rejected_one_is_a_new_row(db):
    assignment = held_assignment(db)
    report(db, assignment, "5").report.status = HoursStatus.REJECTED
    db.commit()
    assert report(db, assignment, "4").result == HoursResult.RECORDED
    assert stored(db) == [(Decimal("5.00"), HoursStatus.REJECTED), (Decimal("4.00"), HoursStatus.REPORTED)]


def test_the_job_of_the_outcome_is_the_assignments(db):
    assignment = held_assignment(db)
    assert report(db, assignment, "3").job.id == assignment.job_id


def test_reports_sent_at_the_same_moment_still_keep_one_row(engine, db, app, settings):
    """Through the served app's webhook, eight reports at once (PostgreSQL: the job row lock orders them)."""
    import xml.etree.ElementTree as ET
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from telephony.webhooks import sign
    from tests.servers import served
    from tests.twilio_helpers import ACCOUNT_SID, HOTLINE

    assignment = held_assignment(db)
    phone = db.get_one(Volunteer, assignment.volunteer_id).phone
    path = "/twilio/sms/incoming"

    def post(base_url: str, n: int) -> str:
        params = {
            "AccountSid": ACCOUNT_SID, "MessageSid": f"SM{n:032d}", "From": phone, "To": HOTLINE,
            "Body": f"STUNDEN 4821 {n % 4 + 1}", "NumMedia": "0",
        }  # fmt: skip
        signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
        response = httpx.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert response.status_code == 200, response.text
        return ET.fromstring(response.text).findtext("Message") or ""

    with served(app) as url, ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda n: post(url, n), range(8)))
    assert all(answer.startswith("Fluxx: Danke!") for answer in answers), answers
    assert len(stored(db)) == 1
