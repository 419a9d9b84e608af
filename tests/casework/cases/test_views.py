import pytest
from sqlalchemy import func, select

from casework.cases.models import Case, CaseNote, CaseStatusChange
from casework.enums import CaseStatus, Need
from core.models import AuditEvent, StaffRole
from tests.factories import (
    csrf_from,
    login,
    login_checks_and_transactions,
    make_call,
    make_case,
    make_job,
    make_staff,
)


def audit_actions(db, case_id):
    db.expire_all()
    return [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id))]


def test_the_case_page_shows_caller_timeline_and_is_audited_as_a_view(client, db):
    staff = make_staff(db)
    case = make_case(db, caller_name="Lena Müller", caller_phone="+495111234567", need=Need.CHILD_CARE)
    call = make_call(db, case, recording_sid="RE123")
    login(client, staff)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "Lena Müller" in page.text and "0511 1234567" in page.text
    assert f'<audio controls preload="none" src="/calls/{call.id}/voicemail"' in page.text
    assert "Status: Neu" in page.text
    event = db.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.view"))
    assert event.staff_id == staff.id and event.ip == "testclient"


def test_a_note_is_appended_with_author_and_audited(client, db):
    staff = make_staff(db, name="Jonas Becker")
    case = make_case(db)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": "Kind hat Fieber."})
    assert response.status_code == 303
    note = db.scalar(select(CaseNote).where(CaseNote.case_id == case.id))
    assert note.body == "Kind hat Fieber." and note.author_id == staff.id
    assert "case.note" in audit_actions(db, case.id)
    assert "Jonas Becker" in client.get(f"/cases/{case.id}").text


