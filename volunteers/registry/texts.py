"""Words coordinators read on the registry pages that are not in the templates themselves."""

from __future__ import annotations

from collections.abc import Mapping

WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")

OFFER_ANSWERS: Mapping[str, str] = {
    "sent": "wartet auf Antwort",
    "accepted": "Zusage",
    "declined": "Absage",
    "too_late": "Zusage kam zu spät",
    "expired": "ohne Antwort beendet",
}

ASSIGNMENT_STATUSES: Mapping[str, str] = {
    "active": "zugesagt",
    "released": "freigegeben",
    "completed": "erledigt",
}

EXPIRY_CHOICES = (30, 60, 90)
"""Days ahead for the filter "Nachweis läuft ab in …"."""

FORM_INVALID = "Bitte prüfen Sie die markierten Angaben. Nichts wurde gespeichert."
UPLOAD_MISSING = "Bitte wählen Sie eine Datei aus (CSV oder Excel .xlsx)."
UPLOAD_GONE = (
    "Die hochgeladene Datei ist nicht mehr vorhanden (nach 30 Minuten wird sie gelöscht) oder gehört zu "
    "einer anderen Anmeldung. Bitte laden Sie die Datei noch einmal hoch."
)
ABSENCE_DATES = "Bitte Beginn und Ende der Abwesenheit als Datum eintragen."


def imported(count: int) -> str:
    return "1 ehrenamtliche Person importiert." if count == 1 else f"{count} Ehrenamtliche importiert."
