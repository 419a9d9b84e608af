"""German formats for everything staff, callers and volunteers read (Babel, Europe/Berlin)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

# Parsed once: Babel parses a locale given by name again on every call (half the time of formatting a date).
LOCALE = Locale.parse("de_DE")
BERLIN = ZoneInfo("Europe/Berlin")


def datetime_de(value: datetime | None, zone: ZoneInfo = BERLIN, fmt: str = "dd.MM.yyyy, HH:mm") -> str:
    """`26.11.2026, 09:15` in local time."""
    if value is None:
        return ""
    return _formatted(value, zone, fmt)


@lru_cache(maxsize=8192)
def _formatted(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    """Babel's formatting, remembered: the dashboard, polled every few seconds, shows the same moments again
    (Babel took a sixth of a poll's CPU at a thousand calls of the day). Bounded: at most 8,192 texts."""
    return format_datetime(value, fmt, tzinfo=zone, locale=LOCALE)


def weekday_datetime_de(value: datetime | None, zone: ZoneInfo = BERLIN) -> str:
    """`Mo., 30.11.2026, 13:00 Uhr` in local time."""
    if value is None:
        return ""
    return datetime_de(value, zone, "EEE, dd.MM.yyyy, HH:mm") + " Uhr"


def window_de(starts_at: datetime | None, ends_at: datetime | None, zone: ZoneInfo = BERLIN) -> str:
    """A planned time with its weekday: `Mo., 30.11.2026, 13:00–18:00 Uhr`.

    A window that ends on another local day names both days, `Mo., 30.11.2026, 22:00 – Di., 01.12.2026,
    06:00 Uhr`, so a night shift is never read as ending before it starts.
    """
    if starts_at is None:
        return ""
    if ends_at is None:
        return weekday_datetime_de(starts_at, zone)
    start = datetime_de(starts_at, zone, "EEE, dd.MM.yyyy, HH:mm")
    if starts_at.astimezone(zone).date() == ends_at.astimezone(zone).date():
        return f"{start}–{time_de(ends_at, zone)} Uhr"
    return f"{start} – {datetime_de(ends_at, zone, 'EEE, dd.MM.yyyy, HH:mm')} Uhr"


def plural_de(count: int, one: str, many: str) -> str:
    """The word that fits the count: `Rückruf` for 1, `Rückrufe` for 0, 2, 3 …

    German has two plural forms (Babel's rule for `de`: "one" is exactly 1), so a pair of words is enough.
    """
    return one if count == 1 else many


def count_de(count: int, one: str, many: str) -> str:
    """The count with the fitting word: `1 Rückruf nötig`, `2 Rückrufe nötig`, `0 Rückrufe nötig`."""
    return f"{count} {plural_de(count, one, many)}"


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


def hours_de(hours: Decimal) -> str:
    """Hours as people write them: `3,5`, `3`, `1,25` (German comma, no trailing zeros)."""
    text = format_decimal(hours, "#,##0.##", locale=LOCALE)
    return text


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
