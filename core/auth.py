"""Staff accounts, password hashing, login sessions and slowing down password guessing."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import ClassVar, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session, joinedload

from core.errors import DomainError
from core.models import (
    LoginChallenge,
    LoginFailure,
    LoginFailureKind,
    PasswordReset,
    Staff,
    StaffRole,
    StaffSession,
)
from core.phone import is_mobile, to_e164

# argon2id with the library's current recommended parameters. Tests swap in cheap ones (tests/factories.py):
# a login then rehashes nothing, since every check below asks this hasher.
hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown email equal to a real one.
_DUMMY_HASH = hasher.hash("not a password of anybody")
# Each hash or check holds the hasher's memory (64 MiB at the default parameters) while it runs. Unbounded, fifty
# login attempts at once would take 3 GiB of a small machine; the others wait their turn (bench/notes.md, memory).
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_DELAY_SECONDS = 300
FREE_ATTEMPTS = 3  # one account from one address
# Failures of one account from other addresses before a new address needs a confirmation code by SMS.
ACCOUNT_FREE_ATTEMPTS = 10
IP_FREE_ATTEMPTS = 30  # one address, for accounts that never logged in from there
KNOWN_ADDRESS_FOR = timedelta(days=90)
# What a login form takes, checked before anything is hashed or stored: the longest possible e-mail address,
# and far more than any password (new ones have at most MAX_PASSWORD_LENGTH characters).
MAX_EMAIL_LENGTH = 254
MAX_LOGIN_PASSWORD_LENGTH = 1024
# The confirmation code of a login from a new address while the account is under attack.
CODE_DIGITS = 6
CODE_VALID_FOR = timedelta(minutes=10)
CODE_TRIES = 5
CODES_PER_WINDOW = 5  # codes sent to one account per THROTTLE_WINDOW, against SMS floods
CODE_SMS = (
    "Fluxxfon: Ihr Bestätigungscode für die Anmeldung lautet {code}. Er gilt 10 Minuten. "
    "Haben Sie sich nicht gerade angemeldet? Dann melden Sie das bitte der Verwaltung."
)
# How long before an idle logout every staff page warns and offers "Angemeldet bleiben".
IDLE_WARNING = timedelta(minutes=2)
# What staff read when a session ended by itself (login page, the warning box, the dashboard).
IDLE_LOGOUT_MESSAGE = "Sie wurden wegen Inaktivität abgemeldet."
MAX_AGE_LOGOUT_MESSAGE = "Ihre Anmeldung ist nach {hours} Stunden abgelaufen. Bitte melden Sie sich neu an."
# The idle logout ends the web session only: the duty switch (who the hotline rings) stays as it was.
ON_DUTY_NOTE = (
    "Sie sind weiterhin im Dienst: Anrufe der Hotline klingeln weiter auf Ihrem Telefon. "
    "Rückrufe und neue Fälle sehen Sie erst wieder, wenn Sie sich neu anmelden. "
    "Wenn Sie keine Anrufe mehr annehmen können, melden Sie sich an und beenden Sie den Dienst."
)


class AccountError(DomainError, ValueError):
    """A staff account could not be created or changed; the message is for staff (German), answered 422."""

    status_code: ClassVar[int] = 422


@cache
def _common_passwords() -> frozenset[str]:
    lines = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None. Length and common-password check, no rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein."
    if password.lower() in _common_passwords():
        return "Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes."
    return None


def hash_password(password: str) -> str:
    with _hashing:
        return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _hashing:
            return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_staff(
    db: Session,
    *,
    name: str,
    email: str,
    password: str,
    role: StaffRole,
    phone: str | None,
    on_duty: bool,
    now: datetime,
) -> Staff:
    """Create a staff account; raise AccountError with a German message on bad input."""
    if not name.strip():
        raise AccountError("Bitte einen Namen angeben.")
    email = normalize_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise AccountError(f"Die E-Mail-Adresse ist zu lang. Sie kann höchstens {MAX_EMAIL_LENGTH} Zeichen haben.")
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(f"„{email}“ ist keine gültige E-Mail-Adresse.")
    if db.scalar(select(Staff.id).where(Staff.email == email)) is not None:
        raise AccountError(f"Es gibt schon ein Konto mit der E-Mail-Adresse {email}.")
    if problem := password_problem(password):
        raise AccountError(problem)
    try:
        e164 = to_e164(phone) if phone else None
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    staff = Staff(
        name=name.strip(),
        email=email,
        phone=e164,
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        on_duty=on_duty,
        created_at=now,
        updated_at=now,
    )
    db.add(staff)
    db.flush()
    return staff


class CodeSender(Protocol):
    """Sends a staff member's confirmation code by SMS: the outbox, above the core, so the app hands it to
    the login (`fluxx.wiring.send_login_code`, carried by `core.context.AppContext.send_code`)."""

    def __call__(self, db: Session, *, to: str, body: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class LoginResult:
    """How a login went: `staff` is logged in; otherwise wait, ask for the code, or refuse.

    `challenge` is the pending login's token (for a cookie) when the next step is the confirmation code;
    `no_phone` when that step would be needed but the account has no mobile number for it; `too_long` when
    the e-mail address or password is longer than any can be.
    """

    staff: Staff | None
    wait_seconds: int = 0
    challenge: str | None = None
    no_phone: bool = False
    too_long: bool = False


def known_address(db: Session, *, email: str, ip: str, now: datetime) -> bool:
    """Whether this account logged in successfully from this address in the last 90 days."""
    return bool(
        db.scalar(
            select(func.count())
            .select_from(StaffSession)
            .join(Staff)
            .where(Staff.email == email, StaffSession.ip == ip, StaffSession.created_at >= now - KNOWN_ADDRESS_FOR)
        )
    )


_COUNTS = LoginFailure.kind != LoginFailureKind.THROTTLED


def _wait(db: Session, *, email: str, ip: str, now: datetime, known: bool) -> int:
    since = now - THROTTLE_WINDOW
    checks: list[tuple[ColumnElement[bool], int]] = [
        (and_(LoginFailure.email == email, LoginFailure.ip == ip), FREE_ATTEMPTS)
    ]
    if not known:
        checks.append((LoginFailure.ip == ip, IP_FREE_ATTEMPTS))
    waits = []
    for condition, free in checks:
        count, last = db.execute(
            select(func.count(), func.max(LoginFailure.at)).where(condition, _COUNTS, LoginFailure.at >= since)
        ).one()
        if count >= free and last is not None:
            delay = min(2 ** (count - free + 1), MAX_DELAY_SECONDS)
            # max() keeps the column's type, so `last` is an aware UTC datetime on every database.
            waits.append(math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))
    return max([0, *waits])


def login_wait_seconds(db: Session, *, email: str, ip: str, now: datetime) -> int:
    """Seconds until the next attempt from this address is allowed: doubling per failure, capped, never a lockout.

    Only the address is slowed down, never the account as a whole: failures of this account from this
    address always count, and failures of anybody from this address where the account never logged in
    before (thirty typos behind the office's one address do not lock out her colleagues). Guessing from
    many addresses makes a new address confirm the login by SMS instead (`under_attack`): someone guessing
    elsewhere cannot keep a staff member out, and an attacker's next attempts wait, not hers.
    """
    return _wait(db, email=email, ip=ip, now=now, known=known_address(db, email=email, ip=ip, now=now))


def under_attack(db: Session, *, email: str, ip: str, now: datetime) -> bool:
    """Whether the account failed often enough from other addresses lately that a new address needs a code."""
    failures = db.scalar(
        select(func.count()).where(
            LoginFailure.email == email, LoginFailure.ip != ip, _COUNTS, LoginFailure.at >= now - THROTTLE_WINDOW
        )
    )
    return (failures or 0) >= ACCOUNT_FREE_ATTEMPTS


def _record(db: Session, *, email: str, ip: str, now: datetime, kind: LoginFailureKind) -> None:
    db.add(LoginFailure(email=email[:MAX_EMAIL_LENGTH], ip=ip[:45], at=now, kind=kind))
    db.flush()


def _code_hash(token: str, code: str) -> str:
    """The code as an HMAC keyed with the browser's token: worthless without the cookie, even offline."""
    return hmac.new(token.encode(), code.encode(), hashlib.sha256).hexdigest()


def _challenge(
    db: Session,
    *,
    email: str,
    ip: str,
    now: datetime,
    staff: Staff | None,
    password_ok: bool,
    send_code: CodeSender,
) -> LoginResult:
    """A login from a new address of an account under attack: ask for a code sent by SMS.

    The answer does not depend on the password: right or wrong, the code page follows (a code is sent only
    for the right one), so guessing from many addresses learns nothing. An account without a mobile number
    is answered with `no_phone`, again whatever the password.
    """
    if staff is not None and staff.is_active and not is_mobile(staff.phone):
        kind = LoginFailureKind.NO_PHONE if password_ok else LoginFailureKind.PASSWORD
        _record(db, email=email, ip=ip, now=now, kind=kind)
        return LoginResult(staff=None, no_phone=True)
    token = secrets.token_urlsafe(32)
    code_hash = None
    kind = LoginFailureKind.PASSWORD
    if password_ok and staff is not None and staff.phone:
        sent = db.scalar(
            select(func.count()).where(
                LoginChallenge.staff_id == staff.id,
                LoginChallenge.code_hash.is_not(None),
                LoginChallenge.created_at >= now - THROTTLE_WINDOW,
            )
        )
        if (sent or 0) < CODES_PER_WINDOW:
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            code_hash = _code_hash(token, code)
            send_code(db, to=staff.phone, body=CODE_SMS.format(code=code), now=now)
            kind = LoginFailureKind.CODE_SENT
        else:
            kind = LoginFailureKind.CODE_LIMIT
    _record(db, email=email, ip=ip, now=now, kind=kind)
    db.add(
        LoginChallenge(
            token_hash=_token_hash(token),
            email=email[:MAX_EMAIL_LENGTH],
            staff_id=staff.id if code_hash is not None and staff is not None else None,
            ip=ip[:45],
            code_hash=code_hash,
            attempts=0,
            created_at=now,
            expires_at=now + CODE_VALID_FOR,
        )
    )
    db.flush()
    return LoginResult(staff=None, challenge=token)


def authenticate(
    db: Session, *, email: str, password: str, ip: str, now: datetime, send_code: CodeSender
) -> LoginResult:
    """Check a login; failures are recorded and slow down the next attempts from the same address.

    While the account is under attack from elsewhere, a new address confirms the login with a code by SMS
    (`LoginResult.challenge`, then `confirm_code`) instead of being refused; `send_code` sends it.
    """
    email = normalize_email(email)
    too_long = len(email) > MAX_EMAIL_LENGTH or len(password) > MAX_LOGIN_PASSWORD_LENGTH
    email = email[:MAX_EMAIL_LENGTH]  # nothing longer is looked up, stored or shown
    known = known_address(db, email=email, ip=ip, now=now)
    wait = _wait(db, email=email, ip=ip, now=now, known=known)
    if wait > 0:
        _record(db, email=email, ip=ip, now=now, kind=LoginFailureKind.THROTTLED)
        return LoginResult(staff=None, wait_seconds=wait)
    if too_long:
        _record(db, email=email, ip=ip, now=now, kind=LoginFailureKind.PASSWORD)
        return LoginResult(staff=None, too_long=True)
    staff = db.scalar(select(Staff).where(Staff.email == email))
    valid = verify_password(staff.password_hash if staff else _DUMMY_HASH, password)
    password_ok = staff is not None and valid and staff.is_active
    if not known and under_attack(db, email=email, ip=ip, now=now):
        return _challenge(db, email=email, ip=ip, now=now, staff=staff, password_ok=password_ok, send_code=send_code)
    if staff is None or not password_ok:
        _record(db, email=email, ip=ip, now=now, kind=LoginFailureKind.PASSWORD)
        return LoginResult(staff=None)
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    _forgive(db, email=email, ip=ip)
    return LoginResult(staff=staff)


def _forgive(db: Session, *, email: str, ip: str) -> None:
    # Only this address's failures are forgiven: the attempts from elsewhere stay visible to admins.
    db.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip))


