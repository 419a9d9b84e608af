"""Views of personal data are in the audit log, in German, naming whom they showed; the live parts that reload
every 3 seconds write only when what they show changed (or after audit.POLL_REPEAT), not every time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.enums import CaseStatus
from core import audit
from core.models import AuditEvent, StaffRole
from tests.factories import login, make_case, make_job, make_staff, make_volunteer
from tests.volunteers.builders import make_assignment

POLL = {"X-Fluxx-Background": "1"}  # how dashboard.js asks


def _events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _log_table(client, path: str) -> str:
    page = client.get(path).text
    return page[page.index('<table id="audit-table"') :]


def test_the_dashboard_is_audited_with_the_cases_it_shows_but_not_every_three_seconds(client, db, clock):
    counsellor = make_staff(db, name="Jonas Becker")
    first = make_case(db, caller_name="Familie Meier", status=CaseStatus.NEW)
    login(client, counsellor)  # ends on the dashboard
    [opened] = _events(db, "dashboard.view")
    assert opened.staff_id == counsellor.id and opened.detail == {"shown": [first.id], "volunteers": []}

    for _ in range(3):  # 9 seconds of polling, nothing changed
        clock.advance(seconds=3)
        assert client.get("/dashboard/live", headers=POLL).status_code == 200
    assert len(_events(db, "dashboard.view")) == 1

    second = make_case(db, caller_name="Familie Öztürk", status=CaseStatus.NEW)
    clock.advance(seconds=3)
    client.get("/dashboard/live", headers=POLL)
    events = _events(db, "dashboard.view")
    assert len(events) == 2 and events[-1].detail["shown"] == sorted([first.id, second.id])

    clock.advance(minutes=4)  # still open, unchanged: the last entry stands
    client.get("/dashboard/live", headers=POLL)
    assert len(_events(db, "dashboard.view")) == 2
    clock.advance(seconds=audit.POLL_REPEAT.total_seconds() - 4 * 60 + 1)  # open longer than POLL_REPEAT
    client.get("/dashboard/live", headers=POLL)
    assert len(_events(db, "dashboard.view")) == 3

    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)
    table = _log_table(client, f"/admin/audit/staff/{counsellor.id}")
    assert "Übersicht angesehen" in table and "angezeigte Fälle: 2 Fälle; angezeigte Ehrenamtliche: 0 Personen" in table


def test_the_dashboard_entry_names_the_volunteers_it_shows(client, db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    job = make_job(db, make_case(db, caller_name="Familie Meier"))
    volunteer = make_volunteer(db, name="Olga Petrenko")
    make_assignment(db, job, volunteer, assigned_at=client.app.state.context.clock())
    login(client, coordinator)
    [event] = _events(db, "dashboard.view")
    assert event.detail["volunteers"] == [volunteer.id] and job.case_id in event.detail["shown"]


def test_a_volunteer_seen_is_named_in_the_audit(client, db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR, name="Sabine Krüger")
    volunteer = make_volunteer(db, name="Olga Petrenko")
    login(client, coordinator)
    client.get(f"/volunteers/{volunteer.id}")
    client.get(f"/volunteers/{volunteer.id}/edit")
    admin = make_staff(db, role=StaffRole.ADMIN, name="Friederike Müller")
    login(client, admin)

    table = _log_table(client, f"/admin/audit/staff/{coordinator.id}")

    assert table.count("Ehrenamtliche Person angesehen: Olga Petrenko") == 2
    assert "Seite: Bearbeiten" in table
    # Reading a colleague's log is itself logged, naming whose log it was.
    own = _log_table(client, f"/admin/audit/staff/{admin.id}")
    assert "Protokoll einer mitarbeitenden Person angesehen: Sabine Krüger" in own


def test_reading_a_case_log_is_logged_in_that_case_log(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    case = make_case(db)
    login(client, admin)
    client.get(f"/admin/audit/cases/{case.id}")
    [event] = _events(db, "audit.case_view")
    assert (event.staff_id, event.case_id) == (admin.id, case.id)
    assert "Protokoll eines Falls angesehen" in _log_table(client, f"/admin/audit/cases/{case.id}")


def test_the_merge_preview_is_logged_in_both_cases(client, db):
    counsellor = make_staff(db)
    older = make_case(db, caller_name="Meier", caller_phone="+4951112345678", status=CaseStatus.IN_COUNSELLING)
    newer = make_case(db, caller_name="Meier", caller_phone="+4951112345678",
                      opened_at=older.opened_at + timedelta(hours=1))  # fmt: skip
    login(client, counsellor)
    page = client.get(f"/cases/{newer.id}/merge", params={"into": older.id})
    assert page.status_code == 200
    events = _events(db, "case.merge_preview")
    assert {(e.case_id, e.detail.get("other")) for e in events} == {(newer.id, older.id), (older.id, newer.id)}
    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)
    table = _log_table(client, f"/admin/audit/cases/{older.id}")
    assert "Zusammenführung von Fällen angesehen" in table and f"anderer Fall Nr.: {newer.id}" in table


def test_the_job_forms_are_views_of_the_case_and_the_job(client, db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = make_case(db, district="Linden-Süd")
    job = make_job(db, case)
    login(client, coordinator)
    client.get(f"/cases/{case.id}/jobs/new")
    client.get(f"/jobs/{job.id}/edit")
    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)
    table = _log_table(client, f"/admin/audit/cases/{case.id}")
    assert "Fall angesehen" in table and "Seite: Neuer Einsatz" in table
    assert "Einsatz angesehen" in table and "Seite: Bearbeiten" in table


def test_the_case_jobs_poll_writes_again_only_when_other_volunteers_are_shown(client, db, clock):
    counsellor = make_staff(db)
    job = make_job(db, make_case(db))
    login(client, counsellor)
    for _ in range(3):
        clock.advance(seconds=3)
        assert client.get(f"/cases/{job.case_id}/jobs/live", headers=POLL).status_code == 200
    assert len(_events(db, "case.jobs_view")) == 1
    volunteer = make_volunteer(db, name="Olga Petrenko")
    make_assignment(db, job, volunteer)
    client.get(f"/cases/{job.case_id}/jobs/live", headers=POLL)
    events = _events(db, "case.jobs_view")
    assert len(events) == 2 and events[-1].detail == {"volunteers": [volunteer.id]}
    assert events[-1].case_id == job.case_id


def test_the_message_log_and_the_staff_list_are_audited_in_german(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)
    client.get("/messages", params={"show": "open"})
    client.get("/admin/staff")
    table = _log_table(client, f"/admin/audit/staff/{admin.id}")
    assert "Nachrichten angesehen" in table and "Auswahl: offene Eingänge; Anzahl: 0" in table
    assert "Mitarbeitende angesehen" in table
