"""Importing the volunteer lists a German office really has: CSV from Excel and LibreOffice, and .xlsx."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
import xlsxwriter

from volunteers.registry.availability import AvailabilityError, format_availability, parse_availability
from volunteers.registry.drafts import Certificate, ImportPreview, WeeklySlot
from volunteers.registry.importing import MAX_ROWS, ImportFileError, read_table
from volunteers.registry.rules import interpret, validate_rows
from volunteers.vocabulary import CertificateKind, Skill, language_name

TODAY = date(2026, 11, 26)


def _seeded_municipalities() -> dict[str, int]:
    """The 21 municipalities as the initial migration seeds them (ids in seed order, as in a fresh database)."""
    versions = Path(__file__).parents[2] / "fluxx" / "migrations" / "versions"
    path = next(versions.glob("*_0001_*.py"))
    spec = importlib.util.spec_from_file_location("initial_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: number for number, name in enumerate(module.MUNICIPALITIES, start=1)}


MUNICIPALITIES = _seeded_municipalities()

HEADER = (
    "Name;Mobil;Fähigkeiten;Sprachen;Gemeinden;Verfügbarkeit;Führungszeugnis;Erste Hilfe;"
    "Max. Einsätze pro Woche;SMS-Einwilligung;Bemerkungen"
)


def preview_of(text: str, encoding: str = "utf-8", filename: str = "ehrenamtliche.csv") -> ImportPreview:
    return validate_rows(read_table(text.encode(encoding), filename), MUNICIPALITIES, today=TODAY)


def csv_file(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join((header, *rows)) + "\r\n"


def one_row(**cells: str) -> ImportPreview:
    """A file with one volunteer whose cells are valid unless given."""
    row = {
        "Name": "Anna Müller",
        "Mobil": "0151 12345678",
        "Fähigkeiten": "Kinder",
        "Sprachen": "",
        "Gemeinden": "Hannover",
        "Verfügbarkeit": "",
        "Führungszeugnis": "",
        "Erste Hilfe": "",
        "Max. Einsätze pro Woche": "",
        "SMS-Einwilligung": "ja",
        "Bemerkungen": "",
    }
    row.update({key.replace("_", " "): value for key, value in cells.items()})
    return preview_of(csv_file(";".join(f'"{value}"' for value in row.values()), header=";".join(row)))


def errors_of(preview: ImportPreview) -> list[str]:
    return list(preview.errors)


# --- CSV -----------------------------------------------------------------------------------------------------


def test_a_semicolon_csv_from_german_excel_becomes_a_complete_volunteer_draft():
    preview = preview_of(
        csv_file(
            "Anna Müller;0151 12345678;Kinder, Babys;Deutsch, english;Hannover, Laatzen;"
            "Mo-Fr 08:00-13:00; Sa 09-12 Uhr;03.02.2022;01.06.2025;3;ja;mag Hunde"
        ).replace("Mo-Fr 08:00-13:00; Sa 09-12 Uhr", '"Mo-Fr 08:00-13:00; Sa 09-12 Uhr"')
    )

    assert preview.importable
    assert errors_of(preview) == []
    [row] = preview.valid
    assert row.row_number == 2
    draft = row.draft
    assert draft.name == "Anna Müller"
    assert draft.phone == "+4915112345678"
    assert draft.skills == {Skill.CHILD_CARE, Skill.INFANT_CARE}
    assert draft.languages == ("Deutsch", "Englisch")
    assert draft.municipality_ids == {MUNICIPALITIES["Hannover"], MUNICIPALITIES["Laatzen"]}
    assert draft.availability == (
        *(WeeklySlot(day, time(8), time(13)) for day in range(5)),
        WeeklySlot(5, time(9), time(12)),
    )
    assert draft.certificates == (
        Certificate(CertificateKind.POLICE_CERTIFICATE, date(2022, 2, 3), date(2027, 2, 3)),
        Certificate(CertificateKind.FIRST_AID, date(2025, 6, 1), date(2027, 6, 1)),
    )
    assert draft.max_jobs_per_week == 3
    assert draft.sms_consent is True
    assert draft.notes == "mag Hunde"


def test_a_comma_csv_with_quoted_commas_and_line_breaks_is_read_as_the_office_sees_it():
    text = (
        "Vorname,Nachname,Handy,Einsatzarten,Einsatzorte,Bemerkungen\n"
        'Bernd,Schulz,0152 23456789,"Senioren, Demenz","Garbsen, Seelze","kann auch\nkurzfristig"\n'
        "Carla,Weber,0160 1234567,Auto,Wunstorf,\n"
    )

    preview = preview_of(text)

    assert errors_of(preview) == []
    bernd, carla = preview.valid
    assert (bernd.row_number, carla.row_number) == (2, 3)
    assert bernd.draft.name == "Bernd Schulz"
    assert bernd.draft.skills == {Skill.ELDER_CARE, Skill.DEMENTIA}
    assert bernd.draft.notes == "kann auch\nkurzfristig"
    assert carla.draft.skills == {Skill.DRIVING}
    assert carla.draft.municipality_ids == {MUNICIPALITIES["Wunstorf"]}


def test_a_utf8_csv_with_byte_order_mark_reads_its_first_header_and_umlauts():
    text = csv_file("Jürgen Groß;0171 2345678;Rollstuhl;Türkisch;Neustadt a. Rbge.;;;;;ja;")

    rows = read_table(b"\xef\xbb\xbf" + text.encode("utf-8"), "liste.csv")
    preview = validate_rows(rows, MUNICIPALITIES, today=TODAY)

    assert "name" in rows[0]
    [row] = preview.valid
    assert row.draft.name == "Jürgen Groß"
    assert row.draft.languages == ("Türkisch",)
    assert row.draft.municipality_ids == {MUNICIPALITIES["Neustadt am Rübenberge"]}


def test_a_windows_1252_csv_keeps_its_umlauts_and_finds_unknown_municipalities():
    text = csv_file(
        "Müller, Jörg;0151 12345678;Senioren;;Laatzen;;;;;ja;",
        "Käthe Schäfer;0157 34567890;Kinder;;Göttingen;;;;;ja;",
        "Ümit Öztürk;0176 45678901;Fahrdienst;Türkisch;Garbsen;;;;;nein;",
    )

    preview = preview_of(text, encoding="cp1252")

    assert [row.draft.name for row in preview.valid] == ["Jörg Müller", "Ümit Öztürk"]
    assert preview.valid[0].draft.municipality_ids == {MUNICIPALITIES["Laatzen"]}
    assert preview.valid[1].draft.municipality_ids == {MUNICIPALITIES["Garbsen"]}
    assert preview.valid[1].draft.sms_consent is False
    [message] = errors_of(preview)
    assert message.startswith("Zeile 3: Gemeinde „Göttingen“ unbekannt – erlaubt sind: Barsinghausen, Burgdorf")
    assert not preview.importable


def test_a_utf16_tab_separated_file_as_excel_saves_unicode_text_is_read():
    text = "Name\tHandy\tFähigkeiten\tGemeinden\r\nAnna Müller\t0151 12345678\tKinder\tSehnde\r\n"

    preview = preview_of(text, encoding="utf-16")

    assert preview.valid[0].draft.municipality_ids == {MUNICIPALITIES["Sehnde"]}


def test_excels_sep_line_names_the_separator_and_is_not_counted_as_a_row():
    text = "sep=,\r\nName,Mobil,Fähigkeiten,Gemeinden\r\nAnna,0151 12345678,Kinder,Pattensen\r\n"

    preview = preview_of(text)

    assert [row.row_number for row in preview.valid] == [2]


def test_headers_match_whatever_their_case_spacing_and_punctuation():
    text = (
        "  NAME ;handy-nr.;EINSATZART;sms einwilligung;gemeinde;max. einsätze/woche\n"
        "A B;0151 12345678;Kinder;X;Uetze;2\n"
    )

    [row] = preview_of(text).valid

    assert row.draft.sms_consent is True
    assert row.draft.max_jobs_per_week == 2


def test_a_landline_column_next_to_a_mobile_column_is_ignored_and_said_so():
    text = "Name;Telefon;Mobil;Fähigkeiten;Gemeinden;Lieblingsfarbe\nA B;0511 123456;0151 12345678;Kinder;Lehrte;blau\n"

    preview = preview_of(text)

    assert preview.valid[0].draft.phone == "+4915112345678"
    assert preview.ignored_columns == ("Telefon", "Lieblingsfarbe")


def test_a_telefon_column_is_the_mobile_column_when_there_is_no_other():
    text = "Name;Telefon;Fähigkeiten;Gemeinden\nA B;0151 12345678;Kinder;Lehrte\n"

    assert preview_of(text).valid[0].draft.phone == "+4915112345678"


# --- XLSX ----------------------------------------------------------------------------------------------------


def xlsx_file(rows: list[list[object]], *, first_row: int = 0) -> bytes:
    """An .xlsx built as Excel would save it: dates as date cells, numbers as number cells."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Ehrenamtliche")
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for row_index, row in enumerate(rows, start=first_row):
        for column, value in enumerate(row):
            if isinstance(value, date | datetime):
                sheet.write_datetime(row_index, column, value, date_format)
            elif value is not None:
                sheet.write(row_index, column, value)
    workbook.close()
    return buffer.getvalue()