def test_an_empty_note_is_refused_in_german(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": "   "})
    assert response.status_code == 422 and "Die Notiz ist leer" in response.text


def test_a_transition_that_is_not_allowed_is_refused_by_the_server(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/status", data={"csrf_token": token, "to": "care_arranged"})
    assert response.status_code == 409
    assert "Ein Fall mit dem Status „Neu“ kann nicht auf „Betreuung organisiert“ gesetzt werden." in response.text
    db.expire_all()
    assert db.get(Case, case.id).status == CaseStatus.NEW


def test_allowed_transitions_are_buttons_and_closing_then_reopening_works(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert "Beratung beginnen" in page and "Betreuung organisiert“ setzen" not in page
    client.post(f"/cases/{case.id}/status", data={"csrf_token": token, "to": "closed_unreachable", "confirmed": "1"})
    db.expire_all()
    closed = db.get(Case, case.id)
    assert closed.status == CaseStatus.CLOSED_UNREACHABLE and closed.closed_at is not None
    assert "Fall wieder öffnen" in client.get(f"/cases/{case.id}").text
    client.post(f"/cases/{case.id}/status", data={"csrf_token": token, "to": "in_counselling"})
    db.expire_all()
    assert db.get(Case, case.id).status == CaseStatus.IN_COUNSELLING and db.get(Case, case.id).closed_at is None
    changes = db.scalars(select(CaseStatusChange.to_status).where(CaseStatusChange.case_id == case.id)).all()
    assert changes == [CaseStatus.NEW, CaseStatus.CLOSED_UNREACHABLE, CaseStatus.IN_COUNSELLING]


def test_taking_over_a_case_makes_me_its_counsellor(client, db):
    staff = make_staff(db, name="Mehmet Yılmaz")
    case = make_case(db)
    token = login(client, staff)
    client.post(f"/cases/{case.id}/assign", data={"csrf_token": token})
    db.expire_all()
    assert db.get(Case, case.id).counsellor_id == staff.id
    assert "case.assign" in audit_actions(db, case.id)


def test_a_walk_in_case_is_opened_by_hand_and_counselled_by_its_author(client, db):
    staff = make_staff(db)
    token = login(client, staff)
    bad = client.post("/cases/new", data={"csrf_token": token, "caller_name": "", "caller_phone": "12"})
    assert bad.status_code == 422 and "keine gültige Telefonnummer" in bad.text and 'value="12"' in bad.text
    response = client.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "caller_name": "Aylin Koch",
            "caller_phone": "0511 7654321",
            "need": "relative_care",
            "source": "email",
            "note": "Mail vom Sonntag",
        },
    )
    assert response.status_code == 303
    case = db.scalar(select(Case).where(Case.caller_name == "Aylin Koch"))
    assert case.channel == "manual" and case.status == CaseStatus.IN_COUNSELLING
    assert case.counsellor_id == staff.id and case.caller_phone == "+495117654321"
    assert "case.create" in audit_actions(db, case.id)
    assert "Fall von Hand angelegt (E-Mail)." in client.get(response.headers["location"]).text


def test_the_case_list_finds_a_case_by_national_phone_number_and_audits_what_it_showed(client, db):
    staff = make_staff(db)
    wanted = make_case(db, caller_phone="+4951116832999", caller_name="Greta Wolf")
    make_case(db, caller_phone="+4940123456", caller_name="Ben Braun")
    login(client, staff)
    page = client.get("/cases", params={"q": "0511 168-32"})
    assert wanted.number in page.text and "Ben Braun" not in page.text
    shown = db.scalar(select(AuditEvent).where(AuditEvent.action == "case.list"))
    assert shown.detail == {"shown": [wanted.id]}
    assert "Greta Wolf" in client.get("/cases", params={"q": "greta"}).text


def test_a_counsellor_may_not_read_the_audit_log_or_cancel_jobs(client, db):
    staff = make_staff(db, role=StaffRole.COUNSELLOR)
    case = make_case(db)
    token = login(client, staff)
    assert client.get(f"/admin/audit/cases/{case.id}").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    from tests.factories import make_job

    job = make_job(db, case)
    assert client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/jobs/{job.id}/edit").status_code == 403


def test_an_admin_reads_the_audit_log_per_case_and_per_staff_member(client, db):
    counsellor = make_staff(db, name="Jonas Becker")
    admin = make_staff(db, role=StaffRole.ADMIN)
    case = make_case(db)
    login(client, counsellor)
    client.get(f"/cases/{case.id}")
    login(client, admin)
    per_case = client.get(f"/admin/audit/cases/{case.id}")
    assert per_case.status_code == 200 and "Fall angesehen" in per_case.text and "Jonas Becker" in per_case.text
    per_staff = client.get(f"/admin/audit/staff/{counsellor.id}")
    assert case.number in per_staff.text
    found = client.get("/admin/audit", params={"case": case.number})
    assert found.headers["location"] == f"/admin/audit/cases/{case.id}"


def test_anonymous_visitors_get_no_case_data(client, db):
    case = make_case(db, caller_name="Lena Müller")
    response = client.get(f"/cases/{case.id}", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_missing_case_is_a_german_404(client, db):
    login(client, make_staff(db))
    response = client.get("/cases/999999", headers={"accept": "text/html"})
    assert response.status_code == 404 and "Diesen Fall gibt es nicht." in response.text


def test_the_edit_form_offers_the_csrf_token_of_this_browser(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    assert csrf_from(client.get(f"/cases/{case.id}/edit").text) == token


def _rows(db):
    db.expire_all()
    return [
        db.scalar(select(func.count()).select_from(model)) for model in (Case, CaseStatusChange, CaseNote, AuditEvent)
    ]


def test_a_refused_new_case_leaves_the_database_unchanged(client, db):
    # The service opens the case, moves it into counselling and audits that before the note is refused.
    token = login(client, make_staff(db))
    before = _rows(db)
    response = client.post("/cases/new", data={"csrf_token": token, "caller_name": "Aylin Koch", "note": "x" * 5001})
    assert response.status_code == 422 and "Die Notiz ist zu lang" in response.text
    assert _rows(db) == before
    assert db.scalar(select(Case).where(Case.caller_name == "Aylin Koch")) is None


@pytest.mark.parametrize("path", ["/cases/{id}", "/cases/{id}/jobs/live"])
def test_the_case_page_and_its_poll_check_the_login_once_in_one_transaction(client, db, engine, path):
    """Opened most after the dashboard (the poll every few seconds): the login check, the page and its audit are
    one unit of work (`web.staff_page`). Behind a router dependency the login was checked twice, in a thread hop
    and a transaction of its own (bench/notes.md)."""
    staff = make_staff(db)
    case = make_case(db)
    job = make_job(db, case)
    login(client, staff)
    address = path.format(id=case.id)
    page, login_checks, transactions = login_checks_and_transactions(engine, lambda: client.get(address))
    assert page.status_code == 200 and f"Einsatz {job.code}" in page.text
    assert (login_checks, transactions) == (1, 1)
    assert audit_actions(db, case.id)[-1] in ("case.view", "case.jobs_view")
