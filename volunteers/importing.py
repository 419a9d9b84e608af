"""Reading a coordinator's volunteer list (CSV or Excel) and checking every row before anything is stored.

Pure: no database, no web framework, no I/O beyond the bytes passed in. Two steps:

1. `read_table(data, filename)` turns the file into one dict per spreadsheet row, keyed by field
   (`"name"`, `"phone"`, …; see `FIELD_LABELS`) after matching the German column headers in row 1
   (case, spaces and punctuation do not matter: "Handy-Nr.", "SMS Einwilligung"). `rows[i]` is spreadsheet
   row `i + 2`; empty rows are kept (all values empty) so that the numbers stay those the office sees.
   Columns we do not know stay under their own header text and are listed as ignored in the preview.
   A file we cannot read raises `ImportFileError` with a German message for the coordinator.
2. `validate_rows(rows, known_municipalities)` checks every row and returns an `ImportPreview`: per row
   either a `VolunteerDraft` or the German error messages ("Zeile 7: Mobilnummer „0511“ …").

Accepted weekly availability (`parse_availability`), case-insensitive:

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

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, TypeVar

import phonenumbers
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from fluxx.core.formats import BERLIN, number_de
from fluxx.core.phone import InvalidPhoneNumber, to_e164
from volunteers.vocabulary import LANGUAGE_ALIASES, SKILL_ALIASES, CertificateKind, Skill, fold, language_name

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A list of 5,000 volunteers is well under 2 MB as CSV and far less as .xlsx."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""An .xlsx is a zip archive: refuse one that unpacks to more than this (a "zip bomb")."""
MAX_ROWS = 5_000
"""Data rows below the header, empty rows between them included."""
MAX_COLUMNS = 100
MAX_JOBS_PER_WEEK = 14
MAX_NAME_LENGTH = 120
MAX_NOTES_LENGTH = 2_000

__all__ = [
    "AVAILABILITY_HELP",
    "EXTRA_CELLS",
    "FIELD_LABELS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "AvailabilityError",
    "Certificate",
    "ImportFileError",
    "ImportPreview",
    "InvalidRow",
    "ValidRow",
    "VolunteerDraft",
    "WeeklySlot",
    "format_availability",
    "parse_availability",
    "read_table",
    "validate_rows",
]

_T = TypeVar("_T")

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

_HEADER_WORDS: Mapping[str, tuple[str, ...]] = {
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
_LANDLINE_HEADER_WORDS = ("Telefon", "Telefonnummer", "Tel.", "Tel.-Nr.", "Rufnummer")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is German and meant for the coordinator."""


class AvailabilityError(ValueError):
    """Availability text outside the accepted syntax; the message says what is wrong, in German."""


class WeeklySlot(NamedTuple):
    """Available every week on `weekday` (0 = Monday) from `start` to `end`, Europe/Berlin local time."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Certificate:
    kind: CertificateKind
    issued_on: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class VolunteerDraft:
    """One checked row, ready to become a volunteer (phone in E.164, ids of known municipalities)."""

    name: str
    phone: str
    skills: frozenset[Skill]
    languages: tuple[str, ...]
    municipality_ids: frozenset[int]
    availability: tuple[WeeklySlot, ...]
    certificates: tuple[Certificate, ...]
    max_jobs_per_week: int | None
    """None: the file gives no maximum."""
    sms_consent: bool
    """Only an explicit yes ("ja", "x", TRUE) counts; an empty cell is no consent."""
    notes: str | None


@dataclass(frozen=True, slots=True)
class ValidRow:
    row_number: int
    draft: VolunteerDraft


@dataclass(frozen=True, slots=True)
class InvalidRow:
    row_number: int
    errors: tuple[str, ...]
    """Complete German sentences, each starting "Zeile N: " and naming the column."""


@dataclass(frozen=True, slots=True)
class ImportPreview:
    valid: tuple[ValidRow, ...]
    invalid: tuple[InvalidRow, ...]
    ignored_columns: tuple[str, ...] = ()
    """Headers of columns that were not read (unknown names, or "Telefon" next to a mobile column)."""

    @property
    def importable(self) -> bool:
        """The whole file can be imported: at least one volunteer and no row with an error."""
        return bool(self.valid) and not self.invalid

    @property
    def drafts(self) -> tuple[VolunteerDraft, ...]:
        return tuple(row.draft for row in self.valid)

    @property
    def errors(self) -> tuple[str, ...]:
        """Every error message of the file, in row order."""
        return tuple(message for row in self.invalid for message in row.errors)


# --- reading the file --------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a .csv or .xlsx file below its header row, keyed by field; see the module docstring."""
    display_name = _basename(filename)
    if not data:
        raise ImportFileError(f"Die Datei „{display_name}“ ist leer.")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"Die Datei „{display_name}“ ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB. "
            f"Bitte die Liste in kleinere Dateien aufteilen (höchstens {number_de(MAX_ROWS)} Zeilen)."
        )
    extension = display_name.rsplit(".", 1)[-1].lower() if "." in display_name else ""
    if extension == "xlsx":
        grid = _xlsx_rows(data, display_name)
    elif extension == "csv":
        grid = _csv_rows(data, display_name)
    elif extension in {"xls", "xlsm", "xlsb", "ods", "numbers"}:
        raise ImportFileError(
            f"„{display_name}“ ist kein unterstütztes Format. Bitte in Excel oder LibreOffice "
            "„Speichern unter“ wählen und als Excel-Arbeitsmappe (.xlsx) oder CSV (.csv) speichern."
        )
    else:
        raise ImportFileError(
            f"„{display_name}“ ist keine Tabelle. Erwartet wird eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv)."
        )
    return _rows_below_header(grid, display_name)


