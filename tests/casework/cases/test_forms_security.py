import pytest
from sqlalchemy import func, select

from casework.cases.models import Case, CaseNote
from casework.enums import CaseStatus, Need
from core.models import AuditEvent, StaffRole
from tests.factories import login, make_call, make_case, make_job, make_staff


@pytest.fixture
def world(db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = make_case(db, need=Need.CHILD_CARE, callback_needed=True, caller_phone="+495111234567")
    call = make_call(db, case)
    job = make_job(db, case)
    return {"staff": coordinator, "case": case, "call": call, "job": job}


FORMS = [
    ("/cases/new", {"caller_name": "X"}),
    ("/cases/{case}/edit", {"caller_name": "X"}),
    ("/cases/{case}/notes", {"body": "X"}),
    ("/cases/{case}/status", {"to": "in_counselling"}),
    ("/cases/{case}/assign", {}),
    ("/cases/{case}/callback/claim", {}),
    ("/cases/{case}/callback/outcome", {"outcome": "reached"}),
    ("/cases/{case}/jobs", {"kind": "child_care"}),
    ("/calls/{call}/no-case", {"reason": "hung_up"}),
    ("/jobs/{job}/edit", {"kind": "child_care"}),
    ("/jobs/{job}/cancel", {}),
]


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_every_case_work_form_is_refused_without_a_valid_csrf_token(client, db, world, path, data):
    login(client, world["staff"])
    url = path.format(case=world["case"].id, call=world["call"].id, job=world["job"].id)
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    for token in (None, "0" * 64):
        payload = data if token is None else {**data, "csrf_token": token}
        response = client.post(url, data=payload)
        assert response.status_code == 403, url
        assert "Das Formular ist abgelaufen oder ungültig" in response.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert db.get(Case, world["case"].id).status == CaseStatus.NEW


def test_logged_out_posts_change_nothing(client, db, world):
    response = client.post(f"/cases/{world['case'].id}/notes", data={"body": "X", "csrf_token": "x"})
    assert response.status_code in (303, 403)
    assert db.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_the_edit_form_shows_german_errors_and_keeps_everything_typed(client, db):
    staff = make_staff(db)
    case = make_case(db, caller_name="Lena Müller")
    token = login(client, staff)
    response = client.post(
        f"/cases/{case.id}/edit",
        data={
            "csrf_token": token,
            "caller_name": "Lena Schulz",
            "caller_phone": "0511 12",
            "need": "child_care",
            "person-0-label": "M.",
            "person-0-age": "3",
            "window-0-start": "2026-11-27T14:00",
            "window-0-end": "2026-11-27T09:00",
            "district": "Linden-Mitte",
        },
    )
    assert response.status_code == 422
    text = response.text
    assert "Bitte korrigieren Sie 2 Angaben:" in text and "Nichts wurde gespeichert." in text
    assert "„0511 12“ ist keine gültige Telefonnummer." in text
    assert "Das Ende liegt vor dem Beginn." in text
    for typed in (
        'value="Lena Schulz"',
        'value="0511 12"',
        'value="M."',
        'value="Linden-Mitte"',
        'value="2026-11-27T09:00"',
    ):
        assert typed in text
    db.expire_all()
    assert db.get(Case, case.id).caller_name == "Lena Müller"


def test_a_saved_edit_stores_persons_windows_consent_and_audits_field_names_only(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    response = client.post(
        f"/cases/{case.id}/edit",
        data={
            "csrf_token": token,
            "caller_name": "Lena Schulz",
            "caller_phone": "0511 1234567",
            "consent": "1",
            "affiliation": "student",
            "student_semester": "ws 26/27",
            "person-0-label": "M.",
            "person-0-age": "3",
            "window-0-start": "2026-11-27T08:00",
            "window-0-end": "2026-11-27T12:00",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(Case, case.id)
    db.refresh(saved, ["persons", "windows"])
    assert saved.caller_phone == "+495111234567" and saved.caller_name_search == "lena schulz"
    assert saved.consent_at is not None and saved.consent_recorded_by_id == staff.id
    assert [(p.label, p.age_years) for p in saved.persons] == [("M.", 3)]
    assert len(saved.windows) == 1
    assert saved.student_semester == "WiSe 2026/27"  # written the one way the bill shows it
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "case.update"))
    assert "caller_name" in event.detail["fields"] and "Lena" not in str(event.detail)
    page = client.get(f"/cases/{case.id}/edit").text
    assert 'value="0511 1234567"' in page and 'value="2026-11-27T08:00"' in page


def test_the_dashboard_fragment_lists_calls_to_return_with_caller_history(client, db, clock):
    staff = make_staff(db)
    earlier = make_case(db, caller_phone="+495111234567")
    make_case(db, caller_phone="+495111234567", opened_at=earlier.opened_at.replace(hour=5))
    waiting = make_case(db, caller_phone="+495111234567", callback_needed=True, opened_at=clock())
    make_call(db, waiting)
    login(client, staff)
    live = client.get("/dashboard/live")
    assert live.status_code == 200 and "<html" not in live.text
    assert waiting.number in live.text and "Anrufer/in bekannt: 2 frühere Fälle" in live.text
    assert "Ich rufe zurück" in live.text and "Verwählt" in live.text
    assert client.get("/").text.count('id="live"') == 1


def test_the_familys_consent_to_an_sms_about_the_carer_is_kept_and_can_be_taken_back(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    form = {"csrf_token": token, "caller_name": "Lena Schulz", "caller_phone": "0151 23456789", "sms_consent": "1"}
    assert client.post(f"/cases/{case.id}/edit", data=form).status_code == 303
    db.expire_all()
    assert db.get(Case, case.id).sms_consent is True
    assert 'name="sms_consent" value="1" checked' in client.get(f"/cases/{case.id}/edit").text
    del form["sms_consent"]
    client.post(f"/cases/{case.id}/edit", data=form)
    db.expire_all()
    assert db.get(Case, case.id).sms_consent is False
