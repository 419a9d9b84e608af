"""The rules of matching without a database: a job's needs, the reasons, the order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from casework.enums import JobKind
from volunteers.matching import rules
from volunteers.matching.rules import BERLIN, Candidate, Piece, VolunteerFacts
from volunteers.vocabulary import CertificateKind, Skill


def needs(start: datetime, end: datetime, kind: JobKind = JobKind.CHILD_CARE, requirements=()) -> rules.JobNeeds:
    return rules.needs_of(
        job_id=1,
        kind=kind,
        requirements=requirements,
        municipality_id=7,
        municipality="Laatzen",
        starts_at=start,
        ends_at=end,
    )


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_window_across_midnight_is_cut_into_one_piece_per_day():
    job = needs(berlin(2026, 11, 27, 22), berlin(2026, 11, 28, 2))
    assert job.pieces == (Piece(4, time(22), time(23, 59)), Piece(5, time(0), time(2)))
    assert (job.first_day, job.last_day) == (date(2026, 11, 27), date(2026, 11, 28))


def test_a_window_ending_at_midnight_stays_on_its_day():
    job = needs(berlin(2026, 11, 27, 20), berlin(2026, 11, 28, 0))
    assert job.pieces == (Piece(4, time(20), time(23, 59)),)
    assert job.last_day == date(2026, 11, 27)


def test_the_week_is_the_iso_week_of_the_local_start_in_utc():
    job = needs(berlin(2026, 11, 29, 10), berlin(2026, 11, 29, 12))
    assert job.week_starts_at == datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert job.week_ends_at == datetime(2026, 11, 29, 23, tzinfo=UTC)


def test_requirements_and_languages_become_skills_and_wished_languages():
    job = needs(
        berlin(2026, 11, 27, 8), berlin(2026, 11, 27, 9), JobKind.DRIVING, ["wheelchair_car", "lang:ar", "unknown"]
    )
    assert job.skills == (Skill.DRIVING, Skill.WHEELCHAIR)
    assert job.certificate is None
    assert job.languages == ("Arabisch",)


def test_a_job_without_municipality_cannot_be_matched():
    with pytest.raises(rules.JobNotMatchable, match="keine Kommune"):
        rules.needs_of(
            job_id=1,
            kind=JobKind.CHILD_CARE,
            requirements=[],
            municipality_id=None,
            municipality="",
            starts_at=berlin(2026, 11, 27, 8),
            ends_at=berlin(2026, 11, 27, 9),
        )


def test_a_volunteer_can_have_several_reasons_at_once():
    job = needs(berlin(2026, 11, 27, 14), berlin(2026, 11, 27, 17))
    volunteer = VolunteerFacts(
        is_active=False,
        has_consent=True,
        sms_opt_in=True,
        skills=frozenset({Skill.CHILD_CARE}),
        municipality_ids=frozenset({7}),
        slots=(rules.Slot(4, time(8), time(12)),),
        certificates=((CertificateKind.POLICE_CERTIFICATE, date(2026, 2, 3)),),
        max_jobs_per_week=1,
        jobs_that_week=1,
    )
    assert rules.exclusion_reasons(volunteer, job) == [
        "deaktiviert",
        "Führungszeugnis abgelaufen am 03.02.2026",
        "nicht verfügbar Fr 14:00–17:00",
        "Wochenmaximum 1 Einsatz erreicht",
    ]


def test_a_renewed_certificate_counts_and_the_old_one_does_not_matter():
    job = needs(berlin(2026, 11, 27, 14), berlin(2026, 11, 27, 17))
    volunteer = VolunteerFacts(
        is_active=True,
        has_consent=True,
        sms_opt_in=True,
        skills=frozenset({Skill.CHILD_CARE}),
        municipality_ids=frozenset({7}),
        slots=(rules.Slot(4, time(8), time(23, 59)),),
        certificates=(
            (CertificateKind.POLICE_CERTIFICATE, date(2026, 2, 3)),
            (CertificateKind.POLICE_CERTIFICATE, date(2031, 2, 3)),
        ),
    )
    assert rules.exclusion_reasons(volunteer, job) == []


def test_the_order_is_language_then_never_assigned_then_least_recent_then_first_aid():
    at = datetime(2026, 11, 1, tzinfo=UTC)
    recent = Candidate(1, "A", datetime(2026, 11, 20, tzinfo=UTC))
    old = Candidate(2, "B", at)
    old_with_first_aid = Candidate(3, "C", at, first_aid_until=date(2027, 1, 1))
    never = Candidate(4, "D", None)
    speaker = Candidate(5, "E", datetime(2026, 11, 25, tzinfo=UTC), languages=("Türkisch",))

    ordered = sorted([recent, old, old_with_first_aid, never, speaker], key=rules.sort_key)

    assert [c.volunteer_id for c in ordered] == [5, 4, 3, 2, 1]


def test_the_reason_line_names_skill_certificate_language_and_last_assignment():
    job = needs(berlin(2026, 11, 27, 14), berlin(2026, 11, 27, 17), requirements=["infant_care", "lang:tr"])
    candidate = Candidate(
        1,
        "A",
        datetime(2026, 11, 12, 9, tzinfo=UTC),
        certificate_until=date(2029, 2, 3),
        languages=("Türkisch",),
    )
    assert rules.reason_line(candidate, job) == (
        "Kinderbetreuung, Säuglingsbetreuung, Führungszeugnis bis 03.02.2029, spricht Türkisch, "
        "zuletzt im Einsatz am 12.11.2026"
    )
