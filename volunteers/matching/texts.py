"""The German words staff read on a job page: why a volunteer ranks where they do, or is left out."""

from __future__ import annotations

from datetime import date, time

from core.clock import MIDNIGHT_END

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

INACTIVE = "deaktiviert"
NO_CONSENT = "keine SMS-Einwilligung"
OPTED_OUT = "hat SMS abbestellt"
NO_CERTIFICATE = "kein gültiges erweitertes Führungszeugnis eingetragen"
ALREADY_OFFERED = "hat dieses Angebot schon bekommen"
ALREADY_ASSIGNED = "ist für diesen Einsatz schon eingeteilt"
RELEASED = "hat diesen Einsatz schon abgegeben"
NEVER_ASSIGNED = "noch nie im Einsatz"
NO_MUNICIPALITY = "Für den Einsatz ist keine Kommune eingetragen – ohne sie lässt sich niemand vorschlagen."


def day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def clock(value: time) -> str:
    """23:59 is how a slot until midnight is stored; people read 24:00."""
    return "24:00" if (value.hour, value.minute) == (MIDNIGHT_END.hour, MIDNIGHT_END.minute) else f"{value:%H:%M}"


def missing_skill(label: str) -> str:
    return f"ohne {label}"


def certificate_expired(valid_until: date) -> str:
    return f"Führungszeugnis abgelaufen am {day(valid_until)}"


def not_in_area(municipality: str) -> str:
    return f"fährt nicht in {municipality}"


def not_available(weekday: int, start: time, end: time) -> str:
    return f"nicht verfügbar {WEEKDAYS[weekday]} {clock(start)}–{clock(end)}"


def absent_until(ends_on: date) -> str:
    return f"abwesend bis {day(ends_on)}"


def busy(start: time, end: time) -> str:
    return f"bereits im Einsatz {clock(start)}–{clock(end)}"


def weekly_maximum(maximum: int) -> str:
    return f"Wochenmaximum {maximum} {'Einsatz' if maximum == 1 else 'Einsätze'} erreicht"


def certificate_until(valid_until: date) -> str:
    return f"Führungszeugnis bis {day(valid_until)}"


def first_aid_until(valid_until: date) -> str:
    return f"Erste Hilfe bis {day(valid_until)}"


def speaks(languages: list[str]) -> str:
    return f"spricht {', '.join(languages)}"


def last_assigned(on: date) -> str:
    return f"zuletzt im Einsatz am {day(on)}"


MISS_KIND = {
    "time": "Zeit",
    "area": "Kommune",
    "certificate": "Führungszeugnis",
    "skill": "Fähigkeit",
}


def neighbour_only(near: list[str], municipality: str) -> str:
    """The reason of an area near miss: "fährt nur in die Nachbarkommune Seelze, nicht nach Garbsen"."""
    if len(near) == 1:
        return f"fährt nur in die Nachbarkommune {near[0]}, nicht nach {municipality}"
    return f"fährt nur in die Nachbarkommunen {', '.join(near)}, nicht nach {municipality}"
