import threading
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from core import auth
from core.models import LoginFailure, StaffRole
from fluxx.wiring import send_login_code
from tests.factories import PASSWORD, T0, make_staff

# The login as the app runs it: a code goes out through the outbox.
authenticate = partial(auth.authenticate, send_code=send_login_code)


def test_german_phone_numbers_are_stored_in_e164(db):
    staff = make_staff(db, phone="0511 168-32110")
    assert staff.phone == "+4951116832110"


def test_passwords_are_hashed_with_argon2id(db):
    staff = make_staff(db)
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash


@pytest.mark.parametrize(
    ("password", "problem"),
    [("kurz", "mindestens 8 Zeichen"), ("passwort123", "zu verbreitet"), ("x" * 300, "höchstens")],
)
def test_weak_passwords_are_refused_with_a_reason(db, password, problem):
    with pytest.raises(auth.AccountError, match=problem):
        make_staff(db, password=password)


def test_long_passphrases_without_composition_rules_are_fine():
    assert auth.password_problem("kaffee mit milch und zucker am morgen " * 2) is None


def test_an_email_can_have_only_one_account(db):
    make_staff(db, email="anna@fluxx.test")
    with pytest.raises(auth.AccountError, match="schon ein Konto"):
        make_staff(db, email="Anna@Fluxx.test ")


def test_an_overlong_email_is_refused_without_being_repeated(db):
    with pytest.raises(auth.AccountError, match="höchstens 254 Zeichen") as refused:
        make_staff(db, email="a" * 300 + "@fluxx.test")
    assert "a" * 255 not in str(refused.value)


def test_a_malformed_phone_number_is_refused(db):
    with pytest.raises(auth.AccountError, match="keine gültige Telefonnummer"):
        make_staff(db, phone="12")


def test_the_right_password_logs_in_and_a_wrong_one_is_recorded(db):
    staff = make_staff(db)
    assert (
        auth.authenticate(
            db, send_code=send_login_code, email=staff.email, password=PASSWORD, ip="1.2.3.4", now=T0
        ).staff
        == staff
    )
    assert (
        auth.authenticate(
            db, send_code=send_login_code, email=staff.email, password="falsch!!", ip="1.2.3.4", now=T0
        ).staff
        is None
    )
    assert db.scalars(select(LoginFailure.email)).all() == [staff.email]


def test_a_disabled_account_cannot_log_in(db):
    staff = make_staff(db)
    staff.is_active = False
    assert (
        auth.authenticate(
            db, send_code=send_login_code, email=staff.email, password=PASSWORD, ip="1.2.3.4", now=T0
        ).staff
        is None
    )


def test_repeated_failures_slow_down_the_next_attempts_but_never_lock_out(db):
    staff = make_staff(db)
    now = T0
    for _ in range(auth.FREE_ATTEMPTS):
        assert (
            auth.authenticate(
                db, send_code=send_login_code, email=staff.email, password="falsch!!", ip="9.9.9.9", now=now
            ).wait_seconds
            == 0
        )
    blocked = auth.authenticate(
        db, send_code=send_login_code, email=staff.email, password=PASSWORD, ip="9.9.9.9", now=now
    )
    assert blocked.staff is None and blocked.wait_seconds == 2
    later = now + timedelta(seconds=3)
    assert (
        auth.authenticate(
            db, send_code=send_login_code, email=staff.email, password=PASSWORD, ip="9.9.9.9", now=later
        ).staff
        == staff
    )


def test_the_delay_doubles_and_is_capped_for_the_guessing_address_only(db):
    staff = make_staff(db)
    for _ in range(20):
        db.add(LoginFailure(email=staff.email, ip="8.8.8.8", at=T0))
    db.flush()
    assert auth.login_wait_seconds(db, email=staff.email, ip="8.8.8.8", now=T0) == auth.MAX_DELAY_SECONDS
    assert auth.login_wait_seconds(db, email=staff.email, ip="8.8.8.8", now=T0 + timedelta(minutes=16)) == 0
    # The account as a whole never waits: another address confirms by SMS instead (test_login_codes.py).
    assert auth.login_wait_seconds(db, email=staff.email, ip="1.1.1.1", now=T0) == 0
    assert auth.under_attack(db, email=staff.email, ip="1.1.1.1", now=T0)


def test_sessions_expire_when_idle_or_too_old(db):
    staff = make_staff(db)
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    idle, absolute = timedelta(minutes=30), timedelta(hours=12)
    for minutes in range(0, 11 * 60, 25):  # active all day, never idle for 30 minutes
        assert auth.resolve_session(db, token=token, now=T0 + timedelta(minutes=minutes), idle=idle, absolute=absolute)
    assert (
        auth.resolve_session(db, token=token, now=T0 + timedelta(hours=12, minutes=1), idle=idle, absolute=absolute)
        is None
    )
    token = auth.start_session(db, staff=staff, ip=None, now=T0)
    assert auth.resolve_session(db, token=token, now=T0 + timedelta(minutes=31), idle=idle, absolute=absolute) is None
    # Once ended, a session stays ended.
    assert auth.resolve_session(db, token=token, now=T0 + timedelta(minutes=1), idle=idle, absolute=absolute) is None


def test_roles_are_ordered():
    assert StaffRole.ADMIN.rank > StaffRole.COORDINATOR.rank > StaffRole.COUNSELLOR.rank


def test_at_most_two_passwords_are_hashed_at_once_the_others_wait_their_turn():
    # Each argon2 hash or check holds 64 MiB while it runs: fifty login attempts at once must not take 3 GiB.
    assert auth.HASHING_AT_ONCE == 2
    stored = auth.hash_password("ein langes Passwort")
    for _ in range(auth.HASHING_AT_ONCE):
        auth._hashing.acquire()  # two checks are running
    results: list[bool] = []
    third = threading.Thread(target=lambda: results.append(auth.verify_password(stored, "ein langes Passwort")))
    third.start()
    try:
        third.join(timeout=0.2)
        assert third.is_alive() and results == []  # waits for a turn
    finally:
        auth._hashing.release()
    third.join(timeout=10)
    auth._hashing.release()
    assert results == [True]
    assert auth.verify_password(stored, "falsch") is False  # a wrong password gives its turn back too
    assert auth.verify_password(stored, "ein langes Passwort") and auth.verify_password("kein hash", "x") is False
