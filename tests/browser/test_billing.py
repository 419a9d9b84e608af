"""From hours to a paid bill, in Chromium: a carer texts the hours, a coordinator confirms them, issues the
month's bills, opens the bill and its PDF and downloads the finance office's CSV."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
from playwright.sync_api import expect

from casework.enums import JobStatus
from core.models import StaffRole
from tests.browser.login import log_in
from tests.factories import T0, make_job, make_staff, make_volunteer
from tests.volunteers.builders import make_assignment, make_family_case

pytestmark = pytest.mark.browser


def test_a_carer_s_hours_become_a_bill_with_a_pdf_and_a_line_in_the_accounting_csv(page, live_server, db):
    coordinator = make_staff(db, name="Sabine Krüger", role=StaffRole.COORDINATOR, on_duty=True)
    case = make_family_case(db, caller_name="Familie Yılmaz", address="Lindenstraße 4, 30159 Hannover")
    started = T0 - timedelta(hours=28)  # Wednesday 25.11.2026, 09:00–13:00 in Hannover: over
    job = make_job(db, case, starts_at=started, ends_at=started + timedelta(hours=4), status=JobStatus.FILLED)
    aylin = make_volunteer(db, name="Aylin Demir", phone="+4917633334444")
    make_assignment(db, job, aylin)
    log_in(page, live_server, coordinator)

    page.goto(live_server + "/simulator?phone=%2B4917633334444#sms")
    page.get_by_label("Antwort als Aylin Demir").fill(f"STUNDEN {job.code} 3,5")
    page.get_by_role("button", name="SMS senden").click()
    expect(page.locator("#sim-thread")).to_contain_text("3,5 Stunden")

    page.goto(live_server + "/hours")
    expect(page.locator("main")).to_contain_text("1 Angabe wartet auf Bestätigung")
    page.get_by_role("button", name=f"3,5 Stunden von Aylin Demir bei Einsatz {job.code} bestätigen").click()
    expect(page.locator("main")).to_contain_text("Keine Stunden warten auf Bestätigung.")

    page.goto(live_server + "/bills?month=2026-11")
    expect(page.locator("#preview")).to_contain_text("Familie Yılmaz")
    page.get_by_role("button", name="1 Rechnung für November 2026 stellen").click()
    expect(page.locator("body")).to_contain_text("1 Rechnung für November 2026 gestellt")
    page.get_by_role("link", name="R-2026-00001").click()
    bill = page.locator("#bill")
    expect(bill).to_contain_text("Familie Yılmaz")
    expect(bill).to_contain_text("Aylin")
    expect(bill).not_to_contain_text("Demir")  # the carer's first name only
    expect(bill).to_contain_text("17,50")
    expect(page.locator(".girocode svg")).to_be_visible()
    page.emulate_media(media="print")  # on A4: the bill, without the frame, the buttons and the forms
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("#bill-actions")).to_be_hidden()
    expect(page.locator("#bill-lines")).to_be_visible()
    expect(page.locator(".girocode svg")).to_be_visible()
    page.emulate_media(media="screen")

    pdf = page.request.get(page.url.rstrip("/") + "/pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert "R-2026-00001" in text and "Familie Yılmaz" in text and "17,50" in text

    page.goto(live_server + "/bills?month=2026-11")
    with page.expect_download() as download:
        page.get_by_role("link", name="Buchhaltungsliste November 2026 (CSV)").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "R-2026-00001;" in content.decode("utf-8-sig") and ";17,50;" in content.decode("utf-8-sig")
