"""The attacks of the security review (issue 12), each tried again and refused.

Every test names the finding it reproduces; each would fail on the code before the fix.
"""

from __future__ import annotations

import logging
import re
from functools import partial

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.cases.models import Case, CaseNote
from casework.cases.rules import AGE_HINT
from core import auth
from fluxx.factory import create_app
from fluxx.wiring import send_login_code
from messaging.models import Message
from tests.conftest import make_settings
from tests.factories import PASSWORD, csrf_from, login, make_case, make_staff
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE, post_signed

AGE_MESSAGE = f"Bitte das {AGE_HINT}"

# The login as the app runs it: a code goes out through the outbox.
authenticate = partial(auth.authenticate, send_code=send_login_code)

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Cache-Control")


def test_a_huge_anonymous_sms_webhook_is_refused_before_it_is_read(client, db):
    response = client.post(
        "/twilio/sms/incoming", content=b"Body=" + b"A" * 200_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 413 and response.text == "Die Anfrage ist zu groß."
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(client):
    def endless():  # chunked: no Content-Length to check up front
        for _ in range(100):
            yield b"x" * 64_000

    response = client.post("/login", content=endless(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_an_ordinary_sms_of_1600_characters_with_emoji_still_fits(client, settings, db):
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "1" * 32, "From": "+4915112345678", "To": HOTLINE,
              "Body": "Hallo 🙂 " * 200, "NumMedia": "0"}  # fmt: skip
    assert post_signed(client, settings, "/twilio/sms/incoming", params).status_code == 200
    assert db.scalar(select(Message.body).where(Message.twilio_sid == "SM" + "1" * 32)) == "Hallo 🙂 " * 200


def test_broken_list_filters_are_named_not_a_server_error(client, db):
    login(client, make_staff(db))
    for query in ("municipality=--1", "counsellor=%C2%B2", "municipality=%D9%A3"):
        page = client.get(f"/cases?{query}", headers={"accept": "text/html"})
        assert page.status_code == 200, query
        assert "war ungültig und wurde nicht angewandt." in page.text


def test_superscript_digits_in_forms_are_form_errors(client, db):
    token = login(client, make_staff(db))
    case = make_case(db)
    edit = {"csrf_token": token, "caller_name": "Lena Schulz", "need": "child_care", "municipality_id": "²",
            "person-0-label": "M.", "person-0-age": "²", "person-x-label": "K."}  # fmt: skip
    response = client.post(f"/cases/{case.id}/edit", data=edit)
    assert response.status_code == 422
    assert "Bitte eine Kommune aus der Liste wählen." in response.text
    assert AGE_MESSAGE in response.text
    job = {"csrf_token": token, "kind": "child_care", "starts_at": "2026-11-27T07:30", "ends_at": "2026-11-27T15:00",
           "municipality_id": "1", "carers_needed": "²"}  # fmt: skip
    response = client.post(f"/cases/{case.id}/jobs", data=job)
    assert response.status_code == 422 and "Bitte eine Zahl von 1 bis" in response.text


def test_a_server_error_keeps_the_security_headers_and_logs_no_input(engine, clock, caplog):
    caplog.set_level(logging.INFO)
    app = create_app(make_settings(engine), clock=clock, engine=engine)
    broken = APIRouter()

    @broken.get("/kaputt")
    def kaputt(name: str = "") -> None:
        raise ValueError(f"unexpected name {name}")

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/kaputt?name=Aylin+Koch", headers={"accept": "text/html"})
    assert page.status_code == 500 and "Das hat leider nicht geklappt." in page.text
    for header in SECURITY_HEADERS:
        assert header in page.headers
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("fluxx", "uvicorn")))
    assert "unexpected ValueError on /kaputt at test_attacks.py:" in server_log
    assert "Aylin" not in server_log


