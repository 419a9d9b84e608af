"""Matching in the database: one query finds and ranks the volunteers who can take a job.

The volunteers come from the job's municipality, read by the index on (municipality_id, volunteer_id); every other
hard rule of `rules.exclusion_reasons` is an EXISTS / NOT EXISTS probe on one volunteer's rows, each reached by
an index that starts with `volunteer_id` (or by the unique (job_id, volunteer_id) of offers and assignments),
and so is the distance band the order needs; the job's own values (skills, municipality, per-day pieces of the
window, week bounds) are bound as parameters. So the database never hands more than the ranked candidates to
Python, and the plan stays index-driven at 100,000 volunteers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.matching import rules
from volunteers.matching.rules import BERLIN, Candidate, JobNeeds, Slot, VolunteerFacts
from volunteers.outreach.models import Offer
from volunteers.registry import service as registry
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
    VolunteerSkill,
)
from volunteers.vocabulary import CertificateKind

DEFAULT_LIMIT = 50


def needs_for(db: Session, job: CareJob, zone: ZoneInfo = BERLIN) -> JobNeeds:
    """The job's needs (rules.needs_of); raises rules.JobNotMatchable without a municipality."""
    municipality = db.get(Municipality, job.municipality_id) if job.municipality_id is not None else None
    near = rules.neighbours_of(municipality.name) if municipality else frozenset()
    neighbour_ids = db.scalars(select(Municipality.id).where(Municipality.name.in_(near))).all() if near else []
    return rules.needs_of(
        job_id=job.id,
        kind=job.kind,
        requirements=job.requirements or [],
        municipality_id=job.municipality_id,
        municipality=municipality.name if municipality else "",
        starts_at=job.starts_at,
        ends_at=job.ends_at,
        zone=zone,
        neighbour_ids=neighbour_ids,
    )


def rank(db: Session, job: CareJob, *, limit: int | None = DEFAULT_LIMIT, zone: ZoneInfo = BERLIN) -> list[Candidate]:
    """The volunteers who can be offered the job, best first (rules.RANK_ORDER), at most `limit`."""
    return rank_for(db, needs_for(db, job, zone), limit=limit)


def rank_for(db: Session, needs: JobNeeds, *, limit: int | None = DEFAULT_LIMIT) -> list[Candidate]:
    """rank() for needs already worked out: exactly one SQL statement."""
    query = candidate_query(needs, dialect=_dialect(db))
    if limit is not None:
        query = query.limit(limit)
    return [
        Candidate(
            volunteer_id=row.id,
            name=row.name,
            last_assigned_at=row.last_assigned_at,
            certificate_until=row.certificate_until,
            first_aid_until=row.first_aid_until,
            languages=tuple(language for language in needs.languages if language in (row.languages or "").split("\n")),
            distance_band=row.distance_band,
        )
        for row in db.execute(query)
    ]


def count_for(db: Session, needs: JobNeeds) -> int:
    """How many volunteers can be offered the job (those rank_for() would list without a limit): one SQL
    COUNT over the same hard filters, so the job page shows the true number without loading the rows."""
    return db.scalar(select(func.count()).select_from(Volunteer).where(*hard_filters(needs, dialect=_dialect(db)))) or 0


def reasons(candidates: list[Candidate], needs: JobNeeds, zone: ZoneInfo = BERLIN) -> list[tuple[Candidate, str]]:
    """Each candidate with the German line that says why they rank where they do."""
    return [(candidate, rules.reason_line(candidate, needs, zone)) for candidate in candidates]


def candidate_query(needs: JobNeeds, *, dialect: str = "sqlite") -> Select[Any]:
    v = Volunteer
    certificate_until = _latest_certificate(needs.certificate, None) if needs.certificate else literal(None)
    first_aid_until = _latest_certificate(CertificateKind.FIRST_AID, needs.last_day)
    spoken = _spoken_languages(needs.languages)
    band = _distance_band(needs)
    columns = {
        "language_matches": func.coalesce(_count_languages(needs.languages), 0),
        "distance_band": band,
        "never_assigned": case((v.last_assigned_at.is_(None), 1), else_=0),
        "last_assigned_at": v.last_assigned_at,
        "has_first_aid": case((first_aid_until.is_(None), 0), else_=1),
        "volunteer_id": v.id,
    }
    order = [
        columns[name].desc() if direction == "desc" else columns[name].asc() for name, direction in rules.RANK_ORDER
    ]
    return (
        select(
            v.id,
            v.name,
            v.last_assigned_at,
            certificate_until.label("certificate_until"),
            first_aid_until.label("first_aid_until"),
            spoken.label("languages"),
            band.label("distance_band"),
        )
        .where(*hard_filters(needs, dialect=dialect))
        .order_by(*order)
    )


