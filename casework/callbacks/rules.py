"""Call-back rules, pure: how long a claim ("Ich rufe zurück") holds, and the outcomes staff record."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

# A claim this old may be taken over: the first person may have gone home.
CLAIM_TIMEOUT = timedelta(minutes=30)


class Claimable(Protocol):
    """A case as far as its call-back claim goes."""

    @property
    def callback_claimed_by_id(self) -> int | None: ...

    @property
    def callback_claimed_at(self) -> datetime | None: ...


class CallbackOutcome(enum.StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    GIVE_UP = "give_up"

    @property
    def label(self) -> str:
        return {
            "reached": "Erreicht",
            "not_reached": "Nicht erreicht, später noch einmal versuchen",
            "give_up": "Nicht erreicht, Fall schließen",
        }[self.value]

    @property
    def result(self) -> str:
        """How an attempt went, in the list of attempts ("1. Versuch … · Nicht erreicht")."""
        return {
            "reached": "Erreicht",
            "not_reached": "Nicht erreicht",
            "give_up": "Nicht erreicht, Fall geschlossen",
        }[self.value]


# An attempt with one of these outcomes ends the call-back; a later call-back of the case counts from 1 again.
ENDING = frozenset({CallbackOutcome.REACHED, CallbackOutcome.GIVE_UP})


def attempt_numbers(outcomes: Iterable[CallbackOutcome]) -> list[int]:
    """The number of each attempt (oldest first) within its call-back: 1, 2, … until one ends it."""
    numbers, current = [], 0
    for outcome in outcomes:
        current += 1
        numbers.append(current)
        if outcome in ENDING:
            current = 0
    return numbers


def stale_before(now: datetime) -> datetime:
    """Claims taken before this moment no longer hold (the one place of the timeout, for SQL and Python)."""
    return now - CLAIM_TIMEOUT


def active_claimer_id(case: Claimable, now: datetime) -> int | None:
    """Who is calling back right now; a claim older than CLAIM_TIMEOUT no longer counts."""
    if case.callback_claimed_by_id and case.callback_claimed_at and case.callback_claimed_at >= stale_before(now):
        return case.callback_claimed_by_id
    return None