def test_a_forged_host_header_never_ends_up_in_a_redirect(client, db):
    for path in ("/cases/", "/login/", "/dashboard/live/"):
        response = client.get(path, headers={"Host": "evil.example", "accept": "text/html"})
        assert "evil.example" not in response.headers.get("location", ""), path
        assert response.status_code in (303, 404), path
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_the_page_to_return_to_after_login_never_leaves_the_site(app, db):
    """An expired session sends people to /login?next=…; a crafted link must not send them elsewhere."""
    staff = make_staff(db)
    attacks = ["//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
               "https://evil.example", "javascript:alert(1)", "/login?next=//evil.example"]  # fmt: skip
    for target in attacks:
        with TestClient(app, follow_redirects=False) as browser:
            page = browser.get("/login", params={"next": target, "grund": "inaktiv"})
            assert "evil.example" not in page.text.split('name="next"')[1].split(">")[0], target
            response = browser.post("/login", data={"email": staff.email, "password": PASSWORD, "next": target,
                                                      "csrf_token": csrf_from(page.text)})  # fmt: skip
            assert response.status_code == 303 and response.headers["location"] == "/", target
    with TestClient(app, follow_redirects=False) as browser:
        # A form posted to another site's address is no way out either: only the Referer's path is used.
        token = csrf_from(browser.get("/login").text)
        response = browser.post("/duty", data={"on_duty": "1", "csrf_token": token},
                                headers={"referer": "https://evil.example//evil.example"})  # fmt: skip
        assert response.headers["location"] == "/login?next=%2F"


def _plant(browser, seed):
    """The attacker's CSRF cookie in the victim's browser, the victim's session cookie kept."""
    session = browser.cookies.get("fluxx_session")
    browser.cookies.clear()
    browser.cookies.set("fluxx_session", session)
    browser.cookies.set("fluxx_csrf", seed)


def _note(client, case_id, token):
    return client.post(f"/cases/{case_id}/notes", data={"body": "untergeschoben", "csrf_token": token})


def test_a_csrf_pair_from_the_anonymous_login_page_does_not_work_in_a_victims_session(app, db):
    victim = make_staff(db)
    case = make_case(db)
    with TestClient(app, follow_redirects=False) as attacker, TestClient(app, follow_redirects=False) as browser:
        planted_token = csrf_from(attacker.get("/login").text)
        planted_seed = attacker.cookies.get("fluxx_csrf")
        login(browser, victim)
        _plant(browser, planted_seed)  # e.g. through a neighbouring subdomain
        assert _note(browser, case.id, planted_token).status_code == 403
    assert db.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_a_csrf_pair_of_another_staff_member_does_not_work_in_a_victims_session(app, db):
    victim, colleague = make_staff(db), make_staff(db)
    case = make_case(db)
    with TestClient(app, follow_redirects=False) as other, TestClient(app, follow_redirects=False) as browser:
        their_token = login(other, colleague)
        their_seed = other.cookies.get("fluxx_csrf")
        login(browser, victim)
        _plant(browser, their_seed)
        assert _note(browser, case.id, their_token).status_code == 403
        assert _note(other, case.id, their_token).status_code == 303  # in its own session it works
    assert db.scalar(select(func.count()).select_from(CaseNote)) == 1


def _login_failures_by_address(app, headers, times):
    with TestClient(app, follow_redirects=False) as browser:
        for _ in range(times):
            page = browser.get("/login")
            data = {"email": "nobody@fluxx.test", "password": "falsch", "csrf_token": csrf_from(page.text)}
            browser.post("/login", headers=headers, data=data)
    return db_addresses(app)


def db_addresses(app):
    from core.models import LoginFailure

    with app.state.context.sessionmaker() as session:
        return set(session.scalars(select(LoginFailure.ip)))


def test_a_spoofed_forwarded_for_header_is_ignored_without_trusted_proxies(app):
    assert _login_failures_by_address(app, {"X-Forwarded-For": "203.0.113.7"}, 2) == {"testclient"}


def test_forwarded_for_counts_only_behind_a_configured_proxy(engine, clock):
    app = create_app(make_settings(engine, trusted_proxies="testclient, 10.0.0.2"), clock=clock, engine=engine)
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.2"}  # spoofed first hop, real client, proxy
    assert _login_failures_by_address(app, headers, 1) == {"203.0.113.7"}


