"""Pure rules of assignments: whether a job has room for one more carer, when the reminder goes out,
whether reported hours can be right, when the carer is asked for the hours (and reminded once), and what
the carer learns by SMS about the people they look after (`carer_briefing`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.formats import BERLIN
from volunteers.outreach.rules import gsm7_safe

# The default local hour of the evening before the job when the assigned volunteer gets a reminder;
# FLUXX_REMINDER_HOUR changes it: the hour travels with the yes that schedules the reminder (`service.accept`).
REMINDER_HOUR = 18


def has_room(*, active: int, needed: int) -> bool:
    """Whether a job with `active` assignments still takes a carer (at least one is always needed)."""
    return active < max(needed, 1)


def is_full(*, active: int, needed: int) -> bool:
    return not has_room(active=active, needed=needed)


def reminder_due(
    *, starts_at: datetime, now: datetime, zone: ZoneInfo = BERLIN, hour: int = REMINDER_HOUR
) -> datetime | None:
    """When to remind: the evening before the start at `hour` local time, or now if that has passed
    (an assignment made late the evening before or on the day); None once the job has started."""
    if starts_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("starts_at and now must be timezone-aware")
    if now >= starts_at:
        return None
    day_before = starts_at.astimezone(zone).date() - timedelta(days=1)
    evening = datetime.combine(day_before, time(hour), tzinfo=zone)
    return max(evening, now)


class HoursCheck(enum.StrEnum):
    """Whether hours reported for a job can be noted (`OK`) or why not."""

    OK = "ok"
    JOB_CANCELLED = "job_cancelled"  # nobody went: there are no hours
    NOT_POSITIVE = "not_positive"  # zero or negative: a typo
    NOT_STARTED = "not_started"  # the job has not begun: nothing to report yet
    BEYOND_WINDOW = "beyond_window"  # more than the job's window plus `HOURS_SLACK`: a typo or another job


# Hours may exceed the job's window by this much (a late pick-up, staying until a parent is home).
HOURS_SLACK = Decimal(1)
SECONDS_PER_HOUR = 3600


def window_hours(*, starts_at: datetime, ends_at: datetime) -> Decimal:
    """The job's length in hours, exact: 4, 3.5, 2.25."""
    return Decimal(int((ends_at - starts_at).total_seconds())) / SECONDS_PER_HOUR


def check_hours(
    hours: Decimal, *, starts_at: datetime, ends_at: datetime, now: datetime, job_cancelled: bool = False
) -> HoursCheck:
    """Whether `hours` reported at `now` for a job from `starts_at` to `ends_at` can be noted: more than 0 and
    at most the window plus an hour, once the job has begun, never for a cancelled job. Anything else is
    asked back and nothing is stored (an SMS reply never gets here with zero or less: `volunteers.replies`
    asks back first)."""
    if job_cancelled:
        return HoursCheck.JOB_CANCELLED
    if hours <= 0:
        return HoursCheck.NOT_POSITIVE
    if now < starts_at:
        return HoursCheck.NOT_STARTED
    if hours > window_hours(starts_at=starts_at, ends_at=ends_at) + HOURS_SLACK:
        return HoursCheck.BEYOND_WINDOW
    return HoursCheck.OK


# After the job's window the carer is asked for the hours once; without an answer, reminded once this much
# later; after that the dashboard shows the job under "Stunden fehlen".
HOURS_REMINDER_AFTER = timedelta(hours=24)


class HoursAsk(enum.StrEnum):
    """Whether to ask a carer for the hours of an assignment now (`SEND`) or why not."""

    SEND = "send"
    NOT_ACTIVE = "not_active"  # released or withdrawn: the volunteer did not go
    JOB_CANCELLED = "job_cancelled"  # nobody went: there are no hours
    REPORTED = "reported"  # hours are already in (reported, confirmed or even rejected: staff know)


def ask_for_hours(*, active: bool, job_cancelled: bool, reported: bool) -> HoursAsk:
    """The one decision behind the hours request and its reminder: ask only a carer still assigned to a
    job that took place and who has not reported hours yet."""
    if not active:
        return HoursAsk.NOT_ACTIVE
    if job_cancelled:
        return HoursAsk.JOB_CANCELLED
    if reported:
        return HoursAsk.REPORTED
    return HoursAsk.SEND


