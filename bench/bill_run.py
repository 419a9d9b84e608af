"""(6) The monthly bill run for 1,000 cases, as an operator runs it, while calls keep coming.

1,000 cases with one to three jobs each in October 2026, done by volunteers, their hours confirmed (every
fourth family with a SEPA mandate), are written in bulk; `fluxx serve` takes incoming calls (wrk, a few
connections, every request a new signed CallSid) while `fluxx bills issue --month 2026-10` runs as its own
process. Measured: how long the run took, the calls' latency meanwhile; checked: one bill per case with the
right total and distinct numbers.

    .venv/bin/python bench/bill_run.py [--cases 1000] [--connections 4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import (
    BASE,
    fluxx_serve,
    free_port,
    fresh_database,
    kinds,
    markdown_table,
    ms,
    quick,
    report,
    server_env,
    verdict,
    workdir,
    wrk,
)
from bench.data import insert_billable_month
from bench.incoming_calls import PATH, lua_script
from billing.models import Bill
from casework.enums import BillStatus
from core.db import make_engine

MONTH = date(2026, 10, 1)
TARGET_SECONDS = 30
CALLS_TARGET_MS = 200  # the calls during a long job: as during the retention purge
HEADERS = ["database", "cases", "bills issued", "total", "seconds", "calls p99 before", "calls meanwhile",
           "calls p99 meanwhile", "fault answers", "target (run)", "target (calls)"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100 if quick() else 1_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--before-seconds", type=float, default=1 if quick() else 10,
        help="calls alone first, for how long: their p99 without the run, on the same machine at the same time",
    )  # fmt: skip
    args = parser.parse_args()
    rows = []
    with workdir() as cwd:
        for kind in kinds():
            with fresh_database(kind, cwd) as database:
                engine = make_engine(database.url)
                expected_bills, expected_total = insert_billable_month(engine, args.cases, month=MONTH)
                port = free_port()
                server = fluxx_serve(database.url, port, cwd, "--no-worker")
                taken: dict[str, float] = {}
                failed: list[str] = []

                def run(
                    database_url: str = database.url, port: int = port, taken: dict[str, float] = taken,
                    failed: list[str] = failed,
                ) -> None:  # fmt: skip
                    fluxx = Path(sys.executable).parent / "fluxx"
                    command = [str(fluxx), "bills", "issue", "--month", f"{MONTH:%Y-%m}", "--out", str(cwd)]
                    start = time.perf_counter()
                    finished = subprocess.run(command, env=server_env(database_url, port), cwd=cwd,
                                              capture_output=True, text=True, timeout=600)  # fmt: skip
                    taken["seconds"] = time.perf_counter() - start
                    if finished.returncode != 0:  # raised once wrk is stopped
                        failed.append(finished.stderr[-2000:])

                try:
                    alone = wrk(f"{BASE}:{port}", lua_script(f"{BASE}:{port}", PATH, 30_000, 2),
                                connections=args.connections, seconds=args.before_seconds)  # fmt: skip
                    # Bodies of their own: each wrk run starts at the first body, and CallSids sent again would be
                    # Twilio's retries (answered without a new case), not new calls.
                    script = lua_script(f"{BASE}:{port}", PATH, 30_000, 2)
                    load = wrk(f"{BASE}:{port}", script, connections=args.connections, seconds=600, until=run)
                finally:
                    server.stop()
                if failed:
                    raise RuntimeError(f"fluxx bills issue failed: {failed[0]}")
                with engine.connect() as connection:
                    count, total, numbers = connection.execute(
                        select(func.count(), func.sum(Bill.total), func.count(Bill.number.distinct())).where(
                            Bill.period_month == MONTH, Bill.status == BillStatus.ISSUED
                        )
                    ).one()  # fmt: skip
                engine.dispose()
                total = Decimal(total or 0)
                right = count == expected_bills and numbers == count and total == expected_total
                faults = load.counts["fault"] + load.counts["other"]
                rows.append([
                    kind, f"{args.cases:,}", f"{count:,}" + ("" if right else f" (**expected {expected_bills:,}, "
                    f"{expected_total} €; got {total} €, {numbers:,} numbers**)"), f"{total:,.2f} €",
                    f"{taken['seconds']:.1f} s", ms(alone.p99_ms), f"{load.requests:,}", ms(load.p99_ms), f"{faults}",
                    verdict(right and taken["seconds"] <= TARGET_SECONDS),
                    verdict(load.p99_ms <= CALLS_TARGET_MS and faults == 0),
                ])  # fmt: skip
    body = (
        f"{args.cases:,} cases with one to three jobs each in {MONTH:%B %Y}, their hours confirmed (every fourth "
        f"family with a SEPA mandate); `fluxx bills issue --month {MONTH:%Y-%m}` (its own process, as an operator "
        f"runs it, writing the direct-debit file too) while {args.connections} connections keep calling. "
        f"Targets: the run ≤ {TARGET_SECONDS} s with one bill per case, the right total and distinct numbers; "
        f"the calls' p99 ≤ {CALLS_TARGET_MS} ms meanwhile, no fault answers. *Calls p99 before*: the same calls "
        f"for {args.before_seconds:g} s just before the run, alone (what the machine gives them without it).\n\n"
        + markdown_table(HEADERS, rows)
    )
    report("6b-bill-run", f"6. Monthly bill run for {args.cases:,} cases while calls keep coming", body)


if __name__ == "__main__":
    main()