def _try(db, staff, password, ip, now):

    return authenticate(db, email=staff.email, password=password, ip=ip, now=now)


def test_guessing_from_elsewhere_does_not_keep_a_counsellor_out_of_her_office(db):
    from datetime import timedelta

    from core import auth
    from tests.factories import PASSWORD, T0

    victim = make_staff(db)
    auth.start_session(db, staff=victim, ip="10.1.1.1", now=T0)  # she worked from the office before
    now = T0 + timedelta(hours=1)
    for n in range(40):  # one attempt per expiry and many addresses: the account's count grows
        _try(db, victim, "geraten!!", f"203.0.113.{n % 4}", now + timedelta(seconds=n))
    assert _try(db, victim, PASSWORD, "10.1.1.1", now + timedelta(seconds=41)).staff == victim
    # a stranger's new address guessing the same account learns nothing: the code step, whatever the password
    guess = _try(db, victim, "geraten!!", "198.51.100.9", now + timedelta(seconds=42))
    assert guess.staff is None and guess.challenge
    # and the guessing addresses themselves are slowed down
    assert _try(db, victim, "geraten!!", "203.0.113.3", now + timedelta(seconds=42)).wait_seconds > 0


def test_thirty_typos_behind_the_office_address_do_not_lock_out_the_colleagues(db):
    from datetime import timedelta

    from core import auth
    from tests.factories import PASSWORD, T0

    colleague = make_staff(db)
    auth.start_session(db, staff=colleague, ip="10.1.1.1", now=T0)
    for n in range(35):
        auth.authenticate(
            db, send_code=send_login_code, email=f"tippfehler{n}@fluxx.test", password="x" * 9, ip="10.1.1.1", now=T0
        )
    assert auth.login_wait_seconds(db, email="neu@fluxx.test", ip="10.1.1.1", now=T0) > 0  # guessing new accounts
    assert _try(db, colleague, PASSWORD, "10.1.1.1", T0 + timedelta(seconds=1)).staff == colleague


def test_admins_see_the_failed_logins_per_account_and_address(client, db):
    from core.models import StaffRole
    from tests.factories import T0

    admin = make_staff(db, role=StaffRole.ADMIN)
    target = make_staff(db)
    for _ in range(3):
        _try(db, target, "geraten!!", "203.0.113.5", T0)
    db.commit()
    login(client, admin)
    section = client.get("/admin/staff").text.split('id="failed-logins"')[1].split("</section>")[0]
    section = re.sub(r"<td [^>]*>", "<td>", section)  # the cells' classes and labels aside
    row = (f"<td>{target.email}</td><td>203.0.113.5</td><td>Falsches Passwort oder unbekannte E-Mail-Adresse</td>"
           "<td>3</td><td>26.11.2026, 09:00</td>")  # fmt: skip
    assert row in section, section


def _post_login(browser, email, password, ip, next_path="/"):
    token = csrf_from(browser.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token, "next": next_path}
    return browser.post("/login", data=data, headers={"X-Forwarded-For": ip})


