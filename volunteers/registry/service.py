"""The volunteer registry: create, change, deactivate, import, export and list volunteers.

Services flush and never commit: the caller's `transaction()` (a request, a CLI command) owns the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, cast

from sqlalchemy import Select, exists, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from casework.reference.models import Municipality
from core.batches import BatchFailed, in_batches
from core.db import insert_on_conflict
from core.errors import DomainError
from core.phone import display
from core.sorting import Sort
from core.spreadsheet import csv_bytes
from volunteers.registry.availability import format_availability
from volunteers.registry.columns import FIELD_LABELS, LIST_FIELDS
from volunteers.registry.drafts import ImportPreview, ValidRow, VolunteerDraft, WeeklySlot
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
    VolunteerSkill,
    language_of,
)
from volunteers.registry.rules import DEFAULT_VOLUNTEER_SORT, validate_rows
from volunteers.vocabulary import CertificateKind, Skill

EXPORT_FIELDS = LIST_FIELDS
"""The columns of an export, in the importer's own German names, so that an export imports again."""


class RegistryError(DomainError, ValueError):
    """A change the registry refuses; `messages` are German, for the coordinator (`message`: all of them)."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class DuplicatePhone(RegistryError):
    """The mobile number already belongs to someone else."""


def municipality_ids(db: Session) -> dict[str, int]:
    """Municipality names and ids, as the importer and the form check want them."""
    return {name: id for id, name in db.execute(select(Municipality.id, Municipality.name))}


def draft_from_form(values: Mapping[str, str], known: Mapping[str, int], *, today: date) -> VolunteerDraft:
    """A coordinator's form (the importer's field keys) checked by the importer's own rules."""
    preview = validate_rows([dict(values)], known, today=today)
    if preview.invalid:
        raise RegistryError(*(message.split(": ", 1)[1] for message in preview.errors))
    return preview.drafts[0]


def by_phone(db: Session, phone: str) -> Volunteer | None:
    return db.scalar(select(Volunteer).where(Volunteer.phone == phone))


def get_with_rows(db: Session, volunteer_id: int) -> Volunteer | None:
    """One volunteer with all their rows (`with_rows`): their page, their form, and the changes that replace
    the rows read them (the relationships never load lazily)."""
    volunteer: Volunteer | None = db.scalar(with_rows(select(Volunteer).where(Volunteer.id == volunteer_id)))
    return volunteer


def create(db: Session, *, draft: VolunteerDraft, now: datetime) -> Volunteer:
    """A new volunteer from a checked draft; refuses a number that is already registered."""
    _refuse_taken_phone(db, draft.phone, None)
    # A new volunteer has no absences yet: an empty list, not an unloaded one (absences are added right away
    # by the demo, for instance).
    volunteer = Volunteer(name=draft.name, phone=draft.phone, created_at=now, updated_at=now, absences=[])
    _apply(volunteer, draft, now)
    db.add(volunteer)
    db.flush()
    return volunteer


def update(db: Session, *, volunteer: Volunteer, draft: VolunteerDraft, now: datetime) -> Volunteer:
    """Replace what the volunteer's record says with the draft (skills, areas, slots, certificates …)."""
    _refuse_taken_phone(db, draft.phone, volunteer.id)
    volunteer.name, volunteer.phone, volunteer.updated_at = draft.name, draft.phone, now
    _apply(volunteer, draft, now)
    db.flush()
    return volunteer


def deactivate(db: Session, *, volunteer: Volunteer, now: datetime) -> None:
    """No more offers; the record, its offers and assignments stay."""
    if volunteer.is_active:
        volunteer.is_active, volunteer.deactivated_at, volunteer.updated_at = False, now, now
        db.flush()


def reactivate(db: Session, *, volunteer: Volunteer, now: datetime) -> None:
    if not volunteer.is_active:
        volunteer.is_active, volunteer.deactivated_at, volunteer.updated_at = True, None, now
        db.flush()


def _refuse_taken_phone(db: Session, phone: str, own_id: int | None) -> None:
    holder = by_phone(db, phone)
    if holder is not None and holder.id != own_id:
        raise DuplicatePhone(f"Die Mobilnummer {display(phone)} ist schon für {holder.name} eingetragen.")


