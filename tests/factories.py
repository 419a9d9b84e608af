"""Builders for test data: sensible defaults, any field overridable."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from core import auth
from core.models import Staff, StaffRole

PASSWORD = "ein langes Testpasswort"
T = TypeVar("T")
# Cheap argon2 parameters for every account the tests make: the recommended ones cost about 0.1 s each.
auth.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
_counter = iter(range(1, 10**6))


def make_staff(db: Session, **overrides: Any) -> Staff:
    n = next(_counter)
    values: dict[str, Any] = {
        "name": f"Testperson {n}",
        "email": f"person{n}@fluxx.test",
        "password": PASSWORD,
        "role": StaffRole.COUNSELLOR,
        "phone": f"+49151000{n:05d}",
        "on_duty": False,
        "now": T0,
    }
    values.update(overrides)
    staff = auth.create_staff(db, **values)
    db.commit()
    return staff


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, staff: Staff, password: str = PASSWORD) -> str:
    """Log in through the real form; return a CSRF token for the next forms."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": staff.email, "password": password, "csrf_token": csrf_from(page.text), "next": "/"},
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/").text)


def login_checks_and_transactions(engine: Engine, fetch: Callable[[], T]) -> tuple[T, int, int]:
    """`fetch()`'s answer, with how often it read a login session and how many transactions it began on
    `engine`: a staff page that is one unit of work (`core.web.staff_page`) does each once."""
    transactions: list[object] = []
    login_checks: list[str] = []

    def began(connection: Any) -> None:
        transactions.append(connection)

    def executed(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM staff_session" in statement:
            login_checks.append(statement)

    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        answer = fetch()
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)
    return answer, len(login_checks), len(transactions)


def make_volunteer(db: Session, **overrides: Any) -> Any:
    """A volunteer reachable by SMS (opted in), with a unique mobile number.

    Besides any Volunteer field: `skills`/`languages` as lists of keys or names, `municipality_ids`,
    `availability` as (weekday, "08:00", "18:00") tuples, `certificates` as (kind, valid_until) or
    (kind, issued_on, valid_until) tuples, `absences` as (starts_on, ends_on) tuples.
    """
    from datetime import time

    from volunteers.registry.models import (
        Volunteer,
        VolunteerAbsence,
        VolunteerArea,
        VolunteerAvailability,
        VolunteerCertificate,
    )

    n = next(_counter)
    municipality_ids = overrides.pop("municipality_ids", ())
    availability = overrides.pop("availability", ())
    certificates = overrides.pop("certificates", ())
    absences = overrides.pop("absences", ())
    values: dict[str, Any] = {
        "name": f"Ehrenamtliche {n}",
        "phone": f"+49176{n:08d}",
        "skills": ["child_care"],
        "languages": ["de"],
        "sms_opt_in": True,
        "consent_at": T0,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    volunteer = Volunteer(**values)
    volunteer.areas = [VolunteerArea(municipality_id=m) for m in municipality_ids]
    volunteer.availability = [
        VolunteerAvailability(weekday=day, start_time=time.fromisoformat(start), end_time=time.fromisoformat(end))
        for day, start, end in availability
    ]
    volunteer.certificates = [
        VolunteerCertificate(kind=c[0], issued_on=c[1] if len(c) == 3 else None, valid_until=c[-1])
        for c in certificates
    ]
    volunteer.absences = [VolunteerAbsence(starts_on=start, ends_on=end) for start, end in absences]
    db.add(volunteer)
    db.commit()
    return volunteer


def make_case(db: Session, **overrides: Any) -> Any:
    """A phone case opened through open_case; any Case field can be overridden afterwards."""
    from zoneinfo import ZoneInfo

    from casework.cases.opening import open_case
    from casework.enums import CaseChannel
    from casework.search.rules import name_key

    at = overrides.pop("opened_at", T0)
    channel = overrides.pop("channel", CaseChannel.PHONE)
    case = open_case(db, channel=channel, now=at, zone=ZoneInfo("Europe/Berlin"))
    for name, value in overrides.items():
        setattr(case, name, value)
    case.caller_name_search = name_key(case.caller_name)
    db.commit()
    return case


def make_call(db: Session, case: Any, **overrides: Any) -> Any:
    """A call belonging to `case`, from the case's number."""
    from casework.calls.models import Call
    from casework.enums import CallStatus

    n = next(_counter)
    values: dict[str, Any] = {
        "call_sid": f"CA{n:032d}",
        "case_id": case.id,
        "from_number": case.caller_phone,
        "to_number": "+4951116832110",
        "status": CallStatus.COMPLETED,
        "started_at": case.opened_at,
        "created_at": case.opened_at,
        "updated_at": case.opened_at,
    }
    values.update(overrides)
    call = Call(**values)
    db.add(call)
    db.commit()
    return call


def make_job(db: Session, case: Any, **overrides: Any) -> Any:
    """An open child-care job for `case` with a given or generated code."""
    from datetime import timedelta

    from casework.enums import JobKind, JobStatus
    from casework.jobs.models import CareJob

    code = overrides.pop("code", str(1000 + next(_counter) % 9000))
    values: dict[str, Any] = {
        "case_id": case.id,
        "kind": JobKind.CHILD_CARE,
        "starts_at": T0 + timedelta(days=1),
        "ends_at": T0 + timedelta(days=1, hours=4),
        "code": code,
        "active_code": code,
        "status": JobStatus.OPEN,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    job = CareJob(**values)
    db.add(job)
    db.commit()
    return job