class CodeOutcome(StrEnum):
    LOGGED_IN = "logged_in"
    WRONG = "wrong"  # try again (`tries_left`)
    USED_UP = "used_up"  # the last try was wrong: the pending login has ended
    EXPIRED = "expired"  # no pending login (any more) for this browser and address


@dataclass(frozen=True)
class CodeResult:
    outcome: CodeOutcome
    staff: Staff | None = None
    tries_left: int = 0


def pending_challenge(db: Session, *, token: str, ip: str, now: datetime, lock: bool = False) -> LoginChallenge | None:
    """The pending login of this browser (its cookie's token) at this address, while it may still be confirmed.

    `lock` holds its row until the transaction ends, so two tries at once count as two.
    """
    if not token:
        return None
    query = select(LoginChallenge).where(LoginChallenge.token_hash == _token_hash(token))
    challenge = db.scalar(query.with_for_update() if lock else query)
    if challenge is None or challenge.ended_at is not None or now >= challenge.expires_at or challenge.ip != ip:
        return None
    return challenge


def confirm_code(db: Session, *, token: str, code: str, ip: str, now: datetime) -> CodeResult:
    """Check the confirmation code of a pending login; the right one logs in (the address is then known)."""
    challenge = pending_challenge(db, token=token, ip=ip, now=now, lock=True)
    if challenge is None:
        return CodeResult(CodeOutcome.EXPIRED)
    typed = "".join(code.split())[: CODE_DIGITS * 2]
    right = challenge.code_hash is not None and hmac.compare_digest(challenge.code_hash, _code_hash(token, typed))
    staff = db.get(Staff, challenge.staff_id) if right and challenge.staff_id is not None else None
    if staff is None or not staff.is_active:
        challenge.attempts += 1
        _record(db, email=challenge.email, ip=ip, now=now, kind=LoginFailureKind.CODE)
        left = CODE_TRIES - challenge.attempts
        if left <= 0:
            challenge.ended_at = now
            return CodeResult(CodeOutcome.USED_UP)
        return CodeResult(CodeOutcome.WRONG, tries_left=left)
    challenge.ended_at = now
    _forgive(db, email=challenge.email, ip=ip)
    return CodeResult(CodeOutcome.LOGGED_IN, staff=staff)