def test_an_xlsx_file_gives_back_the_leading_zero_of_a_phone_typed_as_a_number_and_reads_date_cells():
    data = xlsx_file(
        [
            ["Vorname", "Nachname", "Handy", "Einsatzarten", "Gemeinde", "Führungszeugnis vom", "SMS", "Max. Einsätze"],
            ["Anna", "Müller", 15112345678, "Kinder, Säuglinge", "Langenhagen", date(2024, 3, 1), True, 2],
            [],
            ["Bernd", "Schulz", "+49 152 23456789", "Senioren", "Wennigsen", "05.01.2023", "ja", None],
            ["Carla", "Weber", 4916012345678, "Auto", "Burgdorf", None, False, None],
        ]
    )

    rows = read_table(data, "Ehrenamtliche 2026.xlsx")
    preview = validate_rows(rows, MUNICIPALITIES, today=TODAY)

    assert rows[0]["phone"] == "15112345678"
    assert rows[0]["police_certificate"] == "01.03.2024"
    assert errors_of(preview) == []
    anna, bernd, carla = preview.valid
    assert [anna.row_number, bernd.row_number, carla.row_number] == [2, 4, 5]
    assert anna.draft.phone == "+4915112345678"
    assert anna.draft.skills == {Skill.CHILD_CARE, Skill.INFANT_CARE}
    assert anna.draft.certificates == (
        Certificate(CertificateKind.POLICE_CERTIFICATE, date(2024, 3, 1), date(2029, 3, 1)),
    )
    assert anna.draft.sms_consent is True
    assert anna.draft.max_jobs_per_week == 2
    assert bernd.draft.municipality_ids == {MUNICIPALITIES["Wennigsen (Deister)"]}
    assert bernd.draft.certificates[0].issued_on == date(2023, 1, 5)
    assert carla.draft.phone == "+4916012345678"
    assert carla.draft.sms_consent is False


