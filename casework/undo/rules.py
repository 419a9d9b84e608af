"""When an action may still be undone: shortly afterwards, and only while nobody changed the case since.

Pure rules, no database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

UNDO_WINDOW = timedelta(minutes=15)
# Audit actions that only read: looking at a case after closing it does not block the undo.
READ_ONLY_ACTIONS = frozenset({"case.view", "case.list", "job.view", "call.voicemail"})

TOO_LATE = "Rückgängig machen geht nur in den ersten 15 Minuten. Bitte ändern Sie den Fall jetzt auf der Fallseite."
CHANGED_SINCE = (
    "Rückgängig machen geht nicht mehr: Der Fall wurde seitdem geändert. Bitte prüfen Sie ihn auf der Fallseite."
)
UNKNOWN = "Diese Aktion lässt sich nicht rückgängig machen. Bitte laden Sie die Seite neu."


def refusal(*, done_at: datetime, now: datetime, changed_since: bool) -> str | None:
    """Why the undo is refused (German, for staff), or None when it may go ahead."""
    if now - done_at > UNDO_WINDOW or now < done_at:
        return TOO_LATE
    if changed_since:
        return CHANGED_SINCE
    return None


def changes(actions: list[str]) -> bool:
    """Whether audited actions after the undoable one changed something (reading the case changes nothing)."""
    return any(action not in READ_ONLY_ACTIONS for action in actions)