def test_guessing_from_eight_addresses_no_longer_keeps_a_coordinator_out_of_a_ninth(engine, clock, db):
    """Issue 16, 6: rotating 8 addresses kept a coordinator out 13 of 13 times; now she confirms by SMS."""
    import re

    from core.models import LoginFailure, LoginFailureKind, StaffRole

    app = create_app(make_settings(engine, trusted_proxies="testclient"), clock=clock, engine=engine)
    carla = make_staff(db, name="Carla Koordination", role=StaffRole.COORDINATOR, phone="0151 23456789")
    attackers = [f"203.0.113.{n}" for n in range(1, 9)]
    with TestClient(app, follow_redirects=False) as attacker:
        for n in range(13):
            for ip in attackers:
                _post_login(attacker, carla.email, f"geraten{n}!", ip)
            clock.advance(seconds=1)
        # The guessing addresses wait, and their refused attempts are recorded.
        refused = _post_login(attacker, carla.email, PASSWORD, attackers[0])
        assert refused.status_code == 429 and "Zu viele Fehlversuche. Bitte warten Sie" in refused.text
    throttled = select(func.count()).where(LoginFailure.kind == LoginFailureKind.THROTTLED)
    assert db.scalar(throttled) >= 1

    home = "192.0.2.99"
    with TestClient(app, follow_redirects=False) as browser:
        answer = _post_login(browser, carla.email, PASSWORD, home, next_path="/cases")
        assert answer.status_code == 303 and answer.headers["location"] == "/login/code?next=%2Fcases"
        page = browser.get(answer.headers["location"], headers={"X-Forwarded-For": home})
        assert page.status_code == 200 and ">Bestätigungscode</h1>" in page.text
        assert "haben wir Ihnen eben einen 6-stelligen Code per SMS an Ihre hinterlegte Handynummer geschickt" in (
            page.text
        )
        assert "Code bestätigen und anmelden" in page.text
        sms = db.scalar(select(Message).where(Message.to_number == "+4915123456789"))
        code = re.search(r"lautet (\d{6})\.", sms.body).group(1)
        headers = {"X-Forwarded-For": home}
        # Without the form's token nothing happens, and the try is not used up.
        forged = browser.post("/login/code", data={"code": code, "next": "/cases"}, headers=headers)
        assert forged.status_code == 403
        token = csrf_from(page.text)
        wrong = "000000" if code != "000000" else "111111"
        typo = browser.post("/login/code", data={"code": wrong, "next": "/cases", "csrf_token": token}, headers=headers)
        assert typo.status_code == 401
        assert "Der Bestätigungscode stimmt nicht. Sie haben noch 4 Versuche." in typo.text
        done = browser.post("/login/code", data={"code": code, "next": "/cases", "csrf_token": csrf_from(typo.text)},
                            headers=headers)  # fmt: skip
        assert done.status_code == 303 and done.headers["location"] == "/cases"
        assert "fluxx_login_code" not in browser.cookies
        assert browser.get("/", headers={"accept": "text/html"}).status_code == 200
    # Her address is known now: while the guessing goes on, she logs in from there without a code.
    with TestClient(app, follow_redirects=False) as attacker:
        for ip in attackers:
            _post_login(attacker, carla.email, "weiter geraten", ip)
    with TestClient(app, follow_redirects=False) as browser:
        assert _post_login(browser, carla.email, PASSWORD, home).headers["location"] == "/"
    assert db.scalar(select(func.count()).select_from(Message)) == 1


def test_five_wrong_codes_send_her_back_to_the_login_with_a_german_reason(engine, clock, db):
    from core.models import LoginFailure

    app = create_app(make_settings(engine, trusted_proxies="testclient"), clock=clock, engine=engine)
    carla = make_staff(db, phone="0151 23456789")
    for n in range(12):
        db.add(LoginFailure(email=carla.email, ip=f"203.0.113.{n}", at=clock()))
    db.commit()
    headers = {"X-Forwarded-For": "192.0.2.99"}
    with TestClient(app, follow_redirects=False) as browser:
        assert _post_login(browser, carla.email, PASSWORD, "192.0.2.99").status_code == 303
        token = csrf_from(browser.get("/login/code", headers=headers).text)
        for _ in range(5):
            answer = browser.post("/login/code", data={"code": "12345x", "csrf_token": token}, headers=headers)
        assert answer.status_code == 401 and ">Anmelden</h1>" in answer.text
        assert "Der Bestätigungscode war 5-mal falsch. Die Anmeldung wurde abgebrochen." in answer.text
        assert browser.get("/login/code", headers=headers).headers["location"] == "/login?next=%2F"


