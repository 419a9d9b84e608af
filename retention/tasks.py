"""The nightly purge in the worker: at 03:00 in Hannover a task purges one bounded batch (`service.purge_some`)
in the worker's short transaction and, while more is due, hands on to a new task for the next batch, so the
hotline keeps answering; when nothing is left it schedules the next night. `fluxx serve` (its in-process
worker) and `fluxx worker` schedule the first night at start-up (`schedule_nightly`).

Voicemails are deleted at Twilio over the network, which no task may do inside its transaction: the worker's
`VoicemailSweeper` (a poller, like the SMS sender) does it from the same hour on, a batch per round."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.models import ScheduledTask
from core.worker import Handler, schedule, schedule_once
from messaging.gateway import Recordings
from retention import rules, service

PURGE = "retention.purge"
NIGHT = time(3, 0)
NEXT_BATCH = timedelta(seconds=2)


def next_night(now: datetime, zone: ZoneInfo) -> datetime:
    """The next 03:00 in `zone` after `now` (a wall-clock time, right across the clock changes)."""
    local = now.astimezone(zone)
    day = local.date() if local.time() < NIGHT else local.date() + timedelta(days=1)
    return datetime.combine(day, NIGHT, tzinfo=zone).astimezone(UTC)


def schedule_nightly(db: Session, *, now: datetime, zone: ZoneInfo, days: int) -> None:
    """The next night's purge, once per night (a restart does not add a second; a changed
    FLUXX_RETENTION_DAYS reaches the waiting task)."""
    due = next_night(now, zone)
    key = f"retention:{due.astimezone(zone).date().isoformat()}"
    payload = {"days": days, "zone": zone.key}
    schedule_once(db, kind=PURGE, key=key, due_at=due, now=now, payload=payload, renew=True)


def purge(db: Session, task: ScheduledTask, now: datetime) -> None:
    days, zone = int(task.payload["days"]), ZoneInfo(str(task.payload["zone"]))
    _report, more = service.purge_some(db, now=now, days=days, today=now.astimezone(zone).date())
    if more:
        schedule(db, kind=PURGE, due_at=now + NEXT_BATCH, now=now, payload=dict(task.payload))
    else:
        schedule_nightly(db, now=now, zone=zone, days=days)


def handlers() -> dict[str, Handler]:
    """This module's worker tasks, for the app to assemble (`fluxx.wiring.task_handlers`)."""
    return {PURGE: purge}


class VoicemailSweeper:
    """A poller of the worker: from 03:00 on, deletes due voicemails a batch per round (at Twilio first, then
    here; `service.delete_voicemails`) until none is left, then waits for the next night. Several workers may
    sweep at once: a recording deleted twice is a 404 at Twilio, which counts as deleted."""

    def __init__(
        self, factory: sessionmaker[Session], recordings: Recordings, *, clock: Clock, zone: ZoneInfo, days: int
    ) -> None:
        self.factory, self.recordings, self.clock, self.zone, self.days = factory, recordings, clock, zone, days
        self.next_at: datetime | None = None

    def __call__(self, me: str) -> int:
        now = self.clock()
        if self.next_at is None:
            self.next_at = next_night(now, self.zone)
        if now < self.next_at:
            return 0
        deleted, _kept = service.delete_voicemails(
            self.factory, self.recordings, now=now, days=self.days, limit=rules.VOICEMAIL_BATCH
        )
        self.next_at = now if deleted >= rules.VOICEMAIL_BATCH else next_night(now, self.zone)
        return deleted
