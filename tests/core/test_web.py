import re

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from core import web
from core.db import make_engine
from core.models import Staff, StaffRole, StaffSession
from core.phone import display
from fluxx.factory import create_app
from tests.conftest import make_settings
from tests.factories import PASSWORD, csrf_from, login, make_staff


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"
    assert client.get("/admin/staff", headers={"accept": "application/json"}).status_code == 401


def test_the_login_page_is_german_and_labelled(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="de"' in page.text
    assert '<label for="email">E-Mail-Adresse</label>' in page.text
    assert '<label for="password">Passwort</label>' in page.text
    assert "Simulationsmodus" in page.text


def test_a_wrong_password_gets_a_german_error_and_no_session(client, db):
    staff = make_staff(db)
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": staff.email, "password": "daneben!!", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in response.text
    assert "fluxx_session" not in response.cookies


def test_login_opens_the_dashboard_with_a_hardened_cookie(client, db):
    staff = make_staff(db, name="Jonas Becker", on_duty=True)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(page.text), "next": "/"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("fluxx_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    dashboard = client.get("/")
    assert "Guten Tag, Jonas Becker" in dashboard.text
    # On the on-duty list, the number to tap and call.
    assert f'<li>Jonas Becker · <a href="tel:{staff.phone}">{display(staff.phone)}</a></li>' in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in dashboard.headers["content-security-policy"]


def test_on_https_the_cookies_are_secure_and_bound_to_the_host(engine, clock, db):
    staff = make_staff(db)
    app = create_app(make_settings(engine, public_base_url="https://fluxx.example.de"), clock=clock, engine=engine)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/login")
        response = client.post(
            "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        )
        cookies = response.headers.get_list("set-cookie")
        cookie = next(h for h in cookies if h.startswith("__Host-fluxx_session="))
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert any(h.startswith("__Host-fluxx_csrf=") for h in cookies)
        assert not any(h.startswith("fluxx_session=") for h in cookies)
        assert response.headers["strict-transport-security"].startswith("max-age=")

        # A one-time message is deleted after it was shown, and the session cookie at logout: a browser
        # ignores the deletion of a `__Host-` cookie that does not say Secure (the message came back for 5 min).
        csrf = csrf_from(client.get("/").text)
        started = client.post("/duty", data={"csrf_token": csrf, "on_duty": "1"})
        assert any(h.startswith("__Host-fluxx_flash=") for h in started.headers.get_list("set-cookie"))
        shown = client.get("/")
        assert "Dienst begonnen." in shown.text
        [gone] = [h for h in shown.headers.get_list("set-cookie") if h.startswith("__Host-fluxx_flash=")]
        assert "Max-Age=0" in gone and "Secure" in gone and "Path=/" in gone
        assert "Dienst begonnen." not in client.get("/").text
        out = client.post("/logout", data={"csrf_token": csrf})
        [ended] = [h for h in out.headers.get_list("set-cookie") if h.startswith("__Host-fluxx_session=")]
        assert "Max-Age=0" in ended and "Secure" in ended


def test_login_after_an_earlier_session_gets_a_new_session_id(client, db):
    staff = make_staff(db)
    login(client, staff)
    first = client.cookies.get("fluxx_session")
    login(client, staff)
    assert client.cookies.get("fluxx_session") != first


def test_open_redirects_after_login_are_refused(client, db):
    staff = make_staff(db)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": staff.email,
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example",
        },
    )
    assert response.headers["location"] == "/"


def test_forms_without_a_valid_csrf_token_are_rejected(client, db):
    staff = make_staff(db)
    client.get("/login")
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.text
    login(client, staff)
    response = client.post("/duty", data={"on_duty": "1"})
    assert response.status_code == 403
    db.refresh(staff)
    assert staff.on_duty is False


def test_a_staff_member_switches_their_own_duty_on_and_off(client, db):
    staff = make_staff(db, on_duty=False)
    token = login(client, staff)
    response = client.post("/duty", data={"on_duty": "1", "csrf_token": token, "back": "/"})
    assert response.status_code == 303
    db.refresh(staff)
    assert staff.on_duty is True
    assert "Dienst beenden" in client.get("/").text
    client.post("/duty", data={"on_duty": "0", "csrf_token": token, "back": "/", "confirmed": "1"})
    db.refresh(staff)
    assert staff.on_duty is False


def test_admin_pages_are_closed_to_counsellors_and_coordinators(client, db):
    for role in (StaffRole.COUNSELLOR, StaffRole.COORDINATOR):
        staff = make_staff(db, role=role)
        token = login(client, staff)
        for path in ("/admin/staff", "/admin/partners"):
            page = client.get(path, headers={"accept": "text/html"})
            assert page.status_code == 403
            assert "Kein Zugriff" in page.text
        response = client.post(
            "/admin/staff",
            data={
                "csrf_token": token,
                "name": "X",
                "email": "x@x.de",
                "password": "ein gutes passwort",
                "role": "admin",
            },
        )
        assert response.status_code == 403
        assert db.scalar(select(Staff).where(Staff.email == "x@x.de")) is None


def test_an_admin_creates_an_account_and_sees_form_errors_in_german(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    bad = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "name": "Lea",
            "email": "lea@fluxx.test",
            "phone": "0511",
            "password": "ein gutes passwort",
            "role": "counsellor",
        },
    )
    assert bad.status_code == 422
    assert "„0511“ ist keine gültige Telefonnummer." in bad.text
    assert 'value="lea@fluxx.test"' in bad.text  # nothing typed is lost
    good = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "name": "Lea",
            "email": "lea@fluxx.test",
            "phone": "0511 123456",
            "password": "ein gutes passwort",
            "role": "coordinator",
        },
    )
    assert good.status_code == 303
    lea = db.scalar(select(Staff).where(Staff.email == "lea@fluxx.test"))
    assert lea.phone == "+49511123456" and lea.role == StaffRole.COORDINATOR


