"""Notices for one staff member, shown on their dashboard until they dismiss them.

"Anna Schmidt hat Ihren Fall 2026-000010 übernommen · 28.11.2026, 14:20 Uhr": whoever takes over a case
tells the colleague who counselled it, so nobody keeps calling a family someone else now looks after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base

MAX_TEXT = 300
SHOWN = 20  # the newest; older ones wait until these are dismissed


class StaffNotice(Base):
    """A message to one staff member (German), with the case it is about."""

    __tablename__ = "staff_notice"
    __table_args__ = (Index("ix_staff_notice_staff_id_dismissed_at", "staff_id", "dismissed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    dismissed_at: Mapped[datetime | None]


def tell(db: Session, *, staff_id: int, text: str, case_id: int | None, now: datetime) -> StaffNotice:
    notice = StaffNotice(staff_id=staff_id, text=text[:MAX_TEXT], case_id=case_id, created_at=now)
    db.add(notice)
    db.flush()
    return notice


def open_for(db: Session, *, staff_id: int) -> list[StaffNotice]:
    """The staff member's notices not yet dismissed, newest first."""
    query = select(StaffNotice).where(StaffNotice.staff_id == staff_id, StaffNotice.dismissed_at.is_(None))
    return list(db.scalars(query.order_by(StaffNotice.created_at.desc(), StaffNotice.id.desc()).limit(SHOWN)))


def dismiss(db: Session, *, notice_id: int, staff_id: int, now: datetime) -> bool:
    """Dismiss one's own notice; False for someone else's or an unknown one (nothing changes)."""
    notice = db.get(StaffNotice, notice_id)
    if notice is None or notice.staff_id != staff_id:
        return False
    notice.dismissed_at = notice.dismissed_at or now
    return True


# What a case owns here (see core.case_owned): a notice tells a colleague about that case (its number is in
# the text, its link leads on to the case it was merged into), so it stays; it holds no family data.
CASE_OWNED = (CaseOwned(StaffNotice, OnMerge.KEEP, Counts.NOTHING),)
