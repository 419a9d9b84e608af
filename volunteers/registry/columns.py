"""The columns of a volunteer list: field keys, their German names, and the header words offices use.

Shared by the importer (which matches headers to fields), the row rules (which name the column in each
message) and the export (which writes the same headers back, so that an exported file imports again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from volunteers.registry.availability import AVAILABILITY_HELP
from volunteers.vocabulary import fold

EXTRA_CELLS = "__extra__"
"""Key for values in columns without a header (often a CSV field with an unquoted separator)."""

FIELD_LABELS: Mapping[str, str] = {
    "name": "Name",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "phone": "Mobilnummer",
    "skills": "Fähigkeiten",
    "languages": "Sprachen",
    "municipalities": "Gemeinden",
    "availability": "Verfügbarkeit",
    "police_certificate": "Führungszeugnis",
    "first_aid": "Erste Hilfe",
    "max_jobs_per_week": "Max. Einsätze pro Woche",
    "sms_consent": "SMS-Einwilligung",
    "notes": "Bemerkungen",
}
"""Field key -> the German column name used in messages."""

HEADER_WORDS: Mapping[str, tuple[str, ...]] = {
    "name": ("Name", "Vor- und Nachname", "Vollständiger Name", "Name, Vorname", "Ehrenamtliche", "Ehrenamtlicher"),
    "first_name": ("Vorname", "Vornamen"),
    "last_name": ("Nachname", "Familienname", "Zuname"),
    "phone": (
        "Mobil",
        "Mobilnummer",
        "Mobil-Nr.",
        "Mobiltelefon",
        "Mobilfunknummer",
        "Handy",
        "Handynummer",
        "Handy-Nr.",
        "Telefon (mobil)",
        "Telefon mobil",
        "Tel. mobil",
    ),
    "skills": ("Fähigkeiten", "Fähigkeit", "Einsatzarten", "Einsatzart", "Tätigkeiten", "Tätigkeit", "Betreuungsarten"),
    "languages": ("Sprachen", "Sprache", "Fremdsprachen", "Sprachkenntnisse"),
    "municipalities": (
        "Gemeinden",
        "Gemeinde",
        "Einsatzorte",
        "Einsatzort",
        "Einsatzgebiet",
        "Einsatzgebiete",
        "Kommunen",
        "Kommune",
    ),
    "availability": ("Verfügbarkeit", "Verfügbar", "Verfügbare Zeiten", "Zeiten", "Einsatzzeiten"),
    "police_certificate": (
        "Führungszeugnis",
        "Führungszeugnis vom",
        "Führungszeugnis (Datum)",
        "Führungszeugnis ausgestellt",
        "Führungszeugnis ausgestellt am",
        "erw. Führungszeugnis",
        "erweitertes Führungszeugnis",
        "eFZ",
    ),
    "first_aid": (
        "Erste Hilfe",
        "Erste Hilfe (Datum)",
        "Erste Hilfe vom",
        "Erste-Hilfe-Kurs",
        "Erste-Hilfe-Kurs vom",
        "Erste Hilfe am Kind",
        "EH-Kurs",
    ),
    "max_jobs_per_week": (
        "Max. Einsätze pro Woche",
        "Maximale Einsätze pro Woche",
        "Max. Einsätze/Woche",
        "Einsätze pro Woche",
        "Max. Einsätze",
    ),
    "sms_consent": (
        "SMS-Einwilligung",
        "Einwilligung SMS",
        "SMS-Zustimmung",
        "Einverständnis SMS",
        "SMS erlaubt",
        "SMS",
    ),
    "notes": ("Bemerkungen", "Bemerkung", "Anmerkungen", "Anmerkung", "Notizen", "Notiz", "Kommentar", "Hinweise"),
}

# A landline column is the mobile column only when the file has no mobile column ("Telefon" and "Handy").
LANDLINE_HEADER_WORDS = ("Telefon", "Telefonnummer", "Tel.", "Tel.-Nr.", "Rufnummer")


def squash(text: str) -> str:
    """A comparison key without case, spaces, punctuation or umlauts: "Handy-Nr." -> "handynr"."""
    folded = fold(text)
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, plain)
    return re.sub(r"[\W_]+", "", folded)


HEADER_KEYS: Mapping[str, str] = {
    squash(word): field for field, words in HEADER_WORDS.items() for word in (field, *words)
}
LANDLINE_HEADER_KEYS = frozenset(squash(word) for word in LANDLINE_HEADER_WORDS)

LIST_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "skills",
    "languages",
    "municipalities",
    "availability",
    "police_certificate",
    "first_aid",
    "max_jobs_per_week",
    "sms_consent",
    "notes",
)
"""The columns of a list we write (the export, the blank template), in this order; each imports again."""

REQUIRED_FIELDS: tuple[str, ...] = ("name", "phone", "skills", "municipalities")
"""Filled in every row, or the row is not imported (`rules.validate_rows`); the rest may stay empty."""

ALTERNATIVES: Mapping[str, tuple[str, ...]] = {"name": ("first_name", "last_name")}
"""Columns that may stand in for a field's own column."""

FIELD_HELP: Mapping[str, str] = {
    "name": "„Anna Müller“ oder „Müller, Anna“",
    "phone": "eine Mobilnummer, z. B. 0176 12345678 (auch „Handy“ oder „Mobil“ als Überschrift)",
    "skills": "Kinder, Babys, Senioren, Demenz, Auto, Rollstuhl (mehrere mit Komma)",
    "languages": "Deutsch, Türkisch, Arabisch …",
    "municipalities": "Gemeinden der Region Hannover, z. B. Hannover, Laatzen",
    "availability": AVAILABILITY_HELP,
    "police_certificate": "Ausstellungsdatum des erweiterten Führungszeugnisses (TT.MM.JJJJ); gilt 5 Jahre",
    "first_aid": "Datum des Erste-Hilfe-Kurses (TT.MM.JJJJ); gilt 2 Jahre",
    "max_jobs_per_week": "1 bis 14, leer: keine Grenze",
    "sms_consent": "ja oder nein (leer heißt nein)",
    "notes": "freier Text",
}
"""What goes into each column of `LIST_FIELDS`, for the import page."""


def column_name(field: str) -> str:
    """The column as the import page names it: "„Name“ (oder „Vorname“ und „Nachname“)"."""
    text = f"„{FIELD_LABELS[field]}“"
    if field in ALTERNATIVES:
        text += f" (oder {' und '.join(f'„{FIELD_LABELS[other]}“' for other in ALTERNATIVES[field])})"
    return text


def required_sentence() -> str:
    """One sentence naming the columns every row needs, from `REQUIRED_FIELDS`."""
    names = [column_name(field) for field in REQUIRED_FIELDS]
    listed = f"{', '.join(names[:-1])} und {names[-1]}" if len(names) > 1 else names[0]
    return (
        f"Pflicht sind die Spalten {listed} – in jeder Zeile ausgefüllt; alle anderen Spalten dürfen fehlen "
        "oder leer bleiben."
    )


def optional_fields() -> tuple[str, ...]:
    return tuple(field for field in LIST_FIELDS if field not in REQUIRED_FIELDS)