@dataclass(frozen=True)
class FailedLogins:
    email: str
    ip: str
    kind: LoginFailureKind
    count: int
    last_at: datetime


def recent_failures(db: Session, *, now: datetime, within: timedelta = timedelta(days=1)) -> list[FailedLogins]:
    """Failed and throttled logins of the last day per account, address and kind, most recent first (for admins)."""
    rows = db.execute(
        select(LoginFailure.email, LoginFailure.ip, LoginFailure.kind, func.count(), func.max(LoginFailure.at))
        .where(LoginFailure.at >= now - within)
        .group_by(LoginFailure.email, LoginFailure.ip, LoginFailure.kind)
        .order_by(func.max(LoginFailure.at).desc())
        .limit(200)
    ).all()
    return [
        FailedLogins(email[:MAX_EMAIL_LENGTH], ip, LoginFailureKind(kind), count, last_at)
        for email, ip, kind, count, last_at in rows
    ]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, *, staff: Staff, ip: str | None, now: datetime) -> str:
    """A new session with a fresh random token (never reuse an id from before the login)."""
    token = secrets.token_urlsafe(32)
    db.add(StaffSession(token_hash=_token_hash(token), staff_id=staff.id, created_at=now, last_seen_at=now, ip=ip))
    db.flush()
    return token


