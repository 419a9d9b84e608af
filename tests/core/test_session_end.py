"""No silent logout: sessions say why they ended, pages warn before, and login returns to the page."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from core import auth, web
from core.auth import SessionEnd
from tests.factories import PASSWORD, T0, csrf_from, login, make_staff

IDLE, ABSOLUTE = timedelta(minutes=30), timedelta(hours=12)


@pytest.mark.parametrize(
    "target",
    ["/", "/cases/12", "/cases?q=Erika&status=open", "/cases/12#call-3", "/jobs/4/edit", "/cases?q=M%C3%BCller"],
)
def test_paths_on_this_site_are_kept_as_the_page_to_return_to(target):
    assert web.safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "cases",
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "javascript:alert(1)",
        "/login",
        "/login?next=//evil.example",
        "/logout",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_after_login_goes_to_the_dashboard(target):
    assert web.safe_next(target) == "/"


def test_the_login_address_names_the_page_and_the_reason():
    assert web.login_url("/cases?q=x", SessionEnd.IDLE) == "/login?next=%2Fcases%3Fq%3Dx&grund=inaktiv"
    assert web.login_url("//evil.example") == "/login?next=%2F"
    assert web.login_url(None, SessionEnd.MAX_AGE) == "/login?grund=abgelaufen"


def test_a_session_remembers_that_it_ended_by_itself(db):
    staff = make_staff(db, on_duty=True)
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    check = auth.check_session(db, token=token, now=T0 + timedelta(minutes=31), idle=IDLE, absolute=ABSOLUTE)
    assert check.session is None and check.ended is SessionEnd.IDLE and check.staff is staff
    # Asked again later (another tab, the login page), it still knows why.
    later = auth.check_session(db, token=token, now=T0 + timedelta(minutes=40), idle=IDLE, absolute=ABSOLUTE)
    assert later.ended is SessionEnd.IDLE
    assert staff.on_duty is True  # the idle logout leaves the duty switch alone


def test_a_logout_or_a_disabled_account_is_no_idle_logout(db):
    staff = make_staff(db)
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    auth.end_session(db, token=token, now=T0 + timedelta(minutes=5))
    check = auth.check_session(db, token=token, now=T0 + timedelta(minutes=40), idle=IDLE, absolute=ABSOLUTE)
    assert check.session is None and check.ended is None
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    staff.is_active = False
    check = auth.check_session(db, token=token, now=T0 + timedelta(minutes=40), idle=IDLE, absolute=ABSOLUTE)
    assert check.ended is None
    assert auth.check_session(db, token="unknown", now=T0, idle=IDLE, absolute=ABSOLUTE).ended is None


def test_a_busy_session_ends_after_the_maximum_age_and_warns_without_a_way_to_stay(db):
    staff = make_staff(db)
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    for minutes in range(0, 12 * 60 - 2, 20):
        session = auth.resolve_session(db, token=token, now=T0 + timedelta(minutes=minutes), idle=IDLE,
                                       absolute=ABSOLUTE)  # fmt: skip
    assert session is not None
    time = auth.session_time(session, now=T0 + timedelta(hours=11, minutes=59), idle=IDLE, absolute=ABSOLUTE)
    assert time.warn and time.ends_by is SessionEnd.MAX_AGE and time.seconds_left == 60
    assert auth.warning_text(time, max_hours=12).startswith("Ihre Anmeldung endet in einer Minute")
    check = auth.check_session(db, token=token, now=T0 + timedelta(hours=12, seconds=1), idle=IDLE, absolute=ABSOLUTE)
    assert check.ended is SessionEnd.MAX_AGE


def test_the_warning_counts_down_the_minutes(db):
    staff = make_staff(db)
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    session = auth.resolve_session(db, token=token, now=T0, idle=IDLE, absolute=ABSOLUTE)
    assert session is not None

    def at(minutes: float) -> auth.SessionTime:
        return auth.session_time(session, now=T0 + timedelta(minutes=minutes), idle=IDLE, absolute=ABSOLUTE)

    assert not at(27).warn and at(28).warn
    assert auth.warning_text(at(28), max_hours=12) == "Sie werden in 2 Minuten wegen Inaktivität abgemeldet."
    assert auth.warning_text(at(29.5), max_hours=12) == "Sie werden in einer Minute wegen Inaktivität abgemeldet."
    auth.keep_alive(session, now=T0 + timedelta(minutes=29, seconds=30))
    assert at(29.5).seconds_left == 30 * 60


def test_an_idle_session_sends_the_page_to_login_with_the_reason_and_the_way_back(client, db, clock):
    staff = make_staff(db, on_duty=True)
    login(client, staff)
    clock.advance(minutes=31)
    response = client.get("/cases?q=Erika", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%3Fq%3DErika&grund=inaktiv"
    page = client.get(response.headers["location"])
    assert "Sie wurden wegen Inaktivität abgemeldet." in page.text
    assert "Sie sind weiterhin im Dienst: Anrufe der Hotline klingeln weiter auf Ihrem Telefon." in page.text
    assert 'name="next" value="/cases?q=Erika"' in page.text
    db.refresh(staff)
    assert staff.on_duty is True
    back = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(page.text),
                                       "next": "/cases?q=Erika"})  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == "/cases?q=Erika"


def test_staff_off_duty_read_no_duty_note(client, db, clock):
    login(client, make_staff(db, on_duty=False))
    clock.advance(minutes=31)
    page = client.get("/login?next=%2F&grund=inaktiv")
    assert "Sie wurden wegen Inaktivität abgemeldet." in page.text
    assert "weiterhin im Dienst" not in page.text


def test_after_a_logout_the_login_page_says_nothing_about_inactivity(client, db, clock):
    token = login(client, make_staff(db, on_duty=True))
    client.post("/logout", data={"csrf_token": token})
    clock.advance(minutes=31)
    page = client.get("/login?logged_out=1")
    assert "Sie wurden abgemeldet." in page.text and "Inaktivität" not in page.text


def test_the_dashboard_poll_learns_why_the_session_ended(client, db, clock):
    login(client, make_staff(db, on_duty=True))
    clock.advance(minutes=31)
    response = client.get("/dashboard/live", headers={"X-Fluxx-Background": "1"})
    # Whichever script notices first (a live list or the idle warning) shows the same message and duty note.
    assert response.status_code == 401 and response.json() == {
        "detail": "Bitte melden Sie sich an.",
        "grund": "inaktiv",
        "message": "Sie wurden wegen Inaktivität abgemeldet.",
        "duty_note": auth.ON_DUTY_NOTE,
    }
    assert client.get("/session").json() == response.json()


def test_a_form_posted_after_the_idle_logout_returns_to_its_page_after_login(client, db, clock):
    token = login(client, make_staff(db))
    clock.advance(minutes=31)
    response = client.post("/duty", data={"csrf_token": token, "on_duty": "1"},
                           headers={"referer": "http://testserver/cases/7"})  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fcases%2F7&grund=inaktiv"


def test_the_session_endpoint_warns_without_keeping_the_session_alive(client, db, clock):
    staff = make_staff(db, on_duty=True)
    token = login(client, staff)
    state = client.get("/session").json()
    assert state["seconds_left"] == 30 * 60 and state["warn"] is False and state["warn_seconds"] == 120
    clock.advance(minutes=28, seconds=30)
    state = client.get("/session").json()
    assert state == {
        "seconds_left": 90,
        "warn": True,
        "warn_seconds": 120,
        "renewable": True,
        "message": "Sie werden in 2 Minuten wegen Inaktivität abgemeldet.",
    }
    assert client.post("/session/keep-alive", data={"csrf_token": "forged"}).status_code == 403
    kept = client.post("/session/keep-alive", data={"csrf_token": token})
    assert kept.status_code == 200 and kept.json()["seconds_left"] == 30 * 60
    clock.advance(minutes=29)
    assert client.get("/session").json()["warn"] is True  # looking is no activity
    clock.advance(minutes=2)
    ended = client.get("/session")
    assert ended.status_code == 401
    assert ended.json() == {
        "detail": "Bitte melden Sie sich an.",
        "grund": "inaktiv",
        "message": "Sie wurden wegen Inaktivität abgemeldet.",
        "duty_note": auth.ON_DUTY_NOTE,
    }
    assert client.post("/session/keep-alive", data={"csrf_token": token}).status_code == 401


def test_every_staff_page_loads_the_session_warning(client, db, app):
    login(client, make_staff(db))
    assert '<script src="/static/session.js" defer data-status="/session"' in client.get("/cases").text
    with TestClient(app) as anonymous:
        assert "session.js" not in anonymous.get("/login").text
