"""Checking every row of a volunteer list before anything is stored. Pure: no database, no I/O.

`validate_rows(rows, known_municipalities)` checks the rows `importing.read_table` returned and gives an
`ImportPreview`: per row either a `VolunteerDraft` or the German error messages ("Zeile 7: Mobilnummer
„0511“ …"). The cell parsers (`mobile`, `skills`, …) also check the coordinators' form values.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, TypeVar

import phonenumbers

from core.errors import DomainError
from core.formats import BERLIN, number_de
from core.phone import InvalidPhoneNumber, display, to_e164
from core.sorting import Column, Sort, parse_sort
from volunteers.registry.availability import (
    AVAILABILITY_HELP,
    AvailabilityError,
    format_availability,
    parse_availability,
)
from volunteers.registry.columns import EXTRA_CELLS, FIELD_LABELS, squash
from volunteers.registry.drafts import Certificate, ImportPreview, InvalidRow, ValidRow, VolunteerDraft, WeeklySlot
from volunteers.vocabulary import LANGUAGE_ALIASES, SKILL_ALIASES, CertificateKind, Skill, language_name

MAX_JOBS_PER_WEEK = 14
MAX_NAME_LENGTH = 120
MAX_NOTES_LENGTH = 2_000

_T = TypeVar("_T")


class Invalid(DomainError, ValueError):
    """Problems with one cell; each message names the column and gets its "Zeile N: " prefix later (answered 422)."""

    status_code: ClassVar[int] = 422

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


def validate_rows(
    rows: Sequence[Mapping[str, str]],
    known_municipalities: Mapping[str, int],
    *,
    today: date | None = None,
) -> ImportPreview:
    """Check every row of `read_table`'s result (row i is spreadsheet row i + 2); empty rows are skipped.

    `known_municipalities` maps municipality names to ids. `today` (default: today in Berlin) decides
    which certificate dates lie in the future. A phone number used by an earlier row is an error on the
    later row.
    """
    today = today or datetime.now(BERLIN).date()
    municipalities = _MunicipalityLookup(known_municipalities)
    first_row_of_phone: dict[str, int] = {}
    valid: list[ValidRow] = []
    invalid: list[InvalidRow] = []
    ignored: dict[str, None] = {}
    for index, row in enumerate(rows):
        for key in row:
            if key not in FIELD_LABELS and key != EXTRA_CELLS:
                ignored[key] = None
        if not any(value.strip() for value in row.values()):
            continue
        number = index + 2
        problems: list[str] = []
        draft = _check_row(row, municipalities, today, problems)
        phone = draft.phone if draft else _phone_of(row)
        if phone is not None:
            if phone in first_row_of_phone:
                problems.append(
                    f"Mobilnummer „{row.get('phone', '').strip()}“ steht schon in Zeile {first_row_of_phone[phone]}."
                )
            else:
                first_row_of_phone[phone] = number
        if problems or draft is None:
            invalid.append(InvalidRow(number, tuple(f"Zeile {number}: {problem}" for problem in problems)))
        else:
            valid.append(ValidRow(number, draft))
    return ImportPreview(valid=tuple(valid), invalid=tuple(invalid), ignored_columns=tuple(ignored))


def _phone_of(row: Mapping[str, str]) -> str | None:
    try:
        return _mobile(row.get("phone", "").strip())
    except Invalid:
        return None


def _check_row(
    row: Mapping[str, str], municipalities: _MunicipalityLookup, today: date, problems: list[str]
) -> VolunteerDraft | None:
    """The draft of a row, or None after adding a message per faulty cell to `problems`."""
    before = len(problems)

    def check(field: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            return parse(row.get(field, "").strip())
        except Invalid as problem:
            problems.extend(problem.messages)
            return None

    if row.get(EXTRA_CELLS):
        problems.append(
            f"Werte ohne Spaltenüberschrift ({row[EXTRA_CELLS]}) – fehlt in Zeile 1 eine Überschrift, oder "
            "enthält ein Feld ein Trennzeichen (; oder ,) ohne Anführungszeichen?"
        )
        return None  # the other cells are probably shifted: their errors would only confuse
    name = _name(row, problems)
    phone = check("phone", _mobile)
    skills = check("skills", _skills)
    languages = check("languages", _languages)
    municipality_ids = check("municipalities", municipalities.ids)
    availability = check("availability", _availability_cell)
    police = check("police_certificate", lambda text: _certificate(CertificateKind.POLICE_CERTIFICATE, text, today))
    first_aid = check("first_aid", lambda text: _certificate(CertificateKind.FIRST_AID, text, today))
    max_jobs = check("max_jobs_per_week", _max_jobs)
    consent = check("sms_consent", _consent)
    notes = check("notes", _notes)
    if len(problems) > before:
        return None
    assert name is not None and phone is not None and skills is not None and languages is not None
    assert municipality_ids is not None and availability is not None and consent is not None
    return VolunteerDraft(
        name=name,
        phone=phone,
        skills=skills,
        languages=languages,
        municipality_ids=municipality_ids,
        availability=availability,
        certificates=tuple(c for c in (police, first_aid) if c is not None),
        max_jobs_per_week=max_jobs,
        sms_consent=consent,
        notes=notes,
    )


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _name(row: Mapping[str, str], problems: list[str]) -> str | None:
    """The name column, or first and last name joined; "Müller, Anna" becomes "Anna Müller"."""
    text = _spaces(row.get("name", ""))
    if not text:
        text = _spaces(f"{row.get('first_name', '')} {row.get('last_name', '')}")
    elif text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        text = _spaces(f"{first} {last}")
    if not text:
        problems.append("Name fehlt.")
        return None
    if not re.search(r"[^\W\d_]", text):
        problems.append(f"Name „{text}“ enthält keine Buchstaben.")
        return None
    if len(text) > MAX_NAME_LENGTH:
        problems.append(f"Name ist länger als {MAX_NAME_LENGTH} Zeichen.")
        return None
    return text


def _mobile(text: str) -> str:
    """E.164 of a mobile number. Digits without a leading 0 or + are a number cell (or a CSV saved by
    Excel) that lost its leading 0: "15112345678" is 0151 12345678, "4915112345678" is +49 151 12345678."""
    label = FIELD_LABELS["phone"]
    if not text:
        raise Invalid(f"{label} fehlt.")
    candidates = [text]
    digits = re.sub(r"[\s/().-]", "", text)
    if digits.isdigit() and not digits.startswith("0"):
        with_zero, with_plus = "0" + digits, "+" + digits
        international = digits.startswith("49") and len(digits) >= 12
        candidates = [with_plus, with_zero] if international else [with_zero, with_plus]
    not_mobile: Invalid | None = None
    for candidate in candidates:
        try:
            number = to_e164(candidate)
        except InvalidPhoneNumber:
            continue
        kind = phonenumbers.number_type(phonenumbers.parse(number))
        if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            return number
        what = "eine Festnetznummer" if kind == phonenumbers.PhoneNumberType.FIXED_LINE else "keine Mobilnummer"
        not_mobile = not_mobile or Invalid(f"{label} „{text}“ ist {what} – für SMS wird eine Mobilnummer gebraucht.")
    if not_mobile is not None:
        raise not_mobile
    if re.search(r"\d[eE][+]?\d", text):
        raise Invalid(
            f"{label} „{text}“ ist keine gültige Mobilnummer: Excel hat die Zahl abgekürzt. "
            "Bitte die Spalte als Text formatieren und die Nummer neu eintragen."
        )
    raise Invalid(f"{label} „{text}“ ist keine gültige Mobilnummer.")


_LIST_SEPARATORS = re.compile(r"[,;/|+&\n]")


def _items(text: str) -> list[str]:
    """The entries of a list cell: "Kinder, Babys / Auto" -> ["Kinder", "Babys", "Auto"]."""
    return [item for item in (_spaces(part) for part in _LIST_SEPARATORS.split(text)) if item]


def _pieces(item: str, known: Callable[[str], object]) -> list[str]:
    """An entry as it is if known ("Kinder und Jugendliche"), else split at "und" ("Kinder und Senioren")."""
    if known(item) is not None:
        return [item]
    return [piece for piece in re.split(r"\s+und\s+", item, flags=re.IGNORECASE) if piece]


def _suggestion(text: str, choices: Mapping[str, str], cutoff: float = 0.6) -> str | None:
    """The display name whose key is most like `text` (difflib), or None."""
    match = difflib.get_close_matches(squash(text), list(choices), n=1, cutoff=cutoff)
    return choices[match[0]] if match else None


_SKILL_SUGGESTIONS: Mapping[str, str] = {squash(word): skill.label for word, skill in SKILL_ALIASES.items()}
_SKILL_LIST = ", ".join(skill.label for skill in Skill)


def _skills(text: str) -> frozenset[Skill]:
    label = FIELD_LABELS["skills"]
    if not text:
        raise Invalid(f"{label} fehlen – bitte mindestens eine eintragen: {_SKILL_LIST}.")
    skills: set[Skill] = set()
    problems: list[str] = []
    for item in _items(text):
        for piece in _pieces(item, Skill.from_text):
            skill = Skill.from_text(piece)
            if skill is not None:
                skills.add(skill)
                continue
            guess = _suggestion(piece, _SKILL_SUGGESTIONS)
            if guess:
                problems.append(f"Fähigkeit „{piece}“ unbekannt – meinten Sie „{guess}“?")
            else:
                problems.append(
                    f"Fähigkeit „{piece}“ unbekannt – erlaubt sind: {_SKILL_LIST} "
                    "(auch kurz: Kinder, Babys, Senioren, Demenz, Auto, Rollstuhl)."
                )
    if problems:
        raise Invalid(*problems)
    return frozenset(skills)


_LANGUAGE_SUGGESTIONS: Mapping[str, str] = {
    squash(word): name for word, name in LANGUAGE_ALIASES.items() if len(word) > 3
}


def _language(piece: str) -> str | None:
    return language_name(piece) or language_name(re.sub(r"\s*\(.*?\)\s*", " ", piece))


def _languages(text: str) -> tuple[str, ...]:
    """Known languages by their German name ("english" -> "Englisch"); an unknown word that is a close typo
    of a known one is an error, any other word is kept (capitalised) since the list of languages is open."""
    languages: dict[str, None] = {}
    problems: list[str] = []
    for item in _items(text):
        for piece in _pieces(item, _language):
            name = _language(piece)
            if name is None:
                guess = _suggestion(piece, _LANGUAGE_SUGGESTIONS, cutoff=0.8)
                if guess:
                    problems.append(f"Sprache „{piece}“ unbekannt – meinten Sie „{guess}“?")
                    continue
                if not re.fullmatch(r"[^\W\d_]+(?:[ -][^\W\d_]+)*", piece) or len(piece) > 40:
                    problems.append(f"Sprache „{piece}“ ist kein Sprachname.")
                    continue
                name = piece[0].upper() + piece[1:]
            languages[name] = None
    if problems:
        raise Invalid(*problems)
    return tuple(languages)


# Short forms offices use, applied only when the full name is one of the known municipalities.
_MUNICIPALITY_SHORT_FORMS: Mapping[str, str] = {
    "Neustadt a. Rbge.": "Neustadt am Rübenberge",
    "Neustadt": "Neustadt am Rübenberge",
    "Wennigsen": "Wennigsen (Deister)",
    "Landeshauptstadt Hannover": "Hannover",
    "Stadt Hannover": "Hannover",
    "LHH": "Hannover",
}


class _MunicipalityLookup:
    def __init__(self, known: Mapping[str, int]) -> None:
        self.known = known
        self.names: dict[str, str] = {squash(name): name for name in known}
        for short, name in _MUNICIPALITY_SHORT_FORMS.items():
            if name in known:
                self.names.setdefault(squash(short), name)
        self.all_names = ", ".join(sorted(known))

    def name(self, text: str) -> str | None:
        key = squash(text)
        return self.names.get(key) or self.names.get(squash(re.sub(r"^(Stadt|Gemeinde)\s+", "", text, flags=re.I)))

    def district_of(self, text: str) -> str | None:
        """The municipality a district name starts with ("Hannover-Linden", "Laatzen Rethen"), if any."""
        start = re.split(r"[\s-]+", text.strip(), maxsplit=1)[0]
        return self.name(start) if start != text.strip() else None

    def ids(self, text: str) -> frozenset[int]:
        label = FIELD_LABELS["municipalities"]
        if not text:
            raise Invalid(f"{label} fehlen – bitte mindestens eine Gemeinde der Region Hannover eintragen.")
        ids: set[int] = set()
        problems: list[str] = []
        for item in _items(text):
            for piece in _pieces(item, self.name):
                name = self.name(piece)
                if name is not None:
                    ids.add(self.known[name])
                    continue
                guess = self.district_of(piece) or _suggestion(piece, self.names, cutoff=0.75)
                if guess:
                    problems.append(f"Gemeinde „{piece}“ unbekannt – meinten Sie „{guess}“?")
                else:
                    problems.append(f"Gemeinde „{piece}“ unbekannt – erlaubt sind: {self.all_names}.")
        if problems:
            raise Invalid(*problems)
        return frozenset(ids)


def _date(text: str) -> date:
    """03.02.2024, 3.2.24 or 2024-02-03; ValueError otherwise."""
    german = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}|\d{2})", text)
    if german:
        day, month, year = (int(part) for part in german.groups())
        return date(year + 2000 if year < 100 else year, month, day)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return date(year, month, day)
    raise ValueError(text)


_CERTIFICATE_FIELDS: Mapping[CertificateKind, str] = {
    CertificateKind.POLICE_CERTIFICATE: "police_certificate",
    CertificateKind.FIRST_AID: "first_aid",
}


def _certificate(kind: CertificateKind, text: str, today: date) -> Certificate | None:
    """A certificate from its issue date; valid for the kind's default period. Expired ones are kept."""
    if not text:
        return None
    label = FIELD_LABELS[_CERTIFICATE_FIELDS[kind]]
    try:
        issued_on = _date(text)
    except ValueError:
        raise Invalid(
            f"{label} „{text}“ ist kein Datum – bitte das Ausstellungsdatum als TT.MM.JJJJ eintragen "
            "(z. B. 03.02.2024)."
        ) from None
    if issued_on > today:
        raise Invalid(f"{label} „{text}“ liegt in der Zukunft – bitte das Ausstellungsdatum eintragen.")
    return Certificate(kind=kind, issued_on=issued_on, valid_until=kind.valid_until(issued_on))


