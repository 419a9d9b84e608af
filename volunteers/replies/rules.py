"""Pure parsing of a volunteer's SMS into a command. No database, no I/O: tested in microseconds.

Keywords count as the whole message ("Stopp!" opts out, "Start ist um 9?" does not), the way carriers
and Twilio treat opt-out words. Twilio itself acts on the English STOP/START (and sends its own
confirmation, blocking ours); the German STOPP and ABMELDEN are only ours. They are checked before
anything else, on the whole message and on the volunteer's own text without signature or quote.

A withdrawal of consent is honoured in any usual words too, and wins over a yes in the same message
("Abmelden bitte", "STOP bitte keine SMS mehr", "Ok, bitte austragen"): see `opts_out` for the phrases
and the readings that are deliberately not an opt-out ("kann nicht stoppen", "Bitte nicht abmelden",
"Ich bekomme keine SMS mehr", "Ich melde mich von 4821 ab").

Everything else is read from the volunteer's own text only: lines quoted with ">", a pasted copy of our
offer (which itself says "JA 4821 / NEIN 4821"), reply headers and signatures ("LG Petra") are cut off
first, so quoting an offer never accepts it. What is left is read as words and signals — yes, no,
withdrawal, hours, conditions ("aber", "erst ab"), negations — and a job code of exactly four digits
before or after them. Anything that could be read two ways is `ReplyKind.UNCLEAR` with a reason, never
an acceptance: the caller answers helpfully and leaves the message open for staff.

The figure of an hours report ("3,5", "3 Std 15 Min", "drei Stunden", "14-17:30 Uhr") is read from the same
tokens by the pure module beside this one, `volunteers.replies.hours`, so an hours reply goes through the
same STOPP, quote, signature, unclear-text and code handling as every other reply.

`resolve` then decides, from the codes the sender was offered, the ones they hold and among those the ones
awaiting hours, what to do. It never accepts, withdraws or books hours for a code outside those.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from volunteers.replies import hours as hours_reading
from volunteers.replies.hours import Problem, Token, TokenKind


class ReplyKind(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    ACCEPT = "accept"
    # "OK", "👍", "Ok danke 😊" alone: agreement without saying to what (maybe only "read"). Never a yes to
    # a care job: with an open offer the answer asks back and names the job.
    ACKNOWLEDGE = "acknowledge"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    HOURS = "hours"
    UNCLEAR = "unclear"
    OTHER = "other"


class Unclear(enum.StrEnum):
    """Why a reply is `ReplyKind.UNCLEAR`, so the caller can answer to the point."""

    CONFLICT = "conflict"  # yes and no at once: "ja nein", "Jein", "JA 4821 NEIN 4821"
    CONDITIONAL = "conditional"  # a yes with a condition: "Ja, aber erst ab 15 Uhr"
    QUESTION = "question"  # a question instead of an answer: "Ja, wo genau?"
    SEVERAL_CODES = "several_codes"  # "Ja 4821 und 5307"
    BAD_CODE = "bad_code"  # a number that is almost a code: "Ja 482", "Ja 48211"
    CODE_ONLY = "code_only"  # "4821" and nothing that says yes or no
    QUOTE_ONLY = "quote_only"  # only a quoted or pasted SMS of ours, nothing of their own
    HOURS_MISSING = "hours_missing"  # "Stunden 4821"
    HOURS_INVALID = "hours_invalid"  # "Stunden 4821 14-17", "3:20", "2 / 3"
    HOURS_OUT_OF_RANGE = "hours_out_of_range"  # zero, negative or more than 24
    HOURS_TOO_PRECISE = "hours_too_precise"  # more than two decimals: "2,333"


# How `volunteers.replies.hours` says why a figure cannot be noted.
_HOURS_PROBLEMS = {
    Problem.MISSING: Unclear.HOURS_MISSING,
    Problem.INVALID: Unclear.HOURS_INVALID,
    Problem.OUT_OF_RANGE: Unclear.HOURS_OUT_OF_RANGE,
    Problem.TOO_PRECISE: Unclear.HOURS_TOO_PRECISE,
}


KEYWORDS = {
    "STOP": ReplyKind.OPT_OUT,
    "STOPP": ReplyKind.OPT_OUT,
    "ABMELDEN": ReplyKind.OPT_OUT,
    "START": ReplyKind.OPT_IN,
    "HILFE": ReplyKind.HELP,
    "HELP": ReplyKind.HELP,
}


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str
    code: str | None = None
    hours: Decimal | None = None
    reason: Unclear | None = None
    # Hours without an hours word ("4821 3:30", "3,5", "von 14 bis 17 Uhr", "90 Minuten"): with a code,
    # hours only for a job the sender holds, for an offered job just a code; without one, hours only when
    # exactly the sender's jobs that wait for hours can be meant (`resolve` decides).
    implicit_hours: bool = False


def normalise(text: str) -> str:
    """Upper case without surrounding spaces, punctuation or emoji: " stopp! 🙏" -> "STOPP"."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    return re.sub(r"^[\W_]+|[\W_]+$", "", folded)


