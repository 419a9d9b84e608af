"""The composition (`fluxx.wiring`): assembled at start-up, nothing wired by importing a module."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from core.models import ScheduledTask, TaskStatus
from core.worker import MissingHandlers, check_handlers
from fluxx import wiring
from tests.fluxx import test_cli_processes as cli

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("telephony", "retention", "reporting", "billing", "volunteers", "casework", "messaging", "core")


def _scheduled_kinds() -> dict[str, str]:
    """Every task kind the code schedules (`schedule(...)` / `schedule_once(...)` with `kind=NAME`), by the
    module that schedules it, with NAME resolved in that module."""
    kinds: dict[str, str] = {}
    for package in DOMAINS:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name not in ("schedule", "schedule_once"):
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Name):
                        value = getattr(importlib.import_module(module), keyword.value.id)
                        kinds[value] = module
                    elif keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        kinds[str(keyword.value.value)] = module
    return kinds


def test_every_task_kind_the_code_schedules_has_a_handler_in_the_assembled_worker():
    kinds = _scheduled_kinds()
    assert {"outreach.wave", "assignment.reminder", "assignment.hours_request", "sms.late_status"} <= kinds.keys()
    handlers = wiring.task_handlers()
    missing = {kind: module for kind, module in kinds.items() if kind not in handlers}
    assert missing == {}, "a task kind is scheduled but the app assembles no handler for it (fluxx/wiring.py)"
    assert set(handlers) == set(kinds), "a handler for a kind nothing schedules"


def test_the_worker_refuses_to_start_while_tasks_wait_that_no_handler_runs(db, engine):
    from core.db import make_sessionmaker

    factory = make_sessionmaker(engine)
    check_handlers(factory, wiring.task_handlers())  # nothing waiting: fine
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    db.execute(insert(ScheduledTask).values(kind="retired.kind", payload={}, due_at=now, created_at=now))
    db.execute(
        insert(ScheduledTask).values(
            kind="older.kind", payload={}, due_at=now, created_at=now, status=TaskStatus.DONE, finished_at=now
        )
    )
    db.commit()
    with pytest.raises(MissingHandlers) as refused:
        check_handlers(factory, wiring.task_handlers())
    assert refused.value.kinds == ["retired.kind"]  # a finished task of an unknown kind is history, not work
    assert "retired.kind" in str(refused.value)


@pytest.fixture
def migrated(engine, tmp_path: Path) -> cli.Installation:
    """The suite's migrated database as an operator's installation (see tests/fluxx/test_cli_processes.py)."""
    installation = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    cli.install_secret(installation.workdir / "fluxx-secret")
    return installation


def test_fluxx_worker_refuses_to_start_with_waiting_tasks_of_an_unknown_kind(migrated: cli.Installation):
    from core.db import make_engine

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    engine = make_engine(migrated.url)
    with engine.begin() as connection:
        connection.execute(insert(ScheduledTask).values(kind="retired.kind", payload={}, due_at=now, created_at=now))
    engine.dispose()
    finished = migrated.run("worker")
    assert finished.returncode == 1
    assert "Keine Bearbeitung für wartende Aufgaben der Art: retired.kind" in finished.output
    assert "Worker nicht gestartet" in finished.output


def test_importing_the_app_wires_nothing_until_it_starts():
    """No connect() at import: a fresh interpreter that imports every module has no case-owned list until
    the app (or a command) is assembled."""
    script = (
        "import fluxx.wiring, fluxx.factory, fluxx.cli\n"
        "from core import case_owned\n"
        "try:\n    case_owned.tables()\nexcept RuntimeError:\n    print('not connected')\n"
        "fluxx.wiring.connect()\nprint(len(case_owned.tables()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[0:2] == ["not", "connected"] and int(lines[2]) > 5


def test_a_task_kind_claimed_by_two_domains_is_refused_at_assembly(monkeypatch):
    from volunteers.outreach import service as outreach

    monkeypatch.setattr(outreach, "handlers", lambda: {"assignment.reminder": lambda db, task, now: None})
    with pytest.raises(ValueError, match="assignment.reminder"):
        wiring.task_handlers()
