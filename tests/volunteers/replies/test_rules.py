from decimal import Decimal

import pytest

from volunteers.replies.rules import ReplyKind, Unclear, normalise, parse

ACCEPT, DECLINE, WITHDRAW, HOURS = ReplyKind.ACCEPT, ReplyKind.DECLINE, ReplyKind.WITHDRAW, ReplyKind.HOURS
UNCLEAR, OTHER, OPT_OUT, ACK = ReplyKind.UNCLEAR, ReplyKind.OTHER, ReplyKind.OPT_OUT, ReplyKind.ACKNOWLEDGE

# Our offer as a volunteer's phone shows it; people paste it back, quote it, or "like" it.
OFFER = "Fluxx: Kinderbetreuung in Garbsen, Mo 12.05. 14:00-17:00, Code 4821. Antworten Sie JA 4821 / NEIN 4821"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("STOP", ReplyKind.OPT_OUT),
        ("stopp", ReplyKind.OPT_OUT),
        (" Stopp! ", ReplyKind.OPT_OUT),
        ("ABMELDEN", ReplyKind.OPT_OUT),
        ("start", ReplyKind.OPT_IN),
        ("Hilfe?", ReplyKind.HELP),
        ("HILFE 🙏", ReplyKind.HELP),
        ("Start ist um 9?", ReplyKind.OTHER),
        ("Bitte nicht stoppen", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
    ],
)
def test_keywords_count_only_as_the_whole_message(text, kind):
    assert parse(text).kind == kind


def test_normalising_drops_surrounding_punctuation_and_emoji_but_keeps_umlauts():
    assert normalise("  ...Grüße!! 😊 ") == "GRÜSSE"


