"""Destructive one-click actions ask first (without JavaScript), say what happened, and can be undone.

Every destructive POST without `confirmed=1` changes nothing and answers a confirmation page that posts
the same fields again; a successful action leaves a one-time message; "Kein Fall" and closing a case can
be undone from that message; a colleague whose case was taken over is told on their dashboard.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseStatus, JobStatus
from casework.jobs.models import CareJob
from core.models import AuditEvent, Staff, StaffRole
from core.notices import StaffNotice
from tests.factories import login, make_call, make_case, make_job, make_staff, make_volunteer
from volunteers.registry.models import Volunteer


def confirm_form(page: str) -> tuple[str, dict[str, str]]:
    """The confirmation page's form: where it posts and every hidden field it sends."""
    match = re.search(r'<form method="post" action="([^"]+)" class="actions">(.*?)</form>', page, re.S)
    assert match, "no confirmation form on the page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', match.group(2)))
    return html.unescape(match.group(1)), {name: html.unescape(value) for name, value in fields.items()}


def flash_text(page: str) -> str | None:
    match = re.search(r'<span id="flash-text">(.*?)</span>', page)
    return html.unescape(match.group(1)) if match else None


def undo_fields(page: str) -> dict[str, str]:
    match = re.search(r'<form method="post" action="/undo" class="inline">(.*?)</form>', page, re.S)
    assert match, "no undo button"
    return {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', match.group(1))}


def audit_count(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "case.view"))


@pytest.fixture
def admin(client, db):
    person = make_staff(db, role=StaffRole.ADMIN, name="Anna Schmidt", on_duty=True)
    person.csrf = login(client, person)
    return person


def state(db, model, id_, *names):
    db.expire_all()
    row = db.get(model, id_)
    return tuple(getattr(row, name) for name in names)


DESTRUCTIVE = ["no_case", "close", "complete", "take_over", "cancel_job", "end_duty", "deactivate_staff",
               "deactivate_volunteer"]  # fmt: skip


def _setup(db, admin, action):
    """(path, posted fields, a function reading what the action would change, the confirmation's button)."""
    case = make_case(db, caller_phone="+495114567890", status=CaseStatus.IN_COUNSELLING, callback_needed=True)
    if action == "no_case":
        call = make_call(db, case)
        return (f"/calls/{call.id}/no-case", {"reason": "hung_up", "back": "/"},
                lambda: state(db, Call, call.id, "no_case_reason") + state(db, Case, case.id, "status"),
                "Ja, kein Fall: Aufgelegt")  # fmt: skip
    if action in ("close", "complete"):
        to = "closed_unreachable" if action == "close" else "completed"
        button = "Ja, Fall schließen: nicht erreichbar" if action == "close" else "Ja, Fall abschließen (erledigt)"
        return f"/cases/{case.id}/status", {"to": to}, lambda: state(db, Case, case.id, "status", "closed_at"), button
    if action == "take_over":
        colleague = make_staff(db, name="Jonas Becker")
        case.counsellor_id = colleague.id
        db.commit()
        return f"/cases/{case.id}/assign", {}, lambda: state(db, Case, case.id, "counsellor_id"), "Ja, Fall übernehmen"
    if action == "cancel_job":
        job = make_job(db, case)
        return (f"/jobs/{job.id}/cancel", {}, lambda: state(db, CareJob, job.id, "status", "active_code"),
                f"Ja, Einsatz {job.code} absagen")  # fmt: skip
    if action == "end_duty":
        return "/duty", {"on_duty": "0", "back": "/cases"}, lambda: state(db, Staff, admin.id, "on_duty"), (
            "Ja, Dienst beenden")  # fmt: skip
    if action == "deactivate_staff":
        other = make_staff(db, name="Jonas Becker")
        return (f"/admin/staff/{other.id}/active", {"active": "0"}, lambda: state(db, Staff, other.id, "is_active"),
                "Ja, Jonas Becker deaktivieren")  # fmt: skip
    volunteer = make_volunteer(db, name="Lena Schulz")
    return (f"/volunteers/{volunteer.id}/deactivate", {}, lambda: state(db, Volunteer, volunteer.id, "is_active"),
            "Ja, Lena Schulz deaktivieren")  # fmt: skip


