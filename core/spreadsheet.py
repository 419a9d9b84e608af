"""Cells for spreadsheets we write (CSV exports, and bills and statistics to come), safe to open in Excel.

A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is a formula to a
spreadsheet program: a volunteer's note `=HYPERLINK("http://…")` or `-2+3+cmd|' /C calc'!A0` would run on a
colleague's machine. `neutralise` puts a single quote in front of such a cell (OWASP's advice: the cell is
then shown as text, quote included), and `restore` takes it off again when a file we wrote comes back in an
import. A cell that itself begins with a quote gets a second one, so restore(neutralise(x)) == x for every x.
Write every CSV through `csv_writer` (or `csv_bytes`), which does this for every cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Protocol

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a cell as a formula."""
QUOTE = "'"


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet program shows and never runs: `'` before a dangerous first character."""
    if cell.startswith(DANGEROUS) or (cell.startswith(QUOTE) and cell[1:].startswith((*DANGEROUS, QUOTE))):
        return QUOTE + cell
    return cell


def restore(cell: str) -> str:
    """What `neutralise` was given: one leading quote off, but only where neutralise would have put it, so a
    name typed with an apostrophe at the start stays as it is."""
    if cell.startswith(QUOTE) and cell[1:].startswith((*DANGEROUS, QUOTE)):
        return cell[1:]
    return cell


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A csv writer that neutralises every cell (numbers and None are written as text first)."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: io.StringIO | Any, *, delimiter: str = ";") -> SafeWriter:
    """A writer for `out` as German Excel reads CSV: semicolons, CRLF, every cell neutralised."""
    return SafeWriter(csv.writer(out, delimiter=delimiter, lineterminator="\r\n"))


def csv_bytes(rows: Iterable[Iterable[object]], *, delimiter: str = ";") -> bytes:
    """The rows (header first) as UTF-8 with BOM, which Excel opens with umlauts intact; cells neutralised."""
    out = io.StringIO()
    csv_writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8-sig")
