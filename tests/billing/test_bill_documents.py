"""A bill as staff and families see it: the page, the PDF (its text read back), the GiroCode (decoded from the
PDF's image), payment, cancellation with correction, and the accounting CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pypdf
import zxingcpp
from PIL import Image
from sqlalchemy import select

from billing.bills import service as bills
from billing.models import Bill
from casework.enums import BillStatus
from core import audit
from core.db import make_sessionmaker
from core.models import AuditEvent, StaffRole
from tests.billing.helpers import family, worked
from tests.factories import csrf_from, login, make_staff, make_volunteer

TERMS = bills.Terms(zone=ZoneInfo("Europe/Berlin"), payment_days=14)
ISSUED = audit.Actor(None, None, datetime(2026, 12, 1, 8, tzinfo=UTC))


def _issue(db, engine) -> Bill:
    case = family(db, caller_name="Familie Yılmaz", address="Lindenstraße 4, 30159 Hannover")
    worked(db, case, hours="3.5", volunteer=make_volunteer(db, name="Petra Schulz"))
    worked(db, case, hours="1.25", volunteer=make_volunteer(db, name="Jürgen Groß"))
    (bill,) = bills.issue_month(make_sessionmaker(engine), month=date(2026, 11, 1), terms=TERMS, actor=ISSUED).bills
    return db.get(Bill, bill.id)


def test_the_pdf_holds_name_number_lines_total_and_a_girocode_that_pays_this_bill(client, db, engine):
    bill = _issue(db, engine)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    response = client.get(f"/bills/{bill.id}/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in ("Familie Yılmaz", "Lindenstraße 4", "Rechnung R-2026-00001", "Fr. 27.11.2026", "Petra", "Jürgen",
                     "3,5", "1,25", "5,00 €", "17,50 €", "6,25 €", "Gesamtbetrag", "23,75 €", "Standardtarif",
                     "DE02 1203 0000 0000 2020 51", "Fällig am", "15.12.2026"):  # fmt: skip
        assert expected.replace(" ", "") in text.replace(" ", "").replace("\u00a0", ""), expected
    assert "Schulz" not in text and "Groß" not in text  # the volunteer's first name only
    (image,) = reader.pages[0].images
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
    fields = found.text.split("\n")
    assert fields[:3] == ["BCD", "002", "1"] and fields[3] == "SCT"
    iban, amount, remittance = fields[6], fields[7], fields[-1]
    assert (iban, amount, remittance) == ("DE02120300000000202051", "EUR23.75", "Rechnung R-2026-00001")
    assert fields[5] == "Landeshauptstadt Hannover – Fluxx-Notfallbetreuung"
    db.expire_all()
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "bill.pdf")) == "bill.pdf"


def test_the_bill_page_shows_what_the_pdf_shows_and_the_girocode_inline(client, db, engine):
    bill = _issue(db, engine)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/bills/{bill.id}").text
    for expected in ("Rechnung R-2026-00001", "Familie Yılmaz", "Lindenstraße 4<br>30159 Hannover", "Fr. 27.11.2026",
                     "Verwendungszweck R-2026-00001", "<svg", "GiroCode zum Bezahlen"):  # fmt: skip
        assert expected in page, expected


def test_cancelling_with_a_correction_on_the_page_gives_a_new_number_that_names_the_old_one(client, db, engine):
    bill = _issue(db, engine)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/bills/{bill.id}").text
    refused = client.post(f"/bills/{bill.id}/cancel", data={"csrf_token": csrf_from(page), "reason": " "})
    assert refused.status_code == 409 and "Bitte einen Grund" in refused.text
    done = client.post(
        f"/bills/{bill.id}/cancel", data={"csrf_token": csrf_from(page), "reason": "Adresse falsch", "correct": "1"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Rechnung R-2026-00001 storniert und durch R-2026-00002 ersetzt." in done.text
    assert "Diese Rechnung ersetzt die stornierte Rechnung R-2026-00001." in done.text
    db.expire_all()
    assert db.get(Bill, bill.id).status == BillStatus.CANCELLED


def test_a_payment_is_recorded_once_and_open_bills_past_their_due_date_are_listed(client, db, engine, clock):
    bill = _issue(db, engine)
    clock.at = datetime(2026, 12, 16, 9, tzinfo=UTC)  # the day after the due date
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    overdue = client.get("/bills?status=overdue").text
    assert "R-2026-00001" in overdue and "Überfällig" in overdue
    page = client.get(f"/bills/{bill.id}").text
    paid = client.post(f"/bills/{bill.id}/paid", data={"csrf_token": csrf_from(page), "amount": "23,75"},
                       follow_redirects=True)  # fmt: skip
    assert "Zahlung erfasst." in paid.text and "Bezahlt am 16.12.2026: 23,75" in paid.text
    assert "R-2026-00001" not in client.get("/bills?status=overdue").text
    again = client.post(f"/bills/{bill.id}/paid", data={"csrf_token": csrf_from(page), "amount": "23,75"})
    assert again.status_code == 409 and "schon erfasst" in again.text


def test_the_accounting_csv_has_a_bom_german_numbers_and_no_formula_cells(client, db, engine):
    bill = _issue(db, engine)
    bill.debtor_name = '=HYPERLINK("x")'
    db.commit()
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    response = client.get("/bills/export.csv?month=2026-11")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="rechnungen-2026-11.csv"' in response.headers["content-disposition"]
    header, cells = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    assert header[:4] == ["Rechnungsnummer", "Rechnungsdatum", "Fällig am", "Schuldner"]
    assert cells[0] == "R-2026-00001" and cells[1] == "01.12.2026" and cells[6] == "23,75"
    assert cells[3].startswith("'=")  # neutralised
    assert cells[-1] == "51.1-FLUXX"


def test_the_month_is_previewed_then_issued_from_the_page(client, db, clock):
    case = family(db, caller_name="Familie Özdemir")
    worked(db, case, hours="2")
    clock.at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get("/bills").text  # last month by default
    assert "Noch zu berechnen: November 2026" in page and "1 Rechnung aus bestätigten Stunden" in page
    assert "Familie Özdemir" in page and "2 Std. × 5,00" in page
    issued = client.post("/bills/issue", data={"csrf_token": csrf_from(page), "month": "2026-11"},
                         follow_redirects=True)  # fmt: skip
    assert "1 Rechnung für November 2026 gestellt, zusammen 10,00" in issued.text
    assert "R-2026-00001" in issued.text and "keine bestätigten Stunden ohne Rechnung" in issued.text
