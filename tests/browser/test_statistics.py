"""The statistics page in Chromium: a coordinator changes the period, sees the chart and its table, downloads a
table as CSV and the annual report as PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.models import StaffRole
from tests.browser.login import log_in
from tests.factories import make_staff
from tests.reporting import dataset

pytestmark = pytest.mark.browser


def test_a_coordinator_changes_the_period_sees_the_chart_and_downloads_a_csv_and_the_annual_report(
    page, live_server, db, tmp_path: Path
):
    dataset.build(db)
    coordinator = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR)
    log_in(page, live_server, coordinator)
    page.goto(live_server + "/statistics")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik")
    expect(page.locator("#totals")).to_contain_text("Kennzahlen 01.01.2026–31.12.2026")
    totals = page.locator("#table-totals")
    expect(totals.get_by_role("row", name="Krisenberatungen")).to_contain_text("7")

    page.get_by_label("Von").fill("2026-01-01")
    page.get_by_label("Bis", exact=True).fill("2026-06-30")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(live_server + "/statistics?from=2026-01-01&to=2026-06-30&day=2026-11-26")
    expect(page.locator("#totals")).to_contain_text("Kennzahlen 01.01.2026–30.06.2026")
    expect(totals.get_by_role("row", name="Krisenberatungen")).to_contain_text("5")

    chart = page.locator("#chart")
    expect(chart).to_be_visible()
    # The SVG loaded from our origin and drew (an image that failed has no natural width). Polled here: the page's
    # CSP forbids the eval that wait_for_function would use.
    for _ in range(100):
        if page.evaluate("document.getElementById('chart').naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.getElementById('chart').naturalWidth") > 0
    months = page.locator("#table-month")
    expect(months).to_contain_text("Die Zahlen des Diagramms nach Monat")
    expect(months.get_by_role("row", name="April 2026")).to_contain_text("1")
    expect(months.locator("tbody tr")).to_have_count(6)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Nach Monat als CSV").click()
    download = waiting.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename == "statistik-month-2026-01-01-2026-06-30.csv"
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "April 2026;1;0;0;1;0,0 %" in content.decode("utf-8-sig")

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Jahresbericht als PDF").click()
    report = waiting.value
    assert report.suggested_filename == "jahresbericht-2026.pdf"
    assert Path(report.path()).read_bytes().startswith(b"%PDF")