def _apply(volunteer: Volunteer, draft: VolunteerDraft, now: datetime) -> None:
    """Bring the rows in line with the draft, keeping rows that stay (no delete-and-insert of the same key)."""
    _replace(volunteer.skill_rows, lambda row: row.skill, set(draft.skills), lambda s: VolunteerSkill(skill=s))
    wanted_languages = list(dict.fromkeys(draft.languages))
    volunteer.language_rows[:] = [r for r in volunteer.language_rows if r.language in wanted_languages]
    have = {r.language for r in volunteer.language_rows}
    volunteer.languages.extend(language for language in wanted_languages if language not in have)
    _replace(
        volunteer.areas,
        lambda row: row.municipality_id,
        set(draft.municipality_ids),
        lambda m: VolunteerArea(municipality_id=m),
    )
    volunteer.availability[:] = [
        VolunteerAvailability(weekday=slot.weekday, start_time=slot.start, end_time=slot.end)
        for slot in draft.availability
    ]
    volunteer.certificates[:] = [
        VolunteerCertificate(kind=c.kind, issued_on=c.issued_on, valid_until=c.valid_until) for c in draft.certificates
    ]
    volunteer.max_jobs_per_week = draft.max_jobs_per_week
    volunteer.notes = draft.notes
    if not draft.sms_consent:
        volunteer.consent_at = None
    elif volunteer.consent_at is None:
        volunteer.consent_at = now


def _replace(rows: list[Any], key: Any, wanted: set[Any], make: Any) -> None:
    rows[:] = [row for row in rows if key(row) in wanted]
    have = {key(row) for row in rows}
    rows.extend(make(value) for value in sorted(wanted - have))


# --- import ------------------------------------------------------------------------------------------------

BATCH_SIZE = 250
"""Volunteers per transaction of an import: a few ten milliseconds of writing each (see core.batches)."""


@dataclass
class ImportResult:
    created: list[Volunteer] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """German messages for rows left out (only when importing the valid rows)."""


@dataclass
class BatchedImport:
    """What `import_in_batches` stored: the new volunteers' ids, and German messages for the rows left out
    (errors, numbers already registered before, and numbers registered by someone else meanwhile)."""

    created_ids: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class ImportInterrupted(RegistryError):
    """A batch failed (the database went away): the batches before it are stored, `created` volunteers."""

    status_code: ClassVar[int] = 503

    def __init__(self, created: int) -> None:
        super().__init__(
            f"Der Import wurde nach {created} Ehrenamtlichen abgebrochen, weil die Datenbank nicht erreichbar war. "
            "Bitte die Datei noch einmal importieren und „Nur die fehlerfreien Zeilen importieren“ wählen: Wer "
            "schon eingetragen ist, wird dann ausgelassen."
        )
        self.created = created


def _refuse_unless_clean(preview: ImportPreview, clashes: Sequence[str], only_valid: bool) -> None:
    if not only_valid:
        problems = [*preview.errors, *clashes] or ([] if preview.valid else ["Die Datei enthält keine Ehrenamtlichen."])
        if problems:
            raise RegistryError(*problems)


def import_preview(db: Session, *, preview: ImportPreview, only_valid: bool, now: datetime) -> ImportResult:
    """Store the drafts of a checked file in the caller's transaction (small files; long ones go through
    `import_in_batches`). All or nothing unless `only_valid`: then rows with errors, and rows whose number
    is already registered, are left out and listed."""
    taken = registered(db, [row.draft.phone for row in preview.valid])
    clashes = registered_clashes(preview, taken)
    _refuse_unless_clean(preview, clashes, only_valid)
    ids, _ = store_rows(db, [row for row in preview.valid if row.draft.phone not in taken], now=now)
    created = list(db.scalars(select(Volunteer).where(Volunteer.id.in_(ids)).order_by(Volunteer.id))) if ids else []
    return ImportResult(created=created, skipped=[*preview.errors, *clashes])


