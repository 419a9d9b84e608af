"""Phone numbers are stored in E.164; staff may type them in any common German format."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number we can dial."""


def to_e164(raw: str, region: str = "DE") -> str:
    """Parse `0511 168-32110`, `+49 511 16832110` or `0049…` into `+4951116832110`."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("Bitte eine Telefonnummer angeben.")
    e164 = _e164(text, region) if len(text) <= CACHED_LENGTH else _parse(text, region)
    if e164 is None:
        raise InvalidPhoneNumber(f"„{text}“ ist keine gültige Telefonnummer.")
    return e164


CACHED_LENGTH = 40
"""Texts up to this long are remembered (at most 4,096 of them): every webhook parses the hotline's own number
and the caller's, and callers call again; parsing was a tenth of an incoming call's CPU (py-spy under load).
Longer texts, never a real number, are parsed each time so that nobody can fill the cache with them."""


def _parse(text: str, region: str) -> str | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_e164 = lru_cache(maxsize=4096)(_parse)


def try_e164(raw: str | None) -> str | None:
    """E.164 for a valid number, else None (e.g. Twilio's `anonymous` caller)."""
    try:
        return to_e164(raw or "")
    except InvalidPhoneNumber:
        return None


# German mobile numbers start with 015x, 016x or 017x. People say the four-digit prefix and then the rest
# ("0151 23456789"); phonenumbers' national format splits some after five digits ("01512 3456789").
_MOBILE_PREFIX = ("15", "16", "17")


HOTLINE_E164 = "+4951116832110"
HOTLINE_WRITTEN = "0511 168-32110"
"""The hotline's number in the one written form the service uses everywhere (header, SMS, bills, message log)."""


def display(number: str | None) -> str:
    """As people say it: `0151 23456789`, `0511 1234567`; numbers from abroad as `+44 1632 960123`; the hotline
    as it is printed everywhere, `0511 168-32110`."""
    if not number:
        return "unbekannt"
    if number == HOTLINE_E164:
        return HOTLINE_WRITTEN
    return _display(number) if len(number) <= CACHED_LENGTH else _display_uncached(number)


def _display_uncached(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return number
    fmt = phonenumbers.PhoneNumberFormat
    if parsed.country_code != 49:
        return phonenumbers.format_number(parsed, fmt.INTERNATIONAL)
    national = phonenumbers.national_significant_number(parsed)
    if national.startswith(_MOBILE_PREFIX) and len(national) > 4:
        return f"0{national[:3]} {national[3:]}"
    return phonenumbers.format_number(parsed, fmt.NATIONAL)


_display = lru_cache(maxsize=4096)(_display_uncached)
"""Remembered like `_e164` (texts up to CACHED_LENGTH): the dashboard shows a number in each of its rows and is
polled every 3 s, and parsing them was a sixth of a poll's time."""


def is_mobile(number: str | None) -> bool:
    """Whether the number reaches a mobile phone (one that can receive an SMS); a landline cannot."""
    try:
        parsed = phonenumbers.parse(number or "", "DE")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
