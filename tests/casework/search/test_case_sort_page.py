"""The case list page sorted by a header link: aria-sort, the arrow, the order in German, and the order kept by
the filter form and by the next page's link."""

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from casework.cases.models import Case
from casework.enums import Affiliation, CaseChannel, CaseStatus
from tests.factories import login, make_staff

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def add_cases(db, count: int) -> None:
    rows = []
    for i in range(count):
        name = f"name{i % 7}"
        opened = START + timedelta(minutes=i)
        rows.append({
            "number": f"2026-{i + 1:06d}", "year": 2026, "seq": i + 1, "opened_at": opened,
            "channel": CaseChannel.PHONE, "caller_name": name.title(), "caller_name_search": name,
            "status": CaseStatus.NEW if i % 2 else CaseStatus.IN_COUNSELLING, "callback_needed": False,
            "affiliation": Affiliation.NONE, "created_at": opened, "updated_at": opened,
        })  # fmt: skip
    db.execute(insert(Case), rows)
    db.commit()


def headers(page: str) -> dict[str, str]:
    """Each sortable header's key → its whole <th> element."""
    return {
        m.group(2): m.group(0)
        for m in re.finditer(r'<th [^>]*>\s*<a class="sort-link" href="([^"]+)" data-sort="(\w+)".*?</th>', page)
    }


def callers(page: str) -> list[str]:
    return re.findall(r'data-label="Anrufer/in">([^<]*)</td>', page)


def test_the_default_list_says_its_order_and_links_each_header(client, db):
    add_cases(db, 3)
    login(client, make_staff(db))
    page = client.get("/cases").text
    assert "Sortiert nach Eröffnet, neueste zuerst" in page
    found = headers(page)
    assert set(found) == {"number", "opened", "caller", "need", "status", "municipality", "counsellor"}
    assert 'aria-sort="descending"' in found["opened"] and "kern-icon--arrow-down" in found["opened"]
    assert all("aria-sort" not in th for key, th in found.items() if key != "opened")
    # A click on the sorted column turns it round; another column sorts its usual way.
    assert 'href="/cases?sort=opened&amp;dir=asc"' in found["opened"] and "sortieren: älteste zuerst" in found["opened"]
    assert 'href="/cases?sort=caller&amp;dir=asc"' in found["caller"] and "sortieren: A bis Z" in found["caller"]
    assert ">Telefon</th>" in page  # not sortable: a plain header


def test_a_sorted_list_keeps_its_order_and_filters_in_every_link(client, db):
    add_cases(db, 130)
    login(client, make_staff(db))
    page = client.get("/cases?status=new&sort=caller&dir=desc").text
    assert "Sortiert nach Anrufer/in, Z bis A" in page
    found = headers(page)
    assert 'aria-sort="descending"' in found["caller"] and "kern-icon--arrow-down" in found["caller"]
    # Header links keep the filters.
    assert 'href="/cases?status=new&amp;sort=caller&amp;dir=asc"' in found["caller"]
    assert 'href="/cases?status=new&amp;sort=opened&amp;dir=desc"' in found["opened"]
    # The filter form sends the order along.
    assert '<input type="hidden" name="sort" value="caller"><input type="hidden" name="dir" value="desc">' in page
    first = callers(page)
    assert len(first) == 50 and first == sorted(first, reverse=True)
    # The next page: same filters, same order, continuing where the first stopped.
    seen = list(first)
    while match := re.search(r'<a id="next-page" href="([^"]+)">Weitere Fälle</a>', page):
        link = html.unescape(match.group(1))
        assert "status=new" in link and "sort=caller" in link and "dir=desc" in link
        page = client.get(link).text
        assert "Sortiert nach Anrufer/in, Z bis A" in page
        seen += callers(page)
    assert len(seen) == 65 and seen == sorted(seen, reverse=True)


def test_an_unknown_order_is_the_default_not_an_error(client, db):
    add_cases(db, 3)
    login(client, make_staff(db))
    answer = client.get("/cases?sort=phone;drop&dir=up&after=rubbish")
    assert answer.status_code == 200 and "Sortiert nach Eröffnet, neueste zuerst" in answer.text
    assert len(callers(answer.text)) == 3
    assert client.get("/cases?sort=caller&after=99.x").status_code == 200
