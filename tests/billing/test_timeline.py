"""A case's bills stand in its timeline: billing is above case work, so the case page's view adds them."""

from datetime import date, timedelta
from decimal import Decimal

from billing import timeline
from billing.models import Bill
from casework.enums import BillStatus
from tests.factories import T0, login, make_case, make_staff


def test_the_case_page_shows_the_bills_of_the_case(client, db):
    staff = make_staff(db)
    case = make_case(db, opened_at=T0 - timedelta(days=30), caller_phone="+495111234567")
    other = make_case(db, opened_at=T0 - timedelta(days=30), caller_phone="+495117654321")
    db.add_all([
        Bill(number="2026-R-0007", year=2026, seq=7, case_id=case.id, period_month=date(2026, 10, 1),
             status=BillStatus.CANCELLED, total=Decimal("42.50"), issued_at=T0 - timedelta(days=1)),
        Bill(number="2026-R-0008", year=2026, seq=8, case_id=other.id, period_month=date(2026, 10, 1),
             total=Decimal("10.00"), issued_at=T0 - timedelta(days=1)),
    ])  # fmt: skip
    db.commit()
    (entry,) = timeline.entries_for_case(db, case_id=case.id)
    assert (entry.kind, entry.title, entry.body, entry.extra) == (
        "bill", "Rechnung 2026-R-0007", "Status: Storniert", {"total": Decimal("42.50")},
    )  # fmt: skip
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert "Rechnung 2026-R-0007" in page and "2026-R-0008" not in page
