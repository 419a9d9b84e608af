"""What staff type into the case search, turned into precise, index-friendly criteria.

Pure: no database. A query is read as a case number (`2026-000123`, `000123`), a phone number in any
common German format (`0511 1683…`, `+49511…`, `0049511…`, matched as a prefix of the stored E.164
number), the last digits of a number (`23456789` finds +4915123456789: matched as a prefix of the
stored reversed digits, `caller_phone_reversed`, so an index serves it too) or the start of the
caller's name (case-insensitive, compared with `caller_name_search`).

A term too short to mean anything (one letter, three digits) is not searched: the query carries a
German `problem` instead, and the list says so rather than silently showing every case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.enums import CaseStatus, Need
from core.sorting import Column, Sort, parse_sort

CASE_NUMBER = re.compile(r"^(\d{4})-(\d{1,6})$")
SEQ_ONLY = re.compile(r"^\d{6}$")
PHONE_CHARS = re.compile(r"^\+?[\d\s()/.\-]+$")
MIN_PHONE_DIGITS = 4
MIN_NAME_CHARS = 2
MAX_QUERY = 80
TOO_SHORT = (
    "Der Suchbegriff „{term}“ ist zu kurz. Bitte mindestens {digits} Ziffern einer Telefonnummer "
    "oder {letters} Buchstaben eines Namens eingeben."
)
NOT_SEARCHABLE = (
    "Nach „{term}“ kann nicht gesucht werden. Bitte eine Fallnummer, einen Namen oder eine Telefonnummer eingeben."
)


@dataclass(frozen=True)
class SearchQuery:
    """Criteria that are ORed: a case matches when any of the present ones matches."""

    number: str | None = None
    seq: int | None = None
    phone_prefix: str | None = None
    # The last digits of a number, reversed: "6789" → "9876", a prefix of `caller_phone_reversed`.
    phone_suffix_reversed: str | None = None
    name_prefix: str | None = None
    # Why nothing was searched (a German sentence for the list), when the term was too short or unusable.
    problem: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.number or self.seq is not None or self.phone_prefix or self.phone_suffix_reversed or self.name_prefix
        )


def name_key(name: str | None) -> str | None:
    """The stored search form of a caller's name: trimmed, single spaces, case-folded."""
    if not name or not name.strip():
        return None
    return " ".join(name.split()).casefold()


def name_words(key: str | None) -> list[str]:
    """The searchable name from each of its words on: `lena maria müller` → `lena maria müller`, `maria müller`,
    `müller`. A search for the start of any word of the name is then the start of one of these (an index range on
    `case_name_word`, where `LIKE '% müller%'` on the case table reads every case)."""
    words = (key or "").split(" ")
    return [" ".join(words[start:]) for start in range(len(words)) if words[start]]


def reversed_digits(phone: str | None) -> str | None:
    """The stored search form of a number's end: `+4915123456789` → `9876543215194`."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[::-1] or None


def _too_short(text: str) -> SearchQuery:
    return SearchQuery(problem=TOO_SHORT.format(term=text, digits=MIN_PHONE_DIGITS, letters=MIN_NAME_CHARS))


def phone_prefix(text: str) -> str | None:
    """`0511 168-3` → `+495111683`; `0049 511` → `+49511`; `+49 511` → `+49511`; None if no phone."""
    if not PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+49" + digits[1:]
    # Digits without a prefix: the start of an international number typed without "+".
    return "+" + digits


def parse_query(raw: str | None) -> SearchQuery:
    """Read a search box entry; an empty or meaningless entry gives an empty query."""
    text = " ".join((raw or "").split())[:MAX_QUERY]
    if not text:
        return SearchQuery()
    if match := CASE_NUMBER.match(text):
        return SearchQuery(number=f"{match.group(1)}-{int(match.group(2)):06d}")
    if SEQ_ONLY.match(text):
        # Six digits are a case number without its year, the start of a national phone number or,
        # without a leading 0, the last digits of a number.
        national = text.startswith("0")
        prefix = phone_prefix(text) if national and not text.startswith("000") else None
        return SearchQuery(seq=int(text), phone_prefix=prefix, phone_suffix_reversed=None if national else text[::-1])
    if PHONE_CHARS.match(text):
        digits = re.sub(r"\D", "", text)
        if not digits:
            return SearchQuery(problem=NOT_SEARCHABLE.format(term=text))
        if len(digits) < MIN_PHONE_DIGITS:
            return _too_short(text)
        if text.startswith("+") or digits.startswith("0"):
            return SearchQuery(phone_prefix=phone_prefix(text))
        # Digits without 0 or +: the last digits of a number ("23456789"), or an international number
        # typed without its "+" ("4951116…") as before.
        return SearchQuery(phone_prefix=phone_prefix(text), phone_suffix_reversed=digits[::-1])
    if any(char.isalpha() for char in text):
        if sum(char.isalnum() for char in text) < MIN_NAME_CHARS:
            return _too_short(text)
        return SearchQuery(name_prefix=name_key(text))
    return SearchQuery(problem=NOT_SEARCHABLE.format(term=text))


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (binary order).

    `prefix <= value < upper` is an index range scan in every database, unlike LIKE, whose index use
    depends on the collation.
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# --- the list's order ------------------------------------------------------------------------------------

CASE_COLUMNS = (
    Column("number", "Fall", "kleinste Nummer zuerst", "größte Nummer zuerst", first="desc"),
    Column("opened", "Eröffnet", "älteste zuerst", "neueste zuerst", first="desc"),
    Column("caller", "Anrufer/in", "A bis Z", "Z bis A"),
    Column("need", "Anliegen", "A bis Z", "Z bis A"),
    Column("status", "Status", "neue zuerst", "abgeschlossene zuerst"),
    Column("municipality", "Kommune", "A bis Z", "Z bis A"),
    Column("counsellor", "Beratung", "A bis Z", "Z bis A"),
)
DEFAULT_CASE_SORT = Sort("opened", "desc")

# Statuses sort in the order a case passes through them; needs by their German name.
STATUS_RANK = {status: rank for rank, status in enumerate(CaseStatus)}
NEED_RANK = {need: rank for rank, need in enumerate(sorted(Need, key=lambda need: need.label))}


def parse_case_sort(raw_sort: str | None, raw_dir: str | None) -> Sort:
    """The case list's order from its URL; unknown values give the default (newest first)."""
    return parse_sort(raw_sort, raw_dir, CASE_COLUMNS, DEFAULT_CASE_SORT)
