"""The bill as a PDF (A4), made by fpdf2 in pure Python: no system packages, umlauts and € included.

The fonts are embedded (Noto Sans from KERN, `billing/bills/fonts/`); the GiroCode is drawn from its PNG.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.bills import girocode
from billing.bills.printed import Printed

FONTS = Path(__file__).parent / "fonts"
FONT = "NotoSans"
# Columns of the lines table (mm, the text width of A4 with 20 mm margins is 170 mm).
COLUMNS = (("Tag", 26), ("Leistung", 52), ("Betreut von", 24), ("Std.", 12), ("Satz", 18), ("Betrag", 20))
NL_X, NL_Y = XPos.LMARGIN, YPos.NEXT  # after a cell: the next line, at the left margin
REASON_WIDTH = sum(width for _, width in COLUMNS[1:])


class _Bill(FPDF):
    def __init__(self, bill: Printed) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.bill = bill
        self.add_font(FONT, "", str(FONTS / "NotoSans-Regular.woff"))
        self.add_font(FONT, "B", str(FONTS / "NotoSans-Bold.woff"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(f"Rechnung {bill.number}")
        self.set_author(bill.issuer.name)
        self.set_creator("Fluxxfon")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self.bill.issuer.name} · {self.bill.issuer.address}", align="L")
        self.cell(0, 5, f"Seite {self.page_no()}/{{nb}}", align="R")


def render(bill: Printed) -> bytes:
    pdf = _Bill(bill)
    pdf.add_page()
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 4, f"{bill.issuer.name} · {bill.issuer.address}", new_x=NL_X, new_y=NL_Y)
    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    for text in [bill.debtor_name, *bill.debtor_address]:
        pdf.cell(95, 5.5, text, new_x=NL_X, new_y=NL_Y)
    pdf.set_xy(120, 30)
    pdf.set_font(FONT, "", 9)
    for label, value in (
        ("Rechnungsnummer", bill.number),
        ("Rechnungsdatum", f"{bill.issue_date:%d.%m.%Y}"),
        ("Fällig am", f"{bill.due_date:%d.%m.%Y}"),
        ("Fall", bill.case_number),
        ("Zeitraum", bill.period),
    ):
        pdf.set_x(120)
        pdf.cell(32, 5, label)
        pdf.cell(38, 5, value, new_x=NL_X, new_y=NL_Y)
    pdf.set_y(max(pdf.get_y(), 62))
    pdf.ln(6)
    pdf.set_font(FONT, "B", 15)
    title = f"Rechnung {bill.number}" + (" – STORNIERT" if bill.cancelled else "")
    pdf.cell(0, 9, title, new_x=NL_X, new_y=NL_Y)
    pdf.set_font(FONT, "", 10)
    if bill.corrects:
        pdf.multi_cell(0, 5, f"Diese Rechnung ersetzt die stornierte Rechnung {bill.corrects}.", new_x=NL_X, new_y=NL_Y)
    if bill.cancelled:
        pdf.multi_cell(0, 5, bill.cancel_note, new_x=NL_X, new_y=NL_Y)
    pdf.multi_cell(0, 5, f"Betreuung durch die Fluxx-Notfallbetreuung im {bill.period}:", new_x=NL_X, new_y=NL_Y)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 9)
    for title_, width in COLUMNS:
        pdf.cell(width, 7, title_, border="B", align="R" if title_ in ("Std.", "Satz", "Betrag") else "L")
    pdf.ln()
    pdf.set_font(FONT, "", 9)
    for item in bill.lines:
        values = (item.day, item.description.split(", Einsatz")[0], item.volunteer, item.hours, item.rate, item.amount)
        for (name, width), value in zip(COLUMNS, values, strict=True):
            pdf.cell(width, 6, value, align="R" if name in ("Std.", "Satz", "Betrag") else "L")
        pdf.ln()
        pdf.set_x(20 + COLUMNS[0][1])
        pdf.set_font(FONT, "", 7.5)
        code = item.description.split(", ")[1] if ", " in item.description else ""
        pdf.cell(REASON_WIDTH, 4.5, f"{code} · Tarif: {item.reason}" if code else f"Tarif: {item.reason}", border="B")
        pdf.ln()
        pdf.set_font(FONT, "", 9)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(sum(width for _, width in COLUMNS[:-1]), 9, "Gesamtbetrag", align="R")
    pdf.cell(COLUMNS[-1][1], 9, bill.total_de, align="R", new_x=NL_X, new_y=NL_Y)
    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    top = pdf.get_y()
    pdf.multi_cell(120, 5, bill.payment_text, new_x=NL_X, new_y=NL_Y)
    if not bill.direct_debit and not bill.cancelled:
        qr = girocode.code(name=bill.issuer.name, iban=bill.issuer.iban, bic=bill.issuer.bic, amount=bill.total,
                           reference=bill.number)  # fmt: skip
        pdf.image(io.BytesIO(girocode.png(qr)), x=150, y=top, w=38, h=38, alt_text="GiroCode zum Bezahlen")
        pdf.set_y(max(pdf.get_y(), top + 40))
    pdf.ln(4)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 4.5, bill.issuer.note, new_x=NL_X, new_y=NL_Y)
    return bytes(pdf.output())
