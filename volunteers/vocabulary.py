"""What volunteers can do and which certificates they hold, with the German words offices use for them.

Pure data and lookups: no database, no I/O. The enum values are the stable keys stored in the database; the
German labels are what staff read; the aliases are what people type into a spreadsheet ("Kinder", "Babys",
"Auto"). Lookups ignore case, surrounding spaces and punctuation ("Demenz.", " AUTO ").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from datetime import date


def fold(text: str) -> str:
    """The lookup key of a word: lower case, single spaces, no surrounding punctuation; umlauts are kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"\s+", " ", folded).strip()
    return re.sub(r"^[\W_]+|[\W_]+$", "", folded)


class Skill(enum.StrEnum):
    CHILD_CARE = "child_care"
    INFANT_CARE = "infant_care"
    ELDER_CARE = "elder_care"
    DEMENTIA = "dementia"
    DRIVING = "driving"
    WHEELCHAIR = "wheelchair"

    @property
    def label(self) -> str:
        return _SKILL_LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Skill | None:
        """The skill a German word means (`"Babys"` -> INFANT_CARE), or None."""
        return SKILL_ALIASES.get(fold(text))


_SKILL_LABELS: Mapping[Skill, str] = {
    Skill.CHILD_CARE: "Kinderbetreuung",
    Skill.INFANT_CARE: "Säuglingsbetreuung",
    Skill.ELDER_CARE: "Seniorenbetreuung",
    Skill.DEMENTIA: "Demenzerfahrung",
    Skill.DRIVING: "Fahrdienst (eigenes Auto)",
    Skill.WHEELCHAIR: "Rollstuhltransport",
}

# What offices write for each skill. "Führerschein" is deliberately missing: a licence is not a car.
_SKILL_WORDS: Mapping[Skill, tuple[str, ...]] = {
    Skill.CHILD_CARE: (
        "Kinder",
        "Kind",
        "Kinderbetreuung",
        "Kinderbetreuerin",
        "Kinderbetreuer",
        "Betreuung Kinder",
        "Kinder und Jugendliche",
    ),
    Skill.INFANT_CARE: ("Babys", "Babies", "Baby", "Säuglinge", "Säugling", "Säuglingsbetreuung", "Babybetreuung"),
    Skill.ELDER_CARE: (
        "Senioren",
        "Seniorinnen",
        "Seniorenbetreuung",
        "Altenbetreuung",
        "Ältere",
        "ältere Menschen",
        "Pflegebedürftige",
    ),
    Skill.DEMENTIA: ("Demenz", "Demenzerfahrung", "Demenzbetreuung", "Demenzkranke", "Erfahrung mit Demenz"),
    Skill.DRIVING: ("Fahrdienst", "Fahrdienste", "Auto", "eigenes Auto", "PKW", "Fahren", "Fahrer", "Fahrerin"),
    Skill.WHEELCHAIR: ("Rollstuhl", "Rollstuhltransport", "Rollstuhlfahrdienst", "Rollstuhlfahrer"),
}

SKILL_ALIASES: Mapping[str, Skill] = {
    fold(word): skill for skill in Skill for word in (skill.value, skill.label, *_SKILL_WORDS[skill])
}


class CertificateKind(enum.StrEnum):
    POLICE_CERTIFICATE = "police_certificate"
    FIRST_AID = "first_aid"

    @property
    def label(self) -> str:
        return _CERTIFICATE_LABELS[self]

    @property
    def validity_years(self) -> int:
        """How long a certificate counts from its issue date unless staff record otherwise."""
        return _CERTIFICATE_VALIDITY_YEARS[self]

    def valid_until(self, issued_on: date) -> date:
        """The last day the certificate counts: the same calendar day `validity_years` later (29.02. -> 28.02.)."""
        year = issued_on.year + self.validity_years
        try:
            return issued_on.replace(year=year)
        except ValueError:  # 29 February in a year that has none
            return date(year, 2, 28)

    @classmethod
    def from_text(cls, text: str) -> CertificateKind | None:
        """The certificate a German word means (`"eFZ"` -> POLICE_CERTIFICATE), or None."""
        return CERTIFICATE_ALIASES.get(fold(text))


