"""Pure rules for SMS statuses: their order, Twilio's names for them, and what staff read about them."""

from __future__ import annotations

from telephony.models import MessageStatus

# A status only ever moves to a higher rank: callbacks arrive late, twice and out of order.
_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.CLAIMED: 1,
    MessageStatus.QUEUED: 2,
    MessageStatus.SENDING: 3,
    MessageStatus.SENT: 4,
    MessageStatus.DELIVERED: 5,
    MessageStatus.UNDELIVERED: 5,
    MessageStatus.FAILED: 5,
    MessageStatus.RECEIVED: 5,
}

# Twilio's MessageStatus values mapped to ours; statuses we do not track ("read") map to None.
_FROM_TWILIO = {
    "accepted": MessageStatus.QUEUED,
    "scheduled": MessageStatus.QUEUED,
    "queued": MessageStatus.QUEUED,
    "sending": MessageStatus.SENDING,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}

FINAL = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED})
PROBLEMS = frozenset({MessageStatus.UNDELIVERED, MessageStatus.FAILED})

LABELS = {
    MessageStatus.PENDING: "wartet auf Versand",
    MessageStatus.CLAIMED: "wird an Twilio übergeben",
    MessageStatus.QUEUED: "bei Twilio eingereiht",
    MessageStatus.SENDING: "wird gesendet",
    MessageStatus.SENT: "gesendet",
    MessageStatus.DELIVERED: "zugestellt",
    MessageStatus.UNDELIVERED: "nicht zugestellt",
    MessageStatus.FAILED: "fehlgeschlagen",
    MessageStatus.RECEIVED: "empfangen",
}

ERRORS = {
    20003: "Twilio-Zugangsdaten ungültig",
    20429: "zu viele Anfragen an Twilio",
    20500: "Störung bei Twilio",
    20503: "Twilio vorübergehend nicht verfügbar",
    21211: "ungültige Telefonnummer",
    21408: "Land für SMS nicht freigeschaltet",
    21610: "Empfänger hat SMS abbestellt (STOP)",
    21614: "Nummer kann keine SMS empfangen",
    30003: "Telefon nicht erreichbar",
    30004: "Nachricht blockiert",
    30005: "Nummer unbekannt oder nicht mehr vergeben",
    30006: "Festnetz oder nicht erreichbarer Anbieter",
    30007: "vom Mobilfunkanbieter gefiltert",
    30008: "unbekannter Zustellfehler",
    30001: "Warteschlange bei Twilio voll",
    30002: "Twilio-Konto gesperrt",
    30010: "Preisgrenze überschritten",
}


def rank(status: MessageStatus) -> int:
    return _RANK[status]


def from_twilio(value: str) -> MessageStatus | None:
    """Our status for Twilio's MessageStatus value; None for values we do not track."""
    return _FROM_TWILIO.get(value.strip().lower())


def advances(current: MessageStatus, new: MessageStatus) -> bool:
    """True when `new` is a later state than `current` (so a callback may apply it)."""
    return rank(new) > rank(current)


def label(status: MessageStatus) -> str:
    return LABELS[status]


def error_text(code: int | None, message: str | None = None) -> str:
    """What staff read about an error, in German; Twilio's English text stays in the database."""
    if code is None:
        return "keine Verbindung zu Twilio" if message else ""
    return f"{code}: {ERRORS.get(code, 'Fehler bei Twilio (siehe Twilio-Fehlerliste)')}"
