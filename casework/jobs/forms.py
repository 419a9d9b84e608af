"""Reading the care job form: kind, local start and end, area, requirements, carers needed.

Pure, like casework.forms: German messages per field, or clean values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from casework.cases.forms import FormInvalid, choice_id, parse_window, text
from casework.enums import LANGUAGE_PREFIX, LANGUAGES, JobKind, Need, Requirement
from core.formats import ascii_int, datetime_de

MAX_JOB_LENGTH = timedelta(days=14)
MAX_CARERS = 10
KIND_FOR_NEED = {
    Need.CHILD_CARE: JobKind.CHILD_CARE,
    Need.RELATIVE_CARE: JobKind.ELDER_CARE,
    Need.DRIVING: JobKind.DRIVING,
}


@dataclass(frozen=True)
class JobDetails:
    kind: JobKind
    starts_at: datetime
    ends_at: datetime
    municipality_id: int | None
    district: str | None
    requirements: list[str]
    carers_needed: int
    notes: str | None


def requirement_list(requirements: Sequence[str], languages: Sequence[str]) -> list[str]:
    """Known requirements and languages in a stable order; unknown values are dropped."""
    chosen = [r.value for r in Requirement if r.value in requirements]
    return chosen + [LANGUAGE_PREFIX + code for code in LANGUAGES if code in languages]


def describe_requirements(requirements: Sequence[str]) -> list[str]:
    """German labels for a job's stored requirements."""
    labels = []
    for value in requirements:
        if value.startswith(LANGUAGE_PREFIX):
            labels.append("Sprache: " + LANGUAGES.get(value.removeprefix(LANGUAGE_PREFIX), value))
        elif value in Requirement._value2member_map_:
            labels.append(Requirement(value).label)
    return labels


PAST_OK = "past_ok"  # the checkbox "Beginn liegt in der Vergangenheit – trotzdem speichern"
QUARTER = timedelta(minutes=15)


def next_window(windows: Iterable[tuple[datetime, datetime]], now: datetime) -> tuple[datetime, datetime] | None:
    """The case's time window a new job takes: the first one not over yet. One that has begun already
    starts at the next quarter hour from now, so the job does not start in the past."""
    for start, end in sorted(windows):
        if end > now:
            if start >= now:
                return start, end
            soon = now + (-(now - now.replace(minute=0, second=0, microsecond=0)) % QUARTER)
            return (soon, end) if soon < end else (now, end)
    return None


def _past_start(
    form: Mapping[str, str], start: datetime, now: datetime, unchanged: datetime | None, zone: ZoneInfo
) -> str | None:
    """A warning when the start lies in the past and nobody confirmed it (a job already running may keep its start)."""
    if start >= now or start == unchanged or form.get(PAST_OK) == "1":
        return None
    return (
        f"Der Beginn ({datetime_de(start, zone)} Uhr) liegt in der Vergangenheit. Bitte Datum und Uhrzeit prüfen "
        "oder „trotzdem speichern“ ankreuzen."
    )


def _carers(raw: str, errors: dict[str, str]) -> int:
    number = ascii_int(raw.strip() or "1")
    if number is None or not 1 <= number <= MAX_CARERS:
        errors["carers_needed"] = f"Bitte eine Zahl von 1 bis {MAX_CARERS} angeben."
        return 1
    return number


def parse_job_form(
    form: Mapping[str, str],
    *,
    requirements: Sequence[str],
    languages: Sequence[str],
    zone: ZoneInfo,
    municipality_ids: Collection[int],
    now: datetime | None = None,
    unchanged_start: datetime | None = None,
) -> JobDetails:
    """Validate the job form; raise FormInvalid with German messages per field.

    With `now`, a start in the past is refused until the form confirms it (`past_ok`), unless it is the
    job's stored start (`unchanged_start`)."""
    errors: dict[str, str] = {}
    kind_raw = str(form.get("kind", ""))
    if kind_raw not in JobKind._value2member_map_:
        errors["kind"] = "Bitte die Art des Einsatzes wählen."
    start_raw = str(form.get("starts_at", ""))
    window = None
    if not start_raw.strip():
        errors["starts_at"] = "Bitte den Beginn angeben."
    else:
        window = parse_window(start_raw, str(form.get("ends_at", "")), zone, errors, ("starts_at", "ends_at"))
    if window and window[1] - window[0] > MAX_JOB_LENGTH:
        errors["ends_at"] = "Ein Einsatz dauert höchstens 14 Tage. Bitte teilen Sie längere Einsätze auf."
    if window and now is not None and (warning := _past_start(form, window[0], now, unchanged_start, zone)):
        errors[PAST_OK] = warning
    municipality_id = choice_id(form, "municipality_id", municipality_ids, errors, "eine Kommune")
    if municipality_id is None and "municipality_id" not in errors:
        errors["municipality_id"] = "Bitte die Kommune angeben, in der der Einsatz stattfindet."
    carers = _carers(str(form.get("carers_needed", "")), errors)
    if errors or window is None:
        raise FormInvalid(errors)
    return JobDetails(
        kind=JobKind(kind_raw),
        starts_at=window[0],
        ends_at=window[1],
        municipality_id=municipality_id,
        district=text(form, "district", 80),
        requirements=requirement_list(requirements, languages),
        carers_needed=carers,
        notes=text(form, "notes", 1000),
    )