# (text, kind, code, hours): what volunteers really type.
REPLIES = [
    # Yes, with or without the code, before or after it.
    ("JA", ACCEPT, None, None),
    ("ja 4821", ACCEPT, "4821", None),
    ("Ja!", ACCEPT, None, None),
    ("Ja gerne", ACCEPT, None, None),
    ("jaaa", ACCEPT, None, None),
    ("ok 4821", ACCEPT, "4821", None),
    ("OK 4821 👍", ACCEPT, "4821", None),
    ("Ok, mach ich", ACCEPT, None, None),
    ("Ok gerne", ACCEPT, None, None),
    ("klar", ACCEPT, None, None),
    ("gerne", ACCEPT, None, None),
    ("👍🏻 4821", ACCEPT, "4821", None),
    # "OK" or an emoji alone acknowledges (maybe only "read"): never a yes to a care job, asked back.
    ("OK", ACK, None, None),
    ("ok", ACK, None, None),
    ("Okay!", ACK, None, None),
    ("👍", ACK, None, None),
    ("👍🏻👍🏻", ACK, None, None),
    ("Ok danke", ACK, None, None),
    ("Alles klar 👍", ACK, None, None),
    ("Super, danke! 👌", ACK, None, None),
    ("😊", ACK, None, None),
    ("🙏", ACK, None, None),
    (f"OK\n> {OFFER}", ACK, None, None),
    ("4821 ja", ACCEPT, "4821", None),
    ("JA4821", ACCEPT, "4821", None),
    ("  JA   4821  ", ACCEPT, "4821", None),
    ("Ja!!! 😊 4821", ACCEPT, "4821", None),
    ("Ja, sehr gerne!", ACCEPT, None, None),
    ("Jawohl", ACCEPT, None, None),
    ("Jo, mach ich", ACCEPT, None, None),
    ("Ja klar, kein Problem", ACCEPT, None, None),
    ("Ja, warum nicht", ACCEPT, None, None),
    ("Kann ich machen", ACCEPT, None, None),
    ("Ich kann 4821 übernehmen", ACCEPT, "4821", None),
    ("Hallo!\nJa, ich kann den Einsatz 4821 übernehmen 😊\nViele Grüße\nPetra", ACCEPT, "4821", None),
    ("Hallo Fluxx-Team,\nja gerne 4821", ACCEPT, "4821", None),
    ("Code 4821: ja, passt", ACCEPT, "4821", None),
    ("Grüß Gott, ja 4821", ACCEPT, "4821", None),
    ("نعم ٤٨٢١ 👍", ACCEPT, "4821", None),
    ("ＪＡ　４８２１", ACCEPT, "4821", None),
    ("Ja 4821, bis morgen!", ACCEPT, "4821", None),
    ("Ja 4821, muss ich was mitbringen?", ACCEPT, "4821", None),
    # Signatures, phone numbers and quotes are not the answer.
    ("Ja 4821\nLG Petra", ACCEPT, "4821", None),
    ("Ja 4821 LG Petra", ACCEPT, "4821", None),
    ("Ja 4821\nPetra Müller\n0170 1234567", ACCEPT, "4821", None),
    ("Ja gerne\n\nGesendet von meinem iPhone", ACCEPT, None, None),
    (f"Ja gerne!\n\n{OFFER}", ACCEPT, None, None),
    (f"> {OFFER}\nJa", ACCEPT, None, None),
    (f"Nein danke\n> {OFFER}", DECLINE, None, None),
    # No.
    ("NEIN 4821", DECLINE, "4821", None),
    ("Nein danke", DECLINE, None, None),
    ("kann leider nicht", DECLINE, None, None),
    ("leider nein", DECLINE, None, None),
    ("nee", DECLINE, None, None),
    ("Nö", DECLINE, None, None),
    ("Neeein 😞", DECLINE, None, None),
    ("nein4821", DECLINE, "4821", None),
    ("4821 nein, sorry", DECLINE, "4821", None),
    ("Sorry, keine Zeit", DECLINE, None, None),
    ("Heute leider nicht", DECLINE, None, None),
    ("Diesmal nicht, sorry", DECLINE, None, None),
    ("Passt mir zeitlich leider nicht", DECLINE, None, None),
    ("Schaffe ich leider nicht", DECLINE, None, None),
    ("Bin leider verhindert", DECLINE, None, None),
    ("Nein danke, gerne ein andermal", DECLINE, None, None),
    ("👎", DECLINE, None, None),
    # Withdrawing a job already taken.
    ("ABSAGE 4821", WITHDRAW, "4821", None),
    ("kann doch nicht", WITHDRAW, None, None),
    ("muss leider absagen", WITHDRAW, None, None),
    ("Muss leider absagen, bin krank", WITHDRAW, None, None),
    ("Kann 4821 leider doch nicht übernehmen", WITHDRAW, "4821", None),
    ("Sorry, schaffe es morgen doch nicht", WITHDRAW, None, None),
    ("Ich falle leider aus", WITHDRAW, None, None),
    ("4821 absagen bitte", WITHDRAW, "4821", None),
    # Hours after the job.
    ("STUNDEN 4821 3,5", HOURS, "4821", Decimal("3.5")),
    ("Stunden 4821: 3.5", HOURS, "4821", Decimal("3.5")),
    ("4821 stunden 2 1/2", HOURS, "4821", Decimal("2.5")),
    ("3,5 Std 4821", HOURS, "4821", Decimal("3.5")),
    ("Stunden 4821 3", HOURS, "4821", Decimal("3")),
    ("Stunden 4821 2,25", HOURS, "4821", Decimal("2.25")),
    ("Stunden 4821 2½", HOURS, "4821", Decimal("2.5")),
    ("4821: 4h", HOURS, "4821", Decimal("4")),
    ("Stunden 4821 - 2", HOURS, "4821", Decimal("2")),
    ("stunden 4821 24", HOURS, "4821", Decimal("24")),
    ("Hallo, waren 3,5 Stunden bei 4821. LG Anja", HOURS, "4821", Decimal("3.5")),
    ("Stunden 4821: 3,5 ok?", HOURS, "4821", Decimal("3.5")),
    ("3 Stunden", HOURS, None, Decimal("3")),
    ("Stunden 4821 3:30", HOURS, "4821", Decimal("3.5")),
    ("Stunden 4821 2:15", HOURS, "4821", Decimal("2.25")),
    # A code and a number alone: hours for a job the sender holds (see resolve), never "JA oder NEIN".
    ("4821 3:30", HOURS, "4821", Decimal("3.5")),
    ("4821 3,5", HOURS, "4821", Decimal("3.5")),
    ("Einsatz 4821: 4", HOURS, "4821", Decimal("4")),
    # Withdrawing consent, in any usual words; it wins over a yes in the same message.
    ("Abmelden bitte", OPT_OUT, None, None),
    ("STOP bitte keine SMS mehr", OPT_OUT, None, None),
    ("Stopp!!! 😡", OPT_OUT, None, None),
    ("stopp bitte", OPT_OUT, None, None),
    ("Bitte STOPP.", OPT_OUT, None, None),
    ("keine SMS mehr", OPT_OUT, None, None),
    ("Bitte keine Nachrichten mehr!", OPT_OUT, None, None),
    ("Ich möchte keine weiteren Anfragen", OPT_OUT, None, None),
    ("bitte austragen", OPT_OUT, None, None),
    ("Bitte tragen Sie mich aus", OPT_OUT, None, None),
    ("abbestellen", OPT_OUT, None, None),
    ("nicht mehr kontaktieren", OPT_OUT, None, None),
    ("Bitte nicht mehr per SMS kontaktieren 🙏", OPT_OUT, None, None),
    ("Schreiben Sie mich bitte nicht mehr an", OPT_OUT, None, None),
    ("Ich möchte mich abmelden", OPT_OUT, None, None),
    ("Bitte melden Sie mich ab", OPT_OUT, None, None),
    ("Löschen Sie meine Nummer", OPT_OUT, None, None),
    ("Ok, bitte abmelden", OPT_OUT, None, None),
    ("Ja 4821, aber danach bitte keine SMS mehr", OPT_OUT, None, None),
    ("keine SMS mehr\nLG Petra", OPT_OUT, None, None),
    # ... but not what only looks like it.
    ("kann nicht stoppen", DECLINE, None, None),
    ("Bitte nicht abmelden", OTHER, None, None),
    ("Ich bekomme keine SMS mehr", OTHER, None, None),
    ("Melde mich ab morgen wieder", OTHER, None, None),
    ("Nach dem Stopp beim Arzt rufe ich an", OTHER, None, None),
    ("Ich melde mich von 4821 ab", WITHDRAW, "4821", None),
    ("4821 austragen bitte", WITHDRAW, "4821", None),
    # Not an answer: for staff.
    ("Danke!", OTHER, None, None),
    ("Wer ist da am Telefon?", OTHER, None, None),
    (f"Gefällt „{OFFER}“", OTHER, None, None),
    ("LG Petra", OTHER, None, None),
]


