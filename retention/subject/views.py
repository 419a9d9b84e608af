"""The request page for admins (Art. 15 and 17 DSGVO): `/admin/auskunft`.

The search term is posted, never put in an address (it is a phone number, an e-mail address or a name); so are
the exports, which post it again. Showing what was found and each export write an audit entry that names the kind
of search and what was found by id, never the search term. The erasure asks first (the confirmation page lists
what goes and what stays) and needs a reason from a fixed list; it runs in short transactions of its own, after
the voicemails were deleted at Twilio (`retention.erasure.service`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from core import audit, confirm, flash, web
from core.context import context_of
from core.db import let_go
from core.formats import date_de
from core.models import StaffRole
from core.web import CSRF, DB, CurrentStaff, FormFields, actor, fields
from messaging.gateway import recordings_for
from retention.erasure import service as erasure
from retention.subject import pdf, rules, service, texts

PATH = "/admin/auskunft"
router = APIRouter(prefix=PATH, dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(
    request: Request, *, form: dict[str, str], errors: dict[str, str], status: int = 200, **found: Any
) -> Response:
    return web.render(
        request, "retention/subject.html", status_code=status, form=form, errors=errors, reasons=texts.REASONS,
        bills_stay=texts.BILLS_STAY, statistics_stay=texts.STATISTICS_STAY, staff_stay=texts.STAFF_STAY, **found,
    )  # fmt: skip


def _audited(subject: service.Subject) -> dict[str, Any]:
    """What the audit entry says was shown: the kind of search and the records by id; never the search term."""
    return {
        "kind": subject.query.kind.value, "cases": subject.case_ids, "volunteers": subject.volunteer_ids,
        "staff": subject.staff_ids, "counts": {key: n for key, n in subject.counts().items() if n},
    }  # fmt: skip


@router.get("")
def request_page(request: Request) -> Response:
    return _page(request, form={}, errors={})


def _query(form: dict[str, str]) -> rules.Query:
    return rules.parse(form.get("query", ""))


@router.post("", dependencies=[CSRF])
def search(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    form = fields(posted)
    try:
        query = _query(form)
    except rules.BadQuery as exc:
        return _page(request, form=form, errors={"query": str(exc)}, status=422)
    return _results(request, db, staff, query, form=form, errors={})


def _results(
    request: Request, db: Session, staff: Any, query: rules.Query, *, form: dict[str, str], errors: dict[str, str],
    status: int = 200,
) -> Response:  # fmt: skip
    subject = service.find(db, query)
    audit.viewed(db, actor(request, staff), action="subject.view", object_type="subject", detail=_audited(subject))
    kept = [f"Rechnung {number}: aufzubewahren bis {date_de(until)}" for number, until in subject.kept_bills]
    return _page(
        request, form=form, errors=errors, status=status, subject=subject, searched=service.searched(query),
        sections=service.readable(subject, web.zone(request)), kept=kept, blockers=erasure.blockers(db, subject),
    )  # fmt: skip


def _export_name(now: datetime, suffix: str) -> str:
    return f"auskunft-{now:%Y-%m-%d}.{suffix}"


def _exported(
    request: Request, db: DB, staff: CurrentStaff, posted: FormFields, *, action: str
) -> tuple[rules.Query, service.Subject, datetime] | Response:
    """What an export holds (its download audited as `action`), or the German refusal of a bad query."""
    try:
        query = _query(fields(posted))
    except rules.BadQuery as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    subject = service.find(db, query)
    audit.record(db, actor(request, staff), action=action, object_type="subject", object_id=None, case_id=None,
                 detail=_audited(subject))  # fmt: skip
    return query, subject, web.now(request)


@router.post("/export.pdf", dependencies=[CSRF])
def export_pdf(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    exported = _exported(request, db, staff, posted, action="subject.export_pdf")
    if isinstance(exported, Response):
        return exported
    query, subject, now = exported
    document = pdf.render(service.readable(subject, web.zone(request)), searched=service.searched(query),
                          kept_bills=subject.kept_bills, zone=web.zone(request), generated_at=now)  # fmt: skip
    disposition = f'attachment; filename="{_export_name(now, "pdf")}"'
    return Response(document, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.post("/export.json", dependencies=[CSRF])
def export_json(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    exported = _exported(request, db, staff, posted, action="subject.export_json")
    if isinstance(exported, Response):
        return exported
    _, subject, now = exported
    body = json.dumps(service.export(subject, generated_at=now), ensure_ascii=False, indent=2)
    disposition = f'attachment; filename="{_export_name(now, "json")}"'
    return Response(body, media_type="application/json; charset=utf-8", headers={"Content-Disposition": disposition})


@router.post("/loeschen", dependencies=[CSRF])
def erase(request: Request, db: DB, staff: CurrentStaff, posted: FormFields) -> Response:
    form = fields(posted)
    try:
        query = _query(form)
    except rules.BadQuery as exc:
        return _page(request, form=form, errors={"query": str(exc)}, status=422)
    reason = form.get("reason", "")
    if reason not in texts.REASONS:
        errors = {"reason": "Bitte einen Grund für die Löschung wählen."}
        return _results(request, db, staff, query, form=form, errors=errors, status=422)
    subject = service.find(db, query)
    found = erasure.blockers(db, subject)
    if found:
        return _results(request, db, staff, query, form=form, errors={"form": " ".join(found)}, status=409)
    if not confirm.given(posted):
        return confirm.ask(
            request, posted, title="Personenbezogene Daten löschen",
            text=f"Alles zu {service.searched(query)} löschen? Das lässt sich nicht rückgängig machen.",
            button="Endgültig löschen", back=PATH, details=_what_goes(subject),
        )  # fmt: skip
    let_go(db)  # the erasure writes in transactions of its own, after Twilio deleted the voicemails
    factory: sessionmaker[Session] = context_of(request).sessionmaker
    today = web.now(request).astimezone(web.zone(request)).date()
    recordings = recordings_for(web.get_settings(request))
    try:
        done = erasure.erase(factory, recordings, query=query, reason=reason, actor=actor(request, staff), today=today)
    except erasure.ErasureRefused as exc:
        return flash.add(RedirectResponse(PATH, status_code=303), request, exc.message)
    counts = done.counts
    message = (f"Gelöscht bzw. anonymisiert: {counts['cases']} Fall/Fälle, {counts['volunteers']} Ehrenamtliche, "
               f"{counts['calls']} Anruf(e), {counts['messages']} SMS, {counts['login_failures']} fehlgeschlagene "
               "Anmeldung(en).")  # fmt: skip
    if done.bills_kept:
        message += f" {len(done.bills_kept)} Rechnung(en) bleiben bis zum Ende der Aufbewahrungsfrist."
    return flash.add(RedirectResponse(PATH, status_code=303), request, message)


def _what_goes(subject: service.Subject) -> list[str]:
    counts = subject.counts()
    lines = [
        f"{counts['cases']} Fall/Fälle werden anonymisiert (Namen, Nummern, Adressen, Notizen, SMS-Texte, "
        "Protokolldetails).",
        f"{counts['volunteers']} Ehrenamtliche werden anonymisiert; die Stunden vergangener Einsätze bleiben "
        "ohne Namen für die Statistik.",
        f"{counts['calls']} Anruf(e) und {counts['messages']} SMS verlieren Nummern und Texte; "
        "Sprachnachrichten werden auch bei Twilio gelöscht.",
        f"{counts['login_failures']} fehlgeschlagene Anmeldung(en) werden gelöscht.",
    ]
    lines += [f"Bleibt: Rechnung {number}, aufzubewahren bis {date_de(until)}." for number, until in subject.kept_bills]
    return lines
