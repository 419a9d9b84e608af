"""The statistics kept per local month (`reporting.statistics.months`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class StatisticsMonth(Base):
    """One local month (Europe/Berlin) of the statistics: its figures as counted, and whether they still hold.

    Triggers in the database (migration 0025) add one to `changes` whenever a row that a figure of the month
    reads is written: a case opened in it, its calls, jobs, assignments and hours, a job starting in it, and any
    partner window. The figures hold while `counted` equals `changes` and `now` lies in [valid_from, valid_until):
    a job whose end passes makes it done, which changes the month without a write.
    """

    __tablename__ = "statistics_month"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # `2026-03`
    starts_at: Mapped[datetime]  # the first instant of the local month, UTC
    # The first instant after it. Indexed: a trigger looks up the months of a moment (`ends_at > :moment AND
    # starts_at <= :moment`); for the hotline's writes, all in the current month, the index finds no row at once.
    ends_at: Mapped[datetime] = mapped_column(index=True)
    changes: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int | None]  # `changes` when the figures were counted; NULL: never counted
    valid_from: Mapped[datetime | None]  # NULL: since ever
    valid_until: Mapped[datetime | None]  # NULL: for ever
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
