"""The people of the calibrated history: families calling, the volunteers who joined and left, the jobs they took.

Pure and deterministic for a seed (`random.Random`); `plan` says how many of what per month, this module
makes each story. Numbers are fictitious but valid mobile numbers (0152 0…/0157 0… for families, 0159 0… for
the history's volunteers), names are drawn from the demo's lists.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from casework.enums import Affiliation, JobKind, Need, NoCaseReason
from fluxx.history import plan
from fluxx.history.plan import BERLIN, Carer, Job, Kind, Network, Story, Targets

FIRST_NAMES = ["Lena", "Tim", "Aylin", "Paul", "Marie", "Lukas", "Sophie", "Emre", "Hannah", "Felix", "Clara",
               "Noah", "Ida", "Ben", "Greta", "Milan", "Frieda", "Oskar", "Zeynep", "Jana", "Olga", "Amir",
               "Katrin", "Dennis", "Sandra", "Mustafa", "Julia", "Sven", "Nadia", "Tobias"]  # fmt: skip
LAST_NAMES = ["Müller", "Schmidt", "Schulz", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch",
              "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Hofmann", "Yılmaz", "Kaya",
              "Nowak", "Kowalski", "Popov", "Özdemir", "Lange", "Krause", "Peters", "Hartmann"]  # fmt: skip
STREETS = ["Lister Meile", "Limmerstraße", "Podbielskistraße", "Hildesheimer Straße", "Vahrenwalder Straße",
           "Göttinger Chaussee", "Marktstraße", "Bahnhofstraße", "Hauptstraße", "Kirchweg", "Am Lindenhofe",
           "Sallstraße", "Celler Straße", "Hannoversche Straße"]  # fmt: skip
DISTRICTS = ["Linden-Mitte", "List", "Südstadt", "Vahrenwald", "Döhren", "Bothfeld", "Ricklingen", "Misburg",
             "Nordstadt", "Oststadt", "Kleefeld", "Herrenhausen", "Badenstedt", "Mühlenberg"]  # fmt: skip
NO_CASE_REASONS = (NoCaseReason.HUNG_UP, NoCaseReason.HUNG_UP, NoCaseReason.WRONG_NUMBER, NoCaseReason.SILENT,
                   NoCaseReason.TEST_CALL)  # fmt: skip
COUNSELLING_NEEDS = (Need.COUNSELLING, Need.COUNSELLING, Need.OTHER, Need.CHILD_CARE, Need.RELATIVE_CARE)
SKILL_SETS = (
    ("child_care",),
    ("child_care", "infant_care"),
    ("child_care", "driving"),
    ("elder_care",),
    ("elder_care", "dementia"),
    ("driving",),
    ("child_care", "elder_care"),
    ("elder_care", "driving"),
)
SKILL_OF = {JobKind.CHILD_CARE: "child_care", JobKind.ELDER_CARE: "elder_care", JobKind.DRIVING: "driving"}
NEVER = datetime.min.replace(tzinfo=UTC)
FOUNDERS = 12  # volunteers from the first day who never left


def carers(rng: random.Random, first: date, last: date, municipalities: Sequence[str], count: int) -> list[Carer]:
    """Volunteers joining through the period (a dozen from the start), about a third leaving after a few years."""
    begin = datetime.combine(first, time(10), BERLIN).astimezone(UTC) - timedelta(days=60)
    span = (last - first).days + 60
    found = []
    for i in range(count):
        joined = begin + timedelta(days=0 if i < FOUNDERS else rng.randrange(max(span - 30, 1)), hours=rng.randrange(8))
        tenure = timedelta(days=int(rng.expovariate(1 / 1400)))
        left = joined + tenure if i >= FOUNDERS and rng.random() < 0.45 else None
        if left is not None and left.date() >= last:
            left = None
        skills = SKILL_SETS[i % len(SKILL_SETS)] if i < FOUNDERS else rng.choice(SKILL_SETS)
        home = "Hannover" if rng.random() < 0.5 else rng.choice(municipalities)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        found.append(Carer(name, f"+491590{2000001 + i:07d}", skills, home, joined, left))
    return found


@dataclass
class Pool:
    """Who may take a job on a day: joined before, not left, with the skill; the least recently assigned first
    (the matching's fairness), one job at a time."""

    carers: list[Carer]

    def __post_init__(self) -> None:
        self.last_assigned: dict[int, datetime] = {}
        self.busy_until: dict[int, datetime] = {}

    def pick(self, rng: random.Random, kind: JobKind, assigned_at: datetime, job: tuple[datetime, datetime]) -> int:
        skill = SKILL_OF[kind]
        able = [
            i for i, c in enumerate(self.carers)
            if skill in c.skills and c.joined_at <= assigned_at and (c.left_at is None or c.left_at > job[1])
        ]  # fmt: skip
        free = [i for i in able if self.busy_until.get(i, job[0]) <= job[0]] or able
        least = heapq.nsmallest(3, free, key=lambda i: (self.last_assigned.get(i, NEVER), i))
        chosen = least[rng.randrange(len(least))]
        self.last_assigned[chosen], self.busy_until[chosen] = assigned_at, job[1]
        return chosen


def _phone(rng: random.Random) -> str:
    return f"+4915{rng.choice((2, 7))}0{rng.randrange(1_000_000, 9_999_999)}"


def _family(rng: random.Random, story: Story, network: Network) -> Story:
    """What the counsellor documents: name, town, address, the family's affiliation, who needs care."""
    day = story.opened_at.astimezone(BERLIN).date()
    town = "Hannover" if rng.random() < 0.55 else rng.choice(network.all_municipalities)
    companies = [name for name, joined in network.companies if joined <= day]
    employers = [name for name, joined in network.municipalities.items() if joined <= day]
    draw = rng.random()
    affiliation, partner, employer, semester = Affiliation.NONE, None, None, None
    if draw < 0.32 and companies:
        affiliation, partner = Affiliation.PARTNER_COMPANY, rng.choice(companies)
    elif draw < 0.40 and employers:
        affiliation, employer = Affiliation.PARTNER_MUNICIPALITY, rng.choice(employers)
    elif draw < 0.45:
        affiliation, semester = Affiliation.STUDENT, _semester(day)
    if story.need == Need.CHILD_CARE:
        persons = tuple((f"{rng.choice(FIRST_NAMES)[0]}.", rng.randint(0, 11)) for _ in range(rng.choice((1, 1, 2))))
    elif story.need in (Need.RELATIVE_CARE, Need.DRIVING):
        persons = ((f"{rng.choice(('Frau', 'Herr'))} {rng.choice(LAST_NAMES)[0]}.", rng.randint(68, 94)),)
    else:
        persons = ()
    return replace(
        story, caller_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", municipality=town,
        district=rng.choice(DISTRICTS) if town == "Hannover" else None,
        address=f"{rng.choice(STREETS)} {rng.randint(1, 140)}, {town}", affiliation=affiliation, partner=partner,
        employer_municipality=employer, semester=semester, persons=persons,
    )  # fmt: skip


def _semester(day: date) -> str:
    if 4 <= day.month <= 9:
        return f"SoSe {day.year}"
    start = day.year if day.month >= 10 else day.year - 1
    return f"WiSe {start}/{(start + 1) % 100:02d}"


def stories(
    rng: random.Random, first: date, last: date, targets: Targets, network: Network, pool: Pool, counsellors: int
) -> Iterator[list[Story]]:
    """The history month by month, each month's stories in the order the calls came."""
    counts = plan.month_counts(first, last, targets)
    emergencies = sum(c.emergencies for c in counts)
    jobs = [plan.jobs_per_emergency(rng) for _ in range(emergencies)]
    hours = iter(plan.care_hours(rng, sum(jobs), targets.care_hours))
    per_case = iter(jobs)
    for month in counts:
        kinds = ([Kind.CARE] * month.emergencies + [Kind.DRIVING] * month.driving + [Kind.NO_CASE] * month.no_case
                 + [Kind.COUNSELLING] * (month.sessions - month.emergencies - month.driving))  # fmt: skip
        times = plan.call_times(rng, len(kinds), month.month, first, last)
        rng.shuffle(kinds)
        found = []
        for kind, at in zip(kinds, times, strict=True):
            story = _story(rng, kind, at, network, counsellors)
            if kind is Kind.CARE:
                story = _care(rng, story, [next(hours) for _ in range(next(per_case))], pool, last)
            elif kind is Kind.DRIVING:
                story = _driving(rng, story, pool, last)
            found.append(story)
        yield found


def _story(rng: random.Random, kind: Kind, at: datetime, network: Network, counsellors: int) -> Story:
    needs: dict[Kind, tuple[Need | None, ...]] = {
        Kind.CARE: (Need.CHILD_CARE, Need.CHILD_CARE, Need.RELATIVE_CARE), Kind.DRIVING: (Need.DRIVING,),
        Kind.COUNSELLING: COUNSELLING_NEEDS, Kind.NO_CASE: (None,),
    }  # fmt: skip
    need = rng.choice(needs[kind])
    story = Story(
        kind=kind, opened_at=at, call_sid=f"CA{rng.getrandbits(128):032x}", caller_phone=_phone(rng), need=need,
        answered_after=rng.randint(15, 90), talk_seconds=rng.randint(20, 60) if kind is Kind.NO_CASE
        else rng.randint(240, 1500), counsellor=rng.randrange(counsellors),
    )  # fmt: skip
    if kind is Kind.NO_CASE:
        return replace(story, no_case_reason=rng.choice(NO_CASE_REASONS))
    return _family(rng, story, network)


def _code(rng: random.Random) -> str:
    return str(rng.randint(1000, 9999))


def _care(rng: random.Random, story: Story, hours: list[Decimal], pool: Pool, last: date) -> Story:
    kind = JobKind.CHILD_CARE if story.need == Need.CHILD_CARE else JobKind.ELDER_CARE
    jobs: list[Job] = []
    for day, figure in enumerate(hours):
        starts, ends = plan.window(rng, story.documented_at, figure, last, day + rng.choice((0, 0, 1)))
        assigned = story.documented_at + timedelta(minutes=30 + 5 * len(jobs))
        jobs.append(Job(kind, starts, ends, _code(rng), pool.pick(rng, kind, assigned, (starts, ends)), figure))
    return replace(story, jobs=tuple(jobs))


def _driving(rng: random.Random, story: Story, pool: Pool, last: date) -> Story:
    starts, ends = plan.window(rng, story.documented_at, Decimal(2), last, rng.choice((0, 1, 1, 2)))
    assigned = story.documented_at + timedelta(minutes=30)
    job = Job(
        JobKind.DRIVING, starts, ends, _code(rng), pool.pick(rng, JobKind.DRIVING, assigned, (starts, ends)), None
    )
    return replace(story, jobs=(job,))
