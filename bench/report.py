"""Assemble docs/benchmarks.md from the sections the benchmark scripts left in bench/.results/ (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, cpu_pressure, machine, quick

HEADER = """# Benchmarks

Written by `make bench` (bench/report.py) — do not edit by hand; the analysis comes from bench/notes.md.

- **Run:** {when}{mode}, commit `{commit}`
- **Machine:** {machine}
- **Other load:** CPU pressure over the last five minutes of the run {pressure} (Linux PSI: the share of time
  runnable work waited for a CPU; well above 0 % means other processes competed and the figures are low).
- **Rerun:** `apt-get install wrk`, then `make bench` (sized for under 15 minutes on a quiet 2-core machine;
  `make bench QUICK=1`: small sizes, sized for under 2). With
  `FLUXX_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench` (a database of its own, not the
  tests' one; every run works in a new schema and drops it) PostgreSQL is measured too. Each script also runs
  alone: `.venv/bin/python bench/incoming_calls.py --help`.

"""


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    sections = sorted(RESULTS.glob("*.md")) if RESULTS.exists() else []
    text = HEADER.format(
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), mode=" (QUICK: small sizes)" if quick() else "",
        commit=commit.strip() or "?", machine=machine(), pressure=cpu_pressure(),
    )  # fmt: skip
    text += "\n".join(section.read_text() for section in sections)
    text += "\n" + (ROOT / "bench" / "notes.md").read_text()
    target = ROOT / "docs" / "benchmarks.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    print(f"{target.relative_to(ROOT)}: {len(sections)} sections")


if __name__ == "__main__":
    main()
