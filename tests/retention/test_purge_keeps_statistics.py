"""On the calibrated demo history, the purge changes no figure: `fluxx stats --format json` (totals, every month,
the network) before and after `fluxx retention purge`, byte for byte; and no purged family's number is left.

The purge runs as the operator runs it, on today's clock; the retention period (FLUXX_RETENTION_DAYS) is set so
that the cases closed in 2015 are due: a year of the history, about a thousand cases, keeps the test to seconds
(the whole history's purge takes minutes, in short steps so the hotline keeps answering).
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from billing.models import Bill
from casework.calls.models import Call
from casework.cases.models import Case
from core.db import make_engine
from core.models import AuditEvent
from messaging.models import Message
from tests import calibrated_demo
from tests.fluxx.test_cli_processes import FLUXX, child_env

STATS = ("stats", "--from", "2015-01-01", "--to", "2022-06-30", "--format", "json", "--by", "month")
KEPT_FROM = date(2016, 1, 1)  # cases closed before this day are due


@pytest.fixture
def history(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> tuple[str, Path]:
    made = calibrated_demo.template(tmp_path_factory)
    return calibrated_demo.copy(made, tmp_path / "install"), tmp_path / "install"


def _run(history: tuple[str, Path], *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    url, workdir = history
    return subprocess.run(
        [FLUXX, *args], env=child_env(url, workdir, **settings), cwd=workdir, capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _read(engine: Engine, statement: object) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]  # type: ignore[call-overload]


def test_the_purge_of_a_year_of_the_history_changes_no_figure_and_leaves_no_number(history):
    engine = make_engine(history[0])
    days = (datetime.now(UTC) - datetime.combine(KEPT_FROM, datetime.min.time(), UTC)).days
    cutoff = datetime.now(UTC) - timedelta(days=days)  # the purge's own cutoff is a few seconds later
    due = dict(_read(engine, select(Case.id, Case.caller_phone).where(Case.closed_at < cutoff)))
    maybe = _read(engine, select(func.count()).where(Case.closed_at < cutoff + timedelta(minutes=10)))[0][0]
    assert len(due) > 500 and all(due.values())
    before = _run(history, *STATS)
    assert before.returncode == 0, before.stderr

    purged = _run(history, "retention", "purge", retention_days=str(days))
    assert purged.returncode == 0, purged.stderr
    counted = [line for line in purged.stdout.splitlines() if line.startswith("Geschlossene Fälle anonymisieren: ")]
    assert len(due) <= int(counted[0].split(": ")[1].replace(".", "")) <= int(str(maybe))

    after = _run(history, *STATS)
    assert after.stdout == before.stdout
    assert json.loads(after.stdout)["totals"]["counselling_sessions"] == 9_832
    numbers = set(due.values())
    ids = list(due)
    left = {
        *(phone for (phone,) in _read(engine, select(Case.caller_phone).where(Case.id.in_(ids)))),
        *(phone for (phone,) in _read(engine, select(Call.from_number).where(Call.case_id.in_(ids)))),
        *(phone for row in _read(engine, select(Message.to_number, Message.from_number)) for phone in row),
    }
    assert not numbers & left
    details = [json.dumps(d) for (d,) in _read(engine, select(AuditEvent.detail).where(AuditEvent.case_id.in_(ids)))]
    assert details and not [d for d in details if any(number in d for number in numbers)]
    anonymised = _read(engine, select(Case.anonymised_at).where(Case.id.in_(ids)))
    assert all(at is not None for (at,) in anonymised)
    # Bills of 2015 have outlived their eight years: the debtor's name went with the case.
    debtors = _read(engine, select(Bill.debtor_name).where(Bill.case_id.in_(ids)))
    assert debtors and all(name is None for (name,) in debtors)
    later = select(Case.anonymised_at).where(Case.closed_at >= cutoff + timedelta(minutes=10)).limit(1)
    assert _read(engine, later) == [(None,)]
    engine.dispose()
