"""The annual report as a PDF (A4, fpdf2, fonts embedded): the year's figures beside the year before, the chart by
month, the breakdowns, the network at the end of the year, and the definitions in their own words.

A coordinator hands it to the city; `/statistics/report.pdf?year=2022` and `fluxx stats report --year 2022` make it.
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, tzinfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from billing.bills.pdf import FONT, FONTS
from core.formats import date_de, number_de
from reporting.statistics import chart, service
from reporting.statistics.months import report
from reporting.statistics.rules import Span
from reporting.statistics.service import Scope, Table
from reporting.statistics.texts import DEFINITIONS, MORE

NL_X, NL_Y = XPos.LMARGIN, YPos.NEXT
TITLE = "Fluxx-Notfallbetreuung"


class _Report(FPDF):
    def __init__(self, year: int) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "NotoSans-Regular.woff"))
        self.add_font(FONT, "B", str(FONTS / "NotoSans-Bold.woff"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(f"Jahresbericht {year}")
        self.set_author(TITLE)
        self.set_creator("Fluxxfon")
        self.year = year

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{TITLE} · Jahresbericht {self.year}", align="L")
        self.cell(0, 5, f"Seite {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 13)
        self.cell(0, 8, text, new_x=NL_X, new_y=NL_Y)
        self.set_font(FONT, "", 9)

    def table_of(self, table: Table) -> None:
        if not table.rows:
            self.cell(0, 6, "Keine Einträge in diesem Jahr.", new_x=NL_X, new_y=NL_Y)
            return
        first = 60 if len(table.header) > 3 else 90
        rest = (self.epw - first) / (len(table.header) - 1)
        widths = (first, *([rest] * (len(table.header) - 1)))
        self.set_font(FONT, "", 8 if len(table.header) > 3 else 9)
        with self.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * (len(table.header) - 1))),
                        first_row_as_headings=True, line_height=5) as grid:  # fmt: skip
            for line in [table.header, *table.rows]:
                row = grid.row()
                for cell in line:
                    row.cell(cell)
        self.set_font(FONT, "", 9)


def render(db: Session, *, year: int, zone: tzinfo, now: datetime) -> bytes:
    """The year's report; a year still running is counted up to today, its network on today's date."""
    span = Span(date(year, 1, 1), date(year, 12, 31))
    today = now.astimezone(zone).date()
    day = min(span.last, today)
    found = report(db, Scope(span, zone, now), day=day)
    tables = {table.name: table for table in service.tables(found)}
    pdf = _Report(year)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, f"{TITLE}: Jahresbericht {year}", new_x=NL_X, new_y=NL_Y)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, f"Zeitraum {date_de(span.first)} bis {date_de(span.last)}, daneben der gleiche Zeitraum "
                         f"des Vorjahres. Erstellt am {date_de(today)}.", new_x=NL_X, new_y=NL_Y)  # fmt: skip
    pdf.heading("Kennzahlen")
    pdf.table_of(tables["totals"])
    pdf.heading("Was gezählt wird")
    for definition in (*DEFINITIONS, *MORE):
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 4.5, definition.label, new_x=NL_X, new_y=NL_Y)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, definition.text, new_x=NL_X, new_y=NL_Y)
        pdf.ln(1)

    pdf.add_page()
    pdf.heading("Nach Monat")
    months = found.breakdowns[service.By.MONTH]
    svg = chart.by_month(
        [row.label for row in months],
        {"Krisenberatungen": [row.counselling_sessions for row in months],
         "Notfälle": [row.emergencies for row in months],
         "Fahrdienste": [row.driving_services for row in months]},
        title=f"Krisenberatungen, Notfälle und Fahrdienste {year}",
    )  # fmt: skip
    quiet = logging.getLogger("fpdf.svg")
    level, quiet.level = quiet.level, logging.ERROR  # fpdf2 names every SVG tag it skips (pygal's <desc>)
    try:
        pdf.image(io.BytesIO(chart.for_print(svg)), w=pdf.epw)
    finally:
        quiet.setLevel(level)
    pdf.ln(2)
    pdf.table_of(tables["month"])

    pdf.add_page()
    for name in ("need", "municipality", "partner_company", "partner_municipality"):
        pdf.heading(tables[name].title)
        pdf.table_of(tables[name])

    pdf.add_page()
    cover = found.coverage
    pdf.heading(f"Netzwerk am {date_de(cover.day)}")
    lines = (
        f"{number_de(len(cover.companies))} Partnerbetriebe mit "
        f"{number_de(cover.total(cover.companies))} Beschäftigten",
        f"{number_de(len(cover.municipalities))} Partnerkommunen der Region mit "
        f"{number_de(cover.total(cover.municipalities))} Einwohner/innen",
        f"Landeshauptstadt: {number_de(cover.total(cover.city))} Einwohner/innen",
    )
    for line in lines:
        pdf.cell(0, 5, line, new_x=NL_X, new_y=NL_Y)
    pdf.ln(2)
    pdf.table_of(tables["coverage"])
    return bytes(pdf.output())
