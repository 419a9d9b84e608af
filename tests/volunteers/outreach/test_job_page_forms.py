"""The job page: what the carer and the coordinator need to know about the family (issue 21, point 4), and
the search forms taking their errors like every other form (point 7)."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.cases.models import CarePerson
from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff
from tests.volunteers.outreach.helpers import carers, job_in_laatzen, work
from volunteers.outreach import service as outreach

DIAGNOSIS = "Mutter nach Chemotherapie, Kind mit Asthma"


def section(html: str, id_: str) -> str:
    start = html.index(f'id="{id_}"')
    return html[start : html.index("</section>", start)]


def family_job(db):
    job = job_in_laatzen(db, requirements=["infant_care", "lang:tr"], notes="Bitte vorher bei Frau Meier anrufen.")
    db.add_all([
        CarePerson(case_id=job.case_id, label="Mia", age_years=4, need_description=DIAGNOSIS,
                   special_requirements="Nussallergie"),
        CarePerson(case_id=job.case_id, label="Ben", age_years=0, age_months=4),
    ])  # fmt: skip
    db.commit()
    return job


def test_the_job_page_shows_the_people_cared_for_the_requirements_and_the_coordination_notes(client, db):
    job = family_job(db)
    login(client, make_staff(db))

    page = client.get(f"/jobs/{job.id}")

    family = section(page.text, "family")
    assert "<strong>Mia</strong> (4 J.)" in family and "<strong>Ben</strong> (4 Mon.)" in family
    assert "Bedarf:</span> Mutter nach Chemotherapie, Kind mit Asthma" in family
    assert "Besonderheiten:</span> Nussallergie" in family
    assert "Erfahrung mit Säuglingen, Sprache: Türkisch" in family
    assert "Bitte vorher bei Frau Meier anrufen." in family
    # what the carer will read by SMS, and what not
    assert "„Für: Mia (4 J., Nussallergie), Ben (4 Mon.).“" in family
    assert "den Bedarf und die Hinweise für die Koordination nicht" in family
    # the page with the family's details stays audited
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.object_id == job.id)) == "job.view"


def test_a_job_of_a_case_without_people_says_so_and_links_to_the_case(client, db):
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    family = section(client.get(f"/jobs/{job.id}").text, "family")

    assert "Im Fall ist noch niemand eingetragen" in family and f'href="/cases/{job.case_id}/edit"' in family
    assert 'id="family-requirements">keine<' in family


def test_the_start_form_states_its_limits_before_anything_is_sent(client, db):
    carers(db, 1)  # someone fits: the search is offered
    job = job_in_laatzen(db)
    login(client, make_staff(db))

    search = section(client.get(f"/jobs/{job.id}").text, "search")

    assert "höchstens 50 SMS pro Welle" in search and "5 bis 240 Minuten" in search
    assert 'aria-describedby="wave_size-hint"' in search
    assert 'value="5"' in search and 'value="15"' in search
    assert "error-summary" not in client.get(f"/jobs/{job.id}").text


def test_a_wrong_start_shows_the_summary_the_message_at_each_field_and_keeps_the_input(client, db):
    carers(db, 1)  # someone fits: the search is offered
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db))

    response = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "500", "interval": "x7"})

    assert response.status_code == 422
    html = response.text
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    assert "Bitte korrigieren Sie 2 Angaben:" in summary
    assert '<a href="#wave_size">SMS pro Welle: bitte eine ganze Zahl von 1 bis 50.</a>' in summary
    assert '<a href="#interval">Minuten bis zur nächsten Welle: bitte eine ganze Zahl von 5 bis 240.</a>' in summary
    assert html.index('id="error-summary"') < html.index('id="job-facts"')  # at the top
    search = section(html, "search")
    assert re.search(r'id="wave_size"[^>]*value="500"[^>]*aria-describedby="wave_size-hint wave_size-error"'
                     r'[^>]*aria-invalid="true"', search)  # fmt: skip
    assert re.search(r'id="interval"[^>]*value="x7"[^>]*aria-invalid="true"', search)
    message = "SMS pro Welle: bitte eine ganze Zahl von 1 bis 50."
    assert f'<p class="field-error" id="wave_size-error">{message}</p>' in search
    assert outreach.get(db, job_id=job.id) is None


def test_a_kept_value_is_bounded_and_escaped(client, db):
    carers(db, 1)  # someone fits: the search is offered
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db))

    typed = '"><script>alert(1)</script>'
    html = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": typed, "interval": "15"}).text

    assert "<script>alert" not in html
    assert 'value="&#34;&gt;&lt;script&gt;al"' in html or 'value="&quot;&gt;&lt;script&gt;al"' in html


def test_a_wrong_widening_links_the_summary_to_the_widen_field_and_keeps_the_input(client, db, engine, clock):
    carers(db, 2)
    job = job_in_laatzen(db)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "1", "interval": "15"})
    work(engine, clock)
    before = section(client.get(f"/jobs/{job.id}").text, "search")
    assert re.search(r'id="widen_size"[^>]*value="2"', before)  # twice the running waves
    assert "höchstens 50 SMS pro Welle" in before

    response = client.post(f"/jobs/{job.id}/outreach/widen", data={"csrf_token": csrf, "wave_size": "0"})

    assert response.status_code == 422
    assert '<a href="#widen_size">SMS pro Welle: bitte eine ganze Zahl von 1 bis 50.</a>' in response.text
    search = section(response.text, "search")
    assert re.search(r'id="widen_size"[^>]*value="0"[^>]*aria-invalid="true"', search)
    assert 'id="wave_size-error"' in search
    assert outreach.get(db, job_id=job.id).wave_size == 1


def test_a_refused_search_is_said_at_the_top_without_a_field(client, db):
    job = job_in_laatzen(db, municipality_id=None)
    csrf = login(client, make_staff(db))

    html = client.post(f"/jobs/{job.id}/outreach", data={"csrf_token": csrf, "wave_size": "5", "interval": "15"}).text

    top = html[html.index('id="error-summary"') : html.index('id="job-facts"')]
    assert 'role="alert"' in top and "Bitte tragen Sie zuerst die Kommune des Einsatzes ein" in top
