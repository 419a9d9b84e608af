"""The dashboard flags jobs whose SMS search ended without a yes, and lists the searches running."""

from __future__ import annotations

from core.models import StaffRole
from tests.factories import login, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work
from volunteers.assignments.rules import REMINDER_HOUR
from volunteers.outreach import service as outreach
from volunteers.outreach.rules import OutreachPolicy


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_a_search_that_ran_out_of_candidates_is_flagged_keine_zusage_on_the_dashboard(client, db, engine, clock):
    carers(db, 2)
    running, exhausted = job_in_laatzen(db), job_in_laatzen(db)
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    outreach.start(db, job=exhausted, policy=OutreachPolicy(), staff=staff, now=clock())
    db.commit()
    work(engine, clock)
    clock.advance(minutes=15)
    outreach.start(db, job=running, policy=OutreachPolicy(), staff=staff, now=clock())
    db.commit()
    work(engine, clock)  # the first search is exhausted; the second sends its first wave
    login(client, staff)

    live = client.get("/dashboard/live").text

    assert f"Einsatz {exhausted.code}" in section(live, "jobs-unfilled")
    assert "keine Zusage" in section(live, "jobs-unfilled")
    assert f"Einsatz {running.code}" not in section(live, "jobs-unfilled")
    assert f"Einsatz {running.code}" in section(live, "jobs-searching")
    assert "<strong>1</strong> Einsatz ohne Zusage" in live


def test_a_yes_by_sms_shows_on_the_dashboard_and_the_case_page_and_a_withdrawal_alerts_staff(client, db, engine, clock):
    from sqlalchemy import select

    from volunteers.assignments import service as assignments
    from volunteers.outreach.models import Offer

    people = carers(db, 3)
    job = job_in_laatzen(db)
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    outreach.start(db, job=job, policy=OutreachPolicy(), staff=staff, now=clock())
    db.commit()
    work(engine, clock)
    clock.advance(minutes=3)
    offer = db.scalars(select(Offer).where(Offer.volunteer_id == people[1].id)).one()
    taken = assignments.accept(db, offer=offer, now=clock(), reminder_hour=REMINDER_HOUR)
    db.commit()
    login(client, staff)

    live = client.get("/dashboard/live", headers={"X-Fluxx-Background": "1"}).text
    today = section(live, "assigned-today")
    assert f"Einsatz {job.code}" in today and people[1].name in today and "per SMS, 09:33 Uhr" in today
    jobs = client.get(f"/cases/{job.case_id}/jobs/live", headers={"X-Fluxx-Background": "1"}).text
    assert f'Zusage: <a href="/volunteers/{people[1].id}">{people[1].name}</a> (per SMS, 26.11.2026, 09:33)' in jobs
    assert "Keine offene Absage." in section(live, "withdrawals")

    clock.advance(minutes=30)
    assignments.withdraw(db, assignment=taken.assignment, message_id=None, now=clock())
    db.commit()
    live = client.get("/dashboard/live", headers={"X-Fluxx-Background": "1"}).text
    alert = section(live, "withdrawals")
    assert people[1].name in alert and "hat am 26.11.2026, 10:03 abgesagt" in alert
    assert "Familie noch nicht informiert" in alert
    assert "Heute noch keine Zusage." in section(live, "assigned-today")
    jobs = client.get(f"/cases/{job.case_id}/jobs/live").text
    assert f'Zusage: <a href="/volunteers/{people[1].id}">' not in jobs  # no longer a yes ...
    assert f'Absage: <a href="/volunteers/{people[1].id}">{people[1].name}</a> am 26.11.2026, 10:03' in jobs  # ...
    assert "Familie noch nicht informiert" in jobs
