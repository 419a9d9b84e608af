"""Reading the partner company form (a name not yet taken, "Partner seit", an optional "Partner bis", the number of
employees) and the municipality form (its partner period and residents).

Pure: whether a name is taken is asked through `name_taken`. Refusals are a ValueError with a German
message, checked in the order the form reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from core.errors import FieldErrors

T = TypeVar("T")


@dataclass(frozen=True)
class PartnerDetails:
    name: str
    active_from: date
    active_until: date | None
    employees: int | None = None


@dataclass(frozen=True)
class MunicipalityDetails:
    partner_from: date | None
    partner_until: date | None
    residents: int | None


MAX_COUNT = 10_000_000
"""Employees of a company, residents of a municipality: Hannover has about 540,000."""


class ReferenceFormInvalid(FieldErrors, ValueError):
    """`errors` maps each field to its German message; `str()` joins them (the add form shows them in one line)."""


def _count(value: str, label: str) -> int | None:
    """A head count as written in German ("86.546", "86546"); empty is unknown."""
    text = value.strip().replace(".", "").replace(" ", "").replace("\u202f", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
        raise ValueError(f"{label}: bitte eine ganze Zahl von 0 bis 10.000.000 angeben, z. B. 86.546.")
    return int(text)


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{label} ist kein gültiges Datum.") from None


def _checked(errors: dict[str, str], field: str, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except ValueError as exc:
        errors[field] = str(exc)
        return None


def parse_partner_form(form: Mapping[str, str], *, name_taken: Callable[[str], bool]) -> PartnerDetails:
    """Validate a partner company (new or edited: `name_taken` leaves out its own name); raise
    `ReferenceFormInvalid` with a German message per field."""
    errors: dict[str, str] = {}
    name = " ".join(form.get("name", "").split())
    if not name:
        errors["name"] = "Bitte den Namen des Partnerbetriebs angeben."
    elif len(name) > 160:
        errors["name"] = "Der Name ist zu lang (höchstens 160 Zeichen)."
    elif name_taken(name):
        errors["name"] = f"„{name}“ ist schon eingetragen."
    start = _checked(errors, "active_from", lambda: _date(form.get("active_from", ""), "Partner seit"))
    if start is None and "active_from" not in errors:
        errors["active_from"] = "Bitte angeben, seit wann der Betrieb Partner ist."
    end = _checked(errors, "active_until", lambda: _date(form.get("active_until", ""), "Partner bis"))
    if start and end and end < start:
        errors["active_until"] = "„Partner bis“ liegt vor „Partner seit“."
    employees = _checked(errors, "employees", lambda: _count(form.get("employees", ""), "Beschäftigte"))
    if errors:
        raise ReferenceFormInvalid(errors)
    assert start is not None
    return PartnerDetails(name=name, active_from=start, active_until=end, employees=employees)


def parse_period(form: Mapping[str, str], *, start_required: bool) -> tuple[date | None, date | None]:
    """ "Partner seit" and "Partner bis" of a membership: an end not before its start; ValueError."""
    start = _date(form.get("since", ""), "Partner seit")
    end = _date(form.get("until", ""), "Partner bis")
    if start_required and start is None:
        raise ValueError("Bitte angeben, seit wann Partnerschaft besteht.")
    if end is not None and start is None:
        raise ValueError("Ohne „Partner seit“ gibt es kein „Partner bis“.")
    if start and end and end < start:
        raise ValueError("„Partner bis“ liegt vor „Partner seit“.")
    return start, end


def parse_municipality_form(form: Mapping[str, str]) -> MunicipalityDetails:
    """A municipality's partner period (both empty: no partner) and its residents; `ReferenceFormInvalid`."""
    errors: dict[str, str] = {}
    period = _checked(errors, "since", lambda: parse_period(form, start_required=False))
    residents = _checked(errors, "residents", lambda: _count(form.get("residents", ""), "Einwohnerinnen und Einwohner"))
    if errors:
        raise ReferenceFormInvalid(errors)
    since, until = period or (None, None)
    return MunicipalityDetails(since, until, residents)
