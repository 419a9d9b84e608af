"""The one way case work writes the audit log: who saw or changed which personal data, when, from where.

AuditEvent rows are append-only; this module only ever inserts. The detail holds field names and ids,
never the personal data itself, so the log does not become a second copy of the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import Session

from core.models import AuditEvent, Staff

PAGE = 200
# A page that reloads itself (the dashboard every 3 s, a case's jobs) writes its view again after this long
# even when nothing changed on it; see `viewed`.
POLL_REPEAT = timedelta(minutes=5)

ACTION_LABELS = {
    "case.view": "Fall angesehen",
    "case.list": "Fallliste angesehen",
    "case.create": "Fall angelegt",
    "case.update": "Falldaten geändert",
    "case.status": "Status geändert",
    "case.assign": "Fall übernommen",
    "case.note": "Notiz hinzugefügt",
    "case.add_call": "Anruf zum offenen Fall hinzugefügt",
    "case.merge": "Fälle zusammengeführt",
    "case.callback_settled": "Rückruf erledigt (Familie hat wieder angerufen)",
    "job.create": "Einsatz angelegt",
    "job.update": "Einsatz geändert",
    "job.cancel": "Einsatz abgesagt",
    "job.view": "Einsatz angesehen",
    "outreach.start": "SMS-Suche nach Betreuung gestartet",
    "outreach.cancel": "SMS-Suche abgebrochen",
    "outreach.widen": "SMS-Suche erweitert",
    "call.no_case": "Anruf als „Kein Fall“ markiert",
    "call.no_case_undo": "„Kein Fall“ rückgängig gemacht",
    "case.status_undo": "Schließen rückgängig gemacht",
    "callback.claim": "Rückruf übernommen",
    "callback.outcome": "Rückruf-Ergebnis erfasst",
    "call.voicemail": "Sprachnachricht angehört",
    "call.voicemail_deleted": "Sprachnachricht nach Ablauf der Frist gelöscht (auch bei Twilio)",
    "statistics.view": "Statistik angesehen",
    "statistics.export": "Statistik als CSV heruntergeladen",
    "statistics.report": "Jahresbericht (PDF) erstellt",
    "message.handled": "SMS als erledigt markiert",
    "volunteer.list": "Liste der Ehrenamtlichen angesehen",
    "volunteer.view": "Ehrenamtliche Person angesehen",
    "volunteer.create": "Ehrenamtliche Person angelegt",
    "volunteer.update": "Ehrenamtliche Person geändert",
    "volunteer.deactivate": "Ehrenamtliche Person deaktiviert",
    "volunteer.reactivate": "Ehrenamtliche Person wieder aktiviert",
    "volunteer.absence_add": "Abwesenheit eingetragen",
    "volunteer.absence_remove": "Abwesenheit gelöscht",
    "volunteer.import_preview": "Liste der Ehrenamtlichen zur Vorschau hochgeladen",
    "volunteer.import": "Ehrenamtliche importiert",
    "volunteer.export": "Liste der Ehrenamtlichen exportiert",
    "assignment.create": "Ehrenamtliche Person eingeteilt",
    "assignment.release": "Einteilung freigegeben",
    "assignment.withdraw": "Ehrenamtliche Person hat per SMS abgesagt",
    "hours.report": "Stunden per SMS gemeldet",
    "hours.replace": "Gemeldete Stunden per SMS ersetzt",
    "hours.enter": "Stunden erfasst",
    "hours.confirm": "Stunden bestätigt",
    "hours.correct": "Bestätigte Stunden geändert",
    "hours.view": "Stunden eines Einsatzes angesehen",
    "hours.list": "Zu bestätigende Stunden angesehen",
    "bill.issue": "Rechnung gestellt",
    "bill.cancel": "Rechnung storniert",
    "bill.paid": "Zahlung erfasst",
    "bill.view": "Rechnung angesehen",
    "bill.pdf": "Rechnung als PDF geöffnet",
    "bills.list": "Rechnungen angesehen",
    "bills.export": "Buchhaltungsliste heruntergeladen",
    "bills.sepa": "Lastschriftdatei heruntergeladen",
    "mandate.create": "Lastschriftmandat erfasst",
    "mandate.revoke": "Lastschriftmandat widerrufen",
    "mandate.view": "Lastschriftmandat angesehen",
    "tariff.set": "Stundensatz festgelegt",
    "partner.period": "Zeitraum eines Partnerbetriebs geändert",
    "municipality.period": "Partnerschaft einer Kommune geändert",
    "partner.edit": "Partnerbetrieb bearbeitet",
    "municipality.edit": "Kommune bearbeitet",
    "dashboard.view": "Übersicht angesehen",
    "case.merge_preview": "Zusammenführung von Fällen angesehen",
    "case.jobs_view": "Einsätze eines Falls angesehen",
    "message.list": "Nachrichten angesehen",
    "simulator.view": "Telefon-Simulator angesehen",
    "simulator.call_view": "Anruf-Simulator angesehen",
    "staff.list": "Mitarbeitende angesehen",
    "staff.view": "Konto einer mitarbeitenden Person angesehen",
    "staff.update": "Konto einer mitarbeitenden Person geändert",
    "staff.password_reset": "Passwort zurückgesetzt (vorläufiges Passwort)",
    "staff.password_change": "Eigenes Passwort geändert",
    "staff.reset_request": "Neues Passwort angefordert (Link per SMS)",
    "staff.reset_done": "Neues Passwort über den Link aus der SMS festgelegt",
    "audit.case_view": "Protokoll eines Falls angesehen",
    "audit.staff_view": "Protokoll einer mitarbeitenden Person angesehen",
    "subject.view": "Auskunft (Art. 15 DSGVO): gespeicherte Daten einer Person angesehen",
    "subject.export_pdf": "Auskunft (Art. 15 DSGVO) als PDF heruntergeladen",
    "subject.export_json": "Auskunft (Art. 15 DSGVO) als JSON heruntergeladen",
    "subject.erase": "Daten einer Person auf Antrag gelöscht (Art. 17 DSGVO)",
    "case.erase": "Personenbezogene Daten des Falls auf Antrag gelöscht (Art. 17 DSGVO)",
    "volunteer.erase": "Ehrenamtliche Person auf Antrag anonymisiert (Art. 17 DSGVO)",
    "assignment.family_informed": "Familie über die Absage einer ehrenamtlichen Person informiert",
    "offer.direct": "Einsatz einer ehrenamtlichen Person direkt per SMS angeboten (niemand passte)",
}


@dataclass(frozen=True)
class Actor:
    """Who acts and from where; built once per request by the web layer."""

    staff_id: int | None
    ip: str | None
    now: datetime


def record(
    db: Session,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: int | None,
    case_id: int | None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event in the current transaction (so a rolled-back change leaves no entry)."""
    event = AuditEvent(
        at=actor.now,
        staff_id=actor.staff_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        detail=detail or {},
        ip=actor.ip,
    )
    db.add(event)
    db.flush()
    return event


