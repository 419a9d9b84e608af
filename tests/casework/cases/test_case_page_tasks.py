"""The case page by its task (issue 18, point 4): one main task as a KERN primary button, decided by the case's
state; the closing actions grouped under "Fall abschließen"; facts as a KERN description list; the status as a
badge in the title."""

from __future__ import annotations

import re

import pytest

from casework.cases import rules
from casework.enums import CaseStatus, JobStatus, Need
from tests.factories import login, make_call, make_case, make_job, make_staff

S = CaseStatus


# --- The rule, without the web -----------------------------------------------------------------------------


def texts(actions) -> list[str]:
    return [a.text for a in actions]


def test_a_new_case_without_a_need_asks_for_the_need_first():
    tasks = rules.case_tasks(S.NEW, need=None)
    assert tasks.main == rules.PageAction("Anliegen erfassen", link="edit")
    assert texts(tasks.further) == ["Beratung beginnen"]
    assert texts(tasks.closing) == ["Fall schließen: kein Bedarf", "Fall schließen: nicht erreichbar"]


def test_a_care_need_makes_a_job_and_a_waiting_job_is_followed():
    assert rules.case_tasks(S.IN_COUNSELLING, need=Need.CHILD_CARE).main == rules.PageAction(
        "Einsatz anlegen", link="new_job"
    )
    waiting = rules.case_tasks(S.CARE_NEEDED, need=Need.CHILD_CARE, waiting_job=(7, "4821"))
    assert waiting.main == rules.PageAction("Betreuung suchen für Einsatz 4821", link="job", job_id=7)
    filled = rules.case_tasks(S.CARE_NEEDED, need=Need.CHILD_CARE, filled_jobs=1)
    assert filled.main is not None and filled.main.target == S.CARE_ARRANGED
    assert S.CARE_ARRANGED not in [a.target for a in filled.further]  # the main task is not offered twice


def test_counselling_only_and_arranged_cases_are_completed_and_closed_ones_reopened():
    assert rules.case_tasks(S.NEW, need=Need.COUNSELLING).main.target == S.IN_COUNSELLING
    counselled = rules.case_tasks(S.IN_COUNSELLING, need=Need.COUNSELLING)
    assert counselled.main.text == "Fall abschließen (erledigt)"
    assert texts(counselled.closing) == ["Fall schließen: kein Bedarf", "Fall schließen: nicht erreichbar"]
    arranged = rules.case_tasks(S.CARE_ARRANGED, need=Need.CHILD_CARE)
    assert arranged.main.target == S.COMPLETED and texts(arranged.further) == ["Neue Betreuung suchen"]
    for closed in rules.CLOSED_STATUSES:
        tasks = rules.case_tasks(closed, need=Need.CHILD_CARE)
        assert tasks.main.text == "Fall wieder öffnen" and tasks.further == () and tasks.closing == ()


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("need", [None, *Need])
def test_every_allowed_move_is_offered_once_and_closing_moves_only_in_the_group(status, need):
    tasks = rules.case_tasks(status, need=need)
    offered = [a.target for a in (tasks.main, *tasks.further, *tasks.closing) if a is not None and a.target]
    assert sorted(offered) == sorted(rules.allowed_transitions(status))
    assert all(not rules.is_open(a.target) for a in tasks.closing)
    assert all(rules.is_open(a.target) for a in tasks.further)


# --- The page ----------------------------------------------------------------------------------------------


def section(page: str, element_id: str) -> str:
    found = re.search(rf'<(section|div|dl)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert found is not None, element_id
    return found.group(2)


def labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<span class="kern-label">(.*?)</span></(?:button|a)>', html)
    ]


def primary_buttons(page: str) -> list[str]:
    return re.findall(r'class="kern-btn kern-btn--primary"[^>]*><span class="kern-label">([^<]*)</span>', page)


@pytest.fixture
def staff(db):
    return make_staff(db, name="Anna Schmidt")