def test_disabling_an_account_ends_its_sessions_at_once(client, db, app):
    admin = make_staff(db, role=StaffRole.ADMIN)
    other = make_staff(db)
    with TestClient(app, follow_redirects=False) as other_client:
        login(other_client, other)
        token = login(client, admin)
        client.post(f"/admin/staff/{other.id}/active", data={"csrf_token": token, "active": "0", "confirmed": "1"})
        assert other_client.get("/", headers={"accept": "text/html"}).status_code == 303
    assert all(s.ended_at for s in db.scalars(select(StaffSession).where(StaffSession.staff_id == other.id)))


def test_an_idle_session_expires_and_sends_the_user_to_login(client, db, clock):
    staff = make_staff(db)
    login(client, staff)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_ends_the_session_on_the_server(client, db):
    staff = make_staff(db)
    token = login(client, staff)
    stolen = client.cookies.get("fluxx_session")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["location"] == "/login?logged_out=1"
    client.cookies.set("fluxx_session", stolen)
    assert client.get("/", headers={"accept": "text/html"}).status_code == 303


def test_the_admin_sees_municipalities_and_adds_a_partner(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    page = client.get("/admin/partners")
    assert "Hannover</a> (Landeshauptstadt)" in page.text
    assert len(re.findall(r'<tr id="municipality-\d+"><td ', page.text.split('id="municipalities"')[1])) == 21
    response = client.post(
        "/admin/partners",
        data={
            "csrf_token": token,
            "name": "Testwerke GmbH",
            "active_from": "2026-01-01",
            "active_until": "2025-01-01",
        },
    )
    assert response.status_code == 422 and "„Partner bis“ liegt vor „Partner seit“." in response.text
    client.post("/admin/partners", data={"csrf_token": token, "name": "Testwerke GmbH", "active_from": "2026-01-01"})
    assert "Testwerke GmbH" in client.get("/admin/partners").text


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(engine, clock):
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 1})
    app = create_app(make_settings(engine), clock=clock, engine=gone)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_unknown_pages_get_a_german_answer(client):
    page = client.get("/gibt-es-nicht", headers={"accept": "text/html"})
    assert page.status_code == 404 and "Diese Seite gibt es nicht." in page.text
    assert client.get("/gibt-es-nicht").json() == {"detail": "Diese Seite gibt es nicht."}


def test_many_failed_logins_are_slowed_down_with_a_clear_message(client, db):
    staff = make_staff(db)
    token = csrf_from(client.get("/login").text)
    for _ in range(3):
        client.post("/login", data={"email": staff.email, "password": "daneben!!", "csrf_token": token})
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "Zu viele Fehlversuche. Bitte warten Sie 2 Sekunden" in response.text
    assert "fluxx_session" not in response.cookies


def test_a_polling_dashboard_does_not_keep_an_idle_session_alive(client, db, clock):
    staff = make_staff(db)
    login(client, staff)
    for _ in range(12):  # 33 minutes of polling while nobody touches the page
        clock.advance(minutes=3)
        response = client.get("/dashboard/live", headers={"X-Fluxx-Background": "1"})
    assert response.status_code == 401
    assert client.get("/", headers={"accept": "text/html"}).status_code == 303