# --- The volunteer's own text ----------------------------------------------------------------------

# A line quoted by the phone ("> Fluxx: ..."): skipped, the volunteer's answer may follow it.
_QUOTED_LINE = re.compile(r"^\s*>")
# Where the volunteer's own text ends: something quoted (a reply header, a pasted copy of our SMS) ...
_HEADER_LINE = re.compile(
    r"^\s*(?:-{3,}|_{3,}|am\b.{0,80}\bschrieb|on\b.{0,80}\bwrote|von\s*:|from\s*:|gesendet\s*:|sent\s*:"
    r"|ursprüngliche nachricht|original message|weitergeleitete nachricht|forwarded message)",
    re.IGNORECASE,
)
_QUOTE = re.compile(
    # Every SMS of ours starts "Fluxx: ..." or "Fluxx-Notfallbetreuung: ..." ("Hallo Fluxx-Team" is theirs).
    r"\bfluxx(?:-notfallbetreuung)?\s*:"
    # The answer instructions of an offer, also when only they were pasted: "JA 4821 / NEIN 4821".
    r"|\bja\W*\d{4}\W*(?:/|\||,|oder|bzw|und)\W*nein\W*\d{4}"
    r"|\bantworten\s+sie\b",
    re.IGNORECASE,
)
# ... or a signature: "LG Petra", "Viele Grüße, Petra", "Gruß P.", "-- ", "Gesendet von meinem iPhone".
_SIGNATURE = re.compile(
    r"^\s*(?:--|—)|\b(?:lg|vg|mfg|lgr)\b|\b(?:gesendet von|sent from|von meinem)\b"
    r"|\b(?:liebe|viele|beste|schöne|herzliche|freundliche|sonnige)?\s*gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]")
# Emoji and other pictographs (a message of them alone acknowledges, see `ReplyKind.ACKNOWLEDGE`).
_EMOJI = re.compile(r"[\u2600-\u27BF\U0001F300-\U0001FAFF]")
# Phone numbers in signatures must not be read as codes: "0170 1234567", "+49 511 123456".
_PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d(?:[ \-/()]{0,2}\d){6,}")
# Vulgar fractions before NFKC, which would glue "2½" into "21⁄2".
_FRACTIONS = {"½": " 1/2", "¼": " 1/4", "¾": " 3/4"}


@dataclass(frozen=True)
class _OwnText:
    text: str
    quoted: bool  # something was quoted or pasted (and cut off)


def _own_text(text: str) -> _OwnText:
    """The volunteer's own words: lines before a signature, header or pasted SMS, without "> " quotes."""
    own: list[str] = []
    quoted = said_something = False
    for line in text.splitlines():
        if _QUOTED_LINE.match(line):
            quoted = True
            continue
        if _HEADER_LINE.match(line):
            quoted = True
            break
        quote, signature = _QUOTE.search(line), _SIGNATURE.search(line)
        if signature is not None and not (said_something or _WORD.search(line, 0, signature.start())):
            signature = None  # nothing before it: a greeting ("Grüß Gott, ja 4821"), not a signature
        if quote is None and signature is None:
            own.append(line)
            said_something = said_something or _WORD.search(line) is not None
            continue
        ends = min(cut.start() for cut in (quote, signature) if cut is not None)
        quoted = quoted or (quote is not None and quote.start() == ends)
        own.append(line[:ends])
        break
    return _OwnText("\n".join(own), quoted)


# --- Tokens -------------------------------------------------------------------------------------------

# A number keeps its separators ("3,5", "12.05.2026", "3:30", "1/2") and a minus glued to it ("-3"); a
# dash between two tokens is kept for the hours ("14-17:30 Uhr").
_TOKEN = re.compile(
    r"(?P<number>(?:(?<![\w.,:/])[-−–])?\d+(?:[.,:/]\d+)*)"
    r"|(?P<dash>[-−–—])"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<yes>[\U0001F44D\U0001F44C\u2705\u2714\u2611])"  # 👍 👌 ✅ ✔ ☑
    r"|(?P<no>[\U0001F44E\u274C\u2716\u274E\U0001F6AB])"  # 👎 ❌ ✖ ❎ 🚫
    r"|(?P<question>\?)"
)
_UMLAUTS = str.maketrans({"Ä": "AE", "Ö": "OE", "Ü": "UE"})
# Words never typed by a volunteer stand in for numbers and signs, so the phrases below can name them.
CODE, NUMBER, DATE, THUMBS_UP, THUMBS_DOWN = "QCODE", "QNUM", "QDATE", "QYES", "QNO"
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}")


@dataclass
class _Tokens:
    words: list[str]
    codes: list[str]
    almost_codes: bool  # three or five digits: a mistyped code
    question: bool
    atoms: list[Token]  # everything but question marks, for reading the hours (`volunteers.replies.hours`)


_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _prepare(text: str) -> str:
    """NFKC (full-width letters, ligatures) after spelling out vulgar fractions; every digit as 0-9."""
    for fraction, spelled in _FRACTIONS.items():
        text = text.replace(fraction, spelled)
    text = unicodedata.normalize("NFKC", text)
    # Arabic-Indic, Devanagari ... digits from other keyboards: "٤٨٢١" is code 4821.
    return _OTHER_DIGIT.sub(lambda digit: str(unicodedata.decimal(digit.group())), text)


