"""A case's bills in its timeline: billing stands above case work, so the case page's view adds them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import Bill
from casework.timeline.service import Entry


def entries_for_case(db: Session, *, case_id: int) -> list[Entry]:
    bills = db.scalars(select(Bill).where(Bill.case_id == case_id))
    return [
        Entry(b.issued_at, "bill", f"Rechnung {b.number}", f"Status: {b.status.label}", extra={"total": b.total})
        for b in bills
    ]
