"""(6) The retention purge of 100,000 cases while calls keep coming: the calls' p99 during the purge.

100,000 closed cases past the retention period are written in bulk; `fluxx serve` takes incoming calls
(wrk, a few connections, every request a new signed CallSid) while `fluxx retention purge` runs as its own
process, as the nightly job would. Measured: how long the purge took and the calls' latency meanwhile.

    .venv/bin/python bench/purge_under_calls.py [--cases 100000] [--connections 8]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
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
from bench.data import insert_cases
from bench.incoming_calls import PATH, lua_script
from casework.cases.models import Case
from core.db import make_engine

TARGET_MS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000 if quick() else 100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=30 if quick() else 240,
        help="stop the purge after this long (it carries on when run again); the calls' figures stand",
    )
    args = parser.parse_args()
    rows = []
    with workdir() as cwd:
        for kind in kinds():
            with fresh_database(kind, cwd) as database:
                engine = make_engine(database.url)
                insert_cases(engine, args.cases, first=datetime(2016, 1, 1, tzinfo=UTC),
                             last=datetime(2020, 12, 31, tzinfo=UTC), closed_only=True)  # fmt: skip
                port = free_port()
                server = fluxx_serve(database.url, port, cwd, "--no-worker")
                taken: dict[str, float] = {}

                def purge(database_url: str = database.url, port: int = port, taken: dict[str, float] = taken) -> None:
                    fluxx = Path(sys.executable).parent / "fluxx"
                    start = time.perf_counter()
                    command = [str(fluxx), "retention", "purge"]
                    env = server_env(database_url, port)
                    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)  # fmt: skip
                    try:
                        process.wait(timeout=args.max_seconds)
                    except subprocess.TimeoutExpired:  # it carries on where it stopped when run again
                        process.terminate()
                        process.wait(timeout=60)
                    taken["seconds"] = time.perf_counter() - start

                try:
                    script = lua_script(f"{BASE}:{port}", PATH, 30_000, 2)
                    load = wrk(f"{BASE}:{port}", script, connections=args.connections, seconds=600, until=purge)
                finally:
                    server.stop()
                with engine.connect() as connection:
                    purged = connection.scalar(select(func.count()).where(Case.anonymised_at.is_not(None))) or 0
                engine.dispose()
                faults = load.counts["fault"] + load.counts["other"]
                rows.append([
                    kind, f"{purged:,} in {taken['seconds']:.0f} s", f"{load.requests:,}", ms(load.p50_ms),
                    ms(load.p99_ms), f"{faults}", verdict(load.p99_ms <= TARGET_MS and faults == 0),
                ])  # fmt: skip
    body = (
        f"{args.cases:,} closed cases past the retention period; `fluxx retention purge` (its own process, stopped "
        f"after {args.max_seconds:g} s if not done) while {args.connections} connections keep calling. "
        f"Target: the calls' p99 ≤ {TARGET_MS} ms during the purge, no fault answers.\n\n"
        + markdown_table(
            ["database", "cases purged", "calls meanwhile", "p50", "p99", "fault answers", "target"], rows
        )  # fmt: skip
    )
    report("6c-purge", f"6. Retention purge of {args.cases:,} cases while calls keep coming", body)


if __name__ == "__main__":
    main()
