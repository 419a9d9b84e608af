"""What an admin typed into the request page: a phone number (any German form, stored as E.164), an e-mail address
or a name. Pure: no database."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.errors import DomainError
from core.phone import try_e164

MAX_QUERY = 160  # characters; longer input is refused before it is parsed
MIN_NAME = 3  # a name shorter than this would find half the city


class QueryKind(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True)
class Query:
    kind: QueryKind
    value: str  # E.164, a lower-case address, or the name case-folded with single spaces


class BadQuery(DomainError, ValueError):
    """The input is no number, address or name we can search for; the message is German."""

    status_code: ClassVar[int] = 422


def parse(raw: str) -> Query:
    """`0151 12345678` and `+49 151 1234 5678` are the same phone number; `a@b.de` an address; else a name."""
    text = " ".join((raw or "").split())
    if not text:
        raise BadQuery("Bitte eine Telefonnummer, eine E-Mail-Adresse oder einen Namen angeben.")
    if len(text) > MAX_QUERY:
        raise BadQuery(f"Bitte höchstens {MAX_QUERY} Zeichen eingeben.")
    if "@" in text:
        local, _, domain = text.partition("@")
        if not local or "." not in domain or " " in text:
            raise BadQuery(f"„{text}“ ist keine gültige E-Mail-Adresse.")
        return Query(QueryKind.EMAIL, text.lower())
    if not any(ch.isalpha() for ch in text):
        phone = try_e164(text)
        if phone is None:
            raise BadQuery(f"„{text}“ ist keine gültige Telefonnummer.")
        return Query(QueryKind.PHONE, phone)
    if len(text) < MIN_NAME:
        raise BadQuery(f"Bitte mindestens {MIN_NAME} Zeichen des Namens angeben.")
    return Query(QueryKind.NAME, text.casefold())
