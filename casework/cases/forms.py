"""Reading the case forms (a new case by hand, the case form) and the shared field parsers of the job form:
typed values or German error messages per field.

Pure: no database, no web framework. The caller passes the form fields as strings and the ids that
exist (municipalities, partners), and gets either clean values or `{field: message}`; the page is then
shown again with what the person typed and the messages next to the fields.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from casework.cases.rules import AgeInvalid, SemesterInvalid, age_text, parse_age, semester_label
from casework.enums import Affiliation, Need
from core.errors import FieldErrors
from core.formats import ascii_int
from core.phone import InvalidPhoneNumber, display, to_e164

if TYPE_CHECKING:
    from casework.cases.models import Case

MAX_PERSONS = 12
MAX_WINDOWS = 8
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M")


class FormInvalid(FieldErrors, ValueError):
    """`errors` maps a form field to its German message (answered 422)."""


@dataclass(frozen=True)
class PersonInput:
    label: str
    age_years: int | None
    need_description: str | None
    special_requirements: str | None
    age_months: int | None = None
    """Set when the age was given in months ("4 Monate"); `age_years` is then the whole years in it."""


@dataclass(frozen=True)
class WindowInput:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class CaseDetails:
    caller_name: str | None
    caller_phone: str | None
    need: Need | None
    municipality_id: int | None
    district: str | None
    address: str | None
    affiliation: Affiliation
    partner_id: int | None
    employer_municipality_id: int | None
    consent: bool
    employer_name: str | None = None
    student_semester: str | None = None
    sms_consent: bool = False
    persons: list[PersonInput] = field(default_factory=list)
    windows: list[WindowInput] = field(default_factory=list)


def text(form: Mapping[str, str], name: str, limit: int = 160) -> str | None:
    value = " ".join(str(form.get(name, "")).split()) if name != "address" else str(form.get(name, "")).strip()
    return value[:limit] if value else None


def parse_local(value: str, zone: ZoneInfo) -> datetime:
    """A local date and time as typed (`2026-11-27T08:00` or `27.11.2026 08:00`) → aware datetime."""
    for fmt in LOCAL_FORMATS:
        try:
            local = datetime.strptime(value.strip(), fmt).replace(tzinfo=zone)
        except ValueError:
            continue
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            # 02:30 on the night the clocks go forward does not exist in Hannover.
            raise ValueError(
                f"„{value.strip()}“ gibt es wegen der Zeitumstellung nicht. Bitte wählen Sie eine andere Uhrzeit."
            )
        return local
    raise ValueError(f"„{value.strip()}“ ist kein gültiger Zeitpunkt (z. B. 27.11.2026 08:00).")


def choice_id(
    form: Mapping[str, str], name: str, known: Collection[int], errors: dict[str, str], what: str
) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    number = ascii_int(raw)
    if number is not None and number in known:
        return number
    errors[name] = f"Bitte {what} aus der Liste wählen."
    return None


def parse_window(
    start_raw: str, end_raw: str, zone: ZoneInfo, errors: dict[str, str], fields: tuple[str, str]
) -> tuple[datetime, datetime] | None:
    """Start and end of a time window; both required, end after start."""
    try:
        start = parse_local(start_raw, zone)
    except ValueError as exc:
        errors[fields[0]] = str(exc)
        return None
    if not end_raw.strip():
        errors[fields[1]] = "Bitte auch das Ende angeben."
        return None
    try:
        end = parse_local(end_raw, zone)
    except ValueError as exc:
        errors[fields[1]] = str(exc)
        return None
    if end <= start:
        errors[fields[1]] = "Das Ende liegt vor dem Beginn. Bitte prüfen Sie Datum und Uhrzeit."
        return None
    return start, end


def _phone(form: Mapping[str, str], errors: dict[str, str]) -> str | None:
    raw = str(form.get("caller_phone", "")).strip()
    if not raw:
        return None
    try:
        return to_e164(raw)
    except InvalidPhoneNumber as exc:
        errors["caller_phone"] = f"{exc} Beispiel: 0511 1234567."
        return None


def _persons(form: Mapping[str, str], errors: dict[str, str]) -> list[PersonInput]:
    persons = []
    for index in range(MAX_PERSONS):
        key = f"person-{index}"
        label = text(form, f"{key}-label", 80)
        age_raw = str(form.get(f"{key}-age", "")).strip()
        need_text = text(form, f"{key}-need", 500)
        special = text(form, f"{key}-special", 500)
        if not (label or age_raw or need_text or special):
            continue
        if not label:
            errors[f"{key}-label"] = "Bitte Vorname oder Initialen der Person angeben."
        age = None
        try:
            age = parse_age(age_raw)
        except AgeInvalid as exc:
            errors[f"{key}-age"] = exc.message
        years, months = (age.years, age.months) if age else (None, None)
        persons.append(PersonInput(label or "", years, need_text, special, months))
    return persons


def _windows(form: Mapping[str, str], zone: ZoneInfo, errors: dict[str, str]) -> list[WindowInput]:
    windows = []
    for index in range(MAX_WINDOWS):
        key = f"window-{index}"
        start_raw, end_raw = str(form.get(f"{key}-start", "")), str(form.get(f"{key}-end", ""))
        if not start_raw.strip() and not end_raw.strip():
            continue
        if not start_raw.strip():
            errors[f"{key}-start"] = "Bitte auch den Beginn angeben."
            continue
        if parsed := parse_window(start_raw, end_raw, zone, errors, (f"{key}-start", f"{key}-end")):
            windows.append(WindowInput(*parsed))
    return windows


def _enum(form: Mapping[str, str], name: str, kind: type[Need] | type[Affiliation], errors: dict[str, str]) -> object:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    if raw in kind._value2member_map_:
        return kind(raw)
    errors[name] = "Bitte einen Eintrag aus der Liste wählen."
    return None


PARTNER_ENDED_OK = "partner_ended_ok"
"""The checkbox that confirms a partner company whose membership has ended (see `parse_case_form`)."""


def parse_case_form(
    form: Mapping[str, str],
    *,
    zone: ZoneInfo,
    municipality_ids: Collection[int],
    partner_ids: Collection[int],
    ended_partners: Mapping[int, tuple[str, date]] | None = None,
    current_partner_id: int | None = None,
) -> CaseDetails:
    """Validate the case form; raise FormInvalid with German messages per field.

    `ended_partners` maps the partner companies whose membership has ended to their name and last day. Choosing
    one (other than the case's `current_partner_id`) needs the confirmation `partner_ended_ok`: the partner rate
    applies only to jobs within the membership, so the family would pay more than staff may have told them."""
    errors: dict[str, str] = {}
    phone = _phone(form, errors)
    need = _enum(form, "need", Need, errors)
    affiliation = _enum(form, "affiliation", Affiliation, errors) or Affiliation.NONE
    municipality_id = choice_id(form, "municipality_id", municipality_ids, errors, "eine Kommune")
    partner_id = choice_id(form, "partner_id", partner_ids, errors, "einen Partnerbetrieb")
    employer_id = choice_id(form, "employer_municipality_id", municipality_ids, errors, "eine Kommune")
    if affiliation == Affiliation.PARTNER_COMPANY and partner_id is None and "partner_id" not in errors:
        errors["partner_id"] = "Bitte den Partnerbetrieb wählen, bei dem die Person arbeitet."
    ended = (ended_partners or {}).get(partner_id) if partner_id is not None else None
    if ended is not None and partner_id != current_partner_id and form.get(PARTNER_ENDED_OK) != "1":
        name, until = ended
        errors[PARTNER_ENDED_OK] = (
            f"„{name}“ ist seit dem {until:%d.%m.%Y} kein Partnerbetrieb mehr: Einsätze danach werden nicht zum "
            "Partnersatz abgerechnet. Bitte bestätigen oder einen anderen Betrieb wählen."
        )
    if affiliation == Affiliation.PARTNER_MUNICIPALITY and employer_id is None:
        errors.setdefault("employer_municipality_id", "Bitte die Kommune wählen, bei der die Person arbeitet.")
    semester = _semester(form, Affiliation(str(affiliation)), errors)
    details = CaseDetails(
        caller_name=text(form, "caller_name"),
        caller_phone=phone,
        need=need,  # type: ignore[arg-type]
        municipality_id=municipality_id,
        district=text(form, "district", 80),
        address=text(form, "address", 500),
        affiliation=affiliation,  # type: ignore[arg-type]
        # Every fact that makes a family eligible is kept, whatever is chosen as its affiliation: the tariff
        # takes the lowest rate of all that apply on a job's day (a partner's employee who also studies).
        partner_id=partner_id,
        employer_municipality_id=employer_id,
        employer_name=text(form, "employer_name", 160),
        student_semester=semester,
        consent=form.get("consent") == "1",
        sms_consent=form.get("sms_consent") == "1",
        persons=_persons(form, errors),
        windows=_windows(form, zone, errors),
    )
    if errors:
        raise FormInvalid(errors)
    return details


# How a case entered by hand reached us ("Neuer Fall"); the German text goes into its first note.
SOURCES = {
    "walk_in": "persönlich vorbeigekommen",
    "email": "E-Mail",
    "letter": "Brief",
    "other": "anderer Weg",
}


# A note is at most 5,000 characters; the first one of a new case starts with its source line.
MAX_FIRST_NOTE = 4800


@dataclass(frozen=True)
class NewCase:
    caller_name: str | None
    caller_phone: str | None
    need: Need | None
    source: str  # how the case reached us, in German
    note: str


def parse_new_case_form(form: Mapping[str, str]) -> NewCase:
    """Validate the "Neuer Fall" form: a name or a phone number, a known need; FormInvalid otherwise."""
    errors: dict[str, str] = {}
    phone = _phone(form, errors)
    name = str(form.get("caller_name", ""))
    if not name.strip() and not str(form.get("caller_phone", "")).strip():
        # Said once, at the name; a number that was typed but is wrong gets its own message instead.
        errors["caller_name"] = "Bitte einen Namen oder eine Telefonnummer angeben, damit wir die Person erreichen."
    need = str(form.get("need", ""))
    if need and need not in Need._value2member_map_:
        errors["need"] = "Bitte einen Eintrag aus der Liste wählen."
    if len(str(form.get("note", "")).strip()) > MAX_FIRST_NOTE:
        # The first note also carries how the case reached us; checked here, before anything is saved.
        errors["note"] = f"Die Notiz ist zu lang (höchstens {MAX_FIRST_NOTE:,} Zeichen).".replace(",", ".")
    if errors:
        raise FormInvalid(errors)
    source = str(form.get("source", ""))
    return NewCase(
        caller_name=" ".join(name.split()) or None,
        caller_phone=phone,
        need=Need(need) if need else None,
        source=SOURCES.get(source, SOURCES["other"]),
        note=str(form.get("note", "")),
    )


CASE_FIELDS = (
    "caller_name",
    "caller_phone",
    "need",
    "municipality_id",
    "district",
    "address",
    "affiliation",
    "partner_id",
    "employer_municipality_id",
    "employer_name",
    "student_semester",
)


def _semester(form: Mapping[str, str], affiliation: Affiliation, errors: dict[str, str]) -> str | None:
    """The semester of a student's status, written the one way we show it; required for "Studierende"."""
    raw = " ".join(str(form.get("student_semester", "")).split())
    if not raw:
        if affiliation == Affiliation.STUDENT:
            errors["student_semester"] = (
                "Bitte das Semester angeben, für das der Studierendenstatus gilt (z. B. WiSe 2026/27)."
            )
        return None
    try:
        return semester_label(raw)
    except SemesterInvalid as exc:
        errors["student_semester"] = exc.message
        return None


def form_from_case(case: Case, local: ZoneInfo) -> dict[str, str]:
    """The case form's fields as the browser would send them back for the stored case."""
    form = {name: "" if getattr(case, name) is None else str(getattr(case, name)) for name in CASE_FIELDS}
    form["caller_phone"] = display(case.caller_phone) if case.caller_phone else ""
    form["consent"] = "1" if case.consent_at else ""
    form["sms_consent"] = "1" if case.sms_consent else ""
    for i, person in enumerate(case.persons):
        form |= {
            f"person-{i}-label": person.label,
            f"person-{i}-age": age_text(person.age_years, person.age_months)
            if person.age_months is not None
            else ""
            if person.age_years is None
            else str(person.age_years),
            f"person-{i}-need": person.need_description or "",
            f"person-{i}-special": person.special_requirements or "",
        }
    for i, window in enumerate(case.windows):
        form[f"window-{i}-start"] = window.starts_at.astimezone(local).strftime(LOCAL_INPUT)
        form[f"window-{i}-end"] = window.ends_at.astimezone(local).strftime(LOCAL_INPUT)
    return form