class SessionEnd(StrEnum):
    """Why a session ended by itself (a logout or a disabled account is no such reason)."""

    IDLE = "idle"  # nobody used it for FLUXX_SESSION_IDLE_MINUTES
    MAX_AGE = "max_age"  # older than FLUXX_SESSION_MAX_HOURS, however busy


@dataclass(frozen=True)
class SessionCheck:
    """The live session for a cookie, or why there is none (`ended` is None for unknown or logged out)."""

    session: StaffSession | None
    ended: SessionEnd | None = None
    staff: Staff | None = None  # whose session ended by itself, to tell them whether they are still on duty


def _expiry(session: StaffSession, *, idle: timedelta, absolute: timedelta) -> tuple[datetime, SessionEnd]:
    """When and why the session ends if nobody touches it again."""
    by_idle, by_age = session.last_seen_at + idle, session.created_at + absolute
    return (by_idle, SessionEnd.IDLE) if by_idle <= by_age else (by_age, SessionEnd.MAX_AGE)


def check_session(
    db: Session, *, token: str, now: datetime, idle: timedelta, absolute: timedelta, touch: bool = True
) -> SessionCheck:
    """Resolve a cookie token like `resolve_session`, and say why it no longer works.

    An ended session remembers why without a column of its own: it ended by itself exactly when it was
    ended (`ended_at`) after its idle or age limit had passed; a logout or a disabled account ends it earlier.
    """
    query = select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    session = db.scalar(query.options(joinedload(StaffSession.staff)))  # whose session: read on every request
    if session is None:
        return SessionCheck(None)
    expires_at, reason = _expiry(session, idle=idle, absolute=absolute)
    if session.ended_at is not None:
        ended_by_itself = session.ended_at > expires_at and session.staff.is_active
        return SessionCheck(None, reason, session.staff) if ended_by_itself else SessionCheck(None)
    if not session.staff.is_active:
        session.ended_at = now
        return SessionCheck(None)
    if now > expires_at:
        session.ended_at = now
        return SessionCheck(None, reason, session.staff)
    # Write at most once a minute; a page view should not always cost a write.
    if touch and now - session.last_seen_at > timedelta(minutes=1):
        session.last_seen_at = now
    return SessionCheck(session)


