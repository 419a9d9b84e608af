"""The case list sorted by its columns: the URL's sort read safely, and keyset pages in every order.

The data set has ties (cases opened in the same minute, shared names, statuses, municipalities) and
missing values (no caller's name, no need, no municipality, nobody counselling), so every page boundary
falls between equal values somewhere: each walk must show every case exactly once, in order.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from casework.cases.models import Case
from casework.enums import Affiliation, CaseChannel, CaseStatus, Need
from casework.reference.models import Municipality
from casework.search.rules import CASE_COLUMNS, DEFAULT_CASE_SORT, NEED_RANK, STATUS_RANK, parse_case_sort
from casework.search.service import CaseFilters, Cursor, SortCursor, decode_cursor, list_cases
from core.sorting import Sort, SortLinks, describe
from tests.factories import make_staff

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NAMES = ["berta", None, "anna", "carl", "anna", None, "dora", "berta"]
N = 41


# --- reading the URL ---------------------------------------------------------------------------------------


def test_the_default_order_is_newest_first():
    assert parse_case_sort(None, None) == DEFAULT_CASE_SORT == Sort("opened", "desc")
    assert parse_case_sort("", "") == DEFAULT_CASE_SORT


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("opened", "asc", Sort("opened", "asc")),
        ("caller", "desc", Sort("caller", "desc")),
        ("caller", "", Sort("caller", "asc")),  # a column's usual direction
        ("number", None, Sort("number", "desc")),
        ("opened", "sideways", Sort("opened", "desc")),  # the default's direction for the default column
        ("status", "ASC", Sort("status", "asc")),
        ("-municipality", "", Sort("municipality", "desc")),
        (" need ", "desc", Sort("need", "desc")),
    ],
)
def test_a_known_column_is_read_with_its_direction(sort, direction, expected):
    assert parse_case_sort(sort, direction) == expected


@pytest.mark.parametrize("sort", ["telephone", "opened_at; drop table case", "-", "id", "Opened", "ö"])
def test_an_unknown_column_falls_back_to_the_default(sort):
    assert parse_case_sort(sort, "asc") == DEFAULT_CASE_SORT


def test_the_order_is_said_in_german():
    assert describe(Sort("opened", "asc"), CASE_COLUMNS) == "sortiert nach Eröffnet, älteste zuerst"
    assert describe(Sort("opened", "desc"), CASE_COLUMNS) == "sortiert nach Eröffnet, neueste zuerst"
    assert describe(Sort("caller", "desc"), CASE_COLUMNS) == "sortiert nach Anrufer/in, Z bis A"


def test_header_links_keep_the_filters_and_turn_the_sorted_column_round():
    links = SortLinks("/cases", CASE_COLUMNS, Sort("opened", "desc"), DEFAULT_CASE_SORT,
                      {"q": "Müller", "status": ["new", "in_counselling"], "need": "", "after": ""})  # fmt: skip
    assert links.href("opened") == "/cases?q=M%C3%BCller&status=new&status=in_counselling&sort=opened&dir=asc"
    assert links.href("caller").endswith("&sort=caller&dir=asc")
    assert links.aria_sort("opened") == "descending" and links.aria_sort("caller") is None
    assert links.params() == {}  # the default order needs nothing in the URL
    sorted_by_name = SortLinks("/cases", CASE_COLUMNS, Sort("caller", "asc"), DEFAULT_CASE_SORT)
    assert sorted_by_name.params() == {"sort": "caller", "dir": "asc"}
    assert sorted_by_name.href("caller") == "/cases?sort=caller&dir=desc"
    assert sorted_by_name.action("caller") == "sortieren: Z bis A"


@pytest.mark.parametrize(
    "cursor",
    [
        SortCursor(None, 7),
        SortCursor("müller. anna", 8),
        SortCursor(3, 9),
        SortCursor("", 10),
        SortCursor(datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC), 11),
    ],  # fmt: skip
)
def test_a_sort_cursor_survives_the_url(cursor):
    assert SortCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("raw", ["", "x", "7", "7.q", "7.nx", "a.s", "7.iabc", "7.t99999999999999999999999"])
def test_a_damaged_cursor_means_the_first_page(raw):
    assert SortCursor.decode(raw) is None


def test_the_default_order_keeps_its_own_cursor():
    assert isinstance(decode_cursor("1772352000000000.5", DEFAULT_CASE_SORT), Cursor)
    assert decode_cursor("1772352000000000.5", Sort("caller", "asc")) is None


# --- keyset pages in every order ---------------------------------------------------------------------------


@pytest.fixture
def cases(db):
    """41 cases with ties and gaps; returns what each case's sort value is, by id."""
    towns = dict(db.execute(select(Municipality.name, Municipality.id)).all())
    places = [towns["Barsinghausen"], None, towns["Wunstorf"], towns["Garbsen"]]
    alpha = make_staff(db, name="Alpha")
    beta = make_staff(db, name="Beta")
    counsellors = [alpha.id, None, beta.id]
    statuses = list(CaseStatus)
    needs = [*Need, None]
    rows = []
    for i in range(N):
        opened = START + timedelta(minutes=(i * 7) % 13)  # 13 distinct times for 41 cases: many ties
        name = NAMES[i % len(NAMES)]
        rows.append({
            "number": f"2026-{(i * 17) % 101:06d}", "year": 2026, "seq": (i * 17) % 101, "opened_at": opened,
            "channel": CaseChannel.PHONE, "caller_name": name and name.title(), "caller_name_search": name,
            "need": needs[i % len(needs)], "status": statuses[i % 3 * 2], "callback_needed": False,
            "affiliation": Affiliation.NONE, "municipality_id": places[i % len(places)],
            "counsellor_id": counsellors[i % len(counsellors)], "created_at": opened, "updated_at": opened,
        })  # fmt: skip
    db.execute(insert(Case), rows)
    db.commit()
    people = {None: None, alpha.id: "Alpha", beta.id: "Beta"}
    town_names = {None: None, **{v: k for k, v in towns.items()}}
    values = {}
    for case in db.scalars(select(Case)):
        values[case.id] = {
            "number": case.number,
            "opened": case.opened_at,
            "caller": case.caller_name_search,
            "need": NEED_RANK[case.need] if case.need else None,
            "status": STATUS_RANK[case.status],
            "municipality": town_names[case.municipality_id],
            "counsellor": people[case.counsellor_id],
        }
    db.expunge_all()
    return values


