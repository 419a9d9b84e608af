"""Pure rules of SMS outreach: when the next wave goes out and how big it is, which offers are still
open, and how many SMS segments a text costs. No database, no I/O; the clock is always passed in.

The worker asks `next_step` after every wave, every acceptance, withdrawal or release, and when a
`WAIT_UNTIL` time has come. All datetimes must be timezone-aware (the database returns aware UTC).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

# --- Waves ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachPolicy:
    """How outreach proceeds. Defaults follow issue 10: 5 offers per wave, the next wave after 15 min."""

    wave_size: int = 5  # offers per wave for each carer still needed
    wave_interval: timedelta = timedelta(minutes=15)  # wait this long after a wave before the next
    # No new wave when the job starts sooner than this: a carer could hardly get there, staff phone instead.
    stop_before_start: timedelta = timedelta(minutes=30)
    max_waves: int | None = None  # None: until the candidates run out

    def __post_init__(self) -> None:
        if self.wave_size < 1:
            raise ValueError("wave_size must be at least 1")
        if self.wave_interval <= timedelta(0):
            raise ValueError("wave_interval must be positive")
        if self.stop_before_start < timedelta(0):
            raise ValueError("stop_before_start must not be negative")
        if self.max_waves is not None and self.max_waves < 1:
            raise ValueError("max_waves must be at least 1 or None")


class StepKind(enum.StrEnum):
    SEND_WAVE = "send_wave"  # send `count` offers now, as wave number `wave`
    WAIT_UNTIL = "wait_until"  # nothing to do before `at`; ask again then
    FILLED = "filled"  # enough carers accepted
    EXHAUSTED = "exhausted"  # no candidates left and the last wave had its time: "keine Zusage"
    LIMIT_REACHED = "limit_reached"  # policy.max_waves sent and their time is up: "keine Zusage"
    TOO_LATE = "too_late"  # the job starts within policy.stop_before_start: no new waves
    CANCELLED = "cancelled"  # staff stopped outreach or cancelled the job


# Outcomes after which the job waits for staff: the dashboard flags it "keine Zusage".
NEEDS_STAFF = frozenset({StepKind.EXHAUSTED, StepKind.LIMIT_REACHED, StepKind.TOO_LATE})


@dataclass(frozen=True)
class Step:
    kind: StepKind
    count: int = 0  # SEND_WAVE: how many offers (the next `count` candidates by rank)
    wave: int = 0  # SEND_WAVE: the number of the wave to send, counting from 1
    at: datetime | None = None  # WAIT_UNTIL: when to call next_step again

    @property
    def final(self) -> bool:
        """Outreach is over until something changes (a withdrawal, a release, staff widen the search)."""
        return self.kind not in (StepKind.SEND_WAVE, StepKind.WAIT_UNTIL)

    @property
    def needs_staff(self) -> bool:
        """The job is still not filled and nobody more will be asked: flag it "keine Zusage"."""
        return self.kind in NEEDS_STAFF


def wave_count(*, open_places: int, candidates_left: int, policy: OutreachPolicy) -> int:
    """Offers in the next wave: `wave_size` for each carer still needed, at most the candidates left.

    One acceptance needs about `wave_size` asked people; a job that still needs two carers needs twice
    as many yeses in the same quarter of an hour, so it asks twice as many. Nobody is ever offered a
    job twice: `candidates_left` counts only ranked volunteers without an offer for this job.
    """
    return max(0, min(policy.wave_size * open_places, candidates_left))


def next_step(
    *,
    now: datetime,
    starts_at: datetime,
    carers_needed: int,
    accepted: int,
    waves_sent: int,
    last_wave_at: datetime | None,
    candidates_left: int,
    cancelled: bool = False,
    policy: OutreachPolicy = OutreachPolicy(),
) -> Step:
    """What outreach for one job does now.

    `accepted` counts the active assignments (withdrawn or released ones do not count, so outreach
    resumes after a withdrawal); `candidates_left` the ranked volunteers not yet offered this job.
    In this order: cancelled, filled, too late, waiting for the last wave's answers, exhausted,
    wave limit, else the next wave. Exhausted and the wave limit wait for the last wave's interval
    first: people asked two minutes ago may still say yes.
    """
    _check_aware(now=now, starts_at=starts_at, last_wave_at=last_wave_at)
    if carers_needed < 1:
        raise ValueError("carers_needed must be at least 1")
    if accepted < 0 or waves_sent < 0 or candidates_left < 0:
        raise ValueError("counts must not be negative")
    if (waves_sent == 0) != (last_wave_at is None):
        raise ValueError("last_wave_at is given exactly when a wave was sent")

    if cancelled:
        return Step(StepKind.CANCELLED)
    open_places = carers_needed - accepted
    if open_places <= 0:
        return Step(StepKind.FILLED)
    last_chance = starts_at - policy.stop_before_start
    if now >= last_chance:
        return Step(StepKind.TOO_LATE)
    if last_wave_at is not None and now < last_wave_at + policy.wave_interval:
        # Wake up at the stop time at the latest, so a job that runs out of time is flagged then.
        return Step(StepKind.WAIT_UNTIL, at=min(last_wave_at + policy.wave_interval, last_chance))
    if candidates_left == 0:
        return Step(StepKind.EXHAUSTED)
    if policy.max_waves is not None and waves_sent >= policy.max_waves:
        return Step(StepKind.LIMIT_REACHED)
    count = wave_count(open_places=open_places, candidates_left=candidates_left, policy=policy)
    return Step(StepKind.SEND_WAVE, count=count, wave=waves_sent + 1)


def wake_after_wave(*, sent_at: datetime, starts_at: datetime, policy: OutreachPolicy) -> datetime:
    """When to ask `next_step` again after a wave: when its interval is up, or at the stop time if that
    comes first (so a job that runs out of time is flagged then, not a quarter of an hour later)."""
    _check_aware(sent_at=sent_at, starts_at=starts_at)
    return max(sent_at, min(sent_at + policy.wave_interval, starts_at - policy.stop_before_start))


# What the outreach row says once a final step stops the waves (StepKind value -> status value).
STOP_STATUS = {
    StepKind.FILLED: "filled",
    StepKind.EXHAUSTED: "exhausted",
    StepKind.LIMIT_REACHED: "limit_reached",
    StepKind.TOO_LATE: "too_late",
    StepKind.CANCELLED: "cancelled",
}


def _check_aware(**values: datetime | None) -> None:
    for name, value in values.items():
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")


# --- Offers ---------------------------------------------------------------------------------------------


class OfferState(enum.StrEnum):
    """The states of an offer; the same values as the offer table's status column."""

    SENT = "sent"  # waiting for an answer
    ACCEPTED = "accepted"  # said yes in time: an assignment
    DECLINED = "declined"
    TOO_LATE = "too_late"  # said yes after the job was filled: thanked and told it is taken
    EXPIRED = "expired"  # closed without an answer (filled, cancelled or started)
    OPTED_OUT = "opted_out"  # the volunteer sent STOPP before answering


