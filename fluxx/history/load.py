"""Writing the calibrated history: the volunteers through the registry, then the stories in short batches.

Everything is planned first, with no transaction open (pure, `plan` and `stories`); then the rows go in
batches of a few dozen stories, each in its own short transaction (`core.batches.in_batches`), so a hotline
running on the same database keeps answering.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.tariff import service as tariffs
from billing.tariff.rules import Membership
from casework.cases.models import YearlyCounter
from casework.reference.models import Municipality, Partner
from core.batches import in_batches
from core.db import transaction
from core.models import Staff, StaffRole
from fluxx.history import moments, plan, rows, stories
from fluxx.history.plan import Carer, Network, Targets
from volunteers.registry import service as registry
from volunteers.registry.availability import parse_availability
from volunteers.registry.drafts import Certificate, VolunteerDraft
from volunteers.vocabulary import CertificateKind, Skill

STORIES_PER_BATCH = 40  # a few hundred rows: some ten milliseconds of the writer's lock
CARERS_PER_YEAR = 40


@dataclass(frozen=True)
class Written:
    stories: int
    rows: int
    carers: int


def carer_count(first: date, last: date) -> int:
    return stories.FOUNDERS + round(CARERS_PER_YEAR * ((last - first).days + 1) / 365.25)


def plan_history(
    db: Session, *, first: date, last: date, targets: Targets, seed: int
) -> tuple[list[Carer], list[list[plan.Story]]]:
    """The history's volunteers and its stories month by month (reads the network; writes nothing)."""
    rng = random.Random(seed)
    names = list(db.scalars(select(Municipality.name).order_by(Municipality.name)))
    network = Network(
        companies=[(name, since) for name, since in db.execute(select(Partner.name, Partner.active_from))],
        municipalities={name: since for name, since, city in
                        db.execute(select(Municipality.name, Municipality.partner_from, Municipality.is_city))
                        if since is not None and not city},
        all_municipalities=names,
    )  # fmt: skip
    carers = stories.carers(rng, first, last, names, carer_count(first, last))
    pool = stories.Pool(carers)
    counsellors = len(_counsellors(db))
    months = list(stories.stories(rng, first, last, targets, network, pool, counsellors))
    return carers, months


def _counsellors(db: Session) -> list[int]:
    """The staff who take calls in the history: the demo's counsellors and coordinators, by id."""
    roles = (StaffRole.COUNSELLOR, StaffRole.COORDINATOR)
    return list(db.scalars(select(Staff.id).where(Staff.role.in_(roles)).order_by(Staff.id)))


def _draft(carer: Carer, municipalities: dict[str, int]) -> VolunteerDraft:
    skills = frozenset(Skill(skill) for skill in carer.skills)
    joined = carer.joined_at.date()
    certificates: tuple[Certificate, ...] = ()
    if Skill.CHILD_CARE in skills:
        kind = CertificateKind.POLICE_CERTIFICATE
        certificates = (Certificate(kind, joined, kind.valid_until(joined)),)
    return VolunteerDraft(
        name=carer.name, phone=carer.phone, skills=skills, languages=("Deutsch",),
        municipality_ids=frozenset({municipalities[carer.home], municipalities["Hannover"]}),
        availability=parse_availability("Mo-Fr 07:00-19:00"), certificates=certificates, max_jobs_per_week=None,
        sms_consent=True, notes=None,
    )  # fmt: skip


def register_carers(db: Session, carers: list[Carer]) -> list[int]:
    """The volunteers through the registry (as an admin enters them), deactivated when they left."""
    municipalities = {name: mid for mid, name in db.execute(select(Municipality.id, Municipality.name))}
    ids = []
    for carer in carers:
        volunteer = registry.create(db, draft=_draft(carer, municipalities), now=carer.joined_at)
        volunteer.consent_at = carer.joined_at
        if carer.left_at is not None:
            registry.deactivate(db, volunteer=volunteer, now=carer.left_at)
        ids.append(volunteer.id)
    return ids


def make_context(db: Session, carer_ids: list[int], carers: list[Carer], payment_days: int) -> rows.Context:
    """The ids, memberships and rates the history's rows refer to."""
    municipalities = {name: mid for mid, name in db.execute(select(Municipality.id, Municipality.name))}
    partners = db.execute(select(Partner.id, Partner.name, Partner.active_from, Partner.active_until)).all()
    employers = db.execute(select(Municipality.name, Municipality.partner_from, Municipality.partner_until)).all()
    coordinator = db.scalar(select(Staff.id).where(Staff.role == StaffRole.COORDINATOR).order_by(Staff.id))
    return rows.Context(
        counsellors=_counsellors(db), coordinator=coordinator or _counsellors(db)[0], carers=carer_ids,
        carer_names=[c.name for c in carers], municipalities=municipalities,
        partners={name: Membership(name, since, until) for _pid, name, since, until in partners},
        partner_ids={name: pid for pid, name, _since, _until in partners},
        employers={name: Membership(name, since, until) for name, since, until in employers},
        rates=tariffs.all_rates(db), payment_days=payment_days,
    )  # fmt: skip


def write_history(
    factory: sessionmaker[Session],
    *,
    first: date,
    last: date,
    targets: Targets,
    seed: int,
    payment_days: int = 14,
    progress: Callable[[int, int], None] | None = None,
) -> Written:
    """Plan the history and write it: volunteers first, then the stories in batches, the counters with the first."""
    with factory() as db:
        carers, months = plan_history(db, first=first, last=last, targets=targets, seed=seed)
        taken = {(scope, year): value for scope, year, value in
                 db.execute(select(YearlyCounter.scope, YearlyCounter.year, YearlyCounter.last_value))}  # fmt: skip
    numbered = moments.number(list(chain.from_iterable(months)), taken)
    with transaction(factory) as db:
        carer_ids = register_carers(db, carers)
        context = make_context(db, carer_ids, carers, payment_days)
        # The numbers of the whole history are taken at once: a run that breaks off leaves gaps, never a clash.
        moments.save_counters(db, taken)

    def work(db: Session, batch: Sequence[moments.Numbered]) -> int:
        return rows.write(db, batch, context)

    written = in_batches(factory, numbered, STORIES_PER_BATCH, work, progress)
    with transaction(factory) as db:
        rows.remember_assignments(db, numbered, carer_ids)
    return Written(len(numbered), sum(written), len(carers))
