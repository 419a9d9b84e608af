"""How a call's status moves as Twilio reports it (forward only, a final status stays final), and the live state
staff see while it rings, is talked through and has ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

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


# --- the live state staff see ------------------------------------------------------------------------------
# Twilio reports a call's status only once it has ended, so "ringing" says nothing while staff talk.
# What we know instead: a staff member pressed 1 (accepted_by_id, answered_at), the <Dial> ended
# (dial_status), the caller left a voicemail (recording_sid), the final status callback (ended_at).

# A call without a final status after this long lost its callback: say so instead of "im Gespräch".
UNREPORTED_AFTER = timedelta(hours=4)


class LiveStateKind(StrEnum):
    RINGING = "ringing"  # in the menu or ringing the staff on duty
    TALKING = "talking"  # a staff member accepted, the call has not ended
    ENDED = "ended"  # a staff member talked to the caller, the call is over
    VOICEMAIL = "voicemail"  # nobody took it, the caller is at (or has left) the voicemail
    MISSED = "missed"  # ended without anyone accepting
    UNREPORTED = "unreported"  # no final status for hours: the end was never reported


class Named(Protocol):
    @property
    def name(self) -> str: ...


class CallFacts(Protocol):
    """What live_state reads of a call (casework.calls.models.Call has all of it)."""

    @property
    def status(self) -> CallStatus: ...
    @property
    def accepted_by_id(self) -> int | None: ...
    @property
    def accepted_by(self) -> Named | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def dial_status(self) -> str | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def duration_seconds(self) -> int | None: ...
    @property
    def recording_sid(self) -> str | None: ...


@dataclass(frozen=True)
class LiveState:
    kind: LiveStateKind
    label: str  # German, as shown on the dashboard and the case page

    @property
    def ended(self) -> bool:
        return self.kind in (LiveStateKind.ENDED, LiveStateKind.MISSED)


def minutes_de(seconds: int) -> str:
    """4 min 32 s → "4:32 Min."."""
    return f"{seconds // 60}:{seconds % 60:02d} Min."


def _talk_seconds(call: CallFacts) -> int | None:
    if call.duration_seconds is not None:
        return call.duration_seconds
    if call.answered_at is not None and call.ended_at is not None:
        return max(0, int((call.ended_at - call.answered_at).total_seconds()))
    return None


def live_state(call: CallFacts, now: datetime) -> LiveState:
    """The call as staff should read it now: klingelt → im Gespräch mit … → beendet; verpasst only when it ended
    without anyone accepting. Late or repeated callbacks cannot move it back: every fact only ever gets set."""
    ended = call.status in FINAL_STATUSES or call.ended_at is not None
    accepted = call.accepted_by_id is not None
    who = call.accepted_by.name if call.accepted_by is not None else None
    if accepted:
        # After an accepted <Dial> ends, the call hangs up: a dial result means the conversation is over.
        if ended or call.dial_status:
            seconds = _talk_seconds(call)
            return LiveState(LiveStateKind.ENDED, "beendet" + (f" · {minutes_de(seconds)}" if seconds else ""))
        if now - (call.answered_at or call.started_at) > UNREPORTED_AFTER:
            return LiveState(
                LiveStateKind.UNREPORTED, f"angenommen{' von ' + who if who else ''} · Ende nicht gemeldet"
            )
        return LiveState(LiveStateKind.TALKING, f"im Gespräch mit {who}" if who else "im Gespräch")
    if ended:
        label = "verpasst · Sprachnachricht hinterlassen" if call.recording_sid else "verpasst"
        return LiveState(LiveStateKind.MISSED, label)
    if call.recording_sid:
        return LiveState(LiveStateKind.VOICEMAIL, "nicht angenommen · Sprachnachricht hinterlassen")
    if call.dial_status:
        return LiveState(LiveStateKind.VOICEMAIL, "nicht angenommen · Ansage für eine Sprachnachricht läuft")
    if now - call.started_at > UNREPORTED_AFTER:
        return LiveState(LiveStateKind.UNREPORTED, "nicht angenommen · Ende nicht gemeldet")
    return LiveState(LiveStateKind.RINGING, "klingelt")
