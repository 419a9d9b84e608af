"""The calibrated demo history (`fluxx demo --from 2015-01-01 --to 2022-06-30 --seed-totals`), made once per test
run by the real command in its own process on a fresh SQLite file; each test gets a copy.

Always SQLite, whatever FLUXX_TEST_DATABASE_URL says: the command's promise (under two minutes) is about SQLite,
and a copy of a file is the cheapest fresh database.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import install_secret
from fluxx.migrate import upgrade
from tests.fluxx.test_cli_processes import FLUXX, Finished, child_env

SEED_PERIOD = ("--from", "2015-01-01", "--to", "2022-06-30")
DEMO_SECONDS = 300  # a bound for a loaded machine; the command takes about a minute on two cores


@dataclass(frozen=True)
class Made:
    path: Path
    seconds: float
    output: str


_MADE: dict[str, Made] = {}


def run(url: str, workdir: Path, *args: str, timeout: float = 120) -> Finished:
    """A `fluxx` command in its own process on the database at `url`."""
    done = subprocess.run(
        [FLUXX, *args], env=child_env(url, workdir), cwd=workdir, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return Finished(done.returncode, done.stdout, done.stderr)


def fresh_database(workdir: Path) -> str:
    """A migrated SQLite file in `workdir`, and the installation's secret beside it."""
    url = f"sqlite:///{workdir / 'fluxx.db'}"
    upgrade(url)
    install_secret(workdir / "fluxx-secret")
    return url


def template(factory: pytest.TempPathFactory) -> Made:
    """The calibrated history, made by the command the first time a test asks for it."""
    if "seed" not in _MADE:
        workdir = factory.mktemp("calibrated")
        url = fresh_database(workdir)
        started = time.monotonic()
        finished = run(url, workdir, "demo", *SEED_PERIOD, "--seed-totals", timeout=DEMO_SECONDS)
        assert finished.returncode == 0, finished.output
        _MADE["seed"] = Made(workdir / "fluxx.db", time.monotonic() - started, finished.output)
    return _MADE["seed"]


def copy(made: Made, workdir: Path) -> str:
    """A copy of the calibrated history in `workdir`, with a secret of its own; returns its URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made.path, workdir / "fluxx.db")
    install_secret(workdir / "fluxx-secret")
    return f"sqlite:///{workdir / 'fluxx.db'}"
