"""Migration 0005 turns the JSON lists of skills and languages into rows, and back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from core.db import make_engine
from fluxx.migrate import alembic_config, upgrade

INSERT_VOLUNTEER = (
    "INSERT INTO volunteer (id, name, phone, skills, languages, is_active, sms_opt_in, created_at, updated_at) "
    "VALUES (:id, :name, :phone, :skills, :languages, 1, 1, '2026-03-01 10:00:00', '2026-03-01 10:00:00')"
)


def _volunteer(connection, id: int, skills: list[str], languages: list[str]) -> None:
    connection.execute(
        text(INSERT_VOLUNTEER),
        {
            "id": id,
            "name": f"Person {id}",
            "phone": f"+4917600000{id:03d}",
            "skills": json.dumps(skills),
            "languages": json.dumps(languages),
        },
    )


def test_json_skills_and_languages_become_rows_and_the_areas_stay(tmp_path):
    url = f"sqlite:///{tmp_path / 'lists.db'}"
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        _volunteer(connection, 1, ["child_care", "infant_care", "wheelchair_car"], ["de", "tr", "Tigrinya"])
        _volunteer(connection, 2, ["elder_care", "Bügeln"], [])
        connection.execute(text("INSERT INTO volunteer_area (volunteer_id, municipality_id) VALUES (1, 3)"))
        connection.execute(
            text(
                "INSERT INTO volunteer_certificate (volunteer_id, kind, valid_until) "
                "VALUES (1, 'extended_police_certificate', '2029-02-03')"
            )
        )
    engine.dispose()

    upgrade(url)

    engine = make_engine(url)
    with engine.connect() as connection:
        skills = connection.execute(text("SELECT volunteer_id, skill FROM volunteer_skill ORDER BY 1, 2")).all()
        languages = connection.execute(text("SELECT language FROM volunteer_language ORDER BY 1")).scalars().all()
        areas = connection.execute(text("SELECT count(*) FROM volunteer_area")).scalar()
        kind = connection.execute(text("SELECT kind FROM volunteer_certificate")).scalar()
        notes = connection.execute(text("SELECT notes FROM volunteer WHERE id = 2")).scalar()
    engine.dispose()
    assert skills == [(1, "child_care"), (1, "infant_care"), (1, "wheelchair"), (2, "elder_care")]
    assert languages == ["Deutsch", "Tigrinya", "Türkisch"]
    assert areas == 1, "the table change must not cascade to the volunteers' areas"
    assert kind == "police_certificate"
    assert notes == "Fähigkeiten aus der alten Liste: Bügeln"


def test_going_back_to_0004_puts_the_rows_into_lists_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'back.db'}"
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        _volunteer(connection, 1, ["driving", "child_care"], ["en"])
    engine.dispose()
    upgrade(url)
    command.downgrade(alembic_config(url), "0004")

    engine = make_engine(url)
    with engine.connect() as connection:
        skills, languages = connection.execute(text("SELECT skills, languages FROM volunteer")).one()
    engine.dispose()
    assert json.loads(skills) == ["child_care", "driving"]
    assert json.loads(languages) == ["Englisch"]
