"""The carer's briefing: what of the people cared for goes into the confirmation SMS, and what never does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from casework.cases.models import CarePerson
from casework.enums import JobKind
from core import audit
from messaging.models import Message
from tests.factories import make_staff
from tests.volunteers.builders import offered_job
from volunteers.assignments import service as assignments
from volunteers.assignments.rules import (
    PERSONS_NAMED,
    REMINDER_HOUR,
    SPECIAL_CHARS,
    PersonFacts,
    carer_briefing,
)
from volunteers.outreach import texts
from volunteers.outreach.rules import is_gsm7, sms_segments

DIAGNOSIS = "Mutter nach Chemotherapie (Brustkrebs), Vater depressiv, Kind mit ADHS"
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
END = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def confirmation(persons: str) -> str:
    return texts.assigned(
        JobKind.CHILD_CARE.label, START, END, "Hildesheimer Straße 123a, 30880 Laatzen", "Frau Meier",
        "0170 1234567", "4821", persons=persons,
    )  # fmt: skip


def test_names_ages_and_allergies_go_in_in_the_order_of_the_case():
    persons = [PersonFacts("Mia", "4 J.", "Nussallergie, Notfallset im Rucksack"), PersonFacts("Ben", "8 Mon.")]

    assert carer_briefing(persons) == "Für: Mia (4 J., Nussallergie, Notfallset im Rucksack), Ben (8 Mon.)."


def test_the_need_description_with_a_diagnosis_never_goes_in():
    persons = [PersonFacts("Mia", "4 J.", "Laktoseintoleranz", need_description=DIAGNOSIS)]

    briefing = carer_briefing(persons)
    sms = confirmation(briefing)

    assert "Laktoseintoleranz" in sms and "Mia (4 J." in sms
    for word in ("Chemotherapie", "Brustkrebs", "depressiv", "ADHS", "Mutter"):
        assert word not in sms


def test_nobody_recorded_says_nothing_and_the_sms_is_as_before():
    assert carer_briefing([]) == ""
    assert "Für:" not in confirmation("")
    assert "Laatzen. Kontakt: Frau Meier, 0170 1234567." in confirmation("")


def test_a_person_without_age_or_special_requirements_is_named_alone():
    assert carer_briefing([PersonFacts("K. M.")]) == "Für: K. M."
    assert carer_briefing([PersonFacts("  ", "3 J.")]) == "Für: Person (3 J.)."


def test_long_special_requirements_are_cut_at_a_word_and_marked():
    long = "Allergie gegen Erdnüsse, Haselnüsse und Sesam; EpiPen liegt in der Küche oben links neben dem Kühlschrank"
    briefing = carer_briefing([PersonFacts("Mia", "4 J.", long)])

    inside = briefing.removeprefix("Für: Mia (4 J., ").removesuffix(").")
    assert inside.endswith("...") and len(inside) <= SPECIAL_CHARS
    assert long.startswith(inside.removesuffix("..."))


def test_more_than_four_people_are_counted_not_listed():
    persons = [PersonFacts(name, "5 J.") for name in ("Ali", "Ben", "Cem", "Dana", "Ela", "Finn")]

    briefing = carer_briefing(persons)

    assert briefing == "Für: Ali (5 J.), Ben (5 J.), Cem (5 J.), Dana (5 J.) und 2 weitere."
    assert PERSONS_NAMED == 4


def test_line_breaks_and_typographic_dashes_typed_by_staff_stay_gsm7_on_one_line():
    briefing = carer_briefing([PersonFacts("Mia", "4 J.", "Keine Milch –\nnur Hafermilch „Oatly“")])

    assert briefing == 'Für: Mia (4 J., Keine Milch - nur Hafermilch "Oatly").'
    assert is_gsm7(briefing)


def test_the_sms_stays_reasonable_even_with_four_long_allergies_and_long_names():
    long = "Allergie gegen Erdnüsse, Haselnüsse, Sesam, Kiwi und Penicillin; Notfallset im Flur, Anleitung liegt bei"
    persons = [PersonFacts(f"Maximiliane-Sophie {n}", "10 J.", long, DIAGNOSIS) for n in range(6)]

    sms = confirmation(carer_briefing(persons))

    assert is_gsm7(sms)
    assert sms_segments(sms) <= 4, (len(sms), sms)
    assert "und 2 weitere" in sms and "ABSAGE 4821" in sms and "STUNDEN 4821" in sms


def test_a_typical_family_fits_three_segments():
    persons = [PersonFacts("Mia", "4 J.", "Nussallergie"), PersonFacts("Ben", "8 Mon.", "Fläschchen alle 3 Std.")]

    assert sms_segments(confirmation(carer_briefing(persons))) <= 3


def test_the_confirmation_sent_on_assignment_names_the_children_and_their_allergies_but_no_diagnosis(db, clock):
    job, (volunteer,) = offered_job(db)
    db.add_all([
        CarePerson(case_id=job.case_id, label="Mia", age_years=4, need_description=DIAGNOSIS,
                   special_requirements="Nussallergie"),
        CarePerson(case_id=job.case_id, label="Ben", age_years=0, age_months=8),
    ])  # fmt: skip
    job.notes = "Vater ist in der Psychiatrie, bitte nicht ansprechen"
    db.commit()
    actor = audit.Actor(staff_id=make_staff(db).id, ip=None, now=clock())

    assignments.assign_by_hand(db, job=job, volunteer=volunteer, actor=actor, reminder_hour=REMINDER_HOUR)
    db.commit()

    [sms] = db.scalars(select(Message.body).where(Message.to_number == volunteer.phone)).all()
    assert "Für: Mia (4 J., Nussallergie), Ben (8 Mon.)." in sms
    assert "Chemotherapie" not in sms and "Psychiatrie" not in sms and "ADHS" not in sms
