"""The rules of a call, pure: when the hotline is staffed, and what a caller's key or word in the menu means.

Opening hours are FLUXX_OPENING_HOURS (OpenStreetMap syntax) with Lower Saxony's holidays.
opening-hours-py knows only Germany's national holidays as `PH`. On a holiday of Lower Saxony alone
(Reformation Day, 31 October) we evaluate the expression on a stand-in day the library does treat as
`PH` and that falls on the same weekday: New Year's Day of a nearby year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from opening_hours import OpeningHours, State

from casework.enums import Need

MAX_STEPS = 400  # a change at least every day: covers more than a year of closures


@cache
def _lower_saxony(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv="NI", years=year)


def is_public_holiday(day: date) -> bool:
    return day in _lower_saxony(day.year)


def _stand_in(day: date) -> date:
    """A New Year's Day (a national holiday the library knows) on the same weekday as `day`."""
    for offset in range(12):
        for year in (day.year - offset, day.year + offset):
            if date(year, 1, 1).weekday() == day.weekday():
                return date(year, 1, 1)
    raise AssertionError("every weekday has a New Year's Day within 12 years")


@dataclass(frozen=True)
class WeeklyHours:
    """The hours of a usual week, as the parsed rule has them: what callers are told."""

    days: tuple[tuple[tuple[str, str], ...], ...]  # Monday to Sunday: open spans ("08:00", "18:00"), end "24:00"
    holidays_off: bool


def _usual_monday() -> date:
    """The Monday of a week without any public holiday (a fixed one, so the answer never changes)."""
    monday = date(2025, 6, 16)
    while any(is_public_holiday(monday + timedelta(days=offset)) for offset in range(7)):
        monday += timedelta(days=7)
    return monday


class HotlineHours:
    """Opening hours of the hotline in local time (Europe/Berlin)."""

    def __init__(self, expression: str, zone: ZoneInfo) -> None:
        self.expression = expression
        self.zone = zone
        self._rules = OpeningHours(expression, country="DE")
        self._last: tuple[datetime, bool] | None = None  # `is_open`'s last minute and its answer

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone).replace(tzinfo=None)

    def _effective(self, local: datetime) -> datetime:
        """The moment the library should judge: on a Lower Saxony holiday, its national stand-in."""
        if is_public_holiday(local.date()) and local.date() != _stand_in(local.date()):
            return datetime.combine(_stand_in(local.date()), local.time())
        return local

    def is_open(self, at: datetime) -> bool:
        """Whether the hotline is open at `at`. Opening hours are written in whole minutes, so the answer holds for
        the whole minute and is kept for it: every incoming call asks (3 % of its CPU under load, py-spy)."""
        minute = self._local(at).replace(second=0, microsecond=0)
        last = self._last  # one tuple, read and replaced whole: safe from several threads
        if last is not None and last[0] == minute:
            return last[1]
        answer: bool = self._rules.is_open(self._effective(minute))
        self._last = (minute, answer)
        return answer

    def _next_change(self, local: datetime) -> datetime:
        midnight = datetime.combine(local.date() + timedelta(days=1), time())
        effective = self._effective(local)
        change = self._rules.next_change(effective)
        if change is None:
            return midnight
        shifted = local + (change - effective)
        return min(shifted, midnight)

    def _open_spans(self, day: date) -> tuple[tuple[str, str], ...]:
        start = datetime.combine(day, time())
        spans: list[tuple[str, str]] = []
        for begin, end, state, _ in self._rules.intervals(start, start + timedelta(days=1)):
            if state != State.OPEN:
                continue
            until = "24:00" if end.date() > day else end.strftime("%H:%M")
            if spans and spans[-1][1] == begin.strftime("%H:%M"):
                spans[-1] = (spans[-1][0], until)  # adjacent open spans are one
            else:
                spans.append((begin.strftime("%H:%M"), until))
        return tuple(spans)

    def weekly_hours(self) -> WeeklyHours:
        """The spans of a usual week, and whether public holidays are closed (read off the parsed rule)."""
        monday = _usual_monday()
        days = tuple(self._open_spans(monday + timedelta(days=offset)) for offset in range(7))
        holidays_off = any(
            not self._rules.is_open(
                datetime.combine(_stand_in(monday + timedelta(days=offset)), time.fromisoformat(spans[0][0]))
            )
            for offset, spans in enumerate(days)
            if spans
        )
        return WeeklyHours(days=days, holidays_off=holidays_off)

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment the hotline is staffed (aware, in local time), or None if never."""
        local = self._local(at)
        for _ in range(MAX_STEPS):
            if self._rules.is_open(self._effective(local)):
                return local.replace(tzinfo=self.zone)
            local = self._next_change(local)
        return None


KEYS = {"1": Need.CHILD_CARE, "2": Need.RELATIVE_CARE, "3": Need.DRIVING, "0": Need.OTHER}

# Word stems a caller may say; checked in this order, so "Fahrt zum Kinderarzt" is a driving service.
SPOKEN = [
    (("fahrdienst", "fahrt", "fahren", "transport", "abholen", "drei"), Need.DRIVING),
    (("kind", "baby", "kita", "tochter", "sohn", "eins"), Need.CHILD_CARE),
    (
        ("angehörig", "angehoerig", "pflege", "mutter", "vater", "oma", "opa", "eltern", "senior", "zwei"),
        Need.RELATIVE_CARE,
    ),  # fmt: skip
    (("anderes", "andere", "sonstig", "beratung", "frage", "null"), Need.OTHER),
]

MENU_ATTEMPTS = 2


def menu_choice(digits: str | None, speech: str | None) -> Need | None:
    """The need a caller chose by key or by voice, or None when we could not tell."""
    key = (digits or "").strip()[:1]
    if key in KEYS:
        return KEYS[key]
    words = re.sub(r"[^\wäöüß ]", " ", (speech or "").casefold())
    if not words.strip():
        return None
    for stems, need in SPOKEN:
        if any(stem in words for stem in stems):
            return need
    return None
