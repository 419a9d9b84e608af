"""A bill's page shows where the bill stands as a badge in its tone (open, overdue, paid, cancelled), and the
hours page shows each report's status as a badge; the same tone means the same everywhere (core.badges)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from billing.bills.rules import PaymentState, payment_state
from casework.enums import BillStatus
from casework.jobs.models import CareJob
from core.models import StaffRole
from tests.billing.test_bill_documents import _issue
from tests.factories import csrf_from, login, make_staff


def badge(tone: str, text: str, id: str = "bill-status") -> str:
    return f'<span class="kern-badge kern-badge--{tone}" id="{id}"><span class="kern-label">{text}</span></span>'


def test_the_payment_state_follows_status_payment_and_due_date():
    due, before, after = date(2026, 12, 15), date(2026, 12, 15), date(2026, 12, 16)
    assert payment_state(BillStatus.ISSUED, paid=False, due=due, today=before) == PaymentState.OPEN
    assert payment_state(BillStatus.ISSUED, paid=False, due=due, today=after) == PaymentState.OVERDUE
    assert payment_state(BillStatus.ISSUED, paid=True, due=due, today=after) == PaymentState.PAID
    assert payment_state(BillStatus.CANCELLED, paid=False, due=due, today=after) == PaymentState.CANCELLED


def test_the_bill_page_shows_open_then_overdue_then_paid_as_badges(client, db, engine, clock):
    bill = _issue(db, engine)
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    clock.at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    login(client, staff)
    assert badge("info", "Offen") in client.get(f"/bills/{bill.id}").text
    clock.at = datetime(2026, 12, 16, 9, tzinfo=UTC)  # the day after the due date
    login(client, staff)
    page = client.get(f"/bills/{bill.id}").text
    assert badge("danger", "Überfällig") in page
    assert 'class="kern-btn kern-btn--primary"><span class="kern-label">Zahlung erfassen' in page
    paid = client.post(f"/bills/{bill.id}/paid", data={"csrf_token": csrf_from(page), "amount": "23,75"},
                       follow_redirects=True)  # fmt: skip
    assert badge("success", "Bezahlt") in paid.text


def test_the_hours_page_lists_the_job_facts_and_each_report_status_as_a_badge(client, db, engine):
    bill = _issue(db, engine)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    job_id = db.scalar(select(CareJob.id).where(CareJob.case_id == bill.case_id))
    page = client.get(f"/jobs/{job_id}/hours").text
    assert '<dt class="kern-description-list-item__key">Status</dt>' in page
    assert '<span class="kern-badge kern-badge--success"><span class="kern-label">Bestätigt</span></span>' in page
