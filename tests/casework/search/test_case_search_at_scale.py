"""Search and keyset pagination on 100,000 generated cases: correctness against a plain Python filter."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from casework.cases.models import Case, write_name_words
from casework.enums import Affiliation, CaseChannel, CaseStatus, Need
from casework.reference.models import Municipality
from casework.search.rules import name_key, parse_query
from casework.search.service import CaseFilters, list_cases
from fluxx.demo import FIRST_NAMES, LAST_NAMES

BERLIN = ZoneInfo("Europe/Berlin")
N = 100_000
START = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
LAST = [*LAST_NAMES, "Öztürk"]  # the demo's names, and one with an umlaut up front
FIRST = FIRST_NAMES
STATUSES = list(CaseStatus)
NEEDS = list(Need)


def generated_row(i: int, municipality_ids: list[int]) -> dict:
    # Three cases share each minute, so the id must break ties in the keyset order.
    opened = START + timedelta(minutes=i // 3 * 4)
    name = f"{LAST[i % len(LAST)]} {FIRST[(i // 7) % len(FIRST)]}"
    phone = f"+49511{i:07d}" if i % 2 == 0 else f"+4930{i:08d}"
    return {
        "number": f"2026-{i + 1:06d}",
        "year": 2026,
        "seq": i + 1,
        "opened_at": opened,
        "channel": CaseChannel.PHONE,
        "caller_name": name,
        "caller_name_search": name_key(name),
        "caller_phone": None if i % 97 == 0 else phone,
        "need": NEEDS[i % len(NEEDS)],
        "status": STATUSES[i % len(STATUSES)],
        "callback_needed": False,
        "affiliation": Affiliation.NONE,
        "municipality_id": municipality_ids[i % len(municipality_ids)],
        "created_at": opened,
        "updated_at": opened,
    }


@pytest.fixture
def many_cases(db):
    municipality_ids = list(db.scalars(select(Municipality.id).order_by(Municipality.id)))
    rows = [generated_row(i, municipality_ids) for i in range(N)]
    for start in range(0, N, 10_000):
        db.execute(insert(Case), rows[start : start + 10_000])
    db.commit()
    ids = dict(db.execute(select(Case.number, Case.id)).all())
    for row in rows:
        row["id"] = ids[row["number"]]
    # A bulk insert fires no mapper event: the names' words are written as the history writes them.
    write_name_words(db.connection(), ((row["id"], row["caller_name_search"]) for row in rows))
    db.commit()
    return rows


def all_pages(db, filters: CaseFilters, limit: int = 500) -> list[int]:
    """Walk every page; returns the ids in the order the pages showed them."""
    seen: list[int] = []
    page = list_cases(db, filters=filters, zone=BERLIN, limit=limit)
    seen += [case.id for case in page.cases]
    while page.next_cursor is not None:
        page = list_cases(db, filters=filters, zone=BERLIN, after=page.next_cursor, limit=limit)
        seen += [case.id for case in page.cases]
    db.expunge_all()  # keep the identity map small while walking many pages
    return seen


def expected(rows: list[dict], keep) -> list[int]:
    chosen = [row for row in rows if keep(row)]
    return [row["id"] for row in sorted(chosen, key=lambda row: (row["opened_at"], row["id"]), reverse=True)]


def starts(value: str | None, prefix: str) -> bool:
    return value is not None and value.startswith(prefix)


def name_matches(value: str | None, typed: str) -> bool:
    """The start of the name or of any later word in it."""
    return value is not None and (value.startswith(typed) or f" {typed}" in value)


def test_on_100000_cases_search_filters_and_keyset_pages_are_exact(db, many_cases):
    """One test on one table: generating 100,000 rows is the expensive part."""
    check_search(db, many_cases)
    check_filters(db, many_cases)
    check_keyset_pages(db, many_cases)


def check_search(db, rows):
    checks = {
        "0511 000012": lambda r: starts(r["caller_phone"], "+49511000012"),
        "+49 511 0000 1": lambda r: starts(r["caller_phone"], "+4951100001"),
        "0049 30 0009 99": lambda r: starts(r["caller_phone"], "+4930000999"),
        "2026-000777": lambda r: r["number"] == "2026-000777",
        "12345": lambda r: (r["caller_phone"] or "").endswith("12345"),  # the last digits of a number
        "000778": lambda r: r["seq"] == 778,
        "MÜLLER Le": lambda r: name_matches(r["caller_name_search"], "müller le"),
        "öztürk": lambda r: name_matches(r["caller_name_search"], "öztürk"),
        "Hannah": lambda r: name_matches(r["caller_name_search"], "hannah"),  # a first name, after the last
    }
    for typed, keep in checks.items():
        found = all_pages(db, CaseFilters(query=parse_query(typed)))
        assert found == expected(rows, keep), typed
        assert found, typed


def check_filters(db, rows):
    day_from, day_until = date(2026, 3, 29), date(2026, 4, 2)  # across the change to summer time
    low = datetime(2026, 3, 29, tzinfo=BERLIN)
    high = datetime(2026, 4, 3, tzinfo=BERLIN)
    filters = CaseFilters(
        statuses=(CaseStatus.NEW, CaseStatus.CARE_NEEDED),
        needs=(Need.CHILD_CARE,),
        opened_from=day_from,
        opened_until=day_until,
    )
    found = all_pages(db, filters)
    keep = lambda r: (  # noqa: E731
        r["status"] in filters.statuses and r["need"] == Need.CHILD_CARE and low <= r["opened_at"] < high
    )
    assert found == expected(rows, keep) and found
    municipality = rows[5]["municipality_id"]
    with_phone = CaseFilters(municipality_id=municipality, query=parse_query("0511 0001"))
    keep_phone = lambda r: r["municipality_id"] == municipality and starts(r["caller_phone"], "+495110001")  # noqa: E731
    assert all_pages(db, with_phone) == expected(rows, keep_phone)


def check_keyset_pages(db, rows):
    """Every case exactly once, in order, although three cases share each timestamp."""
    found = all_pages(db, CaseFilters(), limit=2_000)
    assert len(found) == N and len(set(found)) == N
    assert found == expected(rows, lambda r: True)
