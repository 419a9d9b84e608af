"""Bills of a month: made of confirmed hours, numbered without gaps, issued once, cancelled and corrected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from billing.bills import service as bills
from billing.bills.service import BillError, Terms
from billing.models import Bill, BillLine, TariffRate
from billing.tariff.rules import Service
from casework.enums import Affiliation, BillStatus, HoursStatus, JobKind
from casework.reference.models import Partner
from core import audit
from core.db import make_sessionmaker
from core.models import AuditEvent
from tests.billing.helpers import NOVEMBER, family, worked
from tests.factories import make_volunteer

TERMS = Terms(zone=ZoneInfo("Europe/Berlin"), payment_days=14)
MONTH = date(2026, 11, 1)
ISSUED_AT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # Tuesday 1.12.2026, 08:00 in Hannover
ACTOR = audit.Actor(staff_id=None, ip=None, now=ISSUED_AT)


def _run(engine, actor: audit.Actor = ACTOR) -> bills.Run:
    return bills.issue_month(make_sessionmaker(engine), month=MONTH, terms=TERMS, actor=actor)


def _lines(db, bill_number: str) -> list[BillLine]:
    return list(db.scalars(select(BillLine).join(Bill).where(Bill.number == bill_number).order_by(BillLine.id)))


def test_a_month_bills_each_case_once_with_its_confirmed_hours(db, engine):
    yilmaz = family(db, caller_name="Familie Yılmaz", address="Lindenstraße 4\n30159 Hannover")
    worked(db, yilmaz, hours="3.5")
    worked(db, yilmaz, hours="1.25", at=NOVEMBER + timedelta(days=3), volunteer=make_volunteer(db, name="Jonas Weber"))
    worked(db, yilmaz, hours="2", status=HoursStatus.REPORTED)  # not confirmed: not billed
    worked(db, yilmaz, hours="4", at=NOVEMBER + timedelta(days=10))  # 7.12.: another month
    other = family(db, caller_name="Familie Özdemir")
    worked(db, other, hours="2")

    run = _run(engine)

    assert [b.number for b in run.bills] == ["R-2026-00001", "R-2026-00002"]
    assert run.total == Decimal("17.50") + Decimal("6.25") + Decimal("10.00")
    db.expire_all()
    first = db.scalar(select(Bill).where(Bill.number == "R-2026-00001"))
    assert (first.case_id, first.period_month, first.total, first.status) == (
        yilmaz.id,
        MONTH,
        Decimal("23.75"),
        BillStatus.ISSUED,
    )
    assert (first.issue_date, first.due_date) == (date(2026, 12, 1), date(2026, 12, 15))
    assert (first.debtor_name, first.debtor_address) == ("Familie Yılmaz", "Lindenstraße 4\n30159 Hannover")
    lines = _lines(db, "R-2026-00001")
    assert [(ln.work_date, ln.volunteer_first_name, ln.hours, ln.rate, ln.reason, ln.amount) for ln in lines] == [
        (date(2026, 11, 27), "Petra", Decimal("3.50"), Decimal("5.00"), "Standardtarif", Decimal("17.50")),
        (date(2026, 11, 30), "Jonas", Decimal("1.25"), Decimal("5.00"), "Standardtarif", Decimal("6.25")),
    ]
    assert lines[0].description.startswith("Kinderbetreuung, Einsatz ") and lines[0].description.endswith(
        "Fr. 27.11.2026"
    )
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "bill.issue")).all()
    assert len(events) == 2 and events[0].detail["number"] == "R-2026-00001"


def test_a_second_run_issues_nothing_twice_and_a_new_hour_gets_the_next_number(db, engine):
    case = family(db)
    worked(db, case)
    assert [b.number for b in _run(engine).bills] == ["R-2026-00001"]
    assert _run(engine).bills == []
    late = worked(db, case, hours="2")  # confirmed after the first run
    again = _run(engine)
    assert [b.number for b in again.bills] == ["R-2026-00002"]
    db.expire_all()
    assert [ln.hours_report_id for ln in _lines(db, "R-2026-00002")] == [late.id]
    assert db.scalar(select(func.count()).select_from(BillLine)) == 2


def test_a_case_without_billable_hours_gets_no_bill_and_takes_no_number(db, engine):
    driving = family(db, caller_name="Familie Fahr")
    worked(db, driving, kind=JobKind.DRIVING)  # driving is arranged, not billed without a driving rate
    nothing = family(db, caller_name="Familie Leer")
    worked(db, nothing, status=HoursStatus.REPORTED)
    paying = family(db, caller_name="Familie Zahl")
    worked(db, paying)
    run = _run(engine)
    assert [b.number for b in run.bills] == ["R-2026-00001"] and run.unbilled_cases == 1
    db.expire_all()
    assert db.scalar(select(Bill.case_id)) == paying.id


def test_the_run_issues_several_cases_per_transaction_in_case_order_and_reports_progress_in_cases(
    db, engine, monkeypatch
):
    monkeypatch.setattr(bills, "CASES_PER_TRANSACTION", 2)
    cases = [family(db, caller_name=f"Familie {n}") for n in range(5)]
    for case in cases[:2] + cases[3:]:
        worked(db, case, hours="2")
    worked(db, cases[2], kind=JobKind.DRIVING)  # no driving rate: in a transaction, but no bill and no number
    worked(db, cases[4], hours="1", at=NOVEMBER + timedelta(days=1), volunteer=make_volunteer(db, name="Jonas Weber"))
    progress: list[tuple[int, int]] = []

    run = bills.issue_month(make_sessionmaker(engine), month=MONTH, terms=TERMS, actor=ACTOR,
                            progress=lambda done, total: progress.append((done, total)))  # fmt: skip

    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert [(b.number, b.case_id, b.total) for b in run.bills] == [
        ("R-2026-00001", cases[0].id, Decimal("10.00")), ("R-2026-00002", cases[1].id, Decimal("10.00")),
        ("R-2026-00003", cases[3].id, Decimal("10.00")), ("R-2026-00004", cases[4].id, Decimal("15.00")),
    ]  # fmt: skip
    assert run.unbilled_cases == 1
    db.expire_all()
    assert [ln.volunteer_first_name for ln in _lines(db, "R-2026-00004")] == ["Petra", "Jonas"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "bill.issue").order_by(AuditEvent.id)).all()
    assert [(e.object_id, e.case_id, e.detail["number"], e.detail["lines"]) for e in events] == [
        (b.id, b.case_id, b.number, 2 if b.case_id == cases[4].id else 1) for b in run.bills
    ]
    assert bills.issue_month(make_sessionmaker(engine), month=MONTH, terms=TERMS, actor=ACTOR).bills == []


def test_driving_is_billed_once_an_admin_sets_a_driving_rate(db, engine):
    case = family(db)
    worked(db, case, kind=JobKind.DRIVING, hours="1.5")
    db.add(TariffRate(affiliation=Affiliation.NONE, service=Service.DRIVING, rate=Decimal("2.00"),
                      valid_from=date(2026, 1, 1)))  # fmt: skip
    db.commit()
    (bill,) = _run(engine).bills
    assert bill.total == Decimal("3.00")
    assert _lines(db, bill.number)[0].description.startswith("Fahrdienst, Einsatz ")


def test_the_rate_and_reason_are_decided_per_job_day_and_kept_on_the_bill(db, engine):
    conti = Partner(name="Continental AG", active_from=date(2016, 3, 1), active_until=date(2026, 11, 28))
    db.add(conti)
    db.commit()
    case = family(db, affiliation=Affiliation.PARTNER_COMPANY, partner_id=conti.id)
    worked(db, case, hours="1.25")  # 27.11.: still a partner
    worked(db, case, hours="2", at=NOVEMBER + timedelta(days=3))  # 30.11.: left the network on 28.11.
    (bill,) = _run(engine).bills
    lines = _lines(db, bill.number)
    assert [(ln.rate, ln.reason, ln.amount) for ln in lines] == [
        (Decimal("3.00"), "Partnerbetrieb: Continental AG", Decimal("3.75")),
        (Decimal("5.00"), "Standardtarif", Decimal("10.00")),
    ]
    # A price change afterwards never alters the issued bill.
    db.add(TariffRate(affiliation=Affiliation.NONE, service=Service.CARE, rate=Decimal("6.00"),
                      valid_from=date(2026, 11, 1)))  # fmt: skip
    conti.active_until = None
    db.commit()
    db.expire_all()
    assert [ln.amount for ln in _lines(db, bill.number)] == [Decimal("3.75"), Decimal("10.00")]
    assert db.get(Bill, bill.id).total == Decimal("13.75")


def test_a_student_in_a_valid_semester_pays_the_student_rate(db, engine):
    case = family(db, student_semester="WiSe 2026/27")
    worked(db, case, hours="3")
    (bill,) = _run(engine).bills
    (line,) = _lines(db, bill.number)
    assert (line.rate, line.reason, line.amount) == (
        Decimal("2.00"),
        "Studierende in Hannover (WiSe 2026/27)",
        Decimal("6.00"),
    )


def test_a_cancelled_bill_stays_with_reason_and_its_correction_gets_a_new_number_naming_it(db, engine):
    case = family(db)
    report = worked(db, case, hours="3.5")
    (bill,) = _run(engine).bills
    staff_actor = audit.Actor(staff_id=None, ip="10.0.0.1", now=ISSUED_AT + timedelta(days=1))
    report = db.get(type(report), report.id)
    report.hours = Decimal("3.0")  # staff corrected the hours (their own audited path, see test_hours)
    db.commit()
    bill = db.get(Bill, bill.id)
    corrected = bills.correct(db, bill=bill, reason="Stunden waren falsch", terms=TERMS, actor=staff_actor)
    db.commit()
    db.expire_all()
    old = db.get(Bill, bill.id)
    assert (old.status, old.cancel_reason, old.cancelled_at) == (
        BillStatus.CANCELLED,
        "Stunden waren falsch",
        staff_actor.now,
    )
    new = db.get(Bill, corrected.id)
    assert (new.number, new.corrects_id, new.total, new.status) == ("R-2026-00002", old.id, Decimal("15.00"),
                                                                     BillStatus.ISSUED)  # fmt: skip
    assert db.scalar(select(func.count()).select_from(Bill)) == 2  # nothing deleted
    assert _run(engine).bills == []  # the hours are on the correction now


def test_cancelling_twice_or_without_a_reason_is_refused_and_changes_nothing(db, engine):
    case = family(db)
    worked(db, case)
    (bill,) = _run(engine).bills
    bill = db.get(Bill, bill.id)
    with pytest.raises(BillError, match="Grund"):
        bills.cancel(db, bill=bill, reason="  ", actor=ACTOR)
    bills.cancel(db, bill=bill, reason="Doppelt", actor=ACTOR)
    db.commit()
    with pytest.raises(BillError, match="bereits storniert"):
        bills.cancel(db, bill=bill, reason="Nochmal", actor=ACTOR)
    db.rollback()
    assert db.get(Bill, bill.id).cancel_reason == "Doppelt"
    # the cancelled bill's hours are billed again by the next run, under the next number
    assert [b.number for b in _run(engine).bills] == ["R-2026-00002"]


def test_a_correction_without_hours_left_is_refused_and_the_bill_stays(db, engine):
    case = family(db)
    report = worked(db, case)
    (bill,) = _run(engine).bills
    report = db.get(type(report), report.id)
    report.status = HoursStatus.REJECTED
    db.commit()
    with pytest.raises(BillError, match="keine bestätigten Stunden mehr"), db.begin_nested():
        bills.correct(db, bill=db.get(Bill, bill.id), reason="falsch", terms=TERMS, actor=ACTOR)
    db.commit()
    db.expire_all()
    assert db.get(Bill, bill.id).status == BillStatus.ISSUED


def test_bill_numbers_run_per_year_of_issue(db, engine):
    case = family(db)
    worked(db, case)
    assert _run(engine).bills[0].number == "R-2026-00001"
    worked(db, case, hours="1")
    january = audit.Actor(staff_id=None, ip=None, now=datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    assert _run(engine, january).bills[0].number == "R-2027-00001"