def test_an_xlsx_file_reports_errors_with_the_row_numbers_excel_shows():
    data = xlsx_file(
        [
            ["Name", "Mobil", "Fähigkeiten", "Gemeinden", "Max. Einsätze pro Woche"],
            ["Anna Müller", 511, "Kinder", "Hannover", 1.5],
        ]
    )

    preview = validate_rows(read_table(data, "liste.xlsx"), MUNICIPALITIES, today=TODAY)

    assert errors_of(preview) == [
        "Zeile 2: Mobilnummer „511“ ist keine gültige Mobilnummer.",
        "Zeile 2: Max. Einsätze pro Woche „1,5“ – bitte eine ganze Zahl von 1 bis 14 eintragen.",
    ]


def test_an_xlsx_file_with_a_title_row_above_the_headers_is_refused_with_what_was_found():
    data = xlsx_file([["Ehrenamtliche Stand November 2026"], ["Name", "Mobil"], ["Anna", "0151 12345678"]])

    with pytest.raises(ImportFileError, match="Zeile 1 muss die Spaltenüberschriften enthalten; gefunden: „Ehren"):
        read_table(data, "liste.xlsx")


def test_an_xlsx_file_is_read_from_its_first_visible_sheet():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    hidden = workbook.add_worksheet("Vorlage")
    hidden.write_row(0, 0, ["Spalte", "Erklärung"])
    hidden.hide()
    sheet = workbook.add_worksheet("Ehrenamtliche")
    sheet.write_row(0, 0, ["Name", "Mobil", "Fähigkeiten", "Gemeinden"])
    sheet.write_row(1, 0, ["Anna Müller", "0151 12345678", "Kinder", "Burgwedel"])
    sheet.activate()
    workbook.close()

    preview = validate_rows(read_table(buffer.getvalue(), "liste.xlsx"), MUNICIPALITIES, today=TODAY)

    assert preview.valid[0].draft.municipality_ids == {MUNICIPALITIES["Burgwedel"]}


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (MAX_ROWS + 1, 0, "Die Tabelle ist zu groß: „liste.xlsx“ hat Einträge bis Zeile 5.002 (höchstens 5.000 Zeilen"),
        (1, 100, "Die Tabelle ist zu groß: „liste.xlsx“ hat Einträge bis Spalte CW (höchstens 5.000 Zeilen"),
        (1, 50, "hat Einträge bis Spalte AY"),
    ],
)
def test_an_xlsx_sheet_beyond_the_row_or_column_limit_is_refused_before_it_is_loaded(row, column, message):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Name", "Mobil"])
    sheet.write(row, column, "vergessen")
    workbook.close()

    with pytest.raises(ImportFileError) as refused:
        read_table(buffer.getvalue(), "liste.xlsx")

    assert message in str(refused.value)