@pytest.mark.parametrize(("text", "kind", "code", "hours"), REPLIES)
def test_a_real_reply_is_read_as_what_the_volunteer_meant(text, kind, code, hours):
    reply = parse(text)
    assert (reply.kind, reply.code, reply.hours) == (kind, code, hours)
    assert reply.text == text


# (text, reason, code): never an acceptance, always a helpful answer and a message left for staff.
UNCLEAR_REPLIES = [
    ("ja nein", Unclear.CONFLICT, None),
    ("ja 4821 nein 4821", Unclear.CONFLICT, "4821"),
    ("Jein", Unclear.CONFLICT, None),
    ("Ja. Nein, doch nicht.", Unclear.CONFLICT, None),
    ("Ok, kann leider nicht", Unclear.CONFLICT, None),
    ("Ja 4821 und 5307", Unclear.SEVERAL_CODES, None),
    ("Ja 4821, 5307 auch", Unclear.SEVERAL_CODES, None),
    ("NEIN 4821 5307", Unclear.SEVERAL_CODES, None),
    ("Ja, aber erst ab 15 Uhr", Unclear.CONDITIONAL, None),
    ("Komme gerne, wenn nicht zu spät", Unclear.CONDITIONAL, None),
    ("Ja vielleicht", Unclear.CONDITIONAL, None),
    ("Ja 4821, kann aber nur bis 16 Uhr", Unclear.CONDITIONAL, "4821"),
    ("Ja gerne, wo genau?", Unclear.QUESTION, None),
    ("Ist das in Garbsen? Dann ja 4821", Unclear.QUESTION, "4821"),
    ("Ja 482", Unclear.BAD_CODE, None),
    ("Ja 48211", Unclear.BAD_CODE, None),
    ("4821", Unclear.CODE_ONLY, "4821"),
    ("Stopp 4821", Unclear.CODE_ONLY, "4821"),
    ("Stunden 4821 3:20", Unclear.HOURS_INVALID, "4821"),
    ("4821 14-17", Unclear.HOURS_INVALID, "4821"),
    (OFFER, Unclear.QUOTE_ONLY, None),
    (f"> {OFFER}", Unclear.QUOTE_ONLY, None),
    ("JA 4821 / NEIN 4821", Unclear.QUOTE_ONLY, None),
    ("Stunden 4821", Unclear.HOURS_MISSING, "4821"),
    ("Stunden 4821 0", Unclear.HOURS_OUT_OF_RANGE, "4821"),
    ("Stunden 4821 -2", Unclear.HOURS_OUT_OF_RANGE, "4821"),
    ("Stunden 4821 25", Unclear.HOURS_OUT_OF_RANGE, "4821"),
    ("Stunden 4821 24,5", Unclear.HOURS_OUT_OF_RANGE, "4821"),
    ("Stunden 4821 2,333", Unclear.HOURS_TOO_PRECISE, "4821"),
    ("Stunden 4821 14-17", Unclear.HOURS_INVALID, "4821"),
    ("Ja, 3 Stunden 4821", Unclear.CONFLICT, "4821"),
]


