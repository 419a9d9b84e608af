"""Volunteers: who they are, what they can do, where and when they help, and their certificates.

Skills, languages, areas, weekly slots, absences and certificates are rows, not JSON lists, so that
matching reaches each of them through an index (DESIGN.md §5).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from casework.enums import LANGUAGES as JOB_LANGUAGES
from core.db import Base
from volunteers.vocabulary import CertificateKind, Skill, language_name

# Keys written before skills and certificates had their own vocabulary (migration 0005 converts stored
# rows; these keep older callers, such as the demo data, working).
LEGACY_SKILLS = {"wheelchair_car": Skill.WHEELCHAIR}
LEGACY_CERTIFICATES = {"extended_police_certificate": CertificateKind.POLICE_CERTIFICATE}


def skill_of(value: str) -> Skill:
    """The skill a stored key, an enum member or a German word means; ValueError for anything else."""
    skill = LEGACY_SKILLS.get(value) or Skill.from_text(value)
    if skill is None:
        raise ValueError(f"unknown skill {value!r}")
    return skill


def language_of(value: str) -> str:
    """The German name of a language given by name or by the job form's code ("tr" -> "Türkisch")."""
    return language_name(value) or JOB_LANGUAGES.get(value.strip().lower()) or value.strip()


class Volunteer(Base):
    """A carer or driver reached by SMS; no app, no login."""

    __tablename__ = "volunteer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
    sms_opt_in: Mapped[bool] = mapped_column(default=True)
    opted_out_at: Mapped[datetime | None]
    consent_at: Mapped[datetime | None]
    # Set by the assignment step in the same transaction; a released assignment does not reset it.
    last_assigned_at: Mapped[datetime | None]
    max_jobs_per_week: Mapped[int | None]
    """None: no weekly maximum."""
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when the retention purge or an erasure request removed the personal data (`retention`); the row stays
    # for the statistics (distinct carers, hours of past assignments).
    anonymised_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # lazy="raise" (see Case): lists load them with `registry.service.with_details`, one volunteer's page and the
    # changes that replace the rows with `get_with_rows`; a new volunteer starts with empty lists (`create`).
    skill_rows: Mapped[list[VolunteerSkill]] = relationship(cascade="all, delete-orphan", lazy="raise")
    language_rows: Mapped[list[VolunteerLanguage]] = relationship(cascade="all, delete-orphan", lazy="raise")
    areas: Mapped[list[VolunteerArea]] = relationship(cascade="all, delete-orphan", lazy="raise")
    availability: Mapped[list[VolunteerAvailability]] = relationship(cascade="all, delete-orphan", lazy="raise")
    absences: Mapped[list[VolunteerAbsence]] = relationship(cascade="all, delete-orphan", lazy="raise")
    certificates: Mapped[list[VolunteerCertificate]] = relationship(cascade="all, delete-orphan", lazy="raise")

    # `volunteer.skills = ["child_care"]` and `Volunteer(languages=["Deutsch"])` write the rows.
    skills: AssociationProxy[list[Skill]] = association_proxy(
        "skill_rows", "skill", creator=lambda value: VolunteerSkill(skill=skill_of(value))
    )
    languages: AssociationProxy[list[str]] = association_proxy(
        "language_rows", "language", creator=lambda value: VolunteerLanguage(language=language_of(value))
    )


class VolunteerSkill(Base):
    __tablename__ = "volunteer_skill"
    __table_args__ = (Index("ix_volunteer_skill_skill_volunteer_id", "skill", "volunteer_id"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[Skill] = mapped_column(primary_key=True)


class VolunteerLanguage(Base):
    """A language the volunteer speaks, by its German name ("Türkisch"); the list is open."""

    __tablename__ = "volunteer_language"
    __table_args__ = (Index("ix_volunteer_language_language_volunteer_id", "language", "volunteer_id"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(40), primary_key=True)


class VolunteerArea(Base):
    """A municipality the volunteer serves."""

    __tablename__ = "volunteer_area"
    __table_args__ = (Index("ix_volunteer_area_municipality_id_volunteer_id", "municipality_id", "volunteer_id"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)


class VolunteerAvailability(Base):
    """A weekly time slot (weekday 0 = Monday) in Europe/Berlin local time; an end of 23:59 means midnight."""

    __tablename__ = "volunteer_availability"
    __table_args__ = (
        Index("ix_volunteer_availability_volunteer_id_weekday", "volunteer_id", "weekday", "start_time", "end_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]


class VolunteerAbsence(Base):
    """Not available on these days, both included ("bis 12.12. nicht da")."""

    __tablename__ = "volunteer_absence"
    __table_args__ = (
        Index("ix_volunteer_absence_volunteer_id_ends_on", "volunteer_id", "ends_on"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))


class VolunteerCertificate(Base):
    """E.g. an extended police certificate (erweitertes Führungszeugnis), needed for child care.

    `valid_until` is the last day it counts; a certificate without it counts for nothing.
    """

    __tablename__ = "volunteer_certificate"
    __table_args__ = (
        Index("ix_volunteer_certificate_volunteer_id_kind", "volunteer_id", "kind", "valid_until"),
        Index("ix_volunteer_certificate_kind_valid_until", "kind", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    kind: Mapped[CertificateKind] = mapped_column(
        Enum(
            CertificateKind,
            native_enum=False,
            length=40,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        )
    )
    issued_on: Mapped[date | None]
    valid_until: Mapped[date | None]

    @validates("kind")
    def _known_kind(self, _key: str, value: Any) -> CertificateKind:
        kind = LEGACY_CERTIFICATES.get(value) or CertificateKind.from_text(str(value))
        if kind is None:
            raise ValueError(f"unknown certificate kind {value!r}")
        return kind


__all__ = [
    "Volunteer",
    "VolunteerAbsence",
    "VolunteerArea",
    "VolunteerAvailability",
    "VolunteerCertificate",
    "VolunteerLanguage",
    "VolunteerSkill",
]
