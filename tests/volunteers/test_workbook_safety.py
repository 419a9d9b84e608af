"""Uploaded workbooks that would make the Excel reader allocate hundreds of gigabytes, or unpack to
gigabytes, are refused before they are read, and a reader that still blows up dies in its own process."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import xlsxwriter
from typer.testing import CliRunner

from core.models import StaffRole
from tests.factories import login, make_staff
from volunteers.registry import workbook
from volunteers.registry.importing import MAX_COLUMNS, MAX_ROWS, ImportFileError, read_table

SHEET = "xl/worksheets/sheet1.xml"


def workbook_with(sheet_data: bytes = b"", *, dimension: bytes | None = None, extra: dict[str, bytes] | None = None):
    """A real workbook (header Name, Mobil and one volunteer) whose first sheet gets `sheet_data` appended
    after its rows, as a hand-made file could: the attacks are a few bytes of XML."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Ehrenamtliche")
    sheet.write_row(0, 0, ["Name", "Mobil"])
    sheet.write_row(1, 0, ["Anna Müller", "0151 12345678"])
    book.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = data.replace(b"</sheetData>", sheet_data + b"</sheetData>")
                if dimension is not None:
                    data = data.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="' + dimension + b'"/>')
            archive.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def far_cell(ref: str, row: int) -> bytes:
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()


# 1.7 KB: one cell at A1 and one at XFD1048576 made the reader allocate 512 GiB and abort the process.
LAST_CELL = workbook_with(far_cell("XFD1048576", 1048576))
# A cell at XFD5000 took 2.6 GB and 6 s.
FAR_RIGHT = workbook_with(far_cell("XFD5000", 5000))


def test_the_attack_files_are_small():
    assert len(LAST_CELL) < 6000 and len(FAR_RIGHT) < 6000  # the reported one was 1.7 KB, made by hand


@pytest.mark.parametrize(
    ("data", "where"),
    [(LAST_CELL, "bis Zeile 1.048.576 und Spalte XFD"), (FAR_RIGHT, "bis Spalte XFD")],
)
def test_a_cell_far_outside_the_limits_is_refused_before_the_reader_sees_the_file(data, where):
    started = time.monotonic()
    with pytest.raises(ImportFileError) as refused:
        read_table(data, "liste.xlsx")

    assert str(refused.value) == (
        f"Die Tabelle ist zu groß: „liste.xlsx“ hat Einträge {where} (höchstens 5.000 Zeilen unter der "
        "Kopfzeile und 50 Spalten). Bitte überflüssige Zellen unter und rechts neben der Liste löschen oder die "
        "Liste in kleinere Dateien aufteilen."
    )
    assert time.monotonic() - started < 5  # no 6 s, no 2.6 GB: the check never builds the grid


def test_cells_without_a_reference_are_counted_as_the_reader_counts_them():
    row = b'<row r="3">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * (MAX_COLUMNS + 1) + b"</row>"
    rows = b"".join(b"<row><c><v>1</v></c></row>" for _ in range(MAX_ROWS))

    with pytest.raises(ImportFileError, match="hat Einträge bis Spalte AY"):
        read_table(workbook_with(row), "liste.xlsx")
    with pytest.raises(ImportFileError, match="hat Einträge bis Zeile 5.002"):
        read_table(workbook_with(rows), "liste.xlsx")


def test_a_dimension_claim_and_formatted_empty_cells_do_not_count_only_values_do():
    # Excel writes formatted empty cells; the reader skips them, and so does the check.
    data = workbook_with(b'<row r="9000"><c r="BZ9000" s="0"/></row>', dimension=b"A1:XFD1048576")

    rows = read_table(data, "liste.xlsx")

    assert rows == [{"name": "Anna Müller", "phone": "0151 12345678"}]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = workbook_with(extra={"xl/media/image1.png": b"\0" * (8 * 1024 * 1024)})  # packs to about 8 KB
    assert len(bomb) < 50_000

    with pytest.raises(ImportFileError, match="„liste.xlsx“ ist entpackt zu groß"):
        read_table(bomb, "liste.xlsx")


def test_a_hidden_first_sheet_is_not_the_one_checked_or_read():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    hidden = book.add_worksheet("Vorlage")
    hidden.write(MAX_ROWS + 10, 0, "alte Einträge")
    hidden.hide()
    sheet = book.add_worksheet("Ehrenamtliche")
    sheet.write_row(0, 0, ["Name", "Mobil"])
    sheet.write_row(1, 0, ["Anna Müller", "0151 12345678"])
    sheet.activate()
    book.close()

    assert read_table(buffer.getvalue(), "liste.xlsx") == [{"name": "Anna Müller", "phone": "0151 12345678"}]


