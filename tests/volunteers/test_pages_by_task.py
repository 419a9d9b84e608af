"""The job page and the volunteer page by their task (issue 18, point 4): facts as KERN description lists,
statuses as KERN badges, one primary action, empty states as sentences."""

from __future__ import annotations

import re

from core.models import StaffRole
from tests.factories import login, make_staff, make_volunteer
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work


def primary_buttons(page: str) -> list[str]:
    return re.findall(r'class="kern-btn kern-btn--primary"[^>]*><span class="kern-label">([^<]*)</span>', page)


def fact(key: str, value: str) -> str:
    return (
        f'<div class="kern-description-list-item"><dt class="kern-description-list-item__key">{key}</dt>'
        f'<dd class="kern-description-list-item__value">{value}</dd></div>'
    )


def test_the_job_page_lists_its_facts_shows_its_status_as_a_badge_and_starting_the_search_as_the_task(client, db):
    job = job_in_laatzen(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/jobs/{job.id}").text
    assert fact("Art", "Kinderbetreuung") in page
    assert fact("Gebraucht", "1 Person") in page
    assert '<span class="kern-badge kern-badge--warning" id="job-status"><span class="kern-label">Offen</span>' in page
    assert primary_buttons(page) == []  # nobody fits: no SMS search to start (issue 21, point 6)
    assert "Noch niemand eingeteilt." in page and "<li" not in page[page.index('id="ranked"') :].split("</section>")[0]
    carers(db, 1)
    assert primary_buttons(client.get(f"/jobs/{job.id}").text) == ["Betreuung per SMS suchen"]


def test_a_running_search_shows_its_state_and_the_offers_as_badges(client, db, engine, clock):
    carers(db, 2)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "2", "interval": "20"})
    work(engine, clock)
    page = client.get(f"/jobs/{job.id}").text
    status = page[page.index('id="search-status"') :].split("</p>")[0]
    badge = (
        '<span class="kern-badge kern-badge--info" id="job-status"><span class="kern-label">Suche läuft</span></span>'
    )
    assert badge in status
    assert page.count('<span class="kern-badge kern-badge--info"><span class="kern-label">wartet auf Antwort') == 2
    assert primary_buttons(page) == []  # nothing to decide while the search runs: extending it is secondary


def test_the_volunteer_page_shows_facts_a_status_badge_and_the_empty_history_in_sentences(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz")
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/volunteers/{volunteer.id}").text
    assert '<dl class="kern-description-list" id="facts">' in page and fact("Zuletzt im Einsatz", "noch nie") in page
    assert '<span class="kern-badge kern-badge--success" id="volunteer-status"><span class="kern-label">aktiv' in page
    assert primary_buttons(page) == ["Stammdaten bearbeiten"]
    for sentence in ("Noch keine Angebote.", "Noch keine Einsätze.", "Noch keine Stunden gemeldet."):
        assert f'<p class="empty">{sentence}</p>' in page
    assert "<td colspan" not in page  # no empty table rows


def test_an_inactive_volunteer_is_grey_and_reactivating_is_the_task(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz")
    token = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/volunteers/{volunteer.id}/deactivate", data={"csrf_token": token, "confirmed": "1"})
    page = client.get(f"/volunteers/{volunteer.id}").text
    assert 'class="kern-badge fx-badge--neutral" id="volunteer-status"><span class="kern-label">deaktiviert' in page
    assert primary_buttons(page) == ["Lena Schulz wieder aktivieren"]
    assert "deaktivieren</span>" not in page
