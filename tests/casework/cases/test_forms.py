from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from casework.cases.forms import FormInvalid, parse_case_form
from casework.enums import Affiliation, JobKind
from casework.jobs.forms import describe_requirements, parse_job_form

BERLIN = ZoneInfo("Europe/Berlin")


def case_form(**fields):
    return parse_case_form(fields, zone=BERLIN, municipality_ids={1, 2}, partner_ids={5})


def test_a_valid_case_form_gives_clean_values_in_utc():
    details = case_form(
        caller_name=" Lena   Müller ",
        caller_phone="0511 1234567",
        need="child_care",
        municipality_id="1",
        affiliation="partner_company",
        partner_id="5",
        consent="1",
        **{
            "person-0-label": "M.",
            "person-0-age": "4",
            "window-0-start": "2026-11-27T07:30",
            "window-0-end": "27.11.2026 16:00",
        },
    )
    assert details.caller_name == "Lena Müller" and details.caller_phone == "+495111234567"
    assert details.affiliation == Affiliation.PARTNER_COMPANY and details.partner_id == 5
    assert details.persons[0].age_years == 4
    assert details.windows[0].starts_at.astimezone(UTC) == datetime(2026, 11, 27, 6, 30, tzinfo=UTC)


def test_mistakes_get_german_messages_per_field():
    with pytest.raises(FormInvalid) as caught:
        case_form(
            caller_phone="12",
            affiliation="partner_company",
            municipality_id="99",
            **{
                "person-0-age": "vier",
                "window-0-start": "2026-11-27T16:00",
                "window-0-end": "2026-11-27T08:00",
            },
        )
    errors = caught.value.errors
    assert "keine gültige Telefonnummer" in errors["caller_phone"]
    assert errors["partner_id"].startswith("Bitte den Partnerbetrieb")
    assert errors["municipality_id"] == "Bitte eine Kommune aus der Liste wählen."
    assert errors["person-0-label"].startswith("Bitte Vorname")
    assert "Alter" in errors["person-0-age"]
    assert errors["window-0-end"].startswith("Das Ende liegt vor dem Beginn")


def test_a_job_needs_kind_start_end_and_municipality():
    with pytest.raises(FormInvalid) as caught:
        parse_job_form({}, requirements=[], languages=[], zone=BERLIN, municipality_ids={1})
    assert set(caught.value.errors) == {"kind", "starts_at", "municipality_id"}


def test_a_job_keeps_known_requirements_and_languages_in_order():
    job = parse_job_form(
        {
            "kind": "child_care",
            "starts_at": "2026-11-27T08:00",
            "ends_at": "2026-11-27T12:00",
            "municipality_id": "1",
            "carers_needed": "2",
        },
        requirements=["wheelchair_car", "infant_care", "flying"],
        languages=["tr", "xx"],
        zone=BERLIN,
        municipality_ids={1},
    )
    assert job.kind == JobKind.CHILD_CARE and job.carers_needed == 2
    assert job.requirements == ["infant_care", "wheelchair_car", "lang:tr"]
    assert describe_requirements(job.requirements)[-1] == "Sprache: Türkisch"


def test_a_job_longer_than_two_weeks_is_refused():
    with pytest.raises(FormInvalid) as caught:
        parse_job_form(
            {
                "kind": "driving",
                "starts_at": "2026-11-27T08:00",
                "ends_at": "2026-12-27T08:00",
                "municipality_id": "1",
            },
            requirements=[],
            languages=[],
            zone=BERLIN,
            municipality_ids={1},
        )
    assert "höchstens 14 Tage" in caught.value.errors["ends_at"]


def test_a_time_that_the_clocks_skip_is_refused():
    from zoneinfo import ZoneInfo

    import pytest

    from casework.cases.forms import parse_local

    berlin = ZoneInfo("Europe/Berlin")
    with pytest.raises(ValueError, match="wegen der Zeitumstellung nicht"):
        parse_local("29.03.2026 02:30", berlin)
    assert parse_local("29.03.2026 03:30", berlin).utcoffset().total_seconds() == 7200


def test_a_student_needs_the_semester_the_status_is_valid_for_and_every_eligibility_fact_is_kept():
    with pytest.raises(FormInvalid) as refused:
        case_form(affiliation="student")
    assert refused.value.errors["student_semester"].startswith("Bitte das Semester angeben")
    with pytest.raises(FormInvalid) as unreadable:
        case_form(affiliation="student", student_semester="Herbst 2026")
    assert "ist kein Semester" in unreadable.value.errors["student_semester"]
    details = case_form(affiliation="partner_company", partner_id="5", student_semester="SoSe 2027",
                     employer_name="Bäckerei Müller")  # fmt: skip
    assert (details.partner_id, details.student_semester, details.employer_name) == (5, "SoSe 2027", "Bäckerei Müller")
