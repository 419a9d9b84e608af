"""The ground floor's day boundaries: local midnight as a day's start, 23:59 as a stored "24:00"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.clock import MIDNIGHT_END, day_start
from volunteers.matching import texts

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_day_starts_at_local_midnight():
    assert day_start(date(2026, 11, 26), BERLIN) == datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    assert day_start(date(2026, 7, 1), BERLIN) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # summer time


def test_the_end_of_a_day_is_stored_as_23_59_and_read_as_24_00():
    assert time(23, 59) == MIDNIGHT_END
    assert texts.clock(MIDNIGHT_END) == "24:00"
    assert texts.clock(time(23, 58)) == "23:58"