def test_a_reader_that_runs_out_of_memory_dies_in_its_child_process_and_this_one_goes_on():
    # Past the check (as a file the check did not foresee would be): the reader aborts in the child.
    with pytest.raises(workbook.WorkbookError) as refused:
        workbook.read(LAST_CELL, "liste.xlsx", "Ehrenamtliche")

    assert "„liste.xlsx“ ließ sich nicht lesen: Die Datei braucht beim Lesen zu viel Speicher oder Zeit." in str(
        refused.value
    )
    assert workbook.read(workbook_with(), "liste.xlsx", "Ehrenamtliche") == [
        ["Name", "Mobil"],
        ["Anna Müller", "0151 12345678"],
    ]


def test_a_workbook_the_reader_cannot_parse_is_refused_in_german():
    with pytest.raises(workbook.WorkbookError, match="„liste.xlsx“ lässt sich nicht als Excel-Datei lesen"):
        workbook.read(b"PK\x03\x04 kaputt", "liste.xlsx", "Ehrenamtliche")


def test_a_header_repeating_one_name_twenty_thousand_times_is_refused_at_once():
    data = ("Name;Mobil;" + ";".join(["Foto"] * 20_000) + "\nAnna;0151 12345678\n").encode()  # 100 KB
    started = time.monotonic()

    with pytest.raises(ImportFileError, match="Die Tabelle ist zu groß: „liste.csv“ hat Einträge bis Spalte ACOH"):
        read_table(data, "liste.csv")

    assert time.monotonic() - started < 1


def test_repeated_unknown_headers_are_numbered_and_a_row_too_wide_is_refused():
    header = "Name;Mobil;" + ";".join(["Foto"] * 40)
    rows = read_table(f"{header}\nAnna;0151 12345678;{';' * 39}zuletzt\n".encode(), "liste.csv")
    assert rows[0]["Foto (40)"] == "zuletzt" and rows[0]["Foto"] == ""

    wide = "Name;Mobil\nAnna;0151 12345678" + ";" * 60 + "x\n"
    with pytest.raises(ImportFileError, match="hat Einträge bis Spalte BJ"):
        read_table(wide.encode(), "liste.csv")
    with pytest.raises(ImportFileError, match="ein Text mit mehr als 200 Zeichen"):
        read_table(("Name;Mobil;" + "x" * 201 + "\nAnna;0151 12345678\n").encode(), "liste.csv")


# --- through the web upload and the command line -----------------------------------------------------------------


@pytest.fixture
def coordinator(client, db, app, tmp_path):
    app.state.volunteer_uploads = tmp_path / "uploads"
    return login(client, make_staff(db, role=StaffRole.COORDINATOR))


def upload(client, token, data):
    return client.post("/volunteers/import", data={"csrf_token": token}, files={"file": ("liste.xlsx", data)})


def test_the_web_upload_refuses_the_attack_files_and_the_service_keeps_answering(client, coordinator):
    for data in (LAST_CELL, FAR_RIGHT):
        page = upload(client, coordinator, data)
        assert page.status_code == 422 and "Die Tabelle ist zu groß: „liste.xlsx“ hat Einträge bis" in page.text
    assert client.get("/healthz").status_code == 200


def test_the_web_upload_survives_a_reader_that_blows_up(client, coordinator, monkeypatch):
    monkeypatch.setattr(workbook, "check", lambda *_args, **_kwargs: "Ehrenamtliche")  # as if it missed one

    page = upload(client, coordinator, LAST_CELL)

    assert page.status_code == 422 and "braucht beim Lesen zu viel Speicher oder Zeit" in page.text
    assert client.get("/healthz").status_code == 200


def test_the_command_line_refuses_the_attack_file_with_exit_status_one(engine, tmp_path):
    from fluxx.cli import app as cli

    path = tmp_path / "liste.xlsx"
    path.write_bytes(LAST_CELL)
    env = {"FLUXX_DATABASE_URL": engine.url.render_as_string(hide_password=False)}

    result = CliRunner().invoke(cli, ["volunteers", "import", str(path)], env=env)

    assert result.exit_code == 1 and "Die Tabelle ist zu groß: „liste.xlsx“" in result.output


def test_a_part_whose_packed_data_is_damaged_is_refused_in_german():
    data = bytearray(workbook_with())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for index in range(start + 5, start + 25):  # the deflate stream, not the headers
        data[index] ^= 0xFF

    with pytest.raises(ImportFileError, match="„liste.xlsx“ (lässt sich nicht als Excel-Datei lesen|ist beschädigt)"):
        read_table(bytes(data), "liste.xlsx")
