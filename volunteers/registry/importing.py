"""Reading a coordinator's volunteer list (CSV or Excel) into one dict per row. Pure: bytes in, rows out.

`read_table(data, filename)` turns the file into one dict per spreadsheet row, keyed by field (`"name"`,
`"phone"`, …; see `columns.FIELD_LABELS`) after matching the German column headers in row 1 (case, spaces
and punctuation do not matter: "Handy-Nr.", "SMS Einwilligung"). `rows[i]` is spreadsheet row `i + 2`;
empty rows are kept (all values empty) so that the numbers stay those the office sees. Columns we do not
know stay under their own header text and are listed as ignored in the preview. A file we cannot read
raises `ImportFileError` with a German message for the coordinator. `rules.validate_rows` checks the rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

from core.errors import DomainError
from core.formats import number_de
from core.spreadsheet import restore
from volunteers.registry import workbook
from volunteers.registry.columns import (
    EXTRA_CELLS,
    FIELD_LABELS,
    HEADER_KEYS,
    LANDLINE_HEADER_KEYS,
    column_name,
    squash,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A list of 5,000 volunteers is well under 2 MB as CSV and far less as .xlsx."""
MAX_ROWS = 5_000
"""Data rows below the header, empty rows between them included."""
MAX_COLUMNS = 50
"""Columns up to the last one with a value, in the header or any row (the list has 13 of its own)."""
MAX_HEADER_CHARS = 200
"""Length of one column header."""


class ImportFileError(DomainError, ValueError):
    """The file as a whole cannot be read; the message is German and meant for the coordinator (answered 422)."""

    status_code: ClassVar[int] = 422


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
    """The cells of the first visible sheet, checked before they are read and read in a child process with
    limited memory (see `workbook`): no file can take the server down."""
    if not data.startswith(b"PK\x03\x04"):
        what = _looks_like(data)
        raise ImportFileError(
            f"„{name}“ ist keine Excel-Datei (.xlsx)" + (f", sondern {what}" if what else "") + ". "
            "Passwortschutz bitte entfernen; alte .xls-Dateien bitte als .xlsx speichern."
        )
    try:
        sheet = workbook.check(data, name, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
        cells = workbook.read(data, name, sheet)
    except workbook.WorkbookError as exc:
        raise ImportFileError(str(exc)) from None
    return (_clean_row(row) for row in cells)


def _clean_row(cells: Iterable[str]) -> list[str]:
    """Cells trimmed, with Excel's line breaks and non-breaking spaces made plain, and the quote our own
    exports put before a cell that would be a formula taken off again (`spreadsheet.restore`)."""
    return [restore(cell.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n").strip()) for cell in cells]


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


def _header_fields(header: Sequence[str], name: str) -> list[str | None]:
    """For each header cell its field key, its own text for an unknown column, or None for no header."""
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    suffixes: dict[str, int] = {}
    landline: int | None = None
    for index, text in enumerate(header):
        key = squash(text)
        if not key:
            fields.append(None)
            continue
        field = HEADER_KEYS.get(key)
        if field is None and key in LANDLINE_HEADER_KEYS and landline is None:
            landline = index
        if field is None:
            if "fuehrungszeugnis" in key or "erstehilfe" in key:
                kind = "Führungszeugnis" if "fuehrungszeugnis" in key else "Erste Hilfe"
                raise ImportFileError(
                    f"„{name}“: Die Spalte „{text}“ wird nicht verstanden. Erwartet wird eine Spalte „{kind}“ "
                    "mit dem Ausstellungsdatum (TT.MM.JJJJ); die Gültigkeit rechnet Fluxx selbst aus."
                )
            unique, counter = text, suffixes.get(text, 2)  # "Notiz", "Notiz (2)" …, counted on per text
            while unique in seen or unique in FIELD_LABELS or unique == EXTRA_CELLS:
                unique, counter = f"{text} ({counter})", counter + 1
            suffixes[text] = counter
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
        missing.append(column_name("name"))
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


def _too_wide(name: str, last_column: int) -> ImportFileError:
    return ImportFileError(str(workbook.too_big(name, 0, last_column, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)))


_column_letter = workbook.column_letter


def _rows_below_header(grid: Iterator[list[str]], name: str) -> list[dict[str, str]]:
    header = next(grid, None)
    if header is None or not any(header):
        raise ImportFileError(
            f"„{name}“ ist leer oder Zeile 1 enthält keine Spaltenüberschriften (z. B. Name; Mobil; Fähigkeiten)."
        )
    while header and not header[-1]:
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise _too_wide(name, len(header) - 1)
    if any(len(text) > MAX_HEADER_CHARS for text in header):
        raise ImportFileError(
            f"„{name}“: Zeile 1 muss die Spaltenüberschriften enthalten, aber dort steht ein Text mit mehr als "
            f"{MAX_HEADER_CHARS} Zeichen. Bitte Zeile 1 auf die Überschriften (z. B. Name; Mobil; Fähigkeiten) kürzen."
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
        if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
            raise _too_wide(name, max(index for index, value in enumerate(cells) if value))
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
