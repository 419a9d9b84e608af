"""Shared tables: staff accounts and their sessions, the audit log, scheduled background work."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.case_owned import CaseOwned, Counts, OnMerge
from core.db import Base


class StaffRole(enum.StrEnum):
    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"counsellor": 1, "coordinator": 2, "admin": 3}[self.value]

    def covers(self, required: StaffRole | str) -> bool:
        """Roles are ordered: a coordinator may do what a counsellor may, an admin everything."""
        return self.rank >= StaffRole(required).rank

    @property
    def label(self) -> str:
        return {"counsellor": "Beratung", "coordinator": "Koordination", "admin": "Verwaltung"}[self.value]


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[StaffRole]
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    on_duty: Mapped[bool] = mapped_column(default=False)
    # Set by an admin's password reset: until the person chose a new password, every page sends them there.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Fairness when more than ten staff are on duty: the least recently rung are rung first.
    last_rung_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    sessions: Mapped[list[StaffSession]] = relationship(back_populates="staff", lazy="raise")

    def has_role(self, role: StaffRole | str) -> bool:
        return self.role.covers(role)


class StaffSession(Base):
    """A server-side login session; the cookie holds a random token whose hash is stored here."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))

    staff: Mapped[Staff] = relationship(back_populates="sessions", lazy="raise")


class FormSubmission(Base):
    """A form that creates something, sent once: its one-time token and where the first sending led."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    result_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(index=True)


class LoginFailureKind(enum.StrEnum):
    """Why a login attempt did not log in at once (shown to admins); all but THROTTLED slow down the next ones."""

    PASSWORD = "password"  # wrong e-mail address or password (or an over-long one)
    CODE = "code"  # wrong confirmation code of a pending login
    THROTTLED = "throttled"  # refused unchecked: the address had to wait after earlier failures
    NO_PHONE = "no_phone"  # right password from a new address of an attacked account without a mobile number
    CODE_SENT = "code_sent"  # right password from a new address of an attacked account: code sent by SMS
    CODE_LIMIT = "code_limit"  # as CODE_SENT, but the account had all the codes it may get for a while

    @property
    def counts(self) -> bool:
        """Whether it slows down the next attempts: every answer but a refusal to wait. An answer with the
        right password counts too, or whether the next attempt is slowed down would tell the password."""
        return self is not LoginFailureKind.THROTTLED

    @property
    def label(self) -> str:
        return {
            "password": "Falsches Passwort oder unbekannte E-Mail-Adresse",
            "code": "Falscher Bestätigungscode",
            "throttled": "Abgewiesen: zu früh nach Fehlversuchen",
            "no_phone": "Richtiges Passwort von neuer Adresse, aber keine Handynummer für den Bestätigungscode",
            "code_sent": "Richtiges Passwort von neuer Adresse: Bestätigungscode per SMS verschickt",
            "code_limit": "Richtiges Passwort von neuer Adresse: kein Code mehr verschickt (zu viele Codes)",
        }[self.value]


class LoginFailure(Base):
    """A failed login, kept briefly to slow down password guessing per account and per address.

    A login that had to wait for a confirmation code is recorded here too (CODE_SENT), as it is not done yet;
    a right code forgives it with the address's other failures.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # as typed, cut to 254 characters
    ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime]
    kind: Mapped[LoginFailureKind] = mapped_column(default=LoginFailureKind.PASSWORD)


class LoginChallenge(Base):
    """A login waiting for its confirmation code (an account under attack, an address it never used).

    The browser holds a random token (cookie) whose hash is stored here; the code is stored only as an HMAC
    keyed with that token, so the table alone reveals neither. A challenge without `code_hash` was answered
    without sending a code (wrong password, unknown account, too many codes): no code fits it, and from the
    outside it looks like any other.
    """

    __tablename__ = "login_challenge"
    __table_args__ = (Index("ix_login_challenge_email_created_at", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(45))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A request of "Passwort vergessen?": one row per request, whether the address belongs to anybody or not
    (the rows of the last hour limit the requests per address and per IP). Only when it does and the account
    has a mobile number, a link with a random token went out by SMS: its hash is stored, it works once and
    only until `expires_at`."""

    __tablename__ = "password_reset"
    __table_args__ = (
        Index("ix_password_reset_email_created_at", "email", "created_at"),
        Index("ix_password_reset_ip_created_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who saw or changed what, when, from where. Append-only: nothing updates or deletes rows."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_case_id_at", "case_id", "at"),
        Index("ix_audit_event_staff_id_at", "staff_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ScheduledTask(Base):
    """A due piece of background work (outreach wave, reminder, retry, purge), run by the worker."""

    __tablename__ = "scheduled_task"
    __table_args__ = (Index("ix_scheduled_task_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Work that must exist at most once (e.g. "wave:job-17:3") carries a unique key.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    due_at: Mapped[datetime]
    status: Mapped[TaskStatus] = mapped_column(default=TaskStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class InstallationFact(Base):
    """What a database remembers about the installation that uses it, one row per fact.

    `twilio_credentials`: the service once ran against this database with real Twilio credentials (value:
    the account SID), so it is a real installation and `fluxx demo` refuses it, whatever the shell says now.
    """

    __tablename__ = "installation_fact"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


# What a case owns here (see core.case_owned): the audit trail records what happened in which case, so it
# stays where it was written (a merge is audited in both cases); it is append-only, except that the retention
# purge empties the details of a case's entries (who did what, when, stays).
CASE_OWNED = (CaseOwned(AuditEvent, OnMerge.KEEP, Counts.NOTHING, anonymise=("detail",)),)
