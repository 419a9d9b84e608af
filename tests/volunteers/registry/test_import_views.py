"""Importing a volunteer list in the browser: upload, a preview of every row, then confirm (or not)."""

import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
from sqlalchemy import func, select

from core.models import AuditEvent, StaffRole
from core.spreadsheet import csv_bytes
from tests.factories import login, make_staff, make_volunteer
from volunteers.imports.views import PREVIEW_LIMIT, XLSX_TYPE
from volunteers.registry import workbook
from volunteers.registry.columns import FIELD_LABELS, LIST_FIELDS
from volunteers.registry.importing import MAX_FILE_BYTES, ImportFileError, read_table
from volunteers.registry.models import Volunteer

HEADER = ["Name", "Mobil", "Fähigkeiten", "Gemeinden", "Verfügbarkeit", "Führungszeugnis", "SMS-Einwilligung"]
ROWS = [
    ["Anna Müller", "0176 11111111", "Kinder", "Hannover", "Mo-Fr 08-13", "03.02.2024", "ja"],
    ["Mehmet Öztürk", "0151 22222222", "Auto, Rollstuhl", "Laatzen, Sehnde", "Sa, So 9-18", "", "ja"],
    ["Olga Petrenko", "0511 1234567", "Kinder", "Hannover", "nach Absprache", "", "ja"],
]


def csv_file(rows=ROWS, encoding="utf-8-sig"):
    return "\r\n".join(";".join(row) for row in [HEADER, *rows]).encode(encoding)


def xlsx_file(rows=ROWS, header=HEADER):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("Ehrenamtliche")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


@pytest.fixture
def uploads(app, tmp_path):
    app.state.volunteer_uploads = tmp_path
    return tmp_path


@pytest.fixture
def token(client, db, uploads):
    return login(client, make_staff(db, role=StaffRole.COORDINATOR))


def upload(client, token, data, name="ehrenamtliche.csv"):
    return client.post("/volunteers/import", data={"csrf_token": token}, files={"file": (name, data)})


def preview_token(page):
    return page.text.split('name="token" value="')[1].split('"')[0]


def cells(page, number):
    """The preview's cells of spreadsheet row `number`, by their column name (data-label), tags stripped."""
    row = page.text.split(f'id="row-{number}"', 1)[1].split("</tr>", 1)[0]
    found = re.findall(r'data-label="([^"]+)">(.*?)</td>', row, flags=re.S)
    return {label: " ".join(re.sub(r"<[^>]+>", " ", html.unescape(value)).split()) for label, value in found}


def count(db):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Volunteer))


@pytest.mark.parametrize("name,data", [("liste.csv", csv_file()), ("liste.xlsx", xlsx_file())])
def test_the_preview_lists_every_row_with_its_errors_and_imports_nothing(client, db, token, name, data):
    page = upload(client, token, data, name)
    assert page.status_code == 200, page.text
    assert "3 Zeilen gelesen: <strong>2 in Ordnung</strong>, <strong>1 mit Fehlern</strong>" in page.text
    olga = cells(page, 4)  # the row number of the file
    assert olga["Name"] == "Olga Petrenko" and olga["Mobilnummer"] == "0511 1234567"
    assert olga["Prüfung"].startswith("Fehler")
    assert "Mobilnummer „0511 1234567“ ist eine Festnetznummer" in olga["Prüfung"]
    assert "Verfügbarkeit „nach Absprache“ nicht verstanden" in olga["Prüfung"]
    assert cells(page, 2)["Name"] == "Anna Müller" and cells(page, 2)["Mobilnummer"] == "0176 11111111"
    assert page.text.index('id="row-4"') < page.text.index('id="row-2"')  # rows with problems first
    assert "Nur die fehlerfreien Zeilen importieren (2)" in page.text and 'value="all"' not in page.text
    assert count(db) == 0


def test_confirming_only_the_valid_rows_imports_exactly_those(client, db, token):
    page = upload(client, token, csv_file(encoding="cp1252"))
    response = client.post(
        "/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "valid"}
    )
    assert response.status_code == 200 and "2 Ehrenamtliche importiert." in response.text
    assert sorted(db.scalars(select(Volunteer.name))) == ["Anna Müller", "Mehmet Öztürk"]
    assert "<strong>2 neu</strong>" in response.text and "<strong>0 aktualisiert</strong>" in response.text
    assert "<strong>1 ausgelassen</strong>" in response.text and "Zeile 4: Mobilnummer „0511 1234567“" in response.text
    anna = db.scalar(select(Volunteer.id).where(Volunteer.name == "Anna Müller"))
    assert f'<a href="/volunteers/{anna}">Anna Müller</a> <span class="kern-badge kern-badge--success">neu</span>' in (
        response.text
    )
    again = client.post(
        "/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "valid"}
    )
    assert again.status_code == 410 and "noch einmal hoch" in again.text  # a token is used once
    assert count(db) == 2