class OfferLike(Protocol):
    @property
    def volunteer_id(self) -> int: ...

    @property
    def status(self) -> str: ...


OfferT = TypeVar("OfferT", bound=OfferLike)


def offer_expired(*, now: datetime, starts_at: datetime) -> bool:
    """An unanswered offer can be accepted until the job starts (also after the last wave and after
    TOO_LATE: a yes 20 minutes before the start is still worth a phone call from staff)."""
    _check_aware(now=now, starts_at=starts_at)
    return now >= starts_at


def waiting(offers: Iterable[OfferT]) -> list[OfferT]:
    """Offers still waiting for an answer, one per volunteer, in the given order."""
    seen: set[int] = set()
    result: list[OfferT] = []
    for offer in offers:
        if offer.status == OfferState.SENT and offer.volunteer_id not in seen:
            seen.add(offer.volunteer_id)
            result.append(offer)
    return result


def to_tell_filled(offers: Iterable[OfferT], *, now: datetime, starts_at: datetime) -> list[OfferT]:
    """Whom to send `texts.filled_notice` once the job is filled: everyone still waiting for an answer.

    Not those who declined, won, or were already told it is taken; nobody once the job has started
    (the offer has expired, nobody waits for it any more). The caller then marks these offers EXPIRED,
    so a second call (another worker, a retry) finds nobody to tell twice.
    """
    if offer_expired(now=now, starts_at=starts_at):
        return []
    return waiting(offers)


# --- SMS length -------------------------------------------------------------------------------------------

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + septet: two each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets: one SMS, one part of a concatenated SMS (UDH takes 7)
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units


def is_gsm7(text: str) -> bool:
    """Whether `text` can be sent in the GSM-7 alphabet (umlauts yes; „quotes", – dashes, emoji no)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def gsm7_length(text: str) -> int:
    """Septets `text` takes in GSM-7: extension characters such as € count twice."""
    if not is_gsm7(text):
        raise ValueError("text is not GSM-7")
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def sms_segments(text: str) -> int:
    """How many SMS a text is sent as: GSM-7 160 / 153 per part, else UCS-2 70 / 67 per part.

    A character (an escape pair, a surrogate pair) is never split across two parts, the way phones
    and Twilio pack them, so a part may hold one unit less. An empty text takes no SMS.
    """
    if is_gsm7(text):
        units = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        units = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(units) <= single:
        return 1 if units else 0
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


# Typographic punctuation staff type or paste (Word, phones) and its GSM-7 stand-in.
_PUNCTUATION = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "„": '"',
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "´": "'",
        "`": "'",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\t": " ",
    }
)


def gsm7_safe(text: str, *, letters: bool = True) -> str:
    """`text` with typographic dashes, quotes and spaces replaced by GSM-7 ones; with `letters`, also
    accented letters outside GSM-7 by their base letter ("Kraków" -> "Krakow"). Umlauts, ß, é, è stay.

    Names and addresses a volunteer must find are folded only with `letters=False`: a correctly
    spelled name is worth the more expensive UCS-2 SMS it may cost.
    """
    result: list[str] = []
    for char in text.translate(_PUNCTUATION):
        if char in GSM7_BASIC or char in GSM7_EXTENSION or not letters:
            result.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        result.append(base if base and is_gsm7(base) else char)
    return "".join(result)
