"""The one state of a job's search for a carer, and the truth about every person asked, derived from the rows.

Pure: no database, no I/O; the clock is passed in. The job page shows exactly what `derive` answers (and
offers only the actions it allows), so a filled job never says "Suche läuft" beside "Besetzt", a carer who
withdrew is never listed as "Zusage", and a STOPP or a late yes is never "ohne Antwort beendet".

The job's state, in this order: cancelled, completed, filled (the active assignments cover the carers needed,
whatever the search row says: the wave task that records it may run a moment later), then a withdrawal that
is not yet replaced (searching again, or waiting for staff when no search runs), a running search, a search
that ended without a yes, a search staff cancelled, and no search at all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Job and search statuses as stored (the values of `casework.enums.JobStatus` and `models.OutreachStatus`).
JOB_WAITING = frozenset({"open", "searching", "unfilled"})
SEARCH_ENDED_WITHOUT_YES = frozenset({"exhausted", "limit_reached", "too_late"})
SEARCH_RUNNING_OR_ENDED = frozenset({"active"}) | SEARCH_ENDED_WITHOUT_YES


class JobState(enum.StrEnum):
    OPEN = "open"  # no SMS search (yet): staff may start one
    SEARCHING = "searching"  # waves go out or wait for answers
    FILLED = "filled"
    SEARCHING_AGAIN = "searching_again"  # a carer withdrew; the search runs again
    WITHDRAWN = "withdrawn"  # a carer withdrew and no search runs: staff must act
    ENDED_WITHOUT_YES = "ended_without_yes"  # the search is over without enough carers
    SEARCH_CANCELLED = "search_cancelled"  # staff stopped the search; the job still waits
    CANCELLED = "cancelled"  # the job itself was cancelled
    COMPLETED = "completed"


class PersonState(enum.StrEnum):
    """What became of one person asked (or assigned by hand), the latest that is true first."""

    ASSIGNED = "assigned"  # has the job now
    WITHDREW = "withdrew"  # had it and withdrew by SMS (ABSAGE), with the reason they gave
    RELEASED = "released"  # had it and staff released the assignment
    OPTED_OUT = "opted_out"  # sent STOPP while the offer waited
    DECLINED = "declined"
    LATE = "late"  # said yes when it could not win (or with a wrong code): "Spätere Zusagen"
    NO_ANSWER = "no_answer"  # asked, the offer still waits
    OFFER_ENDED = "offer_ended"  # asked, no answer, the offer is over (filled, cancelled, started)


@dataclass(frozen=True)
class JobFacts:
    status: str  # JobStatus value
    carers_needed: int
    starts_at: datetime


@dataclass(frozen=True)
class SearchFacts:
    status: str  # OutreachStatus value
    waves_sent: int
    waves_expected: int | None = None
    next_wave_at: datetime | None = None


@dataclass(frozen=True)
class OfferFacts:
    volunteer_id: int
    wave: int
    status: str  # OfferStatus value
    sent_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True)
class AssignmentFacts:
    volunteer_id: int
    status: str  # AssignmentStatus value
    assigned_at: datetime
    by_hand: bool = False
    released_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None  # the text of the volunteer's withdrawal SMS


@dataclass(frozen=True)
class LateYesFacts:
    id: int
    volunteer_id: int
    said_at: datetime
    code_given: str | None = None  # another code than the job's: a typo kept on this job
    asked_again_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    volunteer_id: int
    state: PersonState
    asked_at: datetime | None = None  # when the offer went out (None: assigned by hand without one)
    wave: int | None = None
    at: datetime | None = None  # when the state began: the yes, the no, the withdrawal, the STOPP
    reason: str | None = None  # WITHDREW: what they wrote
    by_hand: bool = False  # ASSIGNED: by a coordinator, not by their SMS
    late_yes_id: int | None = None
    code_given: str | None = None  # LATE with a wrong code
    asked_again_at: datetime | None = None  # LATE: asked whether they can still come
    can_assign: bool = False  # LATE: the "Einteilen" button applies now


@dataclass(frozen=True)
class JobView:
    state: JobState
    active: int  # carers who have the job now
    needed: int
    people: tuple[Person, ...]
    search_status: str | None = None  # the search row's status, for the reason it ended
    waves_sent: int = 0
    waves_expected: int | None = None
    next_wave_at: datetime | None = None
    can_start: bool = False  # "Betreuung per SMS suchen"
    can_change_search: bool = False  # "SMS-Suche erweitern" / "abbrechen"
    can_assign: bool = False  # room for a carer now: "Einteilen" applies

    @property
    def late(self) -> tuple[Person, ...]:
        """ "Spätere Zusagen": people whose yes came late (or with a wrong code) and who have not been
        assigned, declined, withdrawn or opted out since."""
        return tuple(person for person in self.people if person.state is PersonState.LATE)

    @property
    def searching(self) -> bool:
        return self.state in (JobState.SEARCHING, JobState.SEARCHING_AGAIN)


def job_state(job: JobFacts, search: SearchFacts | None, assignments: Sequence[AssignmentFacts]) -> JobState:
    """The job's one state (see the module's docstring for the order)."""
    active = sum(1 for a in assignments if a.status == "active")
    if job.status == "cancelled":
        return JobState.CANCELLED
    if job.status == "completed":
        return JobState.COMPLETED
    if active >= max(job.carers_needed, 1):
        return JobState.FILLED
    withdrawn = any(a.status != "active" and a.withdrawn_at is not None for a in assignments)
    running = search is not None and search.status == "active"
    if withdrawn:
        return JobState.SEARCHING_AGAIN if running else JobState.WITHDRAWN
    if running:
        return JobState.SEARCHING
    if search is not None and search.status in SEARCH_ENDED_WITHOUT_YES:
        return JobState.ENDED_WITHOUT_YES
    if search is not None and search.status == "cancelled":
        return JobState.SEARCH_CANCELLED
    return JobState.OPEN


def derive(
    *,
    job: JobFacts,
    search: SearchFacts | None,
    offers: Iterable[OfferFacts],
    assignments: Sequence[AssignmentFacts],
    late_yeses: Iterable[LateYesFacts] = (),
    now: datetime,
) -> JobView:
    """The job page's truth: the job's state, the actions that apply, and one line per person."""
    if now.utcoffset() is None or job.starts_at.utcoffset() is None:
        raise ValueError("now and starts_at must be timezone-aware")
    state = job_state(job, search, assignments)
    active = sum(1 for a in assignments if a.status == "active")
    started = now >= job.starts_at
    can_assign = job.status in JOB_WAITING and active < max(job.carers_needed, 1) and not started
    offers = sorted(offers, key=lambda o: (o.wave, o.sent_at, o.volunteer_id))
    held = {a.volunteer_id: a for a in assignments}
    late: dict[int, LateYesFacts] = {}
    for yes in sorted(late_yeses, key=lambda y: y.said_at, reverse=True):
        late[yes.volunteer_id] = yes  # the same yes twice: the first one counts
    offer_ended = started or state in (JobState.FILLED, JobState.CANCELLED, JobState.COMPLETED)
    order = [o.volunteer_id for o in offers]
    order += sorted((v for v in held if v not in order), key=lambda v: held[v].assigned_at)
    order += sorted((v for v in late if v not in order), key=lambda v: late[v].said_at)
    by_volunteer = {o.volunteer_id: o for o in offers}
    people = tuple(
        _person(v, by_volunteer.get(v), held.get(v), late.get(v), offer_ended=offer_ended, can_assign=can_assign)
        for v in order
    )
    running = state in (JobState.SEARCHING, JobState.SEARCHING_AGAIN)
    return JobView(
        state=state,
        active=active,
        needed=job.carers_needed,
        people=people,
        search_status=search.status if search else None,
        waves_sent=search.waves_sent if search else 0,
        waves_expected=search.waves_expected if search and running else None,
        next_wave_at=search.next_wave_at if search and running else None,
        can_start=(search is None or search.status == "cancelled") and job.status in JOB_WAITING and can_assign,
        can_change_search=(
            search is not None
            and search.status in SEARCH_RUNNING_OR_ENDED
            and state not in (JobState.FILLED, JobState.CANCELLED, JobState.COMPLETED)
            and not started
        ),
        can_assign=can_assign,
    )


def _person(
    volunteer_id: int,
    offer: OfferFacts | None,
    assignment: AssignmentFacts | None,
    late: LateYesFacts | None,
    *,
    offer_ended: bool,
    can_assign: bool,
) -> Person:
    """One person's line: holding the job, else what they did last (a withdrawal or release, a STOPP, a no
    that came after their late yes, a late yes), else whether their offer still waits."""

    def line(state: PersonState, **values: Any) -> Person:
        asked_at, wave = (offer.sent_at, offer.wave) if offer else (None, None)
        return Person(volunteer_id, state, asked_at=asked_at, wave=wave, **values)

    if assignment is not None and assignment.status != "released":
        said = offer.answered_at if offer and offer.status == "accepted" else None
        return line(PersonState.ASSIGNED, at=said or assignment.assigned_at, by_hand=assignment.by_hand)
    late_at = late.said_at if late else None
    if assignment is not None and (late_at is None or (assignment.released_at or late_at) >= late_at):
        if assignment.withdrawn_at is not None:
            return line(PersonState.WITHDREW, at=assignment.withdrawn_at, reason=assignment.withdrawal_reason)
        return line(PersonState.RELEASED, at=assignment.released_at)
    if offer is not None and offer.status == "opted_out":
        return line(PersonState.OPTED_OUT, at=offer.answered_at)
    no_after_late = late_at is None or (offer is not None and (offer.answered_at or late_at) > late_at)
    if offer is not None and offer.status == "declined" and no_after_late:
        return line(PersonState.DECLINED, at=offer.answered_at)
    if late is not None or (offer is not None and offer.status == "too_late"):
        return line(
            PersonState.LATE, at=late_at or (offer.answered_at if offer else None),
            late_yes_id=late.id if late else None, code_given=late.code_given if late else None,
            asked_again_at=late.asked_again_at if late else None, can_assign=can_assign,
        )  # fmt: skip
    if offer is not None and offer.status == "sent" and not offer_ended:
        return line(PersonState.NO_ANSWER)
    return line(PersonState.OFFER_ENDED)
