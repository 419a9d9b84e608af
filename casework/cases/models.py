"""Cases, the people needing care, their time windows, notes and status history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    event,
    insert,
    inspect,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from casework.cases.rules import age_text
from casework.enums import Affiliation, CaseChannel, CaseStatus, Need
from casework.search.rules import name_words, reversed_digits
from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base

if TYPE_CHECKING:
    from casework.calls.models import Call
    from casework.jobs.models import CareJob
    from casework.reference.models import Municipality, Partner
    from core.models import Staff


class YearlyCounter(Base):
    """The last running number handed out per kind and year (cases `2026-000123`, bills).

    Taken with one atomic upsert that holds the row until the transaction ends: two cases opened at
    the same moment get consecutive numbers and never the same one, and a rolled-back case gives its
    number back.
    """

    __tablename__ = "yearly_counter"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int]


class Case(Base):
    """One counselling case (Krisenberatung)."""

    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_case_status_opened_at", "status", "opened_at"),
        Index("ix_case_opened_at_id", "opened_at", "id"),
        # Six digits typed into the search are also a case number without its year (`seq`), ORed with a
        # phone prefix or the last digits: with an index of its own each part is an index lookup (SQLite's
        # multi-index OR) instead of a walk through every case (unique (year, seq) cannot serve seq alone).
        Index("ix_case_seq", "seq"),
        # Search and list filters stay index scans with a million cases. On PostgreSQL the pattern
        # operator class lets `LIKE 'prefix%'` use the index whatever the database collation is.
        Index(
            "ix_case_caller_phone_opened_at", "caller_phone", "opened_at",
            postgresql_ops={"caller_phone": "varchar_pattern_ops"},
        ),
        Index(
            "ix_case_caller_name_search_pattern", "caller_name_search",
            postgresql_ops={"caller_name_search": "varchar_pattern_ops"},
        ),
        # Search by the last digits of a number ("23456789" finds +4915123456789): a suffix search
        # can use no index, so the digits are also stored reversed and searched by prefix.
        Index(
            "ix_case_caller_phone_reversed", "caller_phone_reversed",
            postgresql_ops={"caller_phone_reversed": "varchar_pattern_ops"},
        ),
        Index("ix_case_callback_needed_opened_at", "callback_needed", "opened_at"),
        Index("ix_case_counsellor_id_opened_at", "counsellor_id", "opened_at"),
        Index("ix_case_municipality_id_opened_at", "municipality_id", "opened_at"),
        Index("ix_case_need_opened_at", "need", "opened_at"),
        # Covering for the statistics (reporting.statistics.service.figure_cells): a period's sessions by need,
        # municipality and partner are counted from the index alone, not from the wide case rows.
        Index(
            "ix_case_statistics",
            "opened_at", "merged_into_id", "channel", "status", "need", "municipality_id", "partner_id",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    opened_at: Mapped[datetime]
    channel: Mapped[CaseChannel]
    caller_name: Mapped[str | None] = mapped_column(String(160))
    # Indexed below together with opened_at / as pattern indexes, which also serve equality.
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    # The digits of caller_phone in reverse order (`+4915123456789` → `9876543215194`), kept in step
    # by the attribute event below (every ORM write) and by the insert default (bulk inserts).
    caller_phone_reversed: Mapped[str | None] = mapped_column(
        String(20), default=lambda context: _reversed_default(context)
    )
    caller_name_search: Mapped[str | None] = mapped_column(String(160))
    need: Mapped[Need | None]
    status: Mapped[CaseStatus] = mapped_column(default=CaseStatus.NEW)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    callback_needed: Mapped[bool] = mapped_column(default=False)
    callback_claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    callback_claimed_at: Mapped[datetime | None]
    callback_outcome: Mapped[str | None] = mapped_column(Text)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    district: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(Text)
    affiliation: Mapped[Affiliation] = mapped_column(default=Affiliation.NONE)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    employer_municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    # The employer when it is not a partner from the list (no reduction, but the statistics ask).
    employer_name: Mapped[str | None] = mapped_column(String(160))
    # A student in Hannover: the semester the status is valid for ("WiSe 2026/27"; billing.tariff.rules).
    student_semester: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The family agreed on the phone to a short SMS when a carer is coming (separate from the consent
    # to data processing above: that one does not cover texting them).
    sms_consent: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    # Set when retention has removed the personal data; the row stays for the statistics.
    anonymised_at: Mapped[datetime | None]
    # Set when the case was merged into another case of the same family (a repeat caller's call added to
    # their open case, or two cases joined): it is shown nowhere any more and counts as no counselling.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # lazy="raise": a list reading these per row would run a query per row; the queries that read them load them
    # (selectinload/joinedload). tests/core/test_relationship_loading.py keeps every relationship so.
    counsellor: Mapped[Staff | None] = relationship(foreign_keys=[counsellor_id], lazy="raise")
    municipality: Mapped[Municipality | None] = relationship(foreign_keys=[municipality_id], lazy="raise")
    partner: Mapped[Partner | None] = relationship(lazy="raise")
    persons: Mapped[list[CarePerson]] = relationship(back_populates="case", order_by="CarePerson.id", lazy="raise")
    windows: Mapped[list[CareWindow]] = relationship(
        back_populates="case", order_by="CareWindow.starts_at", lazy="raise"
    )
    calls: Mapped[list[Call]] = relationship(back_populates="case", order_by="Call.created_at", lazy="raise")
    jobs: Mapped[list[CareJob]] = relationship(back_populates="case", order_by="CareJob.id", lazy="raise")


def _reversed_default(context: DefaultExecutionContext) -> str | None:
    # SQLAlchemy leaves this method unannotated; it returns the row's parameters as a dict.
    parameters: dict[str, str | None] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return reversed_digits(parameters.get("caller_phone"))


@event.listens_for(Case.caller_phone, "set")
def _keep_reversed_digits(target: Case, value: str | None, _old: object, _initiator: object) -> None:
    """Whoever sets a case's number (a call, the case form, a merge) also sets its reversed digits."""
    target.caller_phone_reversed = reversed_digits(value)


