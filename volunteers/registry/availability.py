"""Weekly availability as offices write it ("Mo-Fr 08:00-13:00; Sa 09-12 Uhr") and back. Pure.

Accepted syntax, case-insensitive:

    Angaben durch ";" oder Zeilenumbruch getrennt, jede Angabe: Tage, dann Zeiten.
    Tage:   Mo Di Mi Do Fr Sa So (auch ausgeschrieben, "Mo." mit Punkt, "Sonnabend"),
            Bereiche "Mo-Fr" / "Mo bis Fr", Listen "Mo, Mi, Fr" / "Sa und So",
            "werktags" / "wochentags" (= Mo-Fr), "Wochenende" (= Sa, So), "täglich" (= Mo-So).
    Zeiten: "08:00-13:00", "8-13", "8.30-12 Uhr", "09 bis 12 Uhr"; mehrere mit "," oder "und";
            "vormittags" (08-12), "nachmittags" (12-18), "abends" (18-22), "ganztags" (08-18).
            "24:00" as an end means midnight and is stored as 23:59. A window across midnight is two
            entries ("Fr 20-24; Sa 0-6").
    Examples: "Mo-Fr 08:00-13:00; Sa 09-12 Uhr", "werktags vormittags", "Di, Do 14-18 und 19-21",
              "Mo 8-12, Mi 14-18".
    Anything else ("nach Absprache", "ab 14 Uhr", "morgens") is an error that explains this syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import time
from typing import ClassVar

from core.clock import MIDNIGHT_END
from core.errors import DomainError
from volunteers.registry.drafts import WeeklySlot


class AvailabilityError(DomainError, ValueError):
    """Availability text outside the accepted syntax; the message says what is wrong, in German (answered 422)."""

    status_code: ClassVar[int] = 422


AVAILABILITY_HELP = (
    "Erlaubt sind Tage mit Uhrzeiten wie „Mo-Fr 08:00-13:00; Sa 09-12 Uhr“, „werktags vormittags“ oder "
    "„Di, Do 14-18“ (Tage: Mo bis So, werktags, Wochenende, täglich; Zeiten: 08:00-13:00, vormittags, "
    "nachmittags, abends, ganztags; mehrere Angaben mit „;“ trennen)."
)

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
_DAY_WORDS: Mapping[str, int] = {
    word: day
    for day, words in enumerate(
        (
            ("mo", "montag", "montags"),
            ("di", "dienstag", "dienstags"),
            ("mi", "mittwoch", "mittwochs"),
            ("do", "donnerstag", "donnerstags"),
            ("fr", "freitag", "freitags"),
            ("sa", "samstag", "samstags", "sonnabend", "sonnabends"),
            ("so", "sonntag", "sonntags"),
        )
    )
    for word in words
}
# "werktags" is Mo-Fr here, as people use it (legally Saturday is a Werktag too).
_DAY_GROUPS: Mapping[str, tuple[int, ...]] = {
    "werktags": (0, 1, 2, 3, 4),
    "wochentags": (0, 1, 2, 3, 4),
    "wochenende": (5, 6),
    "wochenends": (5, 6),
    "täglich": (0, 1, 2, 3, 4, 5, 6),
    "tägl": (0, 1, 2, 3, 4, 5, 6),
}
_PERIODS: Mapping[str, tuple[time, time]] = {
    **dict.fromkeys(("vormittags", "vormittag", "vorm"), (time(8), time(12))),
    **dict.fromkeys(("nachmittags", "nachmittag", "nachm"), (time(12), time(18))),
    **dict.fromkeys(("abends", "abend"), (time(18), time(22))),
    **dict.fromkeys(("ganztags", "ganztägig", "ganztag"), (time(8), time(18))),
}
_FILLER_WORDS = frozenset({"uhr", "h", "von", "am", "jeweils"})

_AVAILABILITY_TOKEN = re.compile(
    r"\s*(?:(?P<time>\d{1,2}(?:[:.]\d{2})?)|(?P<word>[^\W\d_]+)\.?|(?P<dash>[-–—])|(?P<sep>[,/+&])|(?P<bad>\S))"
)

# A token is (kind, text, value): kinds day, days, period, time, dash, sep.
_Token = tuple[str, str, object]


def parse_availability(text: str) -> tuple[WeeklySlot, ...]:
    """Weekly slots from text in the accepted syntax (module docstring), merged and sorted by weekday and
    time; an empty text means no slots. Raises AvailabilityError with a German reason otherwise."""
    slots: list[WeeklySlot] = []
    for entry in re.split(r"[;\n]", text):
        entry = entry.strip().rstrip(".").strip()
        if entry:
            slots.extend(_parse_entry(entry))
    return merged(slots)


def _tokens(entry: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _AVAILABILITY_TOKEN.finditer(entry):
        if match.group("bad"):
            raise AvailabilityError(f"Das Zeichen „{match.group('bad')}“ ist hier nicht vorgesehen.")
        if match.group("dash"):
            tokens.append(("dash", "-", None))
        elif match.group("sep"):
            tokens.append(("sep", match.group("sep"), None))
        elif match.group("time"):
            raw = match.group("time")
            hour, _, minute = raw.replace(".", ":").partition(":")
            tokens.append(("time", raw, (int(hour), int(minute or 0))))
        else:
            raw, word = match.group("word"), match.group("word").casefold()
            if word in _DAY_WORDS:
                tokens.append(("day", raw, _DAY_WORDS[word]))
            elif word in _DAY_GROUPS:
                tokens.append(("days", raw, _DAY_GROUPS[word]))
            elif word in _PERIODS:
                tokens.append(("period", raw, _PERIODS[word]))
            elif word == "bis":
                tokens.append(("dash", raw, None))
            elif word == "und":
                tokens.append(("sep", raw, None))
            elif word not in _FILLER_WORDS:
                raise AvailabilityError(f"„{match.group('word')}“ ist keine bekannte Tages- oder Zeitangabe.")
    return tokens


def _clock(value: object, raw: str, *, is_end: bool) -> time:
    assert isinstance(value, tuple)
    hour, minute = value
    if is_end and (hour, minute) == (24, 0):
        return MIDNIGHT_END
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise AvailabilityError(f"„{raw}“ ist keine Uhrzeit.")
    return time(hour, minute)


def _parse_entry(entry: str) -> list[WeeklySlot]:
    tokens = _tokens(entry)
    position = 0

    def kind(offset: int = 0) -> str | None:
        index = position + offset
        return tokens[index][0] if index < len(tokens) else None

    def take() -> _Token:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def days() -> list[int]:
        found: list[int] = []
        while True:
            if kind() == "days":
                group = take()[2]
                assert isinstance(group, tuple)
                found.extend(group)
            elif kind() == "day":
                first = take()[2]
                assert isinstance(first, int)
                if kind() == "dash":
                    take()
                    if kind() != "day":
                        raise AvailabilityError("Nach „-“ fehlt der letzte Tag des Bereichs (z. B. „Mo-Fr“).")
                    last = take()[2]
                    assert isinstance(last, int)
                    found.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
                else:
                    found.append(first)
            elif not found:
                raise AvailabilityError("Am Anfang fehlt der Wochentag (z. B. „Mo-Fr“ oder „werktags“).")
            else:
                return found
            if kind() == "sep" and kind(1) in ("day", "days"):
                take()
                continue
            if kind() == "sep" and kind(1) in ("time", "period"):
                take()
            return found

    def windows() -> list[tuple[time, time]]:
        found: list[tuple[time, time]] = []
        while True:
            if kind() == "period":
                period = take()[2]
                assert isinstance(period, tuple)
                found.append(period)
            elif kind() == "time":
                _, raw_start, start = take()
                if kind() != "dash" or kind(1) != "time":
                    raise AvailabilityError(f"Zu „{raw_start}“ fehlt die Endzeit (z. B. „14-18“).")
                take()
                _, raw_end, end = take()
                begin, finish = _clock(start, raw_start, is_end=False), _clock(end, raw_end, is_end=True)
                if finish <= begin:
                    raise AvailabilityError(
                        f"„{raw_start}-{raw_end}“ endet nicht nach dem Beginn; über Mitternacht bitte zwei "
                        "Angaben („Fr 20-24; Sa 0-6“)."
                    )
                found.append((begin, finish))
            elif not found:
                raise AvailabilityError("Nach den Tagen fehlt die Uhrzeit (z. B. „08:00-13:00“ oder „vormittags“).")
            else:
                return found
            if kind() == "sep" and kind(1) in ("time", "period"):
                take()
                continue
            return found

    slots: list[WeeklySlot] = []
    while True:
        weekdays = days()
        for start, end in windows():
            slots.extend(WeeklySlot(day, start, end) for day in weekdays)
        if position == len(tokens):
            return slots
        if kind() == "sep" and kind(1) in ("day", "days"):
            take()
            continue
        raise AvailabilityError(f"„{tokens[position][1]}“ ist an dieser Stelle nicht verständlich.")


def merged(slots: Iterable[WeeklySlot]) -> tuple[WeeklySlot, ...]:
    merged: list[WeeklySlot] = []
    for slot in sorted(set(slots)):
        last = merged[-1] if merged else None
        if last and last.weekday == slot.weekday and slot.start <= last.end:
            merged[-1] = WeeklySlot(last.weekday, last.start, max(last.end, slot.end))
        else:
            merged.append(slot)
    return tuple(merged)


def format_availability(slots: Iterable[WeeklySlot]) -> str:
    """The slots in the accepted syntax, days with the same times together: "Mo-Fr 08:00-13:00; Sa 09:00-12:00".
    `parse_availability` reads it back to the same slots."""
    by_day: dict[int, list[str]] = {}
    for slot in merged(slots):
        by_day.setdefault(slot.weekday, []).append(f"{slot.start:%H:%M}-{slot.end:%H:%M}")
    groups: dict[str, list[int]] = {}
    for day, windows in by_day.items():
        groups.setdefault(", ".join(windows), []).append(day)
    entries = []
    for times, days in groups.items():
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
            else:
                parts.extend(WEEKDAYS[day] for day in run)
        entries.append(f"{', '.join(parts)} {times}")
    return "; ".join(entries)
