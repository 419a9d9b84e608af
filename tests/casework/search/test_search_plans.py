"""The search's query plans stay index lookups on SQLite, which has no statistics (issue 23, item 5).

bench/case_search.py measures the speed with 1,000,000 cases; these tests catch the plan that made it slow:
an OR with one part no index serves walks every case newest first and tests each (six digits: 150 ms with
200,000 cases before `seq` had an index of its own).
"""

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from casework.cases.models import Case
from casework.search.rules import parse_query
from casework.search.service import CaseFilters, filter_conditions, search_condition
from tests.factories import make_case

BERLIN = ZoneInfo("Europe/Berlin")


def plan(db, typed: str) -> list[str]:
    """The plan of the case list's first page for `typed`, one line per step (PostgreSQL: the search alone)."""
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        where = filter_conditions(CaseFilters(query=parse_query(typed)), BERLIN, dialect)
    else:
        # The test table is empty: PostgreSQL would read it by any index the other conditions offer.
        where = [search_condition(parse_query(typed), dialect)]
    query = select(Case.id).where(*where).order_by(Case.opened_at.desc(), Case.id.desc()).limit(51)
    compiled = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if dialect == "sqlite":
        return [row[3] for row in db.execute(text("EXPLAIN QUERY PLAN " + compiled))]
    # PostgreSQL picks a plan by the table's statistics (an empty test table is read whole); with table scans
    # priced out, the plan shows whether the indexes can serve the search at all.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    lines = [row[0] for row in db.execute(text("EXPLAIN " + compiled))]
    db.rollback()
    return lines


@pytest.fixture
def sqlite_only(db):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plans: PostgreSQL plans by its statistics")


@pytest.mark.parametrize("typed", ["123456", "051116"])
def test_six_digits_are_looked_up_in_the_case_number_index_and_the_phone_index(db, sqlite_only, typed):
    # A case number without its year ORed with the last digits (123456) or a national prefix (051116).
    steps = plan(db, typed)
    joined = " | ".join(steps)
    assert "MULTI-INDEX OR" in joined, joined
    assert "SEARCH case USING INDEX ix_case_seq (seq=?)" in joined, joined
    assert not any(step.startswith("SCAN case") for step in steps), joined


def test_six_digits_can_use_the_case_number_index_on_postgresql(db):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the SQLite plan is checked above")
    joined = " | ".join(plan(db, "123456"))
    assert "ix_case_seq" in joined, joined


def test_a_name_finds_its_start_and_later_words_newest_first_but_no_merged_case(db):
    # What a faster plan for names (no index serves a later word yet) has to keep.
    lena = make_case(db, caller_name="Lena Quirin Müller")
    make_case(db, caller_name="Ida Müllerova")
    make_case(db, caller_name="Müllerschön Paul")  # the start of the name
    make_case(db, caller_name="Anna Schmidt")
    merged = make_case(db, caller_name="Tom Müller")
    merged.merged_into_id = lena.id
    db.commit()
    where = filter_conditions(CaseFilters(query=parse_query("müller")), BERLIN, db.get_bind().dialect.name)
    found = db.scalars(select(Case.caller_name).where(*where).order_by(Case.opened_at.desc(), Case.id.desc())).all()
    assert found == ["Müllerschön Paul", "Ida Müllerova", "Lena Quirin Müller"]
