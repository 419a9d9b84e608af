"""The access report as a PDF (A4, fpdf2, Noto Sans embedded, so umlauts print): what was found about the person,
section by section, in German, as the page shows it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.bills.pdf import FONT, FONTS
from core.formats import date_de, datetime_de
from retention.subject import texts
from retention.subject.texts import Shown

NL_X, NL_Y = XPos.LMARGIN, YPos.NEXT
TABLE_COLUMNS = 5  # a section this narrow is a table; wider ones list each row as a block of "label: value"


class _Report(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "NotoSans-Regular.woff"))
        self.add_font(FONT, "B", str(FONTS / "NotoSans-Bold.woff"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(texts.PDF_TITLE)
        self.set_creator("Fluxxfon")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, texts.PDF_TITLE, align="L")
        self.cell(0, 5, f"Seite {self.page_no()}/{{nb}}", align="R")

    def section(self, section: Shown) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, f"{section.title} ({len(section.rows)})", new_x=NL_X, new_y=NL_Y)
        self.set_font(FONT, "", 9)
        if not section.rows:
            self.cell(0, 5, texts.NOTHING, new_x=NL_X, new_y=NL_Y)
            return
        if len(section.columns) <= TABLE_COLUMNS:
            with self.table(first_row_as_headings=True, line_height=4.5) as grid:
                header = grid.row()
                for label in section.columns:
                    header.cell(label)
                for values in section.rows:
                    row = grid.row()
                    for value in values:
                        row.cell(value)
            return
        for values in section.rows:
            for label, value in zip(section.columns, values, strict=True):
                self.multi_cell(0, 4.5, f"{label}: {value}", new_x=NL_X, new_y=NL_Y)
            self.ln(2)


def render(
    sections: list[Shown], *, searched: str, kept_bills: list[tuple[str, date]], zone: ZoneInfo, generated_at: datetime
) -> bytes:
    """The whole access report; every section is listed, an empty one says so."""
    pdf = _Report()
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, texts.PDF_TITLE, new_x=NL_X, new_y=NL_Y)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, f"Gesucht nach: {searched}", new_x=NL_X, new_y=NL_Y)
    pdf.multi_cell(0, 5, f"Erstellt am {datetime_de(generated_at, zone)}.", new_x=NL_X, new_y=NL_Y)
    for section in sections:
        pdf.section(section)
    if kept_bills:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, "Aufbewahrungspflicht", new_x=NL_X, new_y=NL_Y)
        pdf.set_font(FONT, "", 9)
        for number, until in kept_bills:
            pdf.multi_cell(0, 4.5, f"Rechnung {number}: aufzubewahren bis {date_de(until)}", new_x=NL_X, new_y=NL_Y)
        pdf.multi_cell(0, 4.5, texts.BILLS_STAY, new_x=NL_X, new_y=NL_Y)
    return bytes(pdf.output())
