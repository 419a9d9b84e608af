"""Reading an uploaded Excel workbook (.xlsx) without letting it harm the process that reads it.

An .xlsx is a zip archive of XML parts. A file of 1.7 KB with one cell at A1 and one at XFD1048576 makes
the Excel reader (python-calamine) allocate a grid of 17 billion cells: 512 GiB, and the process aborts
(Rust aborts on a failed allocation; no exception to catch). So before the reader sees a file:

1. `check` opens the archive with a bounded number of parts, each of a bounded size and compression
   ratio (a "zip bomb" is refused), finds the first visible worksheet as Excel shows it (workbook.xml and
   its relationships) and streams that sheet's XML, noting the row and column of every cell that has a
   value. A sheet whose used range goes beyond the import's limits is refused with a German message.
   (The sheet's `<dimension ref=…>` is a claim of the writing program, not the truth: the cells are
   what the reader allocates for, and they are what we count.)
2. `read` runs the reader in a child process (`python -m volunteers.registry.workbook`) with a memory
   limit (RLIMIT_AS), a CPU limit and a timeout; it sends back the cells as text, as JSON. Should the
   reader still blow up on something the check did not foresee, only the child dies, and the coordinator
   reads a German message. The web service, its worker and the calls go on.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, ClassVar, cast
from xml.etree.ElementTree import ParseError, XMLPullParser
from xml.sax.saxutils import escape

from core.errors import DomainError
from core.spreadsheet import neutralise

MAX_PARTS = 1_000
"""Parts of the archive; Excel writes a dozen or two."""
MAX_PART_BYTES = 64 * 1024 * 1024
"""Unpacked size of one part (a sheet of 5,000 rows and 50 columns of text is well below)."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Unpacked size of the whole archive."""
MAX_RATIO = 200
"""Unpacked to packed size of a part above 1 MB; XML packs about 10:1, a zip bomb 1000:1."""
CHILD_MEMORY_BYTES = 512 * 1024 * 1024
"""Address space of the reading child process."""
CHILD_CPU_SECONDS = 30
CHILD_TIMEOUT_SECONDS = 60.0
"""Wall time of the child, a generous bound: a sheet of 5,000 rows takes well under a second."""

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORKSHEET = re.compile(r"/worksheet$")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class WorkbookError(DomainError, ValueError):
    """The workbook is refused; the message is German and meant for the coordinator (answered 422)."""

    status_code: ClassVar[int] = 422


class TooBig(WorkbookError):
    """The used range of the sheet is beyond the limits."""

    def __init__(self, message: str, last_row: int, last_column: int) -> None:
        super().__init__(message)
        self.last_row = last_row
        self.last_column = last_column


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


# --- step 1: checking the archive and the sheet, in this process ---------------------------------------------


