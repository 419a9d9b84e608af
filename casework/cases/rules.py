"""The case status machine: which status may follow which, and what the buttons say.

Pure rules, no database. The happy path is new → in counselling → care needed → care arranged →
completed. Every open case can be closed "without need" or "not reachable". Real case work adds a few
steps back, decided here so that every screen and service agrees:

- care needed → in counselling: the family's situation changed while we looked for a carer;
- care arranged → care needed: the carer dropped out, we search again;
- in counselling → completed: a counselling-only case ends after the talk (it needs no job);
- a closed or completed case can be reopened to "in counselling" when the family calls back.

The case also follows its jobs by itself (`follows_jobs`): when the last job waiting for a carer is filled it
becomes "care arranged", and when a carer withdraws or is released it is "care needed" again.

Closing a case while one of its jobs is still looking for a carer is refused: the job must be cancelled
first, otherwise volunteers would keep getting offers for a family that no longer needs them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from casework.enums import CaseStatus, Need
from casework.jobs.rules import CONCRETE_NEEDS
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


def follows_jobs(current: CaseStatus, *, waiting: int, filled: int) -> CaseStatus | None:
    """The status a case takes by itself after a change of its jobs, or None to stay as it is.

    `waiting`: the case's jobs still waiting for a carer (open, searching, nobody found); `filled`: its jobs
    with every carer they need. "Care needed" becomes "care arranged" once no job waits and one is filled;
    "care arranged" becomes "care needed" again when a job waits (a carer withdrew or was released). Other
    statuses are the counsellor's to set: a case in counselling or closed is not moved by its jobs."""
    if current == S.CARE_NEEDED and waiting == 0 and filled > 0:
        return S.CARE_ARRANGED
    if current == S.CARE_ARRANGED and waiting > 0:
        return S.CARE_NEEDED
    return None


def reopened(current: CaseStatus, target: CaseStatus) -> bool:
    return not is_open(current) and is_open(target)


def closes(current: CaseStatus, target: CaseStatus) -> bool:
    return is_open(current) and not is_open(target)


def statuses_from(values: Collection[str]) -> list[CaseStatus]:
    """Parse status filter values, ignoring unknown ones (a stale bookmark is no error)."""
    return [S(value) for value in values if value in S._value2member_map_]


# A student in Hannover pays the student rate (billing.tariff) for job days inside the semester the case
# records: summer semester 1 April to 30 September, winter semester 1 October to 31 March (Lower Saxony).
class SemesterInvalid(DomainError, ValueError):
    """Not a semester we can read; the message says how to write one."""

    status_code: ClassVar[int] = 422

    def __init__(self, label: str) -> None:
        super().__init__(f"„{label[:40]}“ ist kein Semester; bitte z. B. „WiSe 2026/27“ oder „SoSe 2027“ angeben.")


_SEMESTER = re.compile(
    r"^\s*(?P<term>wise|ws|wintersemester|sose|ss|sommersemester)\s*(?P<year>\d{2}|\d{4})(?:\s*/\s*(?P<next>\d{2}|\d{4}))?\s*$",
    re.IGNORECASE,
)


def semester_period(label: str) -> tuple[date, date]:
    """The first and last day of a semester in Lower Saxony: summer 1.4.–30.9., winter 1.10.–31.3.

    "SoSe 2027", "SS 27", "WiSe 2026/27", "WS 26/27", "Wintersemester 2026" are read; anything else
    raises SemesterInvalid."""
    match = _SEMESTER.match(label)
    if match is None:
        raise SemesterInvalid(label)
    year = int(match["year"])
    year = year + 2000 if year < 100 else year
    if match["term"].lower() in ("wise", "ws", "wintersemester"):
        following = match["next"]
        if following is not None and int(following) != ((year + 1) % 100 if len(following) == 2 else year + 1):
            raise SemesterInvalid(label)
        return date(year, 10, 1), date(year + 1, 3, 31)
    if match["next"] is not None:
        raise SemesterInvalid(label)
    return date(year, 4, 1), date(year, 9, 30)


def semester_label(label: str) -> str:
    """The semester written the one way we show it: "WiSe 2026/27", "SoSe 2027"."""
    first, _last = semester_period(label)
    return f"WiSe {first.year}/{(first.year + 1) % 100:02d}" if first.month == 10 else f"SoSe {first.year}"


# --- The case page's task -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageAction:
    """One action on the case page: a status change (`target`), or a link (`link`: "edit", "new_job", "job")."""

    text: str
    target: CaseStatus | None = None
    link: str | None = None
    job_id: int | None = None


