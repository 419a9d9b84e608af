"""Finding a case by the last digits of a number, and terms too short to search (issue 11, point 8)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text

from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus
from casework.search.rules import SearchQuery, parse_query, reversed_digits
from casework.search.service import CaseFilters, list_cases, search_condition
from tests.factories import T0, login, make_case, make_staff

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_last_digits_of_a_number_are_searched_as_a_prefix_of_the_reversed_digits():
    query = parse_query("23456789")
    assert query.phone_suffix_reversed == "98765432"
    assert query.problem is None
    # Spaces and dashes typed between the digits do not matter.
    assert parse_query("2345 67-89").phone_suffix_reversed == "98765432"


def test_national_and_international_numbers_are_still_prefixes_not_last_digits():
    for typed in ("0151 2345 6789", "+49151 2345 6789", "0049 151 23456789", "(0151) 23456789"):
        query = parse_query(typed)
        assert query == SearchQuery(phone_prefix="+4915123456789"), typed
    assert parse_query("051116") == SearchQuery(seq=51116, phone_prefix="+4951116")


def test_six_digits_without_a_leading_zero_are_a_case_number_or_last_digits():
    assert parse_query("456789") == SearchQuery(seq=456789, phone_suffix_reversed="987654")


def test_the_stored_reversed_digits_ignore_the_plus():
    assert reversed_digits("+4915123456789") == "9876543215194"
    assert reversed_digits(None) is None and reversed_digits("") is None


@pytest.mark.parametrize("typed", ["1", "12", "123", "0 5 1", "+49", "M", "ö."])
def test_a_term_too_short_is_not_searched_and_says_why(typed):
    query = parse_query(typed)
    assert query.empty
    assert query.problem == (
        f"Der Suchbegriff „{typed}“ ist zu kurz. Bitte mindestens 4 Ziffern einer Telefonnummer "
        "oder 2 Buchstaben eines Namens eingeben."
    )


def test_four_digits_and_two_letters_are_enough():
    assert parse_query("6789").phone_suffix_reversed == "9876" and parse_query("6789").problem is None
    assert parse_query("Li") == SearchQuery(name_prefix="li")


def test_a_term_without_letters_or_digits_is_not_searched_and_says_so():
    assert parse_query("--").problem == (
        "Nach „--“ kann nicht gesucht werden. Bitte eine Fallnummer, einen Namen oder eine Telefonnummer eingeben."
    )
    assert parse_query("").problem is None and parse_query("   ").problem is None


def test_the_service_finds_a_case_by_the_last_digits_and_only_that_one(db):
    wanted = make_case(db, caller_phone="+4915123456789", caller_name="Lena Müller")
    make_case(db, caller_phone="+4915123456780", opened_at=T0 + timedelta(minutes=1))
    make_case(db, caller_phone="+495112345678", opened_at=T0 + timedelta(minutes=2))
    for typed in ("23456789", "6789", "0151 2345 6789", "+49151 23456789", "4915123456789"):
        page = list_cases(db, filters=CaseFilters(query=parse_query(typed)), zone=BERLIN)
        assert [case.id for case in page.cases] == [wanted.id], typed


def test_a_changed_number_changes_the_reversed_digits(db):
    case = make_case(db, caller_phone="+4915123456789")
    case.caller_phone = "+495117654321"
    db.commit()
    assert db.scalar(select(Case.caller_phone_reversed).where(Case.id == case.id)) == "123456711594"
    assert list_cases(db, filters=CaseFilters(query=parse_query("23456789")), zone=BERLIN).cases == []
    case.caller_phone = None
    db.commit()
    assert db.scalar(select(Case.caller_phone_reversed).where(Case.id == case.id)) is None


def test_a_bulk_insert_fills_the_reversed_digits_too(db):
    row = {"number": "2026-900001", "year": 2026, "seq": 900001, "opened_at": T0, "channel": CaseChannel.PHONE,
           "caller_phone": "+4917612345678", "status": CaseStatus.NEW, "created_at": T0, "updated_at": T0}  # fmt: skip
    db.execute(insert(Case), [row])
    db.commit()
    assert db.scalar(select(Case.caller_phone_reversed).where(Case.number == "2026-900001")) == "8765432167194"


def test_a_too_short_term_lists_nothing_instead_of_everything(db):
    make_case(db, caller_phone="+4915123456789")
    assert list_cases(db, filters=CaseFilters(query=parse_query("89")), zone=BERLIN).cases == []


def test_the_case_list_tells_when_a_term_is_too_short(client, db):
    staff = make_staff(db)
    make_case(db, caller_phone="+4915123456789", caller_name="Lena Müller")
    login(client, staff)
    page = client.get("/cases", params={"q": "89"}).text
    assert "Der Suchbegriff „89“ ist zu kurz." in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="q-help q-error"' in page
    assert "Lena Müller" not in page
    found = client.get("/cases", params={"q": "23456789"}).text
    assert "Lena Müller" in found and "zu kurz" not in found


def test_every_staff_page_offers_the_search_in_the_header(client, db):
    staff = make_staff(db)
    login(client, staff)
    for path in ("/", "/cases", "/cases/new"):
        page = client.get(path).text
        header = page.split('<header class="top">')[1].split("</header>")[0]
        assert '<form method="get" action="/cases" role="search"' in header, path
        assert '<label for="top-q" class="visually-hidden">Fall finden' in header, path


def test_the_last_digits_search_is_an_index_range_scan_not_a_table_scan(db):
    dialect = db.get_bind().dialect.name
    condition = search_condition(parse_query("23456789"), dialect)
    query = select(Case.id).where(condition).order_by(Case.opened_at.desc(), Case.id.desc()).limit(51)
    compiled = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if dialect == "sqlite":
        plan = " | ".join(row[3] for row in db.execute(text("EXPLAIN QUERY PLAN " + compiled)))
        assert "USING INDEX ix_case_caller_phone_reversed (caller_phone_reversed>? AND caller_phone_reversed<?)" in plan
        assert "SCAN case" not in plan
        return
    # PostgreSQL picks a plan by the table's statistics (an empty test table is read whole); with table scans
    # priced out, the plan shows whether the pattern index can serve LIKE '9876…%' at all.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    plan = " | ".join(row[0] for row in db.execute(text("EXPLAIN " + compiled)))
    db.rollback()
    assert "ix_case_caller_phone_reversed" in plan, plan
    assert "Seq Scan" not in plan, plan
