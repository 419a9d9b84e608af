"""Who may be offered a job, and in which order: the rules of matching, without a database.

`needs_of` turns a job into what a volunteer must bring. `exclusion_reasons` says, for one volunteer's
facts, why they cannot take it (empty: they can). `service.rank` asks the same of every volunteer in one
SQL query; a test holds the two to the same answers. `RANK_ORDER` defines the order of the candidates
for both.

Time windows are Europe/Berlin local time. A window across midnight, or over several days, is cut at
each local midnight into one piece per day ("Fr 20:00–24:00", "Sa 00:00–06:00"); every piece must lie
inside one weekly slot of that weekday. A slot stored until 23:59 means until midnight. Absences,
certificates and the weekly maximum use the local dates of the window: a certificate must be valid on
its last day, an absence on any day of it excludes, and the week is the ISO week (Monday to Sunday) of
the local start.

Distance: the registry records the municipalities a volunteer goes to, not where they live. A volunteer who goes
only to the job's municipality is nearest (band 0), one who goes only there and to its neighbours next (band 1),
one who also goes further away last (band 2): `distance_band`, from the hand-made table `NEIGHBOURS`.

Near misses (`near_miss`): when nobody fits, staff see who fails on exactly one rule they could bend by asking:
the time window (weekly slots or an absence), the municipality (goes only to a neighbouring one), a police
certificate that expired in the `CERTIFICATE_GRACE` before the job, or one missing skill. Anyone inactive,
opted out, without consent, busy at that time, at their weekly maximum, or already asked is never a near miss.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from casework.enums import LANGUAGE_PREFIX, LANGUAGES, JobKind, Requirement
from core.clock import MIDNIGHT_END
from core.errors import DomainError
from volunteers.matching import texts
from volunteers.vocabulary import CertificateKind, Skill

BERLIN = ZoneInfo("Europe/Berlin")

KIND_SKILLS: dict[JobKind, Skill] = {
    JobKind.CHILD_CARE: Skill.CHILD_CARE,
    JobKind.ELDER_CARE: Skill.ELDER_CARE,
    JobKind.DRIVING: Skill.DRIVING,
}
REQUIREMENT_SKILLS: dict[Requirement, Skill] = {
    Requirement.INFANT_CARE: Skill.INFANT_CARE,
    Requirement.DEMENTIA: Skill.DEMENTIA,
    Requirement.WHEELCHAIR_CAR: Skill.WHEELCHAIR,
}
_SKILL_BY_REQUIREMENT: dict[str, Skill] = {
    requirement.value: skill for requirement, skill in REQUIREMENT_SKILLS.items()
}
# Child care needs an extended police certificate (§ 72a SGB VIII) valid on the day of the job.
KIND_CERTIFICATES: dict[JobKind, CertificateKind] = {JobKind.CHILD_CARE: CertificateKind.POLICE_CERTIFICATE}


class JobNotMatchable(DomainError, ValueError):
    """The job lacks what matching needs; the message is German, for staff."""


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of a job's window on one local day: weekday 0 = Monday, `end` 23:59 = midnight."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class JobNeeds:
    job_id: int
    skills: tuple[Skill, ...]
    certificate: CertificateKind | None
    municipality_id: int
    municipality: str
    starts_at: datetime
    ends_at: datetime
    first_day: date
    last_day: date
    pieces: tuple[Piece, ...]
    week_starts_at: datetime
    week_ends_at: datetime
    languages: tuple[str, ...]
    """German names of the languages the family asked for ("Türkisch"): fit, not a condition."""
    neighbour_ids: frozenset[int] = frozenset()
    """The municipalities that border the job's (`NEIGHBOURS`): distance and near misses."""