def import_in_batches(
    factory: sessionmaker[Session],
    *,
    preview: ImportPreview,
    only_valid: bool,
    now: datetime,
    size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> BatchedImport:
    """Store the drafts of a checked file in short transactions of `size` volunteers each, so that calls
    and staff get the database between them (`core.batches`); call it with no transaction open.

    All or nothing unless `only_valid`, as far as the file and the registry before the import go: rows
    with errors, or numbers already registered, refuse the whole file (RegistryError, nothing stored).
    A number someone registers while the import runs is noticed by its batch, left out and listed in
    `skipped`; the import goes on. A failing batch raises ImportInterrupted (earlier batches stay)."""
    with factory() as read:  # a read, no writer's lock
        taken = registered(read, [row.draft.phone for row in preview.valid])
    clashes = registered_clashes(preview, taken)
    _refuse_unless_clean(preview, clashes, only_valid)
    rows = [row for row in preview.valid if row.draft.phone not in taken]
    result = BatchedImport(skipped=[*preview.errors, *clashes])

    def store(db: Session, batch: Sequence[ValidRow]) -> tuple[list[int], list[str]]:
        return store_rows(db, batch, now=now)

    try:
        batches = in_batches(factory, rows, size, store, progress)
    except BatchFailed as failed:
        stored = cast(list[tuple[list[int], list[str]]], failed.results)
        raise ImportInterrupted(sum(len(ids) for ids, _ in stored)) from failed.__cause__
    for ids, late_clashes in batches:
        result.created_ids.extend(ids)
        result.skipped.extend(late_clashes)
    result.skipped.sort(key=_row_number)
    return result


def _row_number(message: str) -> int:
    number = message.split(":", 1)[0].removeprefix("Zeile ")
    return int(number) if number.isdigit() else 0


def store_rows(db: Session, rows: Sequence[ValidRow], *, now: datetime) -> tuple[list[int], list[str]]:
    """Insert checked rows in bulk: one INSERT for the volunteers and one per kind of detail row. A number
    registered in the meantime is left out (INSERT … ON CONFLICT DO NOTHING, so a registration racing
    with this batch cannot fail it) and named in the messages. The new ids, and those messages."""
    if not rows:
        return [], []
    values = [
        {
            "name": row.draft.name,
            "phone": row.draft.phone,
            "is_active": True,
            "sms_opt_in": True,
            "consent_at": now if row.draft.sms_consent else None,
            "max_jobs_per_week": row.draft.max_jobs_per_week,
            "notes": row.draft.notes,
            "created_at": now,
            "updated_at": now,
        }
        for row in rows
    ]
    statement = insert_on_conflict(db, Volunteer).on_conflict_do_nothing(index_elements=["phone"])
    new_ids = {phone: id for id, phone in db.execute(statement.returning(Volunteer.id, Volunteer.phone), values)}
    stored = [row for row in rows if row.draft.phone in new_ids]
    _insert_details(db, [(new_ids[row.draft.phone], row.draft) for row in stored])
    late = [row for row in rows if row.draft.phone not in new_ids]
    holders = registered(db, [row.draft.phone for row in late])
    messages = [
        f"Zeile {row.row_number}: Die Mobilnummer {display(row.draft.phone)} ist inzwischen für "
        f"{holders.get(row.draft.phone, 'jemand anderen')} eingetragen."
        for row in late
    ]
    return [new_ids[row.draft.phone] for row in stored], messages


def _insert_details(db: Session, drafts: Sequence[tuple[int, VolunteerDraft]]) -> None:
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (VolunteerSkill, [{"volunteer_id": id, "skill": skill} for id, d in drafts for skill in sorted(d.skills)]),
        (
            VolunteerLanguage,
            [
                {"volunteer_id": id, "language": language}
                for id, d in drafts
                for language in dict.fromkeys(language_of(value) for value in d.languages)
            ],
        ),
        (
            VolunteerArea,
            [{"volunteer_id": id, "municipality_id": m} for id, d in drafts for m in sorted(d.municipality_ids)],
        ),
        (
            VolunteerAvailability,
            [
                {"volunteer_id": id, "weekday": slot.weekday, "start_time": slot.start, "end_time": slot.end}
                for id, d in drafts
                for slot in d.availability
            ],
        ),
        (
            VolunteerCertificate,
            [
                {"volunteer_id": id, "kind": c.kind, "issued_on": c.issued_on, "valid_until": c.valid_until}
                for id, d in drafts
                for c in d.certificates
            ],
        ),
    ]
    for model, values in tables:
        if values:
            db.execute(insert(model), values)