@pytest.mark.parametrize("action", DESTRUCTIVE)
def test_a_destructive_post_without_confirmation_changes_nothing_and_asks_first(client, db, admin, action):
    path, data, read, button = _setup(db, admin, action)
    before, audited = read(), audit_count(db)

    asked = client.post(path, data=data | {"csrf_token": admin.csrf})

    assert asked.status_code == 200
    assert read() == before, "the unconfirmed post changed something"
    assert audit_count(db) == audited
    assert f">{button}</button>" in asked.text and "Abbrechen</a>" in asked.text
    action_url, fields = confirm_form(asked.text)
    assert action_url == path
    # The header's duty switch on this page returns to a page that can be shown, not to the POST-only address.
    header_back = re.search(r'<form method="post" action="/duty".*?name="back" value="([^"]*)"', asked.text, re.S)
    assert header_back is not None and header_back.group(1) != path
    assert client.get(header_back.group(1)).status_code == 200
    assert fields == data | {"csrf_token": admin.csrf, "confirmed": "1"}  # the same fields, plus the confirmation

    done = client.post(action_url, data=fields)
    assert done.status_code == 303
    assert read() != before
    assert flash_text(client.get(done.headers["location"]).text)


def test_harmless_changes_go_through_at_once(client, db, admin):
    case = make_case(db, status=CaseStatus.NEW)
    response = client.post(f"/cases/{case.id}/status", data={"csrf_token": admin.csrf, "to": "in_counselling"})
    assert response.status_code == 303 and state(db, Case, case.id, "status") == (CaseStatus.IN_COUNSELLING,)
    assert flash_text(client.get(response.headers["location"]).text) == "Status geändert: In Beratung."
    free = make_case(db)  # nobody counsels it: taking it needs no confirmation
    assert client.post(f"/cases/{free.id}/assign", data={"csrf_token": admin.csrf}).status_code == 303
    assert client.post("/duty", data={"csrf_token": admin.csrf, "on_duty": "1"}).status_code == 303


def test_a_refused_closing_says_why_before_asking(client, db, admin):
    case = make_case(db, status=CaseStatus.CARE_NEEDED)
    make_job(db, case, status=JobStatus.SEARCHING)
    response = client.post(f"/cases/{case.id}/status", data={"csrf_token": admin.csrf, "to": "closed_no_need"})
    assert response.status_code == 409 and "sagen Sie zuerst die offenen Einsätze ab" in response.text


def test_the_confirmation_keeps_the_one_time_form_token(client, db, admin):
    case = make_case(db, status=CaseStatus.IN_COUNSELLING)
    data = {"csrf_token": admin.csrf, "to": "completed", "form_token": "T" * 24}
    _, fields = confirm_form(client.post(f"/cases/{case.id}/status", data=data).text)
    assert fields["form_token"] == "T" * 24


def test_a_message_is_shown_once_after_saving(client, db, admin):
    case = make_case(db)
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": admin.csrf, "body": "Rückruf morgen"})
    page = client.get(response.headers["location"]).text
    assert flash_text(page) == "Notiz gespeichert."
    assert 'role="status" id="flash"' in page
    assert flash_text(client.get(f"/cases/{case.id}").text) is None  # shown once
    assert "dashboard/live" not in response.headers["location"]


def test_the_live_dashboard_does_not_swallow_a_message(client, db, admin):
    case = make_case(db)
    client.post(f"/cases/{case.id}/notes", data={"csrf_token": admin.csrf, "body": "Notiz"})
    assert flash_text(client.get("/dashboard/live").text) is None
    assert flash_text(client.get(f"/cases/{case.id}").text) == "Notiz gespeichert."


def test_a_forged_message_cookie_is_not_shown(client, db, admin):
    client.cookies.set("fluxx_flash", "eyJ0ZXh0IjoiSGFsbG8ifQ.0000")
    assert flash_text(client.get("/").text) is None


def test_successes_are_confirmed(client, db, admin):
    new = client.post("/cases/new", data={"csrf_token": admin.csrf, "caller_name": "Aylin Koch", "need": "child_care",
                                          "source": "walk_in"})  # fmt: skip
    number = db.scalar(select(Case.number).order_by(Case.id.desc()))
    assert flash_text(client.get(new.headers["location"]).text) == f"Fall {number} angelegt."
    account = {"name": "Jonas Becker", "role": "counsellor", "email": "jonas@fluxx.test", "password": "gutes Passwort"}
    created = client.post("/admin/staff", data=account | {"csrf_token": admin.csrf})
    page = client.get(created.headers["location"]).text
    assert flash_text(page) == "Das Konto für Jonas Becker wurde angelegt."


