"""The bills pages: a month's preview and run, the list (open, overdue, paid, cancelled), a bill to print
or as PDF with its GiroCode, cancelling, correcting, a payment received, the accounting CSV.

Coordinators and admins; every page showing a family's bill is an audited view.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from billing.bills import girocode, pdf, rules
from billing.bills import service as bills
from core import audit, flash, web
from core.context import context_of
from core.db import let_go, refusable
from core.errors import FieldErrors
from core.formats import count_de, money_de
from core.models import StaffRole
from core.spreadsheet import csv_bytes
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])
MAX_PAYMENT = Decimal(10_000_000)  # the bill column holds ten digits
STATUSES = {"": "Alle", "open": "Offen", "overdue": "Überfällig", "paid": "Bezahlt", "cancelled": "Storniert"}


def _terms(request: Request) -> bills.Terms:
    settings = context_of(request).settings
    return bills.Terms(zone=settings.zone, payment_days=settings.billing_payment_days)


def _today(request: Request) -> date:
    return web.now(request).astimezone(web.zone(request)).date()


def _last_month(today: date) -> date:
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def _month(text: str, request: Request) -> tuple[date, dict[str, str]]:
    if not text.strip():
        return _last_month(_today(request)), {}
    try:
        return rules.parse_month(text), {}
    except FieldErrors as exc:
        return _last_month(_today(request)), exc.errors


@router.get("/bills")
def bills_page(request: Request, db: DB, staff: CurrentStaff, month: str = "", status: str = "") -> Response:
    chosen, errors = _month(month, request)
    status = status if status in STATUSES else ""
    drafts = bills.drafts(db, month=chosen, terms=_terms(request))
    listed = bills.listing(db, month=chosen if status not in ("open", "overdue") else None, today=_today(request),
                           status=status)  # fmt: skip
    audit.viewed(
        db, actor(request, staff), action="bills.list", object_type="bill",
        detail={"month": chosen.isoformat(), "bills": [entry.bill.id for entry in listed],
                "preview_cases": [draft.case_id for draft in drafts]},
    )  # fmt: skip
    return web.render(
        request, "billing/bills.html", month=chosen, month_value=f"{chosen:%Y-%m}",
        month_label=rules.month_label(chosen), drafts=drafts, preview_total=rules.total(d.total for d in drafts),
        listed=listed, status=status,
        statuses=STATUSES, errors=errors, status_code=422 if errors else 200,
    )  # fmt: skip


@router.post("/bills/issue", dependencies=[CSRF])
def issue(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    """Issue the month's bills as previewed: one short transaction per case (the hotline never waits)."""
    form = fields(posted)
    chosen, errors = _month(form.get("month", ""), request)
    if errors:
        return flash.add(RedirectResponse("/bills", status_code=303), request, errors["month"])
    let_go(db)  # the run writes one case per transaction of its own
    run = bills.issue_month(
        context_of(request).sessionmaker, month=chosen, terms=_terms(request), actor=actor(request, staff)
    )
    label = rules.month_label(chosen)
    if not run.bills:
        message = rules.nothing_to_bill(chosen)
    else:
        count = count_de(len(run.bills), "Rechnung", "Rechnungen")
        message = f"{count} für {label} gestellt, zusammen {money_de(run.total)}."
    return flash.add(RedirectResponse(f"/bills?month={chosen:%Y-%m}", status_code=303), request, message)


@router.get("/bills/sepa.xml")
def sepa_xml(request: Request, db: DB, staff: CurrentStaff, month: str = "") -> Response:
    """The month's SEPA direct-debit file (pain.008) for the bank, validated against its schema."""
    chosen, errors = _month(month, request)
    if errors:
        return Response(errors["month"], status_code=422, media_type="text/plain; charset=utf-8")
    document, count = bills.sepa_file(db, month=chosen, settings=context_of(request).settings)
    audit.viewed(db, actor(request, staff), action="bills.sepa", object_type="bill",
                 detail={"month": chosen.isoformat(), "collections": count})  # fmt: skip
    if document is None:
        message = f"Für {rules.month_label(chosen)} gibt es keine Rechnungen mit Lastschriftmandat."
        return Response(message, status_code=404, media_type="text/plain; charset=utf-8")
    return Response(
        document, media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="lastschriften-{chosen:%Y-%m}.xml"'},
    )  # fmt: skip