def _tokens(text: str) -> _Tokens:
    text = _PHONE.sub(" ", text)
    result = _Tokens(words=[], codes=[], almost_codes=False, question=False, atoms=[])
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "question":
            result.question = True
        elif kind == "dash":
            result.atoms.append(Token(TokenKind.DASH, "-"))
        elif kind in ("yes", "no"):
            result.words.append(THUMBS_UP if kind == "yes" else THUMBS_DOWN)
            result.atoms.append(Token(TokenKind.OTHER, result.words[-1]))
        elif kind == "word":
            result.words.append(value.upper().translate(_UMLAUTS))
            result.atoms.append(Token(TokenKind.WORD, result.words[-1]))
        else:
            _number(result, value)
    return result


def _number(result: _Tokens, value: str) -> None:
    negative = not value[0].isdigit()
    raw = value.lstrip("-−–")
    if raw.isdigit() and len(raw) == 4:
        # Job codes are exactly four digits (casework.codes); "0421" is no code of ours but
        # still meant as one, so it is read as a code that nobody was offered.
        result.codes.append(raw)
        result.words.append(CODE)
        result.atoms.append(Token(TokenKind.CODE, raw))
    elif _DATE.fullmatch(raw):
        result.words.append(DATE)
        result.atoms.append(Token(TokenKind.OTHER, DATE))
    else:
        result.almost_codes |= raw.isdigit() and len(raw) in (3, 5)
        result.words.append(NUMBER)
        result.atoms.append(Token(TokenKind.NUMBER, f"-{raw}" if negative else raw))


# --- Signals ----------------------------------------------------------------------------------------
# Phrases over the upper-case words joined by single spaces (umlauts as AE/OE/UE, ß as SS). Each
# group is matched and blanked out in this order, so "kann doch nicht" is a withdrawal and not also
# a "kann nicht", and "kein Problem" is a yes and not a negation.


def _phrases(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\S)(?:{pattern})(?!\S)")


_ANY = r"(?: \S+)"
# "Melde mich ab morgen wieder": "ab" as "from", not "melde ... ab" as "sign off".
_WHEN = (
    r"(?:QNUM|QDATE|MORGEN|UEBERMORGEN|HEUTE|JETZT|SOFORT|NAECHSTE\S*|DEM|DER|DEN|WANN|MONTAG|DIENSTAG|MITTWOCH"
    r"|DONNERSTAG|FREITAG|SAMSTAG|SONNTAG|WIEDER|UND)(?!\S)"
)
# A negated opt-out word is no withdrawal either: "Bitte nicht abmelden" is for staff.
_NEGATED_LEAVING = _phrases(r"(?:NICHT|NIE|KEIN|KEINE) (?:ABMELDEN|AUSTRAGEN|ABBESTELLEN)")
_CLOSING = _phrases(r"BIS (?:DANN|GLEICH|MORGEN|SPAETER|BALD|NACHHER|DEMNAECHST)|TUT MIR LEID")
_JEIN = _phrases(r"JEIN|JA NEIN|NEIN JA")
_SOFT_YES_PHRASES = _phrases(r"WARUM NICHT|KEIN PROBLEM|KEIN THEMA|NICHT SCHLIMM")
_WITHDRAW = _phrases(
    rf"DOCH{_ANY}? (?:NICHT|KEIN|KEINE|KEINEN)|NICHT MEHR|ABSAGE|ABSAGEN|SAGE?{_ANY}? AB|STORNO|STORNIERE|STORNIEREN"
    rf"|FALLE{_ANY}? AUS|BIN{_ANY}? KRANK|ZURUECKZIEHEN|ZIEHE{_ANY}{{0,2}} ZURUECK|ZURUECKTRETEN"
    # Leaving one job in the words of an opt-out (only read so next to a code, see `opts_out`).
    rf"|ABMELDEN|ABMELDUNG|AUSTRAGEN|(?:MELDEN SIE|MELDE|MELD) MICH{_ANY}{{0,3}} AB(?! {_WHEN})"
    rf"|(?:TRAGEN SIE|TRAGE) MICH{_ANY}{{0,3}} AUS"
)
# Words that may stand between a verb and its "nicht": "passt mir zeitlich leider nicht".
_FILLER = (
    r"(?: (?:ICH|ES|S|DAS|DEN|DIE|DEM|DIESEN|DIESE|MIR|UNS|LEIDER|HEUTE|MORGEN|DIESMAL|DANN|DA|AUCH|WIRKLICH|ECHT"
    r"|SO|QCODE|EINSATZ|ZEIT|ZEITLICH|TERMIN|AM|UM|QNUM|UHR|DORT|HIN)){0,4}"
)
_DECLINE = _phrases(
    r"(?:KANN|KANNS|KOENNEN|KOENNTE|GEHT|GEHTS|PASST|PASSTS|KLAPPT|KLAPPTS|SCHAFFE|SCHAFF|SCHAFFS|KOMME|MACHE|MACH"
    rf"|HABE|HAB|BIN){_FILLER} (?:NICHT|KEINE|KEIN|NIE)"
    r"|KEINE ZEIT|NICHT MOEGLICH|NICHT DA|(?:HEUTE|DIESMAL|DIESES MAL|MORGEN|DA|LIEBER) NICHT|NICHT HEUTE"
    r"|VERHINDERT|ABLEHNEN|LEHNE(?: \S+)? AB|ANDERWEITIG|NE+I+N+|NE{2,}|NOE+|NAE|NOPE|NO+|LEIDER|QNO"
)
_STRONG_YES = _phrases(r"J+A+(?:JA+)*|JAWO+H?L+|JO+|JA+P+|JE+P+|JU+P+|Y+E+S+|ZUSAGE|SAGE ZU")
_SOFT_YES = _phrases(
    r"O+K+|O+KA+Y+|O+KE+Y*|O+KI+|KLA+R+|KLARO|GE+R+N+E*|PA+S+T+|BIN DABEI|MACHE? ICHS?|KANN ICH MACHEN|ICH KANN"
    r"|KANN ICH|UEBERNEHME|UEBERNEHMEN|NEHME ICH|KOMME|QYES"
)
_HOURS = _phrases("|".join(sorted(hours_reading.SIGNAL_WORDS)) + r"|STUNDENZETTEL|(?<=QNUM )(?:H|HR|HRS)")
_CONDITION = _phrases(
    r"ABER|WENN|WENNS|FALLS|SOFERN|ERST|NUR|VIELLEICHT|EVENTUELL|EVTL|VLLT|VLT|AB|BIS|SPAETER|UNGEFAEHR|CA"
)
_NEGATION = _phrases(r"NICHT|KEIN|KEINE|KEINEN|KEINER|NIE|NIEMALS")

