"""The retention purge (issue 22, point 1): closed cases lose their personal data after the retention period,
what the statistics count stays; bill data waits for the commercial retention period; old login failures and
sessions go; the dry run changes nothing; a purge stopped half-way and run again ends where one run ends; and
`fluxx retention purge` does it as an operator runs it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from billing.bills import service as bills
from billing.bills.service import Terms
from billing.models import Bill, SepaMandate
from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.calls.models import Call
from casework.cases.models import CarePerson, Case, CaseNote
from casework.enums import CaseStatus, Need
from casework.jobs.models import CareJob
from core import audit, case_owned
from core.db import make_sessionmaker, transaction
from core.models import AuditEvent, LoginFailure, StaffSession
from core.settings import install_secret
from messaging.gateway import SimulatedRecordings
from messaging.models import Message
from messaging.service import queue_sms
from retention import rules, service
from retention.rules import Kind
from tests.billing.helpers import family, worked
from tests.factories import T0, make_call, make_job, make_staff
from tests.fluxx import test_cli_processes as cli

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = 730
PHONE = "+4915112345678"
NOW = T0 + timedelta(days=DAYS + 30)  # the cases closed at T0 are due, those closed later not
TODAY = NOW.astimezone(BERLIN).date()


def _closed_case(db, *, closed_at=T0, status=CaseStatus.CLOSED_NO_NEED, **overrides):
    """A closed case with something in every table a case owns: a note, a child, a call with a voicemail,
    an SMS, a call-back attempt, a job with notes and an audit entry about it."""
    case = family(db, caller_name="Familie Yılmaz", caller_phone=PHONE, need=Need.CHILD_CARE,
                  address="Lindenstraße 4, 30159 Hannover", employer_name="Bäckerei Kurz", **overrides)  # fmt: skip
    db.add(CaseNote(case_id=case.id, body="Mutter im Krankenhaus, Kinder 3 und 6", created_at=T0))
    db.add(CarePerson(case_id=case.id, label="Mia", age_years=3, need_description="Asthma",
                      special_requirements="Inhalator"))  # fmt: skip
    make_call(db, case, recording_sid="RE0123", recording_url="https://api.twilio.com/RE0123",
              created_at=closed_at or T0)  # fmt: skip
    queue_sms(db, to=PHONE, body="Fluxx: Lisa kommt morgen um 8 Uhr.", now=T0, case_id=case.id)
    db.add(CallbackAttempt(case_id=case.id, staff_id=make_staff(db).id, at=T0, outcome=CallbackOutcome.REACHED,
                           note="Oma übernimmt"))  # fmt: skip
    make_job(db, case, notes="Schlüssel bei Nachbarin Schmidt", district="Linden-Mitte")
    audit.record(db, audit.Actor(staff_id=None, ip=None, now=T0), action="case.update", object_type="case",
                 object_id=case.id, case_id=case.id, detail={"caller_name": "Familie Yılmaz"})  # fmt: skip
    case.status, case.closed_at = status, closed_at
    db.commit()
    return case


def _purge(engine, **kwargs) -> service.Report:
    """The purge as the command runs it (voicemails first; in simulation they live nowhere else)."""
    kwargs.setdefault("recordings", SimulatedRecordings())
    kwargs.setdefault("gap", 0)  # the pause between batches is tested on its own (and under load)
    return service.purge(make_sessionmaker(engine), now=NOW, days=DAYS, today=TODAY, **kwargs)


def _personal(db, case_id: int) -> dict[str, object]:
    """Every personal value the case and what it owns hold (to compare before and after)."""
    db.expire_all()
    case = db.get_one(Case, case_id)
    return {
        "case": [getattr(case, name) for name in service.CASE_COLUMNS],
        "notes": db.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id)).all(),
        "persons": db.execute(
            select(CarePerson.label, CarePerson.need_description, CarePerson.special_requirements).where(
                CarePerson.case_id == case_id
            )
        ).all(),  # fmt: skip
        "calls": db.execute(
            select(Call.from_number, Call.recording_sid, Call.recording_url).where(Call.case_id == case_id)
        ).all(),  # fmt: skip
        "messages": db.execute(select(Message.body, Message.to_number).where(Message.case_id == case_id)).all(),
        "callbacks": db.scalars(select(CallbackAttempt.note).where(CallbackAttempt.case_id == case_id)).all(),
        "jobs": db.execute(select(CareJob.notes, CareJob.district).where(CareJob.case_id == case_id)).all(),
        "audit": db.scalars(select(AuditEvent.detail).where(AuditEvent.case_id == case_id)).all(),
    }


def test_a_case_closed_longer_than_the_period_loses_every_personal_value_and_keeps_what_is_counted(db, engine):
    case = _closed_case(db)
    kept = (case.number, case.need, case.municipality_id, case.opened_at, case.closed_at, case.status)
    report = _purge(engine)
    assert report.counts[Kind.CASES] == 1

    personal = _personal(db, case.id)
    assert personal["case"] == [None] * len(service.CASE_COLUMNS)
    assert personal["notes"] == [""]
    assert [tuple(row) for row in personal["persons"]] == [("", None, None)]
    assert [tuple(row) for row in personal["calls"]] == [(None, None, None)]
    assert all(row.body == "" and row.to_number in ("", None) for row in personal["messages"])
    assert personal["callbacks"] == [None]
    assert [tuple(row) for row in personal["jobs"]] == [(None, None)]
    assert all(detail == {} for detail in personal["audit"])
    db.expire_all()
    after = db.get_one(Case, case.id)
    assert (after.number, after.need, after.municipality_id, after.opened_at, after.closed_at, after.status) == kept
    assert after.anonymised_at == NOW and after.caller_phone_reversed is None
    # Who did what and when stays in the audit trail; the job, its times and the child's age stay too.
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.update"))
    assert db.scalar(select(CarePerson.age_years).where(CarePerson.case_id == case.id)) == 3
    assert PHONE not in repr(personal)


def test_open_cases_and_cases_closed_within_the_period_are_left_alone(db, engine):
    recent = _closed_case(db, closed_at=NOW - timedelta(days=DAYS - 1))
    still_open = _closed_case(db, status=CaseStatus.IN_COUNSELLING, closed_at=None)
    before = {case.id: _personal(db, case.id) for case in (recent, still_open)}
    assert _purge(engine, recordings=None).counts[Kind.CASES] == 0  # (voicemails: tests/retention/test_voicemails.py)
    assert {case.id: _personal(db, case.id) for case in (recent, still_open)} == before


def test_the_dry_run_counts_per_kind_and_changes_nothing(db, engine):
    cases = [_closed_case(db) for _ in range(3)]
    _closed_case(db, closed_at=NOW - timedelta(days=1))
    staff = make_staff(db)
    long_ago = NOW - timedelta(days=100)
    db.add_all([LoginFailure(email="x@example.org", ip="10.0.0.1", at=NOW - timedelta(days=91)),
                LoginFailure(email="x@example.org", ip="10.0.0.1", at=NOW - timedelta(days=3)),
                StaffSession(token_hash="a" * 64, staff_id=staff.id, created_at=T0,
                             last_seen_at=long_ago)])  # fmt: skip
    db.commit()
    before = [_personal(db, case.id) for case in cases]
    due = service.due(db, now=NOW, days=DAYS, today=TODAY, voicemail_days=30)
    assert due.counts == {
        Kind.VOICEMAILS: 3,
        Kind.CASES: 3,
        Kind.REPLIES: 0,
        Kind.BILLS: 0,
        Kind.VOLUNTEERS: 0,
        Kind.LOGIN_FAILURES: 1,
        Kind.SESSIONS: 1,
    }
    assert due.lines()[:2] == ["Sprachnachrichten löschen (auch bei Twilio): 3", "Geschlossene Fälle anonymisieren: 3"]
    assert [_personal(db, case.id) for case in cases] == before

    assert _purge(engine).counts == due.counts
    db.expire_all()
    assert [f.at for f in db.scalars(select(LoginFailure))] == [NOW - timedelta(days=3)]
    assert db.scalars(select(StaffSession)).all() == []


def test_a_purge_stopped_half_way_and_run_again_ends_where_one_run_ends(db, engine):
    cases = [_closed_case(db) for _ in range(7)]
    first = _purge(engine, batch=2, limit=3)  # as if killed after three cases (each case is one transaction)
    assert first.counts[Kind.CASES] == 3
    db.expire_all()
    done = [case.id for case in cases if db.get_one(Case, case.id).anonymised_at is not None]
    assert len(done) == 3
    assert _purge(engine, batch=2).counts[Kind.CASES] == 4
    assert _purge(engine).counts[Kind.CASES] == 0  # nothing twice
    expected = _personal(db, cases[0].id)
    assert all(_personal(db, case.id) == expected for case in cases)


def _billed_case(db, engine, issued_at: datetime, reference: str = "FLUXX-1"):
    case = _closed_case(db, closed_at=issued_at)
    worked(db, case, hours="3.5", at=issued_at - timedelta(days=20))
    month = (issued_at - timedelta(days=20)).astimezone(BERLIN).date().replace(day=1)
    actor = audit.Actor(staff_id=None, ip=None, now=issued_at)
    bills.issue_month(make_sessionmaker(engine), month=month, terms=Terms(BERLIN, 14), actor=actor)
    db.add(SepaMandate(case_id=case.id, reference=reference, holder="Ayşe Yılmaz", iban="DE89370400440532013000",
                       bic=None, signed_on=date(2026, 11, 1), created_at=T0))  # fmt: skip
    db.commit()
    return case


def test_bill_data_stays_for_eight_years_after_the_year_of_the_bill_then_goes_too(db, engine):
    case = _billed_case(db, engine, T0)  # bill issued in 2026: kept until the end of 2034
    assert rules.bill_kept_until(date(2026, 11, 26)) == date(2035, 1, 1)
    _purge(engine)
    db.expire_all()
    bill = db.scalars(select(Bill).where(Bill.case_id == case.id)).one()
    assert db.get_one(Case, case.id).caller_name is None  # the case itself is anonymised ...
    assert bill.debtor_name and bill.debtor_address  # ... what the bill must show stays
    assert db.scalar(select(SepaMandate.iban).where(SepaMandate.case_id == case.id)) == "DE89370400440532013000"
    amount = bill.total

    last_day = datetime(2034, 12, 31, 12, tzinfo=UTC)
    assert service.due(db, now=last_day, days=DAYS, today=date(2034, 12, 31), voicemail_days=30).counts[Kind.BILLS] == 0
    first_day = datetime(2035, 1, 1, 12, tzinfo=UTC)
    assert service.due(db, now=first_day, days=DAYS, today=date(2035, 1, 1), voicemail_days=30).counts[Kind.BILLS] == 1
    report = service.purge(make_sessionmaker(engine), now=first_day, days=DAYS, today=date(2035, 1, 1))
    assert report.counts[Kind.BILLS] == 1
    db.expire_all()
    bill = db.scalars(select(Bill).where(Bill.case_id == case.id)).one()
    assert (bill.debtor_name, bill.debtor_address) == (None, None)
    assert bill.total == amount  # the amount is counted, it stays
    mandate = db.scalars(select(SepaMandate).where(SepaMandate.case_id == case.id)).one()
    assert (mandate.holder, mandate.iban, mandate.bic) == ("", "", None)


def test_a_case_whose_bills_have_expired_loses_the_bill_data_with_the_rest(db, engine):
    case = _billed_case(db, engine, datetime(2016, 3, 1, 9, tzinfo=UTC))  # issued 2016: kept until 2024
    _purge(engine)
    db.expire_all()
    bill = db.scalars(select(Bill).where(Bill.case_id == case.id)).one()
    assert bill.debtor_name is None and db.get_one(Case, case.id).anonymised_at == NOW


def _owned_personal(db, case_id: int) -> dict[str, list[tuple[object, ...]]]:
    """The personal columns of every row in every table the case owns, per table (from the one declared list)."""
    db.expire_all()
    found = {}
    for declared in case_owned.tables():
        if declared.anonymise:
            table = declared.model.__table__
            columns = select(*(table.c[name] for name in declared.anonymise)).where(table.c.case_id == case_id)
            found[declared.table_name] = [tuple(row) for row in db.execute(columns.order_by(table.c.id))]
    return found


def _blank(rows: list[tuple[object, ...]]) -> bool:
    return all(value in (None, "", {}) for row in rows for value in row)


def test_a_batch_anonymises_its_cases_still_due_in_every_table_they_own_and_skips_those_done_or_reopened_since(
    db, engine
):
    """The batch is written set-wise: the ids read before it began are checked again under their locks, so a case
    reopened or anonymised (an erasure) in between is neither written nor counted; the bill tables only for the
    cases whose bills have all outlived their period."""
    plain = [_closed_case(db) for _ in range(2)]
    kept = _billed_case(db, engine, T0, reference="FLUXX-1")  # bill issued 2026: kept until 2035
    expired = _billed_case(db, engine, datetime(2016, 3, 1, 9, tzinfo=UTC), reference="FLUXX-2")
    reopened, erased = _closed_case(db), _closed_case(db)
    factory = make_sessionmaker(engine)
    assert service.delete_voicemails(factory, SimulatedRecordings(), now=NOW, days=30) == (6, 0)
    step = service.steps(now=NOW, days=DAYS, today=TODAY)[0]
    assert step.kind == Kind.CASES
    with factory() as read:
        ids = step.ids(read, 0, rules.BATCH)
    everyone = [*plain, kept, expired, reopened, erased]
    assert ids == sorted(case.id for case in everyone)

    # Meanwhile: a counsellor reopens one case, an erasure anonymises another an hour earlier than the purge.
    db.get_one(Case, reopened.id).status, db.get_one(Case, reopened.id).closed_at = CaseStatus.IN_COUNSELLING, None
    db.commit()
    untouched = (_personal(db, reopened.id), _owned_personal(db, reopened.id))
    with transaction(factory) as other:
        assert service.erase_case(other, case_id=erased.id, now=NOW - timedelta(hours=1), today=TODAY)
    with transaction(factory) as batch:
        assert step.apply(batch, ids) == 4

    for case in (*plain, kept, expired):
        owned = _owned_personal(db, case.id)
        for table, rows in owned.items():
            if table in ("bill", "sepa_mandate") and case is not expired:
                continue
            assert rows and _blank(rows), (case.id, table)  # every declared table has rows here: none is missed
        assert _personal(db, case.id)["case"] == [None] * len(service.CASE_COLUMNS)
        assert db.get_one(Case, case.id).anonymised_at == NOW
    assert not _blank(_owned_personal(db, kept.id)["bill"])  # its bill is within its period: it stays ...
    assert not _blank(_owned_personal(db, kept.id)["sepa_mandate"])  # ... and its mandate with it
    assert (_personal(db, reopened.id), _owned_personal(db, reopened.id)) == untouched
    assert db.get_one(Case, reopened.id).anonymised_at is None and db.get_one(Case, reopened.id).caller_name
    assert db.get_one(Case, erased.id).anonymised_at == NOW - timedelta(hours=1)  # done once, by the erasure


@pytest.fixture
def installation(engine, tmp_path: Path) -> cli.Installation:
    found = cli.Installation(engine.url.render_as_string(hide_password=False), cli._workdir(tmp_path))
    install_secret(found.workdir / "fluxx-secret")
    return found


def test_the_command_counts_in_a_dry_run_then_purges(db, installation):
    old = _closed_case(db, closed_at=datetime.now(UTC) - timedelta(days=DAYS + 1))
    _closed_case(db, closed_at=datetime.now(UTC) - timedelta(days=5))
    dry = installation.run("retention", "purge", "--dry-run")
    assert dry.returncode == 0, dry.output
    assert (
        "Probelauf (nichts geändert), Aufbewahrung von Fällen: 730 Tage, von Sprachnachrichten: 30 Tage" in dry.stdout
    )
    assert "Geschlossene Fälle anonymisieren: 1" in dry.stdout
    db.expire_all()
    assert db.get_one(Case, old.id).anonymised_at is None
    run = installation.run("retention", "purge")
    assert run.returncode == 0, run.output
    assert "Geschlossene Fälle anonymisieren: 1" in run.stdout
    db.expire_all()
    assert db.get_one(Case, old.id).anonymised_at is not None and db.get_one(Case, old.id).caller_phone is None
    again = installation.run("retention", "purge")
    assert "Geschlossene Fälle anonymisieren: 0" in again.stdout


def test_on_sqlite_the_purge_leaves_the_writer_to_the_calls_between_two_batches(engine, db):
    for _ in range(5):
        _closed_case(db)
    db.commit()
    pauses: list[float] = []
    batches: list[Kind] = []

    report = _purge(engine, batch=2, gap=None, sleep=pauses.append, progress=lambda kind, _done: batches.append(kind))

    assert report.counts[Kind.CASES] == 5
    written = [kind for kind in batches if kind != Kind.VOICEMAILS]
    assert written.count(Kind.CASES) == 3  # 2 + 2 + 1
    # A pause between every two transactions, none before the first; PostgreSQL locks rows and needs none.
    assert pauses == ([0.1] * (len(written) - 1) if engine.dialect.name == "sqlite" else [])
