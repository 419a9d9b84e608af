"""Call-back attempts: every time staff called a family back, who did, when, and how it went."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.callbacks.rules import CallbackOutcome
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base

if TYPE_CHECKING:
    from core.models import Staff


class CallbackAttempt(Base):
    """One call back to a family ("1. Versuch … · Nicht erreicht"); append-only."""

    __tablename__ = "callback_attempt"
    # The dashboard counts the attempts per case and their latest time in one grouped query.
    __table_args__ = (Index("ix_callback_attempt_case_id_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]
    outcome: Mapped[CallbackOutcome]
    note: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id], lazy="raise")


# What a case owns here (see core.case_owned): an attempt to call the family back touches the case, but
# nothing was entered into it.
CASE_OWNED = (CaseOwned(CallbackAttempt, OnMerge.MOVE, Counts.ACTIVITY, anonymise=("note",)),)