# --- row errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Name": ""}, "Zeile 2: Name fehlt."),
        ({"Name": "12345"}, "Zeile 2: Name „12345“ enthält keine Buchstaben."),
        ({"Mobil": ""}, "Zeile 2: Mobilnummer fehlt."),
        ({"Mobil": "0511"}, "Zeile 2: Mobilnummer „0511“ ist keine gültige Mobilnummer."),
        (
            {"Mobil": "0511 168-32110"},
            "Zeile 2: Mobilnummer „0511 168-32110“ ist eine Festnetznummer – für SMS wird eine Mobilnummer gebraucht.",
        ),
        ({"Mobil": "0800 3300300"}, "Zeile 2: Mobilnummer „0800 3300300“ ist keine Mobilnummer – für SMS wird"),
        ({"Mobil": "1,51123E+10"}, "Zeile 2: Mobilnummer „1,51123E+10“ ist keine gültige Mobilnummer: Excel hat"),
        ({"Fähigkeiten": ""}, "Zeile 2: Fähigkeiten fehlen – bitte mindestens eine eintragen: Kinderbetreuung,"),
        (
            {"Fähigkeiten": "Kinderbetruung"},
            "Zeile 2: Fähigkeit „Kinderbetruung“ unbekannt – meinten Sie „Kinderbetreuung“?",
        ),
        ({"Fähigkeiten": "Kinder, Gartenarbeit"}, "Zeile 2: Fähigkeit „Gartenarbeit“ unbekannt – erlaubt sind:"),
        ({"Sprachen": "Englsich"}, "Zeile 2: Sprache „Englsich“ unbekannt – meinten Sie „Englisch“?"),
        ({"Sprachen": "B2"}, "Zeile 2: Sprache „B2“ ist kein Sprachname."),
        (
            {"Gemeinden": ""},
            "Zeile 2: Gemeinden fehlen – bitte mindestens eine Gemeinde der Region Hannover eintragen.",
        ),
        ({"Gemeinden": "Hanover"}, "Zeile 2: Gemeinde „Hanover“ unbekannt – meinten Sie „Hannover“?"),
        (
            {"Gemeinden": "Laatzen, Hannover-Linden"},
            "Zeile 2: Gemeinde „Hannover-Linden“ unbekannt – meinten Sie „Hannover“?",
        ),
        ({"Gemeinden": "Celle"}, "Zeile 2: Gemeinde „Celle“ unbekannt – erlaubt sind: Barsinghausen,"),
        ({"Verfügbarkeit": "nach Absprache"}, "Zeile 2: Verfügbarkeit „nach Absprache“ nicht verstanden: „nach“ ist"),
        (
            {"Verfügbarkeit": "14-18 Uhr"},
            "Zeile 2: Verfügbarkeit „14-18 Uhr“ nicht verstanden: Am Anfang fehlt der Wochentag",
        ),
        (
            {"Führungszeugnis": "ja"},
            "Zeile 2: Führungszeugnis „ja“ ist kein Datum – bitte das Ausstellungsdatum als TT.MM.JJJJ",
        ),
        ({"Führungszeugnis": "31.02.2024"}, "Zeile 2: Führungszeugnis „31.02.2024“ ist kein Datum"),
        ({"Erste Hilfe": "01.12.2026"}, "Zeile 2: Erste Hilfe „01.12.2026“ liegt in der Zukunft"),
        ({"Max. Einsätze pro Woche": "0"}, "Zeile 2: Max. Einsätze pro Woche „0“ – bitte eine ganze Zahl von 1 bis 14"),
        ({"Max. Einsätze pro Woche": "drei"}, "Zeile 2: Max. Einsätze pro Woche „drei“ – bitte eine ganze Zahl"),
        (
            {"SMS-Einwilligung": "vielleicht"},
            "Zeile 2: SMS-Einwilligung „vielleicht“ – bitte „ja“ oder „nein“ eintragen.",
        ),
        ({"Bemerkungen": "x" * 2001}, "Zeile 2: Bemerkungen sind länger als 2.000 Zeichen."),
    ],
)
def test_each_kind_of_broken_cell_is_reported_in_german_with_row_and_column(cells, message):
    preview = one_row(**cells)

    assert not preview.valid
    assert not preview.importable
    [invalid] = preview.invalid
    assert invalid.row_number == 2
    assert any(error.startswith(message) for error in invalid.errors), invalid.errors


