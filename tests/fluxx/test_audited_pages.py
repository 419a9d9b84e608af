"""Every staff page that shows personal data writes an audit entry (who saw whose data, when, from where).

The pages are enumerated from the app's routes, as the 390 px test does (tests/browser/staff_pages.py): a GET
route added later is either listed there (and then audited here) or exempted below with its reason, or this
test fails.
"""

from __future__ import annotations

from sqlalchemy import func, select

from casework.calls.models import Call
from core import audit
from core.models import AuditEvent, Staff
from tests.browser.staff_pages import NOT_PAGES, build_world, staff_page_routes
from tests.factories import login, login_checks_and_transactions

# GET routes that show no one's personal data, so they write no audit entry; each with its reason.
NO_PERSONAL_DATA = {
    "/login": "the login form",
    "/login/code": "the form for the login code sent by SMS (before login: nobody to audit, nobody's data)",
    "/login/passwort-vergessen": "the form asking for an e-mail address (answered the same for every address)",
    "/login/neues-passwort": "the form for a new password behind the link from the SMS: no one's data shown",
    "/konto/passwort": "the form to change one's own password: no one's data shown",
    "/healthz": "the health check: up or not",
    "/favicon.ico": "the icon",
    "/session": "JSON for the idle warning: when the own session ends",
    "/cases/new": "an empty form for a new case",
    "/volunteers/new": "an empty form for a new volunteer",
    "/volunteers/import": "the upload form and the file format; the preview after the upload is audited",
    "/volunteers/import/template.csv": "the blank list to fill in: a header row, nobody's data",
    "/volunteers/import/template.xlsx": "the blank list to fill in: a header row, nobody's data",
    "/admin/partners": "partner companies and municipalities: organisations, not persons",
    "/admin/partners/{partner_id}": "a partner company's form: an organisation, not a person",
    "/admin/partners/municipalities/{municipality_id}": "a municipality's form: an organisation, not a person",
    "/admin/tariff": "the rates per hour: no person's data",
    "/statistics/chart.svg": "the chart of monthly counts (the page showing it, /statistics, is audited)",
    "/admin/audit": "the list of colleagues whose log an admin may read (names only, as the dashboard's duty list"
    " shows them); reading a log is audited (/admin/audit/cases/…, /admin/audit/staff/…)",
    "/admin/auskunft": "the empty search form of access and erasure requests; what a search finds is shown after"
    " the POST, and that is audited (tests/retention/test_subject_pages.py)",
}

# GET routes that are no pages (NOT_PAGES) but show personal data: the polled live parts, audio, the CSV export.
POLLED = {"/dashboard/live", "/cases/{case_id}/jobs/live", "/jobs/{job_id}/live"}


def _addresses(world, db) -> dict[str, str]:
    """Route path → the address requested for it: the pages of the 390 px test and the non-pages with data."""
    call_id = db.scalar(select(Call.id).where(Call.recording_sid.is_not(None)))
    case = world.ids["case"]
    return world.pages() | {
        "/dashboard/live": "/dashboard/live",
        "/cases/{case_id}/jobs/live": f"/cases/{case}/jobs/live",
        "/jobs/{job_id}/live": f"/jobs/{world.ids['job']}/live",
        "/calls/{call_id}/voicemail": f"/calls/{call_id}/voicemail",
        "/volunteers/export.csv": "/volunteers/export.csv",
        "/bills/{bill_id}/pdf": f"/bills/{world.ids['bill']}/pdf",
        "/bills/export.csv": "/bills/export.csv",
        "/bills/sepa.xml": "/bills/sepa.xml?month=2026-11",
        "/statistics/export.csv": "/statistics/export.csv",
        "/statistics/report.pdf": "/statistics/report.pdf?year=2026",
    }


def _entries(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_every_get_route_is_audited_or_exempted_with_a_reason(app, db, clock):
    world = build_world(db, clock())
    routes = staff_page_routes(app)
    audited = set(_addresses(world, db)) - NO_PERSONAL_DATA.keys()
    unclassified = routes - audited - NO_PERSONAL_DATA.keys()
    assert unclassified == set(), "give the new route an address here (it will be audited) or a reason to be exempt"
    assert NO_PERSONAL_DATA.keys() <= routes, "an exempted route is gone: remove it from NO_PERSONAL_DATA"
    assert (NOT_PAGES - NO_PERSONAL_DATA.keys()) <= audited


def test_every_page_with_personal_data_writes_an_audit_entry_naming_who_looked(app, client, db, clock):
    world = build_world(db, clock())
    admin = db.scalar(select(Staff).where(Staff.email == world.email))
    assert admin is not None
    login(client, admin)
    not_written = {}
    for route, address in _addresses(world, db).items():
        if route in NO_PERSONAL_DATA:
            continue
        if route in POLLED:
            # A live part reloads every 3 s and writes again only when it shows something else, or after
            # audit.POLL_REPEAT (see test_view_audit.py); the dashboard page itself has just been written.
            clock.advance(seconds=audit.POLL_REPEAT.total_seconds() + 1)
        before = _entries(db)
        response = client.get(address, headers={"X-Fluxx-Background": "1"} if route in POLLED else {})
        assert response.status_code == 200, (address, response.status_code)
        newest = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        if _entries(db) == before or newest.staff_id != admin.id:
            not_written[route] = address
    assert not_written == {}


def test_every_polled_part_checks_the_login_once_in_one_transaction(app, client, db, clock, engine):
    """The live parts are asked for every few seconds by every open page, also in the busiest hour: each is one
    unit of work (`core.web.staff_page`: the login, the role, the part and its audit in one transaction). Behind a
    router's `require_role` the login was checked once more, in a thread hop and a transaction of its own."""
    world = build_world(db, clock())
    admin = db.scalar(select(Staff).where(Staff.email == world.email))
    assert admin is not None
    login(client, admin)
    addresses = _addresses(world, db)
    for route in sorted(POLLED):
        response, login_checks, transactions = login_checks_and_transactions(
            engine, lambda route=route: client.get(addresses[route], headers={"X-Fluxx-Background": "1"})
        )
        assert response.status_code == 200, route
        assert (login_checks, transactions) == (1, 1), route