# --- Withdrawing consent ---------------------------------------------------------------------------------

# What the SMS are called in "keine SMS mehr", "keine weiteren Einsatzanfragen".
_CHANNEL = r"SMS|NACHRICHT|NACHRICHTEN|ANFRAGE|ANFRAGEN|EINSATZANFRAGE|EINSATZANFRAGEN|EINSATZ SMS|MELDUNGEN|SMSEN"
_CONTACT_VERB = r"KONTAKTIEREN|ANSCHREIBEN|SCHREIBEN|ANSIMSEN|SIMSEN|SMSEN|BENACHRICHTIGEN|ANFRAGEN"
_MY_NUMBER = r"(?:\S+ )?(?:NUMMER|HANDYNUMMER|TELEFONNUMMER|MOBILNUMMER|DATEN)"
# Readings that only look like an opt-out; blanked out first.
_NOT_OPT_OUT = _phrases(
    # Negated: "Bitte nicht abmelden", "kein Stopp" (for staff: maybe a pause, maybe a mistake).
    r"(?:NICHT|NIE|KEIN|KEINE) (?:STOP|STOPP|ABMELDEN|AUSTRAGEN|ABBESTELLEN)"
    # A noun, not a command: "nach dem Stopp beim Arzt", "Bus-Stop" (one word before it).
    r"|(?:DEM|DER|DEN|EIN|EINEN|EINEM|BEIM|ZUM|NACH|VOR|MIT|OHNE|BUS|BOXEN|KURZER|KURZEN) (?:STOP|STOPP)"
    # A complaint, not a wish: "Ich bekomme keine SMS mehr", "Warum kommen keine Anfragen mehr?"
    rf"|(?:BEKOMME|BEKOMMEN|BEKOMMT|ERHALTE|ERHALTEN|KRIEGE|KRIEG|KRIEGEN|KOMMEN|KOMMT|KAM|KAMEN)(?: \S+){{0,3}}"
    rf" KEINE(?: \S+)? (?:{_CHANNEL}) MEHR"
)
# Always an opt-out, whatever else the message says ("Ja, aber bitte keine SMS mehr").
_OPT_OUT = _phrases(
    rf"KEINE (?:WEITEREN? (?:{_CHANNEL})|(?:{_CHANNEL})(?: \S+){{0,3}} MEHR)"
    rf"|NICHT MEHR(?: \S+){{0,2}} (?:{_CONTACT_VERB})|NIE WIEDER(?: \S+){{0,2}} (?:{_CONTACT_VERB})"
    rf"|(?:{_CONTACT_VERB}) SIE MICH(?: \S+){{0,2}} (?:NICHT MEHR|NIE WIEDER)"
    r"|ABBESTELLEN|BESTELLE(?: \S+){0,3} AB|UNSUBSCRIBE|OPT OUT|OPTOUT|AUS (?:DEM|IHREM|EUREM) VERTEILER"
    rf"|(?:LOESCHEN|LOESCHT) SIE MEINE {_MY_NUMBER}|MEINE {_MY_NUMBER}(?: \S+){{0,2}} (?:LOESCHEN|ENTFERNEN)"
    r"|STOPPEN SIE(?: \S+){0,3} (?:SMS|NACHRICHTEN|ANFRAGEN)"
)
# An opt-out without a job code; with one, leaving that job: "Ich melde mich von 4821 ab" withdraws
# (see `_WITHDRAW`), "Stopp 4821" is unclear (see `Unclear.CODE_ONLY`).
_OPT_OUT_WITHOUT_CODE = _phrases(
    r"STOP|STOPP|ABMELDEN|ABMELDUNG|AUSTRAGEN|(?:TRAGEN SIE|TRAGT|TRAG) MICH(?: \S+){0,3} AUS"
    # At the end only: "Melde mich ab morgen wieder" is no opt-out.
    r"|(?:MELDEN SIE|MELDET|MELDE|MELD) MICH(?: \S+){0,3} AB(?: BITTE| DANKE)* *$"
)