def needs_of(
    *,
    job_id: int,
    kind: JobKind,
    requirements: Iterable[str],
    municipality_id: int | None,
    municipality: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo = BERLIN,
    neighbour_ids: Iterable[int] = (),
) -> JobNeeds:
    """What a volunteer must bring for this job. Unknown requirement keys are ignored."""
    if municipality_id is None:
        raise JobNotMatchable(texts.NO_MUNICIPALITY)
    wanted = list(requirements)
    skills = [KIND_SKILLS[kind]] + [_SKILL_BY_REQUIREMENT[key] for key in wanted if key in _SKILL_BY_REQUIREMENT]
    languages = [
        LANGUAGES[key.removeprefix(LANGUAGE_PREFIX)]
        for key in wanted
        if key.startswith(LANGUAGE_PREFIX) and key.removeprefix(LANGUAGE_PREFIX) in LANGUAGES
    ]
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    monday = local_start.date() - timedelta(days=local_start.weekday())
    return JobNeeds(
        job_id=job_id,
        skills=tuple(dict.fromkeys(skills)),
        certificate=KIND_CERTIFICATES.get(kind),
        municipality_id=municipality_id,
        municipality=municipality,
        starts_at=starts_at,
        ends_at=ends_at,
        first_day=local_start.date(),
        last_day=(local_end - timedelta(microseconds=1)).date(),
        pieces=pieces_of(local_start, local_end),
        week_starts_at=_utc_midnight(monday, zone),
        week_ends_at=_utc_midnight(monday + timedelta(days=7), zone),
        languages=tuple(dict.fromkeys(languages)),
        neighbour_ids=frozenset(neighbour_ids) - {municipality_id},
    )


def _utc_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def pieces_of(local_start: datetime, local_end: datetime) -> tuple[Piece, ...]:
    """The window cut at local midnights; an end exactly at midnight closes the day before."""
    if local_end <= local_start:
        raise JobNotMatchable("Der Einsatz endet nicht nach seinem Beginn.")
    pieces: list[Piece] = []
    day = local_start.date()
    while True:
        start = local_start.time() if day == local_start.date() else time()
        if day == local_end.date():
            if local_end.time() != time():
                pieces.append(Piece(day.weekday(), start, local_end.time().replace(second=0, microsecond=0)))
            return tuple(pieces)
        pieces.append(Piece(day.weekday(), start, MIDNIGHT_END))
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Slot:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class VolunteerFacts:
    """Everything about one volunteer that matching looks at, loaded by `service.explain`."""

    is_active: bool
    has_consent: bool
    sms_opt_in: bool
    skills: frozenset[Skill]
    municipality_ids: frozenset[int]
    slots: tuple[Slot, ...] = ()
    absences: tuple[tuple[date, date], ...] = ()
    certificates: tuple[tuple[CertificateKind, date | None], ...] = ()
    """(kind, valid_until) of each certificate."""
    max_jobs_per_week: int | None = None
    jobs_that_week: int = 0
    """Assignments (not released) to other jobs starting in the job's week."""
    busy: tuple[tuple[datetime, datetime], ...] = ()
    """Windows of active assignments to other jobs that overlap this one."""
    offered: bool = False
    this_job: Literal["assigned", "released"] | None = None


def exclusion_reasons(volunteer: VolunteerFacts, needs: JobNeeds, zone: ZoneInfo = BERLIN) -> list[str]:
    """Why this volunteer cannot be offered the job, in German, most basic first; empty if they can."""
    reasons: list[str] = []
    if not volunteer.is_active:
        reasons.append(texts.INACTIVE)
    if not volunteer.sms_opt_in:
        reasons.append(texts.OPTED_OUT)
    elif not volunteer.has_consent:
        reasons.append(texts.NO_CONSENT)
    reasons.extend(texts.missing_skill(skill.label) for skill in needs.skills if skill not in volunteer.skills)
    if needs.certificate is not None:
        reasons.extend(_certificate_reasons(volunteer, needs.certificate, needs.last_day))
    if needs.municipality_id not in volunteer.municipality_ids:
        reasons.append(texts.not_in_area(needs.municipality))
    reasons.extend(
        texts.not_available(piece.weekday, piece.start, piece.end)
        for piece in needs.pieces
        if not covered(piece, volunteer.slots)
    )
    reasons.extend(
        texts.absent_until(ends_on)
        for starts_on, ends_on in volunteer.absences
        if starts_on <= needs.last_day and ends_on >= needs.first_day
    )
    reasons.extend(
        texts.busy(start.astimezone(zone).time(), end.astimezone(zone).time()) for start, end in volunteer.busy
    )
    if volunteer.max_jobs_per_week is not None and volunteer.jobs_that_week >= volunteer.max_jobs_per_week:
        reasons.append(texts.weekly_maximum(volunteer.max_jobs_per_week))
    if volunteer.this_job is not None:
        reasons.append(texts.ALREADY_ASSIGNED if volunteer.this_job == "assigned" else texts.RELEASED)
    if volunteer.offered:
        reasons.append(texts.ALREADY_OFFERED)
    return reasons