def check(data: bytes, name: str, *, max_rows: int, max_columns: int) -> str:
    """The name of the first visible worksheet, once the archive and that sheet's used range are within the
    limits (`max_rows` rows below the header row, `max_columns` columns); raises WorkbookError otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive, name)
            sheet_name, part = _first_visible_sheet(archive, name)
            last_row, last_column = _used_range(archive, part, name, max_rows=max_rows, max_columns=max_columns)
    except WorkbookError:
        raise
    except zipfile.BadZipFile:
        raise WorkbookError(f"„{name}“ ist beschädigt und lässt sich nicht als Excel-Datei öffnen.") from None
    except (zlib.error, EOFError, OSError, ParseError, ValueError, KeyError, RuntimeError, NotImplementedError):
        # A damaged part, an encrypted or unknown compression: whatever the archive, a German refusal.
        raise _unreadable(name) from None
    if last_row > max_rows or last_column >= max_columns:
        raise too_big(name, last_row, last_column, max_rows=max_rows, max_columns=max_columns)
    return sheet_name


def too_big(name: str, last_row: int, last_column: int, *, max_rows: int, max_columns: int) -> TooBig:
    beyond = [f"Zeile {_number(last_row + 1)}"] if last_row > max_rows else []
    beyond += [f"Spalte {column_letter(last_column)}"] if last_column >= max_columns else []
    where = " und ".join(beyond)
    return TooBig(
        f"Die Tabelle ist zu groß: „{name}“ hat Einträge bis {where} (höchstens {_number(max_rows)} Zeilen "
        f"unter der Kopfzeile und {max_columns} Spalten). Bitte überflüssige Zellen unter und rechts neben der "
        "Liste löschen oder die Liste in kleinere Dateien aufteilen.",
        last_row,
        last_column,
    )


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _check_parts(archive: zipfile.ZipFile, name: str) -> None:
    parts = archive.infolist()
    unpacked = sum(info.file_size for info in parts)
    bomb = any(
        info.file_size > MAX_PART_BYTES
        or (info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1))
        for info in parts
    )
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES or bomb:
        raise WorkbookError(f"„{name}“ ist entpackt zu groß. Bitte die Liste in kleinere Dateien aufteilen.")


def _unreadable(name: str) -> WorkbookError:
    return WorkbookError(f"„{name}“ lässt sich nicht als Excel-Datei lesen.")


def _first_visible_sheet(archive: zipfile.ZipFile, name: str) -> tuple[str, str]:
    """The first worksheet of xl/workbook.xml that is not hidden, and its part in the archive."""
    try:
        targets = {
            element.get("Id"): element.get("Target", "")
            for element in _elements(archive, "xl/_rels/workbook.xml.rels")
            if element.tag == f"{_PKG_REL}Relationship" and _WORKSHEET.search(element.get("Type", ""))
        }
        sheets = [
            (element.get("name", ""), targets[element.get(f"{_REL}id")])
            for element in _elements(archive, "xl/workbook.xml")
            if element.tag == f"{_MAIN}sheet"
            and element.get("state", "visible") == "visible"
            and element.get(f"{_REL}id") in targets
        ]
    except (KeyError, ParseError):
        raise _unreadable(name) from None
    if not sheets:
        raise WorkbookError(f"„{name}“ enthält kein sichtbares Tabellenblatt.")
    sheet_name, target = sheets[0]
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return sheet_name, part


def _elements(archive: zipfile.ZipFile, part: str) -> Iterator[Any]:
    """The elements of a small XML part (bounded by _check_parts), as they end."""
    parser: XMLPullParser[Any] = XMLPullParser(events=("end",))
    with archive.open(part) as stream:
        for chunk in iter(lambda: stream.read(64 * 1024), b""):
            parser.feed(chunk)
            for happened in parser.read_events():
                yield cast(tuple[str, Any], happened)[1]
    parser.close()


def _used_range(archive: zipfile.ZipFile, part: str, name: str, *, max_rows: int, max_columns: int) -> tuple[int, int]:
    """The last row and column (0-based) holding a value; stops as soon as one is beyond the limits.

    Rows and cells without an `r` attribute follow the one before, as Excel and the reader count them."""
    parser: XMLPullParser[Any] = XMLPullParser(events=("start", "end"))
    last_row = last_column = -1
    row = column = -1
    try:
        stream: IO[bytes] = archive.open(part)
    except KeyError:
        raise _unreadable(name) from None
    with stream:
        try:
            for chunk in iter(lambda: stream.read(64 * 1024), b""):
                parser.feed(chunk)
                for happened in parser.read_events():
                    event, element = cast(tuple[str, Any], happened)
                    tag = element.tag
                    if event == "start" and tag == f"{_MAIN}row":
                        ref = element.get("r")
                        row = int(ref) - 1 if ref and ref.isdigit() else row + 1
                        column = -1
                    elif event == "start" and tag == f"{_MAIN}c":
                        match = _REF.fullmatch(element.get("r") or "")
                        if match:
                            row, column = int(match.group(2)) - 1, _column_index(match.group(1))
                        else:
                            column += 1
                    elif event == "end" and tag == f"{_MAIN}c":
                        if any(child.tag in (f"{_MAIN}v", f"{_MAIN}is") for child in element):
                            last_row, last_column = max(last_row, row), max(last_column, column)
                            if last_row > max_rows or last_column >= max_columns:
                                return last_row, last_column
                        element.clear()
                    elif event == "end" and tag == f"{_MAIN}row":
                        element.clear()
            parser.close()
        except (ParseError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise _unreadable(name) from None
    return last_row, last_column


# --- writing: a small workbook of text cells (the blank list to fill in) -------------------------------------

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>"
    ),
}


def write_xlsx(rows: list[list[str]], *, sheet: str) -> bytes:
    """An .xlsx with one sheet `sheet` holding `rows` as text cells (inline strings, every cell neutralised
    like our CSV: nothing in it is a formula), the first row frozen as the header."""
    cells = []
    for r, row in enumerate(rows, start=1):
        values = "".join(
            f'<c r="{column_letter(c)}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(neutralise(value))}'
            "</t></is></c>"
            for c, value in enumerate(row)
        )
        cells.append(f'<row r="{r}">{values}</row>')
    worksheet = (
        f'<worksheet xmlns="{_MAIN[1:-1]}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<sheetData>{''.join(cells)}</sheetData></worksheet>"
    )
    book = (
        f'<workbook xmlns="{_MAIN[1:-1]}" xmlns:r="{_REL[1:-1]}"><sheets>'
        f'<sheet name="{escape(sheet, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, xml in {**_XLSX_PARTS, "xl/workbook.xml": book, "xl/worksheets/sheet1.xml": worksheet}.items():
            archive.writestr(part, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return out.getvalue()


# --- step 2: reading the cells, in a child process -------------------------------------------------------------


def read(data: bytes, name: str, sheet: str) -> list[list[str]]:
    """The cells of `sheet` as text, from A1 on (empty rows kept, so row numbers are those Excel shows),
    read by a child process with limited memory and time; raises WorkbookError when it fails."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "RUST_BACKTRACE": "0"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "volunteers.registry.workbook", sheet],
            input=data,
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise WorkbookError(
            f"„{name}“ ließ sich nicht in angemessener Zeit lesen. Bitte die Liste in kleinere Dateien aufteilen."
        ) from None
    except OSError:
        raise _unreadable(name) from None
    if done.returncode == 2:
        raise _unreadable(name)
    if done.returncode != 0:
        raise WorkbookError(
            f"„{name}“ ließ sich nicht lesen: Die Datei braucht beim Lesen zu viel Speicher oder Zeit. Bitte "
            "überflüssige Zellen und Tabellenblätter löschen oder die Liste als CSV-Datei speichern."
        )
    try:
        cells = json.loads(done.stdout)
    except ValueError:
        raise _unreadable(name) from None
    if not isinstance(cells, list) or not all(isinstance(row, list) for row in cells):
        raise _unreadable(name)
    return [[str(cell) for cell in row] for row in cells]


def cell_text(value: object) -> str:
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


def _child(sheet: str) -> int:
    """In the child: limit memory and CPU, read the workbook from stdin, write the cells to stdout as JSON.
    Exit status 2: not a readable workbook; anything else but 0: the reader ran out of memory or time."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from python_calamine import CalamineError, CalamineWorkbook

    data = sys.stdin.buffer.read()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # From A1 on: skip_empty_area=False keeps the row numbers Excel shows.
        cells = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except MemoryError:
        return 3
    except (CalamineError, ValueError, OSError):
        return 2
    json.dump([[cell_text(value) for value in row] for row in cells], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
