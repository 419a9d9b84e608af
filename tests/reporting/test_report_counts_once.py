"""The page's report, which counts each figure once for all breakdowns (`service.figure_cells`), gives exactly the
totals and rows of the per-figure queries (`totals`, `breakdown`) on generated histories (seeded, so a failure
repeats): months across summer time, cases with no need or municipality, partner windows, merged cases, cases
closed without need with and without a real call, jobs of every kind and status, hours of every status."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, Need, NoCaseReason
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from reporting.statistics.months import report
from reporting.statistics.rules import Span
from reporting.statistics.service import BREAKDOWNS, By, Scope, breakdown, totals
from tests.factories import make_volunteer
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
SPANS = [
    Span(date(2025, 1, 1), date(2025, 12, 31)),  # one year
    Span(date(2015, 1, 1), date(2026, 11, 30)),  # all years
    Span(date(2026, 3, 20), date(2026, 4, 10)),  # across the change to summer time
    Span(date(2025, 10, 15), date(2026, 2, 20)),  # starting and ending mid-month, across the change back
    Span(date(2024, 2, 10), date(2025, 5, 20)),  # sharing months with its year before, and parts of one
]


def _moment(rng: random.Random) -> datetime:
    """Mostly any minute of 2024–2026; often close to a local month's start (where summer time matters)."""
    if rng.random() < 0.4:
        year, month = rng.choice([2024, 2025, 2026]), rng.randrange(1, 13)
        start = datetime(year, month, 1, tzinfo=BERLIN).astimezone(UTC)
        return start + timedelta(minutes=rng.choice([-150, -90, -61, -60, -30, -1, 0, 1, 30, 59, 60, 119, 120]))
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 3))


def _history(db, rng: random.Random) -> None:
    municipalities = db.scalars(select(Municipality).order_by(Municipality.id)).all()[:6]
    windows = [(date(2025, 3, 1), None), (date(2024, 6, 1), date(2025, 10, 31)), (date(2026, 4, 1), date(2026, 4, 1))]
    for municipality, (since, until) in zip(municipalities, windows, strict=False):
        municipality.partner_from, municipality.partner_until = since, until
    partners = [
        Partner(name="Leinewerke", active_from=date(2015, 3, 1), active_until=date(2025, 10, 31), employees=1_200),
        Partner(name="Bäckerei", active_from=date(2025, 3, 30), employees=85),
        Partner(name="Nie", active_from=date(2027, 1, 1), employees=3),
    ]
    db.add_all(partners)
    db.flush()
    volunteers = [make_volunteer(db) for _ in range(4)]
    cases: list[Case] = []
    for n in range(160):
        opened = _moment(rng)
        case = Case(
            number=f"R-{n}",
            year=opened.year,
            seq=n,
            opened_at=opened,
            channel=rng.choice(list(CaseChannel)),
            status=rng.choice([*CaseStatus, CaseStatus.CLOSED_NO_NEED, CaseStatus.CLOSED_NO_NEED]),
            need=rng.choice([None, *Need]),
            municipality_id=rng.choice([None, *(m.id for m in municipalities)]),
            partner_id=rng.choice([None, None, *(p.id for p in partners)]),
            created_at=opened,
            updated_at=opened,
        )
        db.add(case)
        db.flush()
        if cases and rng.random() < 0.1:
            case.merged_into_id = rng.choice(cases).id
        cases.append(case)
        for k in range(rng.randrange(0, 3)):
            db.add(
                Call(
                    call_sid=f"CA-{n}-{k}",
                    case_id=case.id,
                    started_at=opened,
                    created_at=opened,
                    updated_at=opened,
                    no_case_reason=rng.choice([None, *NoCaseReason]),
                )
            )
        for k in range(rng.randrange(0, 4)):
            starts = rng.choice([opened + timedelta(hours=rng.randrange(1, 24 * 60)), _moment(rng)])
            job = CareJob(
                case_id=case.id,
                kind=rng.choice(list(JobKind)),
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice([1, 3, 24 * 400])),
                code=f"{k}",
                status=rng.choice(list(JobStatus)),
                created_at=opened,
                updated_at=opened,
            )
            db.add(job)
            db.flush()
            for volunteer in rng.sample(volunteers, rng.randrange(0, 3)):
                assignment = Assignment(
                    job_id=job.id,
                    volunteer_id=volunteer.id,
                    status=rng.choice(list(AssignmentStatus)),
                    assigned_at=opened + timedelta(minutes=rng.randrange(1, 6000)),
                )
                db.add(assignment)
                db.flush()
                for _ in range(rng.randrange(0, 3)):
                    db.add(
                        HoursReport(
                            assignment_id=assignment.id,
                            hours=Decimal(rng.randrange(0, 40)) / 4,
                            source="sms",
                            status=rng.choice(list(HoursStatus)),
                            reported_at=starts,
                        )
                    )
    db.commit()


@pytest.mark.parametrize("seed", [1, 2])
def test_report_equals_the_figures_one_by_one(db, seed):
    _history(db, random.Random(seed))
    for span in SPANS:
        scope = Scope(span, BERLIN, NOW)
        found = report(db, scope, day=span.last)
        assert found.totals == totals(db, scope), span
        assert found.year_before == totals(db, scope.year_before()), span
        assert list(found.breakdowns) == list(BREAKDOWNS)
        for by in BREAKDOWNS:
            assert found.breakdowns[by] == breakdown(db, scope, by), (span, by)
    # The history is rich enough to mean something: every breakdown has rows with figures in them.
    rich = report(db, Scope(SPANS[1], BERLIN, NOW), day=SPANS[1].last)
    assert rich.totals.emergencies and rich.totals.driving_services and rich.totals.care_hours
    for by in BREAKDOWNS:
        assert any(row.counselling_sessions for row in rich.breakdowns[by]), by
    assert any(row.key is None for row in rich.breakdowns[By.NEED])
    assert any(row.key is None for row in rich.breakdowns[By.MUNICIPALITY])
