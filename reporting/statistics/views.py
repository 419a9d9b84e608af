"""The statistics page (`/statistics`) for coordinators and admins: any period, totals with the year before,
breakdowns, calls by hour and weekday, the network on a day, a chart by month (an SVG image from our origin) and
every table as CSV. Aggregates only, but the view is audited like every page that shows the service's data."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from core import audit, web
from core.formats import ascii_int
from core.models import StaffRole
from core.spreadsheet import csv_bytes
from core.web import DB, CurrentStaff, actor
from reporting.statistics import annual, chart, months, rules, service, texts
from reporting.statistics.rules import PRESETS, Span
from reporting.statistics.service import By, Scope

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
From = Annotated[str, Query(alias="from")]
To = Annotated[str, Query(alias="to")]
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # an image: its own styles, nothing else


def _today(request: Request) -> date:
    return web.now(request).astimezone(web.zone(request)).date()


def _scope(request: Request, start: str, end: str, preset: str) -> tuple[Scope, dict[str, str]]:
    span, errors = rules.parse_span(start, end, preset, _today(request))
    return Scope(span, web.zone(request), web.now(request)), errors


def _query(span: Span, day: date) -> str:
    return f"from={span.first.isoformat()}&to={span.last.isoformat()}&day={day.isoformat()}"


def _day(request: Request, raw: str) -> tuple[date, str | None]:
    """The coverage's day ("Stichtag") as typed, today when empty; a wrong one gives today and the message."""
    on = rules.parse_day(raw) if raw.strip() else _today(request)
    if on is None:
        return _today(request), "„Stichtag“ ist kein Datum (z. B. 31.12.2026)."
    return on, None


@router.get("/statistics")
def statistics_page(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    preset: str = "",
    day: str = "",
    start: From = "",
    end: To = "",
) -> Response:
    scope, errors = _scope(request, start, end, preset)
    on, problem = _day(request, day)
    if problem:
        errors["day"] = problem
    found = months.report(db, scope, day=on)
    audit.viewed(
        db,
        actor(request, staff),
        action="statistics.view",
        object_type="statistics",
        detail={"from": scope.span.first.isoformat(), "to": scope.span.last.isoformat(), "day": on.isoformat()},
    )
    tables = service.tables(found)
    return web.render(
        request,
        "reporting/statistics.html",
        status_code=422 if errors else 200,
        errors=errors,
        span=scope.span,
        day=on,
        presets=PRESETS,
        preset=preset,
        query=_query(scope.span, on),
        totals=service.total_lines(found.totals),
        year_before=service.total_lines(found.year_before),
        tables={table.name: table for table in tables},
        definitions=(*texts.DEFINITIONS, *texts.MORE),
        coverage=found.coverage,
        raw={"from": start, "to": end, "day": day},
        report_years=range(today_year := _today(request).year, rules.FIRST_DAY.year - 1, -1),
        report_year=scope.span.first.year if scope.span.first.year <= today_year else today_year,
    )


@router.get("/statistics/chart.svg")
def chart_svg(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    start: From = "",
    end: To = "",
) -> Response:
    scope, _ = _scope(request, start, end, "")
    rows = service.breakdown(db, scope, By.MONTH)
    svg = chart.by_month(
        [row.label for row in rows],
        {
            "Krisenberatungen": [row.counselling_sessions for row in rows],
            "Notfälle": [row.emergencies for row in rows],
            "Fahrdienste": [row.driving_services for row in rows],
        },
        title="Krisenberatungen, Notfälle und Fahrdienste nach Monat",
    )
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})


@router.get("/statistics/export.csv")
def export_csv(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    table: str = "totals",
    day: str = "",
    start: From = "",
    end: To = "",
) -> Response:
    scope, errors = _scope(request, start, end, "")
    on, problem = _day(request, day)
    if errors or problem:
        message = next(iter(errors.values()), problem)
        return Response(message, status_code=422, media_type="text/plain; charset=utf-8")
    found = {t.name: t for t in service.tables(months.report(db, scope, day=on))}
    if table not in found:
        return Response("Diese Tabelle gibt es nicht.", status_code=404, media_type="text/plain; charset=utf-8")
    chosen = found[table]
    audit.viewed(
        db,
        actor(request, staff),
        action="statistics.export",
        object_type="statistics",
        detail={"table": table, "from": scope.span.first.isoformat(), "to": scope.span.last.isoformat()},
    )
    name = f"statistik-{table}-{scope.span.first.isoformat()}-{scope.span.last.isoformat()}.csv"
    return Response(
        csv_bytes([chosen.header, *chosen.rows]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/statistics/report.pdf")
def report_pdf(request: Request, db: DB, staff: CurrentStaff, year: str = "") -> Response:
    """The annual report (PDF) of a year since 2015, by default of the current year."""
    today = _today(request)
    chosen = ascii_int(year) if year.strip() else today.year
    if chosen is None or not rules.FIRST_DAY.year <= chosen <= today.year:
        message = f"Bitte ein Jahr von {rules.FIRST_DAY.year} bis {today.year} angeben."
        return Response(message, status_code=422, media_type="text/plain; charset=utf-8")
    document = annual.render(db, year=chosen, zone=web.zone(request), now=web.now(request))
    audit.viewed(db, actor(request, staff), action="statistics.report", object_type="statistics",
                 detail={"year": chosen})  # fmt: skip
    return Response(
        document, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="jahresbericht-{chosen}.pdf"'},
    )  # fmt: skip