def covered(piece: Piece, slots: Iterable[Slot]) -> bool:
    """Whether one weekly slot of the piece's weekday holds the whole piece."""
    return any(s.weekday == piece.weekday and s.start <= piece.start and s.end >= piece.end for s in slots)


def _certificate_reasons(volunteer: VolunteerFacts, kind: CertificateKind, on: date) -> list[str]:
    dates = [until for held, until in volunteer.certificates if held == kind and until is not None]
    if not dates:
        return [texts.NO_CERTIFICATE]
    latest = max(dates)
    return [] if latest >= on else [texts.certificate_expired(latest)]


def overlaps(start: datetime, end: datetime, needs: JobNeeds) -> bool:
    """Two windows overlap when each starts before the other ends; back to back is no overlap."""
    return start < needs.ends_at and end > needs.starts_at


# --- order of the candidates ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer who can take the job, with what decides their rank."""

    volunteer_id: int
    name: str
    last_assigned_at: datetime | None
    certificate_until: date | None = None
    first_aid_until: date | None = None
    languages: tuple[str, ...] = field(default=())
    """The job's wanted languages this volunteer speaks."""
    distance_band: int = 0
    """0: goes only to the job's municipality, 1: only there and to its neighbours, 2: further too."""

    @property
    def language_matches(self) -> int:
        return len(self.languages)

    @property
    def never_assigned(self) -> bool:
        return self.last_assigned_at is None

    @property
    def has_first_aid(self) -> bool:
        return self.first_aid_until is not None


Direction = Literal["asc", "desc"]

RANK_ORDER: Sequence[tuple[str, Direction]] = (
    # Fit first where the family asked for it: a carer who speaks their language.
    ("language_matches", "desc"),
    # Distance: whoever goes only to the job's municipality, then only there and to its neighbours, then the rest.
    ("distance_band", "asc"),
    # Fairness: whoever has never been assigned, then whoever was assigned least recently.
    ("never_assigned", "desc"),
    ("last_assigned_at", "asc"),
    # Fit among equals: a valid first-aid course.
    ("has_first_aid", "desc"),
    # Stable: the longer-registered volunteer first.
    ("volunteer_id", "asc"),
)
"""Candidates are sorted by these keys in turn; `service.rank` builds its ORDER BY from the same list."""


def sort_key(candidate: Candidate) -> tuple[object, ...]:
    """The candidate's place in RANK_ORDER as a tuple that sorts ascending."""
    key: list[object] = []
    for name, direction in RANK_ORDER:
        value = getattr(candidate, name)
        if name == "last_assigned_at":
            value = value.timestamp() if value is not None else 0.0
        number = float(value) if not isinstance(value, float) else value
        key.append(-number if direction == "desc" else number)
    return tuple(key)