def opts_out(words: list[str]) -> bool:
    """Whether the volunteer's words withdraw their consent to SMS, in any usual phrasing.

    Honoured, and winning over a yes or no in the same message (a withdrawal of consent cannot wait for
    a clarifying question; START undoes it): "Abmelden bitte", "bitte austragen", "abbestellen",
    "keine SMS mehr", "keine weiteren Anfragen", "nicht mehr kontaktieren", "Löschen Sie meine Nummer",
    "STOP bitte keine SMS mehr", "Stopp!!! 😡", "Ok, bitte abmelden".

    Deliberately not an opt-out, read as usual instead: "kann nicht stoppen" and "nicht stoppen" (STOPPEN
    is no command word), "Bitte nicht abmelden" (negated), "nach dem Stopp" (a noun), "Ich bekomme keine SMS
    mehr" (a complaint), and the words that can also mean leaving one job (STOP, STOPP, ABMELDEN,
    AUSTRAGEN) next to a job code: "Ich melde mich von 4821 ab" withdraws from 4821, "Stopp 4821" stays
    unclear for staff.
    """
    line = _NOT_OPT_OUT.sub(lambda match: " " * len(match.group()), " ".join(words))
    if _OPT_OUT.search(line):
        return True
    return CODE not in words and _OPT_OUT_WITHOUT_CODE.search(line) is not None


# --- Acknowledgements ----------------------------------------------------------------------------------

_ACK_WORD = re.compile(r"O+K+|O+KA+Y+|O+KE+Y*|O+KI+|OKIDOKI|QYES|ALLESKLAR")
# Words that say nothing about a job next to an acknowledgement: "Ok danke", "Super, danke 👍".
_ACK_COMPANIONS = frozenset({"DANKE", "DANKESCHOEN", "VIELEN", "DANK", "HALLO", "HI", "SUPER", "PRIMA", "TOP", "GUT"})
_ALLES_KLAR = _phrases("ALLES KLAR")


def _acknowledges_only(words: list[str]) -> bool:
    """ "OK", "👍", "Ok danke", "Alles klar 👍": an acknowledgement and nothing that names a yes."""
    joined = _ALLES_KLAR.sub("ALLESKLAR", " ".join(words)).split()
    return any(_ACK_WORD.fullmatch(word) for word in joined) and all(
        _ACK_WORD.fullmatch(word) or word in _ACK_COMPANIONS for word in joined
    )


# --- Hours without an hours word --------------------------------------------------------------------------

# "4821 3:30", "Einsatz 4821: 3,5", "4821 - 4", "3,5", "Danke, war von 14 bis 17.30 Uhr da", "90 Minuten": a
# figure, nothing that says yes or no, and besides it only words like these. Hours only where `resolve` finds
# nothing else the sender can mean.
_IMPLICIT_HOURS_WORDS = frozenset(
    {
        "EINSATZ", "CODE", "HALLO", "HI", "DANKE", "DANKESCHOEN", "VIELEN", "DANK", "GESTERN", "HEUTE", "VORGESTERN",
        "CA", "ETWA", "UNGEFAEHR", "ZIRKA", "CIRCA", "INSGESAMT", "GESAMT", "GENAU", "ICH", "WAR", "WAREN", "ES",
        "DA", "DORT", "BEI", "ORT", "ALSO", "SIND", "BETREUT", "GEARBEITET",
    }
)  # fmt: skip


def _implicit_hours(reading: hours_reading.Reading) -> bool:
    return reading.found and all(word in _IMPLICIT_HOURS_WORDS for word in reading.rest)


# A reply that starts with a command and its code ("JA 4821, wann genau?") is meant, question or not.
_COMMAND = re.compile(r"J+A+|NE+I+N+|O+K+|O+KA+Y+|ABSAGE|ABSAGEN|STUNDEN|STD")


@dataclass
class _Signals:
    first: dict[str, int]  # signal name -> where it first occurs


