"""Each benchmark script runs end to end with tiny sizes (the real runs are `make bench`, not the tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The scripts bring their own SQLite databases and servers (PostgreSQL only with FLUXX_BENCH_POSTGRES_URL, which the
# smoke runs leave empty): the PostgreSQL run of the suite would only run the same again.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FLUXX_TEST_DATABASE_URL")), reason="the benchmarks' smoke runs are in the SQLite suite"
)


def run_script(tmp_path: Path, *args: str) -> str:
    env = {**os.environ, "FLUXX_BENCH_RESULTS": str(tmp_path / "results"), "QUICK": "1",
           "PYTHONPATH": str(ROOT), "FLUXX_BENCH_POSTGRES_URL": ""}  # fmt: skip
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_incoming_calls_benchmark_measures_our_server_beside_both_references(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/incoming_calls.py", "--seconds", "1", "--bodies", "100", "--connections", "4")
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    assert {"bare stack, constant TwiML", "stack + one SQLite commit", "Fluxxfon, SQLite"} <= rows.keys()
    cells = [cell.strip() for cell in rows["Fluxxfon, SQLite"].split("|")[1:-1]]
    assert int(cells[5].replace(",", "")) > 0, "callers heard the menu"
    assert cells[6] == "0", "no fault answers"
    assert cells[9].endswith("MB"), "peak memory measured"
    assert (tmp_path / "results" / "1-incoming-calls.md").exists()


def test_case_search_and_statistics_benchmark_runs_on_bulk_data(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/case_search.py", "--cases", "3000", "--repeat", "1")
    assert "| six digits of a case number |" in out and "| all years (2015 to today) |" in out
    assert "| all years, right after the hours of a job in June 2025 were corrected |" in out
    assert {path.name for path in (tmp_path / "results").iterdir()} == {"5-case-search.md", "6a-statistics.md"}


def test_realistic_hour_benchmark_measures_every_route(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/realistic_hour.py", "--scales", "1", "--seconds", "3")
    routes = {line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ") and "route" not in line}
    assert {"voice: incoming", "voice: menu choice", "voice: screening answer", "voice: status callback",
            "sms: incoming", "staff: dashboard poll", "staff: case page"} <= routes  # fmt: skip
    assert "failed" not in out


def test_matching_benchmark_ranks_a_job_among_bulk_volunteers(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/matching.py", "--volunteers", "300", "--repeat", "1")
    row = next(line for line in out.splitlines() if line.startswith("| SQLite |"))
    assert int(row.split("|")[3]) > 0, "the job has candidates"


def test_yes_storm_benchmark_gives_the_job_to_exactly_one_volunteer(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/yes_storm.py", "--volunteers", "8", "--seconds", "0.2")
    row = next(line for line in out.splitlines() if line.startswith("| SQLite |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[4].endswith(" ms"), "the server's CPU per answer"
    assert cells[5] == "1", "exactly one assignment"
    assert cells[6] == "0", "every volunteer got an answer"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_purge_benchmark_purges_every_due_case_while_calls_come_in(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/purge_under_calls.py", "--cases", "300", "--connections", "2")
    row = next(line for line in out.splitlines() if line.startswith("| SQLite |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[1].startswith("300 in "), "every due case purged"
    assert int(cells[2].replace(",", "")) > 0, "calls came in meanwhile"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_bill_run_benchmark_bills_every_case_once_while_calls_come_in(tmp_path: Path) -> None:
    out = run_script(tmp_path, "bench/bill_run.py", "--cases", "30", "--connections", "2", "--before-seconds", "1")
    row = next(line for line in out.splitlines() if line.startswith("| SQLite |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[1:3] == ["30", "30"], "one bill per case, with the right total and distinct numbers"
    assert int(cells[6].replace(",", "")) > 0, "calls came in meanwhile"
    assert (tmp_path / "results" / "6b-bill-run.md").exists()


def test_report_assembles_the_sections_into_the_benchmarks_page(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "1-x.md").write_text("## 1. X\n\n| a |\n")
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_text() if docs.exists() else None
    try:
        run_script(tmp_path, "bench/report.py")
        text = docs.read_text()
        assert text.startswith("# Benchmarks") and "## 1. X" in text and "CPU cores" in text
        assert "make bench" in text
    finally:
        if before is None:
            docs.unlink(missing_ok=True)
        else:
            docs.write_text(before)
