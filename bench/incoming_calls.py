"""(1) The incoming-call webhook under load, beside two reference servers of the same stack; (7) peak memory.

50 concurrent callers (wrk, a C load generator), every request a new, correctly signed
`POST /twilio/voice/incoming` (a new CallSid), against `fluxx serve` as in production (opening hours 24/7,
so every caller should hear the menu), on SQLite and, with FLUXX_BENCH_POSTGRES_URL, PostgreSQL. In the
same run the two reference servers of bench/reference_app.py get the same requests: the bare stack with a
constant TwiML answer, and the stack doing one SQLite INSERT + COMMIT per request.

    .venv/bin/python bench/incoming_calls.py [--seconds 10] [--connections 50]

Only the menu counts as served; the fault message (the fallback TwiML) and anything else are counted apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.common import BASE, SECRET, Load, Server
from casework.calls.models import Call
from casework.cases.models import Case
from core.db import make_engine
from core.settings import Settings
from telephony.webhooks import sign

PATH = "/twilio/voice/incoming"
LUA = """
threads = {}
names = {"menu", "fault", "other"}
local bodies = {}
local signatures = {}
%(rows)s
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  menu = 0; fault = 0; other = 0; i = id
end
function request()
  local n = (i %% #bodies) + 1
  i = i + %(threads)d
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[n]}, bodies[n])
end
function response(status, headers, body)
  if status == 200 and body:find("<Gather", 1, true) then menu = menu + 1
  elseif body:find("technische St", 1, true) then fault = fault + 1
  else other = other + 1 end
end
"""


def lua_script(base: str, path: str, count: int, threads: int) -> str:
    """Pre-signed bodies, each with a new CallSid; wrk's threads take turns through them."""
    settings = Settings(_env_file=None, secret_key=SECRET, public_base_url=base)  # type: ignore[call-arg]
    rows = []
    for n in range(count):
        params = {
            "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": f"CA{uuid.uuid4().hex}",
            "CallStatus": "ringing", "Direction": "inbound", "From": f"+4915{n:09d}", "To": "+4951116832110",
        }  # fmt: skip
        signature = sign(settings.webhook_auth_token, base + PATH, params)
        rows.append(f'bodies[{n + 1}] = "{urlencode(params)}"; signatures[{n + 1}] = "{signature}"')
    return LUA % {"rows": "\n".join(rows), "threads": threads, "path": path}


def reference_server(cwd: Path, port: int) -> Server:
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "REFERENCE_DB": str(cwd / "reference.db"),
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")]))}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "bench.reference_app:app", "--port", str(port), "--log-level",
               "warning", "--no-access-log"]  # fmt: skip
    return Server(command, env, cwd, f"{BASE}:{port}/healthz")


def measure(
    server: Server, base: str, path: str, *, connections: int, seconds: float, bodies: int
) -> tuple[Load, float]:
    script = lua_script(base, path, bodies, 2)
    server.reset_peak()
    cpu = server.cpu_seconds()
    load = common.wrk(base, script, connections=connections, seconds=seconds)
    return load, (server.cpu_seconds() - cpu) / max(load.requests, 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2 if common.quick() else 10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--bodies", type=int, default=2_000 if common.quick() else 30_000)
    args = parser.parse_args()
    load_args = {"connections": args.connections, "seconds": args.seconds, "bodies": args.bodies}
    rows: list[list[object]] = []
    results: dict[str, tuple[Load, float, float]] = {}
    notes: list[str] = []
    with common.workdir() as cwd:
        port = common.free_port()
        server = reference_server(cwd, port)
        try:
            for name, path in (("bare stack, constant TwiML", "/constant"), ("stack + one SQLite commit", "/commit")):
                load, cpu = measure(server, f"{BASE}:{port}", path, **load_args)
                results[name] = (load, cpu, server.peak_rss_mb())
        finally:
            server.stop()
        for kind in common.kinds():
            with common.fresh_database(kind, cwd) as database:
                port = common.free_port()
                server = common.fluxx_serve(database.url, port, cwd)
                try:
                    load, cpu = measure(server, f"{BASE}:{port}", PATH, **load_args)
                    results[f"Fluxxfon, {kind}"] = (load, cpu, server.peak_rss_mb())
                    errors = server.errors()
                finally:
                    server.stop()
                engine = make_engine(database.url)
                with engine.connect() as connection:
                    stored = connection.scalar(select(func.count()).select_from(Call)) or 0
                    numbers = connection.scalar(select(func.count(func.distinct(Case.number)))) or 0
                engine.dispose()
                notes.append(f"Fluxxfon, {kind}: {stored:,} calls stored, {numbers:,} distinct case numbers, "
                             f"{len(errors)} error lines in the server log.")  # fmt: skip
    commit_rate = results["stack + one SQLite commit"][0].per_second
    bare_rate = results["bare stack, constant TwiML"][0].per_second
    for name, (load, cpu, rss) in results.items():
        menus, faults, other = load.counts["menu"], load.counts["fault"], load.counts["other"]
        ours = name.startswith("Fluxxfon")
        ok = ours and load.per_second >= commit_rate / 2 and load.p99_ms <= 50 and faults == 0 and other == 0
        rows.append([
            name, f"{load.per_second:,.0f}", common.ms(load.p50_ms), common.ms(load.p95_ms),
            common.ms(load.p99_ms), f"{menus:,}",
            f"{faults:,}", f"{other:,}", f"{cpu:.2f} ms", f"{rss:,.0f} MB",
            f"{load.per_second / commit_rate:.0%}" if commit_rate else "–",
            f"{load.per_second / bare_rate:.0%}" if bare_rate else "–", common.verdict(ok) if ours else "",
        ])  # fmt: skip
    headers = ["server", "requests/s", "p50", "p95", "p99", "menus", "fault answers", "other", "server CPU/request",
               "peak RSS", "of “+ one commit”", "of bare stack", "target"]  # fmt: skip
    body = (
        f"{args.connections} concurrent connections, {args.seconds:g} s each, every request a new signed CallSid; "
        "peak RSS: the most the server held during that load (its start-up not counted).\n"
        "Target: at least half of “+ one commit”, p99 ≤ 50 ms, zero fault answers; peak RSS ≤ 200 MB.\n\n"
        + common.markdown_table(headers, rows) + "\n\n" + "\n".join(f"- {note}" for note in notes)
    )  # fmt: skip
    common.report("1-incoming-calls", "1. Incoming-call webhook under load (and 7. its peak memory)", body)


if __name__ == "__main__":
    main()