def test_an_account_without_a_mobile_number_is_told_why_and_admins_see_it(engine, clock, db):
    from core.models import LoginFailure, StaffRole

    app = create_app(make_settings(engine, trusted_proxies="testclient"), clock=clock, engine=engine)
    carla = make_staff(db, phone=None)
    admin = make_staff(db, role=StaffRole.ADMIN)
    for n in range(12):
        db.add(LoginFailure(email=carla.email, ip=f"203.0.113.{n}", at=clock()))
    db.commit()
    with TestClient(app, follow_redirects=False) as browser:
        answer = _post_login(browser, carla.email, PASSWORD, "192.0.2.99")
        assert answer.status_code == 403
        assert "für das Konto ist keine Handynummer hinterlegt" in answer.text
        assert "wenden Sie sich an die Verwaltung" in answer.text
    with TestClient(app, follow_redirects=False) as browser:
        login(browser, admin)
        panel = browser.get("/admin/staff").text.split('id="failed-logins"')[1].split("</section>")[0]
        panel = re.sub(r"<td [^>]*>", "<td>", panel)  # the cells' classes and labels aside
    assert (f"<td>{carla.email}</td><td>192.0.2.99</td><td>Richtiges Passwort von neuer Adresse, aber keine "
            "Handynummer für den Bestätigungscode</td><td>1</td>") in panel  # fmt: skip


def test_a_200000_character_email_at_login_is_refused_and_never_stored_or_shown_whole(client, db):
    """Issue 16, 9: such an address was stored and shown whole; the 256 KiB body limit let it through."""
    from core.models import LoginFailure, StaffRole

    email = "a" * 200_000 + "@fluxx.test"
    answer = client.post("/login", data={"email": email, "password": "egal egal",
                                         "csrf_token": csrf_from(client.get("/login").text)})  # fmt: skip
    assert answer.status_code == 422
    assert "Die E-Mail-Adresse ist zu lang. Sie kann höchstens 254 Zeichen haben." in answer.text
    assert "a" * 255 not in answer.text
    assert db.scalar(select(func.max(func.length(LoginFailure.email)))) <= 254
    login(client, make_staff(db, role=StaffRole.ADMIN))
    assert len(client.get("/admin/staff").text) < 20_000


def test_a_webhook_signed_with_the_formerly_published_simulator_key_is_refused(
    engine, clock, db, tmp_path, monkeypatch
):
    import hashlib

    from core.settings import load_settings
    from telephony.webhooks import sign
    from tests.twilio_helpers import voice_params

    monkeypatch.delenv("FLUXX_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLUXX_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FLUXX_PUBLIC_BASE_URL", "http://testserver")
    settings = load_settings(_env_file=None)  # a demo installation as `make run` starts it
    forged_token = hashlib.sha256(b"simulator:dev-only-not-secret").hexdigest()[:32]
    params = voice_params("CA" + "6" * 32)
    signature = sign(forged_token, "http://testserver/twilio/voice/incoming", params)
    with TestClient(create_app(settings, clock=clock, engine=engine)) as client:
        response = client.post("/twilio/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_fluxx_demo_refuses_a_production_configuration_and_creates_no_admin(engine, db):
    from typer.testing import CliRunner

    from core.models import Staff
    from fluxx.cli import app as cli

    env = {
        "FLUXX_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FLUXX_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "FLUXX_TWILIO_AUTH_TOKEN": "real-token",
        "FLUXX_SECRET_KEY": "q8Vd2-LmZx7Pk3Ry9Tb4Nw6Hs1Jf5Gc0Ue8Ai2Ko",
    }
    result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 1
    assert "Demodaten nur im Simulationsmodus" in result.output
    assert db.scalar(select(func.count()).select_from(Staff)) == 0


def test_superscript_digits_in_the_volunteer_list_and_the_search_form_are_no_server_error(client, db):
    from core.models import StaffRole
    from tests.volunteers.outreach.helpers import job_in_laatzen

    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    for query in ("page=%C2%B2", "municipality=%C2%B2", "page=%D9%A3&municipality=--1"):
        page = client.get(f"/volunteers?{query}", headers={"accept": "text/html"})
        assert page.status_code == 200 and "Ehrenamtliche" in page.text, query
    job = job_in_laatzen(db)
    answer = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "²", "interval": "15"})
    assert answer.status_code == 422 and "bitte eine ganze Zahl von" in answer.text
