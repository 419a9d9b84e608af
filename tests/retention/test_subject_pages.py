"""The request page /admin/auskunft (issue 22, points 2 and 3): admins only; the search is posted, never in the
address; the page shows everything found and what stays after an erasure; showing it and each export are audited
without the search term; the erasure asks first, needs a reason, and is audited without the person's data."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
from sqlalchemy import select

from casework.cases.models import Case
from core.audit import Actor
from core.db import make_sessionmaker
from core.models import AuditEvent, StaffRole
from messaging.gateway import SimulatedRecordings
from retention.erasure import service as erasure
from retention.subject import rules
from tests.factories import T0, csrf_from, login, make_staff
from tests.retention.test_subject import PHONE, person_with_everything
from volunteers.assignments.models import Assignment


def _admin(client, db) -> str:
    return login(client, make_staff(db, role=StaffRole.ADMIN))


def _events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_only_admins_reach_the_page_and_it_is_in_the_verwaltung_group(client, db):
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert client.get("/admin/auskunft").status_code == 403
    client.cookies.clear()
    _admin(client, db)
    page = client.get("/admin/auskunft")
    assert page.status_code == 200
    assert 'href="/admin/auskunft"' in page.text and "Auskunft und Löschung" in page.text
    assert 'method="post" action="/admin/auskunft"' in page.text and "Höchstens 160 Zeichen" in page.text


def test_a_search_shows_everything_found_and_is_audited_without_the_search_term(client, db, engine):
    case, _volunteer, _report = person_with_everything(db, engine)
    token = _admin(client, db)
    page = client.post("/admin/auskunft", data={"csrf_token": token, "query": "0151 / 1234 5678"})
    assert page.status_code == 200, page.text
    for expected in ("Gefunden zu Telefonnummer 0151 12345678", "Ayşe Yılmaz", "Lindenstraße 4", case.number,
                     "Mutter im Krankenhaus", "Hallo, hier Ayşe", "DE89370400440532013000", "Als PDF herunterladen",
                     "Als JSON herunterladen", "aufzubewahren bis 31.12.2034", "§ 147 Abs. 1 Nr. 4"):  # fmt: skip
        assert expected in page.text, expected
    (event,) = _events(db, "subject.view")
    assert event.detail["kind"] == "phone" and event.detail["cases"] == [case.id]
    assert PHONE not in json.dumps(event.detail) and "12345678" not in json.dumps(event.detail)


def test_a_search_that_cannot_be_understood_keeps_the_input_and_says_why(client, db):
    token = _admin(client, db)
    page = client.post("/admin/auskunft", data={"csrf_token": token, "query": "0151"})
    assert page.status_code == 422
    assert "„0151“ ist keine gültige Telefonnummer." in page.text and 'value="0151"' in page.text
    assert 'aria-invalid="true"' in page.text and _events(db, "subject.view") == []


def test_the_exports_are_posted_readable_and_audited(client, db, engine):
    person_with_everything(db, engine)
    token = _admin(client, db)
    as_pdf = client.post("/admin/auskunft/export.pdf", data={"csrf_token": token, "query": PHONE})
    assert as_pdf.status_code == 200 and as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.headers["content-disposition"].startswith('attachment; filename="auskunft-')
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(as_pdf.content)).pages)
    assert "Ayşe Yılmaz" in text and "Fälle (als anrufende Person)" in text
    as_json = client.post("/admin/auskunft/export.json", data={"csrf_token": token, "query": PHONE})
    data = as_json.json()
    assert data["cases"][0]["caller_name"] == "Ayşe Yılmaz" and data["query"]["kind"] == "phone"
    assert len(_events(db, "subject.export_pdf")) == 1 and len(_events(db, "subject.export_json")) == 1
    assert client.get("/admin/auskunft/export.json").status_code == 405  # never by address


def test_the_erasure_needs_a_reason_asks_first_then_erases_and_audits_without_personal_data(client, db, engine):
    case, _volunteer, _report = person_with_everything(db, engine)
    token = _admin(client, db)
    no_reason = client.post("/admin/auskunft/loeschen", data={"csrf_token": token, "query": PHONE})
    assert no_reason.status_code == 422 and "Bitte einen Grund für die Löschung wählen." in no_reason.text
    ask = client.post("/admin/auskunft/loeschen", data={"csrf_token": token, "query": PHONE, "reason": "request"})
    assert ask.status_code == 200 and "Endgültig löschen" in ask.text
    assert "Bleibt: Rechnung" in ask.text and 'name="confirmed" value="1"' in ask.text
    db.expire_all()
    assert db.get_one(Case, case.id).caller_name == "Ayşe Yılmaz"  # asked, nothing erased yet

    done = client.post("/admin/auskunft/loeschen", data={"csrf_token": csrf_from(ask.text), "query": PHONE,
                                                         "reason": "request", "confirmed": "1"})  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/admin/auskunft"
    assert "1 Rechnung(en) bleiben bis zum Ende der Aufbewahrungsfrist" in client.get("/admin/auskunft").text
    db.expire_all()
    assert db.get_one(Case, case.id).caller_name is None
    (event,) = _events(db, "subject.erase")
    assert event.detail["reason"] == "request" and event.detail["cases"] == 1
    assert "Yılmaz" not in json.dumps(event.detail, ensure_ascii=False) and PHONE not in json.dumps(event.detail)


def test_the_staff_pages_still_show_an_anonymised_volunteer_and_their_job(client, db, engine):
    _case, volunteer, report = person_with_everything(db, engine)
    db.get_one(Assignment, report.assignment_id).status = "completed"
    db.commit()
    actor = Actor(staff_id=None, ip=None, now=T0 + timedelta(days=40))
    erasure.erase(make_sessionmaker(engine), SimulatedRecordings(), query=rules.parse("Petra Schulz"),
                  reason="request", actor=actor, today=T0.date())  # fmt: skip
    _admin(client, db)
    for address in (f"/volunteers/{volunteer.id}", "/volunteers?status=inactive", "/volunteers",
                    f"/jobs/{db.get_one(Assignment, report.assignment_id).job_id}/hours"):  # fmt: skip
        page = client.get(address)
        assert page.status_code == 200, (address, page.text[:300])
        assert "Petra Schulz" not in page.text and "+4917699887766" not in page.text
