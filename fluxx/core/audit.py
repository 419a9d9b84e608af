"""The one way case work writes the audit log: who saw or changed which personal data, when, from where.

AuditEvent rows are append-only; this module only ever inserts. The detail holds field names and ids,
never the personal data itself, so the log does not become a second copy of the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fluxx.core.models import AuditEvent, Staff

PAGE = 200

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
