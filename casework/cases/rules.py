"""The case status machine: which status may follow which, and what the buttons say.

Pure rules, no database. The happy path is new → in counselling → care needed → care arranged →
completed. Every open case can be closed "without need" or "not reachable". Real case work adds a few
steps back, decided here so that every screen and service agrees:

- care needed → in counselling: the family's situation changed while we looked for a carer;
- care arranged → care needed: the carer dropped out, we search again;
- in counselling → completed: a counselling-only case ends after the talk (it needs no job);
- a closed or completed case can be reopened to "in counselling" when the family calls back.

Closing a case while one of its jobs is still looking for a carer is refused: the job must be cancelled
first, otherwise volunteers would keep getting offers for a family that no longer needs them.
"""

from __future__ import annotations

from collections.abc import Collection

from casework.enums import CaseStatus
from core.errors import DomainError

S = CaseStatus

OPEN_STATUSES: tuple[CaseStatus, ...] = (S.NEW, S.IN_COUNSELLING, S.CARE_NEEDED, S.CARE_ARRANGED)
CLOSED_STATUSES: tuple[CaseStatus, ...] = (S.COMPLETED, S.CLOSED_NO_NEED, S.CLOSED_UNREACHABLE)
CLOSING = (S.CLOSED_NO_NEED, S.CLOSED_UNREACHABLE)

TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    S.NEW: (S.IN_COUNSELLING, *CLOSING),
    S.IN_COUNSELLING: (S.CARE_NEEDED, S.COMPLETED, *CLOSING),
    S.CARE_NEEDED: (S.CARE_ARRANGED, S.IN_COUNSELLING, *CLOSING),
    S.CARE_ARRANGED: (S.COMPLETED, S.CARE_NEEDED, *CLOSING),
    S.COMPLETED: (S.IN_COUNSELLING,),
    S.CLOSED_NO_NEED: (S.IN_COUNSELLING,),
    S.CLOSED_UNREACHABLE: (S.IN_COUNSELLING,),
}

_ACTION_LABELS: dict[CaseStatus, str] = {
    S.IN_COUNSELLING: "Beratung beginnen",
    S.CARE_NEEDED: "Status „Betreuung gesucht“ setzen",
    S.CARE_ARRANGED: "Status „Betreuung organisiert“ setzen",
    S.COMPLETED: "Fall abschließen (erledigt)",
    S.CLOSED_NO_NEED: "Fall schließen: kein Bedarf",
    S.CLOSED_UNREACHABLE: "Fall schließen: nicht erreichbar",
}


class TransitionNotAllowed(DomainError, ValueError):
    """The requested status change breaks the rules; the message is German and shown to staff."""


def is_open(status: CaseStatus) -> bool:
    return status in OPEN_STATUSES


def allowed_transitions(status: CaseStatus) -> tuple[CaseStatus, ...]:
    return TRANSITIONS[status]


def action_label(current: CaseStatus, target: CaseStatus) -> str:
    """The button text for moving a case from `current` to `target`."""
    if target == S.IN_COUNSELLING and not is_open(current):
        return "Fall wieder öffnen"
    if target == S.IN_COUNSELLING and current == S.CARE_NEEDED:
        return "Zurück in die Beratung"
    if target == S.CARE_NEEDED and current == S.CARE_ARRANGED:
        return "Neue Betreuung suchen"
    return _ACTION_LABELS[target]


def check_transition(current: CaseStatus, target: CaseStatus, *, jobs_searching: int = 0) -> None:
    """Raise TransitionNotAllowed unless `current` may become `target`."""
    if target == current:
        raise TransitionNotAllowed(f"Der Fall hat schon den Status „{current.label}“.")
    if target not in TRANSITIONS[current]:
        raise TransitionNotAllowed(
            f"Ein Fall mit dem Status „{current.label}“ kann nicht auf „{target.label}“ gesetzt werden."
        )
    if not is_open(target) and jobs_searching:
        raise TransitionNotAllowed(
            "Für diesen Fall wird noch Betreuung gesucht. Bitte sagen Sie zuerst die offenen Einsätze ab."
        )


def reopened(current: CaseStatus, target: CaseStatus) -> bool:
    return not is_open(current) and is_open(target)


def closes(current: CaseStatus, target: CaseStatus) -> bool:
    return is_open(current) and not is_open(target)


def statuses_from(values: Collection[str]) -> list[CaseStatus]:
    """Parse status filter values, ignoring unknown ones (a stale bookmark is no error)."""
    return [S(value) for value in values if value in S._value2member_map_]