def _max_jobs(text: str) -> int | None:
    label = FIELD_LABELS["max_jobs_per_week"]
    if not text:
        return None
    if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_JOBS_PER_WEEK:
        raise Invalid(f"{label} „{text}“ – bitte eine ganze Zahl von 1 bis {MAX_JOBS_PER_WEEK} eintragen.")
    return int(text)


_YES = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "wahr", "✓", "✔", "☑"})
_NO = frozenset({"nein", "n", "no", "0", "false", "falsch", "-", "–"})


def _consent(text: str) -> bool:
    word = text.strip().casefold().rstrip(".!")
    if not word or word in _NO:
        return False
    if word in _YES:
        return True
    raise Invalid(f"{FIELD_LABELS['sms_consent']} „{text}“ – bitte „ja“ oder „nein“ eintragen.")


def _notes(text: str) -> str | None:
    if len(text) > MAX_NOTES_LENGTH:
        raise Invalid(f"{FIELD_LABELS['notes']} sind länger als {number_de(MAX_NOTES_LENGTH)} Zeichen.")
    return text or None


def _availability_cell(text: str) -> tuple[WeeklySlot, ...]:
    try:
        return parse_availability(text)
    except AvailabilityError as error:
        raise Invalid(
            f"{FIELD_LABELS['availability']} „{_spaces(text)}“ nicht verstanden: {error} {AVAILABILITY_HELP}"
        ) from None