def test_every_broken_cell_of_a_row_is_reported_not_only_the_first():
    preview = one_row(Mobil="0511", Gemeinden="Hanover", Führungszeugnis="gestern")

    assert [error.split(":")[0] for error in preview.errors] == ["Zeile 2"] * 3
    assert [error.split(" ")[2] for error in preview.errors] == ["Mobilnummer", "Gemeinde", "Führungszeugnis"]


def test_values_in_a_column_without_header_point_to_a_separator_inside_a_field_and_nothing_else():
    text = "Name,Mobil,Fähigkeiten,Gemeinden\nMüller, Anna,0151 12345678,Kinder,Isernhagen\n"

    [message] = preview_of(text).errors

    assert message.startswith("Zeile 2: Werte ohne Spaltenüberschrift (Spalte E: „Isernhagen“)")


def test_the_same_mobile_number_twice_is_an_error_on_the_later_row_naming_the_earlier_one():
    text = csv_file(
        "Anna Müller;0151 12345678;Kinder;;Hannover;;;;;ja;",
        "Bernd Schulz;0152 23456789;Senioren;;Hannover;;;;;ja;",
        "Anna M.;+49 151 1234 5678;Kinder;;Ronnenberg;;;;;ja;",
    )

    preview = preview_of(text)

    assert [row.row_number for row in preview.valid] == [2, 3]
    assert errors_of(preview) == ["Zeile 4: Mobilnummer „+49 151 1234 5678“ steht schon in Zeile 2."]


def test_a_row_with_other_errors_still_claims_its_number_for_later_duplicates():
    text = csv_file(
        "Anna Müller;0151 12345678;Kochen;;Hannover;;;;;ja;",
        "Anna Müller;0151 12345678;Kinder;;Hannover;;;;;ja;",
    )

    assert preview_of(text).errors[-1] == "Zeile 3: Mobilnummer „0151 12345678“ steht schon in Zeile 2."


def test_empty_rows_are_skipped_and_later_rows_keep_their_spreadsheet_numbers():
    text = csv_file(
        ";;;;;;;;;;",
        "Anna Müller;0151 12345678;Kinder;;Springe;;;;;ja;",
        "",
        " ; ;;;;;;;;;",
        "Bernd Schulz;0511;Senioren;;Springe;;;;;ja;",
        "",
        "",
    )

    preview = preview_of(text)

    assert [row.row_number for row in preview.valid] == [3]
    assert [row.row_number for row in preview.invalid] == [6]


def test_a_file_is_importable_only_when_every_row_is_valid():
    assert one_row().importable
    assert not one_row(Mobil="0511").importable
    assert not validate_rows([], MUNICIPALITIES).importable


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("0151 12345678", "+4915112345678"),
        ("0151/1234 5678", "+4915112345678"),
        ("+49 (0) 151 12345678", "+4915112345678"),
        ("0049 151 12345678", "+4915112345678"),
        ("15112345678", "+4915112345678"),
        ("4915112345678", "+4915112345678"),
        ("+48 512 345 678", "+48512345678"),
    ],
)
def test_mobile_numbers_are_stored_in_e164_however_they_were_written(written, e164):
    assert one_row(Mobil=written).drafts[0].phone == e164


def test_a_name_written_last_name_first_is_turned_round():
    assert one_row(Name="Müller, Anna").drafts[0].name == "Anna Müller"


def test_languages_are_normalised_and_an_unlisted_language_is_kept():
    draft = one_row(Sprachen="englisch; Farsi / Tigrinisch und Swahili, Englisch").drafts[0]

    assert draft.languages == ("Englisch", "Persisch", "Tigrinya", "Swahili")


def test_an_empty_consent_cell_means_no_sms_consent():
    assert one_row(**{"SMS-Einwilligung": ""}).drafts[0].sms_consent is False


