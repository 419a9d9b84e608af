"""Bills with the database: what a month would bill, issuing, cancelling and correcting.

A bill is made of the confirmed hours (`HoursReport` with status CONFIRMED) of a case's jobs whose day
falls in the month and that no issued bill holds yet (a cancelled bill frees its hours for the
correction). The monthly run issues a few cases per short transaction: their case rows are locked first,
the billable hours are read again under that lock and the numbers are taken last, so a second run, or two
runs at once, never bill an hour twice and a bill that is not made takes no number (no gaps). A case
without billable hours gets no bill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Exists, and_, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from billing.bills import rules
from billing.bills.printed import Issuer, Printed, printed
from billing.bills.rules import Line
from billing.bills.sepa import Collection, Creditor, pain008
from billing.mandates import service as mandates
from billing.models import Bill, BillLine, PaymentMethod, SepaMandate
from billing.tariff import rules as tariff
from billing.tariff import service as tariffs
from billing.tariff.rules import Rate
from casework.cases.models import Case
from casework.cases.opening import next_number, take_numbers
from casework.enums import BillStatus, HoursStatus
from casework.jobs.models import CareJob
from core import audit
from core.batches import in_batches
from core.clock import day_start
from core.errors import DomainError, NotFound
from core.formats import date_de
from core.settings import Settings
from volunteers.assignments.models import Assignment, HoursReport
from volunteers.registry.models import Volunteer


class BillError(DomainError):
    """A bill action that cannot be done; the German message says why."""


@dataclass(frozen=True)
class Terms:
    """How bills are issued: the local time zone (the month of a job day) and the payment term."""

    zone: ZoneInfo
    payment_days: int


@dataclass(frozen=True)
class Draft:
    """What a case's bill for the month would hold (the preview, and what `issue_case` writes)."""

    case_id: int
    case_number: str
    debtor_name: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return rules.total(line.amount for line in self.lines)


@dataclass
class Run:
    """What a monthly run did."""

    month: date
    bills: list[Bill] = field(default_factory=list)
    unbilled_cases: int = 0  # cases with confirmed hours that bill nothing (e.g. driving without a rate)

    @property
    def total(self) -> Decimal:
        return rules.total(bill.total for bill in self.bills)


def _billed() -> Exists:
    """The hours report is on an issued bill (asked per report through the bill lines' index: the run's
    cost per case stays the same however many bills are issued already)."""
    return (
        select(BillLine.id)
        .join(Bill, Bill.id == BillLine.bill_id)
        .where(BillLine.hours_report_id == HoursReport.id, Bill.status == BillStatus.ISSUED)
        .exists()
    )