def hours_request_due(*, ends_at: datetime, now: datetime) -> datetime:
    """When to ask for the hours: when the job's window ends, or now for an assignment made after that."""
    if ends_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("ends_at and now must be timezone-aware")
    return max(ends_at, now)


def hours_reminder_due(*, requested_at: datetime) -> datetime:
    """When to remind once of the hours: a day after asking."""
    return requested_at + HOURS_REMINDER_AFTER


def hours_missing_for_jobs_ended_before(now: datetime) -> datetime:
    """The dashboard's "Stunden fehlen": jobs whose window ended before this moment, so the reminder was due
    (asked at the end, reminded a day later), and a carer still has not reported."""
    return now - HOURS_REMINDER_AFTER


# --- What the carer learns by SMS about the people they look after ------------------------------------
PERSONS_NAMED = 4
LABEL_CHARS = 20
SPECIAL_CHARS = 80
SPECIALS_CHARS = 160  # so that the confirmation stays within four SMS segments with four people named
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PersonFacts:
    """One person cared for, as the case records them (`casework.cases.models.CarePerson`)."""

    label: str
    age_label: str = ""  # "4 Mon.", "3 J." or empty (`CarePerson.age_label`)
    special_requirements: str | None = None
    need_description: str | None = None  # read here only to be left out: never part of the SMS


def _short(text: str, limit: int) -> str:
    """`text` on one line, cut at a word before `limit` characters ("..." marks the cut)."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 3].rsplit(" ", 1)[0] if " " in flat[: limit - 3] else flat[: limit - 3]
    return cut.rstrip(" ,;.") + "..."


def _person(person: PersonFacts, special_chars: int) -> str:
    name = gsm7_safe(_short(person.label, LABEL_CHARS), letters=False) or "Person"
    details = [person.age_label.strip()] if person.age_label.strip() else []
    if person.special_requirements and person.special_requirements.strip():
        details.append(gsm7_safe(_short(person.special_requirements, special_chars)))
    return f"{name} ({', '.join(details)})" if details else name


def carer_briefing(persons: Sequence[PersonFacts]) -> str:
    """The sentence about the people cared for in the carer's confirmation SMS, e.g.
    "Für: Mia (4 J., Nussallergie), Ben (8 Mon.)." — empty when the case records nobody.

    DSGVO data minimisation (Art. 5(1)(c)): a volunteer's phone keeps an SMS for years, out of our reach, so
    the confirmation SMS carries only what the carer needs to do the job that day, and the job page (staff
    only, audited) keeps the rest.

    Goes in, per person the case records (`CarePerson`):
    - the label as recorded ("Vorname oder Initialen" on the case form), shortened to `LABEL_CHARS`: the
      carer greets the child by name;
    - the age as the case page shows it ("4 Mon.", "3 J."): a baby needs something else than a schoolchild;
    - the "Besonderheiten" (allergies, "kein Schweinefleisch", "Rollator"), up to `SPECIAL_CHARS` characters
      (all people together up to `SPECIALS_CHARS`; a cut ends in "..."): what can go wrong in the next hours
      if the carer does not know it. The whole text stays on the job page for staff to read out on the phone.

    Never goes in:
    - the "Bedarf" free text (`need_description`): counsellors write what the family told them there, often
      a diagnosis or the reason for the crisis (Art. 9 health data) — the carer does not need it to look
      after a child for an afternoon;
    - the job's coordination notes ("gehen nicht per SMS hinaus", as the job form says) and the job's
      requirements (the carer was chosen because they meet them);
    - more than `PERSONS_NAMED` people (the rest are counted: "und 2 weitere"), so the SMS stays short.

    The family's address, contact name and phone are not decided here: the carer who holds the job gets them
    (DESIGN: "The winner gets the address and contact"), because they must find the door and call when they
    are late; no one else ever sees them by SMS (`volunteers.outreach.texts.offer`).
    """
    if not persons:
        return ""
    shown = persons[:PERSONS_NAMED]
    special_chars = min(SPECIAL_CHARS, SPECIALS_CHARS // len(shown))
    named = [_person(person, special_chars) for person in shown]
    rest = len(persons) - len(named)
    more = f" und {rest} weitere" if rest > 0 else ""
    sentence = f"Für: {', '.join(named)}{more}"
    return sentence if sentence.endswith(".") else sentence + "."  # "K. M." ends the sentence already