def _basename(filename: str) -> str:
    return re.split(r"[\\/]", filename.strip())[-1] or "ohne Namen"


def _looks_like(data: bytes) -> str | None:
    """What a file that is not text is, by its first bytes, for a helpful message."""
    if data.startswith(b"PK\x03\x04"):
        return "ein ZIP-Archiv (z. B. eine Excel- oder Word-Datei)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "eine alte Office-Datei (.xls/.doc) oder eine passwortgeschützte Excel-Datei"
    if data.startswith(b"%PDF"):
        return "ein PDF-Dokument"
    if data[:4] in {b"\x89PNG", b"GIF8"} or data.startswith(b"\xff\xd8\xff"):
        return "ein Bild"
    return None


def _xlsx_rows(data: bytes, name: str) -> Iterator[list[str]]:
    if not data.startswith(b"PK\x03\x04"):
        what = _looks_like(data)
        raise ImportFileError(
            f"„{name}“ ist keine Excel-Datei (.xlsx)" + (f", sondern {what}" if what else "") + ". "
            "Passwortschutz bitte entfernen; alte .xls-Dateien bitte als .xlsx speichern."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(f"„{name}“ ist beschädigt und lässt sich nicht als Excel-Datei öffnen.") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(f"„{name}“ ist entpackt zu groß. Bitte die Liste in kleinere Dateien aufteilen.")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ]
        sheet = workbook.get_sheet_by_name(sheets[0]) if sheets else None
    except (CalamineError, ValueError, OSError):
        raise ImportFileError(f"„{name}“ lässt sich nicht als Excel-Datei lesen.") from None
    if sheet is None:
        raise ImportFileError(f"„{name}“ enthält kein sichtbares Tabellenblatt.")
    last_row, last_column = sheet.end or (0, 0)
    if last_row > MAX_ROWS:
        raise _too_many_rows(name)
    if last_column >= MAX_COLUMNS:
        raise ImportFileError(
            f"„{name}“ hat Einträge bis Spalte {_column_letter(last_column)}, erwartet werden höchstens "
            f"{MAX_COLUMNS} Spalten. Bitte überflüssige Zellen rechts von der Liste löschen."
        )
    try:
        # The first visible sheet from A1 on: skip_empty_area=False keeps the row numbers Excel shows.
        cells = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError):
        raise ImportFileError(f"„{name}“ lässt sich nicht als Excel-Datei lesen.") from None
    return (_clean_row(_cell_text(value) for value in row) for row in cells)


def _cell_text(value: object) -> str:
    """A cell as the office sees it: dates as 03.02.2026, whole numbers without ".0" (phone numbers typed as
    numbers lose their leading 0; the phone check puts it back), TRUE/FALSE as ja/nein."""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        if value.time() == time():
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g").replace(".", ",")
    return str(value)


