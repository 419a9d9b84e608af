"""(2) A realistic hour: every step of the calls, SMS and two staff members browsing, p99 per route.

The design gives no figure for Hannover's busiest hour; we assume BUSIEST_HOUR_CALLS calls (with a
sixth of them leaving a voicemail instead of reaching staff) and as many SMS. That hour's traffic times the
scale (10×; nationwide 80×) is played 60 times faster (an hour in a minute) for `--seconds` (60: the whole
hour; QUICK plays its first 4 s at the same rate), each call's steps in order with a
caller's pauses between them (incoming → menu → the staff leg's screening → its answer → dial result →
status callback), arriving at random (Poisson). Two staff members work at their real pace meanwhile:
the dashboard's poll every 3 s and a case page every 10 s. Open loop (requests go out on time whether or
not earlier ones were answered); the server is `fluxx serve` as in production.

    .venv/bin/python bench/realistic_hour.py [--seconds 60] [--scales 10 80]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

import fluxx.all_models  # noqa: F401  (every table mapped)
from bench.common import (
    BASE,
    SECRET,
    fluxx_serve,
    form_post,
    free_port,
    fresh_database,
    kinds,
    markdown_table,
    ms,
    quick,
    raw_exchange,
    raw_request,
    report,
    verdict,
    workdir,
)
from bench.data import insert_cases
from core import auth
from core.db import make_engine, make_sessionmaker
from core.models import StaffRole
from core.settings import Settings
from telephony.webhooks import sign

BUSIEST_HOUR_CALLS = 12  # an assumption: the design states no figure (9,832 sessions in 7.5 years)
TARGET_MS = 100
HOUR_PLAYED_IN = 60  # seconds: the hour is played 60 times faster
PASSWORD = "ein langes Benchmarkpasswort"
POLL_EVERY = 3.0  # seconds: how often an open dashboard asks for its live part (fluxx/static/dashboard.js)


class Traffic:
    """The hour's requests, each timed from sending it until its answer is read. Twilio's webhooks and the staff's
    pages are sent with a few bytes of asyncio on a new connection each (`raw_exchange`), as Twilio sends them:
    an HTTP client library took a third of a core for itself at 80×, on the two cores the server and the
    database share."""

    def __init__(self, base: str) -> None:
        self.base = base
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.token = Settings(_env_file=None, secret_key=SECRET, public_base_url=base).webhook_auth_token  # type: ignore[call-arg]
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)

    async def post(self, route: str, path: str, params: dict[str, str], query: dict[str, object] | None = None) -> str:
        target = path + (f"?{urlencode(query)}" if query else "")
        signature = sign(self.token, self.base + target, params)
        request = form_post(self.host, self.port, target, urlencode(params).encode(), {"X-Twilio-Signature": signature})
        return await self.timed(route, request)

    async def get(self, route: str, path: str, headers: dict[str, str]) -> str:
        return await self.timed(route, raw_request("GET", self.host, self.port, path, headers))

    async def timed(self, route: str, request: bytes) -> str:
        start = time.perf_counter()
        try:
            status, text = await raw_exchange(self.host, self.port, request)
        except (OSError, asyncio.IncompleteReadError):
            self.failures[route] += 1
            return ""
        self.latencies[route].append((time.perf_counter() - start) * 1000)
        if status != 200 or "technische St" in text:
            self.failures[route] += 1
        return text

    async def call(self, n: int, staff_id: int, rng: random.Random, pause: float) -> None:
        sid = f"CA{uuid.uuid4().hex}"
        caller = {"AccountSid": "AC" + "0" * 32, "CallSid": sid, "From": f"+4915{rng.randrange(10**9):09d}",
                  "To": "+4951116832110", "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
        await self.post("voice: incoming", "/twilio/voice/incoming", caller)
        await asyncio.sleep(pause)
        await self.post("voice: menu choice", "/twilio/voice/menu", caller | {"Digits": "1"}, {"attempt": 1})
        await asyncio.sleep(pause)
        if n % 6 == 5:  # nobody picks up: the voicemail
            await self.post("voice: dial result", "/twilio/voice/dial-result",
                            caller | {"DialCallStatus": "no-answer"})  # fmt: skip
            recording = {"RecordingUrl": f"https://api.twilio.com/Recordings/RE{uuid.uuid4().hex}",
                         "RecordingDuration": "20"}  # fmt: skip
            await asyncio.sleep(pause)
            await self.post("voice: voicemail", "/twilio/voice/voicemail", caller | recording)
        else:
            leg = caller | {"CallSid": f"CA{uuid.uuid4().hex}", "Direction": "outbound-dial"}
            where = {"call": sid, "staff": staff_id}
            await self.post("voice: screening", "/twilio/voice/screen", leg, where)
            await asyncio.sleep(pause)
            await self.post("voice: screening answer", "/twilio/voice/screen/answer", leg | {"Digits": "1"},
                            where)  # fmt: skip
            await asyncio.sleep(pause)
            await self.post("voice: dial result", "/twilio/voice/dial-result",
                            caller | {"DialCallStatus": "completed", "DialCallDuration": "300"})  # fmt: skip
        await self.post("voice: status callback", "/twilio/voice/status",
                        caller | {"CallStatus": "completed", "CallDuration": "320"})  # fmt: skip

    async def sms(self, rng: random.Random) -> None:
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
                  "From": f"+49176{rng.randrange(10**8):08d}", "To": "+4951116832110",
                  "Body": "Hallo, ich kann morgen leider nicht."}  # fmt: skip
        await self.post("sms: incoming", "/twilio/sms/incoming", params)

    async def log_in(self, email: str) -> dict[str, str]:
        """A staff member's browser, logged in (before the hour: they start their shift, not mid-call): the
        headers its page requests carry (the session cookie)."""
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            page = await client.get("/login")
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
            assert token, "no login form"
            login = await client.post("/login", data={"email": email, "password": PASSWORD,
                                                      "csrf_token": token.group(1), "next": "/"})  # fmt: skip
            assert login.status_code == 303, login.status_code
            return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies.jar)}

    async def staff(self, browser: dict[str, str], seconds: float, *, starts_after: float = 0.0) -> None:
        """One staff member's browser: the dashboard's live part every POLL_EVERY seconds (dashboard.js) and a
        case page every third time, from `starts_after` seconds into the hour until its end."""
        end = time.monotonic() + seconds
        await asyncio.sleep(starts_after)
        tick = 0
        while time.monotonic() < end:
            await self.get("staff: dashboard poll", "/dashboard/live", browser | {"X-Fluxx-Background": "1"})
            if tick % 3 == 0:
                await self.get("staff: case page", f"/cases/{1 + tick % CASES_BROWSED}", browser)
            tick += 1
            await asyncio.sleep(POLL_EVERY)


async def play(
    base: str, scale: int, seconds: float, staff_id: int, emails: list[str], logged_in: Callable[[], None]
) -> Traffic:
    """The hour at `scale`; `logged_in` is called when the staff have logged in, just before it starts."""
    traffic = Traffic(base)
    rng = random.Random(scale)
    rate = BUSIEST_HOUR_CALLS * scale / HOUR_PLAYED_IN  # calls per second
    calls = max(1, round(rate * seconds))
    pause = 1.0  # a caller's pause between two steps (a minute, compressed with the hour)
    browsers = [await traffic.log_in(email) for email in emails]
    logged_in()
    # Two dashboards opened at different moments poll out of step (the second half a poll later), as browsers
    # do; started together, every poll of one ran beside a poll of the other (bench/notes.md).
    tasks = [
        asyncio.create_task(traffic.staff(browser, seconds, starts_after=n * POLL_EVERY / len(browsers)))
        for n, browser in enumerate(browsers)
    ]
    at = 0.0
    start = time.monotonic()
    for n in range(calls):
        at += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        tasks.append(asyncio.create_task(traffic.call(n, staff_id, rng, pause)))
        tasks.append(asyncio.create_task(traffic.sms(rng)))
    await asyncio.gather(*tasks)
    return traffic


CASES_BROWSED = 20
"""The staff open these earlier cases (ids 1 to 20), written before the hour starts: a case made by the hour's
first call may not exist yet when the first case page is asked for."""


def prepare(url: str) -> tuple[int, list[str]]:
    engine = make_engine(url)
    insert_cases(engine, CASES_BROWSED, first=datetime(2025, 1, 2, tzinfo=UTC), last=datetime(2025, 12, 30, tzinfo=UTC))
    now = datetime.now(UTC)
    emails = ["beratung1@bench.example", "beratung2@bench.example"]
    with make_sessionmaker(engine)() as db:
        first = auth.create_staff(db, name="Beraterin Eins", email=emails[0], password=PASSWORD,
                                  role=StaffRole.COUNSELLOR, phone="+4915111111111", on_duty=True, now=now)  # fmt: skip
        auth.create_staff(db, name="Berater Zwei", email=emails[1], password=PASSWORD, role=StaffRole.COUNSELLOR,
                          phone="+4915122222222", on_duty=True, now=now)  # fmt: skip
        db.commit()
        staff_id = first.id
    engine.dispose()
    return staff_id, emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4 if quick() else 60)
    parser.add_argument("--scales", type=int, nargs="+", default=[10, 80])
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[list[float], int]]] = {}
    memory: dict[str, float] = {}
    with workdir() as cwd:
        for kind in kinds():
            with fresh_database(kind, cwd) as database:
                staff_id, emails = prepare(database.url)
                port = free_port()
                server = fluxx_serve(database.url, port, cwd)
                try:
                    for scale in args.scales:
                        # The peak of the hour itself: a login before it checks a password with argon2, which
                        # takes 64 MiB for a moment (bench/notes.md, memory).
                        traffic = asyncio.run(
                            play(f"{BASE}:{port}", scale, args.seconds, staff_id, emails, server.reset_peak)
                        )
                        results[f"{kind}, {scale}×"] = {
                            route: (sorted(values), traffic.failures[route])
                            for route, values in traffic.latencies.items()
                        }
                        memory[kind] = max(memory.get(kind, 0.0), server.peak_rss_mb())
                finally:
                    server.stop()
    columns = list(results)
    routes = sorted({route for found in results.values() for route in found})
    rows = []
    for route in routes:
        cells, ok = [], True
        for column in columns:
            values, failures = results[column].get(route, ([], 0))
            if not values:
                cells.append("–")
                continue
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            ok = ok and p99 <= TARGET_MS and failures == 0
            cells.append(f"{ms(p99)} ({len(values)}{f', {failures} failed' if failures else ''})")
        rows.append([route, *cells, verdict(ok)])
    body = (
        f"One busiest hour ({BUSIEST_HOUR_CALLS} calls and as many SMS, an assumption) times the scale, played "
        f"60 times faster, for {args.seconds:g} s; two staff at their real pace (a dashboard poll every "
        f"{POLL_EVERY:g} s, the two out of step, a case page every third time). p99 per route (requests measured). "
        f"Target: p99 ≤ {TARGET_MS} ms per route. Peak RSS of the server during the hour (from after the staff's "
        "logins): "
        + ", ".join(f"{kind} {value:,.0f} MB" for kind, value in memory.items())
        + " (target ≤ 200 MB).\n\n"
        + markdown_table(["route", *columns, "target"], rows)
    )
    report("2-realistic-hour", "2. A realistic hour (and 7. its peak memory)", body)


if __name__ == "__main__":
    main()
