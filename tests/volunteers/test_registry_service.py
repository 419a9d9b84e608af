"""The registry service: volunteers from forms and files, refused duplicates, export that imports again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from tests.factories import make_volunteer
from volunteers.registry import service as registry
from volunteers.registry.drafts import ImportPreview
from volunteers.registry.importing import read_table
from volunteers.registry.models import Volunteer, VolunteerSkill
from volunteers.registry.rules import validate_rows
from volunteers.vocabulary import CertificateKind, Skill

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
TODAY = date(2026, 11, 28)


def form(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Anna Müller",
        "phone": "0176 1234 5678",
        "skills": "Kinder, Babys",
        "languages": "Deutsch, Türkisch",
        "municipalities": "Laatzen, Hannover",
        "availability": "Mo-Fr 08:00-13:00; Sa 09-12 Uhr",
        "police_certificate": "03.02.2024",
        "first_aid": "15.06.2025",
        "max_jobs_per_week": "2",
        "sms_consent": "ja",
        "notes": "Hat einen Hund.",
    }
    values.update(overrides)
    return values


def draft(db, **overrides: str):
    return registry.draft_from_form(form(**overrides), registry.municipality_ids(db), today=TODAY)


def test_a_volunteer_created_from_the_form_has_rows_for_skills_languages_and_areas(db):
    volunteer = registry.create(db, draft=draft(db), now=NOW)
    db.commit()

    db.expire_all()
    stored = registry.get_with_rows(db, volunteer.id)
    assert stored.phone == "+4917612345678"
    assert set(stored.skills) == {Skill.CHILD_CARE, Skill.INFANT_CARE}
    assert set(stored.languages) == {"Deutsch", "Türkisch"}
    assert len(stored.areas) == 2
    assert [(s.weekday, s.start_time) for s in stored.availability][:2] == [(0, time(8)), (1, time(8))]
    police = next(c for c in stored.certificates if c.kind == CertificateKind.POLICE_CERTIFICATE)
    assert (police.issued_on, police.valid_until) == (date(2024, 2, 3), date(2029, 2, 3))
    assert stored.max_jobs_per_week == 2
    assert stored.consent_at == NOW


def test_a_form_with_mistakes_is_refused_with_german_messages_per_field(db):
    with pytest.raises(registry.RegistryError) as refused:
        draft(db, phone="0511 1234567", skills="Kochen")
    assert any(
        message.startswith("Mobilnummer „0511 1234567“ ist eine Festnetznummer") for message in refused.value.messages
    )
    assert any("Fähigkeit „Kochen“ unbekannt" in message for message in refused.value.messages)


def test_a_number_that_is_already_registered_is_refused_naming_the_person(db):
    make_volunteer(db, name="Jana Albers", phone="+4917612345678")

    with pytest.raises(registry.DuplicatePhone, match="0176 12345678 ist schon für Jana Albers eingetragen"):
        registry.create(db, draft=draft(db), now=NOW)


def test_an_update_replaces_skills_and_areas_and_keeps_the_own_number(db):
    volunteer = registry.create(db, draft=draft(db), now=NOW)
    db.commit()

    registry.update(
        db, volunteer=volunteer, draft=draft(db, skills="Senioren, Kinder", municipalities="Laatzen"), now=NOW
    )
    db.commit()

    db.expire_all()
    stored = registry.get_with_rows(db, volunteer.id)
    assert set(stored.skills) == {Skill.ELDER_CARE, Skill.CHILD_CARE}
    assert db.scalar(select(func.count()).select_from(VolunteerSkill)) == 2
    assert len(stored.areas) == 1


def test_a_deactivated_volunteer_leaves_the_list_but_stays_in_the_registry(db):
    volunteer = registry.create(db, draft=draft(db), now=NOW)
    registry.deactivate(db, volunteer=volunteer, now=NOW)
    db.commit()

    assert volunteer.deactivated_at == NOW
    assert registry.list_volunteers(db) == []
    assert registry.list_volunteers(db, include_inactive=True) == [volunteer]


def test_the_list_filters_by_skill_municipality_weekday_and_expiring_certificate(db):
    known = registry.municipality_ids(db)
    anna = registry.create(db, draft=draft(db), now=NOW)
    ben = registry.create(
        db,
        draft=draft(
            db,
            name="Ben Kaya",
            phone="0176 22223333",
            skills="Auto",
            municipalities="Garbsen",
            availability="So 10-12",
            police_certificate="01.12.2021",
        ),
        now=NOW,
    )

    assert registry.list_volunteers(db, skill=Skill.DRIVING) == [ben]
    assert registry.list_volunteers(db, municipality_id=known["Laatzen"]) == [anna]
    assert registry.list_volunteers(db, weekday=6) == [ben]
    assert registry.list_volunteers(db, certificate_expiring_within=30, today=TODAY) == [ben]


def test_an_export_imports_again_to_the_same_volunteers(db):
    registry.create(db, draft=draft(db), now=NOW)
    registry.create(
        db,
        draft=draft(db, name="Ben Kaya", phone="0176 22223333", skills="Auto; Rollstuhl", languages="",
                    municipalities="Neustadt am Rübenberge", availability="Fr 20-24; Sa 0-6", first_aid="",
                    police_certificate="", max_jobs_per_week="", sms_consent="nein", notes=""),
        now=NOW,
    )  # fmt: skip
    original = draft(db)

    data = registry.export_csv(db)

    assert data.startswith(b"\xef\xbb\xbfName;Mobilnummer;F\xc3\xa4higkeiten")
    preview = validate_rows(read_table(data, "export.csv"), registry.municipality_ids(db), today=TODAY)
    assert preview.importable and len(preview.drafts) == 2
    again = {d.phone: d for d in preview.drafts}
    anna = again["+4917612345678"]
    assert replace(anna, languages=tuple(sorted(anna.languages))) == replace(
        original, languages=tuple(sorted(original.languages))
    )
    ben = again["+4917622223333"]
    assert ben.skills == {Skill.DRIVING, Skill.WHEELCHAIR} and not ben.sms_consent
    assert ben.availability[0].end == time(23, 59)


def test_a_file_with_errors_imports_nothing_unless_only_the_valid_rows_are_wanted(db):
    known = registry.municipality_ids(db)
    make_volunteer(db, name="Jana Albers", phone="+4917699998888")
    rows = [
        form(),
        form(name="Ben Kaya", phone="0176 22223333", skills="Kochen"),
        form(name="Cem Aydin", phone="0176 99998888"),
    ]
    preview = validate_rows(rows, known, today=TODAY)

    with pytest.raises(registry.RegistryError) as refused:
        registry.import_preview(db, preview=preview, only_valid=False, now=NOW)
    assert "Zeile 4: Die Mobilnummer 0176 99998888 ist schon für Jana Albers eingetragen." in refused.value.messages
    assert db.scalar(select(func.count()).select_from(Volunteer)) == 1

    result = registry.import_preview(db, preview=preview, only_valid=True, now=NOW)

    assert [v.name for v in result.created] == ["Anna Müller"]
    assert len(result.skipped) == 2


def test_an_empty_preview_is_not_an_import(db):
    with pytest.raises(registry.RegistryError, match="keine Ehrenamtlichen"):
        registry.import_preview(db, preview=ImportPreview(valid=(), invalid=()), only_valid=False, now=NOW)
