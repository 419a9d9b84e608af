"""Logging in through the real login form, for the browser tests."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.factories import PASSWORD


def submit_login(page: Any, email: str) -> None:
    """Fill in and send the login form the page shows (the login page, or the one a redirect led to)."""
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def log_in(page: Any, base: str, staff: Any) -> None:
    """Log in from the login page and wait for the dashboard's greeting."""
    page.goto(base + "/login")
    submit_login(page, staff.email)
    expect(page.get_by_role("heading", name=f"Guten Tag, {staff.name}")).to_be_visible()
