"""The outreach forms on the job page: wave size and interval as typed by staff, German messages per field,
the limits the page states beside each field, and what the forms show (their defaults or what was typed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from core.errors import FieldErrors
from core.formats import ascii_int
from volunteers.outreach.rules import OutreachPolicy

WAVE_SIZE = (1, 50)
INTERVAL_MINUTES = (5, 240)
LIMITS = {"wave_size": WAVE_SIZE, "interval": INTERVAL_MINUTES}  # stated beside the fields before submitting
DEFAULT_WAVE_SIZE, DEFAULT_INTERVAL = 5, 15
KEPT_CHARS = 12  # of a refused value shown again in its field (the form is bounded before parsing anyway)


class FormErrors(FieldErrors, ValueError):
    """German messages per form field (answered 422)."""


def _number(form: Mapping[str, str], name: str, bounds: tuple[int, int], label: str, errors: dict[str, str]) -> int:
    low, high = bounds
    number = ascii_int(form.get(name, ""))
    if number is not None and low <= number <= high:
        return number
    errors[name] = f"{label}: bitte eine ganze Zahl von {low} bis {high}."
    return low


def parse_start(form: Mapping[str, str]) -> OutreachPolicy:
    """The policy to start with; raises FormErrors with a German message per field."""
    errors: dict[str, str] = {}
    size = _number(form, "wave_size", WAVE_SIZE, "SMS pro Welle", errors)
    minutes = _number(form, "interval", INTERVAL_MINUTES, "Minuten bis zur nächsten Welle", errors)
    if errors:
        raise FormErrors(errors)
    return OutreachPolicy(wave_size=size, wave_interval=timedelta(minutes=minutes))


def parse_widen(form: Mapping[str, str]) -> int:
    """The new wave size; raises FormErrors."""
    errors: dict[str, str] = {}
    size = _number(form, "wave_size", WAVE_SIZE, "SMS pro Welle", errors)
    if errors:
        raise FormErrors(errors)
    return size


def kept(form: Mapping[str, str]) -> dict[str, str]:
    """What was typed into the search forms, shown again in the fields after a refusal."""
    return {name: form[name].strip()[:KEPT_CHARS] for name in LIMITS if name in form}


def defaults(wave_size: int | None, typed: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values of the start form (`wave_size`, `interval`) and of the widen form (`widen_size`: twice the
    running search's waves, at most the limit), or what was `typed` before a refusal."""
    widened = min(wave_size * 2, WAVE_SIZE[1]) if wave_size else DEFAULT_WAVE_SIZE
    values = {"wave_size": str(DEFAULT_WAVE_SIZE), "interval": str(DEFAULT_INTERVAL), "widen_size": str(widened)}
    if typed:
        values.update(typed)
        if "wave_size" in typed:
            values["widen_size"] = typed["wave_size"]
    return values
