"""The vocabulary of case work, with the German labels staff see."""

from __future__ import annotations

import enum
from typing import Self, overload


class LabeledEnum(enum.StrEnum):
    """A StrEnum whose members carry the German label shown to staff."""

    _value_: str
    label: str

    # A member is declared as (value, label). Calling the class later, `Need(raw)`, is Enum's lookup by
    # value with one argument; the first overload says so to type checkers.
    @overload
    def __new__(cls, value: str) -> Self: ...

    @overload
    def __new__(cls, value: str, label: str) -> Self: ...

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class CaseChannel(LabeledEnum):
    PHONE = "phone", "Telefon"
    VOICEMAIL = "voicemail", "Sprachnachricht"
    MANUAL = "manual", "Von Hand erfasst"


class Need(LabeledEnum):
    CHILD_CARE = "child_care", "Kinderbetreuung"
    RELATIVE_CARE = "relative_care", "Betreuung von Angehörigen"
    DRIVING = "driving", "Fahrdienst"
    COUNSELLING = "counselling", "Nur Beratung"
    OTHER = "other", "Anderes Anliegen"


class CaseStatus(LabeledEnum):
    NEW = "new", "Neu"
    IN_COUNSELLING = "in_counselling", "In Beratung"
    CARE_NEEDED = "care_needed", "Betreuung gesucht"
    CARE_ARRANGED = "care_arranged", "Betreuung organisiert"
    COMPLETED = "completed", "Abgeschlossen"
    CLOSED_NO_NEED = "closed_no_need", "Geschlossen: kein Bedarf"
    CLOSED_UNREACHABLE = "closed_unreachable", "Geschlossen: nicht erreichbar"


class Affiliation(LabeledEnum):
    NONE = "none", "Keine"
    PARTNER_COMPANY = "partner_company", "Partnerbetrieb"
    PARTNER_MUNICIPALITY = "partner_municipality", "Partnerkommune als Arbeitgeberin"
    STUDENT = "student", "Studierende in Hannover"


class CallStatus(LabeledEnum):
    QUEUED = "queued", "In Warteschlange"
    RINGING = "ringing", "Klingelt"
    IN_PROGRESS = "in-progress", "Im Gespräch"
    COMPLETED = "completed", "Beendet"
    BUSY = "busy", "Besetzt"
    FAILED = "failed", "Fehlgeschlagen"
    NO_ANSWER = "no-answer", "Keine Antwort"
    CANCELED = "canceled", "Abgebrochen"


class NoCaseReason(LabeledEnum):
    HUNG_UP = "hung_up", "Aufgelegt"
    WRONG_NUMBER = "wrong_number", "Verwählt"
    TEST_CALL = "test_call", "Testanruf"
    SILENT = "silent", "Stummer Anruf"


class JobKind(LabeledEnum):
    CHILD_CARE = "child_care", "Kinderbetreuung"
    ELDER_CARE = "elder_care", "Betreuung von Angehörigen"
    DRIVING = "driving", "Fahrdienst"


class JobStatus(LabeledEnum):
    OPEN = "open", "Offen"
    SEARCHING = "searching", "Suche läuft"
    UNFILLED = "unfilled", "Niemand gefunden"
    FILLED = "filled", "Besetzt"
    COMPLETED = "completed", "Erledigt"
    CANCELLED = "cancelled", "Abgesagt"


class HoursStatus(LabeledEnum):
    REPORTED = "reported", "Gemeldet"
    CONFIRMED = "confirmed", "Bestätigt"
    REJECTED = "rejected", "Abgelehnt"


class BillStatus(LabeledEnum):
    ISSUED = "issued", "Gestellt"
    CANCELLED = "cancelled", "Storniert"


class Requirement(LabeledEnum):
    """What a job asks of the carer; the same words as the volunteers' skills."""

    INFANT_CARE = "infant_care", "Erfahrung mit Säuglingen"
    DEMENTIA = "dementia", "Erfahrung mit Demenz"
    WHEELCHAIR_CAR = "wheelchair_car", "Rollstuhlgerechtes Auto"


# Languages a family may need besides German; a job stores them as "lang:<code>" among its requirements.
LANGUAGES = {
    "en": "Englisch",
    "tr": "Türkisch",
    "ar": "Arabisch",
    "ru": "Russisch",
    "pl": "Polnisch",
    "uk": "Ukrainisch",
    "fa": "Persisch",
}
LANGUAGE_PREFIX = "lang:"
