"""The German words of the request page and its PDF: the sections, their columns, the reasons for an erasure and
what stays after it. The keys are the English keys of the JSON export (stable: a reader's program may rely on them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shown:
    """A section as people read it (page, PDF): its title, column labels, and each row's values as German text."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    full: bool = False  # it hit its bound: there may be more


# (key, title, ((column key, column label), ...)) in the order the page, the PDF and the JSON show them.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("cases", "Fälle (als anrufende Person)", (
        ("number", "Fallnummer"), ("opened_at", "Eröffnet"), ("closed_at", "Geschlossen"), ("status", "Status"),
        ("need", "Bedarf"), ("caller_name", "Name"), ("caller_phone", "Telefon"), ("address", "Adresse"),
        ("district", "Stadtteil"), ("employer_name", "Arbeitgeber"), ("callback_outcome", "Rückruf-Ergebnis"),
        ("anonymised_at", "Anonymisiert"),
    )),
    ("care_persons", "Betreute Personen", (
        ("case", "Fall"), ("label", "Bezeichnung"), ("age_years", "Alter"), ("need_description", "Bedarf"),
        ("special_requirements", "Besonderes"),
    )),
    ("case_notes", "Notizen", (("case", "Fall"), ("created_at", "Zeit"), ("body", "Text"))),
    ("callback_attempts", "Rückrufe", (("case", "Fall"), ("at", "Zeit"), ("outcome", "Ergebnis"), ("note", "Notiz"))),
    ("jobs", "Einsätze", (
        ("case", "Fall"), ("code", "Code"), ("kind", "Art"), ("starts_at", "Beginn"), ("ends_at", "Ende"),
        ("status", "Status"), ("district", "Stadtteil"), ("notes", "Notizen"),
    )),
    ("calls", "Anrufe", (
        ("case", "Fall"), ("started_at", "Zeit"), ("from_number", "Von"), ("to_number", "An"), ("status", "Status"),
        ("duration_seconds", "Dauer (s)"), ("voicemail", "Sprachnachricht"),
    )),
    ("messages", "SMS", (
        ("created_at", "Zeit"), ("direction", "Richtung"), ("from_number", "Von"), ("to_number", "An"),
        ("body", "Text"), ("status", "Status"), ("case", "Fall"),
    )),
    ("volunteers", "Ehrenamtliche", (
        ("name", "Name"), ("phone", "Mobilnummer"), ("active", "Aktiv"), ("deactivated_at", "Deaktiviert"),
        ("sms_opt_in", "SMS erlaubt"), ("consent_at", "Einwilligung"), ("skills", "Fähigkeiten"),
        ("languages", "Sprachen"), ("areas", "Kommunen"), ("notes", "Notizen"), ("created_at", "Angelegt"),
        ("anonymised_at", "Anonymisiert"),
    )),
    ("volunteer_times", "Zeiten, Abwesenheiten und Nachweise", (
        ("volunteer", "Person"), ("what", "Art"), ("value", "Angabe"),
    )),
    ("assignments", "Einteilungen und Stunden", (
        ("volunteer", "Person"), ("job", "Einsatz"), ("starts_at", "Beginn"), ("kind", "Art"), ("status", "Status"),
        ("hours", "Bestätigte Stunden"),
    )),
    ("bills", "Rechnungen", (
        ("number", "Nummer"), ("case", "Fall"), ("period_month", "Monat"), ("issue_date", "Gestellt am"),
        ("total", "Betrag"), ("status", "Status"), ("debtor_name", "Name"), ("debtor_address", "Adresse"),
        ("kept_until", "Aufzubewahren bis"),
    )),
    ("mandates", "Lastschriftmandate", (
        ("reference", "Mandatsreferenz"), ("case", "Fall"), ("holder", "Kontoinhaber"), ("iban", "IBAN"),
        ("bic", "BIC"), ("signed_on", "Unterschrieben am"), ("revoked_at", "Widerrufen"),
    )),
    ("staff_accounts", "Konten von Mitarbeitenden", (
        ("name", "Name"), ("email", "E-Mail"), ("phone", "Mobilnummer"), ("role", "Rolle"), ("active", "Aktiv"),
        ("created_at", "Angelegt"),
    )),
    ("login_failures", "Fehlgeschlagene Anmeldungen", (("at", "Zeit"), ("ip", "IP-Adresse"), ("kind", "Art"))),
    ("audit", "Protokolleinträge", (
        ("at", "Zeit"), ("action", "Aktion"), ("by", "Wer"), ("case", "Fall"), ("object", "Betrifft"),
    )),
)  # fmt: skip

YES, NO = "ja", "nein"
PDF_TITLE = "Auskunft nach Art. 15 DSGVO"
NOTHING = "Keine Einträge."

# Why the person's data is erased (Art. 17 Abs. 1 DSGVO); the audit entry stores the key, never free text.
REASONS = {
    "request": "Antrag der betroffenen Person auf Löschung (Art. 17 Abs. 1 DSGVO)",
    "consent_withdrawn": "Einwilligung widerrufen (Art. 17 Abs. 1 lit. b DSGVO)",
    "objection": "Widerspruch gegen die Verarbeitung (Art. 17 Abs. 1 lit. c DSGVO)",
    "purpose_ended": "Zweck entfallen (Art. 17 Abs. 1 lit. a DSGVO)",
    "unlawful": "Unrechtmäßig verarbeitet (Art. 17 Abs. 1 lit. d DSGVO)",
}

BILLS_STAY = (
    "Name und Adresse auf gestellten Rechnungen und die Angaben eines Lastschriftmandats bleiben, solange das "
    "Handels- und Steuerrecht die Aufbewahrung von Buchungsbelegen verlangt: acht Jahre ab Ende des Jahres der "
    "Rechnung (§ 147 Abs. 1 Nr. 4, Abs. 3 und 4 AO; § 257 Abs. 1 Nr. 4, Abs. 4 und 5 HGB; § 14b Abs. 1 UStG). "
    "Danach anonymisiert die nächtliche Aufbewahrungsfrist-Löschung sie; die Beträge bleiben."
)
STATISTICS_STAY = (
    "Was die Statistik zählt, bleibt ohne Personenbezug: Bedarf, Kommune, Partner, Daten, Status, Einsätze, "
    "Stunden und Beträge; bei Ehrenamtlichen die Stunden vergangener Einsätze, Fähigkeiten und Kommunen. Im "
    "Protokoll bleibt, wer wann was getan hat, ohne die Einzelheiten."
)
STAFF_STAY = (
    "Konten von Mitarbeitenden werden hier nicht gelöscht: Sie werden unter „Mitarbeitende“ deaktiviert; wer was "
    "getan hat, muss im Protokoll nachvollziehbar bleiben."
)


def open_case(number: str) -> str:
    return f"Fall {number} ist noch offen: Bitte erst abschließen, dann löschen."


def busy_volunteer(count: int) -> str:
    return (
        f"Die ehrenamtliche Person ist noch für {count} Einsatz/Einsätze eingeteilt: "
        "Bitte erst die Einteilung freigeben, dann löschen."
    )


KIND_LABELS = {"phone": "Telefonnummer", "email": "E-Mail-Adresse", "name": "Name"}
