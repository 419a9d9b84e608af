"""Staff accounts, password hashing, login sessions and slowing down password guessing."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from fluxx.core.models import LoginFailure, Staff, StaffRole, StaffSession
from fluxx.core.phone import to_e164

# argon2id with the library's current recommended parameters. Tests swap in cheap ones (tests/factories.py):
# a login then rehashes nothing, since every check below asks this hasher.
hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown email equal to a real one.
_DUMMY_HASH = hasher.hash("not a password of anybody")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_DELAY_SECONDS = 300
FREE_ATTEMPTS = 3  # one account from one address
ACCOUNT_FREE_ATTEMPTS = 10  # one account from addresses it never logged in from
IP_FREE_ATTEMPTS = 30  # one address, for accounts that never logged in from there
KNOWN_ADDRESS_FOR = timedelta(days=90)
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


class AccountError(ValueError):
    """A staff account could not be created or changed; the message is for staff (German)."""


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
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
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


@dataclass(frozen=True)
class LoginResult:
    staff: Staff | None
    wait_seconds: int = 0


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


def login_wait_seconds(db: Session, *, email: str, ip: str, now: datetime) -> int:
    """Seconds until the next attempt is allowed: doubling per failure, capped, never a lockout.

    Failures of this account from this address always count. Failures of the account from anywhere,
    and of anybody from this address, count only where the account never logged in before: someone
    guessing from elsewhere cannot keep a counsellor out of her own office, and thirty typos behind the
    office's one address do not lock out her colleagues.
    """
    since = now - THROTTLE_WINDOW
    checks: list[tuple[ColumnElement[bool], int]] = [
        (and_(LoginFailure.email == email, LoginFailure.ip == ip), FREE_ATTEMPTS)
    ]
    if not known_address(db, email=email, ip=ip, now=now):
        checks += [(LoginFailure.email == email, ACCOUNT_FREE_ATTEMPTS), (LoginFailure.ip == ip, IP_FREE_ATTEMPTS)]
    waits = []
    for condition, free in checks:
        count, last = db.execute(
            select(func.count(), func.max(LoginFailure.at)).where(condition, LoginFailure.at >= since)
        ).one()
        if count >= free and last is not None:
            delay = min(2 ** (count - free + 1), MAX_DELAY_SECONDS)
            # max() keeps the column's type, so `last` is an aware UTC datetime on every database.
            waits.append(math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))
    return max([0, *waits])


def authenticate(db: Session, *, email: str, password: str, ip: str, now: datetime) -> LoginResult:
    """Check a login; failures are recorded and slow down the next attempts."""
    email = normalize_email(email)
    wait = login_wait_seconds(db, email=email, ip=ip, now=now)
    if wait > 0:
        return LoginResult(staff=None, wait_seconds=wait)
    staff = db.scalar(select(Staff).where(Staff.email == email))
    valid = verify_password(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not valid or not staff.is_active:
        db.add(LoginFailure(email=email, ip=ip, at=now))
        db.flush()
        return LoginResult(staff=None)
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    # Only this address's failures are forgiven: the attempts from elsewhere stay visible to admins.
    db.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip))
    return LoginResult(staff=staff)


@dataclass(frozen=True)
class FailedLogins:
    email: str
    ip: str
    count: int
    last_at: datetime


def recent_failures(db: Session, *, now: datetime, within: timedelta = timedelta(days=1)) -> list[FailedLogins]:
    """Failed logins of the last day per account and address, most recent first (for admins)."""
    rows = db.execute(
        select(LoginFailure.email, LoginFailure.ip, func.count(), func.max(LoginFailure.at))
        .where(LoginFailure.at >= now - within)
        .group_by(LoginFailure.email, LoginFailure.ip)
        .order_by(func.max(LoginFailure.at).desc())
        .limit(200)
    ).all()
    return [FailedLogins(email, ip, count, last_at) for email, ip, count, last_at in rows]


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
    session = db.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
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
