"""The purge keeps every statistic the city relies on: `fluxx stats --format json` before and after
`fluxx retention purge`, compared byte for byte, on the hand-made history of tests/reporting (a merged case, a
"no case" call, a cancelled job, corrected hours, a partner leaving); and no caller's number is left."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseStatus
from core.models import AuditEvent
from core.settings import install_secret
from messaging.models import Message
from tests.fluxx import test_cli_processes as cli
from tests.reporting import dataset

ALL_YEARS = ("stats", "--from", "2015-01-01", "--to", "2026-12-31", "--format", "json")


@pytest.fixture
def installation(engine, tmp_path: Path) -> cli.Installation:
    found = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    install_secret(found.workdir / "fluxx-secret")
    return found


def test_the_purge_changes_no_figure_and_leaves_no_callers_number(db, installation):
    dataset.build(db)
    # Every case closed long ago (merged ones are closed already): all of them are due.
    db.execute(update(Case).where(Case.closed_at.is_(None)).values(status=CaseStatus.COMPLETED))
    db.execute(update(Case).values(closed_at=datetime(2022, 1, 1, tzinfo=UTC)))
    db.commit()
    numbers = {phone for phone in db.scalars(select(Case.caller_phone)) if phone}
    assert numbers

    before = installation.run(*ALL_YEARS)
    assert before.returncode == 0, before.output
    purged = installation.run("retention", "purge")
    assert purged.returncode == 0, purged.output
    assert "Geschlossene Fälle anonymisieren: 0" not in purged.stdout
    after = installation.run(*ALL_YEARS)
    assert after.stdout == before.stdout

    db.expire_all()
    assert db.scalars(select(Case).where(Case.anonymised_at.is_(None))).all() == []
    left = {*db.scalars(select(Case.caller_phone)), *db.scalars(select(Call.from_number)),
            *db.scalars(select(Message.to_number)), *db.scalars(select(Message.from_number))}  # fmt: skip
    assert not numbers & left
    details = [json.dumps(detail) for detail in db.scalars(select(AuditEvent.detail).where(AuditEvent.case_id > 0))]
    assert [detail for detail in details if any(number in detail for number in numbers)] == []