def _distance_band(needs: JobNeeds) -> Any:
    """rules.distance_band in SQL: 0, 1 or 2 from the municipalities the volunteer goes to, as the largest band of
    any one of them (the job's municipality 0, a neighbour 1, any other 2; none at all 0). One probe of the
    volunteer's areas by `volunteer_id`: two NOT EXISTS, one of them with NOT IN, let PostgreSQL read the whole
    area table into a hash for every ranking."""
    area = VolunteerArea.municipality_id
    neighbours = needs.neighbour_ids - {needs.municipality_id}
    each = case(
        (area == needs.municipality_id, 0),
        *([(area.in_(sorted(neighbours)), 1)] if neighbours else []),
        else_=2,
    )
    largest = select(func.max(each)).where(VolunteerArea.volunteer_id == Volunteer.id).scalar_subquery()
    return func.coalesce(largest, 0)


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def hard_filters(needs: JobNeeds, *, dialect: str = "sqlite") -> list[ColumnElement[bool]]:
    """The SQL of rules.exclusion_reasons: a volunteer passes all of these exactly when it gives none.

    Their order is for the database's sake (the result is the same). SQLite probes them per volunteer as written, so
    the rules few volunteers pass (skills, weekly slots, certificate) come first and the rest run for a few hundred
    volunteers, not for all of the municipality's. PostgreSQL plans the probes as semi- and anti-joins, and with
    more of them than `from_collapse_limit` (8) in groups as written: with the rules nearly all pass first it
    hashes the skills and probes slots and certificates by index; with the skills, slots and certificate first
    it read and hashed the whole slot and certificate tables (100,000 volunteers: about 50 ms against 90 ms)."""
    v = Volunteer
    # IN, not EXISTS: the databases start from the volunteers of the job's municipality (the index on
    # (municipality_id, volunteer_id)); with EXISTS, SQLite probed every volunteer.
    here = v.id.in_(select(VolunteerArea.volunteer_id).where(VolunteerArea.municipality_id == needs.municipality_id))
    few_pass: list[ColumnElement[bool]] = [
        exists().where(VolunteerSkill.volunteer_id == v.id, VolunteerSkill.skill == skill) for skill in needs.skills
    ]
    few_pass += [
        exists().where(
            VolunteerAvailability.volunteer_id == v.id,
            VolunteerAvailability.weekday == piece.weekday,
            VolunteerAvailability.start_time <= piece.start,
            VolunteerAvailability.end_time >= piece.end,
        )
        for piece in needs.pieces
    ]
    if needs.certificate is not None:
        few_pass.append(
            exists().where(
                VolunteerCertificate.volunteer_id == v.id,
                VolunteerCertificate.kind == needs.certificate,
                VolunteerCertificate.valid_until >= needs.last_day,
            )
        )
    most_pass = [
        ~exists().where(
            VolunteerAbsence.volunteer_id == v.id,
            VolunteerAbsence.ends_on >= needs.first_day,
            VolunteerAbsence.starts_on <= needs.last_day,
        ),
        *_unbendable_filters(needs),
    ]
    if dialect == "postgresql":
        return [here, *most_pass, *few_pass]
    return [here, *few_pass, *most_pass]