def test_a_new_case_page_has_the_need_as_its_one_primary_task_and_the_closing_actions_grouped(client, db, staff):
    case = make_case(db, counsellor_id=staff.id)
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert primary_buttons(page) == ["Anliegen erfassen"]
    assert 'class="primary"' not in page  # no button of the old kind competes with it
    assert labels(section(page, "closing")) == ["Fall schließen: kein Bedarf", "Fall schließen: nicht erreichbar"]
    assert '<h2 id="closing-heading">Fall abschließen</h2>' in page
    assert "Beratung beginnen" in section(page, "case-task")  # the further step, secondary
    assert (
        '<span class="kern-badge kern-badge--warning" id="case-status"><span class="kern-label">Neu</span></span>'
        in page
    )


def test_the_facts_are_a_kern_description_list_not_lines_joined_by_dots(client, db, staff):
    case = make_case(db, counsellor_id=staff.id, caller_name="Lena Müller", employer_name="Stadtwerke")
    login(client, staff)
    facts = section(client.get(f"/cases/{case.id}").text, "case-facts")
    assert (
        '<div class="kern-description-list-item"><dt class="kern-description-list-item__key">Anrufer/in</dt>'
        '<dd class="kern-description-list-item__value" id="caller-name">Lena Müller</dd></div>'
    ) in facts
    assert '<dt class="kern-description-list-item__key">Arbeitgeber</dt>' in facts and "·" not in facts


def test_a_case_needing_care_with_a_searching_job_follows_the_search(client, db, staff):
    case = make_case(db, counsellor_id=staff.id, need=Need.CHILD_CARE, status=S.CARE_NEEDED)
    job = make_job(db, case, status=JobStatus.SEARCHING, code="4821")
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert primary_buttons(page) == ["Betreuung suchen für Einsatz 4821"]
    assert f'href="/jobs/{job.id}" class="kern-btn kern-btn--primary" id="main-task"' in page
    jobs = section(page, "jobs")
    assert '<span class="kern-badge kern-badge--info"><span class="kern-label">Suche läuft</span></span>' in jobs
    assert labels(section(page, "closing")) == ["Fall schließen: kein Bedarf", "Fall schließen: nicht erreichbar"]


def test_an_arranged_case_is_completed_and_a_closed_one_reopened(client, db, staff):
    arranged = make_case(db, counsellor_id=staff.id, need=Need.CHILD_CARE, status=S.CARE_ARRANGED)
    closed = make_case(db, counsellor_id=staff.id, need=Need.CHILD_CARE, status=S.CLOSED_NO_NEED)
    login(client, staff)
    page = client.get(f"/cases/{arranged.id}").text
    assert primary_buttons(page) == ["Fall abschließen (erledigt)"]
    assert "Fall abschließen (erledigt)" not in section(page, "closing")
    assert "Neue Betreuung suchen" in section(page, "case-task")
    page = client.get(f"/cases/{closed.id}").text
    assert primary_buttons(page) == ["Fall wieder öffnen"]
    assert 'id="closing"' not in page  # nothing left to close
    assert 'class="kern-badge fx-badge--neutral" id="case-status"' in page


def test_an_open_call_back_is_the_primary_task_and_the_case_task_steps_back(client, db, staff):
    case = make_case(db, counsellor_id=staff.id, need=Need.CHILD_CARE, callback_needed=True)
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    assert primary_buttons(page) == ["Ich rufe zurück"]
    assert 'class="kern-btn kern-btn--secondary" id="main-task"><span class="kern-label">Einsatz anlegen' in page


def test_without_jobs_the_page_says_so_in_a_sentence(client, db, staff):
    case = make_case(db, counsellor_id=staff.id)
    login(client, staff)
    assert '<p class="muted">Noch keine Einsätze.</p>' in client.get(f"/cases/{case.id}").text


def test_kein_fall_for_a_call_is_among_the_closing_actions_of_an_open_case(client, db, staff):
    case = make_case(db, counsellor_id=staff.id)
    call = make_call(db, case)
    login(client, staff)
    page = client.get(f"/cases/{case.id}").text
    closing = section(page, "closing")
    assert f'action="/calls/{call.id}/no-case"' in closing
    named = " (Anruf vom 26.11.2026, 09:00 Uhr)"
    assert labels(closing)[-4:] == [
        f"{reason}{named}" for reason in ("Aufgelegt", "Verwählt", "Testanruf", "Stummer Anruf")
    ]
    assert "/no-case" not in section(page, "timeline")
