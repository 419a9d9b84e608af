"""Hours as staff enter them, pure: a duration or a start and an end, in 15-minute steps.

A carer reports hours by SMS (`volunteers.replies.rules`); staff enter or correct them on the job's hours
page, either as a duration ("3,5", "3:30", "3 Std 15 Min" is the carer's way, staff type "3,5" or
"3:30") or as the time they started and ended ("14:00" to "17:30"; an end before the start is the next
day). Both land on quarter hours: anything else is refused with a German message, never rounded silently.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from core.errors import FieldErrors

QUARTER = Decimal("0.25")
MAX_HOURS = Decimal(24)
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr)?\s*$", re.IGNORECASE)
_DURATION_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*(?:h|std\.?|stunden)?\s*$", re.IGNORECASE)


def parse_duration(text: str, field: str = "hours") -> Decimal:
    """ "3,5", "3.5", "3:30", "3,25 h" → hours in quarter steps, more than 0 and at most 24. FieldErrors."""
    raw = (text or "").strip()
    clock = _DURATION_CLOCK.match(raw)
    if clock:
        minutes = int(clock[2])
        if minutes >= 60:
            raise FieldErrors({field: "Bitte die Dauer als 3,5 oder 3:30 angeben."})
        return _quarter(Decimal(int(clock[1])) + Decimal(minutes) / 60, field)
    cleaned = re.sub(r"\s*(h|std\.?|stunden)\s*$", "", raw, flags=re.IGNORECASE).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldErrors({field: "Bitte die Dauer als 3,5 oder 3:30 angeben."}) from None
    if not value.is_finite():
        raise FieldErrors({field: "Bitte die Dauer als 3,5 oder 3:30 angeben."})
    return _quarter(value, field)


def parse_clock(text: str, field: str) -> time:
    """ "14", "14:30", "14.30 Uhr" → a time of day, in 15-minute steps. FieldErrors."""
    match = _CLOCK.match(text or "")
    if match is None or int(match[1]) > 23 or int(match[2] or 0) > 59:
        raise FieldErrors({field: "Bitte eine Uhrzeit wie 14:30 angeben."})
    minute = int(match[2] or 0)
    if minute % 15:
        raise FieldErrors({field: "Bitte in Viertelstunden angeben (:00, :15, :30, :45)."})
    return time(int(match[1]), minute)


def span(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime, Decimal]:
    """Start and end on `day` in `zone` (an end not after the start is the next day), and the hours between
    them, counted in real time (a night with the clock change has one hour more or less)."""
    started = datetime.combine(day, start, tzinfo=zone)
    ended = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=zone)
    seconds = int((ended.astimezone(ZoneInfo("UTC")) - started.astimezone(ZoneInfo("UTC"))).total_seconds())
    return started, ended, _quarter(Decimal(seconds) / 3600, "ended")


def _quarter(value: Decimal, field: str) -> Decimal:
    if value <= 0:
        raise FieldErrors({field: "Die Stunden müssen mehr als 0 sein."})
    if value > MAX_HOURS:
        raise FieldErrors({field: "Mehr als 24 Stunden an einem Einsatz gehen nicht; bitte prüfen."})
    if value % QUARTER:
        raise FieldErrors({field: "Bitte in Viertelstunden angeben (z. B. 3,25 oder 3,5)."})
    return value.quantize(Decimal("0.01"))
