"""When each step of a story happened, and the numbers the history hands out.

The moments are the history's convention for the services' steps (the hours are confirmed the next working day,
a month's bills are issued on the 2nd of the next month); the numbers are those of the services' counters: case
numbers per year in the order the calls came, bill numbers per year in the order a monthly run issues them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from billing.bills import rules as bills
from casework.cases.models import YearlyCounter
from casework.cases.opening import CASE_NUMBERS, case_number
from casework.enums import CaseStatus
from core.db import insert_on_conflict
from fluxx.history.plan import BERLIN, Kind, Story

S = CaseStatus
CONFIRM_AFTER = timedelta(hours=18)  # staff confirm a job's hours the next working day
BILL_HOUR = 9  # a month's bills are issued on the 2nd of the next month from 9 o'clock


@dataclass(frozen=True)
class Numbered:
    """A story with its case number and the numbers of its bills (month → (year, seq, issued_at))."""

    story: Story
    year: int
    seq: int
    bills: dict[date, tuple[int, int, datetime]] = field(default_factory=dict)


def number(stories: Sequence[Story], taken: dict[tuple[str, int], int]) -> list[Numbered]:
    """Case numbers in the order the calls came and bill numbers in the order a monthly run issues them (by
    case number), each per year after the numbers already `taken` ({(scope, year): last}); updates `taken`."""
    found = []
    for story in stories:
        year = story.opened_at.astimezone(BERLIN).year
        taken[(CASE_NUMBERS, year)] = seq = taken.get((CASE_NUMBERS, year), 0) + 1
        found.append(Numbered(story, year, seq))
    runs: dict[date, list[Numbered]] = defaultdict(list)
    for item in found:
        for month in sorted({bill_month(job.starts_at) for job in item.story.jobs if job.hours is not None}):
            runs[month].append(item)
    for month in sorted(runs):
        issued = issue_day(month)
        for n, item in enumerate(sorted(runs[month], key=lambda i: case_number(i.year, i.seq))):
            at = issued + timedelta(seconds=4 * n)
            year = at.astimezone(BERLIN).year
            taken[(bills.NUMBER_SCOPE, year)] = seq = taken.get((bills.NUMBER_SCOPE, year), 0) + 1
            item.bills[month] = (year, seq, at)
    return found


def bill_month(at: datetime) -> date:
    return at.astimezone(BERLIN).date().replace(day=1)


def issue_day(month: date) -> datetime:
    following = bills.next_month(month)
    return datetime.combine(following.replace(day=2), datetime.min.time(), BERLIN) + timedelta(hours=BILL_HOUR)


def created_at(story: Story, n: int) -> datetime:
    return story.documented_at + timedelta(minutes=1, seconds=20 * n)


def assigned_at(story: Story, n: int) -> datetime:
    return story.documented_at + timedelta(minutes=30 + 5 * n)


def closed_at(story: Story) -> datetime:
    """When the case was closed: a no-case call five minutes after it ended, counselling two minutes after it was
    documented, care after the last hours were confirmed, a ride the day after."""
    if story.kind is Kind.NO_CASE:
        return story.ended_at + timedelta(minutes=5)
    if story.kind is Kind.COUNSELLING:
        return story.documented_at + timedelta(minutes=2)
    return max(job.ends_at for job in story.jobs) + CONFIRM_AFTER + timedelta(minutes=10)


def closing_status(story: Story) -> CaseStatus:
    """A counselling case ends completed, or (one in four) closed without need; every other story as it must."""
    if story.kind is Kind.NO_CASE:
        return S.CLOSED_NO_NEED
    if story.kind is Kind.COUNSELLING and int(story.call_sid[-1], 16) < 4:
        return S.CLOSED_NO_NEED
    return S.COMPLETED


def save_counters(db: Session, taken: dict[tuple[str, int], int]) -> None:
    """The yearly counters after the numbers handed out, so the services go on from there."""
    for (scope, year), last in taken.items():
        statement = insert_on_conflict(db, YearlyCounter).values(scope=scope, year=year, last_value=last)
        db.execute(statement.on_conflict_do_update(index_elements=[YearlyCounter.scope, YearlyCounter.year],
                                                   set_={"last_value": last}))  # fmt: skip
