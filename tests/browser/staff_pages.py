"""Every staff page the app serves by GET, filled with demo-like data, for the browser tests that visit them all.

The list is checked against the app's routes (`staff_page_routes`): a GET route added later without an entry
here, or in NOT_PAGES, fails `test_every_staff_page_is_listed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.bills.service import Terms, issue_case
from billing.models import SepaMandate
from casework.enums import CallStatus, CaseStatus, HoursStatus, Need
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from core import audit
from core.models import StaffRole
from fluxx import demo
from messaging.models import Message, MessageDirection, MessageStatus
from tests.browser.login import submit_login
from tests.factories import T0, make_call, make_case, make_job, make_staff, make_volunteer
from volunteers.assignments.models import Assignment, AssignmentSource, HoursReport

# GET routes that are not pages a person reads: health check, live fragments, audio, a CSV download, the icon.
NOT_PAGES = {
    "/healthz",
    "/dashboard/live",
    "/cases/{case_id}/jobs/live",
    "/jobs/{job_id}/live",  # the job page's live part
    "/calls/{call_id}/voicemail",
    "/volunteers/export.csv",
    "/volunteers/import/template.csv",  # downloads: the blank list to fill in
    "/volunteers/import/template.xlsx",
    "/bills/{bill_id}/pdf",
    "/bills/export.csv",
    "/bills/sepa.xml",
    "/statistics/chart.svg",  # an image; the page shows its figures as a table
    "/statistics/export.csv",
    "/statistics/report.pdf",
    "/favicon.ico",
    "/session",  # JSON for the idle warning
    "/login/code",  # needs a pending login (else it leads to /login); axe and 390 px in test_login.py
    "/login/neues-passwort",  # needs the link from an SMS; axe and 390 px in test_staff_admin.py
}

# The ids StaffWorld.pages() fills in.
IDS = ("case", "job", "volunteer", "staff", "volunteer_phone", "bill", "partner", "municipality")
LONG_NAME = "Aylin-Marie Demir-Hoffmann-Schultze von Lüdenscheid"
LONG_ADDRESS = "Hildesheimer Straße 123a, Hinterhaus, 3. Obergeschoss links, bei Familie Schleswig-Holsteiner"


def staff_page_routes(app: Any) -> set[str]:
    """The path of every GET route outside /twilio and /static."""
    found: set[str] = set()
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            methods = getattr(context, "methods", None) or set()
            if "GET" in methods and not context.path.startswith("/twilio/"):
                found.add(context.path)
    return found


@dataclass
class StaffWorld:
    """The demo data plus the long and many things that stretch a page, and the admin who looks at them."""

    email: str
    ids: dict[str, Any]

    def pages(self) -> dict[str, str]:
        """Route path → the address visited for it."""
        ids = self.ids
        return {
            "/login": "/login",
            "/": "/",
            "/cases": "/cases",
            "/cases/new": "/cases/new",
            "/cases/{case_id}": f"/cases/{ids['case']}",
            "/cases/{case_id}/edit": f"/cases/{ids['case']}/edit",
            "/cases/{case_id}/merge": f"/cases/{ids['case']}/merge",
            "/cases/{case_id}/mandate": f"/cases/{ids['case']}/mandate",
            "/cases/{case_id}/jobs/new": f"/cases/{ids['case']}/jobs/new",
            "/jobs/{job_id}": f"/jobs/{ids['job']}",
            "/jobs/{job_id}/edit": f"/jobs/{ids['job']}/edit",
            "/jobs/{job_id}/hours": f"/jobs/{ids['job']}/hours",
            "/hours": "/hours",
            "/bills": "/bills",
            "/bills/{bill_id}": f"/bills/{ids['bill']}",
            "/statistics": "/statistics",
            "/volunteers": "/volunteers",
            "/volunteers/new": "/volunteers/new",
            "/volunteers/import": "/volunteers/import",
            "/volunteers/{volunteer_id}": f"/volunteers/{ids['volunteer']}",
            "/volunteers/{volunteer_id}/edit": f"/volunteers/{ids['volunteer']}/edit",
            "/messages": "/messages",
            "/simulator": f"/simulator?phone={ids['volunteer_phone']}",
            "/simulator/call": "/simulator/call",
            "/admin/staff": "/admin/staff",
            "/admin/staff/{staff_id}": f"/admin/staff/{ids['staff']}",
            "/konto/passwort": "/konto/passwort",
            "/login/passwort-vergessen": "/login/passwort-vergessen",
            "/admin/partners": "/admin/partners",
            "/admin/partners/{partner_id}": f"/admin/partners/{ids['partner']}",
            "/admin/partners/municipalities/{municipality_id}": f"/admin/partners/municipalities/{ids['municipality']}",
            "/admin/tariff": "/admin/tariff",
            "/admin/audit": "/admin/audit",
            "/admin/audit/cases/{case_id}": f"/admin/audit/cases/{ids['case']}",
            "/admin/audit/staff/{staff_id}": f"/admin/audit/staff/{ids['staff']}",
            "/admin/auskunft": "/admin/auskunft",
        }


def build_world(db: Session, now: Any) -> StaffWorld:
    """Demo data, then a family with a long name and address, six jobs, a voicemail and a call-back."""
    demo.load(db, now=now)
    db.commit()
    admin = make_staff(db, role=StaffRole.ADMIN, on_duty=True, name="Friederike Müller-Lüdenscheidt")
    case = make_case(
        db, caller_name=LONG_NAME, caller_phone="+4915123456789", address=LONG_ADDRESS, need=Need.CHILD_CARE,
        district="Vahrenwald-List", callback_needed=True, status=CaseStatus.IN_COUNSELLING,
        opened_at=now - timedelta(hours=1),
    )  # fmt: skip
    make_call(db, case, recording_sid="RE" + "1" * 32, recording_duration_seconds=42, started_at=now)
    make_call(db, case, status=CallStatus.RINGING, started_at=now, ended_at=None)
    hannover = db.scalar(select(Municipality.id).where(Municipality.name == "Hannover"))
    job = None
    for n in range(6):
        job = make_job(db, case, starts_at=T0 + timedelta(days=1 + n), ends_at=T0 + timedelta(days=1 + n, hours=4),
                       municipality_id=hannover, district="Vahrenwald-List", carers_needed=2)  # fmt: skip
    volunteer = make_volunteer(db, name=LONG_NAME, phone="+4917611122233")
    assert job is not None
    assignment = Assignment(job_id=job.id, volunteer_id=volunteer.id, assigned_at=T0, source=AssignmentSource.STAFF)
    db.add(assignment)
    db.flush()
    # The first job's hours, confirmed and billed: the bill pages have a bill with a long name to show.
    first = db.scalar(select(CareJob).where(CareJob.case_id == case.id).order_by(CareJob.starts_at).limit(1))
    worked = Assignment(job_id=first.id, volunteer_id=volunteer.id, assigned_at=T0, source=AssignmentSource.STAFF)
    db.add(worked)
    db.flush()
    db.add(HoursReport(assignment_id=worked.id, hours=Decimal("3.75"), source="sms", status=HoursStatus.CONFIRMED,
                       reported_at=T0, confirmed_at=T0))  # fmt: skip
    db.add(SepaMandate(case_id=case.id, holder=LONG_NAME[:70], iban="DE89370400440532013000", reference="FLUXX-000001",
                       signed_on=date(2026, 11, 2), created_at=T0))  # fmt: skip
    db.flush()
    bill = issue_case(db, case_id=case.id, month=date(first.starts_at.year, first.starts_at.month, 1),
                      terms=Terms(zone=ZoneInfo("Europe/Berlin"), payment_days=14),
                      actor=audit.Actor(staff_id=None, ip=None, now=now))  # fmt: skip
    assert bill is not None
    db.add(Message(direction=MessageDirection.INBOUND, from_number=volunteer.phone, to_number="+4951116832110",
                   body="JA " + "Ich kann gerne übernehmen, melde mich vorher telefonisch. " * 4,
                   status=MessageStatus.RECEIVED, attempts=0, created_at=now, updated_at=now))  # fmt: skip
    db.commit()
    partner = Partner(name="Stadtwerke Hannover AG", active_from=date(2016, 3, 1), employees=2_750)
    db.add(partner)
    db.commit()
    ids = {"case": case.id, "job": job.id, "volunteer": volunteer.id, "staff": admin.id, "bill": bill.id,
           "partner": partner.id, "municipality": hannover}  # fmt: skip
    return StaffWorld(email=admin.email, ids=ids | {"volunteer_phone": volunteer.phone})


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    submit_login(page, email)
    page.wait_for_url(base + "/")


def findings_on_every_page(browser: Any, base: str, world: StaffWorld, viewport: dict[str, int], look: Any) -> dict:
    """Log in at `viewport` and call `look(page)` on every staff page; what it found, by path (empty: nothing)."""
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    log_in(page, base, world.email)
    found = {}
    for route, path in world.pages().items():
        if route != "/login":
            page.goto(base + path)
            if result := look(page):
                found[path] = result
    context.close()
    return found
