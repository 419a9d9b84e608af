"""The clock is injected so that tests decide what time it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Clock = Callable[[], datetime]

# How a time of day "until midnight" is stored (availability slots, a job's piece of a day): the last
# minute of the day; people read and write "24:00".
MIDNIGHT_END = time(23, 59)


def day_start(day: date, zone: tzinfo) -> datetime:
    """Local midnight at the start of `day` in `zone`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone)


def system_clock() -> datetime:
    return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: stands still until told to move."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)