def reason_line(candidate: Candidate, needs: JobNeeds, zone: ZoneInfo = BERLIN) -> str:
    """Why the candidate fits and ranks where they do: "Kinderbetreuung, Führungszeugnis bis 03.02.2029, …"."""
    parts = [", ".join(skill.label for skill in needs.skills)]
    if candidate.certificate_until is not None:
        parts.append(texts.certificate_until(candidate.certificate_until))
    if candidate.languages:
        parts.append(texts.speaks(list(candidate.languages)))
    if candidate.first_aid_until is not None:
        parts.append(texts.first_aid_until(candidate.first_aid_until))
    if candidate.last_assigned_at is None:
        parts.append(texts.NEVER_ASSIGNED)
    else:
        parts.append(texts.last_assigned(candidate.last_assigned_at.astimezone(zone).date()))
    return ", ".join(parts)


# --- distance in the Region Hannover --------------------------------------------------------------------

# Which of the 21 municipalities of the Region Hannover share a border. Hand-made from the Region's map of its
# municipalities (region-hannover.de, "Städte und Gemeinden") and the "Nachbargemeinden" of each municipality's
# Wikipedia article; written down by hand, not fetched. Borders with places outside the Region do not matter
# here. Each pair is listed once; `neighbours_of` reads it both ways. If a pair is missing, that volunteer only
# ranks one band lower: a check against the map is welcome.
NEIGHBOURS: tuple[tuple[str, str], ...] = (
    ("Hannover", "Langenhagen"), ("Hannover", "Isernhagen"), ("Hannover", "Lehrte"), ("Hannover", "Sehnde"),
    ("Hannover", "Laatzen"), ("Hannover", "Hemmingen"), ("Hannover", "Ronnenberg"), ("Hannover", "Gehrden"),
    ("Hannover", "Seelze"), ("Hannover", "Garbsen"),
    ("Langenhagen", "Garbsen"), ("Langenhagen", "Wedemark"), ("Langenhagen", "Isernhagen"),
    ("Isernhagen", "Wedemark"), ("Isernhagen", "Burgwedel"), ("Isernhagen", "Burgdorf"), ("Isernhagen", "Lehrte"),
    ("Burgwedel", "Wedemark"), ("Burgwedel", "Burgdorf"),
    ("Burgdorf", "Lehrte"), ("Burgdorf", "Uetze"),
    ("Uetze", "Lehrte"),
    ("Lehrte", "Sehnde"),
    ("Sehnde", "Laatzen"),
    ("Laatzen", "Hemmingen"), ("Laatzen", "Pattensen"),
    ("Hemmingen", "Pattensen"), ("Hemmingen", "Ronnenberg"),
    ("Pattensen", "Ronnenberg"), ("Pattensen", "Wennigsen (Deister)"), ("Pattensen", "Springe"),
    ("Ronnenberg", "Wennigsen (Deister)"), ("Ronnenberg", "Gehrden"), ("Ronnenberg", "Seelze"),
    ("Gehrden", "Wennigsen (Deister)"), ("Gehrden", "Barsinghausen"), ("Gehrden", "Seelze"),
    ("Wennigsen (Deister)", "Barsinghausen"), ("Wennigsen (Deister)", "Springe"),
    ("Barsinghausen", "Springe"), ("Barsinghausen", "Wunstorf"), ("Barsinghausen", "Seelze"),
    ("Seelze", "Garbsen"), ("Seelze", "Wunstorf"),
    ("Garbsen", "Wunstorf"), ("Garbsen", "Neustadt am Rübenberge"), ("Garbsen", "Wedemark"),
    ("Wunstorf", "Neustadt am Rübenberge"),
    ("Neustadt am Rübenberge", "Wedemark"),
)  # fmt: skip


def neighbours_of(municipality: str) -> frozenset[str]:
    """The names of the municipalities bordering `municipality` (none for a name the table does not know)."""
    return frozenset(b if a == municipality else a for a, b in NEIGHBOURS if municipality in (a, b))


def distance_band(municipality_ids: Iterable[int], needs: JobNeeds) -> int:
    """0: the volunteer goes only to the job's municipality; 1: only there and to its neighbours; 2: further."""
    areas = set(municipality_ids)
    if areas <= {needs.municipality_id}:
        return 0
    if areas <= {needs.municipality_id} | needs.neighbour_ids:
        return 1
    return 2


