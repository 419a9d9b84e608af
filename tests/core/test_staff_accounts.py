"""Issue 21, point 10: the office maintains its accounts itself.

Admins edit staff and reset a password (a temporary one that must be changed at the next login), staff change
their own password, and "Passwort vergessen?" sends a one-time link by SMS without telling whether an
account exists.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core import auth
from core.models import AuditEvent, LoginFailure, PasswordReset, Staff, StaffRole, StaffSession
from fluxx.wiring import send_login_code
from messaging.models import Message
from tests.factories import PASSWORD, T0, csrf_from, login, make_staff

request_reset = partial(auth.request_reset, send_code=send_login_code, base_url="https://fluxx.test")
NEW = "ein neues langes Passwort"


def _link_token(db, phone: str) -> str:
    message = db.scalars(select(Message).where(Message.to_number == phone).order_by(Message.id.desc())).first()
    assert message is not None, "no SMS went out"
    return re.search(r"neues-passwort\?token=([\w-]+)", message.body).group(1)


def _actions(db, staff_id: int | None = None) -> list[str]:
    db.expire_all()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    return list(db.scalars(query if staff_id is None else query.where(AuditEvent.object_id == staff_id)))


# --- the rules ---


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    with pytest.raises(auth.AccountError, match="keine aktive Person mit der Rolle Verwaltung"):
        auth.update_staff(db, admin, name=admin.name, role=StaffRole.COUNSELLOR, phone=None, active=True, by=admin,
                          now=T0)  # fmt: skip
    with pytest.raises(auth.AccountError, match="eigene Konto kann nicht deaktiviert"):
        auth.update_staff(db, admin, name=admin.name, role=StaffRole.ADMIN, phone=None, active=False, by=admin, now=T0)
    second = make_staff(db, role=StaffRole.ADMIN)
    # With a second admin, one may step down; then the second is the last one.
    changes = auth.update_staff(db, admin, name=admin.name, role=StaffRole.COORDINATOR, phone=admin.phone,
                                active=True, by=admin, now=T0)  # fmt: skip
    assert changes == {"role": ["admin", "coordinator"]}
    with pytest.raises(auth.AccountError, match="keine aktive Person"):
        auth.update_staff(db, second, name=second.name, role=StaffRole.COUNSELLOR, phone=None, active=True, by=admin,
                          now=T0)  # fmt: skip


def test_a_reset_gives_a_temporary_password_ends_sessions_and_must_be_changed(db):
    person = make_staff(db)
    auth.start_session(db, staff=person, ip="10.0.0.1", now=T0)
    temporary = auth.reset_password(db, person, now=T0)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary)
    assert auth.password_problem(temporary) is None
    assert person.must_change_password and temporary not in person.password_hash
    assert not auth.verify_password(person.password_hash, PASSWORD)
    assert all(s.ended_at for s in db.scalars(select(StaffSession).where(StaffSession.staff_id == person.id)))


def test_changing_the_own_password_checks_the_current_one_and_the_rules(db):
    person = make_staff(db)
    here = auth.start_session(db, staff=person, ip="10.0.0.1", now=T0)
    auth.start_session(db, staff=person, ip="10.0.0.2", now=T0)
    session = db.scalar(select(StaffSession).where(StaffSession.token_hash == auth._token_hash(here)))
    change = partial(auth.change_password, db, person, session=session, ip="10.0.0.1", now=T0)
    assert change(current="falsch!!", new=NEW, repeated=NEW) == {
        "current_password": "Das bisherige Passwort stimmt nicht."
    }
    assert change(current=PASSWORD, new="kurz", repeated="kurz") == {
        "new_password": "Das Passwort muss mindestens 8 Zeichen lang sein."
    }
    assert change(current=PASSWORD, new="password", repeated="password")["new_password"].startswith("Dieses Passwort")
    assert change(current=PASSWORD, new=NEW, repeated=NEW + "x") == {
        "new_password_repeat": "Die beiden neuen Passwörter stimmen nicht überein."
    }
    assert change(current=PASSWORD, new=NEW, repeated=NEW) == {}
    assert auth.verify_password(person.password_hash, NEW)
    sessions = db.scalars(select(StaffSession).where(StaffSession.staff_id == person.id)).all()
    assert [s.ended_at is None for s in sorted(sessions, key=lambda s: s.id)] == [True, False]


def test_wrong_current_passwords_are_throttled_like_logins(db):
    person = make_staff(db)
    for n in range(auth.FREE_ATTEMPTS):
        auth.change_password(db, person, current=f"falsch{n}!!", new=NEW, repeated=NEW, session=None, ip="10.0.0.9",
                             now=T0)  # fmt: skip
    answer = auth.change_password(db, person, current=PASSWORD, new=NEW, repeated=NEW, session=None, ip="10.0.0.9",
                                  now=T0)  # fmt: skip
    assert answer["current_password"].startswith("Zu viele Fehlversuche.")
    assert db.scalars(select(LoginFailure).where(LoginFailure.email == person.email)).all()


def test_a_reset_link_goes_out_by_sms_works_once_and_expires(db):
    person = make_staff(db, phone="0151 11122233")
    outcome, who = request_reset(db, email=person.email.upper(), ip="198.51.100.1", now=T0)
    assert outcome is auth.ResetRequest.ANSWERED and who is person
    token = _link_token(db, "+4915111122233")
    assert db.scalar(select(PasswordReset.token_hash)) == auth._token_hash(token)  # only its hash is stored
    assert auth.pending_reset(db, token=token, now=T0 + auth.RESET_VALID_FOR) is None  # expired
    person_back, errors = auth.complete_reset(db, token=token, new=NEW, repeated="anders", now=T0)
    assert person_back is person and "new_password_repeat" in errors
    assert auth.complete_reset(db, token=token, new=NEW, repeated=NEW, now=T0 + timedelta(minutes=5)) == (person, {})
    assert auth.verify_password(person.password_hash, NEW)
    assert auth.complete_reset(db, token=token, new=NEW, repeated=NEW, now=T0 + timedelta(minutes=6)) == (None, {})


def test_no_sms_for_unknown_addresses_accounts_without_a_mobile_or_inactive_ones(db):
    landline = make_staff(db, phone="0511 123456")
    inactive = make_staff(db, phone="0151 99988877")
    inactive.is_active = False
    for n, email in enumerate(["niemand@fluxx.test", landline.email, inactive.email]):
        assert request_reset(db, email=email, ip=f"198.51.100.{n}", now=T0) == (auth.ResetRequest.ANSWERED, None)
    assert db.scalars(select(Message)).all() == []


def test_reset_requests_are_limited_per_address_and_per_ip(db):
    person = make_staff(db, phone="0151 11122244")
    for n in range(auth.RESETS_PER_EMAIL):
        assert request_reset(db, email=person.email, ip=f"198.51.100.{n}", now=T0)[0] is auth.ResetRequest.ANSWERED
    assert request_reset(db, email=person.email, ip="198.51.100.50", now=T0)[0] is auth.ResetRequest.WAIT
    # Unknown addresses count the same: the limit tells nothing about which addresses exist.
    for n in range(auth.RESETS_PER_IP):
        request_reset(db, email=f"raten{n}@fluxx.test", ip="203.0.113.7", now=T0)
    assert request_reset(db, email="noch-eine@fluxx.test", ip="203.0.113.7", now=T0)[0] is auth.ResetRequest.WAIT
    later = T0 + auth.RESET_WINDOW + timedelta(seconds=1)
    assert request_reset(db, email=person.email, ip="198.51.100.50", now=later)[0] is auth.ResetRequest.ANSWERED
    assert len(db.scalars(select(Message)).all()) == auth.RESETS_PER_EMAIL + 1


# --- the pages ---


def test_an_admin_edits_a_colleague_with_german_errors_and_an_audit_entry(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    lea = make_staff(db, name="Lea Brandt")
    token = login(client, admin)
    page = client.get(f"/admin/staff/{lea.id}")
    assert page.status_code == 200 and "Lea Brandt bearbeiten" in page.text
    assert f'href="/admin/staff/{lea.id}"' in client.get("/admin/staff").text  # "Bearbeiten" in the list
    bad = client.post(f"/admin/staff/{lea.id}",
                      data={"csrf_token": token, "name": "Lea Brandt-Neu", "role": "coordinator", "phone": "0511",
                            "active": "1"})  # fmt: skip
    assert bad.status_code == 422
    assert "Bitte korrigieren Sie eine Angabe" in bad.text and "„0511“ ist keine gültige Telefonnummer." in bad.text
    assert 'value="Lea Brandt-Neu"' in bad.text  # what was typed stays
    good = client.post(f"/admin/staff/{lea.id}",
                       data={"csrf_token": token, "name": "Lea Brandt-Neu", "role": "coordinator",
                             "phone": "0151 22233344", "active": "1"})  # fmt: skip
    assert good.status_code == 303
    db.expire_all()
    assert (lea.name, lea.role, lea.phone) == ("Lea Brandt-Neu", StaffRole.COORDINATOR, "+4915122233344")
    assert _actions(db, lea.id) == ["staff.view", "staff.update"]
    assert "Konto von Lea Brandt-Neu gespeichert." in client.get("/admin/staff").text
    # Without the form token nothing changes.
    forged = client.post(f"/admin/staff/{lea.id}", data={"name": "X", "role": "admin", "active": "1"})
    assert forged.status_code == 403


def test_the_last_admin_is_refused_with_a_clear_message_on_the_page(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN, name="Anna Admin")
    token = login(client, admin)
    form = {"csrf_token": token, "name": "Anna Admin", "role": "counsellor", "active": "1"}
    answer = client.post(f"/admin/staff/{admin.id}", data=form)
    assert (
        answer.status_code == 422 and "Es muss immer mindestens ein aktives Konto der Verwaltung geben" in answer.text
    )
    db.expire_all()
    assert admin.role is StaffRole.ADMIN


def test_an_admin_resets_a_password_and_the_person_must_change_it_first(client, db, app):
    admin = make_staff(db, role=StaffRole.ADMIN)
    ben = make_staff(db, name="Ben Kraus")
    with TestClient(app, follow_redirects=False) as ben_client:
        login(ben_client, ben)
        token = login(client, admin)
        asked = client.post(f"/admin/staff/{ben.id}/password", data={"csrf_token": token})
        assert "Passwort von Ben Kraus zurücksetzen?" in asked.text
        shown = client.post(f"/admin/staff/{ben.id}/password", data={"csrf_token": token, "confirmed": "1"})
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        temporary = re.search(r'class="temporary-password">([a-z0-9-]+)<', shown.text).group(1)
        assert ben_client.get("/", headers={"accept": "text/html"}).status_code == 303  # his session ended
        assert _actions(db, ben.id)[-1] == "staff.password_reset"
        # The temporary password logs him in, but every page sends him to "Passwort ändern".
        page = ben_client.get("/login")
        ben_client.post("/login", data={"email": ben.email, "password": temporary, "csrf_token": csrf_from(page.text)})
        for path in ("/", "/cases", "/admin/staff"):
            answer = ben_client.get(path, headers={"accept": "text/html"})
            assert answer.status_code == 303 and answer.headers["location"] == "/konto/passwort"
        form = ben_client.get("/konto/passwort")
        assert "Ihr Passwort wurde von der Verwaltung zurückgesetzt." in form.text
        ben_token = csrf_from(form.text)
        done = ben_client.post("/konto/passwort", data={"csrf_token": ben_token, "current_password": temporary,
                                                         "new_password": NEW, "new_password_repeat": NEW})  # fmt: skip
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "Ihr Passwort wurde geändert." in ben_client.get("/").text
        assert _actions(db, ben.id)[-1] == "staff.password_change"
        db.expire_all()
        assert not ben.must_change_password


def test_an_admin_cannot_reset_the_own_password_there(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    answer = client.post(f"/admin/staff/{admin.id}/password", data={"csrf_token": token, "confirmed": "1"})
    assert answer.status_code == 403 and "Passwort ändern" in answer.text


def test_the_forgot_page_answers_the_same_for_every_address_and_the_link_sets_a_password(client, db):
    person = make_staff(db, phone="0151 44455566")
    login_page = client.get("/login")
    assert 'href="/login/passwort-vergessen">Passwort vergessen?</a>' in login_page.text
    answers = []
    for email in (person.email, "niemand@fluxx.test"):
        page = client.get("/login/passwort-vergessen")
        answer = client.post("/login/passwort-vergessen", data={"csrf_token": csrf_from(page.text), "email": email})
        assert answer.status_code == 200
        answers.append(answer.text.replace(email, ""))
    assert answers[0] == answers[1] and "Der Link gilt 30 Minuten und nur einmal." in answers[0]
    assert _actions(db) == ["staff.reset_request"]
    token = _link_token(db, "+4915144455566")
    form = client.get(f"/login/neues-passwort?token={token}")
    assert form.status_code == 200
    done = client.post("/login/neues-passwort", data={"csrf_token": csrf_from(form.text), "token": token,
                                                      "new_password": NEW, "new_password_repeat": NEW})  # fmt: skip
    assert done.headers["location"] == "/login?passwort_neu=1"
    assert "Ihr neues Passwort ist festgelegt." in client.get(done.headers["location"]).text
    again = client.get(f"/login/neues-passwort?token={token}")
    assert again.status_code == 410 and "Dieser Link funktioniert nicht (mehr)" in again.text
    assert _actions(db)[-1] == "staff.reset_done"
    login(client, person, password=NEW)
    assert db.scalar(select(Staff.must_change_password).where(Staff.id == person.id)) is False