def _clean_row(cells: Iterable[str]) -> list[str]:
    return [cell.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n").strip() for cell in cells]


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM, as "CSV UTF-8" from Excel), UTF-16 with BOM ("Unicode-Text"), else
    Windows-1252 (classic "CSV (Trennzeichen-getrennt)" from German Excel)."""
    what = _looks_like(data)
    if what:
        raise ImportFileError(f"„{name}“ ist keine CSV-Datei, sondern {what}.")
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    encodings = ["utf-16"] if utf16 else ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            break  # control characters: binary data, not a table
        return text
    raise ImportFileError(
        f"„{name}“ lässt sich nicht als CSV-Text lesen. Bitte in Excel als „CSV UTF-8 (durch Trennzeichen "
        "getrennt)“ speichern."
    )


_DELIMITERS = (";", ",", "\t")


def _delimiter(header_line: str) -> str:
    """The separator of a CSV file: whichever of ; , or tab occurs most often, outside quotes, in the
    header line. csv.Sniffer guesses wrong on short files and on commas inside names."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _csv_rows(data: bytes, name: str) -> Iterator[list[str]]:
    text = _decode(data, name)
    first_line, _, rest = text.partition("\n")
    hint = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip(" "))
    if hint:  # Excel's "sep=;" line: it names the separator and is not shown as a row
        delimiter, text = hint.group(1), rest
    else:
        delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[list[str]]:
        row_number = 1  # the spreadsheet row of the next record; Excel shows a quoted line break in one row
        try:
            for row in reader:
                yield _clean_row(row)
                row_number += 1
        except csv.Error:
            raise ImportFileError(
                f"„{name}“ ist ab Zeile {row_number} keine gültige CSV-Datei: Dort steht ein Anführungszeichen "
                '("), das nicht wieder geschlossen wird oder auf das im selben Feld noch Text folgt. '
                "Anführungszeichen gehören nur um ein ganzes Feld."
            ) from None

    return rows()


def _squash(text: str) -> str:
    """A comparison key without case, spaces, punctuation or umlauts: "Handy-Nr." -> "handynr"."""
    folded = fold(text)
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, plain)
    return re.sub(r"[\W_]+", "", folded)


_HEADER_KEYS: Mapping[str, str] = {
    _squash(word): field for field, words in _HEADER_WORDS.items() for word in (field, *words)
}
_LANDLINE_HEADER_KEYS = frozenset(_squash(word) for word in _LANDLINE_HEADER_WORDS)


def _header_fields(header: Sequence[str], name: str) -> list[str | None]:
    """For each header cell its field key, its own text for an unknown column, or None for no header."""
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    landline: int | None = None
    for index, text in enumerate(header):
        key = _squash(text)
        if not key:
            fields.append(None)
            continue
        field = _HEADER_KEYS.get(key)
        if field is None and key in _LANDLINE_HEADER_KEYS and landline is None:
            landline = index
        if field is None:
            if "fuehrungszeugnis" in key or "erstehilfe" in key:
                kind = "Führungszeugnis" if "fuehrungszeugnis" in key else "Erste Hilfe"
                raise ImportFileError(
                    f"„{name}“: Die Spalte „{text}“ wird nicht verstanden. Erwartet wird eine Spalte „{kind}“ "
                    "mit dem Ausstellungsdatum (TT.MM.JJJJ); die Gültigkeit rechnet Fluxx selbst aus."
                )
            unique = text
            counter = 2
            while unique in seen or unique in FIELD_LABELS or unique == EXTRA_CELLS:
                unique, counter = f"{text} ({counter})", counter + 1
            seen[unique] = text
            fields.append(unique)
            continue
        if field in seen:
            raise ImportFileError(
                f"„{name}“: Die Spalten „{seen[field]}“ und „{text}“ meinen beide „{FIELD_LABELS[field]}“. "
                "Bitte eine davon löschen oder umbenennen."
            )
        seen[field] = text
        fields.append(field)
    if "phone" not in seen and landline is not None:
        fields[landline] = "phone"
        seen["phone"] = header[landline]
    missing = []
    if "name" not in seen and "last_name" not in seen:
        missing.append("„Name“ (oder „Vorname“ und „Nachname“)")
    if "phone" not in seen:
        missing.append("„Mobil“ (oder „Handy“, „Telefon“)")
    if missing:
        found = ", ".join(f"„{cell}“" for cell in header if cell) or "nichts"
        what = f"fehlen die Spalten {' und '.join(missing)}" if len(missing) > 1 else f"fehlt die Spalte {missing[0]}"
        raise ImportFileError(
            f"„{name}“: In Zeile 1 {what}. Zeile 1 muss die Spaltenüberschriften enthalten; gefunden: {found}."
        )
    return fields


