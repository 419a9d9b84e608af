"""Hours in a volunteer's SMS, as people really write them: pure, no database (`volunteers.replies.hours`
through `volunteers.replies.rules.parse` and `resolve`)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteers.outreach import texts as outreach_texts
from volunteers.replies.hours import Problem, Token, TokenKind, read
from volunteers.replies.rules import Action, Decision, ReplyKind, Unclear, parse, resolve

HOURS, UNCLEAR, OTHER = ReplyKind.HOURS, ReplyKind.UNCLEAR, ReplyKind.OTHER
INVALID, MISSING = Unclear.HOURS_INVALID, Unclear.HOURS_MISSING
OUT_OF_RANGE, TOO_PRECISE = Unclear.HOURS_OUT_OF_RANGE, Unclear.HOURS_TOO_PRECISE
# Our SMS as the volunteer's phone shows it under their answer.
REQUEST = outreach_texts.hours_request("4821")
REMINDER = outreach_texts.hours_reminder("4821", datetime(2026, 11, 25, 8, tzinfo=UTC))

# (text, hours, code): read as reported.
READ = [
    # The form the request shows, and its typos.
    ("STUNDEN 4821 3,5", "3.5", "4821"),
    ("Stunden 4821 3,5\nLG Petra", "3.5", "4821"),
    ("stunden 4821 3.5", "3.5", "4821"),
    ("STUNDEN 4821 3,50", "3.5", "4821"),
    ("Stunden 4821: 4", "4", "4821"),
    ("STUNDEN4821 2,5", "2.5", "4821"),
    ("Studen 4821 3,5", "3.5", "4821"),
    ("Stunen 4821 2", "2", "4821"),
    ("Stunden 4821 3,5.", "3.5", "4821"),
    ("Stunden: 4821 = 3,5", "3.5", "4821"),
    ("Stunden 4821 drei", "3", "4821"),
    # A code and a figure.
    ("4821 3:30", "3.5", "4821"),
    ("4821 3,5 😊", "3.5", "4821"),
    ("Einsatz 4821: 3 Std", "3", "4821"),
    ("4821 - 3,5 Std.", "3.5", "4821"),
    ("Gestern 4821 ca. 3,5", "3.5", "4821"),
    ("Einsatz 4821 von 9-13 Uhr, danke!", "4", "4821"),
    ("Petra Sommer\n4821 3,5 Std\n0170 1234567", "3.5", "4821"),
    # Numbers with a unit, the code left out.
    ("3,5 Std", "3.5", None),
    ("3,5 std 👍", "3.5", None),
    ("2,5h", "2.5", None),
    ("2.5 Stunden", "2.5", None),
    ("2 1/2 Std", "2.5", None),
    ("2½ Stunden", "2.5", None),
    ("3 ½ Stunden", "3.5", None),
    ("3stunden", "3", None),
    ("3:15 h", "3.25", None),
    # Hours and minutes; minutes alone.
    ("3 Std 15 Min", "3.25", None),
    ("3 Stunden und 15 Minuten", "3.25", None),
    ("3h15", "3.25", None),
    ("2 Std. 30 Min.", "2.5", None),
    ("2 Std 30", "2.5", None),
    ("90 Minuten", "1.5", None),
    ("45 min", "0.75", None),
    # Number words and the parts of an hour.
    ("drei Stunden", "3", None),
    ("Drei Stunden, danke!", "3", None),
    ("eine Stunde", "1", None),
    ("Es war nur eine Stunde 🙈", "1", None),
    ("zwölf Stunden", "12", None),
    ("vier Std.", "4", None),
    ("Zwei Stunden fünfzehn Minuten", "2.25", None),
    ("eine halbe Stunde", "0.5", None),
    ("anderthalb Stunden", "1.5", None),
    ("Eineinhalb Std", "1.5", None),
    ("dreieinhalb Stunden", "3.5", None),
    ("zweieinviertel Stunden", "2.25", None),
    ("eine Dreiviertelstunde", "0.75", None),
    ("dreiviertel Stunde", "0.75", None),
    ("drei Stunden und eine halbe", "3.5", None),
    ("drei und eine halbe Stunde", "3.5", None),
    # A range of times: the hours are the difference.
    ("14-17:30 Uhr", "3.5", None),
    ("von 14 bis 17.30 Uhr", "3.5", None),
    ("Von 9 bis 13 Uhr", "4", None),
    ("14:00-17:30", "3.5", None),
    ("14:00 – 17:30 Uhr", "3.5", None),
    ("14 -17 Uhr", "3", None),
    ("zwischen 14 und 17 Uhr", "3", None),
    ("von halb drei bis fünf", "2.5", None),
    ("Danke, war von 14 bis 17.30 Uhr da", "3.5", None),
    ("4 Stunden, 9-13 Uhr", "4", None),  # both say the same
    # ... across midnight only when it clearly is one night.
    ("22-2 Uhr", "4", None),
    ("von 20 bis 6 Uhr", "10", None),
    ("23:30-1:30 Uhr", "2", None),
    # "ca.", "etwa", greetings, thanks, signatures, emoji, line breaks, our SMS quoted below.
    ("ca. 3 Stunden", "3", None),
    ("etwa 2,5 Std", "2.5", None),
    ("Hallo, es waren gestern ca. 4 Stunden.\nLG Petra", "4", None),
    ("Hallo liebes Fluxx-Team,\nes waren 3,5 Stunden 👍\nLiebe Grüße\nPetra", "3.5", None),
    ("Leider nur 2 Stunden, die Kinder waren früh müde", "2", None),
    ("3,5 Stunden, danke für alles! 😊", "3.5", None),
    ("Ok, drei Stunden", "3", None),
    ("Danke, 3,5", "3.5", None),
    ("3,5", "3.5", None),
    ("2 Kinder, 3 Stunden", "3", None),
    ("Ich war 3 Std da. Um 17 Uhr kam die Mutter", "3", None),
    ("3,5 Std\nGesendet von meinem iPhone", "3.5", None),
    (f"Stunden 4821 3,5\n> {REQUEST}", "3.5", "4821"),
    (f"3 Std\n\n{REQUEST}", "3", None),
    (f"2,5 h danke\n\n{REMINDER}", "2.5", None),
    (f"4821 3,5 Stunden\n\nAm 27.11.2026 um 13:00 schrieb Fluxx:\n> {REQUEST}", "3.5", "4821"),
]

# (text, reason, code): never hours, always a helpful answer.
UNCLEAR_HOURS = [
    ("Stunden 4821", MISSING, "4821"),
    ("Stunden 4821 14 Uhr", MISSING, "4821"),  # a time of day, no hours
    ("2-3 Stunden", INVALID, None),  # a guess between two figures
    ("3,5 - 4 Std", INVALID, None),
    ("so 2,5 bis 3 Stunden", INVALID, None),
    ("Stunden 4821 14-17", INVALID, "4821"),  # times or hours?
    ("3.30 Std", INVALID, None),  # three point three, or three and a half?
    ("Stunden 4821 3:20", INVALID, "4821"),  # 3,333… hours
    ("20 Minuten", INVALID, None),
    ("17-14 Uhr", INVALID, None),
    ("von 11 bis 2 Uhr", INVALID, None),  # 11 to 14 o'clock, or a long night?
    ("3 Std, davon 1 Std Pause", INVALID, None),
    ("4 Stunden, 9-14 Uhr", INVALID, None),
    ("Stunden 4821 0", OUT_OF_RANGE, "4821"),
    ("null Stunden", OUT_OF_RANGE, None),
    ("-3 Std", OUT_OF_RANGE, None),
    ("25 Stunden", OUT_OF_RANGE, None),
    ("14-14 Uhr", OUT_OF_RANGE, None),
    ("2,333 Std", TOO_PRECISE, None),
    ("3,5 Stunden?", Unclear.QUESTION, None),
    ("3 Std 4821 5307", Unclear.SEVERAL_CODES, None),
    ("Nein, es waren drei Stunden", Unclear.CONFLICT, None),
    ("Ja, 3 Stunden 4821", Unclear.CONFLICT, "4821"),
]

# (text, kind): what only mentions hours, or says something else first.
NOT_HOURS = [
    ("Komme in 2 Stunden", ReplyKind.ACCEPT),
    ("Ja, bin in einer halben Stunde da", ReplyKind.ACCEPT),
    ("Bin um 14 Uhr da", OTHER),
    ("Stundenzettel kommt per Post", OTHER),
    ("Ich melde die Stunden morgen", OTHER),
    ("Ich habe 2 Kinder betreut", OTHER),
    ("am 12.05. von 14-17 Uhr", OTHER),
    ("STOPP", ReplyKind.OPT_OUT),
    ("Stopp 3 Std", ReplyKind.OPT_OUT),
    ("3 Std, aber bitte keine SMS mehr", ReplyKind.OPT_OUT),
]


@pytest.mark.parametrize(("text", "hours", "code"), READ)
def test_hours_are_read_as_the_volunteer_reported_them(text, hours, code):
    reply = parse(text)
    assert (reply.kind, reply.hours, reply.code, reply.reason) == (HOURS, Decimal(hours), code, None)


@pytest.mark.parametrize(("text", "reason", "code"), UNCLEAR_HOURS)
def test_hours_that_could_be_read_two_ways_are_unclear_with_a_reason(text, reason, code):
    reply = parse(text)
    assert (reply.kind, reply.reason, reply.code, reply.hours) == (UNCLEAR, reason, code, None)


@pytest.mark.parametrize(("text", "kind"), NOT_HOURS)
def test_what_only_mentions_hours_is_no_hours_report(text, kind):
    reply = parse(text)
    assert (reply.kind, reply.hours) == (kind, None)


def test_the_corpus_holds_at_least_sixty_real_looking_hours_replies():
    assert len(READ) >= 60 and len(READ) + len(UNCLEAR_HOURS) + len(NOT_HOURS) >= 100


def test_hours_without_an_hours_word_are_marked_for_resolve_to_decide():
    assert parse("3,5").implicit_hours and parse("4821 3:30").implicit_hours and parse("14-17 Uhr").implicit_hours
    assert not parse("3,5 Std").implicit_hours and not parse("STUNDEN 4821 3,5").implicit_hours


def test_the_reading_says_what_it_did_not_use():
    tokens = [Token(TokenKind.WORD, "UM"), Token(TokenKind.NUMBER, "14"), Token(TokenKind.WORD, "UHR")]
    assert read(tokens).rest == ("UM", "14", "UHR") and read(tokens).problem is Problem.INVALID
    assert read([]).problem is Problem.MISSING and not read([]).found


# --- Which job: the one awaiting hours -------------------------------------------------------------------

# (text, offered, assigned, awaiting, decision)
DECISIONS = [
    ("3,5 Std", set(), {"4821", "5307"}, {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3.5"))),
    (
        "3,5 Std", set(), {"4821", "5307"}, {"4821", "5307"},
        Decision(Action.ASK_CODE, hours=Decimal("3.5"), choices=("4821", "5307")),
    ),
    ("drei Stunden", {"1000"}, {"4821"}, {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3"))),
    # Not over yet (or confirmed): the only job held, and the caller answers "too early" or "confirmed".
    ("3,5 Std", set(), {"4821"}, set(), Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3.5"))),
    ("STUNDEN 5307 2", set(), {"4821", "5307"}, {"4821"}, Decision(Action.REPORT_HOURS, code="5307", hours=Decimal(2))),
    # A code the sender does not hold: never hours; the job awaiting them is named.
    (
        "STUNDEN 9999 3", set(), {"4821", "5307"}, {"4821"},
        Decision(Action.UNKNOWN_CODE, code="9999", hours=Decimal(3), choices=("4821",), example="STUNDEN 4821 3"),
    ),
    # No words for hours: only for the one job awaiting them, and only with no offer open.
    ("3,5", set(), {"4821"}, {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal("3.5"))),
    ("von 14 bis 17 Uhr", set(), {"4821"}, {"4821"}, Decision(Action.REPORT_HOURS, code="4821", hours=Decimal(3))),
    ("3,5", set(), {"4821", "5307"}, {"4821", "5307"}, Decision(Action.ASK_CODE, hours=Decimal("3.5"),
                                                               choices=("4821", "5307"))),
    ("3,5", {"5307"}, {"4821"}, {"4821"}, Decision(Action.FORWARD_TO_STAFF)),
    ("von 14 bis 17 Uhr", {"5307"}, {"4821"}, {"4821"}, Decision(Action.FORWARD_TO_STAFF)),
    ("3,5", set(), {"4821"}, set(), Decision(Action.FORWARD_TO_STAFF)),
    ("3,5", set(), set(), set(), Decision(Action.FORWARD_TO_STAFF)),
    ("4821 3,5", {"4821"}, set(), set(), Decision(Action.CLARIFY, code="4821", reason=Unclear.CODE_ONLY)),
    # Unclear hours name the job awaiting them.
    ("2-3 Std", set(), {"4821", "5307"}, {"5307"}, Decision(Action.CLARIFY, code="5307", reason=INVALID)),
    ("17-14 Uhr", set(), {"4821"}, {"4821"}, Decision(Action.CLARIFY, code="4821", reason=INVALID)),
    ("17-14 Uhr", {"5307"}, {"4821"}, {"4821"}, Decision(Action.FORWARD_TO_STAFF)),
    # Awaiting codes the sender does not hold count for nothing.
    ("3,5 Std", set(), set(), {"4821"}, Decision(Action.FORWARD_TO_STAFF, hours=Decimal("3.5"))),
    # STOPP wins.
    ("Stopp 3 Std", set(), {"4821"}, {"4821"}, Decision(Action.OPT_OUT)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "offered", "assigned", "awaiting", "decision"), DECISIONS)
def test_hours_go_to_the_job_awaiting_them(text, offered, assigned, awaiting, decision):
    assert resolve(parse(text), offered, assigned, awaiting) == decision


# --- Properties -------------------------------------------------------------------------------------------

CODES = ["4821", "5307", "1000", "9999"]
FRAGMENTS = [
    "STUNDEN", "Stunden", "Std", "std.", "h", "Min", "Minuten", "Uhr", "von", "bis", "zwischen", "und", "-", "–",
    "3", "3,5", "2.5", "3:30", "17.30", "14", "22", "2", "0", "-2", "25", "2,333", "1/2", "½", "drei", "eine",
    "halbe", "anderthalb", "dreieinhalb", "Viertel", "dreiviertel", "Viertelstunde", "nach", "vor", "halb", "in",
    "um", "am", "ca.", "etwa", "danke", "ja", "nein", "leider", "ok", "👍", "?", "STOPP", "keine SMS mehr",
    "LG Petra", "\n", "\n> ", "Fluxx:", "12.05.2026", "0170 1234567",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(CODES), st.text(max_size=8)), max_size=12).map(
    " ".join
)
code_sets = st.frozensets(st.sampled_from(CODES))


@settings(max_examples=600)
@given(texts, code_sets, code_sets, code_sets)
def test_hours_are_never_booked_for_a_code_outside_the_senders_assignments(text, offered, assigned, awaiting):
    decision = resolve(parse(text), offered, assigned, awaiting)
    if decision.action is Action.REPORT_HOURS:
        assert decision.code in assigned
        assert decision.hours is not None and Decimal(0) < decision.hours <= Decimal(24)
    assert set(decision.choices) <= offered | assigned


@settings(max_examples=300)
@given(texts, st.sampled_from(CODES), code_sets)
def test_hours_without_a_code_go_to_the_only_job_awaiting_them(text, awaiting, others):
    reply = parse(text)
    decision = resolve(reply, (), others | {awaiting}, {awaiting})
    if decision.action is Action.REPORT_HOURS and reply.code is None:
        assert decision.code == awaiting


def german(hours: Decimal) -> str:
    return format(hours.normalize(), "f").replace(".", ",")


@given(st.integers(min_value=1, max_value=48))
def test_any_quarter_hour_after_stunden_and_the_code_is_read_exactly(quarters):
    hours = Decimal(quarters) / 4
    for text in (f"STUNDEN 4821 {german(hours)}", f"{german(hours)} Std 4821", f"4821 {german(hours)}"):
        reply = parse(text)
        assert (reply.hours, reply.code) == (hours, "4821"), text
        assert str(reply.hours) == str(hours)  # exact, no float on the way


@given(st.integers(min_value=1, max_value=12), st.sampled_from(["", "einhalb", "einviertel", "dreiviertel"]))
def test_number_words_up_to_twelve_with_their_parts_are_read(number, part):
    words = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"]
    whole = "eine" if number == 1 and not part else words[number - 1]
    extra = {"": 0, "einhalb": Decimal("0.5"), "einviertel": Decimal("0.25"), "dreiviertel": Decimal("0.75")}[part]
    assert parse(f"{whole}{part} Stunden").hours == number + extra


def clock(minutes: int, style: str) -> str:
    hour, minute = divmod(minutes % (24 * 60), 60)
    if style == "colon" or minute:
        return f"{hour}:{minute:02d}" if style != "dot" else f"{hour}.{minute:02d}"
    return str(hour)


@given(
    st.integers(min_value=0, max_value=23 * 60).map(lambda m: m - m % 3),
    st.integers(min_value=3, max_value=12 * 60).map(lambda m: m - m % 3),
    st.sampled_from(["{a}-{b} Uhr", "von {a} bis {b} Uhr", "{a} - {b}", "Von {a} Uhr bis {b} Uhr"]),
    st.sampled_from(["plain", "colon", "dot"]),
)
def test_a_time_range_a_to_b_gives_b_minus_a(start, length, form, style):
    end = start + length
    text = form.format(a=clock(start, style), b=clock(end, style) if end < 24 * 60 else "24")
    if end > 24 * 60 or (form == "{a} - {b}" and not any(sign in text for sign in ".:")):
        return  # past midnight, see below; "14 - 17" alone is asked back
    assert parse(text).hours == Decimal(length) / 60, text


@given(
    st.integers(min_value=18 * 60, max_value=24 * 60 - 3).map(lambda m: m - m % 3),
    st.integers(min_value=0, max_value=9 * 60).map(lambda m: m - m % 3),
)
def test_a_night_from_the_evening_into_the_morning_crosses_midnight(start, end):
    text = f"von {clock(start, 'colon')} bis {clock(end, 'colon')} Uhr"
    assert parse(text).hours == Decimal(24 * 60 - start + end) / 60, text


@given(st.integers(min_value=10 * 60, max_value=17 * 60 + 57), st.integers(min_value=0, max_value=9 * 60))
def test_a_range_running_backwards_by_day_is_asked_back(start, end):
    reply = parse(f"{clock(start, 'colon')}-{clock(min(end, start - 1), 'colon')} Uhr")
    assert reply.hours is None and reply.reason in (INVALID, OUT_OF_RANGE)