@router.get("/bills/export.csv")
def accounting_csv(request: Request, db: DB, staff: CurrentStaff, month: str = "") -> Response:
    chosen, errors = _month(month, request)
    if errors:
        return Response(errors["month"], status_code=422, media_type="text/plain; charset=utf-8")
    settings = context_of(request).settings
    rows = bills.accounting_rows(db, month=chosen, cost_centre=settings.billing_cost_centre)
    audit.viewed(db, actor(request, staff), action="bills.export", object_type="bill",
                 detail={"month": chosen.isoformat(), "rows": len(rows) - 1})  # fmt: skip
    return Response(
        csv_bytes(rows), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rechnungen-{chosen:%Y-%m}.csv"'},
    )  # fmt: skip


def _bill_page(request: Request, db: DB, bill_id: int, *, errors: dict[str, str], status: int = 200) -> Response:
    bill = bills.get_bill(db, bill_id)
    printed = bills.printable(db, bill=bill, issuer=bills.issuer_of(context_of(request).settings))
    qr = girocode.code(name=printed.issuer.name, iban=printed.issuer.iban, bic=printed.issuer.bic,
                       amount=printed.total, reference=printed.number)  # fmt: skip
    return web.render(
        request, "billing/bill.html", status_code=status, bill=bill, printed=printed, errors=errors,
        payment=rules.payment_state(bill.status, paid=bill.paid_at is not None, due=bill.due_date,
                                    today=_today(request)),
        girocode=Markup(girocode.svg(qr)),  # noqa: S704  (segno's own SVG markup, nothing typed by a person)
    )  # fmt: skip


@router.get("/bills/{bill_id}")
def bill_page(request: Request, db: DB, staff: CurrentStaff, bill_id: int) -> Response:
    bill = bills.get_bill(db, bill_id)
    audit.viewed(db, actor(request, staff), action="bill.view", object_type="bill", object_id=bill.id,
                 case_id=bill.case_id)  # fmt: skip
    return _bill_page(request, db, bill_id, errors={})


@router.get("/bills/{bill_id}/pdf")
def bill_pdf(request: Request, db: DB, staff: CurrentStaff, bill_id: int) -> Response:
    bill = bills.get_bill(db, bill_id)
    audit.viewed(db, actor(request, staff), action="bill.pdf", object_type="bill", object_id=bill.id,
                 case_id=bill.case_id)  # fmt: skip
    document = pdf.render(bills.printable(db, bill=bill, issuer=bills.issuer_of(context_of(request).settings)))
    return Response(
        document, media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{bill.number}.pdf"'},
    )  # fmt: skip


@router.post("/bills/{bill_id}/cancel", dependencies=[CSRF])
def cancel(request: Request, db: DB, staff: CurrentStaff, bill_id: int, posted: FormFields) -> Response:
    bill = bills.get_bill(db, bill_id)
    form = fields(posted)
    correct = form.get("correct") == "1"
    try:
        with refusable(db):
            if correct:
                made = bills.correct(db, bill=bill, reason=form.get("reason", ""), terms=_terms(request),
                                     actor=actor(request, staff))  # fmt: skip
            else:
                bills.cancel(db, bill=bill, reason=form.get("reason", ""), actor=actor(request, staff))
    except bills.BillError as exc:
        return _bill_page(request, db, bill_id, errors={"cancel": exc.message}, status=409)
    if correct:
        message = f"Rechnung {bill.number} storniert und durch {made.number} ersetzt."
        return flash.add(RedirectResponse(f"/bills/{made.id}", status_code=303), request, message)
    return flash.add(
        RedirectResponse(f"/bills/{bill_id}", status_code=303), request, f"Rechnung {bill.number} storniert."
    )


@router.post("/bills/{bill_id}/paid", dependencies=[CSRF])
def paid(request: Request, db: DB, staff: CurrentStaff, bill_id: int, posted: FormFields) -> Response:
    bill = bills.get_bill(db, bill_id)
    raw = fields(posted).get("amount", "").strip().replace("€", "").replace(" ", "").replace(".", "").replace(",", ".")
    try:
        amount = Decimal(raw) if raw else bill.total
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) >= MAX_PAYMENT:
        return _bill_page(request, db, bill_id, errors={"paid": "Bitte den Betrag wie 17,50 angeben."}, status=422)
    try:
        with refusable(db):
            bills.mark_paid(db, bill=bill, amount=amount.quantize(Decimal("0.01")), actor=actor(request, staff))
    except bills.BillError as exc:
        return _bill_page(request, db, bill_id, errors={"paid": exc.message}, status=409)
    return flash.add(RedirectResponse(f"/bills/{bill_id}", status_code=303), request, "Zahlung erfasst.")
