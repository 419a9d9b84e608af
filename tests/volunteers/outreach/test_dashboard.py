"""The dashboard flags jobs whose SMS search ended without a yes, and lists the searches running."""

from __future__ import annotations

from fluxx.core.models import StaffRole
from tests.factories import login, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work
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
    assert "<strong>1</strong> Einsätze ohne Zusage" in live
