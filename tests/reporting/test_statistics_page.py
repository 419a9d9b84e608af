"""The statistics page: the hand-counted figures, the year before, the chart and its table, CSV with BOM."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff
from tests.reporting import dataset


def test_the_page_shows_the_year_s_figures_beside_the_year_before_and_is_audited(client, db):
    dataset.build(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get("/statistics?from=2026-01-01&to=2026-12-31&day=2026-05-01")
    assert page.status_code == 200
    html = page.text
    assert "Kennzahlen 01.01.2026–31.12.2026" in html
    cell = '<td class="kern-table__cell kern-table__cell--numeric number" data-label="{}">'
    now, before = cell.format("01.01.2026–31.12.2026"), cell.format("Vorjahr 01.01.2025–31.12.2025")
    assert f'<th scope="row" class="kern-table__cell lead">Krisenberatungen</th>{now}7</td>{before}1</td>' in html
    assert "42,9 %" in html and "Vorjahr 01.01.2025–31.12.2025" in html
    assert 'src="/statistics/chart.svg?from=2026-01-01&amp;to=2026-12-31&amp;day=2026-05-01"' in html
    assert "Die Zahlen des Diagramms nach Monat" in html and "April 2026" in html
    assert "Leinewerke Hannover GmbH" in html and "539.641 Einwohner/innen" in html
    assert "2 mit 1.285 Beschäftigten" in html  # both companies on 1 May
    assert "Nicht gezählt: Anrufe, die als „Kein Fall“ markiert wurden" in html
    db.expire_all()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "statistics.view"))
    assert event.detail == {"from": "2026-01-01", "to": "2026-12-31", "day": "2026-05-01"}


def test_presets_and_a_wrong_date(client, db):
    login(client, make_staff(db, role=StaffRole.ADMIN))
    assert "Kennzahlen 01.10.2026–31.12.2026" in client.get("/statistics?preset=quarter").text
    assert "Kennzahlen 01.01.2015–26.11.2026" in client.get("/statistics?preset=since2015").text
    assert "Kennzahlen 01.01.2026–31.12.2026" in client.get("/statistics").text
    wrong = client.get("/statistics?from=gestern&to=2026-12-31")
    assert wrong.status_code == 422 and "„Von“ ist kein Datum (z. B. 01.01.2026)." in wrong.text


def test_counsellors_do_not_see_the_statistics(client, db):
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))
    assert client.get("/statistics").status_code == 403


def test_every_table_is_a_csv_with_bom_and_german_numbers(client, db):
    dataset.build(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    response = client.get("/statistics/export.csv?table=totals&from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    assert "statistik-totals-2026-01-01-2026-12-31.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    assert "Krisenberatungen;7;1\r\n" in text and "Anteil mit konkretem Betreuungsbedarf;42,9 %;0,0 %" in text
    month = client.get("/statistics/export.csv?table=month&from=2026-01-01&to=2026-12-31").content.decode("utf-8-sig")
    assert "Januar 2026;2;1;4;0;50,0 %" in month
    coverage = client.get("/statistics/export.csv?table=coverage&day=2026-05-01").content.decode("utf-8-sig")
    assert "Landeshauptstadt;Hannover;539.641" in coverage
    assert client.get("/statistics/export.csv?table=nichts").status_code == 404


def test_the_chart_is_an_svg_without_script_from_our_origin(client, db):
    dataset.build(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    response = client.get("/statistics/chart.svg?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert b"<script" not in response.content and b"Krisenberatungen" in response.content
    assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def test_the_annual_report_is_a_pdf_with_the_figures_the_chart_and_the_network(client, db):
    import io

    import pypdf

    dataset.build(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert 'action="/statistics/report.pdf"' in client.get("/statistics").text
    response = client.get("/statistics/report.pdf?year=2026")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert 'filename="jahresbericht-2026.pdf"' in response.headers["content-disposition"]
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages]
    text = "\n".join(pages)
    assert "Fluxx-Notfallbetreuung: Jahresbericht 2026" in pages[0]
    assert "Krisenberatungen 7 1" in pages[0] and "Anteil mit konkretem Betreuungsbedarf 42,9 % 0,0 %" in pages[0]
    assert "Nicht gezählt: Anrufe, die als „Kein Fall“" in " ".join(pages[0].split())
    assert "Krisenberatungen, Notfälle und Fahrdienste 2026" in text  # the chart's title, drawn into the PDF
    assert "Leinewerke Hannover GmbH" in text and "Netzwerk am 26.11.2026" in text
    assert client.get("/statistics/report.pdf?year=2014").status_code == 422
    assert client.get("/statistics/report.pdf?year=zwei").status_code == 422
    db.expire_all()
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "statistics.report")) == {"year": 2026}