# --- the list's order ------------------------------------------------------------------------------------

VOLUNTEER_COLUMNS = (
    Column("name", "Name", "A bis Z", "Z bis A"),
    # By the first of a person's municipalities in the alphabet.
    Column("municipality", "Gemeinden", "A bis Z", "Z bis A"),
    # By the certificate that expires first: the people whose proof runs out soonest come first.
    Column("certificate", "Nachweise gültig bis", "früheste zuerst", "späteste zuerst"),
    Column("assigned", "Letzter Einsatz", "am längsten her zuerst", "jüngster zuerst", first="desc"),
)
DEFAULT_VOLUNTEER_SORT = Sort("name", "asc")


def parse_volunteer_sort(raw_sort: str | None, raw_dir: str | None) -> Sort:
    """The volunteer list's order from its URL; unknown values give the default (by name)."""
    return parse_sort(raw_sort, raw_dir, VOLUNTEER_COLUMNS, DEFAULT_VOLUNTEER_SORT)


# --- how a row was understood, for the preview ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interpreted:
    """A checked row in German as the registry will store and show it (the import preview's columns)."""

    name: str
    phone: str
    skills: str
    languages: str
    municipalities: str
    availability: str
    sms_consent: str
    police_certificate: str
    first_aid: str
    max_jobs_per_week: str


