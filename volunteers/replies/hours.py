"""Pure reading of the hours a carer reports by SMS. No database, no I/O: tested in microseconds.

`volunteers.replies.rules.parse` decides what a message is (STOPP wins over everything, then a yes, a no,
something unclear ...) from the volunteer's own words, without signature, quote or phone number. For the
figure of an hours report it hands its tokens here: one tokenizer, so an hours reply shares the opt-out,
quote, signature and job-code handling of every other reply, and `resolve` decides for which job.

Read as reported:

- a number, with or without a unit: `3`, `3,5`, `2.5`, `2,25`, `2 1/2`, `2½`, `3:30`, `2,5h`, `3 Std`;
- hours and minutes: `3 Std 15 Min`, `3 Stunden und 15 Minuten`, `3h15`; minutes alone: `90 Minuten`;
- number words before a unit (`drei Stunden`, `eine Stunde`, `zwölf Std`, `dreißig Minuten`) and the
  usual parts of an hour: `eine halbe Stunde`, `anderthalb`/`eineinhalb Stunden`, `dreieinhalb Stunden`,
  `zweieinviertel Stunden`, `eine Viertelstunde`, `dreiviertel Stunde`, `drei Stunden und eine halbe`;
  after the code or STUNDEN a number word needs no unit (`STUNDEN 4821 drei`);
- a range of times of day, the hours being the difference: `14-17:30 Uhr`, `von 14 bis 17.30 Uhr`,
  `14:00-17:30`, `von halb drei bis fünf`. It is a range of times only when it says so (`Uhr`, `von`,
  minutes, `halb`); across midnight only when it clearly is one night: from the evening (18:00 or later)
  into the morning (9:00 or earlier), `22-2 Uhr`.

Unclear, so the volunteer is asked for one number (`Problem.INVALID`): two figures that disagree ("3 Std,
davon 1 Std Pause"), a span of figures (`2-3 Std`, `2,5 bis 3 Std`, and `14-17` without `Uhr` or `von`),
`3.30 Std` (three point three, or three and a half?), minutes that make no exact hundredth of an hour
(`3:20`, `20 Min`), a range running backwards that is no night (`17-14 Uhr`, `11-2 Uhr`). No figure at all:
a time of day alone (`um 14 Uhr`), a date (`am 12.05.`), a job code, a number word without a unit ("zwei
Kinder"), a time to come or gone ("komme in einer Stunde", "vor 3 Std").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

# The most hours one report may hold; more is a typo (or a week), for staff to look at.
MAX_HOURS = Decimal(24)
HOURS_DECIMALS = 2
MINUTES_PER_HOUR = 60
# A range of times running backwards is one night only from the evening into the morning.
EVENING_FROM = 18 * MINUTES_PER_HOUR
MORNING_UNTIL = 9 * MINUTES_PER_HOUR
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR


class Problem(enum.StrEnum):
    """Why there is no figure to note."""

    MISSING = "missing"  # nothing that could be hours: "Stunden 4821"
    INVALID = "invalid"  # not one clear figure: "2-3 Std", "14-17", "3:20", "2 / 3", "3.30 Std"
    OUT_OF_RANGE = "out_of_range"  # zero, negative or more than 24
    TOO_PRECISE = "too_precise"  # more than two decimals: "2,333"


class TokenKind(enum.Enum):
    WORD = "word"  # upper case, umlauts as AE/OE/UE, ß as SS: "STUNDEN", "DREISSIG", "FUENF"
    NUMBER = "number"  # digits as typed, a glued minus as "-": "3,5", "17:30", "1/2", "-2"
    DASH = "dash"  # a dash standing between two tokens: "14 - 17", "14-17"
    CODE = "code"  # a job code (four digits): never a figure
    OTHER = "other"  # a date, an emoji ...: no figure, but something the volunteer said


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str


@dataclass(frozen=True)
class Reading:
    """The figure of a message (`hours`), or why there is none (`problem`)."""

    hours: Decimal | None = None
    problem: Problem | None = None
    found: bool = False  # something was written as hours (even if it cannot be noted)
    rest: tuple[str, ...] = ()  # the words, numbers and signs the figure does not use


# --- Words ----------------------------------------------------------------------------------------------

# Units after a number, typos included ("Studen", "Stunen"); H, HR and HRS only right after a number.
HOUR_WORDS = frozenset(
    {"STUNDE", "STUNDEN", "STUNDN", "STUND", "STUNDNE", "STUDEN", "STUNEN", "STUNDEM", "STD", "STDN", "STDS"}
)
_SHORT_HOUR_WORDS = frozenset({"H", "HR", "HRS"})
MINUTE_WORDS = frozenset({"MIN", "MINS", "MINUTE", "MINUTEN", "MINUTN", "MINUTEM"})

_ONES = {"EIN": 1, "ZWEI": 2, "DREI": 3, "VIER": 4, "FUENF": 5, "SECHS": 6, "SIEBEN": 7, "ACHT": 8, "NEUN": 9}
_WHOLE_WORDS = {
    "NULL": 0, "EINS": 1, "ZWO": 2, **{word: n for word, n in _ONES.items() if word != "EIN"},
    "ZEHN": 10, "ELF": 11, "ZWOELF": 12, "DREIZEHN": 13, "VIERZEHN": 14, "FUENFZEHN": 15, "SECHZEHN": 16,
    "SIEBZEHN": 17, "ACHTZEHN": 18, "NEUNZEHN": 19,
}  # fmt: skip
_TENS = {"ZWANZIG": 20, "DREISSIG": 30, "VIERZIG": 40, "FUENFZIG": 50}
for _tens_word, _tens in _TENS.items():
    _WHOLE_WORDS[_tens_word] = _tens
    for _one_word, _one in _ONES.items():
        _WHOLE_WORDS[f"{_one_word}UND{_tens_word}"] = _tens + _one  # "fünfundvierzig"
# "Ein", "eine": one only right before a unit or a part ("eine Stunde", "eine halbe Stunde").
_ARTICLES = frozenset({"EIN", "EINE", "EINER", "EINEN", "EINEM"})
# Parts of an hour; "halb" before a number is a time of day instead ("halb drei" is 2:30).
_PARTS = {"HALB": Decimal("0.5"), "HALBE": Decimal("0.5"), "HALBEN": Decimal("0.5"), "HALBER": Decimal("0.5"),
          "VIERTEL": Decimal("0.25"), "DREIVIERTEL": Decimal("0.75")}  # fmt: skip
# Parts with their unit in the word: "eine Viertelstunde", "eine Dreiviertelstunde".
_PARTS_WITH_UNIT = {
    "VIERTELSTUNDE": Decimal("0.25"), "HALBESTUNDE": Decimal("0.5"), "DREIVIERTELSTUNDE": Decimal("0.75"),
}  # fmt: skip
_MIXED_WORDS = {"ANDERTHALB": Decimal("1.5")}
_STEMS = {"EIN": 1, **{word: n for word, n in _WHOLE_WORDS.items() if 2 <= n <= 12 and word != "ZWO"}}
for _stem, _n in _STEMS.items():
    for _joint in ("", "UND"):
        # "eineinhalb", "dreieinhalb", "zweiundeinhalb", "zweieinviertel", "zweidreiviertel"
        _MIXED_WORDS[f"{_stem}{_joint}EINHALB"] = _n + Decimal("0.5")
        _MIXED_WORDS[f"{_stem}{_joint}EINVIERTEL"] = _n + Decimal("0.25")
        _MIXED_WORDS[f"{_stem}{_joint}DREIVIERTEL"] = _n + Decimal("0.75")
# Words that say this number is a time of day or a date, not a duration: "um 14 Uhr", "am 12.05".
_WHEN_WORDS = frozenset({"UM", "AM", "AB", "BIS", "VOM", "GEGEN", "SEIT", "NACH", "VOR", "DEN"})
# A figure after these is a time to come or gone, not hours given: "komme in einer Stunde", "vor 3 Std".
_NOT_GIVEN_AFTER = frozenset({"IN", "NACH", "VOR", "SEIT", "BINNEN", "INNERHALB", "ALLE"})
SIGNAL_WORDS = HOUR_WORDS | {f"{word}N" for word in _PARTS_WITH_UNIT} | frozenset(_PARTS_WITH_UNIT)


@dataclass(frozen=True)
class _Num:
    """A number as typed or spelled, with the readings it allows."""

    text: str
    duration: Decimal | None  # as hours; None with a `problem`
    problem: Problem | None = None
    clock: tuple[int, int] | None = None  # as a time of day (hour, minute): "14", "17:30", "17.30", "fünf"
    exact_clock: bool = False  # written as a time ("17:30", "17.30"): a range of these is one of times
    negative: bool = False
    whole: bool = False  # a whole number without separators ("15", "fünfzehn"): it may count minutes
    spelled: bool = False
    article: bool = False  # "ein", "eine": a number only before a unit or a part
    part: bool = False  # "halbe", "Viertel", "1/2": a part of an hour
    with_unit: bool = False  # "Viertelstunde": the unit is in the word

    @property
    def minutes(self) -> int | None:
        """The whole number, for counting minutes."""
        return int(self.duration) if self.whole and self.duration is not None and not self.negative else None


_INTEGER = re.compile(r"\d+")
_COLON = re.compile(r"(\d+):(\d+)")
_DECIMAL = re.compile(r"(\d+)([.,])(\d+)")
_FRACTIONS = {"1/2": Decimal("0.5"), "1/4": Decimal("0.25"), "3/4": Decimal("0.75")}


def _typed(text: str) -> _Num:
    negative = text.startswith("-")
    raw = text.lstrip("-")
    if _INTEGER.fullmatch(raw):
        value = int(raw)
        clock = (value, 0) if value <= 24 else None
        return _Num(text, Decimal(value), clock=clock, negative=negative, whole=True)
    if raw in _FRACTIONS:
        return _Num(text, _FRACTIONS[raw], negative=negative, part=True)
    colon = _COLON.fullmatch(raw)
    if colon is not None:  # "3:30" is three and a half hours, "17:30" half past five
        hour, minute = int(colon.group(1)), int(colon.group(2))
        clock = _clock(hour, minute)
        duration = _of_minutes(hour * MINUTES_PER_HOUR + minute) if minute < MINUTES_PER_HOUR else None
        problem = None if duration is not None else Problem.INVALID
        return _Num(text, duration, problem, clock=clock, exact_clock=clock is not None, negative=negative)
    decimal = _DECIMAL.fullmatch(raw)
    if decimal is None:
        return _Num(text, None, Problem.INVALID, negative=negative)  # "1.2.3", "2/3"
    whole, separator, decimals = decimal.groups()
    clock = _clock(int(whole), int(decimals)) if len(decimals) == 2 else None
    if len(decimals) > HOURS_DECIMALS:
        return _Num(text, None, Problem.TOO_PRECISE, clock=clock, exact_clock=clock is not None, negative=negative)
    duration = Decimal(f"{whole}.{decimals}")
    if separator == "." and clock is not None:
        # "3.30": three point three hours, or three and a half? Only when both readings are figures.
        as_time = _of_minutes(int(whole) * MINUTES_PER_HOUR + int(decimals))
        if as_time is not None and as_time != duration:
            return _Num(text, None, Problem.INVALID, clock=clock, exact_clock=True, negative=negative)
    return _Num(text, duration, clock=clock, exact_clock=clock is not None, negative=negative)


def _spelled(word: str) -> _Num | None:
    if word in _WHOLE_WORDS:
        value = _WHOLE_WORDS[word]
        return _Num(word, Decimal(value), clock=(value, 0) if value <= 24 else None, whole=True, spelled=True)
    if word in _ARTICLES:
        return _Num(word, Decimal(1), whole=True, spelled=True, article=True)
    if word in _PARTS:
        return _Num(word, _PARTS[word], spelled=True, part=True)
    for with_unit in (word, word[:-1]):  # "Viertelstunde", "Viertelstunden"
        if with_unit in _PARTS_WITH_UNIT:
            return _Num(word, _PARTS_WITH_UNIT[with_unit], spelled=True, part=True, with_unit=True)
    if word in _MIXED_WORDS:
        return _Num(word, _MIXED_WORDS[word], spelled=True)
    return None


def _clock(hour: int, minute: int) -> tuple[int, int] | None:
    return (hour, minute) if hour <= 24 and minute < MINUTES_PER_HOUR and (hour < 24 or minute == 0) else None


def _of_minutes(minutes: int) -> Decimal | None:
    """Minutes as hours, if that is an exact hundredth: 210 -> 3.5, 200 -> None (3.333…)."""
    if minutes * 10**HOURS_DECIMALS % MINUTES_PER_HOUR:
        return None
    return Decimal(minutes) / MINUTES_PER_HOUR  # exact, as checked


# --- Items: the tokens with their numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    token: Token
    num: _Num | None

    @property
    def word(self) -> str | None:
        return self.token.text if self.token.kind is TokenKind.WORD else None


def _items(tokens: Sequence[Token]) -> list[_Item]:
    items: list[_Item] = []
    for token in tokens:
        num = None
        if token.kind is TokenKind.NUMBER:
            num = _typed(token.text)
        elif token.kind is TokenKind.WORD:
            num = _spelled(token.text)
        previous = items[-1].num if items else None
        if num is not None and previous is not None and (joined := _joined(previous, num)) is not None:
            items[-1] = _Item(Token(TokenKind.NUMBER, joined.text), joined)
            continue
        items.append(_Item(token, num))
    return items


def _joined(whole: _Num, part: _Num) -> _Num | None:
    """ "2 1/2", "2½": a typed whole number and a typed fraction after it are one figure."""
    if not (whole.whole and part.part) or whole.spelled or part.spelled or whole.negative or part.negative:
        return None
    if whole.duration is None or part.duration is None:
        return None
    text, duration = f"{whole.text} {part.text}", whole.duration + part.duration
    return replace(whole, text=text, duration=duration, whole=False, clock=None)


@dataclass(frozen=True)
class _Figure:
    hours: Decimal | None
    problem: Problem | None
    unit: bool  # said what it is (a unit, a range of times): wins over bare numbers


class _Scan:
    """Positions in the items and the small grammar of figures over them."""

    def __init__(self, items: list[_Item]) -> None:
        self.items = items

    def word(self, at: int) -> str | None:
        return self.items[at].word if 0 <= at < len(self.items) else None

    def num(self, at: int) -> _Num | None:
        return self.items[at].num if 0 <= at < len(self.items) else None

    def kind(self, at: int) -> TokenKind | None:
        return self.items[at].token.kind if 0 <= at < len(self.items) else None

    def hour_unit(self, at: int) -> bool:
        word = self.word(at)
        return word is not None and (word in HOUR_WORDS or (word in _SHORT_HOUR_WORDS and self.num(at - 1) is not None))

    def minute_unit(self, at: int) -> bool:
        return self.word(at) in MINUTE_WORDS

    # --- A range of times: "14-17:30 Uhr", "von 14 bis 17.30 Uhr", "von halb drei bis fünf" ---------------

    def time_range(self, at: int) -> tuple[_Figure, int] | None:
        between = self.word(at) == "ZWISCHEN"  # "zwischen 14 und 17 Uhr"
        marked = between or self.word(at) == "VON"
        at += marked
        start = self.time_of_day(at)
        if start is None:
            return None
        (start_minutes, exact_start), at = start
        if self.word(at) == "UHR":
            at, marked = at + 1, True
        glued = False
        if self.kind(at) is TokenKind.DASH or self.word(at) == "BIS" or (between and self.word(at) == "UND"):
            at += 1
        elif (num := self.num(at)) is not None and num.negative and self.kind(at) is TokenKind.NUMBER:
            glued = True  # "14 -17 Uhr": the dash went with the number
        else:
            return None
        end = self.time_of_day(at, glued=glued)
        if end is None:
            return None
        (end_minutes, exact_end), at = end
        if self.word(at) == "UHR":
            at, marked = at + 1, True
        if not (marked or exact_start or exact_end):
            # "14-17" or "2-3 Stunden": times or a guess between two figures? Asked back.
            return _Figure(None, Problem.INVALID, unit=True), at + self.hour_unit(at)
        return _span(start_minutes, end_minutes), at

    def time_of_day(self, at: int, *, glued: bool = False) -> tuple[tuple[int, bool], int] | None:
        """A time of day at `at` as minutes after midnight, and whether it was written as one."""
        num = self.num(at)
        if num is not None and not (num.article or num.part) and num.negative == glued:
            if num.clock is None:
                return None
            hour, minute = num.clock
            return (hour * MINUTES_PER_HOUR + minute, num.exact_clock), at + 1
        if glued:
            return None
        word, following = self.word(at), self.num(at + 1)
        offset = {"HALB": -30, "DREIVIERTEL": -15}.get(word or "")
        if offset is None and word == "VIERTEL":
            offset = {"NACH": 15, "VOR": -15}.get(self.word(at + 1) or "")
            at, following = at + 1, self.num(at + 2)
        if offset is None or following is None or not following.whole or following.clock is None:
            return None
        hour = following.clock[0]
        if not 1 <= hour <= 24:
            return None
        return (hour * MINUTES_PER_HOUR + offset, True), at + 2

    def span_of_figures(self, at: int) -> tuple[_Figure, int] | None:
        """ "3,5-4 Std", "2,5 bis 3 Stunden": a guess between two figures, asked back."""
        start = self.num(at)
        if start is None or start.article or start.negative:
            return None
        after = at + 1
        if self.kind(after) is TokenKind.DASH or self.word(after) == "BIS":
            after += 1
        end = self.num(after)
        if end is None or end.article or (after == at + 1 and not end.negative):
            return None
        return _Figure(None, Problem.INVALID, unit=True), after + 1 + self.hour_unit(after + 1)

    # --- Hours and minutes, parts of an hour --------------------------------------------------------------

    def hours_and_more(self, at: int) -> tuple[_Figure, int] | None:
        """ "3 Std 15 Min", "3 Stunden und 15 Minuten", "3h15", "drei und eine halbe Stunde",
        "3 Stunden und eine Viertelstunde"."""
        hours = self.num(at)
        if hours is None or hours.minutes is None or hours.part:
            return None
        after = at + 1
        unit = self.hour_unit(after)
        after += unit
        if hours.article and not unit:
            return None
        joined = self.word(after) == "UND"
        after += joined
        if not (unit or joined):
            return None
        minutes = self.num(after)
        if minutes is not None and minutes.minutes is not None and not minutes.article:
            if minutes.minutes < MINUTES_PER_HOUR and self.minute_unit(after + 1):
                return _minutes_figure(hours.minutes * MINUTES_PER_HOUR + minutes.minutes), after + 2
            two_digits = not minutes.spelled and len(minutes.text) == 2
            if (
                unit
                and not joined
                and two_digits
                and minutes.minutes < MINUTES_PER_HOUR
                and self.word(after + 1) != "UHR"
            ):
                return _minutes_figure(hours.minutes * MINUTES_PER_HOUR + minutes.minutes), after + 1
        if not joined:
            return None
        after += minutes is not None and minutes.article
        part = self.num(after)
        if part is None or not part.part or part.duration is None:
            return None
        after += 1
        trailing = self.hour_unit(after)
        if not (unit or trailing or part.with_unit):
            return None
        return _checked(hours.minutes + part.duration), after + trailing

    def with_unit(self, at: int) -> tuple[_Figure, int] | None:
        """ "3,5 Std", "drei Stunden", "eine halbe Stunde", "eine Viertelstunde", "drei Viertel Stunden"."""
        num = self.num(at)
        if num is None:
            return None
        if num.article and (following := self.num(at + 1)) is not None and following.part:
            at, num = at + 1, following
        if num.with_unit:
            return _value_figure(num), at + 1
        if num.minutes in (1, 2, 3) and self.word(at + 1) == "VIERTEL" and self.hour_unit(at + 2):
            return _checked(Decimal(num.minutes) / 4), at + 3  # "drei Viertel Stunden"
        if self.hour_unit(at + 1):
            return _value_figure(num), at + 2
        return None

    def minutes_only(self, at: int) -> tuple[_Figure, int] | None:
        num = self.num(at)
        if num is None or not self.minute_unit(at + 1):
            return None
        if num.minutes is None:
            return _Figure(None, Problem.INVALID, unit=True), at + 2
        return _minutes_figure(num.minutes), at + 2

    def bare(self, at: int) -> tuple[_Figure, int] | None:
        """A number alone ("STUNDEN 4821 3,5"); a number word only after the code or STUNDEN."""
        num = self.num(at)
        if num is None or num.article or num.with_unit or (num.part and num.spelled):
            return None
        if num.spelled and not (self.kind(at - 1) is TokenKind.CODE or self.hour_unit(at - 1)):
            return None
        if self.word(at - 1) in _WHEN_WORDS or self.word(at + 1) == "UHR":
            return None  # a time of day or a date: "um 14 Uhr", "am 12.05"
        return replace(_value_figure(num), unit=False), at + 1


def _checked(hours: Decimal, *, unit: bool = True) -> _Figure:
    if hours <= 0 or hours > MAX_HOURS:
        return _Figure(None, Problem.OUT_OF_RANGE, unit)
    return _Figure(hours, None, unit)


def _value_figure(num: _Num) -> _Figure:
    if num.negative:
        return _Figure(None, Problem.OUT_OF_RANGE, unit=True)
    if num.duration is None:
        return _Figure(None, num.problem or Problem.INVALID, unit=True)
    return _checked(num.duration)


def _minutes_figure(minutes: int) -> _Figure:
    hours = _of_minutes(minutes)
    return _Figure(None, Problem.INVALID, unit=True) if hours is None else _checked(hours)


def _span(start: int, end: int) -> _Figure:
    """From `start` to `end` (minutes after midnight); backwards only across one night."""
    if end < start:
        if start < EVENING_FROM or end > MORNING_UNTIL:
            return _Figure(None, Problem.INVALID, unit=True)  # "17-14 Uhr", "11-2 Uhr": a slip, or 12-hour talk
        end += MINUTES_PER_DAY
    return _minutes_figure(end - start)


# --- Reading ---------------------------------------------------------------------------------------------------


def read(tokens: Sequence[Token]) -> Reading:
    """The hours in a message's tokens (see the module's docstring for what is read)."""
    items = _items(tokens)
    scan = _Scan(items)
    figures: list[_Figure] = []
    used: set[int] = set()
    at = 0
    while at < len(items):
        grammars = (scan.time_range, scan.span_of_figures, scan.hours_and_more, scan.with_unit, scan.minutes_only)
        for grammar in (*grammars, scan.bare):
            found = grammar(at)
            if found is not None:
                figure, end = found
                if scan.word(at - 1) not in _NOT_GIVEN_AFTER:
                    figures.append(figure)
                used.update(range(at, end))
                at = end
                break
        else:
            at += 1
    rest = tuple(
        item.token.text
        for position, item in enumerate(items)
        if position not in used and item.token.kind not in (TokenKind.CODE, TokenKind.DASH)
    )
    return _choose(figures, rest, numbers=any(item.token.kind is TokenKind.NUMBER for item in items))


def _choose(figures: list[_Figure], rest: tuple[str, ...], *, numbers: bool) -> Reading:
    """One figure, or the problem: a figure with a unit wins over bare numbers ("3 Std, 2 Kinder")."""
    chosen = [figure for figure in figures if figure.unit] or figures
    if not chosen:
        return Reading(problem=Problem.INVALID if numbers else Problem.MISSING, rest=rest)
    problem = next((figure.problem for figure in chosen if figure.problem is not None), None)
    values = {figure.hours for figure in chosen}
    if problem is None and len(values) > 1:
        problem = Problem.INVALID  # "3 Std, davon 1 Std Pause": for the volunteer to say
    if problem is not None:
        return Reading(problem=problem, found=True, rest=rest)
    (hours,) = values
    return Reading(hours=hours, found=True, rest=rest)