def _signals(words: list[str]) -> _Signals:
    line = " ".join(words)
    first: dict[str, int] = {}
    for name, pattern in (
        ("negated_leaving", _NEGATED_LEAVING),
        ("closing", _CLOSING),
        ("jein", _JEIN),
        ("soft_yes", _SOFT_YES_PHRASES),
        ("withdraw", _WITHDRAW),
        ("decline", _DECLINE),
        ("strong_yes", _STRONG_YES),
        ("soft_yes", _SOFT_YES),
        ("hours", _HOURS),
        ("condition", _CONDITION),
        ("negation", _NEGATION),
    ):
        line = pattern.sub(partial(_blank, first, name), line)
    return _Signals(first)


def _blank(first: dict[str, int], name: str, match: re.Match[str]) -> str:
    """Note where signal `name` first occurs; blank it out (same length) so later groups skip it."""
    first[name] = min(first.get(name, match.start()), match.start())
    return " " * len(match.group())


# --- Parsing --------------------------------------------------------------------------------------------


def parse(text: str) -> Reply:
    keyword = KEYWORDS.get(normalise(text))
    own = _own_text(_prepare(text))
    if keyword is None:
        keyword = KEYWORDS.get(normalise(own.text))
    if keyword is not None:
        return Reply(kind=keyword, text=text)
    tokens = _tokens(own.text)
    if opts_out(tokens.words):
        return Reply(kind=ReplyKind.OPT_OUT, text=text)
    if not tokens.words:
        if own.quoted:
            return _unclear(text, Unclear.QUOTE_ONLY)
        if _EMOJI.search(own.text):  # "😊", "🙏": like a thumbs up, maybe only "read"
            return Reply(kind=ReplyKind.ACKNOWLEDGE, text=text)
        return Reply(kind=ReplyKind.OTHER, text=text)
    reading = hours_reading.read(tokens.atoms)
    kind, reason = _kind(tokens.words, _signals(tokens.words), figure=reading.found)
    implicit_hours = kind is ReplyKind.OTHER and _implicit_hours(reading)
    if implicit_hours:
        kind = ReplyKind.HOURS
    elif kind is ReplyKind.OTHER and tokens.codes:
        kind, reason = ReplyKind.UNCLEAR, Unclear.CODE_ONLY
    if kind in (ReplyKind.OTHER, ReplyKind.UNCLEAR):
        return Reply(kind=kind, text=text, code=_single(tokens.codes), reason=reason)
    if kind is ReplyKind.ACCEPT and not tokens.codes and _acknowledges_only(tokens.words):
        return Reply(kind=ReplyKind.ACKNOWLEDGE, text=text)
    code = _single(tokens.codes)
    if tokens.question and not _starts_with_command(tokens.words):
        return Reply(ReplyKind.UNCLEAR, text, code=code, reason=Unclear.QUESTION, implicit_hours=implicit_hours)
    if len(set(tokens.codes)) > 1:
        return Reply(ReplyKind.UNCLEAR, text, reason=Unclear.SEVERAL_CODES, implicit_hours=implicit_hours)
    if kind is ReplyKind.HOURS:
        if reading.hours is None:
            problem = _HOURS_PROBLEMS[reading.problem or Problem.MISSING]
            return Reply(ReplyKind.UNCLEAR, text, code=code, reason=problem, implicit_hours=implicit_hours)
        return Reply(kind=kind, text=text, code=code, hours=reading.hours, implicit_hours=implicit_hours)
    if code is None and tokens.almost_codes:
        return _unclear(text, Unclear.BAD_CODE)
    return Reply(kind=kind, text=text, code=code)


def _unclear(text: str, reason: Unclear, code: str | None = None) -> Reply:
    return Reply(kind=ReplyKind.UNCLEAR, text=text, code=code, reason=reason)


def _single(codes: list[str]) -> str | None:
    return codes[0] if len(set(codes)) == 1 else None


def _declines(words: list[str]) -> bool:
    """A no in more words than "leider" alone (which alone declines an offer, and regrets in an hours report)."""
    return "decline" in _signals([word for word in words if word != "LEIDER"]).first


def _starts_with_command(words: list[str]) -> bool:
    start = words[:3]
    return CODE in start and any(_COMMAND.fullmatch(word) for word in start)


def _kind(words: list[str], signals: _Signals, *, figure: bool) -> tuple[ReplyKind, Unclear | None]:
    """What the words say; `figure`: something in them is written as hours (`volunteers.replies.hours`)."""
    first = signals.first
    yes_at = [first[name] for name in ("strong_yes", "soft_yes") if name in first]
    has_yes = bool(yes_at)
    if "jein" in first:
        return ReplyKind.UNCLEAR, Unclear.CONFLICT
    if "hours" in first and figure:
        # An hours report may say "ok", "danke" or "leider" ("leider nur 2 Std"), but not yes or no to something.
        if "strong_yes" in first or "withdraw" in first or ("decline" in first and _declines(words)):
            return ReplyKind.UNCLEAR, Unclear.CONFLICT
        return ReplyKind.HOURS, None
    if "withdraw" in first:
        if "strong_yes" in first:
            return ReplyKind.UNCLEAR, Unclear.CONFLICT
        return ReplyKind.WITHDRAW, None
    if "decline" in first:
        # "Nein danke, gerne ein andermal" declines; "Ja, leider erst ab 15" and "Ok, kann nicht" do not.
        if "strong_yes" in first or (has_yes and min(yes_at) < first["decline"]):
            return ReplyKind.UNCLEAR, Unclear.CONFLICT
        return ReplyKind.DECLINE, None
    if has_yes:
        if "condition" in first or "negation" in first:
            return ReplyKind.UNCLEAR, Unclear.CONDITIONAL
        return ReplyKind.ACCEPT, None
    if "hours" in first and CODE in words:
        return ReplyKind.UNCLEAR, Unclear.HOURS_MISSING
    return ReplyKind.OTHER, None