@dataclass(frozen=True)
class CaseTasks:
    """What the case page offers: the one main task (a primary button), further steps (secondary) and the
    closing actions, grouped under "Fall abschließen"."""

    main: PageAction | None
    further: tuple[PageAction, ...]
    closing: tuple[PageAction, ...]


def case_tasks(
    status: CaseStatus,
    *,
    need: Need | None,
    waiting_job: tuple[int, str] | None = None,
    filled_jobs: int = 0,
) -> CaseTasks:
    """The case page's actions, by the case's state.

    `waiting_job` is (id, code) of a job still waiting for a carer, `filled_jobs` how many jobs have their carers.
    The main task is what moves the case on: capture the need of a new case, create a job for a care need,
    follow the search of a waiting job, mark care as arranged once the jobs are filled, complete an arranged or
    counselling-only case, reopen a closed one. Every other allowed status change is a further step, except the
    ones that end the case, which are the closing actions.
    """
    moves = [PageAction(action_label(status, target), target=target) for target in allowed_transitions(status)]
    main: PageAction | None = None
    care = need in CONCRETE_NEEDS
    if not is_open(status):
        main = _take(moves, S.IN_COUNSELLING)
    elif waiting_job is not None:
        main = PageAction(f"Betreuung suchen für Einsatz {waiting_job[1]}", link="job", job_id=waiting_job[0])
    elif status == S.CARE_ARRANGED:
        main = _take(moves, S.COMPLETED)
    elif status == S.CARE_NEEDED and filled_jobs:
        main = _take(moves, S.CARE_ARRANGED)
    elif need is None:
        main = PageAction("Anliegen erfassen", link="edit")
    elif care:
        main = PageAction("Einsatz anlegen", link="new_job")
    elif status == S.NEW:
        main = _take(moves, S.IN_COUNSELLING)
    elif status == S.IN_COUNSELLING:
        main = _take(moves, S.COMPLETED)
    if main is not None and main.target is not None:
        moves = [m for m in moves if m.target != main.target]
    closing = tuple(m for m in moves if m.target is not None and not is_open(m.target))
    further = tuple(m for m in moves if m not in closing)
    return CaseTasks(main=main, further=further, closing=closing)


def _take(moves: list[PageAction], target: CaseStatus) -> PageAction | None:
    return next((m for m in moves if m.target == target), None)


# --- Ages: in years, or in months for babies and toddlers ("4 Monate") ---------------------------------------

MAX_AGE_YEARS = 120
MAX_AGE_MONTHS = 47
"""Months are for the first years of life: "18 Monate" is usual, "50 Monate" is "4 Jahre"."""
_AGE = re.compile(r"(\d{1,3})\s*(?:(jahre?|j\.?)|(monate?|mon\.?|m\.?))?", re.IGNORECASE)
AGE_HINT = "Alter in Jahren (0 bis 120) oder bei Babys in Monaten, z. B. „3“, „3 Jahre“ oder „4 Monate“."


class AgeInvalid(DomainError):
    """What was typed as an age is no age in years or months; the message is German."""


@dataclass(frozen=True)
class Age:
    years: int
    months: int | None = None
    """Set when the age was given in months; `years` is then the whole years in it."""


def parse_age(raw: str) -> Age | None:
    """An age as staff type it: "3", "3 Jahre", "1 Jahr", "4 Monate", "4 Mon.", "18 M"; empty is no age."""
    text = " ".join(raw.split())
    if not text:
        return None
    match = _AGE.fullmatch(text)
    if match is None:
        raise AgeInvalid(f"„{text[:20]}“ ist kein Alter. Bitte das {AGE_HINT}")
    number, in_months = int(match.group(1)), match.group(3) is not None
    if in_months:
        if number > MAX_AGE_MONTHS:
            years = MAX_AGE_MONTHS // 12
            raise AgeInvalid(f"{number} Monate sind über {years} Jahre: bitte das Alter in Jahren angeben.")
        return Age(years=number // 12, months=number)
    if number > MAX_AGE_YEARS:
        raise AgeInvalid(f"Bitte das {AGE_HINT}")
    return Age(years=number)


def age_text(years: int | None, months: int | None, *, short: bool = False) -> str:
    """How an age is shown: "4 Monate", "1 Monat", "3 Jahre", "1 Jahr"; short: "4 Mon.", "3 J."."""
    if months is not None:
        return f"{months} Mon." if short else f"{months} {'Monat' if months == 1 else 'Monate'}"
    if years is None:
        return ""
    return f"{years} J." if short else f"{years} {'Jahr' if years == 1 else 'Jahre'}"