def registered_clashes(preview: ImportPreview, taken: Mapping[str, str]) -> list[str]:
    """A German message for each valid row whose number is already registered (`taken`: phone -> name)."""
    return [
        f"Zeile {row.row_number}: Die Mobilnummer {display(row.draft.phone)} ist schon für "
        f"{taken[row.draft.phone]} eingetragen."
        for row in preview.valid
        if row.draft.phone in taken
    ]


def names_of(db: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, name) of these volunteers, in the order of `ids`."""
    query = select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids))
    found: dict[int, str] = {id: name for id, name in db.execute(query)} if ids else {}
    return [(id, found[id]) for id in ids if id in found]


def registered(db: Session, phones: Sequence[str]) -> dict[str, str]:
    """Which of these numbers are registered, and to whom (one query per 500 numbers)."""
    found: dict[str, str] = {}
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        query = select(Volunteer.phone, Volunteer.name).where(Volunteer.phone.in_(chunk))
        found.update({phone: name for phone, name in db.execute(query)})
    return found


# --- export ------------------------------------------------------------------------------------------------


def export_csv(db: Session, *, volunteers: Iterable[Volunteer] | None = None) -> bytes:
    """Semicolon-separated UTF-8 with BOM (Excel opens it with umlauts intact), the importer's columns.

    Every cell goes through `spreadsheet.neutralise`: a note "=HYPERLINK(…)" or a foreign number
    "+44 1632 960123" is written with a quote in front, so no spreadsheet program runs it as a formula;
    the importer takes the quote off again, so an export still imports to the same volunteers."""
    names = {id: name for name, id in municipality_ids(db).items()}
    if volunteers is None:
        volunteers = db.scalars(with_details(select(Volunteer).order_by(Volunteer.name, Volunteer.id)))
    header = [FIELD_LABELS[key] for key in EXPORT_FIELDS]
    return csv_bytes([header, *(_export_row(volunteer, names) for volunteer in volunteers)])


def with_details(query: Select[Any]) -> Select[Any]:
    """The query loading each volunteer's skills, languages, areas, slots and certificates up front."""
    return query.options(
        selectinload(Volunteer.skill_rows),
        selectinload(Volunteer.language_rows),
        selectinload(Volunteer.areas),
        selectinload(Volunteer.availability),
        selectinload(Volunteer.certificates),
    )


def with_rows(query: Select[Any]) -> Select[Any]:
    """`with_details` and the absences too: everything matching and a volunteer's own page read."""
    return with_details(query).options(selectinload(Volunteer.absences))


def _export_row(volunteer: Volunteer, names: Mapping[int, str]) -> list[str]:
    def issued(kind: CertificateKind) -> str:
        dates = [c.issued_on for c in volunteer.certificates if c.kind == kind and c.issued_on is not None]
        return f"{max(dates):%d.%m.%Y}" if dates else ""

    slots = [WeeklySlot(s.weekday, s.start_time, s.end_time) for s in volunteer.availability]
    return [
        volunteer.name,
        display(volunteer.phone),
        ", ".join(skill.label for skill in sorted(volunteer.skills, key=list(Skill).index)),
        ", ".join(sorted(volunteer.languages)),
        ", ".join(sorted(names[area.municipality_id] for area in volunteer.areas)),
        format_availability(slots),
        issued(CertificateKind.POLICE_CERTIFICATE),
        issued(CertificateKind.FIRST_AID),
        str(volunteer.max_jobs_per_week or ""),
        "ja" if volunteer.consent_at is not None and volunteer.sms_opt_in else "nein",
        volunteer.notes or "",
    ]


# --- listing -----------------------------------------------------------------------------------------------