_CERTIFICATE_LABELS: Mapping[CertificateKind, str] = {
    CertificateKind.POLICE_CERTIFICATE: "erweitertes Führungszeugnis",
    CertificateKind.FIRST_AID: "Erste-Hilfe-Kurs",
}

# The extended police certificate counts 5 years (DESIGN brief / issue 10). A first-aid course is refreshed
# every 2 years, as for first aiders at work (DGUV Vorschrift 1 § 26).
_CERTIFICATE_VALIDITY_YEARS: Mapping[CertificateKind, int] = {
    CertificateKind.POLICE_CERTIFICATE: 5,
    CertificateKind.FIRST_AID: 2,
}

_CERTIFICATE_WORDS: Mapping[CertificateKind, tuple[str, ...]] = {
    CertificateKind.POLICE_CERTIFICATE: (
        "Führungszeugnis",
        "erw. Führungszeugnis",
        "erweitertes Führungszeugnis",
        "polizeiliches Führungszeugnis",
        "eFZ",
        "FZ",
    ),
    CertificateKind.FIRST_AID: (
        "Erste Hilfe",
        "Erste-Hilfe",
        "Erste-Hilfe-Kurs",
        "Erste Hilfe Kurs",
        "Erste Hilfe am Kind",
        "Erste-Hilfe-Kurs am Kind",
        "EH-Kurs",
        "Ersthelfer",
        "Ersthelferin",
    ),
}

CERTIFICATE_ALIASES: Mapping[str, CertificateKind] = {
    fold(word): kind for kind in CertificateKind for word in (kind.value, kind.label, *_CERTIFICATE_WORDS[kind])
}


# Languages are an open list (a volunteer may speak Tigrinya): these are the usual ones with the spellings
# offices use, so that "englisch", "Engl." and "English" all become "Englisch".
_LANGUAGE_WORDS: Mapping[str, tuple[str, ...]] = {
    "Deutsch": ("dt", "German", "de"),
    "Englisch": ("engl", "English", "en"),
    "Französisch": ("franz", "frz", "French", "Francais", "Français", "fr"),
    "Spanisch": ("span", "Spanish", "Español", "es"),
    "Italienisch": ("ital", "Italian", "it"),
    "Portugiesisch": ("Portuguese", "pt"),
    "Niederländisch": ("Holländisch", "Dutch", "nl"),
    "Polnisch": ("Polish", "pl"),
    "Russisch": ("russ", "Russian", "ru"),
    "Ukrainisch": ("Ukrainian",),
    "Rumänisch": ("Romanian", "ro"),
    "Bulgarisch": ("Bulgarian", "bg"),
    "Serbisch": ("Serbian",),
    "Kroatisch": ("Croatian",),
    "Bosnisch": ("Bosnian",),
    "Albanisch": ("Albanian",),
    "Griechisch": ("Greek",),
    "Türkisch": ("türk", "Turkish", "tr"),
    "Kurdisch": ("Kurdish", "Kurmandschi", "Kurmanci", "Sorani"),
    "Arabisch": ("arab", "Arabic", "ar"),
    "Persisch": ("Farsi", "Persian", "fa"),
    "Dari": (),
    "Paschtu": ("Paschto", "Pashto"),
    "Tigrinya": ("Tigrinisch",),
    "Somali": ("Somalisch",),
    "Amharisch": ("Amharic",),
    "Vietnamesisch": ("Vietnamese", "vi"),
    "Chinesisch": ("Mandarin", "Chinese", "zh"),
    "Tamil": ("Tamilisch",),
    "Hindi": (),
    "Urdu": (),
    "Gebärdensprache": ("DGS", "Deutsche Gebärdensprache"),
}

LANGUAGE_ALIASES: Mapping[str, str] = {
    fold(word): name for name, words in _LANGUAGE_WORDS.items() for word in (name, *words)
}

LANGUAGES: tuple[str, ...] = tuple(_LANGUAGE_WORDS)


def language_name(text: str) -> str | None:
    """The German name of a known language (`"english"` -> `"Englisch"`), or None."""
    return LANGUAGE_ALIASES.get(fold(text))
