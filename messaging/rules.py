"""Pure rules for SMS statuses: their order, Twilio's names for them, and which error means what.

The German words staff read about them are in `messaging.texts`.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from messaging import texts


class MessageDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # in the outbox, not yet handed to Twilio
    # A worker took the row and is handing it to Twilio; next_attempt_at is then the end of its lease.
    CLAIMED = "claimed"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    RECEIVED = "received"


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

# An inbound SMS that waits for staff (free text, an unclear reply, an unknown sender) gets at most one
# automatic answer a day per number, not one per message: an auto-responder on the other side ("Ich bin
# im Urlaub") would otherwise answer our answer, and so on.
AUTO_ANSWER_EVERY = timedelta(hours=24)

# Twilio's error for a recipient who texted STOP: never retried, and the volunteer counts as opted out.
OPTED_OUT_ERROR = 21610


def rank(status: MessageStatus) -> int:
    return _RANK[status]


def from_twilio(value: str) -> MessageStatus | None:
    """Our status for Twilio's MessageStatus value; None for values we do not track."""
    return _FROM_TWILIO.get(value.strip().lower())


def advances(current: MessageStatus, new: MessageStatus) -> bool:
    """True when `new` is a later state than `current` (so a callback may apply it)."""
    return rank(new) > rank(current)


def label(status: MessageStatus) -> str:
    return texts.STATUS_LABELS[status]


def error_text(code: int | None, message: str | None = None) -> str:
    """What staff read about an error, in German; Twilio's English text stays in the database."""
    if code is None:
        return texts.NO_CONNECTION if message else ""
    return f"{code}: {texts.ERRORS.get(code, texts.UNKNOWN_ERROR)}"