@pytest.mark.parametrize(("text", "reason", "code"), UNCLEAR_REPLIES)
def test_an_ambiguous_reply_is_unclear_with_a_reason_and_never_an_acceptance(text, reason, code):
    reply = parse(text)
    assert (reply.kind, reply.reason, reply.code, reply.hours) == (UNCLEAR, reason, code, None)


def test_the_table_holds_at_least_sixty_real_looking_replies():
    assert len(REPLIES) + len(UNCLEAR_REPLIES) >= 60


@pytest.mark.parametrize(
    "text",
    ["Stopp\nLG Petra", f"STOP\n> {OFFER}", f"Abmelden!\n\n{OFFER}", "stopp 🙏"],
)
def test_an_opt_out_word_alone_above_a_signature_or_quote_still_opts_out(text):
    assert parse(text).kind == ReplyKind.OPT_OUT


@pytest.mark.parametrize("text", ["JA 4821 / NEIN 4821", OFFER, f"> {OFFER}", f"Hallo\n{OFFER}"])
def test_quoting_our_offer_never_accepts_it(text):
    assert parse(text).kind not in (ACCEPT, DECLINE)


def test_hours_are_decimals_never_floats():
    hours = parse("Stunden 4821 2,25").hours
    assert type(hours) is Decimal
    assert hours == Decimal("2.25")


def test_a_message_of_sixteen_hundred_characters_is_read_from_its_first_line():
    text = "Ja 4821\n" + "Das ist ein langer Text ohne Bedeutung. " * 40
    assert len(text) > 1_600
    assert (parse(text).kind, parse(text).code) == (ACCEPT, "4821")
