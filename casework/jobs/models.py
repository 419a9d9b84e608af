"""Care jobs (Einsätze) of a case."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.enums import JobKind, JobStatus
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base

if TYPE_CHECKING:
    from casework.cases.models import Case
    from casework.reference.models import Municipality


class CareJob(Base):
    """A concrete care or driving job (Einsatz) for a case."""

    __tablename__ = "care_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[JobKind]
    # Indexed: the statistics count a month's jobs by their start (reporting.statistics.months).
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    district: Mapped[str | None] = mapped_column(String(80))
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    carers_needed: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(4))
    # The code while the job is open; NULL afterwards, so open jobs never share a code.
    active_code: Mapped[str | None] = mapped_column(String(4), unique=True)
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="jobs", lazy="raise")
    municipality: Mapped[Municipality | None] = relationship(lazy="raise")


# What a case owns here (see core.case_owned); a job's assignments and hours hang on the job.
CASE_OWNED = (CaseOwned(CareJob, OnMerge.MOVE, Counts.CONTENT, anonymise=("district", "notes")),)