def test_confirming_all_rows_of_a_file_with_errors_imports_nothing(client, db, token):
    page = upload(client, token, xlsx_file(), "liste.xlsx")
    response = client.post(
        "/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "all"}
    )
    assert response.status_code == 409 and "Es wurde nichts importiert." in response.text
    assert count(db) == 0


def test_a_clean_file_is_imported_whole_and_the_steps_are_audited(client, db, token):
    page = upload(client, token, csv_file(ROWS[:2]))
    assert "Alle 2 Zeilen importieren" in page.text and "fehlerfreien Zeilen" not in page.text
    client.post("/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "all"})
    assert count(db) == 2
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("volunteer.import%"))).all()
    assert [e.action for e in events] == ["volunteer.import_preview", "volunteer.import"]
    assert events[1].detail["created"] == 2 and "Anna" not in str(events[1].detail)


def test_a_number_already_registered_is_an_error_in_the_preview_naming_the_person(client, db, token):
    make_volunteer(db, name="Lena Schulz", phone="+4917611111111")
    page = upload(client, token, csv_file(ROWS[:2]))
    assert "Die Mobilnummer 0176 11111111 ist schon für Lena Schulz eingetragen." in page.text
    assert "Nur die fehlerfreien Zeilen importieren (1)" in page.text
    assert cells(page, 2)["Prüfung"].startswith("schon eingetragen") and cells(page, 3)["Prüfung"] == "neu"
    assert cells(page, 2)["Fähigkeiten"] == "Kinderbetreuung"  # understood, though not imported
    assert "1 Person wird neu eingetragen; 1 Mobilnummer ist schon eingetragen" in page.text


def test_the_preview_shows_how_each_row_was_understood_in_german(client, db, token, clock):
    page = upload(client, token, csv_file())
    today = clock().astimezone(ZoneInfo("Europe/Berlin")).date()
    anna, mehmet = cells(page, 2), cells(page, 3)
    assert anna["Prüfung"] == "neu"
    assert anna["Fähigkeiten"] == "Kinderbetreuung" and anna["Gemeinden"] == "Hannover"
    assert anna["Verfügbarkeit"] == "Mo-Fr 08:00-13:00"
    assert anna["SMS-Einwilligung"] == f"ja, erteilt am {today:%d.%m.%Y} (Tag des Imports)"
    assert anna["Führungszeugnis"] == "vom 03.02.2024, gültig bis 03.02.2029"
    assert anna["Erste Hilfe"] == "keins" and anna["Max. Einsätze pro Woche"] == "keine Grenze"
    assert mehmet["Gemeinden"] == "Laatzen, Sehnde" and mehmet["Verfügbarkeit"] == "Sa, So 09:00-18:00"
    assert "Fahrdienst" in mehmet["Fähigkeiten"] and mehmet["Führungszeugnis"] == "keins"
    assert cells(page, 4)["Übernommen"] == "nichts – erst nach der Korrektur der Datei"


def test_a_long_file_shows_its_problem_rows_first_and_a_bounded_table(client, db, token):
    rows = [[f"Person {n}", f"0176 {10000000 + n}", "Kinder", "Hannover", "", "", "ja"] for n in range(300)]
    rows[250][1] = "0511 1234567"
    page = upload(client, token, csv_file(rows))
    assert page.text.count('<tr class="kern-table__row') == PREVIEW_LIMIT + 1  # the header row, and the rows
    assert "Gezeigt werden 200 von 300 Zeilen: zuerst alle mit Fehlern" in page.text
    assert page.text.index('id="row-252"') < page.text.index('id="row-2"') and 'id="row-300"' not in page.text