# --- near misses: nobody fits, who almost does ------------------------------------------------------------


class MissKind(enum.StrEnum):
    TIME = "time"  # outside their weekly slots, or absent
    AREA = "area"  # goes only to a neighbouring municipality
    CERTIFICATE = "certificate"  # police certificate expired shortly before the job
    SKILL = "skill"  # one skill missing

    @property
    def label(self) -> str:
        return texts.MISS_KIND[self.value]


CERTIFICATE_GRACE = timedelta(days=92)
"""A certificate that ran out at most about three months before the job's last day is a near miss."""
NEAR_MISSES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Miss:
    kind: MissKind
    reason: str  # German, for staff: "nicht verfügbar Sa 09:00–13:00"


def near_miss(
    volunteer: VolunteerFacts, needs: JobNeeds, *, area_names: Mapping[int, str], zone: ZoneInfo = BERLIN
) -> Miss | None:
    """The one rule this volunteer fails for the job, if it is exactly one that staff could bend by asking them
    (see the module's docstring); None if they fit, fail a rule that cannot be bent, or fail more than one.
    `area_names`: the names of the municipalities, for the reason of an area miss."""
    hard = (
        not volunteer.is_active
        or not volunteer.sms_opt_in
        or not volunteer.has_consent
        or volunteer.busy
        or (volunteer.max_jobs_per_week is not None and volunteer.jobs_that_week >= volunteer.max_jobs_per_week)
        or volunteer.this_job is not None
        or volunteer.offered
    )
    if hard:
        return None
    misses: list[Miss | None] = []  # None: a failed rule that no near miss covers
    missing = [skill for skill in needs.skills if skill not in volunteer.skills]
    if len(missing) == 1:
        misses.append(Miss(MissKind.SKILL, texts.missing_skill(missing[0].label)))
    elif missing:
        misses.append(None)
    if needs.certificate is not None:
        misses.extend(_certificate_miss(volunteer, needs.certificate, needs.last_day))
    if needs.municipality_id not in volunteer.municipality_ids:
        near = sorted(area_names.get(i, "") for i in volunteer.municipality_ids & needs.neighbour_ids)
        misses.append(Miss(MissKind.AREA, texts.neighbour_only(near, needs.municipality)) if near else None)
    time_reasons = [
        texts.not_available(piece.weekday, piece.start, piece.end)
        for piece in needs.pieces
        if not covered(piece, volunteer.slots)
    ] + [
        texts.absent_until(ends_on)
        for starts_on, ends_on in volunteer.absences
        if starts_on <= needs.last_day and ends_on >= needs.first_day
    ]
    if time_reasons:
        misses.append(Miss(MissKind.TIME, ", ".join(time_reasons)))
    return misses[0] if len(misses) == 1 else None


def _certificate_miss(volunteer: VolunteerFacts, kind: CertificateKind, on: date) -> list[Miss | None]:
    dates = [until for held, until in volunteer.certificates if held == kind and until is not None]
    if dates and max(dates) >= on:
        return []
    if dates and max(dates) >= on - CERTIFICATE_GRACE:
        return [Miss(MissKind.CERTIFICATE, texts.certificate_expired(max(dates)))]
    return [None]


@dataclass(frozen=True, slots=True)
class NearMiss:
    volunteer_id: int
    name: str
    miss: Miss
    distance_band: int
    last_assigned_at: datetime | None


def near_miss_key(near: NearMiss) -> tuple[object, ...]:
    """Nearest first (`distance_band`; an area miss is one band further), then fairness as for candidates."""
    band = near.distance_band + (1 if near.miss.kind is MissKind.AREA else 0)
    last = near.last_assigned_at
    return (band, last is not None, last.timestamp() if last is not None else 0.0, near.volunteer_id)
