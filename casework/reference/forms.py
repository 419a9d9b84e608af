"""Reading the partner company form: a name not yet taken, "Partner seit" and an optional "Partner bis".

Pure: whether a name is taken is asked through `name_taken`. Refusals are a ValueError with a German
message, checked in the order the form reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PartnerDetails:
    name: str
    active_from: date
    active_until: date | None


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{label} ist kein gültiges Datum.") from None


def parse_partner_form(form: Mapping[str, str], *, name_taken: Callable[[str], bool]) -> PartnerDetails:
    """Validate the new partner company; raise ValueError with a German message."""
    name = form.get("name", "").strip()
    if not name:
        raise ValueError("Bitte den Namen des Partnerbetriebs angeben.")
    if name_taken(name):
        raise ValueError(f"„{name}“ ist schon eingetragen.")
    start = _date(form.get("active_from", ""), "Partner seit")
    if start is None:
        raise ValueError("Bitte angeben, seit wann der Betrieb Partner ist.")
    end = _date(form.get("active_until", ""), "Partner bis")
    if end and end < start:
        raise ValueError("„Partner bis“ liegt vor „Partner seit“.")
    return PartnerDetails(name=name, active_from=start, active_until=end)


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
