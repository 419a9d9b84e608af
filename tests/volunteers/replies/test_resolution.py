import dataclasses
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers.replies.rules import Action, Decision, Reply, ReplyKind, Unclear, parse, resolve

OFFER = "Fluxx: Kinderbetreuung in Garbsen, Mo 12.05. 14:00-17:00, Code 4821. Antworten Sie JA 4821 / NEIN 4821"


def decide(text, offered=(), assigned=()):
    return resolve(parse(text), offered_codes=offered, assigned_codes=assigned)


# (text, offered codes, assigned codes, expected decision)
DECISIONS = [
    # A yes.
    ("JA", {"4821"}, set(), Decision(Action.ACCEPT, code="4821")),
    ("Ja gerne", {"4821", "5307"}, set(), Decision(Action.ASK_CODE, choices=("4821", "5307"))),
    ("ja 4821", {"4821", "5307"}, set(), Decision(Action.ACCEPT, code="4821")),
    ("ok 4821", {"4821"}, set(), Decision(Action.ACCEPT, code="4821")),
    ("Ja!", set(), set(), Decision(Action.NOTHING_OPEN)),
    # "OK" or "👍" alone: never a yes; asked back with the job, silent next to a job already held.
    ("OK", {"4821"}, set(), Decision(Action.ASK_YES, choices=("4821",))),
    ("👍", {"4821"}, set(), Decision(Action.ASK_YES, choices=("4821",))),
    ("ok", {"5307"}, {"4821"}, Decision(Action.ASK_YES, choices=("5307",))),
    ("Ok danke", {"5307", "4821"}, set(), Decision(Action.ASK_YES, choices=("4821", "5307"))),
    ("👍", set(), {"4821"}, Decision(Action.NOTED)),
    ("😊", set(), set(), Decision(Action.NOTHING_OPEN)),
    # A code the sender was not offered: never acted on; their only code is named.
    ("Ja 5307", {"4821"}, set(), Decision(Action.UNKNOWN_CODE, code="5307", choices=("4821",), example="JA 4821")),
    ("Ja 0421", {"4821"}, set(), Decision(Action.UNKNOWN_CODE, code="0421", choices=("4821",), example="JA 4821")),
    ("Ja 9999", {"4821", "5307"}, set(), Decision(Action.UNKNOWN_CODE, code="9999")),
    ("JA 4821", set(), {"4821"}, Decision(Action.ALREADY_ASSIGNED, code="4821")),
    # A no.
    ("NEIN 4821", {"4821"}, set(), Decision(Action.DECLINE, code="4821")),
    ("Nein danke", {"4821"}, set(), Decision(Action.DECLINE, code="4821")),
    ("kann leider nicht", {"4821", "5307"}, set(), Decision(Action.ASK_CODE, choices=("4821", "5307"))),
    ("Nein danke", {"5307"}, {"4821"}, Decision(Action.DECLINE, code="5307")),
    ("NEIN 4821", set(), {"4821"}, Decision(Action.WITHDRAW, code="4821")),
    ("kann leider nicht", set(), {"4821"}, Decision(Action.WITHDRAW, code="4821")),
    ("nee", set(), set(), Decision(Action.NOTHING_OPEN)),
    ("NEIN 5307", {"4821"}, set(), Decision(Action.UNKNOWN_CODE, code="5307", choices=("4821",), example="NEIN 4821")),
    # A withdrawal.
    ("ABSAGE 4821", set(), {"4821"}, Decision(Action.WITHDRAW, code="4821")),
    ("kann doch nicht", {"5307"}, {"4821"}, Decision(Action.WITHDRAW, code="4821")),
    ("kann doch nicht", set(), {"4821", "5307"}, Decision(Action.ASK_CODE, choices=("4821", "5307"))),
    ("ABSAGE 4821", {"4821"}, set(), Decision(Action.DECLINE, code="4821")),
    ("muss leider absagen", {"4821"}, set(), Decision(Action.DECLINE, code="4821")),
    (
        "ABSAGE 5307",
        set(),
        {"4821"},
        Decision(Action.UNKNOWN_CODE, code="5307", choices=("4821",), example="ABSAGE 4821"),
    ),  # fmt: skip
    ("kann doch nicht", set(), set(), Decision(Action.NOTHING_OPEN)),
    # Hours.
    ("STUNDEN 4821 3,5", set(), {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3.5"))),
    ("STUNDEN 4821 3,5", {"4821"}, set(), Decision(Action.UNKNOWN_CODE, code="4821", hours=Decimal("3.5"))),
    ("3 Stunden", set(), {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3"))),
    (
        "3 Stunden",
        set(),
        {"4821", "5307"},
        Decision(Action.ASK_CODE, hours=Decimal("3"), choices=("4821", "5307")),
    ),
    ("3 Stunden", set(), set(), Decision(Action.FORWARD_TO_STAFF, hours=Decimal("3"))),
    (
        "STUNDEN 9999 3,5",
        set(),
        {"4821"},
        Decision(Action.UNKNOWN_CODE, code="9999", hours=Decimal("3.5"), choices=("4821",), example="STUNDEN 4821 3,5"),
    ),  # fmt: skip
    # A code and a number alone: hours for a held job, a code for an offered one.
    ("4821 3:30", set(), {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3.5"))),
    ("4821 3:30", {"4821"}, set(), Decision(Action.CLARIFY, code="4821", reason=Unclear.CODE_ONLY)),
    ("4821 30", set(), {"4821"}, Decision(Action.CLARIFY, code="4821", reason=Unclear.HOURS_OUT_OF_RANGE)),
    ("4821 30", {"4821"}, set(), Decision(Action.CLARIFY, code="4821", reason=Unclear.CODE_ONLY)),
    # Opt-out wins over everything, in any usual words.
    ("Abmelden bitte", {"4821"}, set(), Decision(Action.OPT_OUT)),
    ("STOP bitte keine SMS mehr", {"4821"}, {"5307"}, Decision(Action.OPT_OUT)),
    ("Ja 4821, aber bitte keine SMS mehr", {"4821"}, set(), Decision(Action.OPT_OUT)),
    # Keywords, unclear replies and free text.
    ("STOPP", {"4821"}, {"5307"}, Decision(Action.OPT_OUT)),
    ("START", set(), set(), Decision(Action.OPT_IN)),
    ("Hilfe", {"5307"}, set(), Decision(Action.HELP, code="5307")),
    ("Hilfe", {"5307", "4821"}, set(), Decision(Action.HELP)),
    ("ja 4821 nein 4821", {"4821"}, set(), Decision(Action.CLARIFY, code="4821", reason=Unclear.CONFLICT)),
    ("Ja 4821 und 5307", {"4821", "5307"}, set(), Decision(Action.CLARIFY, reason=Unclear.SEVERAL_CODES)),
    # Clarifying answers name the sender's only code, never an example.
    (OFFER, {"5307"}, set(), Decision(Action.CLARIFY, code="5307", reason=Unclear.QUOTE_ONLY)),
    (OFFER, {"5307", "1000"}, set(), Decision(Action.CLARIFY, reason=Unclear.QUOTE_ONLY)),
    ("Ja 482", {"5307"}, set(), Decision(Action.CLARIFY, code="5307", reason=Unclear.BAD_CODE)),
    ("ja nein", {"5307"}, set(), Decision(Action.CLARIFY, code="5307", reason=Unclear.CONFLICT)),
    ("Stunden 2,333", {"1000"}, {"5307"}, Decision(Action.CLARIFY, code="5307", reason=Unclear.HOURS_TOO_PRECISE)),
    ("Stunden 2,333", {"1000"}, set(), Decision(Action.CLARIFY, reason=Unclear.HOURS_TOO_PRECISE)),
    ("Stunden 4821 30", set(), {"4821"}, Decision(Action.CLARIFY, code="4821", reason=Unclear.HOURS_OUT_OF_RANGE)),
    ("Wer ist da am Telefon?", {"4821"}, set(), Decision(Action.FORWARD_TO_STAFF)),
]


@pytest.mark.parametrize(("text", "offered", "assigned", "decision"), DECISIONS)
def test_a_reply_is_resolved_against_the_senders_offers_and_assignments(text, offered, assigned, decision):
    assert decide(text, offered, assigned) == decision


def test_a_bare_yes_with_exactly_one_open_offer_means_that_offer():
    assert decide("Ja", offered=["4821"]) == Decision(Action.ACCEPT, code="4821")


def test_a_bare_yes_with_several_open_offers_asks_which_code_in_order():
    decision = decide("Ja", offered=["5307", "4821", "1000"])
    assert decision == Decision(Action.ASK_CODE, choices=("1000", "4821", "5307"))


def test_a_yes_for_a_code_the_sender_was_not_offered_is_never_an_acceptance():
    assert decide("JA 5307", offered=["4821"]).action == Action.UNKNOWN_CODE


def test_a_quoted_offer_under_a_bare_yes_accepts_only_the_senders_own_offer():
    assert decide(f"Ja\n> {OFFER}", offered=["5307"]) == Decision(Action.ACCEPT, code="5307")


def test_resolution_takes_any_collection_of_codes():
    reply = parse("Ja")
    assert resolve(reply, ["4821"]) == resolve(reply, ("4821",)) == resolve(reply, frozenset({"4821"}))


def test_a_decision_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        decide("Ja", offered=["4821"]).code = "5307"  # type: ignore[misc]


def test_an_hours_reply_without_hours_is_not_reported():
    # Only the parser builds replies, but a hand-made one must not book hours either.
    assert resolve(Reply(ReplyKind.HOURS, "x", code="4821"), [], ["4821"]).action == Action.FORWARD_TO_STAFF


# --- Properties ------------------------------------------------------------------------------------------

CODES = ["4821", "5307", "1000", "9999", "0421"]
FRAGMENTS = [
    "ja", "JA", "Ja!", "jaaa", "ok", "klar", "gerne", "👍", "👍🏻", "nein", "NEIN", "nee", "leider", "nicht",
    "kann", "doch", "absage", "ABSAGEN", "stunden", "Std", "h", "3,5", "2.25", "-3", "2 1/2", "½", "24", "25",
    "0", "aber", "erst", "ab", "?", "!", ":", "/", "-", ">", "LG Petra", "Viele Grüße", "Fluxx:", "oder",
    "STOP", "STOPP", "START", "HILFE", "ABMELDEN", "\n", "\n> ", "\r\n", "  ", "😊", "🙏", "❌", "482", "48211",
    "0170 1234567", "12.05.2026", "14-17", "Jein", "warum", "kein Problem", OFFER,
]  # fmt: skip
replies = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(CODES), st.from_regex(r"\d{1,5}", fullmatch=True), st.text()),
    max_size=14,
).map(" ".join)
code_sets = st.frozensets(st.sampled_from(CODES))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.text(min_size=1_000, max_size=5_000), replies))
def test_parsing_never_raises_on_any_text(text):
    reply = parse(text)
    assert reply.text == text
    assert reply.hours is None or Decimal(0) < reply.hours <= Decimal(24)
    assert reply.code is None or (len(reply.code) == 4 and reply.code.isdigit())


def test_parsing_copes_with_a_very_long_text_full_of_emoji_and_codes():
    text = ("Ja 4821 👍🏻 nein 5307 > Fluxx: 3,5 Std\n" * 5_000)[:200_000]
    assert parse(text).kind == ReplyKind.UNCLEAR


@settings(max_examples=500)
@given(replies, code_sets, code_sets)
def test_resolution_never_acts_on_a_code_the_sender_was_not_offered_or_assigned(text, offered, assigned):
    decision = resolve(parse(text), offered_codes=offered, assigned_codes=assigned)
    if decision.action in (Action.ACCEPT, Action.DECLINE):
        assert decision.code in offered
    if decision.action in (Action.WITHDRAW, Action.REPORT_HOURS, Action.ALREADY_ASSIGNED):
        assert decision.code in assigned
    if decision.action == Action.ACCEPT:
        assert decision.code not in assigned
    assert set(decision.choices) <= offered | assigned


@settings(max_examples=300)
@given(replies, st.sampled_from([f"\n> {OFFER}", f"\n\n{OFFER}", "\n> JA 4821 / NEIN 4821"]))
def test_quoting_our_offer_below_a_reply_never_turns_it_into_an_acceptance(text, quote):
    if parse(text + quote).kind == ReplyKind.ACCEPT:
        assert parse(text).kind == ReplyKind.ACCEPT
        assert parse(text + quote).code == parse(text).code
