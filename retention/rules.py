"""What the purge removes and when: pure rules, no database.

- Closed cases (completed, closed, merged) lose their personal data `days` (FLUXX_RETENTION_DAYS, default
  730) after they were closed: names, numbers, addresses, notes, message bodies, call-back notes, the
  children's or relative's descriptions, audit details. What the statistics count stays: need,
  municipality, partner, affiliation, dates, statuses, jobs, hours, amounts.
- Bill data (the debtor's name and address on a bill, the holder and IBAN of its direct-debit mandate) is
  kept as long as German commercial and tax law requires a booking voucher to be kept: eight years
  (§ 147 Abs. 1 Nr. 4, Abs. 3 AO and § 257 Abs. 1 Nr. 4, Abs. 4 HGB, as amended by the Viertes
  Bürokratieentlastungsgesetz from 2025; § 14b Abs. 1 UStG for invoices), counted from the end of the
  calendar year in which the bill was issued (§ 147 Abs. 4 AO, § 257 Abs. 5 HGB).
- Voicemails: `voicemail_days` (FLUXX_VOICEMAIL_DAYS, default 30) after they were left, deleted at Twilio
  (where the recording is stored) and then here; the deletion is in the case's audit trail.
- SMS exchanged with volunteers about a job (offers, replies): their texts go with the job's case.
- Volunteers deactivated longer than `days`: name, number, notes, languages, times, absences and certificates
  go; the row, skills, areas, assignments and hours stay for the statistics (`retention.volunteers.service`).
- Login failures and staff sessions: 90 days.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

BILL_YEARS = 8
LOGIN_DAYS = 90
# Cases (volunteers, ...) per transaction: each kind is purged set-wise, a handful of statements per batch, and
# a batch of 100 cases with some twenty rows each in the tables they own takes some ten milliseconds (SQLite;
# a few ten on PostgreSQL, which locks rows, not the database): a purge never holds the one SQLite writer for long.
BATCH = 100
# Voicemails per transaction: each is deleted at Twilio first, then forgotten here row by row with its audit entry.
VOICEMAIL_BATCH = 20


class Kind(enum.StrEnum):
    VOICEMAILS = "voicemails"
    CASES = "cases"
    REPLIES = "volunteer_replies"
    BILLS = "bills"
    VOLUNTEERS = "volunteers"
    LOGIN_FAILURES = "login_failures"
    SESSIONS = "sessions"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Kind.VOICEMAILS: "Sprachnachrichten löschen (auch bei Twilio)",
    Kind.CASES: "Geschlossene Fälle anonymisieren",
    Kind.REPLIES: "SMS-Texte mit Ehrenamtlichen zu anonymisierten Fällen leeren",
    Kind.BILLS: "Rechnungsdaten nach Ablauf der Aufbewahrungsfrist anonymisieren",
    Kind.VOLUNTEERS: "Seit Ablauf der Frist deaktivierte Ehrenamtliche anonymisieren",
    Kind.LOGIN_FAILURES: "Fehlgeschlagene Anmeldungen löschen",
    Kind.SESSIONS: "Beendete Sitzungen löschen",
}


def case_cutoff(now: datetime, days: int) -> datetime:
    """Cases closed before this moment are anonymised."""
    return now - timedelta(days=days)


def voicemail_cutoff(now: datetime, days: int) -> datetime:
    """Voicemails left before this moment are deleted."""
    return now - timedelta(days=days)


def login_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=LOGIN_DAYS)


def bill_kept_until(issued: date) -> date:
    """The first day a bill issued on `issued` may be anonymised: the retention period begins at the end of
    the calendar year of issue and lasts BILL_YEARS years."""
    return date(issued.year + BILL_YEARS + 1, 1, 1)


def bill_expired(issued: date | None, today: date) -> bool:
    """Whether a bill's retention period is over (a draft never issued has none to keep)."""
    return issued is None or today >= bill_kept_until(issued)


def latest_issue_kept(today: date) -> date:
    """Bills issued on or before this day have outlived their retention period on `today`."""
    return date(today.year - BILL_YEARS - 1, 12, 31)
