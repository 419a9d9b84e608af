import random

import pytest

from casework.jobs import rules as codes
from casework.search.rules import SearchQuery, parse_query, prefix_upper_bound


@pytest.mark.parametrize(
    "typed",
    ["0511 1683", "0511/1683", "+49 511 1683", "+49511-1683", "0049 511 1683", "(0511) 16 83"],
)
def test_a_phone_number_in_any_common_format_becomes_an_e164_prefix(typed):
    assert parse_query(typed) == SearchQuery(phone_prefix="+495111683")


def test_a_full_case_number_is_searched_exactly():
    assert parse_query(" 2026-000123 ") == SearchQuery(number="2026-000123")
    assert parse_query("2026-123") == SearchQuery(number="2026-000123")


def test_six_digits_are_a_case_number_without_year_or_the_start_of_a_phone_number():
    assert parse_query("000123") == SearchQuery(seq=123)
    assert parse_query("051116") == SearchQuery(seq=51116, phone_prefix="+4951116")


def test_a_name_is_a_case_insensitive_prefix():
    assert parse_query("  MÜLLER   Le ") == SearchQuery(name_prefix="müller le")
    assert parse_query("Straße") == SearchQuery(name_prefix="strasse")


def test_empty_or_meaningless_input_is_an_empty_query():
    assert parse_query("").empty and parse_query("   ").empty and parse_query("--").empty


def test_the_upper_bound_is_just_above_every_string_with_the_prefix():
    upper = prefix_upper_bound("+49511")
    assert "+49511" < "+495119999" < upper <= "+49512"


def test_a_picked_code_has_four_digits_and_avoids_codes_in_use():
    rng = random.Random(7)
    taken = {str(n) for n in range(1000, 9999)}  # all but 9999
    assert codes.pick_code(rng, taken) == "9999"
    assert codes.is_valid_code(codes.pick_code(rng, set()))


def test_picking_a_code_when_all_are_taken_fails_clearly():
    with pytest.raises(codes.NoFreeCode):
        codes.pick_code(random.Random(1), {str(n) for n in range(1000, 10000)})
