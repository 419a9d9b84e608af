"""The worker keeps the statistics of ended months counted ahead of the page (`months.keep`): a month that has
just ended, and a past month whose hours, jobs or cases changed, are counted in the background a batch at a time,
so a coordinator opening the statistics reads kept months instead of waiting for the counting."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from reporting.statistics import months

EVERY = timedelta(minutes=1)  # how often the keeper looks for stale months
PAUSE = timedelta(seconds=1)  # between two batches while more are stale: the hotline gets the machine in between


class StatisticsKeeper:
    """A poller of the worker (like the SMS sender): every minute, counts up to a batch of stale months and keeps
    them; while more are stale, the next batch a second later. Several workers may keep at once: a month is kept
    only if nothing changed it while it was counted (`months._store`), whoever counted it."""

    def __init__(self, factory: sessionmaker[Session], *, clock: Clock, zone: ZoneInfo) -> None:
        self.factory, self.clock, self.zone = factory, clock, zone
        # Not at start-up: a server (re)started in a busy hour answers calls first.
        self.next_at: datetime | None = clock() + EVERY

    def __call__(self, me: str) -> int:
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            return 0
        self.next_at = now + EVERY  # also after an error: the worker logs it and the keeper tries again later
        kept, left = months.keep(self.factory, zone=self.zone, now=now)
        if left:
            self.next_at = now + PAUSE
        return kept
