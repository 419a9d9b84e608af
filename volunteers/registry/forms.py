"""Reading the coordinators' volunteer form into a checked draft, or German messages per field.

The form is checked by the importer's own row rules (`rules.validate_rows`), so a volunteer typed in by
hand and one read from a file obey the same rules and get the same messages. Pure: no database, no web.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from core.errors import FieldErrors
from core.phone import display
from volunteers.registry.availability import format_availability
from volunteers.registry.drafts import Certificate, VolunteerDraft, WeeklySlot
from volunteers.registry.models import Volunteer
from volunteers.registry.rules import validate_rows
from volunteers.vocabulary import CertificateKind

TEXT_FIELDS = ("name", "phone", "languages", "availability", "max_jobs_per_week", "notes")
CERTIFICATE_FIELDS: Mapping[CertificateKind, str] = {
    CertificateKind.POLICE_CERTIFICATE: "police",
    CertificateKind.FIRST_AID: "first_aid",
}
"""Certificate kind -> prefix of its two form fields (`police_issued_on`, `police_valid_until`)."""

# Each message of the row rules starts with the German name of its column; longest names first.
_MESSAGE_FIELDS = (
    ("Max. Einsätze pro Woche", "max_jobs_per_week"),
    ("SMS-Einwilligung", "sms_consent"),
    ("Führungszeugnis", "police_issued_on"),
    ("Verfügbarkeit", "availability"),
    ("Erste Hilfe", "first_aid_issued_on"),
    ("Bemerkungen", "notes"),
    ("Mobilnummer", "phone"),
    ("Fähigkeit", "skills"),
    ("Gemeinde", "municipality_ids"),
    ("Sprache", "languages"),
    ("Name", "name"),
)


class FormInvalid(FieldErrors, ValueError):
    """`errors` maps a form field to its German message (answered 422)."""


def parse_volunteer_form(form: Mapping[str, Any], *, municipalities: Mapping[str, int], today: date) -> VolunteerDraft:
    """The draft a posted form describes. `form` holds the text fields and the lists `skills` (enum
    values) and `municipality_ids` (ids as text); `municipalities` maps the known names to ids."""
    names = {str(id): name for name, id in municipalities.items()}
    chosen = [str(value) for value in form.get("municipality_ids", [])]
    errors: dict[str, str] = {}
    if any(value not in names for value in chosen):
        errors["municipality_ids"] = "Diese Gemeinde gibt es nicht. Bitte aus der Liste wählen."
    row = {key: str(form.get(key, "")) for key in TEXT_FIELDS}
    row["skills"] = ", ".join(str(value) for value in form.get("skills", []))
    row["municipalities"] = ", ".join(names[value] for value in chosen if value in names)
    row["police_certificate"] = _german_date(str(form.get("police_issued_on", "")))
    row["first_aid"] = _german_date(str(form.get("first_aid_issued_on", "")))
    row["sms_consent"] = "ja" if form.get("sms_consent") else "nein"
    preview = validate_rows([row], municipalities, today=today)
    for message in preview.errors:
        text = message.split(": ", 1)[1]
        field = next((field for prefix, field in _MESSAGE_FIELDS if text.startswith(prefix)), "name")
        errors[field] = f"{errors[field]} {text}" if field in errors else text
    certificates = _certificates(form, preview.drafts[0] if preview.drafts else None, errors)
    if errors or not preview.drafts:
        raise FormInvalid(errors or {"name": "Bitte Name und Mobilnummer eintragen."})
    return dataclasses.replace(preview.drafts[0], certificates=certificates)


def _german_date(text: str) -> str:
    """A date input's ISO value as the importer's German date, so that messages show "03.02.2024"."""
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    return f"{iso[3]}.{iso[2]}.{iso[1]}" if iso else text.strip()


def _certificates(
    form: Mapping[str, Any], draft: VolunteerDraft | None, errors: dict[str, str]
) -> tuple[Certificate, ...]:
    """The draft's certificates, each with the "gültig bis" date the form gives (default: kind's period)."""
    result = []
    issued = {c.kind: c for c in draft.certificates} if draft else {}
    for kind, prefix in CERTIFICATE_FIELDS.items():
        text = str(form.get(f"{prefix}_valid_until", "")).strip()
        certificate = issued.get(kind)
        if text and not str(form.get(f"{prefix}_issued_on", "")).strip():
            errors[f"{prefix}_issued_on"] = f"{kind.label}: Bitte auch das Ausstellungsdatum eintragen."
            continue
        if certificate is None:
            continue
        if text:
            until = _parse_date(text)
            if until is None:
                errors[f"{prefix}_valid_until"] = f"„{text}“ ist kein Datum (TT.MM.JJJJ)."
                continue
            if until < certificate.issued_on:
                errors[f"{prefix}_valid_until"] = "„Gültig bis“ liegt vor dem Ausstellungsdatum."
                continue
            certificate = dataclasses.replace(certificate, valid_until=until)
        result.append(certificate)
    return tuple(result)


def _parse_date(text: str) -> date | None:
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if german:
            return date(int(german[3]), int(german[2]), int(german[1]))
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """A date typed as 03.02.2026 or sent by a date input (2026-02-03); None otherwise."""
    return _parse_date(text.strip())


def form_from_volunteer(volunteer: Volunteer) -> dict[str, Any]:
    """The form's values for an existing volunteer."""
    form: dict[str, Any] = {
        "name": volunteer.name,
        "phone": display(volunteer.phone),
        "skills": [skill.value for skill in volunteer.skills],
        "languages": ", ".join(volunteer.languages),
        "municipality_ids": [str(area.municipality_id) for area in volunteer.areas],
        "availability": format_availability(
            WeeklySlot(s.weekday, s.start_time, s.end_time) for s in volunteer.availability
        ),
        "max_jobs_per_week": str(volunteer.max_jobs_per_week or ""),
        "sms_consent": "1" if volunteer.consent_at is not None else "",
        "notes": volunteer.notes or "",
    }
    for certificate in volunteer.certificates:
        prefix = CERTIFICATE_FIELDS[certificate.kind]
        form[f"{prefix}_issued_on"] = certificate.issued_on.isoformat() if certificate.issued_on else ""
        form[f"{prefix}_valid_until"] = certificate.valid_until.isoformat() if certificate.valid_until else ""
    return form