def test_an_expired_certificate_is_kept_with_its_end_date_for_matching_to_judge():
    [certificate] = one_row(Führungszeugnis="15.01.2019").drafts[0].certificates

    assert certificate.valid_until == date(2024, 1, 15)


# --- files that are not a volunteer list ---------------------------------------------------------------------


def test_a_file_with_only_the_header_row_is_refused():
    with pytest.raises(ImportFileError, match="enthält nur die Spaltenüberschriften"):
        read_table(csv_file("", ";;;").encode(), "leer.csv")


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="„leer.csv“ ist leer"):
        read_table(b"", "leer.csv")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "Ehrenamtliche.pdf", "„Ehrenamtliche.pdf“ ist keine Tabelle"),
        (b"Name;Mobil", "liste.docx", "Erwartet wird eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv)"),
        (b"%PDF-1.7\n1 0 obj", "liste.csv", "„liste.csv“ ist keine CSV-Datei, sondern ein PDF-Dokument"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "liste.csv", "ist keine CSV-Datei, sondern ein Bild"),
        (b"\x00\x01\x02binary\x00", "liste.csv", "lässt sich nicht als CSV-Text lesen"),
        (b"Name;Mobil\nAnna;0151 12345678\n", "liste.xlsx", "„liste.xlsx“ ist keine Excel-Datei (.xlsx)"),
        (b"PK\x03\x04 not really a zip", "liste.xlsx", "ist beschädigt"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "liste.xlsx", "passwortgeschützte Excel-Datei"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "liste.xls", "als Excel-Arbeitsmappe (.xlsx) oder CSV (.csv) speichern"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused_with_a_german_message(data, filename, message):
    with pytest.raises(ImportFileError) as refused:
        read_table(data, filename)

    assert message in str(refused.value)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hallo.txt", "kein Excel")

    with pytest.raises(ImportFileError, match="lässt sich nicht als Excel-Datei lesen"):
        read_table(buffer.getvalue(), "liste.xlsx")


def test_a_file_without_name_or_mobile_column_is_refused_naming_what_it_found():
    with pytest.raises(ImportFileError) as refused:
        read_table(b"Vorname;Ort\nAnna;Hannover\n", "liste.csv")

    assert str(refused.value) == (
        "„liste.csv“: In Zeile 1 fehlen die Spalten „Name“ (oder „Vorname“ und „Nachname“) und „Mobil“ "
        "(oder „Handy“, „Telefon“). Zeile 1 muss die Spaltenüberschriften enthalten; gefunden: „Vorname“, „Ort“."
    )


def test_two_columns_that_mean_the_same_field_are_refused():
    with pytest.raises(ImportFileError, match="Die Spalten „Mobil“ und „Handy“ meinen beide „Mobilnummer“"):
        read_table(b"Name;Mobil;Handy\nA;0151 12345678;0151 12345678\n", "liste.csv")


def test_a_certificate_column_with_an_end_date_instead_of_the_issue_date_is_refused():
    with pytest.raises(ImportFileError, match="Erwartet wird eine Spalte „Führungszeugnis“ mit dem Ausstellungsdatum"):
        read_table("Name;Mobil;Führungszeugnis gültig bis\nA;0151 12345678;01.01.2030\n".encode(), "liste.csv")


def test_an_unclosed_quote_is_refused_naming_the_row_where_it_starts():
    text = 'Name;Mobil\nAnna;0151 12345678\n"Bernd;0152 23456789\nCarla;0160 1234567\n'

    with pytest.raises(ImportFileError, match="ab Zeile 3 keine gültige CSV-Datei"):
        read_table(text.encode(), "liste.csv")


def test_text_after_a_closing_quote_is_refused_with_where_quotes_belong():
    text = 'Name;Mobil\n"Anna" Müller;0151 12345678\n'

    with pytest.raises(ImportFileError, match="ab Zeile 2 .* Anführungszeichen gehören nur um ein ganzes Feld"):
        read_table(text.encode(), "liste.csv")


def test_more_rows_than_the_limit_are_refused_but_trailing_empty_rows_do_not_count():
    header = "Name;Mobil\n"
    full = header + "Anna;0151 12345678\n" * MAX_ROWS + ";\n" * 100

    assert len(read_table(full.encode(), "liste.csv")) == MAX_ROWS
    with pytest.raises(ImportFileError, match="mehr als 5.000 Zeilen"):
        read_table((full + "Bernd;0152 23456789\n").encode(), "liste.csv")


def test_a_file_larger_than_five_megabytes_is_refused():
    with pytest.raises(ImportFileError, match="größer als 5 MB"):
        read_table(b"Name;Mobil\n" + b"A" * 5 * 1024 * 1024, "liste.csv")


# --- weekly availability -------------------------------------------------------------------------------------

WEEKDAYS = range(5)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("Mo 08:00-13:00", [(0, "08:00", "13:00")]),
        ("Mo-Fr 08:00-13:00; Sa 09-12 Uhr", [*((d, "08:00", "13:00") for d in WEEKDAYS), (5, "09:00", "12:00")]),
        ("werktags vormittags", [(d, "08:00", "12:00") for d in WEEKDAYS]),
        ("Wochenende ganztags", [(5, "08:00", "18:00"), (6, "08:00", "18:00")]),
        ("täglich abends", [(d, "18:00", "22:00") for d in range(7)]),
        (
            "Di, Do 14-18 und 19-21",
            [(1, "14:00", "18:00"), (1, "19:00", "21:00"), (3, "14:00", "18:00"), (3, "19:00", "21:00")],
        ),
        ("Mo 8-12, Mi 14-18", [(0, "08:00", "12:00"), (2, "14:00", "18:00")]),
        ("Montag bis Mittwoch von 8.30 bis 12 Uhr", [(d, "08:30", "12:00") for d in range(3)]),
        ("Mo. - Mi. nachmittags", [(d, "12:00", "18:00") for d in range(3)]),
        ("Fr-Mo 9-11", [(0, "09:00", "11:00"), (4, "09:00", "11:00"), (5, "09:00", "11:00"), (6, "09:00", "11:00")]),
        ("Sa und So 18–24 Uhr", [(5, "18:00", "23:59"), (6, "18:00", "23:59")]),
        ("Sonnabend 10-12\nSonntag 10-12", [(5, "10:00", "12:00"), (6, "10:00", "12:00")]),
        ("Mo 8-12; Mo 11-14; Mo 14-15", [(0, "08:00", "15:00")]),
        ("", []),
    ],
)
def test_availability_in_the_accepted_syntax_becomes_weekly_slots(text, slots):
    expected = tuple(WeeklySlot(day, time.fromisoformat(start), time.fromisoformat(end)) for day, start, end in slots)

    assert parse_availability(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nach Absprache", "„nach“ ist keine bekannte Tages- oder Zeitangabe."),
        ("morgens", "„morgens“ ist keine bekannte Tages- oder Zeitangabe."),
        ("Mo ab 14 Uhr", "„ab“ ist keine bekannte Tages- oder Zeitangabe."),
        ("08:00-13:00", "Am Anfang fehlt der Wochentag"),
        ("Mo-Fr", "Nach den Tagen fehlt die Uhrzeit"),
        ("Mo 14", "Zu „14“ fehlt die Endzeit"),
        ("Mo-", "Nach „-“ fehlt der letzte Tag"),
        ("Mo 25-26", "„25“ ist keine Uhrzeit."),
        ("Mo 8:75-9", "„8:75“ ist keine Uhrzeit."),
        ("Fr 22-6", "„22-6“ endet nicht nach dem Beginn; über Mitternacht bitte zwei Angaben"),
        ("Mo 8-12 Di", "„Di“ ist an dieser Stelle nicht verständlich."),
        ("Mo 8-12 @home", "Das Zeichen „@“ ist hier nicht vorgesehen."),
    ],
)
def test_availability_outside_the_syntax_is_refused_with_the_reason(text, reason):
    with pytest.raises(AvailabilityError) as refused:
        parse_availability(text)

    assert str(refused.value).startswith(reason)


