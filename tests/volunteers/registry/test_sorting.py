"""The volunteer list sorted by its columns: every page walked in every order shows each person once, in order.

Ties (shared names, municipalities, expiry dates) and gaps (no municipality, no certificate, never assigned)
put page boundaries between equal values; people without a value come last in either direction.
"""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.reference.models import Municipality
from core.models import StaffRole
from core.sorting import Sort, describe
from tests.factories import login, make_staff, make_volunteer
from volunteers.registry import service
from volunteers.registry.rules import DEFAULT_VOLUNTEER_SORT, VOLUNTEER_COLUMNS, parse_volunteer_sort
from volunteers.vocabulary import CertificateKind

N = 23
TODAY = date(2026, 11, 26)


def test_the_url_is_read_safely():
    assert parse_volunteer_sort(None, None) == DEFAULT_VOLUNTEER_SORT == Sort("name", "asc")
    assert parse_volunteer_sort("certificate", "") == Sort("certificate", "asc")
    assert parse_volunteer_sort("assigned", "") == Sort("assigned", "desc")
    assert parse_volunteer_sort("municipality", "desc") == Sort("municipality", "desc")
    assert parse_volunteer_sort("phone", "asc") == DEFAULT_VOLUNTEER_SORT
    assert (
        describe(Sort("certificate", "asc"), VOLUNTEER_COLUMNS) == "sortiert nach Nachweise gültig bis, früheste zuerst"
    )


@pytest.fixture
def people(db):
    towns = dict(db.execute(select(Municipality.name, Municipality.id)).all())
    areas = [["Wunstorf", "Barsinghausen"], [], ["Garbsen"], ["Wunstorf"], ["Sehnde", "Garbsen"]]
    names = ["Berta Beispiel", "Anna Arndt", "Carl Clausen", "Anna Arndt"]
    values = {}
    for i in range(N):
        expiry = [date(2027, 1, 1), None, date(2026, 12, 1), date(2027, 1, 1)][i % 4]
        certificates = [(CertificateKind.FIRST_AID, expiry)] if expiry else []
        if i % 5 == 0:
            certificates.append((CertificateKind.POLICE_CERTIFICATE, date(2028, 1, 1)))
        assigned = None if i % 3 == 0 else datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=i % 4)
        area = areas[i % len(areas)]
        volunteer = make_volunteer(
            db, name=names[i % len(names)], municipality_ids=[towns[t] for t in area], certificates=certificates,
            last_assigned_at=assigned,
        )  # fmt: skip
        values[volunteer.id] = {
            "name": volunteer.name,
            "municipality": min(area) if area else None,
            "certificate": min((c[1] for c in certificates), default=None),
            "assigned": assigned,
        }
    db.expunge_all()
    return values


def expected_order(values: dict, sort: Sort) -> list[int]:
    present = [i for i in values if values[i][sort.key] is not None]
    missing = sorted((i for i in values if values[i][sort.key] is None), key=lambda i: (values[i]["name"], i))
    if sort.key == "name":
        return sorted(values, key=lambda i: (values[i]["name"], i), reverse=sort.descending)
    # Ties by name and id (ascending) within one value, whichever way the value runs.
    present.sort(key=lambda i: (values[i]["name"], i))
    present.sort(key=lambda i: values[i][sort.key], reverse=sort.descending)
    return present + missing


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("key", [column.key for column in VOLUNTEER_COLUMNS])
def test_every_order_shows_everyone_once_and_in_order(db, people, key, direction):
    sort = Sort(key, direction)
    filters = {"today": TODAY, "sort": sort}
    assert service.count_volunteers(db, **filters) == N
    seen: list[int] = []
    for offset in range(0, N, 4):
        seen += [v.id for v in service.list_volunteers(db, limit=4, offset=offset, **filters)]
    assert sorted(seen) == sorted(people), "each person exactly once"
    assert seen == expected_order(people, sort)


def test_the_export_follows_the_list_order(db, people):
    sort = Sort("certificate", "asc")
    exported = list(db.scalars(service.list_query(today=TODAY, sort=sort)))
    assert [v.id for v in exported] == expected_order(people, sort)


def test_the_list_page_sorts_by_a_header_and_keeps_the_order_across_pages_and_in_the_export(client, db):
    for n in range(55):
        make_volunteer(
            db, name=f"Person {n:02d}", certificates=[(CertificateKind.FIRST_AID, date(2027, 1, 1 + n % 28))]
        )
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get("/volunteers?skill=child_care&sort=name&dir=desc").text
    assert "Sortiert nach Name, Z bis A" in page
    name_header = re.search(r'<th [^>]*aria-sort="descending"[^>]*>.*?</th>', page)
    assert (
        name_header and 'data-sort="name"' in name_header.group(0) and "kern-icon--arrow-down" in name_header.group(0)
    )
    assert 'href="/volunteers?skill=child_care&amp;sort=name&amp;dir=asc"' in name_header.group(0)
    assert 'href="/volunteers?skill=child_care&amp;sort=certificate&amp;dir=asc"' in page
    shown = re.findall(r'data-label="Name"><a href="/volunteers/\d+">([^<]+)</a>', page)
    assert shown[:2] == ["Person 54", "Person 53"] and len(shown) == 50
    following = re.search(r'id="next-page" href="([^"]+)"', page)
    assert following and html.unescape(following.group(1)) == "/volunteers?skill=child_care&sort=name&dir=desc&page=2"
    second = client.get(html.unescape(following.group(1))).text
    assert re.findall(r'data-label="Name"><a href="/volunteers/\d+">([^<]+)</a>', second)[-1] == "Person 00"
    export = re.search(r'href="(/volunteers/export.csv[^"]*)"', page)
    assert export and "sort=name" in export.group(1)
    rows = client.get(html.unescape(export.group(1))).text.splitlines()
    assert "Person 54" in rows[1] and "Person 00" in rows[-1]
    # Unknown: the default, no error.
    fallback = client.get("/volunteers?sort=secret&dir=sideways")
    assert fallback.status_code == 200 and "Sortiert nach Name, A bis Z" in fallback.text