def test_the_import_page_names_the_required_columns_in_one_sentence(client, db, token):
    page = client.get("/volunteers/import")
    assert (
        "Pflicht sind die Spalten „Name“ (oder „Vorname“ und „Nachname“), „Mobilnummer“, „Fähigkeiten“ und "
        "„Gemeinden“ – in jeder Zeile ausgefüllt; alle anderen Spalten dürfen fehlen oder leer bleiben."
    ) in html.unescape(page.text)
    optional = html.unescape(page.text).split('<details id="optional-columns">')[1].split("</details>")[0]
    assert "<summary>Freiwillige Spalten (7)</summary>" in optional and "<dt>„Erste Hilfe“</dt>" in optional
    assert (
        'href="/volunteers/import/template.xlsx"' in page.text and 'href="/volunteers/import/template.csv"' in page.text
    )


@pytest.mark.parametrize(
    "path,kind,filename",
    [
        ("/volunteers/import/template.csv", "text/csv; charset=utf-8", "ehrenamtliche-vorlage.csv"),
        ("/volunteers/import/template.xlsx", XLSX_TYPE, "ehrenamtliche-vorlage.xlsx"),
    ],
)
def test_the_blank_templates_have_the_importers_columns_and_a_filled_one_imports_cleanly(
    client, db, token, path, kind, filename
):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == kind
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    if path.endswith(".csv"):
        assert response.content.startswith(b"\xef\xbb\xbfName;Mobilnummer;F\xc3\xa4higkeiten;")
    with pytest.raises(ImportFileError, match="enthält nur die Spaltenüberschriften"):
        read_table(response.content, filename)
    if path.endswith(".csv"):
        header = response.content.decode("utf-8-sig").rstrip("\r\n").split(";")
    else:
        sheet = workbook.check(response.content, filename, max_rows=10, max_columns=50)
        assert sheet == "Ehrenamtliche"
        header = workbook.read(response.content, filename, sheet)[0]
    assert header == [FIELD_LABELS[field] for field in LIST_FIELDS]
    filled = ["Anna Müller", "0176 11111111", "Kinder, Babys", "Deutsch", "Hannover", "Mo-Fr 08-13", "03.02.2024",
              "", "2", "ja", "=kein Formelstart"]  # fmt: skip
    data = xlsx_file([filled], header) if path.endswith(".xlsx") else response.content + csv_bytes([filled])[3:]
    page = upload(client, token, data, filename)
    assert "1 Zeile gelesen: <strong>1 in Ordnung</strong>" in page.text and "Die Zeile importieren" in page.text
    done = client.post(
        "/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "all"}
    )
    assert "<strong>1 neu</strong>" in done.text
    assert db.scalar(select(Volunteer.notes)) == "=kein Formelstart"


def test_someone_else_cannot_confirm_an_upload_and_an_old_one_has_lapsed(client, db, token, app, clock):
    page = upload(client, token, csv_file(ROWS[:2]))
    client.post("/logout", data={"csrf_token": token})
    other = login(client, make_staff(db, role=StaffRole.ADMIN))
    stolen = client.post("/volunteers/import/confirm", data={"csrf_token": other, "token": preview_token(page)})
    assert stolen.status_code == 410 and count(db) == 0
    mine = upload(client, other, csv_file(ROWS[:2]))
    clock.advance(minutes=20)
    client.get("/volunteers")  # still logged in, but the upload is older than 30 minutes below
    clock.advance(minutes=11)
    late = client.post("/volunteers/import/confirm", data={"csrf_token": other, "token": preview_token(mine)})
    assert late.status_code == 410 and count(db) == 0
    forged = client.post("/volunteers/import/confirm", data={"csrf_token": other, "token": "../../etc/passwd"})
    assert forged.status_code == 410


def test_a_big_or_foreign_file_is_refused_with_a_clear_message(client, db, token, uploads):
    big = upload(client, token, b"Name;Mobil\r\n" + b"x" * MAX_FILE_BYTES)
    assert big.status_code == 422 and "ist größer als 5 MB" in big.text
    pdf = upload(client, token, b"%PDF-1.7 ...", "liste.pdf")
    assert pdf.status_code == 422 and "ist keine Tabelle" in pdf.text
    empty = client.post("/volunteers/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "Bitte wählen Sie eine Datei aus" in empty.text
    assert list(uploads.iterdir()) == []  # nothing kept of files that cannot be read


def test_uploads_need_a_coordinator_and_a_csrf_token(client, db, uploads):
    token = login(client, make_staff(db, role=StaffRole.COUNSELLOR))
    assert upload(client, token, csv_file()).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert upload(client, "kein-token", csv_file()).status_code == 403