def _unbendable_filters(needs: JobNeeds) -> list[ColumnElement[bool]]:
    """The rules no near miss may fail (rules.near_miss): active, SMS allowed, not asked or assigned for this job,
    free at that time, under their weekly maximum."""
    v = Volunteer
    return [
        v.is_active.is_(True),
        v.sms_opt_in.is_(True),
        v.consent_at.is_not(None),
        ~exists().where(Offer.volunteer_id == v.id, Offer.job_id == needs.job_id),
        ~exists().where(Assignment.volunteer_id == v.id, Assignment.job_id == needs.job_id),
        ~select(Assignment.id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(
            Assignment.volunteer_id == v.id,
            Assignment.status == AssignmentStatus.ACTIVE,
            CareJob.starts_at < needs.ends_at,
            CareJob.ends_at > needs.starts_at,
        )
        .exists(),
        or_(v.max_jobs_per_week.is_(None), _jobs_that_week(needs) < v.max_jobs_per_week),
    ]


def _jobs_that_week(needs: JobNeeds) -> Any:
    """Assignments (not released) to other jobs that start in the job's ISO week: done ones count too."""
    return (
        select(func.count())
        .select_from(Assignment)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(
            Assignment.volunteer_id == Volunteer.id,
            Assignment.status != AssignmentStatus.RELEASED,
            Assignment.job_id != needs.job_id,
            CareJob.starts_at >= needs.week_starts_at,
            CareJob.starts_at < needs.week_ends_at,
        )
        .scalar_subquery()
    )


def _latest_certificate(kind: CertificateKind, valid_on: date | None) -> Any:
    conditions = [VolunteerCertificate.volunteer_id == Volunteer.id, VolunteerCertificate.kind == kind]
    if valid_on is not None:
        conditions.append(VolunteerCertificate.valid_until >= valid_on)
    return select(func.max(VolunteerCertificate.valid_until)).where(*conditions).scalar_subquery()


def _language_rows(languages: tuple[str, ...]) -> ColumnElement[bool]:
    return and_(VolunteerLanguage.volunteer_id == Volunteer.id, VolunteerLanguage.language.in_(languages))


def _count_languages(languages: tuple[str, ...]) -> Any:
    if not languages:
        return literal(0)
    return select(func.count()).where(_language_rows(languages)).scalar_subquery()


def _spoken_languages(languages: tuple[str, ...]) -> Any:
    """The wanted languages the volunteer speaks, joined by newlines (NULL when the job wants none)."""
    if not languages:
        return literal(None)
    return (
        select(func.aggregate_strings(VolunteerLanguage.language, "\n"))
        .where(_language_rows(languages))
        .scalar_subquery()
    )


def explain(db: Session, volunteer: Volunteer, job: CareJob, *, zone: ZoneInfo = BERLIN) -> list[str]:
    """Why this volunteer cannot be offered the job, in German (rules.exclusion_reasons); empty if they can.
    The volunteer comes with their rows loaded (`volunteers.registry.service.with_rows`), as for `facts_of`."""
    needs = needs_for(db, job, zone)
    return rules.exclusion_reasons(facts_of(db, volunteer, needs), needs, zone)


def facts_of(db: Session, volunteer: Volunteer, needs: JobNeeds) -> VolunteerFacts:
    """What matching looks at for one volunteer: their rows (skills, areas, slots, absences, certificates), loaded
    with them by the caller (`volunteers.registry.service.with_rows`), and a few small queries on their jobs."""
    others = (
        select(CareJob.starts_at, CareJob.ends_at, Assignment.status)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id == volunteer.id, Assignment.job_id != needs.job_id)
    )
    busy, that_week = [], 0
    for starts_at, ends_at, status in db.execute(others):
        if status == AssignmentStatus.ACTIVE and rules.overlaps(starts_at, ends_at, needs):
            busy.append((starts_at, ends_at))
        if status != AssignmentStatus.RELEASED and needs.week_starts_at <= starts_at < needs.week_ends_at:
            that_week += 1
    this_job = db.scalar(
        select(Assignment.status).where(Assignment.volunteer_id == volunteer.id, Assignment.job_id == needs.job_id)
    )
    offered = db.scalar(select(exists().where(Offer.volunteer_id == volunteer.id, Offer.job_id == needs.job_id)))
    return replace(
        _row_facts(volunteer),
        jobs_that_week=that_week,
        busy=tuple(busy),
        offered=bool(offered),
        this_job=None if this_job is None else ("released" if this_job == AssignmentStatus.RELEASED else "assigned"),
    )


NEAR_MISS_SCAN = 200  # volunteers looked at for near misses, nearest and fairest first


def near_misses(
    db: Session,
    needs: JobNeeds,
    *,
    limit: int = rules.NEAR_MISSES_SHOWN,
    scan: int = NEAR_MISS_SCAN,
    zone: ZoneInfo = BERLIN,
) -> list[rules.NearMiss]:
    """Who fails the job on exactly one rule staff could bend by asking (rules.near_miss), nearest first, at most
    `limit`. Bounded: one query reads at most `scan` volunteers with their rows, who go to the job's municipality
    or a neighbour and pass the rules no near miss may fail (so their facts need no further queries)."""
    near = {needs.municipality_id} | needs.neighbour_ids
    query = (
        select(Volunteer)
        .where(
            *_unbendable_filters(needs),
            exists().where(VolunteerArea.volunteer_id == Volunteer.id, VolunteerArea.municipality_id.in_(near)),
        )
        .order_by(
            _distance_band(needs).asc(),
            case((Volunteer.last_assigned_at.is_(None), 0), else_=1),
            Volunteer.last_assigned_at.asc(),
            Volunteer.id.asc(),
        )
        .limit(scan)
    )
    names = {
        row.id: row.name
        for row in db.execute(select(Municipality.id, Municipality.name).where(Municipality.id.in_(near)))
    }
    found: list[rules.NearMiss] = []
    for volunteer in db.scalars(registry.with_rows(query)):
        facts = _row_facts(volunteer)
        miss = rules.near_miss(facts, needs, area_names=names, zone=zone)
        if miss is not None:
            band = rules.distance_band(facts.municipality_ids, needs)
            found.append(rules.NearMiss(volunteer.id, volunteer.name, miss, band, volunteer.last_assigned_at))
    return sorted(found, key=rules.near_miss_key)[:limit]


def _row_facts(volunteer: Volunteer) -> VolunteerFacts:
    """A volunteer's own rows as matching sees them; their jobs are left out (the caller's query checked those)."""
    return VolunteerFacts(
        is_active=volunteer.is_active,
        has_consent=volunteer.consent_at is not None,
        sms_opt_in=volunteer.sms_opt_in,
        skills=frozenset(volunteer.skills),
        municipality_ids=frozenset(area.municipality_id for area in volunteer.areas),
        slots=tuple(Slot(s.weekday, s.start_time, s.end_time) for s in volunteer.availability),
        absences=tuple((a.starts_on, a.ends_on) for a in volunteer.absences),
        certificates=tuple((c.kind, c.valid_until) for c in volunteer.certificates),
        max_jobs_per_week=volunteer.max_jobs_per_week,
    )