# --- Resolution ------------------------------------------------------------------------------------------


class Action(enum.StrEnum):
    ACCEPT = "accept"  # take job `code` (first acceptance wins: the caller's conditional update decides)
    DECLINE = "decline"  # decline the offer of `code`
    WITHDRAW = "withdraw"  # give back the assignment of `code`: alert staff at once
    REPORT_HOURS = "report_hours"  # `hours` worked on `code`, for staff to confirm
    ASK_CODE = "ask_code"  # which one? `choices` holds the codes it may be
    ASK_YES = "ask_yes"  # "OK" or "👍" alone: ask whether it is a yes to one of `choices` (the open offers)
    NOTED = "noted"  # "OK" or "👍" alone next to jobs already held, nothing offered: no answer needed
    # `code` is no offer or assignment of this sender; `choices` holds the one they may have meant, and
    # `example` how to write it. Stays open for staff.
    UNKNOWN_CODE = "unknown_code"
    ALREADY_ASSIGNED = "already_assigned"  # a yes to a job the sender already holds
    NOTHING_OPEN = "nothing_open"  # a yes or no, but no offer or assignment it could mean
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    CLARIFY = "clarify"  # unclear (see `reason`): answer helpfully and keep the message open for staff
    FORWARD_TO_STAFF = "forward_to_staff"  # free text for staff


@dataclass(frozen=True)
class Decision:
    action: Action
    code: str | None = None
    hours: Decimal | None = None
    choices: tuple[str, ...] = ()
    reason: Unclear | None = None
    example: str | None = None  # for UNKNOWN_CODE: what the sender probably meant, e.g. "JA 4821"


_HOURS_REASONS = frozenset(
    {Unclear.HOURS_MISSING, Unclear.HOURS_INVALID, Unclear.HOURS_OUT_OF_RANGE, Unclear.HOURS_TOO_PRECISE}
)
_KEYWORD_ACTIONS = {ReplyKind.OPT_OUT: Action.OPT_OUT, ReplyKind.OPT_IN: Action.OPT_IN, ReplyKind.HELP: Action.HELP}


def resolve(
    reply: Reply,
    offered_codes: Collection[str],
    assigned_codes: Collection[str] = (),
    awaiting_codes: Collection[str] = (),
) -> Decision:
    """What to do with `reply` from a sender with open offers `offered_codes`, active assignments (that can
    still be withdrawn from or have hours reported) `assigned_codes`, and among those `awaiting_codes`: the
    jobs that are over and wait for their hours (not cancelled, no hours confirmed).

    Accepting needs an offered code; withdrawing and hours need an assigned one. A no for a job the
    sender holds is a withdrawal, a withdrawal of a job only offered is a no. Hours without a code go to
    the one job awaiting them (or the only one held); with several, the answer asks which.
    """
    offered, assigned = frozenset(offered_codes), frozenset(assigned_codes)
    awaiting = frozenset(awaiting_codes) & assigned
    if reply.kind is ReplyKind.HELP:
        return Decision(Action.HELP, code=_sole(offered) or _sole(offered | assigned))
    if reply.kind in _KEYWORD_ACTIONS:
        return Decision(_KEYWORD_ACTIONS[reply.kind])
    if reply.implicit_hours and reply.code is None and (offered or not awaiting):
        # "3,5" or "von 14 bis 17 Uhr" alone, next to an offer or with no job over: could mean anything.
        return Decision(Action.FORWARD_TO_STAFF)
    if reply.implicit_hours and reply.code is not None and reply.code not in assigned:
        # "4821 3" about a job only offered (or nobody's): a code and a number, not hours.
        return _clarify(Unclear.CODE_ONLY, reply.code, offered, assigned, awaiting)
    if reply.kind is ReplyKind.UNCLEAR:
        return _clarify(reply.reason, reply.code, offered, assigned, awaiting)
    if reply.kind is ReplyKind.ACKNOWLEDGE:
        return _acknowledge(offered, assigned)
    if reply.kind is ReplyKind.ACCEPT:
        return _accept(reply.code, offered, assigned)
    if reply.kind is ReplyKind.DECLINE:
        return _decline(reply.code, offered, assigned)
    if reply.kind is ReplyKind.WITHDRAW:
        return _withdraw(reply.code, offered, assigned)
    if reply.kind is ReplyKind.HOURS and reply.hours is not None:
        return _report_hours(reply.code, reply.hours, assigned, awaiting)
    return Decision(Action.FORWARD_TO_STAFF)


