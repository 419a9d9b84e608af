"""The case list: filters, search and keyset pagination (newest first, by opened_at and id).

Keyset pagination asks for "the 50 cases before this one" instead of "page 2000", so every page is an
index range scan however many cases there are, and rows inserted meanwhile cause no duplicates or gaps.

Sorted by another column (`casework.search.rules.CASE_COLUMNS`) the cursor is that column's value and the id
(`SortCursor`): the order is (the value is missing, the value, id), so cases without a caller's name or a
municipality come last in either direction and ties keep a stable order by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, any_, bindparam, case, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, selectinload

from casework.callbacks import service as callbacks
from casework.cases.models import Case, CaseNameWord
from casework.enums import CaseStatus, Need
from casework.reference.models import Municipality
from casework.search.rules import DEFAULT_CASE_SORT, NEED_RANK, STATUS_RANK, SearchQuery, prefix_upper_bound
from core.clock import day_start
from core.models import Staff
from core.sorting import Sort

PAGE_SIZE = 50
UNASSIGNED = -1  # counsellor filter value for "nobody yet"
INDEXED_SORTS = ("opened", "number")  # the orders an index of the case table holds
# Up to this many cases whose name has a word starting with the search, the list reads their ids from the name
# words' index (`case_name_word`) and then those cases; a more common name is found by walking the cases newest
# first, where 50 matches come soon (reading 2,000 matches to sort them costs what a walk to 50 of them does at a
# million cases, bench/case_search.py).
NAME_WORDS_CAP = 2000


@dataclass(frozen=True)
class Cursor:
    opened_at: datetime
    id: int

    def encode(self) -> str:
        micros = int(self.opened_at.timestamp() * 1_000_000)
        return f"{micros}.{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """A cursor from the URL; a damaged one means "first page", never an error."""
        try:
            micros, ident = (raw or "").split(".")
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(ident))
        except (ValueError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class SortCursor:
    """Where a page of a list sorted by another column ends: that column's value (None: missing) and the id."""

    value: str | int | datetime | None
    id: int

    def encode(self) -> str:
        if self.value is None:
            return f"{self.id}.n"
        if isinstance(self.value, datetime):
            return f"{self.id}.t{int(self.value.timestamp() * 1_000_000)}"
        if isinstance(self.value, int):
            return f"{self.id}.i{self.value}"
        return f"{self.id}.s{self.value}"

    @classmethod
    def decode(cls, raw: str | None) -> SortCursor | None:
        """A cursor from the URL; a damaged one means "first page", never an error."""
        try:
            ident, value = (raw or "").split(".", 1)
            kind, text = value[:1], value[1:]
            if kind == "n" and not text:
                return cls(None, int(ident))
            if kind == "t":
                return cls(datetime.fromtimestamp(int(text) / 1_000_000, UTC), int(ident))
            if kind == "i":
                return cls(int(text), int(ident))
            if kind == "s":
                return cls(text, int(ident))
        except (ValueError, OverflowError, OSError):
            pass
        return None


def decode_cursor(raw: str | None, sort: Sort) -> Cursor | SortCursor | None:
    """The cursor of a next-page link in the list's order."""
    return Cursor.decode(raw) if sort == DEFAULT_CASE_SORT else SortCursor.decode(raw)


def sort_key(key: str) -> tuple[Any, bool]:
    """The SQL value a case list sorted by `key` is ordered by, and whether it may be missing (NULL)."""
    if key == "number":
        return Case.number, False
    if key == "opened":
        return Case.opened_at, False
    if key == "caller":
        return Case.caller_name_search, True
    if key == "need":
        return case(NEED_RANK, value=Case.need, else_=None), True
    if key == "status":
        return case(STATUS_RANK, value=Case.status, else_=len(STATUS_RANK)), False
    if key == "municipality":
        return select(Municipality.name).where(Municipality.id == Case.municipality_id).scalar_subquery(), True
    if key == "counsellor":
        return select(Staff.name).where(Staff.id == Case.counsellor_id).scalar_subquery(), True
    raise ValueError(f"unknown sort key: {key}")


