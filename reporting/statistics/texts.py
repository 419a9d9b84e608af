"""The words of the statistics: each figure's German name and definition (page, `fluxx stats --help`, CSV)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    key: str  # the stable English key (JSON, CSV of the CLI)
    label: str
    text: str


DEFINITIONS = (
    Definition(
        "counselling_sessions",
        "Krisenberatungen",
        "Jeder Fall, der im Zeitraum eröffnet wurde. Nicht gezählt: Anrufe, die als „Kein Fall“ markiert wurden "
        "(aufgelegt, verwählt, Test, stumm), und Fälle, die mit einem anderen Fall derselben Familie "
        "zusammengeführt wurden (ein Anruf zum offenen Fall hinzugefügt zählt keine weitere Beratung).",
    ),
    Definition(
        "emergencies",
        "Notfälle",
        "Krisenberatungen des Zeitraums mit mindestens einem erledigten Betreuungseinsatz (Kinderbetreuung oder "
        "Betreuung von Angehörigen). Erledigt ist ein Einsatz, der nicht abgesagt wurde, dessen geplantes Ende "
        "vorbei ist und zu dem eine ehrenamtliche Person gegangen ist (Einteilung nicht zurückgenommen).",
    ),
    Definition(
        "care_hours",
        "Betreuungsstunden",
        "Die bestätigten Stunden (nach jeder Korrektur) von Betreuungseinsätzen, die im Zeitraum begonnen haben. "
        "Gemeldete, noch nicht bestätigte und abgelehnte Stunden zählen nicht.",
    ),
    Definition(
        "driving_services",
        "Fahrdienste",
        "Erledigte Fahrdienst-Einsätze, die im Zeitraum begonnen haben (nicht abgesagt, Ende vorbei, eine "
        "ehrenamtliche Person ist gefahren).",
    ),
    Definition(
        "concrete_need_share",
        "Anteil mit konkretem Betreuungsbedarf",
        "Krisenberatungen des Zeitraums, für die ein Betreuungseinsatz angelegt und nicht abgesagt wurde, geteilt "
        "durch alle Krisenberatungen des Zeitraums.",
    ),
)
MORE = (
    Definition("jobs", "Einsätze", "Einsätze aller Arten, die im Zeitraum beginnen und nicht abgesagt wurden."),
    Definition(
        "jobs_filled_share",
        "Anteil besetzter Einsätze",
        "Davon die Einsätze, zu denen eine ehrenamtliche Person gegangen ist (Einteilung nicht zurückgenommen).",
    ),
    Definition(
        "volunteers_active",
        "Aktive Ehrenamtliche",
        "Ehrenamtliche mit mindestens einer Einteilung zu einem nicht abgesagten Einsatz, der im Zeitraum beginnt.",
    ),
    Definition(
        "average_hours_to_assignment",
        "Zeit vom Anruf bis zur Einteilung (Mittel)",
        "Für jeden Einsatz einer Krisenberatung des Zeitraums: die Zeit von der Eröffnung des Falls bis zur "
        "ersten Einteilung, gemittelt, in Stunden.",
    ),
)
BY_KEY = {definition.key: definition for definition in (*DEFINITIONS, *MORE)}

BREAKDOWNS = {
    "month": "Monat",
    "need": "Anliegen",
    "municipality": "Kommune",
    "partner": "Partner",
}
NO_NEED = "Nicht angegeben"
NO_MUNICIPALITY = "Ohne Kommune"
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def month_label(month: str) -> str:
    """`2026-03` → `März 2026`."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def definitions_text() -> str:
    """Every definition as plain text, for `fluxx stats --help` and the report."""
    return "\n\n".join(f"{d.label} ({d.key}): {d.text}" for d in (*DEFINITIONS, *MORE))