def test_no_case_says_what_happened_and_can_be_undone(client, db, admin):
    case = make_case(db, caller_phone="+495114567890", callback_needed=True)
    call = make_call(db, case)
    data = {"csrf_token": admin.csrf, "reason": "hung_up", "back": "/", "confirmed": "1"}
    page = client.get(client.post(f"/calls/{call.id}/no-case", data=data).headers["location"]).text
    assert flash_text(page) == f"Anruf als kein Fall markiert (Aufgelegt), Fall {case.number} geschlossen"
    assert state(db, Case, case.id, "status") == (CaseStatus.CLOSED_NO_NEED,)

    undone = client.post("/undo", data=undo_fields(page))
    assert undone.status_code == 303 and undone.headers["location"] == "/"
    assert flash_text(client.get("/").text) == f"„Kein Fall“ zurückgenommen. Fall {case.number} ist wieder offen (Neu)."
    assert state(db, Call, call.id, "no_case_reason") == (None,)
    assert state(db, Case, case.id, "status", "callback_needed") == (CaseStatus.NEW, True)


def test_closing_can_be_undone_for_15_minutes_only(client, db, admin, clock):
    case = make_case(db, status=CaseStatus.CARE_NEEDED)
    data = {"csrf_token": admin.csrf, "to": "closed_no_need", "confirmed": "1"}
    page = client.get(client.post(f"/cases/{case.id}/status", data=data).headers["location"]).text
    assert flash_text(page) == f"Fall {case.number} geschlossen"
    assert ">Rückgängig</button>" in page
    clock.advance(minutes=16)
    response = client.post("/undo", data=undo_fields(page))
    assert "nur in den ersten 15 Minuten" in flash_text(client.get(response.headers["location"]).text)
    assert state(db, Case, case.id, "status") == (CaseStatus.CLOSED_NO_NEED,)


def test_a_tampered_undo_is_refused(client, db, admin):
    case = make_case(db, status=CaseStatus.CARE_NEEDED)
    data = {"csrf_token": admin.csrf, "to": "closed_no_need", "confirmed": "1"}
    page = client.get(client.post(f"/cases/{case.id}/status", data=data).headers["location"]).text
    fields = undo_fields(page)
    body, mac = fields["token"].rsplit(".", 1)
    response = client.post("/undo", data=fields | {"token": body + "x." + mac})
    assert "lässt sich nicht rückgängig machen" in flash_text(client.get(response.headers["location"]).text)
    assert state(db, Case, case.id, "status") == (CaseStatus.CLOSED_NO_NEED,)


def test_a_colleague_whose_case_was_taken_over_is_told_until_they_dismiss_it(client, db, admin):
    colleague = make_staff(db, name="Jonas Becker")
    case = make_case(db, counsellor_id=colleague.id, status=CaseStatus.IN_COUNSELLING)
    taken = client.post(f"/cases/{case.id}/assign", data={"csrf_token": admin.csrf, "confirmed": "1"})
    assert flash_text(client.get(taken.headers["location"]).text) == (
        f"Sie beraten jetzt Fall {case.number}. Jonas Becker wurde informiert."
    )
    assert "übernommen" not in client.get("/").text  # the one who took it gets no notice

    token = login(client, colleague)
    dashboard = client.get("/").text
    assert f"Anna Schmidt hat Ihren Fall {case.number} übernommen</a> · 26.11.2026, 09:30 Uhr" in dashboard
    notice = db.scalar(select(StaffNotice))
    assert client.post(f"/notices/{notice.id}/dismiss", data={"csrf_token": token}).status_code == 303
    assert "übernommen" not in client.get("/").text


def test_nobody_dismisses_someone_elses_notice(client, db, admin):
    colleague = make_staff(db)
    case = make_case(db, counsellor_id=colleague.id)
    client.post(f"/cases/{case.id}/assign", data={"csrf_token": admin.csrf, "confirmed": "1"})
    notice = db.scalar(select(StaffNotice))
    client.post(f"/notices/{notice.id}/dismiss", data={"csrf_token": admin.csrf})
    db.expire_all()
    assert db.get(StaffNotice, notice.id).dismissed_at is None


def test_an_undo_button_works_only_in_the_login_session_it_was_shown_in(app, client, db, admin):
    from fastapi.testclient import TestClient

    case = make_case(db, status=CaseStatus.CARE_NEEDED)
    data = {"csrf_token": admin.csrf, "to": "closed_no_need", "confirmed": "1"}
    page = client.get(client.post(f"/cases/{case.id}/status", data=data).headers["location"]).text
    with TestClient(app, follow_redirects=False) as elsewhere:
        csrf = login(elsewhere, admin)  # the same person, another browser
        response = elsewhere.post("/undo", data=undo_fields(page) | {"csrf_token": csrf})
        assert "lässt sich nicht rückgängig machen" in flash_text(elsewhere.get(response.headers["location"]).text)
    assert state(db, Case, case.id, "status") == (CaseStatus.CLOSED_NO_NEED,)
