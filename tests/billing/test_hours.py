"""Staff enter, confirm and correct hours: quarter hours, the job's window, a reason after confirmation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from billing.bills import service as bills
from billing.hours import rules
from billing.hours import service as hours
from casework.enums import HoursStatus
from core import audit
from core.db import make_sessionmaker
from core.errors import FieldErrors
from core.models import AuditEvent, StaffRole
from tests.billing.helpers import NOVEMBER, family, worked
from tests.factories import csrf_from, login, make_staff
from volunteers.assignments.models import Assignment, HoursReport

BERLIN = ZoneInfo("Europe/Berlin")
AFTER = audit.Actor(staff_id=None, ip="10.0.0.1", now=NOVEMBER + timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3,5", "3.50"), ("3.5", "3.50"), ("3:30", "3.50"), ("3,25 h", "3.25"), ("4 Std", "4.00"), ("0:45", "0.75"),
     ("12", "12.00")],
)  # fmt: skip
def test_a_typed_duration_is_read_in_quarter_hours(text, expected):
    assert rules.parse_duration(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [("3,3", "Viertelstunden"), ("0", "mehr als 0"), ("-2", "mehr als 0"), ("25", "24 Stunden"), ("drei", "3,5"),
     ("3:75", "3,5"), ("", "3,5"), ("NaN", "3,5")],
)  # fmt: skip
def test_a_duration_that_is_no_quarter_hour_is_refused_not_rounded(text, message):
    with pytest.raises(FieldErrors) as refused:
        rules.parse_duration(text)
    assert message in refused.value.errors["hours"]


def test_start_and_end_give_the_hours_between_them_also_over_midnight_and_the_clock_change():
    assert rules.span(date(2026, 11, 27), time(14), time(17, 30), BERLIN)[2] == Decimal("3.50")
    started, ended, spent = rules.span(date(2026, 11, 27), time(22), time(2), BERLIN)
    assert (spent, ended.date()) == (Decimal("4.00"), date(2026, 11, 28))
    # 24.-25.10.2026: the clocks go back at 03:00, the night has an hour more
    assert rules.span(date(2026, 10, 24), time(22), time(6), BERLIN)[2] == Decimal("9.00")
    assert rules.parse_clock("14.30 Uhr", "started") == time(14, 30)
    with pytest.raises(FieldErrors, match="Viertelstunden"):
        rules.parse_clock("14:10", "started")
    with pytest.raises(FieldErrors, match="Uhrzeit"):
        rules.parse_clock("25:00", "ended")


def _assignment(db, report: HoursReport) -> Assignment:
    return db.get(Assignment, report.assignment_id)


def test_staff_enter_hours_then_confirm_them_and_only_then_are_they_billed(db, engine):
    case = family(db)
    reported = worked(db, case, status=HoursStatus.REPORTED, hours="3")
    assignment = _assignment(db, reported)
    entered = hours.enter(db, job_id=assignment.job_id, assignment_id=assignment.id, hours=Decimal("3.5"), actor=AFTER)
    db.commit()
    assert entered.id == reported.id and (entered.hours, entered.source, entered.status) == (
        Decimal("3.5"),
        "staff",
        HoursStatus.REPORTED,
    )  # the unconfirmed report took the new figure
    terms = bills.Terms(zone=BERLIN, payment_days=14)
    month = date(2026, 11, 1)
    issue_actor = audit.Actor(None, None, datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert bills.issue_month(make_sessionmaker(engine), month=month, terms=terms, actor=issue_actor).bills == []
    hours.confirm(db, job_id=assignment.job_id, report_id=entered.id, actor=AFTER)
    db.commit()
    (bill,) = bills.issue_month(make_sessionmaker(engine), month=month, terms=terms, actor=issue_actor).bills
    assert bill.total == Decimal("17.50")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "hours_report")).all()
    assert actions == ["hours.enter", "hours.confirm"]


def test_hours_beyond_the_window_plus_an_hour_or_before_the_job_are_refused(db):
    case = family(db)
    report = worked(db, case, status=HoursStatus.REPORTED)  # a four-hour window
    assignment = _assignment(db, report)
    with pytest.raises(hours.HoursError, match=r"Zeitfenster .*\(4 Std\.\) plus eine Stunde"):
        hours.enter(db, job_id=assignment.job_id, assignment_id=assignment.id, hours=Decimal("5.25"), actor=AFTER)
    hours.enter(db, job_id=assignment.job_id, assignment_id=assignment.id, hours=Decimal("5"), actor=AFTER)
    early = audit.Actor(None, None, NOVEMBER - timedelta(hours=1))
    with pytest.raises(hours.HoursError, match="noch nicht begonnen"):
        hours.enter(db, job_id=assignment.job_id, assignment_id=assignment.id, hours=Decimal("2"), actor=early)


def test_a_change_after_confirmation_needs_a_reason_and_is_audited_with_before_and_after(db):
    case = family(db)
    report = worked(db, case, hours="3.5")
    job_id = _assignment(db, report).job_id
    with pytest.raises(hours.HoursError, match="schon bestätigt"):
        hours.enter(db, job_id=job_id, assignment_id=report.assignment_id, hours=Decimal("3"), actor=AFTER)
    with pytest.raises(hours.HoursError, match="Grund"):
        hours.correct(db, job_id=job_id, report_id=report.id, hours=Decimal("3"), reason="  ", actor=AFTER)
    hours.correct(db, job_id=job_id, report_id=report.id, hours=Decimal("3"), reason="Vertippt", actor=AFTER)
    db.commit()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "hours.correct"))
    assert event.detail | {} == {"job_id": job_id, "assignment_id": report.assignment_id, "before": "3.50",
                                 "after": "3", "reason": "Vertippt"}  # fmt: skip
    assert db.get(HoursReport, report.id).hours == Decimal("3")


def test_hours_on_an_issued_bill_are_not_changed_until_the_bill_is_cancelled(db, engine):
    case = family(db)
    report = worked(db, case, hours="3.5")
    job_id = _assignment(db, report).job_id
    terms = bills.Terms(zone=BERLIN, payment_days=14)
    issue_actor = audit.Actor(None, None, datetime(2026, 12, 1, 8, tzinfo=UTC))
    (bill,) = bills.issue_month(
        make_sessionmaker(engine), month=date(2026, 11, 1), terms=terms, actor=issue_actor
    ).bills
    with pytest.raises(hours.HoursError, match=f"Rechnung {bill.number}"):
        hours.correct(db, job_id=job_id, report_id=report.id, hours=Decimal("3"), reason="falsch", actor=AFTER)
    db.rollback()
    from billing.models import Bill

    bills.cancel(db, bill=db.get(Bill, bill.id), reason="Stunden falsch", actor=AFTER)
    hours.correct(db, job_id=job_id, report_id=report.id, hours=Decimal("3"), reason="falsch", actor=AFTER)
    db.commit()
    assert db.get(HoursReport, report.id).hours == Decimal("3")


def test_a_report_of_another_job_is_not_found_there(db):
    one, other = worked(db, family(db)), worked(db, family(db, caller_name="Familie Zwei"))
    from core.errors import NotFound

    with pytest.raises(NotFound):
        hours.confirm(db, job_id=_assignment(db, other).job_id, report_id=one.id, actor=AFTER)


def test_the_coordinator_confirms_on_the_hours_page_and_the_dashboard_counts_what_waits(client, db, clock):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = family(db)
    report = worked(db, case, status=HoursStatus.REPORTED, hours="3.5")
    job_id = _assignment(db, report).job_id
    clock.at = NOVEMBER + timedelta(days=1)
    login(client, coordinator)
    dashboard = client.get("/").text
    assert 'id="tile-hours-to-confirm"' in dashboard and "1</strong> Stundenangabe zu bestätigen" in dashboard
    listing = client.get("/hours").text
    assert "1 Angabe wartet auf Bestätigung" in listing and "Petra Schulz" in listing
    page = client.get(f"/jobs/{job_id}/hours")
    assert page.status_code == 200 and "3,5 Stunden gemeldet (per SMS)" in page.text
    confirmed = client.post(
        f"/jobs/{job_id}/hours/reports/{report.id}/confirm", data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )  # fmt: skip
    assert "3,5 Stunden bei Einsatz" in confirmed.text and "3,5 Stunden bestätigt" in confirmed.text
    assert "Keine Stunden warten auf Bestätigung." in client.get("/").text
    db.expire_all()
    assert db.get(HoursReport, report.id).status == HoursStatus.CONFIRMED


def test_the_hours_page_takes_start_and_end_and_answers_a_wrong_entry_in_german(client, db, clock):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = family(db)
    report = worked(db, case, status=HoursStatus.REPORTED, hours="2")
    assignment = _assignment(db, report)
    clock.at = NOVEMBER + timedelta(days=1)
    login(client, coordinator)
    page = client.get(f"/jobs/{assignment.job_id}/hours").text
    wrong = client.post(
        f"/jobs/{assignment.job_id}/hours/{assignment.id}",
        data={"csrf_token": csrf_from(page), "started": "09:10", "ended": "12:00"},
    )
    assert wrong.status_code == 422 and "Viertelstunden" in wrong.text and 'value="09:10"' in wrong.text
    done = client.post(
        f"/jobs/{assignment.job_id}/hours/{assignment.id}",
        data={"csrf_token": csrf_from(page), "started": "09:00", "ended": "12:30", "confirm": "1"},
        follow_redirects=True,
    )
    assert "3,5 Stunden erfasst und bestätigt." in done.text and "(09:00–12:30 Uhr)" in done.text
    db.expire_all()
    stored = db.get(HoursReport, report.id)
    assert (stored.hours, stored.status, stored.started_at.astimezone(BERLIN).time()) == (
        Decimal("3.5"),
        HoursStatus.CONFIRMED,
        time(9),
    )


def test_counsellors_do_not_confirm_hours(client, db):
    counsellor = make_staff(db, role=StaffRole.COUNSELLOR)
    login(client, counsellor)
    assert client.get("/hours").status_code == 403