def _after(value: Any, nullable: bool, cursor: SortCursor, descending: bool) -> ColumnElement[bool]:
    """The rows after `cursor` in the order (value IS NULL, value, id), both ascending or both descending."""

    def beyond(left: Any, right: Any) -> ColumnElement[bool]:
        return left < right if descending else left > right  # type: ignore[no-any-return]

    if cursor.value is None:
        return and_(value.is_(None), beyond(Case.id, cursor.id))
    later = or_(beyond(value, cursor.value), and_(value == cursor.value, beyond(Case.id, cursor.id)))
    return or_(later, value.is_(None)) if nullable else later


@dataclass(frozen=True)
class CaseFilters:
    statuses: tuple[CaseStatus, ...] = ()
    needs: tuple[Need, ...] = ()
    municipality_id: int | None = None
    counsellor_id: int | None = None
    opened_from: date | None = None
    opened_until: date | None = None
    query: SearchQuery = SearchQuery()


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: Cursor | SortCursor | None
    voicemail_case_ids: frozenset[int] = frozenset()  # the cases whose calls left a voicemail


def _prefix(column: Any, prefix: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # LIKE 'prefix%' uses the varchar_pattern_ops index in any collation.
        return column.startswith(prefix, autoescape=True)  # type: ignore[no-any-return]
    return and_(column >= prefix, column < prefix_upper_bound(prefix))


def name_matches(db: Session, prefix: str) -> list[int] | None:
    """The ids of the cases whose name has a word starting with `prefix`, read from the name words' index, when
    there are fewer than `NAME_WORDS_CAP`; None for a more common name.

    The ids themselves, not the words' subquery, go into the list's query: PostgreSQL guessed the subquery's
    matches from its statistics, and where a fresh ANALYZE's sample put "Elif Sa" at 9,846 words instead of 1,213
    it walked the cases newest first probing each one's words (95–166 ms at a million cases, the case list's
    figure 11 ms otherwise: bench/notes.md). With the ids it knows how many there are."""
    matches = select(CaseNameWord.case_id).where(_prefix(CaseNameWord.suffix, prefix, db.get_bind().dialect.name))
    ids = list(db.scalars(matches.limit(NAME_WORDS_CAP)))
    return ids if len(ids) < NAME_WORDS_CAP else None


def search_condition(
    query: SearchQuery, dialect: str, *, name_case_ids: Sequence[int] | None = None
) -> ColumnElement[bool] | None:
    """The ORed criteria of a search query, or None when nothing was searched. `name_case_ids`: the cases a name
    search found in the name words' index (`name_matches`), instead of testing each case's name."""
    parts: list[ColumnElement[bool]] = []
    if query.number:
        parts.append(Case.number == query.number)
    if query.seq is not None:
        parts.append(Case.seq == query.seq)
    if query.phone_prefix:
        parts.append(_prefix(Case.caller_phone, query.phone_prefix, dialect))
    if query.phone_suffix_reversed:
        # The last digits of a number: a prefix of the reversed digits, an index range scan too.
        parts.append(_prefix(Case.caller_phone_reversed, query.phone_suffix_reversed, dialect))
    if query.name_prefix and name_case_ids is not None:
        # The start of the name or of a later word ("Müller" finds "Lena Müller"), found in one index range.
        parts.append(_one_of(Case.id, name_case_ids, dialect))
    elif query.name_prefix:
        parts.append(_prefix(Case.caller_name_search, query.name_prefix, dialect))
        # A later word of the name too ("Müller" finds "Lena Müller"): not indexed, but only for names.
        parts.append(Case.caller_name_search.contains(" " + query.name_prefix, autoescape=True))
    return or_(*parts) if parts else None


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    return day_start(day, zone).astimezone(UTC)


def filter_conditions(
    filters: CaseFilters,
    zone: ZoneInfo,
    dialect: str,
    sort: Sort = DEFAULT_CASE_SORT,
    *,
    name_case_ids: Sequence[int] | None = None,
) -> list[ColumnElement[bool]]:
    # Merged cases live on in their target. Not `merged_into_id IS NULL` on SQLite: without statistics (the app
    # never runs ANALYZE) it read every case through that index and sorted them (2 s for the first page of
    # 200,000 cases, bench/case_search.py); as in reporting.statistics, the newest-first index is used instead.
    # PostgreSQL knows from its statistics how few cases are merged, but not what the coalesce() selects: it
    # took it for 0.5 % of the cases and read the whole table for any name (58 ms with 200,000 cases; a common
    # name 5 ms once it walks the newest-first index). In an order an index holds (opened, number) it stops
    # after one page; an order by a computed value sorts every case anyway, and there the underestimate let
    # it share the work among parallel workers (by counsellor: 184 ms, 374 ms with IS NULL).
    merged: ColumnElement[bool]
    if dialect == "postgresql" and sort.key in INDEXED_SORTS:
        merged = Case.merged_into_id.is_(None)
    else:
        merged = func.coalesce(Case.merged_into_id, 0) == 0
    where: list[ColumnElement[bool]] = [merged]
    if filters.statuses:
        where.append(Case.status.in_(filters.statuses))
    if filters.needs:
        where.append(Case.need.in_(filters.needs))
    if filters.municipality_id is not None:
        where.append(Case.municipality_id == filters.municipality_id)
    if filters.counsellor_id == UNASSIGNED:
        where.append(Case.counsellor_id.is_(None))
    elif filters.counsellor_id is not None:
        where.append(Case.counsellor_id == filters.counsellor_id)
    if filters.opened_from:
        where.append(Case.opened_at >= local_day_start(filters.opened_from, zone))
    if filters.opened_until:
        where.append(Case.opened_at < local_day_start(filters.opened_until + timedelta(days=1), zone))
    if (search := search_condition(filters.query, dialect, name_case_ids=name_case_ids)) is not None:
        where.append(search)
    return where


def list_cases(
    db: Session,
    *,
    filters: CaseFilters,
    zone: ZoneInfo,
    after: Cursor | SortCursor | None = None,
    limit: int = PAGE_SIZE,
    sort: Sort = DEFAULT_CASE_SORT,
) -> CasePage:
    """One page of cases matching the filters in the order `sort` (newest first), starting after `after`.

    A search term that was too short (`filters.query.problem`) finds nothing rather than everything.
    """
    if filters.query.problem:
        return CasePage(cases=[], next_cursor=None)
    if sort != DEFAULT_CASE_SORT:
        return _sorted_page(db, filters=filters, zone=zone, after=after, limit=limit, sort=sort)
    dialect = db.get_bind().dialect.name
    name_case_ids = _name_case_ids(db, filters)
    query = select(Case).where(*filter_conditions(filters, zone, dialect, name_case_ids=name_case_ids))
    if isinstance(after, Cursor):
        query = query.where(tuple_(Case.opened_at, Case.id) < (after.opened_at, after.id))
    query = query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit + 1)
    query = query.options(selectinload(Case.counsellor), selectinload(Case.municipality))
    rows = list(db.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(
        cases=rows,
        next_cursor=Cursor(rows[-1].opened_at, rows[-1].id) if more and rows else None,
        voicemail_case_ids=frozenset(callbacks.with_voicemail(db, case_ids=[case.id for case in rows])),
    )


def _name_case_ids(db: Session, filters: CaseFilters) -> list[int] | None:
    prefix = filters.query.name_prefix
    return name_matches(db, prefix) if prefix is not None else None


def _one_of(column: Any, ids: Sequence[int], dialect: str) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `= ANY(:ids)`, one array parameter rather than up to 2,000."""
    if dialect == "postgresql":
        return column == any_(bindparam("name_case_ids", list(ids), type_=postgresql.ARRAY(Integer)))  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


def _sorted_page(
    db: Session, *, filters: CaseFilters, zone: ZoneInfo, after: Cursor | SortCursor | None, limit: int, sort: Sort
) -> CasePage:
    """A page in another order than the default: keyset over (value missing, value, id)."""
    dialect = db.get_bind().dialect.name
    value, nullable = sort_key(sort.key)
    name_case_ids = _name_case_ids(db, filters)
    query = select(Case, value).where(*filter_conditions(filters, zone, dialect, sort, name_case_ids=name_case_ids))
    if isinstance(after, SortCursor):
        query = query.where(_after(value, nullable, after, sort.descending))
    order = [value.desc(), Case.id.desc()] if sort.descending else [value.asc(), Case.id.asc()]
    query = query.order_by(*([value.is_(None)] if nullable else []), *order).limit(limit + 1)
    query = query.options(selectinload(Case.counsellor), selectinload(Case.municipality))
    rows = [(row[0], row[1]) for row in db.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    cases = [row[0] for row in rows]
    return CasePage(
        cases=cases,
        next_cursor=SortCursor(rows[-1][1], rows[-1][0].id) if more and rows else None,
        voicemail_case_ids=frozenset(callbacks.with_voicemail(db, case_ids=[case.id for case in cases])),
    )
