"""What staff type into the case search, turned into precise, index-friendly criteria.

Pure: no database. A query is read as a case number (`2026-000123`, `000123`), a phone number in any
common German format (`0511 1683…`, `+49511…`, `0049511…`, matched as a prefix of the stored E.164
number) or the start of the caller's name (case-insensitive, compared with `caller_name_search`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CASE_NUMBER = re.compile(r"^(\d{4})-(\d{1,6})$")
SEQ_ONLY = re.compile(r"^\d{6}$")
PHONE_CHARS = re.compile(r"^\+?[\d\s()/.\-]+$")
MIN_PHONE_DIGITS = 3
MAX_QUERY = 80


@dataclass(frozen=True)
class SearchQuery:
    """Criteria that are ORed: a case matches when any of the present ones matches."""

    number: str | None = None
    seq: int | None = None
    phone_prefix: str | None = None
    name_prefix: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.number or self.seq is not None or self.phone_prefix or self.name_prefix)


def name_key(name: str | None) -> str | None:
    """The stored search form of a caller's name: trimmed, single spaces, case-folded."""
    if not name or not name.strip():
        return None
    return " ".join(name.split()).casefold()


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
        # Six digits are a case number without its year, or the start of a national phone number.
        prefix = phone_prefix(text) if text.startswith("0") and not text.startswith("000") else None
        return SearchQuery(seq=int(text), phone_prefix=prefix)
    if (prefix := phone_prefix(text)) is not None:
        return SearchQuery(phone_prefix=prefix)
    if any(char.isalpha() for char in text):
        return SearchQuery(name_prefix=name_key(text))
    return SearchQuery()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (binary order).

    `prefix <= value < upper` is an index range scan in every database, unlike LIKE, whose index use
    depends on the collation.
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
