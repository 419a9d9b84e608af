"""Pure rules of assignments: whether a job has room for one more carer, and when the reminder goes out."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fluxx.core.formats import BERLIN

# The default local hour of the evening before the job when the assigned volunteer gets a reminder;
# FLUXX_REMINDER_HOUR changes it (the app layer passes it to `tasks.configure`).
REMINDER_HOUR = 18


def has_room(*, active: int, needed: int) -> bool:
    """Whether a job with `active` assignments still takes a carer (at least one is always needed)."""
    return active < max(needed, 1)


def is_full(*, active: int, needed: int) -> bool:
    return not has_room(active=active, needed=needed)


def reminder_due(
    *, starts_at: datetime, now: datetime, zone: ZoneInfo = BERLIN, hour: int = REMINDER_HOUR
) -> datetime | None:
    """When to remind: the evening before the start at `hour` local time, or now if that has passed
    (an assignment made late the evening before or on the day); None once the job has started."""
    if starts_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("starts_at and now must be timezone-aware")
    if now >= starts_at:
        return None
    day_before = starts_at.astimezone(zone).date() - timedelta(days=1)
    evening = datetime.combine(day_before, time(hour), tzinfo=zone)
    return max(evening, now)