def _too_many_rows(name: str) -> ImportFileError:
    return ImportFileError(
        f"„{name}“ hat mehr als {number_de(MAX_ROWS)} Zeilen. Bitte die Liste in kleinere Dateien aufteilen."
    )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _rows_below_header(grid: Iterator[list[str]], name: str) -> list[dict[str, str]]:
    header = next(grid, None)
    if header is None or not any(header):
        raise ImportFileError(
            f"„{name}“ ist leer oder Zeile 1 enthält keine Spaltenüberschriften (z. B. Name; Mobil; Fähigkeiten)."
        )
    fields = _header_fields(header, name)
    keys = [field for field in fields if field is not None]
    rows: list[dict[str, str]] = []
    pending_empty = 0
    for cells in grid:
        if not any(cells):
            pending_empty += 1
            continue
        if len(rows) + pending_empty + 1 > MAX_ROWS:
            raise _too_many_rows(name)
        rows.extend(dict.fromkeys(keys, "") for _ in range(pending_empty))
        pending_empty = 0
        row = dict.fromkeys(keys, "")
        extra = []
        for index, value in enumerate(cells):
            field = fields[index] if index < len(fields) else None
            if field is not None:
                row[field] = value
            elif value:
                extra.append(f"Spalte {_column_letter(index)}: „{value}“")
        if extra:
            row[EXTRA_CELLS] = ", ".join(extra)
        rows.append(row)
    if not rows:
        raise ImportFileError(f"„{name}“ enthält nur die Spaltenüberschriften, aber keine Ehrenamtlichen.")
    return rows


# --- checking the rows -------------------------------------------------------------------------------------


