"""The SQL of each figure and its pure rule agree on generated histories (seeded, so a failure repeats)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, NoCaseReason
from casework.jobs.models import CareJob
from reporting.statistics import rules
from reporting.statistics.rules import JobFacts, Span
from reporting.statistics.service import By, Scope, breakdown, totals
from tests.factories import make_volunteer
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
START = datetime(2025, 10, 1, tzinfo=UTC)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_pure_rules_count_the_same(db, seed):
    rng = random.Random(seed)
    volunteers = [make_volunteer(db) for _ in range(4)]
    cases: list[dict] = []
    for n in range(60):
        opened = START + timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        case = Case(
            number=f"T-{seed}-{n}",
            year=opened.year,
            seq=n,
            opened_at=opened,
            channel=rng.choice(list(CaseChannel)),
            status=rng.choice(list(CaseStatus)),
            created_at=opened,
            updated_at=opened,
        )
        db.add(case)
        db.flush()
        if cases and rng.random() < 0.1:
            case.merged_into_id = rng.choice(cases)["id"]
        reasons = [rng.choice([None, *NoCaseReason]) for _ in range(rng.randrange(0, 3))]
        for k, reason in enumerate(reasons):
            db.add(
                Call(
                    call_sid=f"CA{seed}-{n}-{k}",
                    case_id=case.id,
                    started_at=opened,
                    created_at=opened,
                    updated_at=opened,
                    no_case_reason=reason,
                )
            )
        facts, hours = [], []
        for k in range(rng.randrange(0, 3)):
            starts = opened + timedelta(hours=rng.randrange(1, 24 * 60))
            kind = rng.choice(list(JobKind))
            job = CareJob(
                case_id=case.id,
                kind=kind,
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                code=f"{k}",
                status=rng.choice(list(JobStatus)),
                created_at=opened,
                updated_at=opened,
            )
            db.add(job)
            db.flush()
            went = False
            for volunteer in rng.sample(volunteers, rng.randrange(0, 3)):
                status = rng.choice(list(AssignmentStatus))
                went = went or status != AssignmentStatus.RELEASED
                assignment = Assignment(job_id=job.id, volunteer_id=volunteer.id, status=status, assigned_at=opened)
                db.add(assignment)
                db.flush()
                for _ in range(rng.randrange(0, 2)):
                    h = Decimal(rng.randrange(1, 20)) / 4
                    report_status = rng.choice(list(HoursStatus))
                    db.add(
                        HoursReport(
                            assignment_id=assignment.id, hours=h, source="sms", status=report_status, reported_at=starts
                        )
                    )
                    hours.append((kind, report_status, h, starts))
            facts.append((JobFacts(kind, job.ends_at, job.status == JobStatus.CANCELLED, went), starts))
        cases.append(
            {
                "id": case.id,
                "opened": opened,
                "counts": rules.counts_as_counselling(
                    status=case.status,
                    channel=case.channel,
                    call_reasons=reasons,
                    merged=case.merged_into_id is not None,
                ),
                "jobs": facts,
                "hours": hours,
            }
        )
    db.commit()

    span = Span(date(2026, 1, 1), date(2026, 6, 30))
    scope = Scope(span, BERLIN, NOW)
    inside = [c for c in cases if span.contains(c["opened"], BERLIN)]
    sessions = [c for c in inside if c["counts"]]
    every_job = [(job, starts) for c in cases for job, starts in c["jobs"]]
    expected = {
        "counselling_sessions": len(sessions),
        "emergencies": sum(rules.is_emergency([j for j, _ in c["jobs"]], now=NOW) for c in sessions),
        "concrete_need_cases": sum(rules.has_concrete_need([j for j, _ in c["jobs"]]) for c in sessions),
        "driving_services": sum(rules.is_driving_service(j, now=NOW) for j, s in every_job if span.contains(s, BERLIN)),
        "care_hours": float(
            sum(
                (
                    h
                    for c in cases
                    for kind, status, h, s in c["hours"]
                    if rules.counts_as_care_hours(kind, status) and span.contains(s, BERLIN)
                ),
                Decimal(0),
            )
        ),
    }
    found = totals(db, scope).as_json()
    assert {key: found[key] for key in expected} == expected

    by_month: dict[str, int] = defaultdict(int)
    for c in sessions:
        by_month[f"{c['opened'].astimezone(BERLIN):%Y-%m}"] += 1
    rows = breakdown(db, scope, By.MONTH)
    assert {row.key: row.counselling_sessions for row in rows if row.counselling_sessions} == dict(by_month)
