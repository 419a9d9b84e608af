"""What one checked row of a volunteer list becomes, and the preview of a whole file. Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple

from volunteers.vocabulary import CertificateKind, Skill


class WeeklySlot(NamedTuple):
    """Available every week on `weekday` (0 = Monday) from `start` to `end`, Europe/Berlin local time."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Certificate:
    kind: CertificateKind
    issued_on: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class VolunteerDraft:
    """One checked row, ready to become a volunteer (phone in E.164, ids of known municipalities)."""

    name: str
    phone: str
    skills: frozenset[Skill]
    languages: tuple[str, ...]
    municipality_ids: frozenset[int]
    availability: tuple[WeeklySlot, ...]
    certificates: tuple[Certificate, ...]
    max_jobs_per_week: int | None
    """None: the file gives no maximum."""
    sms_consent: bool
    """Only an explicit yes ("ja", "x", TRUE) counts; an empty cell is no consent."""
    notes: str | None


@dataclass(frozen=True, slots=True)
class ValidRow:
    row_number: int
    draft: VolunteerDraft


@dataclass(frozen=True, slots=True)
class InvalidRow:
    row_number: int
    errors: tuple[str, ...]
    """Complete German sentences, each starting "Zeile N: " and naming the column."""


@dataclass(frozen=True, slots=True)
class ImportPreview:
    valid: tuple[ValidRow, ...]
    invalid: tuple[InvalidRow, ...]
    ignored_columns: tuple[str, ...] = ()
    """Headers of columns that were not read (unknown names, or "Telefon" next to a mobile column)."""

    @property
    def importable(self) -> bool:
        """The whole file can be imported: at least one volunteer and no row with an error."""
        return bool(self.valid) and not self.invalid

    @property
    def drafts(self) -> tuple[VolunteerDraft, ...]:
        return tuple(row.draft for row in self.valid)

    @property
    def errors(self) -> tuple[str, ...]:
        """Every error message of the file, in row order."""
        return tuple(message for row in self.invalid for message in row.errors)