def drafts(
    db: Session, *, month: date, terms: Terms, case_id: int | None = None, case_ids: Sequence[int] | None = None,
    rates: list[Rate] | None = None,
) -> list[Draft]:  # fmt: skip
    """The bills the month would make, one per case with billable hours, in case-number order (only the
    case `case_id` or the cases `case_ids` when given; `rates`: the tariff when already loaded)."""
    start, end = day_start(month, terms.zone), day_start(rules.next_month(month), terms.zone)
    query = (
        # The few columns a line needs, the case as a whole (its eligibility; already loaded when locked).
        select(
            HoursReport.id,
            HoursReport.hours,
            CareJob.id,
            CareJob.kind,
            CareJob.code,
            CareJob.starts_at,
            Volunteer.name,
            Case,
        )
        .join(Assignment, Assignment.id == HoursReport.assignment_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(Case, Case.id == CareJob.case_id)
        .where(
            HoursReport.status == HoursStatus.CONFIRMED,
            and_(CareJob.starts_at >= start, CareJob.starts_at < end),
            ~_billed(),
            Case.anonymised_at.is_(None),
        )
        .order_by(Case.number, CareJob.starts_at, CareJob.id, HoursReport.id)
    )
    if case_id is not None:
        query = query.where(Case.id == case_id)
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    rates = tariffs.all_rates(db) if rates is None else rates
    by_case: dict[int, list[Line]] = defaultdict(list)
    cases: dict[int, Case] = {}
    for report_id, hours, job_id, kind, code, starts_at, volunteer_name, case in db.execute(query):
        day = starts_at.astimezone(terms.zone).date()
        pricing = tariffs.price(db, case=case, kind=kind, day=day, rates=rates)
        cases[case.id] = case
        if pricing is None:
            by_case.setdefault(case.id, [])
            continue  # not billed (a driving service without a driving rate)
        by_case[case.id].append(
            Line(
                hours_report_id=report_id, job_id=job_id, work_date=day,
                description=rules.line_description(kind.label, code, day),
                volunteer_first_name=rules.first_name(volunteer_name), hours=hours,
                affiliation=pricing.affiliation, per_hour=pricing.per_hour, reason=pricing.reason,
                amount=tariff.amount(hours, pricing.per_hour),
            )
        )  # fmt: skip
    return [
        Draft(case_id=cid, case_number=cases[cid].number, debtor_name=cases[cid].caller_name or "", lines=tuple(lines))
        for cid, lines in by_case.items()
    ]


def issue_case(db: Session, *, case_id: int, month: date, terms: Terms, actor: audit.Actor) -> Bill | None:
    """Issue the case's bill for the month, or None when it has no billable hours (no number is taken).

    The case row is locked first and the hours read again under the lock: a run at the same moment waits,
    then finds the hours billed."""
    (bill,) = issue_cases(db, case_ids=[case_id], month=month, terms=terms, actor=actor)
    return bill


def issue_cases(
    db: Session, *, case_ids: Sequence[int], month: date, terms: Terms, actor: audit.Actor,
    rates: list[Rate] | None = None,
) -> list[Bill | None]:  # fmt: skip
    """Issue the bills of the cases for the month, one per case in the order given (None for a case
    without billable hours: it takes no number), in the caller's transaction.

    The cases' rows are locked first (in id order, so two runs never wait for each other in a circle) and
    their hours read again under the lock: a run at the same moment waits, then finds the hours billed.
    The numbers are taken last, all at once, for the bills made."""
    locked = {
        case.id: case
        for case in db.scalars(
            select(Case).where(Case.id.in_(case_ids)).order_by(Case.id).with_for_update()
            .execution_options(populate_existing=True)
        )
    }  # fmt: skip
    found = {
        draft.case_id: draft
        for draft in drafts(db, month=month, terms=terms, case_ids=case_ids, rates=rates)
        if draft.lines
    }
    made = [case_id for case_id in case_ids if case_id in found]
    if not made:
        return [None] * len(case_ids)
    issued = actor.now.astimezone(terms.zone).date()
    active = mandates.active_of(db, case_ids=made)
    seqs = take_numbers(db, scope=rules.NUMBER_SCOPE, year=issued.year, count=len(made))  # last: only bills made
    bills = {
        case_id: _bill(
            locked[case_id], found[case_id], month=month, terms=terms, actor=actor, seq=seq,
            mandate=active.get(case_id), corrects=None,
        )
        for case_id, seq in zip(made, seqs, strict=True)
    }  # fmt: skip
    _add(db, [(bills[case_id], found[case_id]) for case_id in made], month=month, actor=actor)
    return [bills.get(case_id) for case_id in case_ids]


def _bill(
    case: Case, draft: Draft, *, month: date, terms: Terms, actor: audit.Actor, seq: int,
    mandate: SepaMandate | None, corrects: Bill | None,
) -> Bill:  # fmt: skip
    issued = actor.now.astimezone(terms.zone).date()
    return Bill(
        number=rules.bill_number(issued.year, seq), year=issued.year, seq=seq, case_id=case.id, period_month=month,
        status=BillStatus.ISSUED, total=draft.total, issued_at=actor.now, issued_by_id=actor.staff_id,
        issue_date=issued, due_date=rules.due_date(issued, terms.payment_days),
        debtor_name=(case.caller_name or "").strip() or None, debtor_address=(case.address or "").strip() or None,
        payment_method=PaymentMethod.DIRECT_DEBIT if mandate else PaymentMethod.TRANSFER,
        mandate_id=mandate.id if mandate else None, corrects_id=corrects.id if corrects else None,
    )  # fmt: skip


def _add(db: Session, made: Sequence[tuple[Bill, Draft]], *, month: date, actor: audit.Actor) -> None:
    """Write the bills, their lines and an audit event each (a few statements for all of them)."""
    db.add_all(bill for bill, _ in made)
    db.flush()
    # The lines in one INSERT of many rows (on the session's connection: nothing reads them back as objects).
    db.connection().execute(insert(BillLine), [
        {"bill_id": bill.id, "hours_report_id": line.hours_report_id, "job_id": line.job_id,
         "work_date": line.work_date, "volunteer_first_name": line.volunteer_first_name,
         "description": line.description, "hours": line.hours, "affiliation": line.affiliation,
         "rate": line.per_hour, "reason": line.reason, "amount": line.amount}
        for bill, draft in made
        for line in draft.lines
    ])  # fmt: skip
    details = []
    for bill, draft in made:
        detail: dict[str, object] = {"number": bill.number, "month": month.isoformat(), "total": str(bill.total),
                                     "lines": len(draft.lines)}  # fmt: skip
        if bill.corrects_id is not None:
            detail["corrects"] = db.get_one(Bill, bill.corrects_id).number
        details.append(detail)
    audit.record_all(
        db, actor, action="bill.issue", object_type="bill",
        objects=[(bill.id, bill.case_id, detail) for (bill, _), detail in zip(made, details, strict=True)],
    )  # fmt: skip


def _write(
    db: Session, *, case: Case, draft: Draft, month: date, terms: Terms, actor: audit.Actor, corrects: Bill | None
) -> Bill:
    mandate = mandates.active(db, case_id=case.id)
    issued = actor.now.astimezone(terms.zone).date()
    seq = next_number(db, scope=rules.NUMBER_SCOPE, year=issued.year)  # last: a bill not made takes none
    bill = _bill(case, draft, month=month, terms=terms, actor=actor, seq=seq, mandate=mandate, corrects=corrects)
    _add(db, [(bill, draft)], month=month, actor=actor)
    return bill


CASES_PER_TRANSACTION = 20
"""Cases the monthly run issues in one transaction: 1–2 ms each, so a transaction holds the writer a few ten
milliseconds (1,000 cases: 18 ms on SQLite, 38 ms on PostgreSQL, median); on SQLite the gap `in_batches`
leaves between two (100 ms) is most of the run (bench/bill_run.py)."""


def issue_month(
    factory: sessionmaker[Session],
    *,
    month: date,
    terms: Terms,
    actor: audit.Actor,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Issue every bill of the month, a few cases per short transaction (the hotline never waits for the
    run); a second run issues nothing twice. `progress(done, total)` after each transaction, `done`
    counting cases."""
    with factory() as db:
        rates = tariffs.all_rates(db)
        case_ids = [draft.case_id for draft in drafts(db, month=month, terms=terms, rates=rates)]
    run = Run(month=month)

    def work(db: Session, batch: Sequence[int]) -> None:
        made = issue_cases(db, case_ids=batch, month=month, terms=terms, actor=actor, rates=rates)
        for bill in made:
            if bill is None:
                run.unbilled_cases += 1
            else:
                db.expunge(bill)
                run.bills.append(bill)

    in_batches(factory, case_ids, CASES_PER_TRANSACTION, work, progress)
    return run


def get_bill(db: Session, bill_id: int) -> Bill:
    bill = db.get(Bill, bill_id)
    if bill is None:
        raise NotFound("Diese Rechnung gibt es nicht.")
    return bill


def lines_of(db: Session, bill: Bill) -> list[BillLine]:
    return list(db.scalars(select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.id)))


def _locked(db: Session, bill_id: int) -> Bill:
    """The bill row, locked until the transaction ends, with its current values: two clicks at once (cancel,
    payment) are decided one after the other."""
    query = select(Bill).where(Bill.id == bill_id).with_for_update().execution_options(populate_existing=True)
    return db.scalars(query).one()


def cancel(db: Session, *, bill: Bill, reason: str, actor: audit.Actor) -> Bill:
    """Cancel a bill (never delete it): with a reason, who and when; its hours can be billed again."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise BillError("Bitte einen Grund für die Stornierung angeben.")
    locked = _locked(db, bill.id)
    if locked.status == BillStatus.CANCELLED:
        raise BillError(f"Rechnung {locked.number} ist bereits storniert.")
    if locked.paid_at is not None:
        raise BillError(f"Rechnung {locked.number} ist bezahlt; eine Korrektur bitte mit der Buchhaltung klären.")
    locked.status, locked.cancelled_at, locked.cancelled_by_id = BillStatus.CANCELLED, actor.now, actor.staff_id
    locked.cancel_reason = reason
    audit.record(
        db, actor, action="bill.cancel", object_type="bill", object_id=locked.id, case_id=locked.case_id,
        detail={"number": locked.number, "reason": reason},
    )  # fmt: skip
    return locked


def correct(db: Session, *, bill: Bill, reason: str, terms: Terms, actor: audit.Actor) -> Bill:
    """Cancel `bill` and issue its correction from the case's confirmed hours of the same month as they are
    now (a new number; the correction names the cancelled bill). BillError when nothing is left to bill:
    then cancelling alone is the right step."""
    cancelled = cancel(db, bill=bill, reason=reason, actor=actor)
    case = db.scalars(select(Case).where(Case.id == cancelled.case_id).with_for_update()).one()
    (draft,) = drafts(db, month=cancelled.period_month, terms=terms, case_id=case.id) or (None,)
    if draft is None or not draft.lines:
        raise BillError(
            f"Für {rules.month_label(cancelled.period_month)} gibt es keine bestätigten Stunden mehr; "
            f"Rechnung {cancelled.number} wurde nicht ersetzt. Bitte nur stornieren."
        )
    return _write(
        db, case=case, draft=draft, month=cancelled.period_month, terms=terms, actor=actor, corrects=cancelled
    )


def bills_of_case(db: Session, case_id: int) -> list[Bill]:
    return list(db.scalars(select(Bill).where(Bill.case_id == case_id).order_by(Bill.issued_at, Bill.id)))


def printable(db: Session, *, bill: Bill, issuer: Issuer) -> Printed:
    """The bill as the page, the PDF and the GiroCode show it."""
    case_number = db.scalar(select(Case.number).where(Case.id == bill.case_id)) or ""
    corrects = db.scalar(select(Bill.number).where(Bill.id == bill.corrects_id)) if bill.corrects_id else None
    return printed(bill, lines_of(db, bill), case_number=case_number, issuer=issuer, corrects=corrects)


def issuer_of(settings: Settings) -> Issuer:
    return Issuer(
        name=settings.billing_issuer, address=settings.billing_address, iban=settings.billing_iban,
        bic=settings.billing_bic, note=settings.billing_note,
    )  # fmt: skip


@dataclass(frozen=True)
class Listed:
    bill: Bill
    case_number: str
    overdue: bool
    corrected_by: str | None


def listing(db: Session, *, month: date | None, today: date, status: str = "", limit: int = 500) -> list[Listed]:
    """Bills of a month (or all), newest first; `status` "open" (issued, unpaid), "overdue", "paid",
    "cancelled" or "" for all."""
    query = select(Bill, Case.number).join(Case, Case.id == Bill.case_id)
    if month is not None:
        query = query.where(Bill.period_month == month)
    if status in ("open", "overdue"):
        query = query.where(Bill.status == BillStatus.ISSUED, Bill.paid_at.is_(None))
    if status == "overdue":
        query = query.where(Bill.due_date < today)
    if status == "paid":
        query = query.where(Bill.paid_at.is_not(None))
    if status == "cancelled":
        query = query.where(Bill.status == BillStatus.CANCELLED)
    rows = db.execute(query.order_by(Bill.issued_at.desc(), Bill.id.desc()).limit(limit)).all()
    replaced = dict(
        db.execute(select(Bill.corrects_id, Bill.number).where(Bill.corrects_id.in_([b.id for b, _ in rows]))).all()
    )
    return [
        Listed(
            bill,
            number,
            overdue=bill.status == BillStatus.ISSUED and bill.paid_at is None and (bill.due_date or today) < today,
            corrected_by=replaced.get(bill.id),
        )  # fmt: skip
        for bill, number in rows
    ]


def mark_paid(db: Session, *, bill: Bill, amount: Decimal, actor: audit.Actor) -> Bill:
    """Record the payment of an issued bill (by hand); a second record or one for a cancelled bill is refused."""
    locked = _locked(db, bill.id)
    if locked.status == BillStatus.CANCELLED:
        raise BillError(f"Rechnung {locked.number} ist storniert; eine Zahlung dazu bitte mit der Buchhaltung klären.")
    if locked.paid_at is not None:
        raise BillError(f"Die Zahlung zu Rechnung {locked.number} ist schon erfasst.")
    if amount <= 0:
        raise BillError("Bitte den gezahlten Betrag angeben.")
    locked.paid_at, locked.paid_amount, locked.paid_recorded_by_id = actor.now, amount, actor.staff_id
    audit.record(
        db, actor, action="bill.paid", object_type="bill", object_id=locked.id, case_id=locked.case_id,
        detail={"number": locked.number, "amount": str(amount), "total": str(locked.total)},
    )  # fmt: skip
    return locked


ACCOUNTING_HEADER = (
    "Rechnungsnummer", "Rechnungsdatum", "Fällig am", "Schuldner", "Fall", "Monat", "Betrag", "Zahlweg", "Status",
    "Storniert am", "Ersetzt Rechnung", "Bezahlt am", "Kostenstelle",
)  # fmt: skip
PAYMENT_WAYS = {PaymentMethod.TRANSFER: "Überweisung", PaymentMethod.DIRECT_DEBIT: "SEPA-Lastschrift"}


def accounting_rows(db: Session, *, month: date, cost_centre: str) -> list[Sequence[str]]:
    """The month's bills for the city's finance office: every bill issued for the month, cancelled ones
    too (with their date), in number order; amounts with a German decimal comma."""
    rows = db.execute(
        select(Bill, Case.number).join(Case, Case.id == Bill.case_id).where(Bill.period_month == month)
        .order_by(Bill.year, Bill.seq)
    ).all()  # fmt: skip
    numbers = {bill.id: bill.number for bill, _ in rows}
    missing = {bill.corrects_id for bill, _ in rows if bill.corrects_id and bill.corrects_id not in numbers}
    if missing:
        numbers |= {
            bill_id: number for bill_id, number in db.execute(select(Bill.id, Bill.number).where(Bill.id.in_(missing)))
        }
    body: list[Sequence[str]] = [
        (
            bill.number,
            date_de(bill.issue_date),
            date_de(bill.due_date),
            bill.debtor_name or "",
            case_number,
            f"{month:%m/%Y}",
            f"{bill.total:.2f}".replace(".", ","),
            PAYMENT_WAYS[bill.payment_method],
            bill.status.label,
            date_de(bill.cancelled_at.date() if bill.cancelled_at else None),
            numbers.get(bill.corrects_id, "") if bill.corrects_id else "",
            date_de(bill.paid_at.date() if bill.paid_at else None),
            cost_centre,
        )  # fmt: skip
        for bill, case_number in rows
    ]
    return [ACCOUNTING_HEADER, *body]


def collections(db: Session, *, month: date) -> list[Collection]:
    """The month's issued bills collected by direct debit, with their mandates, in number order."""
    rows = db.execute(
        select(Bill, SepaMandate)
        .join(SepaMandate, SepaMandate.id == Bill.mandate_id)
        .where(Bill.period_month == month, Bill.status == BillStatus.ISSUED,
               Bill.payment_method == PaymentMethod.DIRECT_DEBIT)
        .order_by(Bill.year, Bill.seq)
    ).all()  # fmt: skip
    found = []
    for bill, mandate in rows:
        earlier = db.scalar(select(Bill.id).where(Bill.mandate_id == mandate.id, Bill.period_month < month).limit(1))
        found.append(Collection(
            bill_number=bill.number, holder=mandate.holder, iban=mandate.iban, bic=mandate.bic, amount=bill.total,
            mandate_reference=mandate.reference, mandate_signed=mandate.signed_on, first=earlier is None,
        ))  # fmt: skip
    return found


def sepa_file(db: Session, *, month: date, settings: Settings) -> tuple[bytes | None, int]:
    """The month's pain.008 file and how many collections it holds (None when there are none)."""
    found = collections(db, month=month)
    if not found:
        return None, 0
    creditor = Creditor(settings.billing_issuer, settings.billing_iban, settings.billing_bic,
                        settings.billing_creditor_id)  # fmt: skip
    latest_due = db.scalar(
        select(func.max(Bill.due_date)).where(
            Bill.period_month == month, Bill.payment_method == PaymentMethod.DIRECT_DEBIT
        )
    )
    return pain008(creditor, found, collect_on=latest_due or month), len(found)
