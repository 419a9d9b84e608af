"""Importing a volunteer list in the browser: upload, a preview of every row, then confirm (or not)."""

import io

import pytest
import xlsxwriter
from sqlalchemy import func, select

from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff, make_volunteer
from volunteers.registry.importing import MAX_FILE_BYTES
from volunteers.registry.models import Volunteer

HEADER = ["Name", "Mobil", "Fähigkeiten", "Gemeinden", "Verfügbarkeit", "Führungszeugnis", "SMS-Einwilligung"]
ROWS = [
    ["Anna Müller", "0176 11111111", "Kinder", "Hannover", "Mo-Fr 08-13", "03.02.2024", "ja"],
    ["Mehmet Öztürk", "0151 22222222", "Auto, Rollstuhl", "Laatzen, Sehnde", "Sa, So 9-18", "", "ja"],
    ["Olga Petrenko", "0511 1234567", "Kinder", "Hannover", "nach Absprache", "", "ja"],
]


def csv_file(rows=ROWS, encoding="utf-8-sig"):
    return "\r\n".join(";".join(row) for row in [HEADER, *rows]).encode(encoding)


def xlsx_file(rows=ROWS):
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out)
    sheet = workbook.add_worksheet("Ehrenamtliche")
    for r, row in enumerate([HEADER, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
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


def count(db):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Volunteer))


@pytest.mark.parametrize("name,data", [("liste.csv", csv_file()), ("liste.xlsx", xlsx_file())])
def test_the_preview_lists_every_row_with_its_errors_and_imports_nothing(client, db, token, name, data):
    page = upload(client, token, data, name)
    assert page.status_code == 200, page.text
    assert "3 Zeilen gelesen: <strong>2 in Ordnung</strong>, <strong>1 mit Fehlern</strong>" in page.text
    assert "<td>4</td><td>Olga Petrenko</td><td>0511 1234567</td>" in page.text  # the row number of the file
    assert "Mobilnummer „0511 1234567“ ist eine Festnetznummer" in page.text
    assert "Verfügbarkeit „nach Absprache“ nicht verstanden" in page.text
    assert "<td>2</td><td>Anna Müller</td><td>0176 11111111</td>" in page.text
    assert "Nur die fehlerfreien Zeilen importieren (2)" in page.text and 'value="all"' not in page.text
    assert count(db) == 0


def test_confirming_only_the_valid_rows_imports_exactly_those(client, db, token):
    page = upload(client, token, csv_file(encoding="cp1252"))
    response = client.post(
        "/volunteers/import/confirm", data={"csrf_token": token, "token": preview_token(page), "mode": "valid"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/volunteers?imported=2"
    assert sorted(db.scalars(select(Volunteer.name))) == ["Anna Müller", "Mehmet Öztürk"]
    assert "2 Ehrenamtliche importiert." in client.get("/volunteers?imported=2").text
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
