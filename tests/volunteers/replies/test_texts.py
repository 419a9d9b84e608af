from datetime import UTC, datetime
from decimal import Decimal

import pytest

from messaging import texts as sms_texts
from volunteers.outreach.rules import is_gsm7, sms_segments
from volunteers.replies import texts as reply_texts
from volunteers.replies.rules import Action, Decision, ReplyKind, Unclear, parse, resolve
from volunteers.replies.texts import ANSWERED_BY_OUTCOME, SILENT, answer_for, ask_code, clarify


def decision_for(action: Action) -> Decision:
    """A decision as resolve() makes it for `action`, with the fields it sets."""
    return {
        Action.ACCEPT: Decision(action, code="4821"),
        Action.DECLINE: Decision(action, code="4821"),
        Action.WITHDRAW: Decision(action, code="4821"),
        Action.REPORT_HOURS: Decision(action, code="4821", hours=Decimal("3.5")),
        Action.ASK_CODE: Decision(action, choices=("4821", "5310")),
        Action.ASK_YES: Decision(action, choices=("4821",)),
        Action.UNKNOWN_CODE: Decision(action, code="4812"),
        Action.ALREADY_ASSIGNED: Decision(action, code="4821"),
        Action.CLARIFY: Decision(action, reason=Unclear.CONFLICT, code="4821"),
    }.get(action, Decision(action))


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_an_answer_or_is_answered_with_its_outcome(action):
    answer = answer_for(decision_for(action))
    if action in ANSWERED_BY_OUTCOME or action in SILENT:
        assert answer is None
    else:
        assert answer, f"no answer for {action}"


def test_only_accept_withdraw_and_hours_wait_for_their_outcome():
    assert {Action.ACCEPT, Action.WITHDRAW, Action.REPORT_HOURS} == ANSWERED_BY_OUTCOME


@pytest.mark.parametrize("reason", [*Unclear, None])
@pytest.mark.parametrize("code", ["4821", None])
def test_every_unclear_reason_gets_its_own_short_gsm7_hint(reason, code):
    answer = answer_for(Decision(Action.CLARIFY, code=code, reason=reason))
    assert answer is not None and answer.startswith("Fluxx: ")
    assert is_gsm7(answer) and sms_segments(answer) == 1, (len(answer), answer)


def test_unclear_reasons_do_not_share_a_text():
    answers = [clarify(reason, "4821") for reason in Unclear]
    assert len(set(answers)) == len(answers)


# Every answer, as a volunteer reads it.
ANSWERS = {action: answer for action in Action if (answer := answer_for(decision_for(action))) is not None} | {
    "ask code for hours": ask_code(("4821", "5310"), Decimal("3.5")),
    "ask code among five": ask_code(("1234", "2345", "3456", "4567", "5678")),
    "unknown code without code": answer_for(Decision(Action.UNKNOWN_CODE)),
    "hours for a closed job": answer_for(Decision(Action.FORWARD_TO_STAFF, hours=Decimal("2.25"))),
    "unknown code, the one meant": answer_for(
        Decision(Action.UNKNOWN_CODE, code="9999", choices=("4821",), example="STUNDEN 4821 12,25")
    ),
    "ask yes among three": reply_texts.ask_yes(("1234", "2345", "3456")),
    "help with the sender's code": answer_for(Decision(Action.HELP, code="5310")),
    "hours replaced": reply_texts.hours_replaced(Decimal("3.5"), Decimal("24"), "4821"),
    "hours too early": reply_texts.hours_too_early("4821", datetime(2026, 11, 27, 8, tzinfo=UTC)),
    "hours beyond the window": reply_texts.hours_beyond_window(Decimal("23.75"), "4821", Decimal("4.25")),
    "hours already confirmed": reply_texts.hours_already_confirmed("4821", Decimal("12.25")),
    "hours replaced, long figures": reply_texts.hours_replaced(Decimal("12.25"), Decimal("23.75"), "4821"),
    "hours for a cancelled job": reply_texts.hours_job_cancelled("4821"),
}


@pytest.mark.parametrize(("key", "answer"), ANSWERS.items(), ids=[str(key) for key in ANSWERS])
def test_every_answer_is_one_gsm7_sms(key, answer):
    assert answer is not None
    assert is_gsm7(answer) and sms_segments(answer) == 1, (len(answer), answer)


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=[str(key) for key in ANSWERS])
def test_a_pasted_answer_is_never_read_as_a_reply(answer):
    assert answer is not None
    reply = parse(answer)
    assert reply.kind not in (ReplyKind.ACCEPT, ReplyKind.DECLINE, ReplyKind.WITHDRAW, ReplyKind.HOURS)


def test_a_bare_yes_with_two_offers_asks_for_the_code():
    decision = resolve(parse("Ja gerne"), offered_codes=["5310", "4821"])
    assert answer_for(decision) == (
        "Fluxx: Sie haben mehrere Einsätze offen (4821, 5310). "
        "Bitte antworten Sie mit JA oder NEIN und dem Code, z. B. JA 4821."
    )


def test_hours_for_one_of_two_jobs_ask_for_the_code_with_the_hours():
    decision = resolve(parse("Stunden 2,5"), offered_codes=[], assigned_codes=["4821", "5310"])
    assert answer_for(decision) == (
        "Fluxx: Für welchen Einsatz sind die 2,5 Stunden (4821, 5310)? Bitte mit Code, z. B. STUNDEN 4821 2,5"
    )


