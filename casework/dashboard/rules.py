"""The dashboard's order, pure: what needs someone now comes first, empty sections fold to one line.

A section is named by its element id on the page (the tiles link to it, the tests find it by it). The rule
gets how many entries each section has and answers in which order they are shown:

1. urgent sections with entries, in a fixed order of urgency (a call ringing now before a family waiting for
   a call back, before a volunteer's withdrawal, …);
2. the day's work with entries, in a fixed order;
3. every empty section, urgent ones first, to be shown together as one compact line, not a card each.

The live call has no line when it is empty: "no call ringing" is the normal state, not news.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from casework.calls.rules import LiveState, LiveStateKind


class Section(StrEnum):
    """The dashboard's sections; the value is the section's element id."""

    LIVE_CALLS = "live-calls"  # "Anruf jetzt": ringing or in conversation right now
    CALLBACKS = "callbacks"  # "Rückruf nötig"
    WITHDRAWALS = "withdrawals"  # a volunteer withdrew, the job needs a carer again
    JOBS_UNFILLED = "jobs-unfilled"  # the SMS search ended without a yes
    HOURS_TO_CONFIRM = "hours-to-confirm"  # carers reported hours, staff confirm them
    HOURS_MISSING = "hours-missing"  # a carer was asked and reminded and reported no hours
    CALLS_TODAY = "calls-today"
    MY_CASES = "my-cases"
    UNASSIGNED = "unassigned"
    JOBS_SEARCHING = "jobs-searching"
    JOBS_WAITING = "jobs-waiting"
    ASSIGNED_TODAY = "assigned-today"


# What needs someone now, the most urgent first.
URGENT: tuple[Section, ...] = (
    Section.LIVE_CALLS,
    Section.CALLBACKS,
    Section.WITHDRAWALS,
    Section.JOBS_UNFILLED,
    Section.HOURS_TO_CONFIRM,
    Section.HOURS_MISSING,
)
# The day's work: looked at, but nobody is waiting on the line for it.
WORK: tuple[Section, ...] = (
    Section.CALLS_TODAY,
    Section.MY_CASES,
    Section.UNASSIGNED,
    Section.JOBS_SEARCHING,
    Section.JOBS_WAITING,
    Section.ASSIGNED_TODAY,
)
# Sections left out altogether when empty.
SILENT_WHEN_EMPTY = frozenset({Section.LIVE_CALLS})

# A call that needs someone now: ringing the staff on duty, or a conversation going on.
LIVE_KINDS = frozenset({LiveStateKind.RINGING, LiveStateKind.TALKING})


def is_live(state: LiveState) -> bool:
    """The call is ringing or being talked on right now (not ended, not at the voicemail)."""
    return state.kind in LIVE_KINDS


@dataclass(frozen=True)
class Arrangement:
    urgent: tuple[Section, ...]  # need someone now and have entries, the most urgent first
    work: tuple[Section, ...]  # the day's work with entries
    empty: tuple[Section, ...]  # nothing in them: one compact line together, urgent ones first

    @property
    def order(self) -> tuple[Section, ...]:
        """Every section shown, top to bottom."""
        return self.urgent + self.work + self.empty

    def is_urgent(self, section: Section) -> bool:
        return section in self.urgent


def arrange(sizes: Mapping[Section, int]) -> Arrangement:
    """The order of the dashboard's sections for how many entries each has (every section must be given)."""
    missing = set(Section) - set(sizes)
    if missing:
        raise ValueError(f"no size for {sorted(missing)}")
    return Arrangement(
        urgent=tuple(section for section in URGENT if sizes[section] > 0),
        work=tuple(section for section in WORK if sizes[section] > 0),
        empty=tuple(s for s in URGENT + WORK if sizes[s] <= 0 and s not in SILENT_WHEN_EMPTY),
    )
