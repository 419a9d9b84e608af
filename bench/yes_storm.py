"""(3) Yes storm: 200 volunteers answer "JA 4821" to the same job within one second (PostgreSQL).

200 volunteers were offered one child-care job (offers written in bulk); then 200 correctly signed
`POST /twilio/sms/incoming` arrive spread evenly over one second, each from another volunteer, against
`fluxx serve` as in production, each on a connection of its own. Before the storm two other volunteers
answer another job (`warm_up`: one wins it, one is too late), as a server that has been up for a while has
seen. Measured: the answers' latency (p50, p99) and that exactly one volunteer got the job (one assignment;
everyone else is told it is taken). Without FLUXX_BENCH_POSTGRES_URL it runs on SQLite and says so.

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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import (
    BASE,
    SECRET,
    fluxx_serve,
    form_post,
    free_port,
    fresh_database,
    markdown_table,
    ms,
    postgres_url,
    quick,
    raw_exchange,
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


WARM_CODE = "1357"


def prepare(url: str, volunteers: int) -> int:
    """`volunteers` volunteers offered the storm's job, and two more offered another job (`warm_up`); the storm's
    job's id."""
    engine = make_engine(url)
    insert_volunteers(engine, volunteers + 2)
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as db:
        job_id = _offered_job(db, CODE, range(1, volunteers + 1), now=now)
        _offered_job(db, WARM_CODE, range(volunteers + 1, volunteers + 3), now=now)
        db.commit()
    engine.dispose()
    return job_id


def _offered_job(db: Session, code: str, volunteer_ids: range, *, now: datetime) -> int:
    starts = now + timedelta(days=2)
    case = open_case(db, channel=CaseChannel.PHONE, now=now, zone=ZONE)
    job = CareJob(case_id=case.id, kind=JobKind.CHILD_CARE, starts_at=starts, ends_at=starts + timedelta(hours=4),
                  municipality_id=1, code=code, active_code=code, status=JobStatus.OPEN, created_at=now,
                  updated_at=now)  # fmt: skip
    db.add(job)
    db.flush()
    db.add(Outreach(job_id=job.id, wave_size=len(volunteer_ids), wave_interval_minutes=10,
                    stop_before_start_minutes=60, waves_sent=1, last_wave_at=now, started_at=now))  # fmt: skip
    db.add_all(Offer(job_id=job.id, volunteer_id=n, wave=1, sent_at=now) for n in volunteer_ids)
    db.flush()
    return job.id


def _signed_yes(settings: Settings, base: str, volunteer: int, code: str) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    url = base + "/twilio/sms/incoming"
    params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32, "From": f"+49176{volunteer:08d}",
              "To": "+4951116832110", "Body": f"JA {code}"}  # fmt: skip
    signature = sign(settings.webhook_auth_token, url, params)
    return form_post(host, int(port), "/twilio/sms/incoming", urlencode(params).encode(),
                     {"X-Twilio-Signature": signature})  # fmt: skip


async def warm_up(base: str, volunteers: int) -> None:
    """The two other volunteers answer the other job, one after the other: one wins it, one is too late. The
    storm then meets a server that has handled a yes and a late yes before, as one that has been up for a while
    has; the first yes a server ever handles costs it 100–150 ms more (SQLAlchemy compiling the statements,
    its first assignment SMS), which is not what the storm measures."""
    settings = Settings(_env_file=None, secret_key=SECRET, public_base_url=base)  # type: ignore[call-arg]
    host, port = base.removeprefix("http://").split(":")
    for volunteer, expected in ((volunteers + 1, f"Einsatz {WARM_CODE} ist Ihrer"), (volunteers + 2, "vergeben")):
        status, body = await raw_exchange(host, int(port), _signed_yes(settings, base, volunteer, WARM_CODE))
        assert status == 200 and expected in body, body


async def storm(base: str, volunteers: int, seconds: float) -> tuple[list[float], list[str]]:
    """Every volunteer's signed "JA" sent at its moment of the `seconds`, each on a connection of its own;
    returns the latencies (sending until the answer is read) and the answers. The requests are built and
    signed before the storm, and sent with a few bytes of asyncio (`raw_exchange`): the client must not be what
    is measured."""
    settings = Settings(_env_file=None, secret_key=SECRET, public_base_url=base)  # type: ignore[call-arg]
    host, port = base.removeprefix("http://").split(":")
    prepared = [_signed_yes(settings, base, n, CODE) for n in range(1, volunteers + 1)]
    latencies: list[float] = []
    answers: list[str] = []
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.05

    async def one(n: int, request: bytes) -> None:
        await asyncio.sleep(max(0.0, begin + seconds * n / volunteers - loop.time()))
        start = time.perf_counter()
        status, body = await raw_exchange(host, int(port), request)
        latencies.append((time.perf_counter() - start) * 1000)
        answers.append(body if status == 200 else f"HTTP {status}")

    await asyncio.gather(*(one(n, request) for n, request in enumerate(prepared)))
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
            asyncio.run(warm_up(f"{BASE}:{port}", args.volunteers))
            cpu_before = server.cpu_seconds()
            latencies, answers = asyncio.run(storm(f"{BASE}:{port}", args.volunteers, args.seconds))
            cpu_per_answer = (server.cpu_seconds() - cpu_before) / args.volunteers
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
           f"{cpu_per_answer * 1000:.1f} ms", f"{winners}", f"{failed}", f"{rss:,.0f} MB", verdict(met)]  # fmt: skip
    body = (
        f"{args.volunteers} volunteers offered the same job answer “JA {CODE}” spread over {args.seconds:g} s "
        f"(signed SMS webhooks, `fluxx serve`, after a yes and a late yes to another job). Target: p99 ≤ "
        f"{TARGET_MS} ms and exactly one assignment.\n\n"
        + markdown_table(
            [
                "database",
                "answers",
                "p50",
                "p99",
                "server CPU per answer",
                "assignments",
                "answers without a reply",
                "peak RSS",
                "target",
            ],
            [row],
        )  # fmt: skip
    )
    report("3-yes-storm", "3. Yes storm", body)


if __name__ == "__main__":
    main()
