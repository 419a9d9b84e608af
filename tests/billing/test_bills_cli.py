"""`fluxx bills issue --month`, as an operator runs it: in a subprocess, and two of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.models import Bill, BillLine
from casework.enums import BillStatus
from core.settings import install_secret
from tests.billing.helpers import family, worked
from tests.fluxx import test_cli_processes as cli


@pytest.fixture
def installation(engine, tmp_path: Path) -> cli.Installation:
    """The suite's migrated database as an operator's installation (see tests/fluxx/test_cli_processes.py)."""
    found = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    install_secret(found.workdir / "fluxx-secret")
    return found


def test_the_month_is_issued_once_and_a_second_run_says_there_is_nothing_left(db, installation):
    case = family(db, caller_name="Familie Yılmaz")
    worked(db, case, hours="3.5")
    worked(db, family(db, caller_name="Familie Özdemir"), hours="1.25")
    first = installation.run("bills", "issue", "--month", "2026-11")
    assert first.returncode == 0, first.output
    assert (
        "2 Rechnungen für November 2026 gestellt (R-2026-00001 bis R-2026-00002), zusammen 23,75\xa0€." in first.stdout
    )
    second = installation.run("bills", "issue", "--month", "11.2026")
    assert second.returncode == 0, second.output
    assert "Für November 2026 ist nichts zu berechnen" in second.stdout
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Bill)) == 2


@pytest.mark.parametrize("month", ["2026-13", "November", "13/2026", ""])
def test_a_month_that_does_not_exist_is_refused_with_a_german_answer(installation, month):
    finished = installation.run("bills", "issue", "--month", month)
    assert finished.returncode == 2
    assert "Fehler:" in finished.stderr and "2026-11" in finished.stderr


def test_two_runs_at_once_issue_every_hour_once_with_numbers_without_gap_or_duplicate(db, installation):
    reports = [worked(db, family(db, caller_name=f"Familie {n}"), hours="2") for n in range(30)]
    runs = installation.run_together(
        (["bills", "issue", "--month", "2026-11"], None), (["bills", "issue", "--month", "2026-11"], None)
    )
    assert all(run.returncode == 0 for run in runs), [run.output for run in runs]
    db.expire_all()
    seqs = sorted(db.scalars(select(Bill.seq).where(Bill.year == 2026)))
    assert seqs == list(range(1, 31))  # no gap, no duplicate
    billed = db.scalars(select(BillLine.hours_report_id).join(Bill).where(Bill.status == BillStatus.ISSUED)).all()
    assert sorted(billed) == sorted(r.id for r in reports)  # every hour on exactly one bill


def test_the_run_writes_the_month_s_direct_debit_file_when_a_family_gave_a_mandate(db, installation):
    from datetime import UTC, date, datetime

    from billing.mandates import service as mandates
    from core import audit

    case = family(db, caller_name="Familie Demir")
    worked(db, case, hours="3.5")
    mandates.record(
        db,
        case_id=case.id,
        holder="Aylin Demir",
        iban="DE89370400440532013000",
        bic=None,
        signed_on=date(2026, 11, 2),
        actor=audit.Actor(None, None, datetime(2026, 11, 2, tzinfo=UTC)),
    )
    db.commit()
    finished = installation.run("bills", "issue", "--month", "2026-11", "--out", str(installation.workdir))
    assert finished.returncode == 0, finished.output
    target = installation.workdir / "lastschriften-2026-11.xml"
    assert f"Lastschriftdatei mit 1 Einzug/Einzügen: {target}" in finished.stdout
    assert b"pain.008.001.02" in target.read_bytes() and b"FLUXX-" in target.read_bytes()
