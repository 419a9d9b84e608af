"""Everything that happened in a case, in one list: status changes, notes, calls, jobs, SMS; and what the
floors above case work add (the volunteers' assignments and hours, the bills, an outreach's waves as one entry
each instead of one per SMS).

Each entry says what was true when it happened (a job "angelegt" with what was asked, not the job's status now),
and belongs to one topic the case page filters by (`TOPICS`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.calls.rules import live_state
from casework.cases.models import Case, CaseNote, CaseStatusChange
from core.audit import staff_names
from core.formats import window_de
from messaging.models import Message
from messaging.rules import MessageDirection


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # status, note, call, job, sms, wave, assignment, hours, bill
    title: str
    body: str = ""
    who: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return TOPIC_OF.get(self.kind, "aenderungen")


TOPICS: dict[str, str] = {
    "alle": "Alles",
    "notizen": "Notizen",
    "anrufe": "Anrufe",
    "sms": "SMS",
    "aenderungen": "Änderungen",
}
"""The case history's filters (the URL's `verlauf=`), with their German names."""
TOPIC_OF = {"note": "notizen", "call": "anrufe", "sms": "sms", "wave": "sms"}
"""Every other kind (status, job, assignment, hours, bill) is a change."""


def by_topic(entries: Sequence[Entry], topic: str) -> list[Entry]:
    """The entries of one topic (all for "alle" or an unknown topic)."""
    if topic not in TOPICS or topic == "alle":
        return list(entries)
    return [entry for entry in entries if entry.topic == topic]


def topic_counts(entries: Sequence[Entry]) -> dict[str, int]:
    counts = dict.fromkeys(TOPICS, 0)
    counts["alle"] = len(entries)
    for entry in entries:
        counts[entry.topic] += 1
    return counts


def short_name(name: str) -> str:
    """How a wave's recipients are listed: "Lisa Berger" → "Lisa B." (the first name and the last name's initial)."""
    parts = name.split()
    return parts[0] if len(parts) < 2 else f"{' '.join(parts[:-1])} {parts[-1][0]}."


def _status_entries(changes: Sequence[CaseStatusChange], names: dict[int, str]) -> list[Entry]:
    return [
        Entry(
            c.at,
            "status",
            f"Status: {c.to_status.label}",
            f"vorher: {c.from_status.label}" if c.from_status else "Fall eröffnet",
            # A change nobody made by hand: the case followed its job (a yes by SMS, a withdrawal).
            names.get(c.changed_by_id) if c.changed_by_id else ("automatisch" if c.from_status else None),
        )
        for c in changes
    ]


def _note_entries(notes: Sequence[CaseNote], names: dict[int, str]) -> list[Entry]:
    return [Entry(n.created_at, "note", "Notiz", n.body, names.get(n.author_id or 0)) for n in notes]


def _call_entries(case: Case, names: dict[int, str], now: datetime | None) -> list[Entry]:
    entries = []
    for call in case.calls:
        state = live_state(call, now or call.updated_at)
        body = state.label[:1].upper() + state.label[1:]
        if call.no_case_reason:
            body += f" · kein Fall: {call.no_case_reason.label}"
        entries.append(
            Entry(
                call.started_at,
                "call",
                "Anruf",
                body,
                names.get(call.accepted_by_id or 0),
                {"call": call, "voicemail": bool(call.recording_sid), "state": state},
            )
        )
    return entries


def _job_entries(case: Case) -> list[Entry]:
    entries = []
    for job in case.jobs:
        # What was asked then; the job's state now is in the job list above the history.
        body = f"{job.kind.label}, {window_de(job.starts_at, job.ends_at)}"
        entries.append(Entry(job.created_at, "job", f"Einsatz {job.code} angelegt", body, extra={"job": job}))
        if job.cancelled_at:
            entries.append(Entry(job.cancelled_at, "job", f"Einsatz {job.code} abgesagt"))
    return entries


def _sms_entries(db: Session, case: Case, job_ids: list[int], skip: Collection[int]) -> list[Entry]:
    where = or_(Message.case_id == case.id, Message.job_id.in_(job_ids)) if job_ids else Message.case_id == case.id
    entries = []
    for message in db.scalars(select(Message).where(where)):
        if message.id in skip:
            continue  # part of an entry of the floors above (an outreach wave)
        inbound = message.direction == MessageDirection.INBOUND
        title = "SMS empfangen" if inbound else "SMS gesendet"
        entries.append(
            Entry(
                message.created_at,
                "sms",
                title,
                message.body,
                extra={
                    "status": message.status.value,
                    "peer": message.from_number if inbound else message.to_number,
                },
            )
        )
    return entries


def for_case(
    db: Session,
    *,
    case: Case,
    extra: Sequence[Entry] = (),
    now: datetime | None = None,
    grouped_messages: Collection[int] = (),
) -> list[Entry]:
    """The case's timeline, newest first.

    `extra` are the entries of the floors above case work (the volunteers' commitments and hours, the
    bills, the outreach waves): case work cannot read them, so the case page's view adds them (see
    `casework.cases.views`). `grouped_messages` are the SMS one of those entries stands for (a wave's offers):
    they get no entry of their own.
    """
    job_ids = [job.id for job in case.jobs]
    # Read once: the authors' names are looked up before the entries are made.
    notes = list(db.scalars(select(CaseNote).where(CaseNote.case_id == case.id)))
    # Newest first also among changes in the same second (the timeline's sort keeps this order for ties).
    changes_query = select(CaseStatusChange).where(CaseStatusChange.case_id == case.id)
    changes = list(db.scalars(changes_query.order_by(CaseStatusChange.id.desc())))
    people = {n.author_id for n in notes}
    people |= {c.changed_by_id for c in changes}
    people |= {call.accepted_by_id for call in case.calls}
    names = staff_names(db, people)
    entries = (
        _status_entries(changes, names)
        + _note_entries(notes, names)
        + _call_entries(case, names, now)
        + _job_entries(case)
        + _sms_entries(db, case, job_ids, set(grouped_messages))
        + list(extra)
    )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