def _assert_security_headers(response, *, https=False):
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert ("Strict-Transport-Security" in headers) is https


def test_a_too_large_request_is_refused_with_every_security_header(client):
    declared = client.post(
        "/login", content=b"x" * 300_000, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert declared.status_code == 413 and declared.text == "Die Anfrage ist zu groß."
    _assert_security_headers(declared)

    def endless():  # chunked: refused while it streams, before the app has read it
        for _ in range(100):
            yield b"x" * 64_000

    streamed = client.post("/twilio/sms/incoming", content=endless(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert streamed.status_code == 413
    _assert_security_headers(streamed)


def test_on_https_the_413_carries_hsts_too(engine, clock):
    settings = make_settings(engine, public_base_url="https://fluxx.example.de")
    with TestClient(create_app(settings, clock=clock, engine=engine), base_url="https://fluxx.example.de") as client:
        response = client.post("/login", content=b"x" * 300_000)
    assert response.status_code == 413
    _assert_security_headers(response, https=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_pages_static_files_and_webhooks_keep_their_headers(client):
    page = client.get("/login")
    _assert_security_headers(page)
    assert page.headers["Content-Security-Policy"].count("default-src") == 1  # set once, not twice
    static = client.get("/static/style.css")
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"  # browsers may cache it
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    unsigned = client.post("/twilio/voice/incoming", data={"CallSid": "CA1"})
    assert unsigned.status_code == 403
    _assert_security_headers(unsigned)
    assert "fluxx_csrf" not in unsigned.cookies  # webhooks get no CSRF cookie


def test_the_security_headers_replace_a_responses_own_except_its_csp():
    from core.web import _raw_security_headers, with_security_headers

    extra = _raw_security_headers(False, False)
    own = [
        (b"content-type", b"image/svg+xml"), (b"Content-Security-Policy", b"style-src 'unsafe-inline'"),
        (b"cache-control", b"max-age=60"), (b"X-Frame-Options", b"SAMEORIGIN"), (b"x-frame-options", b"ALLOW"),
    ]  # fmt: skip
    headers = with_security_headers(own, extra)
    named = [(name.lower(), value) for name, value in headers]
    assert (b"content-security-policy", b"style-src 'unsafe-inline'") in named  # a chart's own CSP stays
    assert [value for name, value in named if name == b"content-security-policy"] == [b"style-src 'unsafe-inline'"]
    assert [value for name, value in named if name == b"cache-control"] == [b"no-store"]
    assert [value for name, value in named if name == b"x-frame-options"] == [b"DENY"]  # duplicates gone too
    assert (b"content-type", b"image/svg+xml") in named and (b"x-content-type-options", b"nosniff") in named
    assert own[2] == (b"cache-control", b"max-age=60")  # the response's own list is left alone
    static = dict(with_security_headers([], _raw_security_headers(True, True)))
    assert b"cache-control" not in static and static[b"strict-transport-security"] == b"max-age=31536000"


def test_the_login_check_holds_no_write_transaction_into_the_route(app, client, db):
    """On SQLite a transaction holds the one write lock; the login check (one thread of the pool) must not keep
    it while the route waits for another thread, which under load the webhooks waiting for the lock hold."""
    from core.web import DB, CurrentStaff

    seen: dict[str, bool] = {}

    @app.get("/test-transaction-state")
    def probe(db: DB, staff: CurrentStaff) -> dict[str, bool]:
        seen["in_transaction"] = db.in_transaction()
        return seen

    login(client, make_staff(db))
    response = client.get("/test-transaction-state")
    assert response.status_code == 200
    assert seen == {"in_transaction": False}


def test_a_staff_page_for_a_higher_role_is_refused_in_its_one_unit_of_work(app, db):
    """`web.staff_page(role=…)` refuses as `require_role` does: 403 in German, nothing of the page shown."""

    async def admins_only(request: Request) -> Response:
        return await web.staff_page(request, lambda request, db, staff: HTMLResponse("Nur für Admins"),
                                    role=StaffRole.ADMIN)  # fmt: skip

    app.add_api_route("/nur-fuer-admins", admins_only)
    for role, status in ((StaffRole.COUNSELLOR, 403), (StaffRole.COORDINATOR, 403), (StaffRole.ADMIN, 200)):
        with TestClient(app, follow_redirects=False) as client:
            login(client, make_staff(db, role=role))
            page = client.get("/nur-fuer-admins", headers={"accept": "text/html"})
            assert page.status_code == status, role
            assert ("Nur für Admins" in page.text) is (status == 200)
            assert ("Für diese Seite fehlt Ihnen die Berechtigung." in page.text) is (status == 403)