def test_an_unknown_code_is_named_back():
    decision = resolve(parse("ja 4812"), offered_codes=["4821", "5310"])
    assert answer_for(decision) == (
        "Fluxx: Den Code 4812 finden wir bei Ihnen nicht. Bitte prüfen Sie ihn in unserer SMS. "
        f"Fragen: {sms_texts.HOTLINE}"
    )


@pytest.mark.parametrize(
    ("text", "offered", "assigned", "hint"),
    [
        ("Ja 9999", ["5310"], [], "Meinen Sie Einsatz 5310? Dann antworten Sie JA 5310."),
        ("nein 9999", ["5310"], [], "Meinen Sie Einsatz 5310? Dann antworten Sie NEIN 5310."),
        ("ABSAGE 9999", [], ["5310"], "Meinen Sie Einsatz 5310? Dann antworten Sie ABSAGE 5310."),
        ("Stunden 9999 2,5", [], ["5310"], "Meinen Sie Einsatz 5310? Dann antworten Sie STUNDEN 5310 2,5."),
    ],
)
def test_an_unknown_code_with_one_real_job_names_that_job(text, offered, assigned, hint):
    answer = answer_for(resolve(parse(text), offered_codes=offered, assigned_codes=assigned))
    assert answer == f"Fluxx: Den Code 9999 finden wir bei Ihnen nicht. {hint} Fragen: {sms_texts.HOTLINE}"


def test_ok_alone_asks_whether_it_is_a_yes_and_names_the_job():
    assert answer_for(resolve(parse("OK"), offered_codes=["5310"])) == (
        "Fluxx: Möchten Sie Einsatz 5310 übernehmen? Dann antworten Sie JA 5310."
    )
    assert answer_for(resolve(parse("👍"), offered_codes=["5310", "4821"])) == (
        "Fluxx: Möchten Sie einen Einsatz übernehmen (4821, 5310)? "
        "Dann antworten Sie mit JA und dem Code, z. B. JA 4821."
    )


def test_a_thumbs_up_to_a_job_already_held_needs_no_answer():
    assert answer_for(resolve(parse("👍"), offered_codes=[], assigned_codes=["5310"])) is None


@pytest.mark.parametrize(
    ("text", "offered", "assigned", "expected"),
    [
        ("Fluxx: Kinderbetreuung in Garbsen, Code 5310. Antworten Sie JA 5310 / NEIN 5310", ["5310"], [],
         "JA 5310 oder NEIN 5310"),
        ("Ja 53100", ["5310"], [], "JA 5310 oder NEIN 5310"),
        ("Ja 4821 und 1234", ["5310"], [], "JA 5310."),
        ("ja nein", ["5310"], [], "JA 5310 oder NEIN 5310"),
        ("Stunden 5310", [], ["5310"], "STUNDEN 5310 3,5"),
        ("Stunden 14-17", [], ["5310"], "STUNDEN 5310 3,5"),
        ("Stunden 0", [], ["5310"], "STUNDEN 5310 3,5"),
        ("Stunden 2,333", [], ["5310"], "STUNDEN 5310 2,25"),
        ("Hilfe", ["5310"], [], "JA 5310."),
    ],
)  # fmt: skip
def test_clarifying_answers_use_the_senders_only_code_never_the_example(text, offered, assigned, expected):
    answer = answer_for(resolve(parse(text), offered_codes=offered, assigned_codes=assigned))
    assert answer is not None and expected in answer and "4821" not in answer, answer


def test_a_yes_with_nothing_open_says_the_job_may_be_taken():
    answer = answer_for(resolve(parse("JA"), offered_codes=[]))
    assert answer is not None and "keine Anfrage an Sie offen" in answer


def test_a_second_yes_to_a_held_job_reminds_how_to_withdraw():
    answer = answer_for(resolve(parse("ja 4821"), offered_codes=[], assigned_codes=["4821"]))
    assert answer == "Fluxx: Einsatz 4821 ist schon Ihrer, danke! Falls Sie doch nicht können: ABSAGE 4821"


def test_a_conditional_yes_is_left_to_staff_and_says_so():
    answer = answer_for(resolve(parse("Ja, aber erst ab 15 Uhr 4821"), offered_codes=["4821"]))
    assert answer is not None and "prüft das Team" in answer and "JA 4821 oder NEIN 4821" in answer


def test_a_broken_hours_report_shows_the_right_form_with_its_code():
    answer = answer_for(resolve(parse("Stunden 4821 14-17"), offered_codes=[], assigned_codes=["4821"]))
    assert answer is not None and "STUNDEN 4821 3,5" in answer


def test_a_decline_is_thanked():
    answer = answer_for(resolve(parse("Nein danke 4821"), offered_codes=["4821"]))
    assert answer == "Fluxx: Danke für Ihre Antwort zu Einsatz 4821. Vielleicht passt es beim nächsten Mal."


def test_keywords_get_the_existing_keyword_texts():
    assert answer_for(Decision(Action.OPT_OUT)) == sms_texts.OPTED_OUT
    assert answer_for(Decision(Action.OPT_IN)) == sms_texts.OPTED_IN
    assert answer_for(Decision(Action.HELP)) == sms_texts.HELP
    assert answer_for(Decision(Action.FORWARD_TO_STAFF)) == sms_texts.FORWARDED
