"""Builders for test data: sensible defaults, any field overridable."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fluxx import auth
from fluxx.models import Staff, StaffRole

PASSWORD = "ein langes Testpasswort"
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


def make_volunteer(db: Session, **overrides: Any) -> Any:
    """A volunteer reachable by SMS (opted in), with a unique mobile number."""
    from volunteers.models import Volunteer

    n = next(_counter)
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
    db.add(volunteer)
    db.commit()
    return volunteer