class CaseNameWord(Base):
    """A case's searchable name from one of its words on (`casework.search.rules.name_words`): "lena maria müller",
    "maria müller", "müller". Searching the start of any word of a name ("Müller" finds "Lena Müller") is then an
    index range here; on the case table it is `LIKE '% müller%'`, which reads every case (a rare name at a million
    cases: 0.5 s, bench/case_search.py). Kept in step with `Case.caller_name_search` by the mapper events below
    (every ORM write) and by the writers that bypass the ORM: the history (`fluxx.history.rows`), the anonymisation
    (`retention.service` deletes the rows: `anonymise_deletes` below), migration 0023 and the benchmark data."""

    __tablename__ = "case_name_word"
    # Covering: a search reads the case ids from the index alone.
    __table_args__ = (
        Index("ix_case_name_word_suffix", "suffix", "case_id", postgresql_ops={"suffix": "varchar_pattern_ops"}),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    suffix: Mapped[str] = mapped_column(String(160), primary_key=True)


NAME_WORDS = cast(Table, CaseNameWord.__table__)  # for the Core statements that keep it in step


def write_name_words(connection: Connection, cases: Iterable[tuple[int, str | None]]) -> int:
    """Insert the `case_name_word` rows of these (case id, searchable name) pairs; how many rows."""
    rows = [{"case_id": case_id, "suffix": suffix} for case_id, key in cases for suffix in name_words(key)]
    if rows:
        connection.execute(insert(NAME_WORDS), rows)
    return len(rows)


@event.listens_for(Case, "after_insert")
def _insert_name_words(_mapper: Mapper[Case], connection: Connection, target: Case) -> None:
    """A case written through the ORM (opened by hand, from a call, in the tests) gets its name's words."""
    write_name_words(connection, [(target.id, target.caller_name_search)])


@event.listens_for(Case, "after_update")
def _replace_name_words(_mapper: Mapper[Case], connection: Connection, target: Case) -> None:
    """Whoever changes a case's name through the ORM (the case form, a merge) also replaces its words."""
    if not inspect(target).attrs.caller_name_search.history.has_changes():
        return
    connection.execute(delete(NAME_WORDS).where(NAME_WORDS.c.case_id == target.id))
    write_name_words(connection, [(target.id, target.caller_name_search)])


class CarePerson(Base):
    """Who needs care in a case; minimised: first name or initials, age or need."""

    __tablename__ = "care_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    age_years: Mapped[int | None]
    age_months: Mapped[int | None]
    """Set when the age was given in months (babies: "4 Monate"); `age_years` is then the whole years in it."""
    need_description: Mapped[str | None] = mapped_column(Text)
    special_requirements: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="persons", lazy="raise")

    @property
    def age_label(self) -> str:
        """ "4 Mon." or "3 J." (empty without an age), as the case page and the job page show it."""
        return age_text(self.age_years, self.age_months, short=True)


class CareWindow(Base):
    """A time window in which the family needs care."""

    __tablename__ = "care_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="windows", lazy="raise")


class CaseNote(Base):
    """A note on a case; append-only."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CaseStatusChange(Base):
    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[CaseStatus | None]
    to_status: Mapped[CaseStatus]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]


# What a case owns here (see core.case_owned). The status history stays with its case: a merged case keeps
# how it was opened and closed, and the target's history is not mixed with another case's.
CASE_OWNED = (
    CaseOwned(CaseNote, OnMerge.MOVE, Counts.CONTENT, anonymise=("body",)),
    CaseOwned(
        CarePerson, OnMerge.MOVE, Counts.CONTENT, anonymise=("label", "need_description", "special_requirements")
    ),
    CaseOwned(CareWindow, OnMerge.MOVE, Counts.CONTENT),
    CaseOwned(CaseStatusChange, OnMerge.KEEP, Counts.NOTHING),  # every case has one from its opening
    # A merged case keeps its name's words (the target's are written when it takes the name over); the
    # anonymisation deletes them with the name rather than blanking a key.
    CaseOwned(CaseNameWord, OnMerge.KEEP, Counts.NOTHING, anonymise_deletes=True),
)