def test_a_refused_availability_cell_explains_the_accepted_syntax():
    [message] = one_row(Verfügbarkeit="vormittags").errors

    assert "Am Anfang fehlt der Wochentag" in message
    assert "Erlaubt sind Tage mit Uhrzeiten wie „Mo-Fr 08:00-13:00; Sa 09-12 Uhr“, „werktags vormittags“" in message


@pytest.mark.parametrize(
    "text",
    ["Mo-Fr 08:00-13:00; Sa 09-12 Uhr", "Di, Do 14-18 und 19-21", "Fr-Mo 9-11", "täglich abends; Mi 8-10", ""],
)
def test_formatted_availability_reads_back_to_the_same_slots(text):
    slots = parse_availability(text)

    assert parse_availability(format_availability(slots)) == slots


def test_availability_is_formatted_with_day_ranges():
    assert format_availability(parse_availability("Mo-Fr 8-13; Sa 9-12")) == "Mo-Fr 08:00-13:00; Sa 09:00-12:00"


# --- vocabulary ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "skill"),
    [
        ("Kinder", Skill.CHILD_CARE),
        ("KINDERBETREUUNG", Skill.CHILD_CARE),
        ("babys", Skill.INFANT_CARE),
        ("Säuglingsbetreuung", Skill.INFANT_CARE),
        (" Senioren ", Skill.ELDER_CARE),
        ("Demenz.", Skill.DEMENTIA),
        ("Fahrdienst", Skill.DRIVING),
        ("Auto", Skill.DRIVING),
        ("Fahrdienst (eigenes Auto)", Skill.DRIVING),
        ("rollstuhl", Skill.WHEELCHAIR),
        ("elder_care", Skill.ELDER_CARE),
        ("Führerschein", None),
    ],
)
def test_skills_are_found_by_the_words_people_write(word, skill):
    assert Skill.from_text(word) == skill


