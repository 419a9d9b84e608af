"""What the benchmark scripts share: fresh databases, `fluxx serve` as in production, wrk, tables.

Every script makes its own data and servers and removes them again. PostgreSQL is measured when
FLUXX_BENCH_POSTGRES_URL names a database the scripts may use (each run works in a schema of its own,
dropped at the end); use a database of its own, e.g. `bench`, not the tests' one.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from core.db import make_engine
from fluxx.migrate import upgrade

BASE = "http://127.0.0.1"
SECRET = "bench-secret-key-not-for-production"
ROOT = Path(__file__).resolve().parents[1]
# Where each script leaves its section of docs/benchmarks.md (bench/report.py); the smoke tests use their own.
RESULTS = Path(os.environ.get("FLUXX_BENCH_RESULTS") or ROOT / "bench" / ".results")


# A benchmark stopped with SIGTERM (timeout, Ctrl-C's cousin) still stops its servers and removes its data.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def quick() -> bool:
    """`make bench QUICK=1`: small sizes and short runs, the same code paths."""
    return os.environ.get("QUICK", "") not in ("", "0")


def postgres_url() -> str | None:
    return os.environ.get("FLUXX_BENCH_POSTGRES_URL") or None


def kinds() -> list[str]:
    return ["SQLite", *(["PostgreSQL"] if postgres_url() else [])]


@dataclass
class Database:
    url: str
    kind: str
    drop: Callable[[], None]


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[Database]:
    """A new, migrated database: a SQLite file in `workdir`, or a new schema in the bench PostgreSQL database."""
    if kind == "SQLite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        yield Database(url, kind, lambda: None)
        return
    base = postgres_url()
    assert base, "FLUXX_BENCH_POSTGRES_URL is not set"
    schema = f"fluxx_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield Database(url, kind, lambda: None)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fluxx-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up")


def server_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ, "FLUXX_DATABASE_URL": database_url, "FLUXX_PUBLIC_BASE_URL": f"{BASE}:{port}",
        "FLUXX_SECRET_KEY": SECRET, "FLUXX_OPENING_HOURS": "24/7", "FLUXX_TWILIO_ACCOUNT_SID": "",
        "FLUXX_TWILIO_AUTH_TOKEN": "",
        # The checkout's code, whichever checkout the virtualenv's editable install points at.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])), **extra,
    }  # fmt: skip


class Server:
    """A server process (`fluxx serve` or a reference server) with its log and its peak memory."""

    def __init__(self, command: Sequence[str], env: dict[str, str], cwd: Path, health: str) -> None:
        self.log_path = cwd / f"server-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(list(command), env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(health)
        except BaseException:
            self.stop()
            raise

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The most resident memory the process had so far (VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def reset_peak(self) -> None:
        """Count the peak memory (VmHWM) from now on (Linux, `clear_refs` 5): the peak during a load, not the
        start-up's (the imports, and the argon2 hash made for unknown logins: 64 MiB for a moment)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def errors(self) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if "ERROR" in line or "Traceback" in line]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def fluxx_serve(database_url: str, port: int, cwd: Path, *extra_args: str) -> Server:
    fluxx = Path(sys.executable).parent / "fluxx"
    return Server(
        [str(fluxx), "serve", "--port", str(port), *extra_args],
        server_env(database_url, port),
        cwd,
        f"{BASE}:{port}/healthz",
    )


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    counts: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


LUA_DONE = """
function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    for _, name in ipairs(names) do totals[name] = (totals[name] or 0) + t:get(name) end
  end
  local parts = {}
  for _, name in ipairs(names) do table.insert(parts, name .. "=" .. totals[name]) end
  io.write(string.format("RESULT p50=%.2f p95=%.2f p99=%.2f %s\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, table.concat(parts, " ")))
end
"""


def wrk(
    url: str, script: str, *, connections: int, seconds: float, threads: int = 2,
    until: Callable[[], object] | None = None,
) -> Load:  # fmt: skip
    """Run wrk with a Lua script that defines `threads`, `names` (counters per thread) and request/response.

    With `until`, wrk runs while `until()` runs (at most `seconds`) and is then stopped with SIGINT.
    """
    threads = max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + LUA_DONE)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "20s", "-s", lua.name, url]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if until is not None:
            time.sleep(0.5)  # wrk's connections are open before the work starts
            until()
            process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=seconds + 60)
        if process.returncode not in (0, -signal.SIGINT):
            raise RuntimeError(f"wrk failed: {stderr[-500:]}")
    finally:
        os.unlink(lua.name)
    total = int(re.search(r"(\d+) requests in", stdout).group(1))  # type: ignore[union-attr]
    elapsed = re.search(r"requests in ([\d.]+)(ms|s|m)", stdout)
    assert elapsed is not None, stdout
    value = float(elapsed.group(1))
    seconds_taken = value / 1000 if elapsed.group(2) == "ms" else value * 60 if elapsed.group(2) == "m" else value
    line = stdout.split("RESULT", 1)[1].split("\n", 1)[0]
    fields = dict(re.findall(r"(\w+)=([\d.]+)", line))
    counts = {key: int(value) for key, value in fields.items() if key not in ("p50", "p95", "p99")}
    return Load(total, seconds_taken, float(fields["p50"]), float(fields["p95"]), float(fields["p99"]), counts)


def raw_request(
    method: str, host: str, port: int, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """One HTTP/1.1 request as bytes ready to send on a new connection (`raw_exchange`)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{key}: {value}" for key, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def form_post(host: str, port: int, path: str, form: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST of a urlencoded form, as bytes ready to send on a new connection (`raw_exchange`)."""
    return raw_request(
        "POST", host, port, path, {"Content-Type": "application/x-www-form-urlencoded", **headers}, body=form
    )


async def raw_exchange(host: str, port: int, request: bytes) -> tuple[int, str]:
    """Send a prepared request (`raw_request`, `form_post`) on a new connection and read the answer: its status and
    body.

    For the scripts that time single requests from a client of their own, as Twilio sends them (a new
    connection each): an HTTP client library (httpx) spent up to 15 ms of CPU per request in a 200-connection
    storm on the 2-core machine, so that the client, not the server, set the pace, and a third of a core in the
    realistic hour at 80×, beside the server and the database on the same two cores. This costs a fraction."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = next(
            (int(line.split(":", 1)[1]) for line in header_lines if line.lower().startswith("content-length:")), None
        )
        body = await (reader.readexactly(length) if length is not None else reader.read())
        return int(status_line.split()[1]), body.decode("utf-8")
    finally:
        writer.close()


def median_ms(work: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> float:
    """The median wall time of `work` over `repeat` runs, after one warm-up run."""
    if warm_up:
        work()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def report(name: str, title: str, body: str) -> None:
    """Print a script's summary and keep it for docs/benchmarks.md (bench/report.py)."""
    section = f"## {title}\n\n{body}\n"
    print(section, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(section)


def ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def cpu_pressure() -> str:
    """How much of the last five minutes runnable work waited for a CPU (Linux PSI): other load on the machine."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    return dict(part.split("=") for part in line.split()[1:]).get("avg300", "unknown") + " %"


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return (
        f"{os.cpu_count()} CPU cores ({cpu}), {memory} RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
