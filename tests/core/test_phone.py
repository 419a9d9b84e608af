"""E.164 parsing, and the cache that keeps webhooks from parsing the same numbers again and again."""

from __future__ import annotations

import pytest

from core import phone
from core.phone import InvalidPhoneNumber, to_e164, try_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0511 168-32110", "+4951116832110"), ("+49 511 16832110", "+4951116832110"),
     ("0049 151 23456789", "+4915123456789"), ("  0151 23456789 ", "+4915123456789")],
)  # fmt: skip
def test_common_german_forms_become_e164(raw: str, expected: str) -> None:
    assert to_e164(raw) == expected
    assert to_e164(raw) == expected  # the second time from the cache: the same answer


@pytest.mark.parametrize("raw", ["anonymous", "12", "0511", "+49 000 0000000"])
def test_what_is_no_number_is_refused_every_time(raw: str) -> None:
    for _ in range(2):  # the cache remembers the refusal, it does not turn it into a number
        with pytest.raises(InvalidPhoneNumber, match="keine gültige Telefonnummer"):
            to_e164(raw)
        assert try_e164(raw) is None


def test_empty_text_asks_for_a_number() -> None:
    with pytest.raises(InvalidPhoneNumber, match="Bitte eine Telefonnummer angeben"):
        to_e164("   ")


def test_the_cache_keeps_short_texts_only() -> None:
    phone._e164.cache_clear()
    to_e164("0511 168-32110")
    to_e164("0511 168-32110")
    assert phone._e164.cache_info().hits == 1
    long_text = "0511 " + "1" * phone.CACHED_LENGTH  # never a number: parsed, refused, not remembered
    with pytest.raises(InvalidPhoneNumber):
        to_e164(long_text)
    assert phone._e164.cache_info().currsize == 1


def test_shown_numbers_are_remembered_for_short_texts_only() -> None:
    phone._display.cache_clear()
    assert phone.display("+4915123456789") == "0151 23456789"
    assert phone.display("+4915123456789") == "0151 23456789"
    assert phone._display.cache_info().hits == 1
    assert phone.display("x" * (phone.CACHED_LENGTH + 1)) == "x" * (phone.CACHED_LENGTH + 1)  # not a number
    assert phone._display.cache_info().currsize == 1