def walk(db, sort: Sort, limit: int, filters: CaseFilters = CaseFilters()) -> list[int]:
    seen: list[int] = []
    page = list_cases(db, filters=filters, zone=BERLIN, limit=limit, sort=sort)
    seen += [case.id for case in page.cases]
    while page.next_cursor is not None:
        # Through the URL, as the next-page link carries it.
        after = decode_cursor(page.next_cursor.encode(), sort)
        assert after == page.next_cursor
        page = list_cases(db, filters=filters, zone=BERLIN, after=after, limit=limit, sort=sort)
        seen += [case.id for case in page.cases]
        assert len(seen) <= N, "the pages go round in circles"
    return seen


def expected_order(values: dict, sort: Sort) -> list[int]:
    """Missing values last in either direction; ties by id in the column's direction."""
    present = [i for i in values if values[i][sort.key] is not None]
    missing = [i for i in values if values[i][sort.key] is None]
    present.sort(key=lambda i: (values[i][sort.key], i), reverse=sort.descending)
    missing.sort(reverse=sort.descending)
    return present + missing


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("key", [column.key for column in CASE_COLUMNS])
@pytest.mark.parametrize("limit", [1, 4, 7])
def test_every_order_shows_every_case_once_and_in_order(db, cases, key, direction, limit):
    sort = Sort(key, direction)
    seen = walk(db, sort, limit)
    assert sorted(seen) == sorted(cases), "each case exactly once"
    assert seen == expected_order(cases, sort)


def test_a_sorted_walk_keeps_the_filters(db, cases):
    filters = CaseFilters(statuses=(CaseStatus.NEW,))
    seen = walk(db, Sort("caller", "desc"), 2, filters)
    new = {i: v for i, v in cases.items() if v["status"] == STATUS_RANK[CaseStatus.NEW]}
    assert seen == expected_order(new, Sort("caller", "desc")) and len(seen) == 14


def test_the_default_order_still_walks_newest_first(db, cases):
    seen = walk(db, DEFAULT_CASE_SORT, 5)
    assert seen == expected_order(cases, DEFAULT_CASE_SORT)
