"""Withdrawals cannot be missed (issue 21, point 3): a count tile and the top of the dashboard with the
volunteer's reason and the job's start, "Familie informiert" (audited) takes it off the urgent list, and the
case page shows the withdrawal too."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff
from tests.volunteers.outreach.test_late_yeses import searching_job
from tests.volunteers.replies.test_service import text_in
from volunteers.assignments.models import Assignment


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def withdrawn(db, client, settings):
    job, (lisa, _tobias, _mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    text_in(client, settings, lisa.phone, "ABSAGE 4821, mein Kind ist krank")
    return job, lisa, db.scalar(select(Assignment).where(Assignment.job_id == job.id))


def test_a_withdrawal_is_a_tile_and_the_first_urgent_section_with_reason_and_start(db, client, settings):
    job, lisa, assignment = withdrawn(db, client, settings)
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))

    live = client.get("/dashboard/live", headers={"X-Fluxx-Background": "1"}).text

    assert "<strong>1</strong> Absage von Ehrenamtlichen" in live
    assert 'class="tile tile--urgent" id="tile-withdrawals"' in live
    urgent = live[live.index("dashboard-group--urgent") :]
    assert urgent.index('<section class="card" id="') == urgent.index('<section class="card" id="withdrawals">')
    alert = section(live, "withdrawals")
    assert "Lisa Brandt" in alert and "Beginn Fr., 27.11.2026, 09:00 Uhr" in alert
    assert '<q class="withdrawal-reason">ABSAGE 4821, mein Kind ist krank</q>' in alert
    assert f'action="/assignments/{assignment.id}/family-informed"' in alert


def test_familie_informiert_is_audited_and_takes_the_withdrawal_off_the_urgent_list(db, client, settings):
    job, lisa, assignment = withdrawn(db, client, settings)
    staff = make_staff(db, role=StaffRole.COUNSELLOR)
    csrf = login(client, staff)

    response = client.post(f"/assignments/{assignment.id}/family-informed", data={"csrf_token": csrf, "back": "/"})

    assert response.status_code == 303 and response.headers["location"] == "/"
    page = client.get("/").text
    assert "Vermerkt: Die Familie ist über die Absage für Einsatz 4821 informiert." in page
    assert '<li id="withdrawals">Keine offene Absage.</li>' in page
    db.expire_all()
    assert assignment.family_informed_at is not None and assignment.family_informed_by_id == staff.id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.family_informed"))
    assert (event.staff_id, event.case_id, event.object_id) == (staff.id, job.case_id, assignment.id)
    client.post(f"/assignments/{assignment.id}/family-informed", data={"csrf_token": csrf, "back": "/"})
    db.expire_all()
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.family_informed")).all()) == 1

    case_jobs = client.get(f"/cases/{job.case_id}/jobs/live").text
    assert "Familie informiert am" in case_jobs and "Familie noch nicht informiert" not in case_jobs


def test_the_case_page_and_the_job_page_show_the_withdrawal_with_its_reason(db, client, settings):
    job, lisa, assignment = withdrawn(db, client, settings)
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))

    case_page = client.get(f"/cases/{job.case_id}").text
    entry = case_page[case_page.index(f'id="case-withdrawal-{assignment.id}"') :].split("</div>")[0]
    assert "Absage:" in entry and "Lisa Brandt" in entry and "mein Kind ist krank" in entry
    assert "Familie noch nicht informiert" in entry and "Familie informiert<span" in entry
    job_page = client.get(f"/jobs/{job.id}").text
    assert "Lisa Brandt hat abgesagt." in job_page and "Bitte informieren Sie die Familie." in job_page


def test_a_withdrawal_stays_urgent_after_the_job_is_filled_again_until_the_family_is_told(db, client, settings):
    job, (lisa, tobias, _mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    text_in(client, settings, lisa.phone, "ABSAGE 4821")
    assert text_in(client, settings, tobias.phone, "JA 4821").startswith("Fluxx: Danke, Einsatz 4821 ist Ihrer!")
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))

    alert = section(client.get("/dashboard/live").text, "withdrawals")

    assert "Lisa Brandt" in alert  # the family must still hear that someone else comes
