from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from telephony.voice.rules import HotlineHours, is_public_holiday

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT = "Mo-Fr 08:00-18:00; PH off"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 26, 9, 30), True),  # Thursday morning
        (at(2026, 11, 26, 7, 59), False),
        (at(2026, 11, 26, 18, 0), False),
        (at(2026, 11, 28, 10, 0), False),  # Saturday
        (at(2026, 10, 3, 10, 0), False),  # Day of German Unity (a Saturday in 2026)
        (at(2025, 10, 31, 10, 0), False),  # Reformation Day, a Friday: a holiday in Lower Saxony only
        (at(2027, 10, 29, 10, 0), True),  # the Friday before it in 2027 is a normal day
        (at(2026, 5, 14, 10, 0), False),  # Ascension Day
        (at(2026, 12, 24, 10, 0), True),  # Christmas Eve is a working day
    ],
)
def test_default_hours_with_lower_saxony_holidays(moment, expected):
    assert HotlineHours(DEFAULT, BERLIN).is_open(moment) is expected


def test_the_answer_kept_for_a_minute_changes_with_the_minute():
    hours = HotlineHours(DEFAULT, BERLIN)
    assert hours.is_open(datetime(2026, 11, 26, 17, 59, 0, tzinfo=BERLIN))
    assert hours.is_open(datetime(2026, 11, 26, 17, 59, 59, 999999, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 11, 26, 18, 0, 0, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 11, 26, 6, 59, 59, tzinfo=UTC))  # 07:59:59 in Berlin
    assert hours.is_open(datetime(2026, 11, 26, 7, 0, 0, tzinfo=UTC))  # 08:00 in Berlin
    assert not hours.is_open(datetime(2026, 11, 27, 7, 59, 30, tzinfo=BERLIN))  # the same minute a day later
    assert hours.is_open(datetime(2026, 11, 27, 17, 59, 30, tzinfo=BERLIN))


def test_reformation_day_is_a_holiday_in_lower_saxony():
    assert is_public_holiday(datetime(2025, 10, 31).date())


def test_the_library_alone_would_get_reformation_day_wrong():
    from opening_hours import OpeningHours

    assert OpeningHours(DEFAULT, country="DE").is_open(datetime(2025, 10, 31, 10))


def test_hours_are_judged_in_berlin_time_whatever_the_zone_of_the_moment():
    from datetime import UTC

    hours = HotlineHours(DEFAULT, BERLIN)
    assert hours.is_open(datetime(2026, 11, 26, 7, 30, tzinfo=UTC))  # 08:30 in Hannover
    assert not hours.is_open(datetime(2026, 7, 2, 5, 30, tzinfo=UTC))  # 07:30 summer time


@pytest.mark.parametrize("expression", ["24/7", "Mo-Su 00:00-24:00"])
def test_always_open_expressions(expression):
    hours = HotlineHours(expression, BERLIN)
    assert hours.is_open(at(2025, 10, 31, 3, 0))
    assert hours.is_open(at(2026, 12, 25, 23, 59))


def test_holiday_rules_apply_on_lower_saxony_only_holidays_too():
    hours = HotlineHours("Mo-Fr 08:00-18:00; PH 10:00-12:00", BERLIN)
    assert hours.is_open(at(2025, 10, 31, 11, 0))
    assert not hours.is_open(at(2025, 10, 31, 9, 0))
    assert hours.next_opening(at(2025, 10, 31, 8, 0)) == at(2025, 10, 31, 10, 0)


def test_next_opening_skips_weekends_and_holidays():
    hours = HotlineHours(DEFAULT, BERLIN)
    assert hours.next_opening(at(2026, 11, 26, 19, 0)) == at(2026, 11, 27, 8, 0)
    assert hours.next_opening(at(2026, 11, 27, 18, 30)) == at(2026, 11, 30, 8, 0)
    # Thursday 30 Oct 2025 evening: Friday is Reformation Day, so Monday 3 November.
    assert hours.next_opening(at(2025, 10, 30, 18, 30)) == at(2025, 11, 3, 8, 0)
    # Christmas 2026: Friday 25th and Saturday 26th, so Monday the 28th.
    assert hours.next_opening(at(2026, 12, 24, 18, 0)) == at(2026, 12, 28, 8, 0)
    assert hours.next_opening(at(2026, 11, 26, 9, 0)) == at(2026, 11, 26, 9, 0)


def test_a_hotline_that_never_opens_has_no_next_opening():
    assert HotlineHours("off", BERLIN).next_opening(at(2026, 11, 26, 9, 0)) is None
