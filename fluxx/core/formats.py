"""German formats for everything staff, callers and volunteers read (Babel, Europe/Berlin)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LOCALE = "de_DE"
BERLIN = ZoneInfo("Europe/Berlin")


def datetime_de(value: datetime | None, zone: ZoneInfo = BERLIN, fmt: str = "dd.MM.yyyy, HH:mm") -> str:
    """`26.11.2026, 09:15` in local time."""
    if value is None:
        return ""
    return format_datetime(value, fmt, tzinfo=zone, locale=LOCALE)


def time_de(value: datetime | None, zone: ZoneInfo = BERLIN) -> str:
    return datetime_de(value, zone, "HH:mm")


def date_de(value: date | datetime | None, zone: ZoneInfo = BERLIN) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return datetime_de(value, zone, "dd.MM.yyyy")
    return format_date(value, "dd.MM.yyyy", locale=LOCALE)


def money_de(amount: Decimal) -> str:
    """`5,00 €`."""
    return format_currency(amount, "EUR", locale=LOCALE)


def number_de(value: Decimal | int | float, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale=LOCALE)


_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")


def ascii_int(raw: str) -> int | None:
    """A whole number typed as ASCII digits, else None.

    `str.isdigit()` also accepts "²" or "٣", which `int()` then refuses (or reads as 3): input from
    forms and URLs goes through here so a stray character is a form error, never a server error. At
    most nine digits, so no value overflows a database integer.
    """
    text = raw.strip()
    return int(text) if _ASCII_NUMBER.fullmatch(text) else None
