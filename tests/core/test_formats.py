"""German formats: planned times with their weekday, phone numbers as people say them, singular and plural."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.formats import count_de, plural_de, weekday_datetime_de, window_de
from core.phone import display


def test_a_window_on_one_day_names_the_weekday_once():
    # 13:00 and 18:00 in Hannover in November (CET, UTC+1)
    starts, ends = datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert window_de(starts, ends) == "Mo., 30.11.2026, 13:00–18:00 Uhr"


def test_a_window_across_midnight_names_both_days():
    starts, ends = datetime(2026, 11, 30, 21, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC)
    assert window_de(starts, ends) == "Mo., 30.11.2026, 22:00 – Di., 01.12.2026, 06:00 Uhr"


def test_a_window_in_summer_is_shown_in_summer_time():
    starts, ends = datetime(2026, 7, 4, 6, tzinfo=UTC), datetime(2026, 7, 4, 8, 30, tzinfo=UTC)
    assert window_de(starts, ends) == "Sa., 04.07.2026, 08:00–10:30 Uhr"


def test_a_single_moment_with_its_weekday():
    assert weekday_datetime_de(datetime(2026, 12, 6, 9, 15, tzinfo=UTC)) == "So., 06.12.2026, 10:15 Uhr"
    assert window_de(None, None) == "" and weekday_datetime_de(None) == ""


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+4951116832110", "0511 168-32110"),  # the hotline: written as on every page, SMS and bill
        ("+4951116832111", "0511 16832111"),  # another Hannover landline
        ("+493012345678", "030 12345678"),  # Berlin landline
        ("+4915123456789", "0151 23456789"),  # phonenumbers alone says "01512 3456789"
        ("+491601234567", "0160 1234567"),
        ("+4917612345678", "0176 12345678"),
        ("+4915771234567", "0157 71234567"),
        ("+441632960123", "+44 1632 960123"),
        ("+905321234567", "+90 532 123 45 67"),
        (None, "unbekannt"),
        ("anonymous", "anonymous"),
    ],
)
def test_phone_numbers_are_grouped_as_people_say_them(number, shown):
    assert display(number) == shown


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0 Rückrufe nötig"), (1, "1 Rückruf nötig"), (2, "2 Rückrufe nötig"), (11, "11 Rückrufe nötig")],
)
def test_counts_take_the_singular_only_for_one(count, shown):
    assert count_de(count, "Rückruf nötig", "Rückrufe nötig") == shown


def test_plural_gives_only_the_word():
    assert plural_de(1, "Einsatz wartet", "Einsätze warten") == "Einsatz wartet"
    assert plural_de(3, "Einsatz wartet", "Einsätze warten") == "Einsätze warten"


def test_remembered_texts_keep_apart_zones_and_patterns_and_stay_bounded():
    from zoneinfo import ZoneInfo

    from core.formats import _formatted, datetime_de, time_de

    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 in Berlin, summer time begins at 02:00
    assert datetime_de(moment) == "29.03.2026, 01:30"
    assert time_de(moment) == "01:30"
    assert datetime_de(moment, ZoneInfo("Europe/London")) == "29.03.2026, 00:30"
    later = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # after the change: 03:30 summer time
    assert time_de(later) == "03:30" and time_de(moment) == "01:30"
    assert _formatted.cache_info().maxsize == 8192