def list_query(
    *,
    skill: Skill | None = None,
    municipality_id: int | None = None,
    weekday: int | None = None,
    certificate_expiring_within: int | None = None,
    today: date | None = None,
    include_inactive: bool = False,
    inactive_only: bool = False,
    search: str | None = None,
    sort: Sort = DEFAULT_VOLUNTEER_SORT,
) -> Select[Any]:
    """Volunteers matching the filters in the order `sort` (by name): each filter is an EXISTS on an indexed
    row table.
    `certificate_expiring_within` (days, needs `today`): a certificate whose last valid day falls
    between today and today + N days. `search`: part of the name, or digits of the mobile number
    ("0176 123" finds +49176123…)."""
    v = Volunteer
    query = select(v).order_by(*list_order(sort))
    if inactive_only:
        query = query.where(v.is_active.is_(False))
    elif not include_inactive:
        query = query.where(v.is_active.is_(True))
    if search and search.strip():
        query = query.where(_matches(search.strip()))
    if skill is not None:
        query = query.where(exists().where(VolunteerSkill.volunteer_id == v.id, VolunteerSkill.skill == skill))
    if municipality_id is not None:
        query = query.where(
            exists().where(VolunteerArea.volunteer_id == v.id, VolunteerArea.municipality_id == municipality_id)
        )
    if weekday is not None:
        query = query.where(
            exists().where(VolunteerAvailability.volunteer_id == v.id, VolunteerAvailability.weekday == weekday)
        )
    if certificate_expiring_within is not None:
        if today is None:
            raise ValueError("certificate_expiring_within needs today")
        query = query.where(
            exists().where(
                VolunteerCertificate.volunteer_id == v.id,
                VolunteerCertificate.valid_until >= today,
                VolunteerCertificate.valid_until <= today + timedelta(days=certificate_expiring_within),
            )
        )
    return query


def sort_value(key: str) -> Any:
    """The SQL value the list sorted by `key` is ordered by (NULL: the person has none)."""
    v = Volunteer
    if key == "name":
        return v.name
    if key == "municipality":
        first = select(func.min(Municipality.name)).where(
            Municipality.id == VolunteerArea.municipality_id, VolunteerArea.volunteer_id == v.id
        )
        return first.scalar_subquery()
    if key == "certificate":
        soonest = select(func.min(VolunteerCertificate.valid_until))
        return soonest.where(VolunteerCertificate.volunteer_id == v.id).scalar_subquery()
    if key == "assigned":
        return v.last_assigned_at
    raise ValueError(f"unknown sort key: {key}")


def list_order(sort: Sort) -> list[Any]:
    """ORDER BY for the list: people without the value last in either direction, then by name and id."""
    v = Volunteer
    value = sort_value(sort.key)
    if sort.key == "name":
        return [v.name.desc(), v.id.desc()] if sort.descending else [v.name, v.id]
    return [value.is_(None), value.desc() if sort.descending else value.asc(), v.name, v.id]


def _matches(search: str) -> Any:
    digits = "".join(ch for ch in search if ch.isdigit())
    by_name = Volunteer.name.icontains(search, autoescape=True)
    if len(digits) < 3:
        return by_name
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "49" + digits[1:]
    return or_(by_name, Volunteer.phone.contains(digits, autoescape=True))


def count_volunteers(db: Session, **filters: Any) -> int:
    """How many volunteers list_query(**filters) finds."""
    query = list_query(**filters).order_by(None).with_only_columns(func.count(Volunteer.id))
    return db.scalar(query) or 0


def list_volunteers(db: Session, *, limit: int = 100, offset: int = 0, **filters: Any) -> list[Volunteer]:
    """One page of list_query(**filters)."""
    return list(db.scalars(with_details(list_query(**filters)).limit(limit).offset(offset)))


# --- absences ----------------------------------------------------------------------------------------------


def add_absence(
    db: Session, *, volunteer: Volunteer, starts_on: date, ends_on: date, note: str | None, now: datetime
) -> VolunteerAbsence:
    """Not available from `starts_on` to `ends_on`, both included."""
    if ends_on < starts_on:
        raise RegistryError("Das Ende der Abwesenheit liegt vor ihrem Beginn.")
    absence = VolunteerAbsence(starts_on=starts_on, ends_on=ends_on, note=note)
    volunteer.absences.append(absence)
    volunteer.updated_at = now
    db.flush()
    return absence


def remove_absence(db: Session, *, volunteer: Volunteer, absence_id: int, now: datetime) -> bool:
    """False when the volunteer has no such absence."""
    kept = [absence for absence in volunteer.absences if absence.id != absence_id]
    if len(kept) == len(volunteer.absences):
        return False
    volunteer.absences[:] = kept
    volunteer.updated_at = now
    db.flush()
    return True