def interpret(draft: VolunteerDraft, municipality_names: Mapping[int, str], *, today: date) -> Interpreted:
    """`draft` as the coordinator will find it after the import (imported `today`): skill labels, municipality
    names, availability in the accepted syntax, consent with the date it is recorded, certificate dates."""

    def certificate(kind: CertificateKind) -> str:
        found = [c for c in draft.certificates if c.kind == kind]
        if not found:
            return "keins"
        latest = max(found, key=lambda c: c.issued_on)
        expired = " (abgelaufen)" if latest.valid_until < today else ""
        return f"vom {latest.issued_on:%d.%m.%Y}, gültig bis {latest.valid_until:%d.%m.%Y}{expired}"

    return Interpreted(
        name=draft.name,
        phone=display(draft.phone),
        skills=", ".join(skill.label for skill in Skill if skill in draft.skills),
        languages=", ".join(language_name(language) or language for language in draft.languages) or "keine Angabe",
        municipalities=", ".join(sorted(municipality_names.get(id, "?") for id in draft.municipality_ids)),
        availability=format_availability(draft.availability) or "keine festen Zeiten",
        sms_consent=f"ja, erteilt am {today:%d.%m.%Y} (Tag des Imports)" if draft.sms_consent else "nein",
        police_certificate=certificate(CertificateKind.POLICE_CERTIFICATE),
        first_aid=certificate(CertificateKind.FIRST_AID),
        max_jobs_per_week=str(draft.max_jobs_per_week) if draft.max_jobs_per_week else "keine Grenze",
    )
