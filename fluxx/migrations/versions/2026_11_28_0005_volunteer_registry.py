"""volunteer registry: skills and languages as rows, absences, certificate issue dates, weekly maximum

Skills and languages move from JSON lists on `volunteer` into `volunteer_skill` and `volunteer_language`
rows that an index reaches (matching is one query over them). Stored values are converted: skill keys
written by older code ("wheelchair_car") become today's keys, unknown skill words are kept in the notes,
language codes ("tr") become German names ("Türkisch"), "extended_police_certificate" becomes
"police_certificate". Every change is made in place, also on SQLite (see upgrade()).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration must keep meaning what it meant when it was written.
SKILLS = {"child_care", "infant_care", "elder_care", "dementia", "driving", "wheelchair"}
OLD_SKILLS = {"wheelchair_car": "wheelchair", "wheelchair_transport": "wheelchair"}
LANGUAGE_CODES = {
    "de": "Deutsch", "en": "Englisch", "fr": "Französisch", "es": "Spanisch", "it": "Italienisch",
    "pt": "Portugiesisch", "nl": "Niederländisch", "pl": "Polnisch", "ru": "Russisch", "uk": "Ukrainisch",
    "ro": "Rumänisch", "bg": "Bulgarisch", "tr": "Türkisch", "ar": "Arabisch", "fa": "Persisch",
    "vi": "Vietnamesisch", "zh": "Chinesisch",
}  # fmt: skip

volunteer = sa.table(
    "volunteer",
    sa.column("id", sa.Integer),
    sa.column("skills", sa.JSON),
    sa.column("languages", sa.JSON),
    sa.column("notes", sa.Text),
)
volunteer_skill = sa.table("volunteer_skill", sa.column("volunteer_id", sa.Integer), sa.column("skill", sa.String))
volunteer_language = sa.table(
    "volunteer_language", sa.column("volunteer_id", sa.Integer), sa.column("language", sa.String)
)


def upgrade() -> None:
    op.create_table(
        "volunteer_skill",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_volunteer_skill_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "skill", name=op.f("pk_volunteer_skill")),
    )  # fmt: skip
    op.create_index("ix_volunteer_skill_skill_volunteer_id", "volunteer_skill", ["skill", "volunteer_id"])
    op.create_table(
        "volunteer_language",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_volunteer_language_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "language", name=op.f("pk_volunteer_language")),
    )  # fmt: skip
    op.create_index(
        "ix_volunteer_language_language_volunteer_id", "volunteer_language", ["language", "volunteer_id"]
    )
    op.create_table(
        "volunteer_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_volunteer_absence_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_volunteer_absence_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_absence")),
    )  # fmt: skip
    op.create_index("ix_volunteer_absence_volunteer_id_ends_on", "volunteer_absence", ["volunteer_id", "ends_on"])
    op.create_index(
        "ix_volunteer_area_municipality_id_volunteer_id", "volunteer_area", ["municipality_id", "volunteer_id"]
    )
    op.drop_index("ix_volunteer_availability_volunteer_id", table_name="volunteer_availability")
    op.create_index(
        "ix_volunteer_availability_volunteer_id_weekday",
        "volunteer_availability",
        ["volunteer_id", "weekday", "start_time", "end_time"],
    )
    op.add_column("volunteer_certificate", sa.Column("issued_on", sa.Date(), nullable=True))
    op.drop_index("ix_volunteer_certificate_volunteer_id", table_name="volunteer_certificate")
    op.create_index(
        "ix_volunteer_certificate_volunteer_id_kind", "volunteer_certificate", ["volunteer_id", "kind", "valid_until"]
    )
    op.create_index("ix_volunteer_certificate_kind_valid_until", "volunteer_certificate", ["kind", "valid_until"])
    op.execute(
        "UPDATE volunteer_certificate SET kind = 'police_certificate' WHERE kind = 'extended_police_certificate'"
    )
    op.drop_index("ix_assignment_volunteer_id", table_name="assignment")
    op.create_index("ix_assignment_volunteer_id_status", "assignment", ["volunteer_id", "status"])
    _rows_from_lists()
    op.add_column("volunteer", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("volunteer", sa.Column("max_jobs_per_week", sa.Integer(), nullable=True))
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: batch mode copies the table and drops
    # the old one, and with foreign keys on, SQLite's DROP TABLE deletes the volunteers' areas, slots and
    # certificates (ON DELETE CASCADE) and fails on their offers and messages.
    op.drop_column("volunteer", "languages")
    op.drop_column("volunteer", "skills")


def _rows_from_lists() -> None:
    connection = op.get_bind()
    skills, languages = [], []
    for volunteer_id, skill_list, language_list, notes in connection.execute(sa.select(volunteer)).all():
        unknown = []
        for value in dict.fromkeys(skill_list or []):
            key = OLD_SKILLS.get(value, value)
            if key in SKILLS:
                skills.append({"volunteer_id": volunteer_id, "skill": key})
            else:
                unknown.append(str(value))
        for language in dict.fromkeys(LANGUAGE_CODES.get(value, value)[:40] for value in language_list or []):
            languages.append({"volunteer_id": volunteer_id, "language": language})
        if unknown:
            kept = f"Fähigkeiten aus der alten Liste: {', '.join(unknown)}"
            connection.execute(
                volunteer.update()
                .where(volunteer.c.id == volunteer_id)
                .values(notes=f"{notes}\n{kept}" if notes else kept)
            )
    # A skill listed twice under an old and a new key ("wheelchair_car", "wheelchair") is one row.
    skills = list({(row["volunteer_id"], row["skill"]): row for row in skills}.values())
    if skills:
        connection.execute(volunteer_skill.insert(), skills)
    if languages:
        connection.execute(volunteer_language.insert(), languages)


def downgrade() -> None:
    # NOT NULL with a default, added in place: making a column NOT NULL afterwards would copy the table.
    op.add_column("volunteer", sa.Column("skills", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("volunteer", sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"))
    _lists_from_rows()
    op.drop_column("volunteer", "max_jobs_per_week")
    op.drop_column("volunteer", "deactivated_at")
    op.drop_index("ix_assignment_volunteer_id_status", table_name="assignment")
    op.create_index("ix_assignment_volunteer_id", "assignment", ["volunteer_id"])
    op.drop_index("ix_volunteer_certificate_kind_valid_until", table_name="volunteer_certificate")
    op.drop_index("ix_volunteer_certificate_volunteer_id_kind", table_name="volunteer_certificate")
    op.create_index("ix_volunteer_certificate_volunteer_id", "volunteer_certificate", ["volunteer_id"])
    op.drop_column("volunteer_certificate", "issued_on")
    op.drop_index("ix_volunteer_availability_volunteer_id_weekday", table_name="volunteer_availability")
    op.create_index("ix_volunteer_availability_volunteer_id", "volunteer_availability", ["volunteer_id"])
    op.drop_index("ix_volunteer_area_municipality_id_volunteer_id", table_name="volunteer_area")
    op.drop_table("volunteer_absence")
    op.drop_table("volunteer_language")
    op.drop_table("volunteer_skill")


def _lists_from_rows() -> None:
    connection = op.get_bind()
    skills: dict[int, list[str]] = {}
    languages: dict[int, list[str]] = {}
    for volunteer_id, skill in connection.execute(sa.select(volunteer_skill).order_by("volunteer_id", "skill")):
        skills.setdefault(volunteer_id, []).append(skill)
    for volunteer_id, language in connection.execute(sa.select(volunteer_language).order_by("volunteer_id")):
        languages.setdefault(volunteer_id, []).append(language)
    for (volunteer_id,) in connection.execute(sa.select(volunteer.c.id)).all():
        connection.execute(
            volunteer.update()
            .where(volunteer.c.id == volunteer_id)
            .values(skills=skills.get(volunteer_id, []), languages=languages.get(volunteer_id, []))
        )