def resolve_session(
    db: Session, *, token: str, now: datetime, idle: timedelta, absolute: timedelta, touch: bool = True
) -> StaffSession | None:
    """The live session for a cookie token, or None when unknown, ended, idle, too old or disabled.

    `touch=False` (a page polling in the background) checks the session without counting as activity.
    """
    return check_session(db, token=token, now=now, idle=idle, absolute=absolute, touch=touch).session


def keep_alive(session: StaffSession, *, now: datetime) -> None:
    """The button "Angemeldet bleiben": activity now, not rounded to the minute like a page view."""
    session.last_seen_at = now


@dataclass(frozen=True)
class SessionTime:
    """What a page needs to warn before its session ends by itself."""

    seconds_left: int
    ends_by: SessionEnd  # IDLE: "Angemeldet bleiben" helps; MAX_AGE: only a new login does
    warn: bool


def session_time(session: StaffSession, *, now: datetime, idle: timedelta, absolute: timedelta) -> SessionTime:
    expires_at, reason = _expiry(session, idle=idle, absolute=absolute)
    left = max(0, math.floor((expires_at - now).total_seconds()))
    return SessionTime(seconds_left=left, ends_by=reason, warn=left <= IDLE_WARNING.total_seconds())


def warning_text(time: SessionTime, *, max_hours: int) -> str:
    """The sentence of the box that warns before the session ends by itself."""
    minutes = max(1, math.ceil(time.seconds_left / 60))
    when = "einer Minute" if minutes == 1 else f"{minutes} Minuten"
    if time.ends_by is SessionEnd.IDLE:
        return f"Sie werden in {when} wegen Inaktivität abgemeldet."
    return (
        f"Ihre Anmeldung endet in {when}, weil sie höchstens {max_hours} Stunden gilt. "
        "Bitte speichern Sie Ihre Eingaben und melden Sie sich dann neu an."
    )


def logout_message(ended: SessionEnd, *, max_hours: int) -> str:
    if ended is SessionEnd.IDLE:
        return IDLE_LOGOUT_MESSAGE
    return MAX_AGE_LOGOUT_MESSAGE.format(hours=max_hours)


def end_session(db: Session, *, token: str, now: datetime) -> None:
    session = db.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if session is not None and session.ended_at is None:
        session.ended_at = now


def set_on_duty(staff: Staff, *, on_duty: bool, now: datetime) -> None:
    staff.on_duty = on_duty
    staff.updated_at = now


# --- Keeping the accounts: admins edit and reset, staff change their own password or ask for a reset. ---

