"""Many incoming calls at once against `fluxx serve`, measured with wrk (a C load generator).

Every request is a new, correctly signed `POST /twilio/voice/incoming` (a new CallSid). The opening
hours are 24/7, so every caller should hear the menu; the script counts the menus, the fault message
(the fallback TwiML), and the calls and cases stored, and prints one Markdown table row per run:

    .venv/bin/python bench/concurrent_calls.py --connections 2 10 [--database-url postgresql+psycopg://…]

Without --database-url a fresh SQLite file is used. Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, text

from casework.calls.models import Call
from casework.cases.models import Case
from core.db import make_engine
from core.settings import Settings
from fluxx.migrate import upgrade
from telephony.webhooks import sign

BASE = "http://127.0.0.1"
SECRET = "bench-secret-key-not-for-production"
LUA = """
local bodies = {}
local signatures = {}
%(rows)s
local threads = {}
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
  return wrk.format("POST", "/twilio/voice/incoming", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[n]}, bodies[n])
end
function response(status, headers, body)
  if status == 200 and body:find("<Gather", 1, true) then menu = menu + 1
  elseif body:find("technische St", 1, true) then fault = fault + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local m, f, o = 0, 0, 0
  for _, t in ipairs(threads) do m = m + t:get("menu"); f = f + t:get("fault"); o = o + t:get("other") end
  io.write(string.format("RESULT menu=%%d fault=%%d other=%%d p99_ms=%%.1f\\n", m, f, o, latency:percentile(99) / 1000))
end
"""


def lua_script(settings: Settings, count: int, threads: int) -> str:
    rows = []
    for n in range(count):
        params = {
            "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": f"CA{uuid.uuid4().hex}",
            "CallStatus": "ringing", "Direction": "inbound", "From": f"+4915{n:09d}", "To": "+4951116832110",
        }  # fmt: skip
        signature = sign(settings.webhook_auth_token, settings.public_base_url + "/twilio/voice/incoming", params)
        rows.append(f'bodies[{n + 1}] = "{urlencode(params)}"; signatures[{n + 1}] = "{signature}"')
    return LUA % {"rows": "\n".join(rows), "threads": threads}


def fresh_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    if not url:
        database = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(database)
        return database, lambda: None
    schema = f"fluxx_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    database = f"{url}{separator}options=-csearch_path%3D{schema}"
    upgrade(database)

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return database, drop


def run(connections: int, seconds: int, database_url: str | None, port: int) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="fluxx-bench-"))
    database, drop = fresh_database(database_url, workdir)
    settings = Settings(_env_file=None, database_url=database, public_base_url=f"{BASE}:{port}",  # type: ignore[call-arg]
                        secret_key=SECRET, opening_hours="24/7")  # fmt: skip
    env = {**os.environ, "FLUXX_DATABASE_URL": database, "FLUXX_PUBLIC_BASE_URL": settings.public_base_url,
           "FLUXX_SECRET_KEY": SECRET, "FLUXX_OPENING_HOURS": "24/7", "FLUXX_TWILIO_ACCOUNT_SID": "",
           "FLUXX_TWILIO_AUTH_TOKEN": ""}  # fmt: skip
    fluxx = Path(sys.executable).parent / "fluxx"
    log = open(workdir / "serve.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([str(fluxx), "serve", "--port", str(port)], env=env, cwd=workdir, stderr=log, stdout=log)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{BASE}:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        script = workdir / "calls.lua"
        script.write_text(lua_script(settings, 20_000, 2))
        wrk = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), f"{BASE}:{port}"],
            capture_output=True,
            text=True,
            check=True,
        )
        total = int(re.search(r"(\d+) requests in", wrk.stdout).group(1))
        result = dict(re.findall(r"(\w+)=([\d.]+)", wrk.stdout.split("RESULT", 1)[1]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    engine = make_engine(database)
    with engine.connect() as connection:
        calls = connection.scalar(select(func.count()).select_from(Call))
        cases = connection.scalar(select(func.count(func.distinct(Case.number))))
    engine.dispose()
    drop()
    errors = [line for line in (workdir / "serve.log").read_text().splitlines() if "ERROR" in line]
    for line in errors[:5]:
        print("   ", line, file=sys.stderr)
    shutil.rmtree(workdir, ignore_errors=True)
    kind = "PostgreSQL" if database_url else "SQLite"
    fault = int(result["fault"])
    return (f"| {kind} | {connections} | {total:,} | {int(result['menu']):,} | {fault:,} ({100 * fault / total:.0f} %) "
            f"| {calls:,} | {cases:,} | {result['p99_ms']} ms | {len(errors)} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; without it a fresh SQLite file")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk fehlt: apt-get install wrk")
    print("| database | connections | calls | menu | fault message | calls stored | distinct case numbers "
          "| p99 | errors logged |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for connections in args.connections:
        print(run(connections, args.seconds, args.database_url, args.port), flush=True)


if __name__ == "__main__":
    main()
