"""(3) Yes storm: 200 volunteers answer "JA 4821" to the same job within one second (PostgreSQL).

200 volunteers were offered one child-care job (offers written in bulk); then 200 correctly signed
`POST /twilio/sms/incoming` arrive spread evenly over one second, each from another volunteer, against
`fluxx serve` as in production. Measured: the answers' latency (p50, p99) and that exactly one volunteer
got the job (one assignment; everyone else is told it is taken). Without FLUXX_BENCH_POSTGRES_URL it runs
on SQLite and says so.

    .venv/bin/python bench/yes_storm.py [--volunteers 200] [--seconds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import func, select

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import (
    BASE,
    SECRET,
    fluxx_serve,
    free_port,
    fresh_database,
    markdown_table,
    ms,
    postgres_url,
    quick,
    report,
    verdict,
    workdir,
)
from bench.matching import insert_volunteers
from casework.cases.opening import open_case
from casework.enums import CaseChannel, JobKind, JobStatus
from casework.jobs.models import CareJob
from core.db import make_engine, make_sessionmaker
from core.settings import Settings
from telephony.webhooks import sign
from volunteers.assignments.models import Assignment
from volunteers.outreach.models import Offer, Outreach

ZONE = ZoneInfo("Europe/Berlin")
TARGET_MS = 150
CODE = "4821"


def prepare(url: str, volunteers: int) -> int:
    engine = make_engine(url)
    insert_volunteers(engine, volunteers)
    now = datetime.now(UTC)
    starts = now + timedelta(days=2)
    with make_sessionmaker(engine)() as db:
        case = open_case(db, channel=CaseChannel.PHONE, now=now, zone=ZONE)
        job = CareJob(case_id=case.id, kind=JobKind.CHILD_CARE, starts_at=starts, ends_at=starts + timedelta(hours=4),
                      municipality_id=1, code=CODE, active_code=CODE, status=JobStatus.OPEN, created_at=now,
                      updated_at=now)  # fmt: skip
        db.add(job)
        db.flush()
        db.add(Outreach(job_id=job.id, wave_size=volunteers, wave_interval_minutes=10, stop_before_start_minutes=60,
                        waves_sent=1, last_wave_at=now, started_at=now))  # fmt: skip
        db.add_all(Offer(job_id=job.id, volunteer_id=n, wave=1, sent_at=now) for n in range(1, volunteers + 1))
        db.commit()
        job_id = job.id
    engine.dispose()
    return job_id


async def storm(base: str, volunteers: int, seconds: float) -> tuple[list[float], list[str]]:
    settings = Settings(_env_file=None, secret_key=SECRET, public_base_url=base)  # type: ignore[call-arg]
    url = base + "/twilio/sms/incoming"
    latencies: list[float] = []
    answers: list[str] = []

    async def one(client: httpx.AsyncClient, n: int) -> None:
        await asyncio.sleep(seconds * n / volunteers)
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32, "From": f"+49176{n:08d}",
                  "To": "+4951116832110", "Body": f"JA {CODE}"}  # fmt: skip
        headers = {"X-Twilio-Signature": sign(settings.webhook_auth_token, url, params),
                   "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
        start = time.perf_counter()
        response = await client.post(url, content=urlencode(params), headers=headers)
        latencies.append((time.perf_counter() - start) * 1000)
        answers.append(response.text if response.status_code == 200 else f"HTTP {response.status_code}")

    limits = httpx.Limits(max_connections=volunteers, max_keepalive_connections=volunteers)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await asyncio.gather(*(one(client, n) for n in range(1, volunteers + 1)))
    return latencies, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=30 if quick() else 200)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    kind = "PostgreSQL" if postgres_url() else "SQLite"
    with workdir() as cwd, fresh_database(kind, cwd) as database:
        job_id = prepare(database.url, args.volunteers)
        port = free_port()
        server = fluxx_serve(database.url, port, cwd, "--no-worker")
        try:
            latencies, answers = asyncio.run(storm(f"{BASE}:{port}", args.volunteers, args.seconds))
            rss = server.peak_rss_mb()
        finally:
            server.stop()
        engine = make_engine(database.url)
        with engine.connect() as connection:
            winners = connection.scalar(select(func.count()).select_from(Assignment).where(Assignment.job_id == job_id))
        engine.dispose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    failed = sum(1 for answer in answers if answer.startswith("HTTP") or "<Message>" not in answer)
    met = p99 <= TARGET_MS and winners == 1 and failed == 0
    row = [kind, f"{args.volunteers} in {args.seconds:g} s", ms(statistics.median(latencies)), ms(p99),
           f"{winners}", f"{failed}", f"{rss:,.0f} MB", verdict(met)]  # fmt: skip
    body = (
        f"{args.volunteers} volunteers offered the same job answer “JA {CODE}” spread over {args.seconds:g} s "
        f"(signed SMS webhooks, `fluxx serve`). Target: p99 ≤ {TARGET_MS} ms and exactly one assignment.\n\n"
        + markdown_table(
            ["database", "answers", "p50", "p99", "assignments", "answers without a reply", "peak RSS", "target"], [row]
        )  # fmt: skip
    )
    report("3-yes-storm", "3. Yes storm", body)


if __name__ == "__main__":
    main()
