"""The job's one state and each person's line (`volunteers.outreach.state`): every transition, late and
duplicate SMS, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from volunteers.outreach import texts
from volunteers.outreach.state import (
    AssignmentFacts,
    JobFacts,
    JobState,
    LateYesFacts,
    OfferFacts,
    PersonState,
    SearchFacts,
    derive,
)

NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)  # Thursday 09:30 in Berlin
START = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
JOB = JobFacts(status="searching", carers_needed=1, starts_at=START)
RUNNING = SearchFacts(status="active", waves_sent=1, waves_expected=3, next_wave_at=NOW + timedelta(minutes=15))


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def offer(volunteer_id: int, status: str = "sent", answered: int | None = None, wave: int = 1) -> OfferFacts:
    return OfferFacts(volunteer_id, wave, status, at(-20), at(answered) if answered is not None else None)


def held(volunteer_id: int, minutes: int = -10, **overrides) -> AssignmentFacts:
    values = {"status": "active", "assigned_at": at(minutes)}
    values.update(overrides)
    return AssignmentFacts(volunteer_id, **values)


def withdrawn(volunteer_id: int, reason: str = "Bin krank") -> AssignmentFacts:
    return held(volunteer_id, status="released", released_at=at(-5), withdrawn_at=at(-5), withdrawal_reason=reason)


def view(job=JOB, search=RUNNING, offers=(), assignments=(), late=(), now=NOW):
    return derive(job=job, search=search, offers=offers, assignments=assignments, late_yeses=late, now=now)


def states(result) -> dict[int, PersonState]:
    return {person.volunteer_id: person.state for person in result.people}


def test_a_job_without_a_search_is_open_and_the_search_can_start():
    result = view(job=JobFacts("open", 1, START), search=None)
    assert result.state is JobState.OPEN
    assert (result.can_start, result.can_change_search, result.can_assign) == (True, False, True)
    assert texts.state_detail(result, NOW) == "Noch keine SMS-Suche."


def test_a_started_search_before_its_first_wave_says_the_wave_goes_out():
    result = view(search=SearchFacts("active", 0))
    assert result.state is JobState.SEARCHING and not result.can_start and result.can_change_search
    assert texts.state_detail(result, NOW) == "Die erste Welle geht gleich hinaus."


def test_a_running_search_names_its_wave_and_everyone_asked_waits_for_an_answer():
    result = view(offers=[offer(1), offer(2)])
    assert result.state is JobState.SEARCHING
    assert states(result) == {1: PersonState.NO_ANSWER, 2: PersonState.NO_ANSWER}
    assert texts.state_detail(result, NOW) == "Welle 1 von 3, nächste Welle um 09:45 Uhr"
    assert texts.person_line(result.people[0], NOW) == "Welle 1, angefragt 09:10 Uhr · noch keine Antwort"


def test_the_first_yes_fills_the_job_even_while_the_search_row_still_says_active():
    result = view(offers=[offer(1, "accepted", answered=-10), offer(2)], assignments=[held(1)])
    assert result.state is JobState.FILLED
    assert (result.can_start, result.can_change_search, result.can_assign) == (False, False, False)
    assert states(result) == {1: PersonState.ASSIGNED, 2: PersonState.OFFER_ENDED}
    assert result.waves_expected is None and result.next_wave_at is None  # no "Welle 2 von 3" beside "Besetzt"
    assert texts.person_line(result.people[0], NOW) == "Welle 1, angefragt 09:10 Uhr · hat zugesagt 09:20 Uhr"
    assert texts.state_detail(result, NOW) == "1 von 1 eingeteilt. Die SMS-Suche ist beendet."


def test_a_withdrawal_with_the_search_running_again_shows_the_reason_and_not_a_yes():
    result = view(offers=[offer(1, "accepted", answered=-10), offer(2, "expired")], assignments=[withdrawn(1)])
    assert result.state is JobState.SEARCHING_AGAIN
    assert states(result) == {1: PersonState.WITHDREW, 2: PersonState.OFFER_ENDED}
    assert texts.person_line(result.people[0], NOW) == (
        "Welle 1, angefragt 09:10 Uhr · hat abgesagt 09:25 Uhr: „Bin krank“"
    )
    assert result.can_assign and result.can_change_search


def test_a_withdrawal_without_a_search_waits_for_staff():
    result = view(search=None, assignments=[withdrawn(1)])
    assert result.state is JobState.WITHDRAWN and result.can_start and result.can_assign
    assert result.people[0].asked_at is None  # assigned by hand, never offered


def test_a_search_that_ended_without_a_yes_can_be_widened():
    result = view(job=JobFacts("unfilled", 1, START), search=SearchFacts("exhausted", 2), offers=[offer(1, "expired")])
    assert result.state is JobState.ENDED_WITHOUT_YES and result.can_change_search and not result.can_start
    assert texts.state_detail(result, NOW).startswith("Keine Zusage: niemand mehr zum Anfragen.")


def test_a_cancelled_search_can_start_again_and_a_cancelled_job_offers_nothing():
    stopped = view(job=JobFacts("open", 1, START), search=SearchFacts("cancelled", 1), offers=[offer(1, "expired")])
    assert stopped.state is JobState.SEARCH_CANCELLED and stopped.can_start and not stopped.can_change_search
    cancelled = view(job=JobFacts("cancelled", 1, START), search=SearchFacts("cancelled", 1), offers=[offer(1)])
    assert cancelled.state is JobState.CANCELLED
    assert (cancelled.can_start, cancelled.can_change_search, cancelled.can_assign) == (False, False, False)
    assert states(cancelled) == {1: PersonState.OFFER_ENDED}


def test_a_completed_job_is_completed():
    assert view(job=JobFacts("completed", 1, START), assignments=[held(1)]).state is JobState.COMPLETED


def test_a_release_by_staff_is_no_withdrawal_and_the_search_goes_on():
    released = held(1, status="released", released_at=at(-5))
    result = view(offers=[offer(1, "accepted", answered=-10)], assignments=[released])
    assert result.state is JobState.SEARCHING and states(result) == {1: PersonState.RELEASED}


def test_stopp_decline_and_an_ended_offer_are_three_different_truths():
    result = view(offers=[offer(1, "opted_out", answered=-3), offer(2, "declined", answered=-2), offer(3, "expired")])
    assert states(result) == {1: PersonState.OPTED_OUT, 2: PersonState.DECLINED, 3: PersonState.OFFER_ENDED}
    lines = [texts.person_line(person, NOW) for person in result.people]
    assert lines[0].endswith("hat sich abgemeldet (STOPP) 09:27 Uhr")
    assert lines[1].endswith("hat abgelehnt 09:28 Uhr")
    assert lines[2].endswith("Angebot beendet, ohne Antwort")


def test_a_yes_after_the_job_was_filled_is_a_late_yes_that_cannot_be_assigned_while_full():
    late = [LateYesFacts(7, 2, at(-2))]
    result = view(offers=[offer(1, "accepted", answered=-10), offer(2, "too_late", answered=-2)],
                  assignments=[held(1)], late=late)  # fmt: skip
    assert states(result)[2] is PersonState.LATE and not result.late[0].can_assign
    assert result.late[0].late_yes_id == 7
    assert texts.person_line(result.late[0], NOW).endswith("hat zugesagt 09:28 Uhr, zu spät")


def test_after_a_withdrawal_the_late_yes_can_be_assigned_and_shows_it_was_asked_again():
    late = [LateYesFacts(7, 2, at(-8), asked_again_at=at(-4))]
    offers = [offer(1, "accepted", answered=-10), offer(2, "sent", answered=-8)]  # asked again: waiting
    result = view(offers=offers, assignments=[withdrawn(1)], late=late)
    assert result.state is JobState.SEARCHING_AGAIN
    assert [person.volunteer_id for person in result.late] == [2] and result.late[0].can_assign
    assert texts.person_line(result.late[0], NOW).endswith("zu spät · erneut gefragt 09:26 Uhr")
    assert texts.state_detail(result, NOW).startswith("Spätere Zusagen werden zuerst gefragt.")


def test_a_late_yes_assigned_after_the_withdrawal_fills_the_job_again():
    late = [LateYesFacts(7, 2, at(-8), asked_again_at=at(-4))]
    offers = [offer(1, "accepted", answered=-10), offer(2, "accepted", answered=-1)]
    result = view(offers=offers, assignments=[withdrawn(1), held(2, minutes=-1)], late=late)
    assert result.state is JobState.FILLED
    assert states(result) == {1: PersonState.WITHDREW, 2: PersonState.ASSIGNED} and result.late == ()


def test_a_late_yes_asked_again_who_says_no_is_declined():
    late = [LateYesFacts(7, 2, at(-8), asked_again_at=at(-4))]
    result = view(offers=[offer(2, "declined", answered=-1)], assignments=[withdrawn(1)], late=late)
    assert states(result)[2] is PersonState.DECLINED and result.late == ()


def test_a_no_before_a_late_yes_is_overtaken_by_the_yes():
    result = view(offers=[offer(2, "declined", answered=-9)], late=[LateYesFacts(7, 2, at(-3))])
    assert states(result)[2] is PersonState.LATE


def test_a_yes_with_a_wrong_code_is_kept_with_the_code_they_wrote():
    result = view(offers=[offer(2)], late=[LateYesFacts(7, 2, at(-3), code_given="9999")])
    assert states(result)[2] is PersonState.LATE and result.late[0].can_assign
    assert "hat zugesagt 09:27 Uhr mit falschem Code 9999, zu spät" in texts.person_line(result.late[0], NOW)


def test_the_same_late_yes_twice_is_one_line_with_the_first_time():
    late = [LateYesFacts(8, 2, at(-1)), LateYesFacts(7, 2, at(-3))]
    result = view(offers=[offer(2, "too_late", answered=-3)], assignments=[held(1)], late=late)
    assert len(result.people) == 2 and result.late[0].at == at(-3) and result.late[0].late_yes_id == 7


def test_a_late_yes_from_someone_never_offered_the_job_is_listed_after_the_others():
    result = view(offers=[offer(1)], late=[LateYesFacts(7, 9, at(-1), code_given="1234")])
    assert [person.volunteer_id for person in result.people] == [1, 9]
    assert result.people[1].asked_at is None and result.people[1].state is PersonState.LATE


def test_a_job_for_two_searches_on_after_the_first_yes():
    job = JobFacts("searching", 2, START)
    result = view(job=job, offers=[offer(1, "accepted", answered=-10), offer(2)], assignments=[held(1)])
    assert result.state is JobState.SEARCHING and result.active == 1 and result.can_assign
    assert texts.state_detail(result, NOW) == "1 von 2 eingeteilt. Welle 1 von 3, nächste Welle um 09:45 Uhr"


def test_a_job_that_has_started_ends_every_waiting_offer_and_takes_no_carer():
    result = view(job=JobFacts("unfilled", 1, START), search=SearchFacts("too_late", 2), offers=[offer(1)],
                  now=START + timedelta(minutes=1))  # fmt: skip
    assert states(result) == {1: PersonState.OFFER_ENDED}
    assert (result.can_assign, result.can_change_search, result.can_start) == (False, False, False)


def test_a_by_hand_assignment_says_so_and_times_of_other_days_name_the_day():
    result = view(search=None, assignments=[held(3, minutes=-24 * 60, by_hand=True)])
    assert texts.person_line(result.people[0], NOW) == "von Hand eingeteilt Mi. 25.11. 09:30 Uhr"


def test_someone_asked_outside_the_waves_has_no_wave_in_their_line():
    result = view(offers=[offer(4, wave=0)])
    assert texts.person_line(result.people[0], NOW) == "angefragt 09:10 Uhr · noch keine Antwort"


def test_times_must_be_timezone_aware():
    with pytest.raises(ValueError):
        view(now=datetime(2026, 11, 26, 9, 30))