# A temporary password an admin hands over: no look-alike characters (0/O, 1/l/I), grouped for reading aloud.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RESET_VALID_FOR = timedelta(minutes=30)
RESET_WINDOW = timedelta(hours=1)
RESETS_PER_EMAIL = 3  # requests of "Passwort vergessen?" for one typed address per RESET_WINDOW
RESETS_PER_IP = 10  # requests from one address per RESET_WINDOW, whatever was typed
RESET_PATH = "/login/neues-passwort"
RESET_SMS = (
    "Fluxxfon: Sie haben ein neues Passwort angefordert. Link (gilt 30 Minuten und nur einmal): {link} "
    "Haben Sie das nicht angefordert? Dann melden Sie das bitte der Verwaltung."
)
LAST_ADMIN = (
    "Danach gäbe es keine aktive Person mit der Rolle Verwaltung mehr. Es muss immer mindestens ein aktives "
    "Konto der Verwaltung geben: Geben Sie zuerst einer anderen Person die Rolle Verwaltung."
)
OWN_ACCOUNT_INACTIVE = "Das eigene Konto kann nicht deaktiviert werden."


def end_sessions(db: Session, *, staff_id: int, now: datetime, keep: StaffSession | None = None) -> int:
    """End every live session of this person (but `keep`): after a reset, a password change or a deactivation."""
    ended = 0
    for session in db.scalars(
        select(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
    ):
        if keep is None or session.id != keep.id:
            session.ended_at = now
            ended += 1
    return ended


def active_admins(db: Session) -> int:
    return db.scalar(select(func.count()).where(Staff.role == StaffRole.ADMIN, Staff.is_active.is_(True))) or 0


def update_staff(
    db: Session,
    person: Staff,
    *,
    name: str,
    role: StaffRole,
    phone: str | None,
    active: bool,
    by: Staff,
    now: datetime,
) -> dict[str, list[str]]:
    """Change an account's name, role, mobile number and whether it is active; returns what changed
    (field → [before, after]) for the audit log. Raises AccountError (German) on bad input, for one's own
    deactivation, and when no active admin would be left."""
    if not name.strip():
        raise AccountError("Bitte einen Namen angeben.")
    try:
        e164 = to_e164(phone) if phone and phone.strip() else None
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if person.id == by.id and not active:
        raise AccountError(OWN_ACCOUNT_INACTIVE)
    was_admin = person.role is StaffRole.ADMIN and person.is_active
    if was_admin and not (role is StaffRole.ADMIN and active) and active_admins(db) <= 1:
        raise AccountError(LAST_ADMIN)
    after: dict[str, object] = {"name": name.strip(), "role": role, "phone": e164, "is_active": active}
    changes = {
        field: [str(getattr(person, field)), str(value)]
        for field, value in after.items()
        if getattr(person, field) != value
    }
    if not changes:
        return {}
    for field, value in after.items():
        setattr(person, field, value)
    person.updated_at = now
    if not active:
        # A deactivated account is logged out at once and no longer rung.
        person.on_duty = False
        end_sessions(db, staff_id=person.id, now=now)
    db.flush()
    return changes


def temporary_password() -> str:
    """Twelve random characters in three groups, e.g. "k7mq-x2fa-9tdp" (about 59 bits)."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def reset_password(db: Session, person: Staff, *, now: datetime) -> str:
    """An admin's reset: a temporary password (returned once, only its hash is kept) that must be changed at
    the next login; every session of the person ends."""
    password = temporary_password()
    person.password_hash = hash_password(password)
    person.must_change_password = True
    person.updated_at = now
    end_sessions(db, staff_id=person.id, now=now)
    db.flush()
    return password


def new_password_problem(password: str, repeated: str) -> dict[str, str]:
    """The rules for a new password (the same as for a new account), per field of the two-field form."""
    if problem := password_problem(password):
        return {"new_password": problem}
    if password != repeated:
        return {"new_password_repeat": "Die beiden neuen Passwörter stimmen nicht überein."}
    return {}


def change_password(
    db: Session, person: Staff, *, current: str, new: str, repeated: str, session: StaffSession | None,
    ip: str, now: datetime,
) -> dict[str, str]:  # fmt: skip
    """Staff change their own password: the current one, the new one twice. Returns the problems per field
    (nothing changed then); a wrong current password counts as a failed login of this address (throttled like
    one). On success the other sessions of the person end, this one stays."""
    email = person.email
    if wait := login_wait_seconds(db, email=email, ip=ip, now=now):
        _record(db, email=email, ip=ip, now=now, kind=LoginFailureKind.THROTTLED)
        return {"current_password": f"Zu viele Fehlversuche. Bitte warten Sie {wait} Sekunden."}
    if len(current) > MAX_LOGIN_PASSWORD_LENGTH or not verify_password(person.password_hash, current):
        _record(db, email=email, ip=ip, now=now, kind=LoginFailureKind.PASSWORD)
        return {"current_password": "Das bisherige Passwort stimmt nicht."}
    if problems := new_password_problem(new, repeated):
        return problems
    if new == current:
        return {"new_password": "Das neue Passwort muss sich vom bisherigen unterscheiden."}
    _set_password(db, person, new, now=now, keep=session)
    return {}


def _set_password(db: Session, person: Staff, password: str, *, now: datetime, keep: StaffSession | None) -> None:
    person.password_hash = hash_password(password)
    person.must_change_password = False
    person.updated_at = now
    end_sessions(db, staff_id=person.id, now=now, keep=keep)
    db.flush()


class ResetRequest(StrEnum):
    ANSWERED = "answered"  # the same answer for every address: a link went out by SMS, or not
    WAIT = "wait"  # too many requests for this address or from this IP lately: nothing was looked up


def request_reset(
    db: Session, *, email: str, ip: str, now: datetime, send_code: CodeSender, base_url: str
) -> tuple[ResetRequest, Staff | None]:
    """ "Passwort vergessen?": a one-time link by SMS to the account's mobile number, if there is such an
    account. The caller answers the same whatever happened (`ANSWERED`); the staff member is returned for the
    audit log only. Limited per typed address and per IP (`WAIT`), counted over every request."""
    email = normalize_email(email)[:MAX_EMAIL_LENGTH]
    since = now - RESET_WINDOW
    per_email = db.scalar(select(func.count()).where(PasswordReset.email == email, PasswordReset.created_at >= since))
    per_ip = db.scalar(select(func.count()).where(PasswordReset.ip == ip[:45], PasswordReset.created_at >= since))
    if (per_email or 0) >= RESETS_PER_EMAIL or (per_ip or 0) >= RESETS_PER_IP:
        return ResetRequest.WAIT, None
    staff = db.scalar(select(Staff).where(Staff.email == email)) if email else None
    reachable = staff is not None and staff.is_active and is_mobile(staff.phone)
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordReset(
            token_hash=_token_hash(token) if reachable else None,
            email=email,
            staff_id=staff.id if reachable and staff is not None else None,
            ip=ip[:45],
            created_at=now,
            expires_at=now + RESET_VALID_FOR,
        )
    )
    db.flush()
    if reachable and staff is not None and staff.phone:
        link = f"{base_url.rstrip('/')}{RESET_PATH}?token={token}"
        send_code(db, to=staff.phone, body=RESET_SMS.format(link=link), now=now)
        return ResetRequest.ANSWERED, staff
    return ResetRequest.ANSWERED, None


def pending_reset(db: Session, *, token: str, now: datetime, lock: bool = False) -> PasswordReset | None:
    """The reset of this link while it may still be used: known, unused, not expired, its account active."""
    if not token or len(token) > 100:
        return None
    query = select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    reset = db.scalar(query.with_for_update() if lock else query)
    if reset is None or reset.used_at is not None or now >= reset.expires_at or reset.staff_id is None:
        return None
    staff = db.get(Staff, reset.staff_id)
    return reset if staff is not None and staff.is_active else None


def complete_reset(
    db: Session, *, token: str, new: str, repeated: str, now: datetime
) -> tuple[Staff | None, dict[str, str]]:
    """Set a new password through a reset link: once, before it expires; every session of the person ends.
    Returns the person (None: the link does not work) and the problems of the form (nothing changed then)."""
    reset = pending_reset(db, token=token, now=now, lock=True)
    if reset is None or reset.staff_id is None:
        return None, {}
    if problems := new_password_problem(new, repeated):
        return db.get(Staff, reset.staff_id), problems
    person = db.get(Staff, reset.staff_id)
    assert person is not None  # pending_reset checked it
    reset.used_at = now
    _set_password(db, person, new, now=now, keep=None)
    return person, {}
