"""The audit log in German: what the stored codes and details mean, as an admin reads them.

The log stores codes ("case.status", {"from": "new", "to": "in_counselling"}) so it stays stable when
wording changes; this module turns every one of them into words. Action labels live beside the writer in
`core.audit.ACTION_LABELS`; a test checks that every action written anywhere has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from casework.callbacks.rules import CallbackOutcome
from casework.enums import CaseStatus, NoCaseReason
from core import audit
from core.models import AuditEvent

# Field names as stored in "fields" (case data and the volunteer form).
FIELD_NAMES = {
    "caller_name": "Name",
    "caller_phone": "Telefon",
    "need": "Anliegen",
    "municipality_id": "Kommune",
    "district": "Stadtteil",
    "address": "Adresse",
    "affiliation": "Zugehörigkeit",
    "partner_id": "Partnerbetrieb",
    "employer_municipality_id": "Partnerkommune als Arbeitgeberin",
    "employer_name": "Anderer Arbeitgeber",
    "student_semester": "Semester (Studierende)",
    "consent": "Einwilligung",
    "sms_consent": "SMS-Einwilligung",
    "persons_or_windows": "Personen oder Zeiten",
    "name": "Name",
    "phone": "Mobilnummer",
    "skills": "Fähigkeiten",
    "languages": "Sprachen",
    "municipality_ids": "Kommunen",
    "availability": "Verfügbarkeit",
    "max_jobs_per_week": "Einsätze pro Woche",
    "notes": "Notizen",
    "police_issued_on": "Führungszeugnis ausgestellt am",
    "police_valid_until": "Führungszeugnis gültig bis",
    "first_aid_issued_on": "Erste-Hilfe-Kurs am",
    "first_aid_valid_until": "Erste-Hilfe-Kurs gültig bis",
}

# Filters of the volunteer list ("filters").
FILTER_NAMES = {
    "q": "Suche",
    "skill": "Fähigkeit",
    "municipality": "Kommune",
    "weekday": "Wochentag",
    "expiring": "ablaufende Nachweise",
    "status": "Status",
}

SOURCE_NAMES = {"sms": "per SMS", "manual": "von Hand", "staff": "von Hand"}

# Detail key -> German name. Ids that point at a row are shown as "Nr. 12".
KEY_NAMES = {
    "from": "von",
    "to": "nach",
    "fields": "Felder",
    "counsellor_id": "Beratung durch",
    "source": "Eingang",
    "reason": "Grund",
    "outcome": "Ergebnis",
    "page": "Seite",
    "shown": "angezeigte Fälle",
    "filters": "Filter",
    "count": "Anzahl",
    "wave_size": "Personen je Welle",
    "rows": "Zeilen",
    "valid": "fehlerfrei",
    "invalid": "fehlerhaft",
    "created": "angelegt",
    "file_sha256": "Prüfsumme der Datei",
    "absence_id": "Abwesenheit Nr.",
    "job_id": "Einsatz Nr.",
    "volunteer_id": "ehrenamtliche Person Nr.",
    "assignment_id": "Einteilung Nr.",
    "message_id": "SMS Nr.",
    "call_id": "Anruf Nr.",
    "from_case_id": "aus Fall Nr.",
    "source_merged": "leerer Fall zusammengeführt",
    "source_case_id": "zusammengeführter Fall Nr.",
    "target_case_id": "in Fall Nr.",
    "other": "anderer Fall Nr.",
    "volunteers": "angezeigte Ehrenamtliche",
    "previous": "bisher",
    "hours": "Stunden",
    "show": "Auswahl",
    "phone": "Telefon",
}

# The message log's choices ("show" of message.list).
SHOW_NAMES = {"all": "alle Nachrichten", "problems": "Probleme", "open": "offene Eingänge"}

# Pages of a view ("page"): the case's or volunteer's form, the job form of a case.
PAGE_NAMES = {"edit": "Bearbeiten", "job_new": "Neuer Einsatz"}


def _status(value: Any) -> str:
    try:
        return CaseStatus(str(value)).label
    except ValueError:
        return "unbekannter Status"


def _reason(value: Any) -> str:
    try:
        return NoCaseReason(str(value)).label
    except ValueError:
        return "unbekannter Grund"


def _outcome(value: Any) -> str:
    try:
        return CallbackOutcome(str(value)).result
    except ValueError:
        return "unbekanntes Ergebnis"


def _names(names: Mapping[str, str]) -> Callable[[Any], str]:
    def join(value: Any) -> str:
        items = value if isinstance(value, list) else [value]
        return ", ".join(names.get(str(item), "weiteres Feld") for item in items) or "keine"

    return join


def _page(value: Any) -> str:
    return PAGE_NAMES.get(str(value), str(value))


def _shown(value: Any) -> str:
    count = len(value) if isinstance(value, list) else 0
    return "1 Fall" if count == 1 else f"{count} Fälle"


def _people(value: Any) -> str:
    count = len(value) if isinstance(value, list) else 0
    return "1 Person" if count == 1 else f"{count} Personen"


def _decimal(value: Any) -> str:
    """Hours stored as "3.5" read as "3,5"."""
    return str(value).replace(".", ",")


def _phone(value: Any) -> str:
    # Only whether it was a volunteer's number or another one is stored, never the number itself.
    return "Nummer einer ehrenamtlichen Person" if value == "volunteer" else "andere Nummer"


_VALUES: dict[str, Callable[[Any], str]] = {
    "from": _status,
    "to": _status,
    "fields": _names(FIELD_NAMES),
    "filters": _names(FILTER_NAMES),
    "reason": _reason,
    "outcome": _outcome,
    "page": _page,
    "shown": _shown,
    "volunteers": _people,
    "show": lambda value: SHOW_NAMES.get(str(value), "alle Nachrichten"),
    "phone": _phone,
    "previous": _decimal,
    "hours": _decimal,
    "source": lambda value: SOURCE_NAMES.get(str(value), str(value)),
    "source_merged": lambda value: "ja" if value is True else "nein",
}


def action_choices() -> list[tuple[str, str]]:
    """Every action as (code, German label), by label, for the filter on the audit pages."""
    return sorted(audit.ACTION_LABELS.items(), key=lambda item: item[1])


def what(event: AuditEvent, *, staff_names: Mapping[int, str], volunteer_names: Mapping[int, str]) -> str:
    """The action in German, naming the person it was about: "Ehrenamtliche Person angesehen: Olga Petrenko",
    "Protokoll einer mitarbeitenden Person angesehen: Jonas Becker". The log stores only the id; a person no
    longer on record (deleted, anonymised) is named by number."""
    text = audit.label(event.action)
    names = {"volunteer": volunteer_names, "staff": staff_names}.get(event.object_type)
    if names is None or event.object_id is None:
        return text
    return f"{text}: {names.get(event.object_id, f'Nr. {event.object_id}')}"


def describe(
    detail: Mapping[str, Any], staff_names: Mapping[int, str], volunteer_names: Mapping[int, str] | None = None
) -> str:
    """`von: Neu; nach: In Beratung` for a status change; ids become names where we know them."""
    parts = []
    for key, value in detail.items():
        if key == "counsellor_id":
            shown = staff_names.get(value, "unbekannt") if isinstance(value, int) else "unbekannt"
        elif key == "volunteer_id" and volunteer_names and value in volunteer_names:
            parts.append(f"ehrenamtliche Person: {volunteer_names[value]}")
            continue
        elif key in _VALUES:
            shown = _VALUES[key](value)
        else:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{KEY_NAMES.get(key, 'weitere Angabe')}: {shown}")
    return "; ".join(parts)
