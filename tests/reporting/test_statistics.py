"""The statistics on a small hand-made history (tests/reporting/dataset.py): every figure counted by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from reporting.statistics.rules import Span
from reporting.statistics.service import By, Scope, breakdown, calls_by_hour, coverage, totals
from tests.reporting import dataset

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = Scope(Span(date(2026, 1, 1), date(2026, 12, 31)), BERLIN, dataset.NOW)


def test_the_year_s_totals_are_the_hand_counted_ones(db):
    dataset.build(db)
    assert totals(db, YEAR).as_json() == dataset.EXPECTED_2026


def test_the_year_before_has_its_one_session_and_the_new_year_s_night_case_belongs_to_january(db):
    dataset.build(db)
    assert totals(db, YEAR.year_before()).counselling_sessions == 1  # J; H opened at 00:30 local on 1 January
    months = {row.key: row for row in breakdown(db, YEAR, By.MONTH)}
    assert len(months) == 12
    assert months["2026-01"].counselling_sessions == 2  # A and H (D was merged into A)
    assert months["2026-01"].care_hours == Decimal("4")
    assert months["2026-03"].counselling_sessions == 1  # E; B is 1 April in Hannover, 31 March in UTC
    assert months["2026-04"].counselling_sessions == 1 and months["2026-04"].driving_services == 1
    assert months["2026-07"].counselling_sessions == 0  # C was a hung-up call
    assert months["2026-05"].emergencies == 1 and months["2026-05"].care_hours == 0
    assert sum(row.counselling_sessions for row in months.values()) == 7


def test_the_breakdowns_by_need_municipality_and_partner(db):
    history = dataset.build(db)
    needs = {row.label: row.counselling_sessions for row in breakdown(db, YEAR, By.NEED)}
    assert needs == {
        "Kinderbetreuung": 3,
        "Betreuung von Angehörigen": 1,
        "Fahrdienst": 1,
        "Nur Beratung": 1,
        "Anderes Anliegen": 1,
    }
    places = {row.label: (row.counselling_sessions, row.emergencies) for row in breakdown(db, YEAR, By.MUNICIPALITY)}
    assert places == {"Springe": (2, 1), "Ohne Kommune": (5, 1)}
    companies = breakdown(db, YEAR, By.PARTNER_COMPANY)
    assert [(row.label, row.counselling_sessions, row.emergencies) for row in companies] == [
        ("Leinewerke Hannover GmbH", 1, 1)  # F in May; G in September, after the company left
    ]
    residents = breakdown(db, YEAR, By.PARTNER_MUNICIPALITY)
    assert [(row.label, row.counselling_sessions) for row in residents] == [("Springe", 1)]  # I, not A (January)
    assert history.partner.name == companies[0].label


def test_calls_by_local_hour_and_weekday(db):
    dataset.build(db)
    by_hour, by_weekday = calls_by_hour(db, YEAR)
    assert {hour: n for hour, n in enumerate(by_hour) if n} == {10: 1, 0: 1, 14: 1}
    assert by_weekday == [0, 0, 2, 1, 0, 0, 0]  # Wednesday 1 April and 1 July, Thursday 15 January


def test_the_network_on_a_day_follows_the_partner_periods(db):
    dataset.build(db)
    may = coverage(db, date(2026, 5, 1))
    assert [(m.name, m.people) for m in may.companies] == [
        ("Calenberger Bäckerei eG", 85),
        ("Leinewerke Hannover GmbH", 1200),
    ]
    assert may.municipalities == [] and [(m.name, m.people) for m in may.city] == [("Hannover", 539_641)]
    autumn = coverage(db, date(2026, 10, 1))
    assert [m.name for m in autumn.companies] == ["Calenberger Bäckerei eG"]
    assert [(m.name, m.people) for m in autumn.municipalities] == [("Springe", 29_500)]
    assert autumn.total(autumn.companies) == 85


def test_the_offset_pieces_and_month_ranges_follow_summer_time():
    from datetime import UTC, datetime

    from reporting.statistics.rules import month_bounds, offset_changes

    start, end = YEAR.bounds
    assert offset_changes(start, end, BERLIN) == [
        (start, 60),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 120),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 60),
    ]
    months = month_bounds(YEAR.span, BERLIN)
    assert months[3] == ("2026-04", datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 30, 22, tzinfo=UTC))
    assert months[0][1] == datetime(2025, 12, 31, 23, tzinfo=UTC) and months[-1][2] == end
