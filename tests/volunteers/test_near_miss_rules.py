"""Near misses and distance without a database (issue 21, point 6): who fails on exactly one rule staff could
bend by asking, and the order of the candidates by distance within the Region Hannover."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from casework.enums import JobKind, Requirement
from volunteers.matching import rules
from volunteers.matching.rules import BERLIN, Candidate, MissKind, NearMiss, Slot, VolunteerFacts
from volunteers.vocabulary import CertificateKind, Skill

LAATZEN, HEMMINGEN, SEHNDE, WUNSTORF = 7, 8, 9, 20
NAMES = {LAATZEN: "Laatzen", HEMMINGEN: "Hemmingen", SEHNDE: "Sehnde", WUNSTORF: "Wunstorf"}
FRIDAY = 4


def needs(kind: JobKind = JobKind.CHILD_CARE, requirements=()) -> rules.JobNeeds:
    """Friday 27.11.2026, 14:00–17:00 in Laatzen, whose neighbours here are Hemmingen and Sehnde."""
    return rules.needs_of(
        job_id=1, kind=kind, requirements=requirements, municipality_id=LAATZEN, municipality="Laatzen",
        starts_at=datetime(2026, 11, 27, 14, tzinfo=BERLIN), ends_at=datetime(2026, 11, 27, 17, tzinfo=BERLIN),
        neighbour_ids=[HEMMINGEN, SEHNDE, LAATZEN],
    )  # fmt: skip


def facts(**overrides) -> VolunteerFacts:
    """A volunteer who fits the job."""
    values = {
        "is_active": True,
        "has_consent": True,
        "sms_opt_in": True,
        "skills": frozenset({Skill.CHILD_CARE}),
        "municipality_ids": frozenset({LAATZEN}),
        "slots": (Slot(FRIDAY, time(8), time(18)),),
        "certificates": ((CertificateKind.POLICE_CERTIFICATE, date(2029, 2, 3)),),
    }
    values.update(overrides)
    return VolunteerFacts(**values)


def miss(volunteer: VolunteerFacts, job: rules.JobNeeds | None = None) -> rules.Miss | None:
    return rules.near_miss(volunteer, job or needs(), area_names=NAMES)


def test_the_job_itself_is_not_its_own_neighbour():
    assert needs().neighbour_ids == frozenset({HEMMINGEN, SEHNDE})


def test_someone_who_fits_is_no_near_miss():
    assert rules.exclusion_reasons(facts(), needs()) == []
    assert miss(facts()) is None


def test_only_the_weekly_slot_missing_is_a_time_near_miss():
    found = miss(facts(slots=(Slot(FRIDAY, time(8), time(12)),)))
    assert found == rules.Miss(MissKind.TIME, "nicht verfügbar Fr 14:00–17:00")
    assert found.kind.label == "Zeit"


def test_an_absence_alone_is_a_time_near_miss():
    found = miss(facts(absences=((date(2026, 11, 23), date(2026, 11, 29)),)))
    assert found == rules.Miss(MissKind.TIME, "abwesend bis 29.11.2026")


def test_slot_and_absence_together_are_still_one_rule_the_time_window():
    found = miss(facts(slots=(), absences=((date(2026, 11, 27), date(2026, 11, 27)),)))
    assert found is not None and found.kind is MissKind.TIME
    assert found.reason == "nicht verfügbar Fr 14:00–17:00, abwesend bis 27.11.2026"


def test_going_only_to_a_neighbouring_municipality_is_an_area_near_miss():
    found = miss(facts(municipality_ids=frozenset({SEHNDE, HEMMINGEN})))
    assert found == rules.Miss(MissKind.AREA, "fährt nur in die Nachbarkommunen Hemmingen, Sehnde, nicht nach Laatzen")
    assert miss(facts(municipality_ids=frozenset({SEHNDE}))).reason == (
        "fährt nur in die Nachbarkommune Sehnde, nicht nach Laatzen"
    )


def test_going_only_further_away_is_no_near_miss():
    assert miss(facts(municipality_ids=frozenset({WUNSTORF}))) is None


def test_a_certificate_expired_within_three_months_is_a_near_miss_older_or_none_is_not():
    recent = ((CertificateKind.POLICE_CERTIFICATE, date(2026, 10, 31)),)
    assert miss(facts(certificates=recent)) == rules.Miss(
        MissKind.CERTIFICATE, "Führungszeugnis abgelaufen am 31.10.2026"
    )
    edge = date(2026, 11, 27) - rules.CERTIFICATE_GRACE
    assert miss(facts(certificates=((CertificateKind.POLICE_CERTIFICATE, edge),))) is not None
    too_old = ((CertificateKind.POLICE_CERTIFICATE, edge - timedelta(days=1)),)
    assert miss(facts(certificates=too_old)) is None
    assert miss(facts(certificates=())) is None


def test_one_missing_skill_is_a_near_miss_two_are_not():
    job = needs(requirements=[Requirement.INFANT_CARE.value])
    assert miss(facts(), job) == rules.Miss(MissKind.SKILL, "ohne Säuglingsbetreuung")
    assert miss(facts(skills=frozenset()), job) is None


def test_failing_two_bendable_rules_is_no_near_miss():
    both = facts(slots=(), municipality_ids=frozenset({SEHNDE}))
    assert miss(both) is None


@pytest.mark.parametrize(
    "hard",
    [
        {"is_active": False},
        {"sms_opt_in": False},
        {"has_consent": False},
        {"busy": ((datetime(2026, 11, 27, 12, tzinfo=UTC), datetime(2026, 11, 27, 15, tzinfo=UTC)),)},
        {"max_jobs_per_week": 1, "jobs_that_week": 1},
        {"this_job": "assigned"},
        {"this_job": "released"},
        {"offered": True},
    ],
)
def test_a_rule_that_cannot_be_bent_is_never_a_near_miss(hard):
    """Busy at that time above all: asking them directly would book them twice."""
    assert miss(facts(slots=(), **hard)) is None


def test_the_adjacency_table_is_symmetric_and_knows_all_21_municipalities():
    names = {name for pair in rules.NEIGHBOURS for name in pair}
    assert len(names) == 21
    assert all(a != b for a, b in rules.NEIGHBOURS)
    assert len(set(map(frozenset, rules.NEIGHBOURS))) == len(rules.NEIGHBOURS), "a pair listed twice"
    for name in names:
        assert all(name in rules.neighbours_of(other) for other in rules.neighbours_of(name))
    assert rules.neighbours_of("Laatzen") == {"Hannover", "Sehnde", "Hemmingen", "Pattensen"}
    assert "Wunstorf" not in rules.neighbours_of("Hannover")
    assert rules.neighbours_of("Celle") == frozenset()


def test_distance_band_only_there_then_with_neighbours_then_further():
    job = needs()
    assert rules.distance_band({LAATZEN}, job) == 0
    assert rules.distance_band({LAATZEN, SEHNDE}, job) == 1
    assert rules.distance_band({LAATZEN, SEHNDE, WUNSTORF}, job) == 2


def test_candidates_are_ordered_by_distance_then_by_fairness_within_each_band():
    long_ago, lately = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    far_never = Candidate(1, "Anna", None, distance_band=2)
    near_lately = Candidate(2, "Berta", lately, distance_band=0)
    near_long_ago = Candidate(3, "Cem", long_ago, distance_band=0)
    neighbour_never = Candidate(4, "Dana", None, distance_band=1)
    ranked = sorted([far_never, near_lately, near_long_ago, neighbour_never], key=rules.sort_key)
    assert [c.name for c in ranked] == ["Cem", "Berta", "Dana", "Anna"]


def test_the_familys_language_still_comes_before_distance():
    speaker = Candidate(1, "Ece", None, languages=("Türkisch",), distance_band=2)
    near = Candidate(2, "Finn", None, distance_band=0)
    assert sorted([near, speaker], key=rules.sort_key)[0] is speaker


def test_near_misses_are_ordered_nearest_first_area_misses_after_those_who_go_there():
    time_miss = rules.Miss(MissKind.TIME, "…")
    area_miss = rules.Miss(MissKind.AREA, "…")
    lately = datetime(2026, 11, 1, tzinfo=UTC)
    found = [
        NearMiss(1, "Anna", area_miss, 1, None),
        NearMiss(2, "Berta", time_miss, 0, lately),
        NearMiss(3, "Cem", time_miss, 0, None),
        NearMiss(4, "Dana", time_miss, 2, None),
    ]
    assert [n.name for n in sorted(found, key=rules.near_miss_key)] == ["Cem", "Berta", "Anna", "Dana"]
