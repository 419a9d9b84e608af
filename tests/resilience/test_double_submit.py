"""The same form sent twice (a double click, a resent page) creates nothing twice (DESIGN.md §6)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from casework.cases.models import Case, CaseNote
from casework.jobs.models import CareJob
from tests.factories import PASSWORD, csrf_from, login, make_case, make_staff
from tests.servers import served


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form has no one-time token"
    return match.group(1)


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_a_new_case_sent_twice_is_opened_once_and_the_second_click_lands_on_it(client, db):
    csrf = login(client, make_staff(db))
    data = {"csrf_token": csrf, "caller_name": "Aylin Koch", "need": "child_care", "source": "walk_in",
            "form_token": form_token(client.get("/cases/new").text)}  # fmt: skip
    first = client.post("/cases/new", data=data)
    second = client.post("/cases/new", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert count(db, Case) == 1


def test_a_note_sent_twice_is_kept_once_but_the_next_note_is_a_new_one(client, db):
    csrf = login(client, make_staff(db))
    case = make_case(db)
    page = client.get(f"/cases/{case.id}").text
    data = {"csrf_token": csrf, "body": "Rückruf morgen früh", "form_token": form_token(page)}
    client.post(f"/cases/{case.id}/notes", data=data)
    client.post(f"/cases/{case.id}/notes", data=data)
    assert count(db, CaseNote) == 1
    again = form_token(client.get(f"/cases/{case.id}").text)
    client.post(f"/cases/{case.id}/notes", data=data | {"form_token": again})
    assert count(db, CaseNote) == 2


def test_a_job_sent_twice_is_created_once(client, db):
    from casework.enums import Need

    csrf = login(client, make_staff(db))
    case = make_case(db, need=Need.CHILD_CARE)
    token = form_token(client.get(f"/cases/{case.id}/jobs/new").text)
    data = {"csrf_token": csrf, "form_token": token, "kind": "child_care", "starts_at": "2026-11-27T07:30",
            "ends_at": "2026-11-27T15:00", "municipality_id": "1", "carers_needed": "1"}  # fmt: skip
    assert client.post(f"/cases/{case.id}/jobs", data=data).status_code == 303
    assert client.post(f"/cases/{case.id}/jobs", data=data).status_code == 303
    assert count(db, CareJob) == 1


def test_a_refused_sending_created_nothing_and_may_be_sent_again_corrected(client, db):
    csrf = login(client, make_staff(db))
    case = make_case(db)
    data = {"csrf_token": csrf, "body": "x" * 6000, "form_token": form_token(client.get(f"/cases/{case.id}").text)}
    assert client.post(f"/cases/{case.id}/notes", data=data).status_code == 422
    assert client.post(f"/cases/{case.id}/notes", data=data | {"body": "kurz"}).status_code == 303
    assert count(db, CaseNote) == 1


def test_a_double_click_that_arrives_at_the_same_moment_opens_one_case(app, db):
    staff = make_staff(db)
    with served(app) as url, httpx.Client(base_url=url, follow_redirects=False, timeout=30) as browser:
        login_page = browser.get("/login").text
        browser.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(login_page)})
        page = browser.get("/cases/new").text
        data = {"csrf_token": csrf_from(page), "caller_name": "Aylin Koch", "need": "child_care",
                "source": "walk_in", "form_token": form_token(page)}  # fmt: skip
        with ThreadPoolExecutor(max_workers=4) as clicks:
            answers = list(clicks.map(lambda _: browser.post("/cases/new", data=data), range(4)))
    assert [answer.status_code for answer in answers] == [303] * 4
    assert len({answer.headers["location"] for answer in answers}) == 1
    assert count(db, Case) == 1