def record_all(
    db: Session,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    objects: Sequence[tuple[int | None, int | None, dict[str, Any] | None]],
) -> None:
    """Append one audit event per (object_id, case_id, detail) in the current transaction, in one INSERT of
    many rows (a bulk write such as the monthly bill run: no objects to read back)."""
    if not objects:
        return
    db.connection().execute(insert(AuditEvent), [
        {"at": actor.now, "staff_id": actor.staff_id, "action": action, "object_type": object_type,
         "object_id": object_id, "case_id": case_id, "detail": detail or {}, "ip": actor.ip}
        for object_id, case_id, detail in objects
    ])  # fmt: skip


def viewed(
    db: Session,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: int | None = None,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
    repeat_after: timedelta | None = None,
) -> AuditEvent | None:
    """A page showed personal data to `actor`: one INSERT in the request's transaction (every request already
    runs in a writing transaction, see `core.db.transaction`, so this takes no lock of its own).

    A page that reloads itself every few seconds passes `repeat_after`: then the view is written only when its
    detail (what it showed: case ids, volunteer ids) differs from the same person's newest entry of the same
    view, or when that entry is older than `repeat_after`. An unchanged reload costs one read on the index
    (staff_id, at) instead of a row every 3 seconds, and the log still answers "who could have seen X when":
    an entry stands for what the page showed from its time until the person's next entry of that view, and for
    at most `repeat_after` (a page left open writes again after that; no entry for longer means it was closed).
    Returns the new event, or None when an unchanged reload was not written again.
    """
    detail = detail or {}
    if repeat_after is not None:
        params = {"staff_id": actor.staff_id, "since": actor.now - repeat_after, "action": action,
                  "object_type": object_type}  # fmt: skip
        if object_id is not None:
            params["object_id"] = object_id
        newest = db.scalar(_newest_view(of_object=object_id is not None), params)
        if newest is not None and newest == detail:
            return None
    return record(
        db, actor, action=action, object_type=object_type, object_id=object_id, case_id=case_id, detail=detail
    )


@cache
def _newest_view(*, of_object: bool) -> Select[Any]:
    """The detail of a person's newest entry of one view since a time (`viewed`), built once: the live parts ask
    it every 3 s in the busiest hour, and building the statement cost more than running it."""
    return (
        select(AuditEvent.detail)
        .where(
            AuditEvent.staff_id == bindparam("staff_id"),
            AuditEvent.at > bindparam("since", type_=AuditEvent.at.type),
            AuditEvent.action == bindparam("action"),
            AuditEvent.object_type == bindparam("object_type"),
            AuditEvent.object_id == bindparam("object_id") if of_object else AuditEvent.object_id.is_(None),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def label(action: str) -> str:
    """The action in German for the audit pages; never the bare code."""
    return ACTION_LABELS.get(action, "Sonstige Aktion")


def _newest_first(
    query: Select[AuditEvent], before_id: int | None, limit: int, action: str | None = None
) -> Select[AuditEvent]:
    if action:
        query = query.where(AuditEvent.action == action)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return query.order_by(AuditEvent.id.desc()).limit(limit)


def for_case(
    db: Session, *, case_id: int, before_id: int | None = None, limit: int = PAGE, action: str | None = None
) -> list[AuditEvent]:
    """The audit trail of one case, newest first."""
    query = _newest_first(select(AuditEvent).where(AuditEvent.case_id == case_id), before_id, limit, action)
    return list(db.scalars(query))


def for_staff(
    db: Session, *, staff_id: int, before_id: int | None = None, limit: int = PAGE, action: str | None = None
) -> list[AuditEvent]:
    """What one staff member saw and changed, newest first."""
    query = _newest_first(select(AuditEvent).where(AuditEvent.staff_id == staff_id), before_id, limit, action)
    return list(db.scalars(query))


def staff_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))
    return {ident: name for ident, name in rows}
