"""`fluxx stats` as an operator runs it: in a subprocess, on the suite's migrated database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import install_secret
from tests.fluxx import test_cli_processes as cli
from tests.reporting import dataset

# The first half of 2026 of the hand-made history: nothing in it depends on today's date.
HALF_YEAR = ("--from", "2026-01-01", "--to", "2026-06-30")


@pytest.fixture
def installation(engine, tmp_path: Path) -> cli.Installation:
    found = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    install_secret(found.workdir / "fluxx-secret")
    return found


def test_json_has_the_stable_english_keys_and_the_hand_counted_figures(db, installation):
    dataset.build(db)
    finished = installation.run("stats", *HALF_YEAR, "--format", "json", "--by", "partner")
    assert finished.returncode == 0, finished.output
    found = json.loads(finished.stdout)
    assert found["from"] == "2026-01-01" and found["to"] == "2026-06-30"
    assert found["totals"] == {
        "counselling_sessions": 5,  # A, B, E, F, H
        "emergencies": 2,
        "care_hours": 4.0,
        "driving_services": 1,
        "concrete_need_cases": 2,
        "concrete_need_share": 40.0,
        "jobs": 3,
        "jobs_filled": 3,
        "jobs_filled_share": 100.0,
        "volunteers_active": 2,
        "average_hours_to_assignment": 1.5,
    }
    companies = found["breakdowns"]["partner_company"]
    assert [(row["label"], row["counselling_sessions"]) for row in companies] == [("Leinewerke Hannover GmbH", 1)]
    assert found["breakdowns"]["partner_municipality"] == []


def test_the_table_shows_the_totals_first_then_the_months(db, installation):
    dataset.build(db)
    finished = installation.run("stats", *HALF_YEAR, "--by", "month")
    assert finished.returncode == 0, finished.output
    lines = finished.stdout.splitlines()
    assert lines[0] == "Statistik 01.01.2026–30.06.2026"
    assert lines[3].split() == ["Krisenberatungen", "5"]
    assert any(line.split()[:3] == ["April", "2026", "1"] for line in lines)
    assert finished.stdout.index("Kennzahl") < finished.stdout.index("Monat")


def test_csv_is_utf8_with_bom_and_german_numbers(db, installation):
    dataset.build(db)
    finished = installation.run("stats", *HALF_YEAR, "--format", "csv", "--by", "need")
    assert finished.returncode == 0, finished.output
    assert finished.stdout.startswith("\ufeffKennzahl;Wert\n")  # CRLF, read back in text mode
    assert "Anteil mit konkretem Betreuungsbedarf;40,0 %" in finished.stdout
    assert "Kinderbetreuung;2;2;4;0;100,0 %" in finished.stdout


def test_help_carries_the_definitions_and_a_missing_period_is_refused(installation):
    helped = installation.run("stats", "--help")
    assert helped.returncode == 0
    assert "counselling_sessions" in helped.stdout and "Kein Fall" in helped.stdout
    refused = installation.run("stats", "--from", "2026-13-01", "--to", "2026-12-31")
    assert refused.returncode == 2 and "Fehler: --from und --to als Datum angeben" in refused.stderr


def test_the_annual_report_is_written_as_a_pdf(db, installation):
    import pypdf

    dataset.build(db)
    finished = installation.run("stats", "report", "--year", "2026", "--out", str(installation.workdir))
    assert finished.returncode == 0, finished.output
    target = installation.workdir / "jahresbericht-2026.pdf"
    assert f"Jahresbericht 2026: {target}" in finished.stdout
    first = pypdf.PdfReader(target).pages[0].extract_text()
    assert "Jahresbericht 2026" in first and "Krisenberatungen 7 1" in first
    refused = installation.run("stats", "report", "--year", "2014")
    assert refused.returncode == 2 and "Fehler: Bitte ein Jahr von 2015 bis heute angeben." in refused.stderr
