"""`fluxx demo --from 2015-01-01 --to 2022-06-30 --seed-totals`: the statistics of the seed's report, to the unit.

The figures are read as an operator reads them, with `fluxx stats --format json` in a process of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.jobs.models import CareJob
from core.db import make_engine
from core.models import AuditEvent
from tests import calibrated_demo
from tests.calibrated_demo import run

BERLIN = ZoneInfo("Europe/Berlin")
END = datetime(2023, 1, 1, tzinfo=UTC)  # the history's rows are older; the demo of today's follow the clock


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    made = calibrated_demo.template(tmp_path_factory)
    workdir = tmp_path_factory.mktemp("stats")
    return calibrated_demo.copy(made, workdir), workdir


def _stats(history: tuple[str, Path], first: str, last: str) -> dict[str, Any]:
    finished = run(*history, "stats", "--from", first, "--to", last, "--format", "json")
    assert finished.returncode == 0, finished.output
    found: dict[str, Any] = json.loads(finished.stdout)
    return found


def test_the_seed_period_has_the_reports_four_figures_exactly(history):
    totals = _stats(history, "2015-01-01", "2022-06-30")["totals"]
    assert totals["counselling_sessions"] == 9_832
    assert totals["emergencies"] == 3_900
    assert totals["care_hours"] == 16_033.0
    assert totals["driving_services"] == 297


@pytest.mark.parametrize(("first", "last"), [("2021-01-01", "2021-12-31"), ("2022-01-01", "2022-12-31")])
def test_in_2021_and_2022_more_than_half_the_requests_had_a_concrete_care_need(history, first, last):
    totals = _stats(history, first, last)["totals"]
    assert totals["concrete_need_share"] > 50.0
    assert totals["concrete_need_cases"] * 2 > totals["counselling_sessions"] > 800


@pytest.mark.parametrize("last", ["2021-12-31", "2022-06-30", "2022-12-31"])
def test_the_network_of_2021_and_2022_is_the_reports(history, last):
    coverage = _stats(history, last, last)["coverage"]
    assert coverage == {
        "day": last, "partner_companies": 47, "employees": 86_546, "partner_municipalities": 14,
        "residents": 464_949, "city_residents": 539_641,
    }  # fmt: skip


def test_today_the_48th_company_and_the_15th_municipality_have_joined(history):
    coverage = _stats(history, "2023-01-01", "2023-01-01")["coverage"]
    assert (coverage["partner_companies"], coverage["partner_municipalities"]) == (48, 15)


def test_the_calls_come_on_weekdays_in_the_hotlines_hours_most_in_the_morning(history):
    engine = make_engine(history[0])
    with engine.connect() as connection:
        calls = connection.execute(select(Call.started_at).where(Call.started_at < END)).scalars().all()
    engine.dispose()
    local = [at.astimezone(BERLIN) for at in calls]
    assert sum(at.weekday() < 5 for at in local) > 0.99 * len(local)
    assert sum(7 <= at.hour < 18 for at in local) > 0.99 * len(local)
    assert sum(at.hour in (8, 9) for at in local) > sum(at.hour in (16, 17) for at in local)


def _history_rows(url: str) -> dict[str, list[Any]]:
    """The history's rows (not the demo of today, whose times follow the clock), ids included."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                "case": list(connection.execute(select(Case.__table__).where(Case.year < 2023).order_by(Case.id))),
                "call": list(connection.execute(select(Call.__table__).where(Call.call_sid.not_like("CADEMO%"))
                                                .order_by(Call.id))),
                "job": list(connection.execute(select(CareJob.__table__).where(CareJob.starts_at < END)
                                               .order_by(CareJob.id))),
                "audit": list(connection.execute(select(AuditEvent.__table__).where(AuditEvent.at < END)
                                                 .order_by(AuditEvent.id))),
            }  # fmt: skip
    finally:
        engine.dispose()


def test_the_same_seed_makes_the_same_rows_and_another_seed_others(tmp_path):
    made = {}
    for name, seed in (("first", "5"), ("again", "5"), ("other", "6")):
        workdir = tmp_path / name
        workdir.mkdir()
        url = calibrated_demo.fresh_database(workdir)
        finished = run(url, workdir, "demo", "--from", "2019-03-01", "--to", "2019-03-31", "--seed", seed)
        assert finished.returncode == 0, finished.output
        assert "Vorgeschichte 01.03.2019–31.03.2019" in finished.stdout
        made[name] = _history_rows(url)
    assert made["first"]["case"] and made["first"]["audit"]
    assert made["first"] == made["again"]
    assert made["first"]["case"] != made["other"]["case"]


@pytest.mark.parametrize(("first", "last"), [("2022-07-01", "2022-06-30"), ("2015-01-01", "2099-12-31"), ("x", "y")])
def test_a_history_needs_a_period_that_ended_before_this_month(tmp_path, first, last):
    url = calibrated_demo.fresh_database(tmp_path)
    finished = run(url, tmp_path, "demo", "--from", first, "--to", last, "--seed-totals")
    assert finished.returncode == 2
    assert "--to vor dem laufenden Monat" in finished.stderr
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(select(Case.id)).first() is None  # nothing loaded
    engine.dispose()
