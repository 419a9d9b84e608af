"""The outreach forms on the job page: wave size and interval as typed by staff, German messages per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from core.errors import FieldErrors
from core.formats import ascii_int
from volunteers.outreach.rules import OutreachPolicy

WAVE_SIZE = (1, 50)
INTERVAL_MINUTES = (5, 240)


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