def test_skills_have_german_labels():
    assert [skill.label for skill in Skill] == [
        "Kinderbetreuung",
        "Säuglingsbetreuung",
        "Seniorenbetreuung",
        "Demenzerfahrung",
        "Fahrdienst (eigenes Auto)",
        "Rollstuhltransport",
    ]


def test_certificates_have_german_labels_aliases_and_default_validity():
    police = CertificateKind.POLICE_CERTIFICATE

    assert police.label == "erweitertes Führungszeugnis"
    assert CertificateKind.FIRST_AID.label == "Erste-Hilfe-Kurs"
    assert CertificateKind.from_text("erw. Führungszeugnis") is police
    assert CertificateKind.from_text("eFZ") is police
    assert CertificateKind.from_text("Erste Hilfe am Kind") is CertificateKind.FIRST_AID
    assert police.valid_until(date(2021, 3, 4)) == date(2026, 3, 4)
    assert police.valid_until(date(2024, 2, 29)) == date(2029, 2, 28)


def test_language_names_are_normalised_to_german():
    assert [language_name(word) for word in ("english", "Engl.", "FARSI", "türkisch", "Klingonisch")] == [
        "Englisch",
        "Englisch",
        "Persisch",
        "Türkisch",
        None,
    ]


def test_a_row_is_interpreted_in_german_as_the_registry_will_store_it():
    preview = validate_rows(
        [
            {
                "name": "Müller, Anna",
                "phone": "+49 176 11111111",
                "skills": "kinder, Auto",
                "languages": "türkisch",
                "municipalities": "laatzen, Hannover",
                "availability": "werktags vormittags; Sa 9-12 Uhr",
                "police_certificate": "03.02.2024",
                "first_aid": "01.01.2020",
                "max_jobs_per_week": "3",
                "sms_consent": "x",
                "notes": "",
            }
        ],  # fmt: skip
        {"Hannover": 1, "Laatzen": 2},
        today=date(2026, 12, 4),
    )
    understood = interpret(preview.valid[0].draft, {1: "Hannover", 2: "Laatzen"}, today=date(2026, 12, 4))
    assert understood.name == "Anna Müller" and understood.phone == "0176 11111111"
    assert understood.skills == "Kinderbetreuung, Fahrdienst (eigenes Auto)"
    assert understood.languages == "Türkisch" and understood.municipalities == "Hannover, Laatzen"
    assert understood.availability == "Mo-Fr 08:00-12:00; Sa 09:00-12:00"
    assert understood.sms_consent == "ja, erteilt am 04.12.2026 (Tag des Imports)"
    assert understood.police_certificate == "vom 03.02.2024, gültig bis 03.02.2029"
    assert understood.first_aid == "vom 01.01.2020, gültig bis 01.01.2022 (abgelaufen)"
    assert understood.max_jobs_per_week == "3"

    bare = validate_rows(
        [{"name": "Ben Ott", "phone": "0151 22222222", "skills": "Senioren", "municipalities": "Hannover"}],
        {"Hannover": 1},
        today=date(2026, 12, 4),
    )
    plain = interpret(bare.valid[0].draft, {1: "Hannover"}, today=date(2026, 12, 4))
    assert (plain.sms_consent, plain.police_certificate, plain.availability, plain.languages) == (
        "nein", "keins", "keine festen Zeiten", "keine Angabe"
    )  # fmt: skip
    assert plain.max_jobs_per_week == "keine Grenze"
