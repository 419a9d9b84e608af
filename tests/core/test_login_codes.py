"""Issue 16, point 6: guessing against a named account from many addresses must not keep its owner out.

A new address of an account under attack confirms the login with a code by SMS; the attackers' addresses
wait, and their refused attempts are recorded.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

from sqlalchemy import func, select

from core import auth
from core.models import LoginChallenge, LoginFailure, LoginFailureKind, StaffRole
from fluxx.wiring import send_login_code
from messaging.models import Message
from tests.factories import PASSWORD, T0, make_staff

# The login as the app runs it: a code goes out through the outbox.
authenticate = partial(auth.authenticate, send_code=send_login_code)

OFFICE = "10.1.1.1"
HOME = "192.0.2.99"  # the ninth address: she never logged in from there
ATTACKERS = [f"203.0.113.{n}" for n in range(1, 9)]


def _attack(db, email, *, rounds=3, start=T0):
    """Rotate eight addresses, each failing `rounds` times against the account (no waiting in between)."""
    for n in range(rounds):
        for ip in ATTACKERS:
            auth.authenticate(
                db,
                send_code=send_login_code,
                email=email,
                password=f"geraten{n}!",
                ip=ip,
                now=start + timedelta(seconds=n),
            )


def _coordinator(db, **overrides):
    values = {"name": "Carla Koordination", "role": StaffRole.COORDINATOR, "phone": "0151 23456789", **overrides}
    staff = make_staff(db, **values)
    auth.start_session(db, staff=staff, ip=OFFICE, now=T0 - timedelta(days=3))  # she works from the office
    return staff


def _sms(db, to):
    return db.scalars(select(Message).where(Message.to_number == to).order_by(Message.id)).all()


def _code(message):
    return re.search(r"lautet (\d{6})\.", message.body).group(1)


def test_the_right_password_from_a_ninth_address_gets_a_code_and_the_code_logs_her_in(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)

    result = authenticate(db, email=carla.email, password=PASSWORD, ip=HOME, now=now)
    assert result.wait_seconds == 0 and result.staff is None and result.challenge
    [sms] = _sms(db, "+4915123456789")
    assert sms.body.startswith("Fluxxfon: Ihr Bestätigungscode für die Anmeldung lautet ")
    assert "Er gilt 10 Minuten." in sms.body
    # Only a keyed hash of the code is stored, bound to her and this address.
    challenge = db.scalar(select(LoginChallenge).where(LoginChallenge.ip == HOME))
    assert (challenge.staff_id, challenge.ip) == (carla.id, HOME)
    assert _code(sms) not in (challenge.code_hash or "") and result.challenge not in challenge.token_hash

    confirmed = auth.confirm_code(db, token=result.challenge, code=_code(sms), ip=HOME, now=now + timedelta(minutes=2))
    assert confirmed.outcome is auth.CodeOutcome.LOGGED_IN and confirmed.staff == carla
    auth.start_session(db, staff=carla, ip=HOME, now=now + timedelta(minutes=2))
    # The address is known now: her next login from there needs no code, even while the attack goes on.
    _attack(db, carla.email, start=now + timedelta(minutes=3))
    again = auth.authenticate(
        db, send_code=send_login_code, email=carla.email, password=PASSWORD, ip=HOME, now=now + timedelta(minutes=4)
    )
    assert again.staff == carla and len(_sms(db, "+4915123456789")) == 1


def test_from_her_known_address_she_logs_in_without_a_code_during_the_attack(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    result = auth.authenticate(
        db, send_code=send_login_code, email=carla.email, password=PASSWORD, ip=OFFICE, now=T0 + timedelta(seconds=10)
    )
    assert result.staff == carla and result.challenge is None
    assert _sms(db, carla.phone) == []


def test_five_wrong_codes_end_the_pending_login(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)
    token = auth.authenticate(
        db, send_code=send_login_code, email=carla.email, password=PASSWORD, ip=HOME, now=now
    ).challenge
    right = _code(_sms(db, carla.phone)[0])
    wrong = "000000" if right != "000000" else "111111"
    left = [auth.confirm_code(db, token=token, code=wrong, ip=HOME, now=now) for _ in range(auth.CODE_TRIES)]
    assert [r.outcome for r in left] == [auth.CodeOutcome.WRONG] * 4 + [auth.CodeOutcome.USED_UP]
    assert [r.tries_left for r in left[:4]] == [4, 3, 2, 1]
    assert auth.confirm_code(db, token=token, code=right, ip=HOME, now=now).outcome is auth.CodeOutcome.EXPIRED
    kinds = db.scalars(select(LoginFailure.kind).where(LoginFailure.ip == HOME)).all()
    assert kinds.count(LoginFailureKind.CODE) == 5


def test_a_code_expires_after_ten_minutes_and_works_only_from_its_address(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)
    token = auth.authenticate(
        db, send_code=send_login_code, email=carla.email, password=PASSWORD, ip=HOME, now=now
    ).challenge
    code = _code(_sms(db, carla.phone)[0])
    elsewhere = auth.confirm_code(db, token=token, code=code, ip=ATTACKERS[0], now=now)
    assert elsewhere.outcome is auth.CodeOutcome.EXPIRED
    late = auth.confirm_code(db, token=token, code=code, ip=HOME, now=now + timedelta(minutes=10))
    assert late.outcome is auth.CodeOutcome.EXPIRED and late.staff is None


def test_the_attackers_addresses_wait_and_their_refused_attempts_are_recorded(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=3)  # each address failed three times, the last a second ago
    for ip in ATTACKERS:
        refused = authenticate(db, email=carla.email, password=PASSWORD, ip=ip, now=now)
        assert refused.wait_seconds > 0 and refused.challenge is None and refused.staff is None
    throttled = db.scalars(select(LoginFailure.ip).where(LoginFailure.kind == LoginFailureKind.THROTTLED)).all()
    assert sorted(throttled) == sorted(ATTACKERS)
    assert _sms(db, carla.phone) == []  # the attackers' addresses never got as far as a code
    failures = {f.ip: f for f in auth.recent_failures(db, now=now) if f.kind is LoginFailureKind.THROTTLED}
    assert failures[ATTACKERS[0]].count == 1
    assert failures[ATTACKERS[0]].kind.label == "Abgewiesen: zu früh nach Fehlversuchen"


def test_a_wrong_password_from_a_new_address_looks_the_same_but_sends_nothing(db):
    """The answer does not tell the guesser whether the password was right; only the owner gets a code."""
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)
    guess = auth.authenticate(
        db, send_code=send_login_code, email=carla.email, password="noch ein Versuch", ip="198.51.100.7", now=now
    )
    assert guess.challenge and guess.staff is None and guess.wait_seconds == 0
    assert _sms(db, carla.phone) == []
    for code in ("000000", "123456"):
        outcome = auth.confirm_code(db, token=guess.challenge, code=code, ip="198.51.100.7", now=now).outcome
        assert outcome is auth.CodeOutcome.WRONG


def test_an_account_without_a_mobile_number_is_told_to_ask_the_admins(db):
    carla = _coordinator(db, phone="0511 123456")  # a landline cannot receive the code
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)
    result = authenticate(db, email=carla.email, password=PASSWORD, ip=HOME, now=now)
    assert result.no_phone and result.staff is None and result.challenge is None
    assert db.scalar(select(func.count()).select_from(Message)) == 0
    [row] = [f for f in auth.recent_failures(db, now=now) if f.ip == HOME]
    assert row.kind is LoginFailureKind.NO_PHONE
    assert "keine Handynummer" in row.kind.label


def test_codes_to_one_account_are_limited_against_sms_floods(db):
    carla = _coordinator(db)
    _attack(db, carla.email)
    now = T0 + timedelta(seconds=10)
    for n in range(auth.CODES_PER_WINDOW + 2):
        result = auth.authenticate(
            db, send_code=send_login_code, email=carla.email, password=PASSWORD, ip=f"198.51.100.{n}", now=now
        )
        assert result.challenge  # the same page, whether a code went out or not
    assert len(_sms(db, carla.phone)) == auth.CODES_PER_WINDOW
    kinds = db.scalars(select(LoginFailure.kind).where(LoginFailure.ip.like("198.51.100.%"))).all()
    assert kinds.count(LoginFailureKind.CODE_LIMIT) == 2


def test_an_overlong_email_is_refused_before_anything_is_looked_up_and_stored_cut(db):
    email = "a" * 200_000 + "@fluxx.test"
    result = auth.authenticate(
        db, send_code=send_login_code, email=email, password="egal egal", ip="203.0.113.50", now=T0
    )
    assert result.too_long and result.staff is None
    stored = db.scalar(select(LoginFailure.email))
    assert len(stored) == auth.MAX_EMAIL_LENGTH
    assert len(auth.recent_failures(db, now=T0)[0].email) == auth.MAX_EMAIL_LENGTH
    long_password = auth.authenticate(
        db, send_code=send_login_code, email="x@fluxx.test", password="p" * 5000, ip="203.0.113.51", now=T0
    )
    assert long_password.too_long