class _Invalid(ValueError):
    """Problems with one cell; each message names the column and gets its "Zeile N: " prefix later."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
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
    except _Invalid:
        return None


def _check_row(
    row: Mapping[str, str], municipalities: _MunicipalityLookup, today: date, problems: list[str]
) -> VolunteerDraft | None:
    """The draft of a row, or None after adding a message per faulty cell to `problems`."""
    before = len(problems)

    def check(field: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            return parse(row.get(field, "").strip())
        except _Invalid as problem:
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
        raise _Invalid(f"{label} fehlt.")
    candidates = [text]
    digits = re.sub(r"[\s/().-]", "", text)
    if digits.isdigit() and not digits.startswith("0"):
        with_zero, with_plus = "0" + digits, "+" + digits
        international = digits.startswith("49") and len(digits) >= 12
        candidates = [with_plus, with_zero] if international else [with_zero, with_plus]
    not_mobile: _Invalid | None = None
    for candidate in candidates:
        try:
            number = to_e164(candidate)
        except InvalidPhoneNumber:
            continue
        kind = phonenumbers.number_type(phonenumbers.parse(number))
        if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            return number
        what = "eine Festnetznummer" if kind == phonenumbers.PhoneNumberType.FIXED_LINE else "keine Mobilnummer"
        not_mobile = not_mobile or _Invalid(f"{label} „{text}“ ist {what} – für SMS wird eine Mobilnummer gebraucht.")
    if not_mobile is not None:
        raise not_mobile
    if re.search(r"\d[eE][+]?\d", text):
        raise _Invalid(
            f"{label} „{text}“ ist keine gültige Mobilnummer: Excel hat die Zahl abgekürzt. "
            "Bitte die Spalte als Text formatieren und die Nummer neu eintragen."
        )
    raise _Invalid(f"{label} „{text}“ ist keine gültige Mobilnummer.")


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
    match = difflib.get_close_matches(_squash(text), list(choices), n=1, cutoff=cutoff)
    return choices[match[0]] if match else None


_SKILL_SUGGESTIONS: Mapping[str, str] = {_squash(word): skill.label for word, skill in SKILL_ALIASES.items()}
_SKILL_LIST = ", ".join(skill.label for skill in Skill)


def _skills(text: str) -> frozenset[Skill]:
    label = FIELD_LABELS["skills"]
    if not text:
        raise _Invalid(f"{label} fehlen – bitte mindestens eine eintragen: {_SKILL_LIST}.")
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
        raise _Invalid(*problems)
    return frozenset(skills)


_LANGUAGE_SUGGESTIONS: Mapping[str, str] = {
    _squash(word): name for word, name in LANGUAGE_ALIASES.items() if len(word) > 3
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
        raise _Invalid(*problems)
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
        self.names: dict[str, str] = {_squash(name): name for name in known}
        for short, name in _MUNICIPALITY_SHORT_FORMS.items():
            if name in known:
                self.names.setdefault(_squash(short), name)
        self.all_names = ", ".join(sorted(known))

    def name(self, text: str) -> str | None:
        key = _squash(text)
        return self.names.get(key) or self.names.get(_squash(re.sub(r"^(Stadt|Gemeinde)\s+", "", text, flags=re.I)))

    def district_of(self, text: str) -> str | None:
        """The municipality a district name starts with ("Hannover-Linden", "Laatzen Rethen"), if any."""
        start = re.split(r"[\s-]+", text.strip(), maxsplit=1)[0]
        return self.name(start) if start != text.strip() else None

    def ids(self, text: str) -> frozenset[int]:
        label = FIELD_LABELS["municipalities"]
        if not text:
            raise _Invalid(f"{label} fehlen – bitte mindestens eine Gemeinde der Region Hannover eintragen.")
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
            raise _Invalid(*problems)
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
        raise _Invalid(
            f"{label} „{text}“ ist kein Datum – bitte das Ausstellungsdatum als TT.MM.JJJJ eintragen "
            "(z. B. 03.02.2024)."
        ) from None
    if issued_on > today:
        raise _Invalid(f"{label} „{text}“ liegt in der Zukunft – bitte das Ausstellungsdatum eintragen.")
    return Certificate(kind=kind, issued_on=issued_on, valid_until=kind.valid_until(issued_on))


def _max_jobs(text: str) -> int | None:
    label = FIELD_LABELS["max_jobs_per_week"]
    if not text:
        return None
    if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_JOBS_PER_WEEK:
        raise _Invalid(f"{label} „{text}“ – bitte eine ganze Zahl von 1 bis {MAX_JOBS_PER_WEEK} eintragen.")
    return int(text)


_YES = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "wahr", "✓", "✔", "☑"})
_NO = frozenset({"nein", "n", "no", "0", "false", "falsch", "-", "–"})


def _consent(text: str) -> bool:
    word = text.strip().casefold().rstrip(".!")
    if not word or word in _NO:
        return False
    if word in _YES:
        return True
    raise _Invalid(f"{FIELD_LABELS['sms_consent']} „{text}“ – bitte „ja“ oder „nein“ eintragen.")


def _notes(text: str) -> str | None:
    if len(text) > MAX_NOTES_LENGTH:
        raise _Invalid(f"{FIELD_LABELS['notes']} sind länger als {number_de(MAX_NOTES_LENGTH)} Zeichen.")
    return text or None


# --- weekly availability -----------------------------------------------------------------------------------

AVAILABILITY_HELP = (
    "Erlaubt sind Tage mit Uhrzeiten wie „Mo-Fr 08:00-13:00; Sa 09-12 Uhr“, „werktags vormittags“ oder "
    "„Di, Do 14-18“ (Tage: Mo bis So, werktags, Wochenende, täglich; Zeiten: 08:00-13:00, vormittags, "
    "nachmittags, abends, ganztags; mehrere Angaben mit „;“ trennen)."
)

_WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
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
_MIDNIGHT_END = time(23, 59)

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
    return _merged(slots)


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
        return _MIDNIGHT_END
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


def _merged(slots: Iterable[WeeklySlot]) -> tuple[WeeklySlot, ...]:
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
    for slot in _merged(slots):
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
                parts.append(f"{_WEEKDAYS[run[0]]}-{_WEEKDAYS[run[-1]]}")
            else:
                parts.extend(_WEEKDAYS[day] for day in run)
        entries.append(f"{', '.join(parts)} {times}")
    return "; ".join(entries)


def _availability_cell(text: str) -> tuple[WeeklySlot, ...]:
    try:
        return parse_availability(text)
    except AvailabilityError as error:
        raise _Invalid(
            f"{FIELD_LABELS['availability']} „{_spaces(text)}“ nicht verstanden: {error} {AVAILABILITY_HELP}"
        ) from None