def _sole(codes: frozenset[str]) -> str | None:
    return next(iter(codes)) if len(codes) == 1 else None


def _clarify(
    reason: Unclear | None,
    code: str | None,
    offered: frozenset[str],
    assigned: frozenset[str],
    awaiting: frozenset[str] = frozenset(),
) -> Decision:
    """Unclear: the answer names the code the reply gave, else the sender's only one (for hours the job
    awaiting them or the only one held, for a yes or no the offered one), never an example that could be
    someone else's job."""
    if code is None and reason in _HOURS_REASONS:
        code = _sole(awaiting or assigned)
    elif code is None:
        code = _sole(offered) or _sole(offered | assigned)
    return Decision(Action.CLARIFY, code=code, reason=reason)


def _acknowledge(offered: frozenset[str], assigned: frozenset[str]) -> Decision:
    """ "OK" or "👍" alone is never a yes to a care job: with open offers, ask (naming them); next to jobs
    already held it acknowledges those (an answer to the assignment or the reminder)."""
    if offered:
        return Decision(Action.ASK_YES, choices=tuple(sorted(offered)))
    if assigned:
        return Decision(Action.NOTED)
    return Decision(Action.NOTHING_OPEN)


def _unknown_code(code: str, codes: frozenset[str], command: str, hours: Decimal | None = None) -> Decision:
    """A code the sender was neither offered nor holds: name their only code, if they have one, as
    `command` ("JA", "NEIN", "ABSAGE", "STUNDEN") would be written with it."""
    meant = _sole(codes)
    example = None
    if meant is not None:
        example = f"{command} {meant}" if hours is None else f"{command} {meant} {_hours_text(hours)}"
    return Decision(Action.UNKNOWN_CODE, code=code, hours=hours, choices=(meant,) if meant else (), example=example)


def _hours_text(hours: Decimal) -> str:
    """3,5 as a volunteer types it (no trailing zeros, decimal comma)."""
    text = format(hours.normalize(), "f")
    return text.replace(".", ",")


def _accept(code: str | None, offered: frozenset[str], assigned: frozenset[str]) -> Decision:
    if code is not None:
        if code in assigned:
            return Decision(Action.ALREADY_ASSIGNED, code=code)
        if code in offered:
            return Decision(Action.ACCEPT, code=code)
        return _unknown_code(code, offered, "JA")
    if not offered:
        return Decision(Action.NOTHING_OPEN)
    # A bare yes next to a job already held may be about that job: ask.
    if len(offered) == 1 and not assigned:
        return Decision(Action.ACCEPT, code=next(iter(offered)))
    return Decision(Action.ASK_CODE, choices=tuple(sorted(offered)))


def _decline(code: str | None, offered: frozenset[str], assigned: frozenset[str]) -> Decision:
    return _no_or_withdrawal(code, offered, assigned, prefer=Action.DECLINE)


def _withdraw(code: str | None, offered: frozenset[str], assigned: frozenset[str]) -> Decision:
    return _no_or_withdrawal(code, offered, assigned, prefer=Action.WITHDRAW)


def _no_or_withdrawal(
    code: str | None, offered: frozenset[str], assigned: frozenset[str], *, prefer: Action
) -> Decision:
    """A no for an offered job declines it, for a held job withdraws from it, whichever word was used.
    Without a code, the kind the sender said (`prefer`) is tried first, then the other."""
    if code is not None:
        if code in assigned:
            return Decision(Action.WITHDRAW, code=code)
        if code in offered:
            return Decision(Action.DECLINE, code=code)
        if prefer is Action.WITHDRAW and assigned:
            return _unknown_code(code, assigned, "ABSAGE")
        return _unknown_code(code, offered or assigned, "NEIN")
    choices = [(Action.DECLINE, offered), (Action.WITHDRAW, assigned)]
    for action, codes in sorted(choices, key=lambda choice: choice[0] != prefer):
        if codes:
            return _only_or_ask(action, codes)
    return Decision(Action.NOTHING_OPEN)


def _report_hours(code: str | None, hours: Decimal, assigned: frozenset[str], awaiting: frozenset[str]) -> Decision:
    """Hours for the job named, if the sender holds it; without a code for the one job awaiting hours
    (else the only one held: too early, or confirmed already, the caller answers); with several, ask."""
    candidates = awaiting or assigned
    if code is not None:
        if code in assigned:
            return Decision(Action.REPORT_HOURS, code=code, hours=hours)
        return _unknown_code(code, candidates, "STUNDEN", hours)
    if not candidates:
        # Hours for a job that is over and done still matter: staff find it.
        return Decision(Action.FORWARD_TO_STAFF, hours=hours)
    if len(candidates) == 1:
        return Decision(Action.REPORT_HOURS, code=next(iter(candidates)), hours=hours)
    return Decision(Action.ASK_CODE, hours=hours, choices=tuple(sorted(candidates)))


def _only_or_ask(action: Action, codes: frozenset[str]) -> Decision:
    if len(codes) == 1:
        return Decision(action, code=next(iter(codes)))
    return Decision(Action.ASK_CODE, choices=tuple(sorted(codes)))
