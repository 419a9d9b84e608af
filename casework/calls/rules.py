"""How a call's status moves as Twilio reports it: forward only, a final status stays final."""

from __future__ import annotations

from casework.enums import CallStatus

# A status never moves back: queued < ringing < in-progress < any final status.
_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    CallStatus.COMPLETED: 3,
    CallStatus.BUSY: 3,
    CallStatus.FAILED: 3,
    CallStatus.NO_ANSWER: 3,
    CallStatus.CANCELED: 3,
}
FINAL_STATUSES = frozenset(status for status, rank in _RANK.items() if rank == 3)


def parse_call_status(value: str | None) -> CallStatus | None:
    try:
        return CallStatus(value or "")
    except ValueError:
        return None


def advance(current: CallStatus, reported: CallStatus) -> CallStatus:
    """The status after a (possibly late or duplicated) callback: only ever forward, final stays final."""
    if _RANK[current] == 3:
        return current
    return reported if _RANK[reported] > _RANK[current] else current
