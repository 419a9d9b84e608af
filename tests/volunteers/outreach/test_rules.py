from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from volunteers.outreach.rules import (
    OfferState,
    OutreachPolicy,
    Step,
    StepKind,
    gsm7_length,
    gsm7_safe,
    is_gsm7,
    next_step,
    offer_expired,
    sms_segments,
    to_tell_filled,
    waiting,
)

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 13:00 in Hannover
T0 = START - timedelta(hours=3)  # outreach starts three hours before the job
MIN = timedelta(minutes=1)


def step(**overrides: object) -> Step:
    values: dict[str, object] = {
        "now": T0,
        "starts_at": START,
        "carers_needed": 1,
        "accepted": 0,
        "waves_sent": 0,
        "last_wave_at": None,
        "candidates_left": 12,
        "cancelled": False,
        "policy": OutreachPolicy(),
    }
    values.update(overrides)
    return next_step(**values)  # type: ignore[arg-type]


# (scenario, next_step arguments, expected step)
SCENARIOS = [
    ("first wave goes to the top five", {}, Step(StepKind.SEND_WAVE, count=5, wave=1)),
    (
        "no answer yet: wait for the interval",
        {"now": T0 + 5 * MIN, "waves_sent": 1, "last_wave_at": T0, "candidates_left": 7},
        Step(StepKind.WAIT_UNTIL, at=T0 + 15 * MIN),
    ),
    (
        "no answer after the interval: the second wave",
        {"now": T0 + 15 * MIN, "waves_sent": 1, "last_wave_at": T0, "candidates_left": 7},
        Step(StepKind.SEND_WAVE, count=5, wave=2),
    ),
    (
        "the last wave holds the candidates left",
        {"now": T0 + 30 * MIN, "waves_sent": 2, "last_wave_at": T0 + 15 * MIN, "candidates_left": 2},
        Step(StepKind.SEND_WAVE, count=2, wave=3),
    ),
    (
        "stop at fill",
        {"now": T0 + 20 * MIN, "accepted": 1, "waves_sent": 2, "last_wave_at": T0 + 15 * MIN},
        Step(StepKind.FILLED),
    ),
    (
        "more carers assigned by hand than needed is filled too",
        {"accepted": 2},
        Step(StepKind.FILLED),
    ),
    (
        "candidates exhausted: the last wave still gets its interval",
        {"now": T0 + 40 * MIN, "waves_sent": 3, "last_wave_at": T0 + 30 * MIN, "candidates_left": 0},
        Step(StepKind.WAIT_UNTIL, at=T0 + 45 * MIN),
    ),
    (
        "candidates exhausted after the last interval",
        {"now": T0 + 45 * MIN, "waves_sent": 3, "last_wave_at": T0 + 30 * MIN, "candidates_left": 0},
        Step(StepKind.EXHAUSTED),
    ),
    ("nobody matches at all: exhausted at once", {"candidates_left": 0}, Step(StepKind.EXHAUSTED)),
    (
        "job start near: no new wave",
        {"now": START - 29 * MIN, "waves_sent": 4, "last_wave_at": START - 60 * MIN},
        Step(StepKind.TOO_LATE),
    ),
    ("job start near before the first wave: no SMS at all", {"now": START - 10 * MIN}, Step(StepKind.TOO_LATE)),
    ("job already started", {"now": START + MIN}, Step(StepKind.TOO_LATE)),
    (
        "waiting ends at the stop time when that comes first",
        {"now": START - 40 * MIN, "waves_sent": 1, "last_wave_at": START - 41 * MIN},
        Step(StepKind.WAIT_UNTIL, at=START - 30 * MIN),
    ),
    ("cancelled", {"cancelled": True, "waves_sent": 1, "last_wave_at": T0}, Step(StepKind.CANCELLED)),
    ("cancelled wins over filled", {"cancelled": True, "accepted": 1}, Step(StepKind.CANCELLED)),
    ("two carers needed: a wave asks twice as many", {"carers_needed": 2}, Step(StepKind.SEND_WAVE, count=10, wave=1)),
    (
        "two carers needed with one accepted: the next wave asks for one",
        {"now": T0 + 15 * MIN, "carers_needed": 2, "accepted": 1, "waves_sent": 1, "last_wave_at": T0},
        Step(StepKind.SEND_WAVE, count=5, wave=2),
    ),
    (
        "two carers needed with one accepted: still waiting within the interval",
        {"now": T0 + 3 * MIN, "carers_needed": 2, "accepted": 1, "waves_sent": 1, "last_wave_at": T0},
        Step(StepKind.WAIT_UNTIL, at=T0 + 15 * MIN),
    ),
    (
        "after a withdrawal outreach resumes at once where it stopped",
        {"now": T0 + 90 * MIN, "accepted": 0, "waves_sent": 2, "last_wave_at": T0 + 15 * MIN, "candidates_left": 3},
        Step(StepKind.SEND_WAVE, count=3, wave=3),
    ),
    (
        "the wave limit is reached after its interval",
        {
            "now": T0 + 30 * MIN,
            "waves_sent": 2,
            "last_wave_at": T0 + 15 * MIN,
            "policy": OutreachPolicy(max_waves=2),
        },
        Step(StepKind.LIMIT_REACHED),
    ),
    (
        "a smaller wave and a shorter interval from the policy",
        {
            "now": T0 + 10 * MIN,
            "waves_sent": 1,
            "last_wave_at": T0,
            "policy": OutreachPolicy(wave_size=3, wave_interval=10 * MIN),
        },
        Step(StepKind.SEND_WAVE, count=3, wave=2),
    ),
]


@pytest.mark.parametrize(("scenario", "arguments", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_next_step_decides_each_scenario(scenario, arguments, expected):
    assert step(**arguments) == expected


def test_waves_with_an_injected_clock_run_until_the_list_is_exhausted():
    now, waves, last, left, sent = T0, 0, None, 12, []
    while True:
        result = step(now=now, waves_sent=waves, last_wave_at=last, candidates_left=left)
        if result.kind is StepKind.SEND_WAVE:
            sent.append((now - T0, result.count))
            waves, last, left = waves + 1, now, left - result.count
        elif result.kind is StepKind.WAIT_UNTIL:
            assert result.at is not None and result.at > now
            now = result.at
        else:
            break
    assert sent == [(0 * MIN, 5), (15 * MIN, 5), (30 * MIN, 2)]
    assert result.kind is StepKind.EXHAUSTED and now == T0 + 45 * MIN
    assert result.final and result.needs_staff


def test_only_unfilled_endings_flag_the_job_for_staff():
    assert {kind for kind in StepKind if Step(kind).needs_staff} == {
        StepKind.EXHAUSTED,
        StepKind.LIMIT_REACHED,
        StepKind.TOO_LATE,
    }
    assert not Step(StepKind.SEND_WAVE, count=1, wave=1).final
    assert not Step(StepKind.WAIT_UNTIL, at=T0).final


@pytest.mark.parametrize(
    "arguments",
    [
        {"now": datetime(2026, 11, 30, 9, 0)},
        {"carers_needed": 0},
        {"accepted": -1},
        {"candidates_left": -1},
        {"waves_sent": 1},
        {"last_wave_at": T0},
    ],
)
def test_next_step_refuses_inconsistent_input(arguments):
    with pytest.raises(ValueError):
        step(**arguments)


@pytest.mark.parametrize(
    "arguments",
    [{"wave_size": 0}, {"wave_interval": timedelta(0)}, {"stop_before_start": -MIN}, {"max_waves": 0}],
)
def test_a_policy_refuses_values_that_would_never_send_or_never_wait(arguments):
    with pytest.raises(ValueError):
        OutreachPolicy(**arguments)


# --- Offers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeOffer:
    volunteer_id: int
    status: str


OFFERS = [
    FakeOffer(1, OfferState.ACCEPTED),
    FakeOffer(2, OfferState.SENT),
    FakeOffer(3, OfferState.DECLINED),
    FakeOffer(4, OfferState.TOO_LATE),
    FakeOffer(5, OfferState.SENT),
    FakeOffer(6, OfferState.EXPIRED),
    FakeOffer(5, OfferState.SENT),
]


def test_after_a_fill_only_volunteers_still_waiting_are_told_once_each():
    assert to_tell_filled(OFFERS, now=START - MIN, starts_at=START) == [FakeOffer(2, "sent"), FakeOffer(5, "sent")]


def test_nobody_is_told_the_job_is_filled_once_it_has_started():
    assert to_tell_filled(OFFERS, now=START, starts_at=START) == []


def test_plain_status_strings_from_the_database_count_as_states():
    assert waiting([FakeOffer(7, "sent"), FakeOffer(8, "declined")]) == [FakeOffer(7, "sent")]


def test_an_offer_can_be_accepted_until_the_job_starts():
    assert not offer_expired(now=START - MIN, starts_at=START)
    assert offer_expired(now=START, starts_at=START)


# --- SMS length -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Grüße äöüÄÖÜß", "Café à la carte", "JA 4821 / NEIN 4821", "5 €", '"quoted"', "[x]"])
def test_umlauts_and_the_euro_sign_are_gsm7(text):
    assert is_gsm7(text)


@pytest.mark.parametrize("text", ["13:00–18:00", "„Hallo“", "Kraków", "Łódź", "👍", "…"])
def test_dashes_typographic_quotes_some_accents_and_emoji_are_not_gsm7(text):
    assert not is_gsm7(text)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two septets
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # 306 septets, but the escape pair is not split: three parts
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("👍" * 35, 1),  # an emoji is two UTF-16 units
        ("👍" * 36, 2),
    ],
)
def test_sms_segments_follow_gsm7_and_ucs2_sizes(text, segments):
    assert sms_segments(text) == segments


def test_gsm7_length_counts_extension_characters_twice():
    assert gsm7_length("5 €") == 4
    with pytest.raises(ValueError):
        gsm7_length("–")


def test_gsm7_safe_replaces_typographic_punctuation_and_folds_foreign_accents():
    assert gsm7_safe("Ahlem–Badenstedt „Mitte“ … Kraków") == 'Ahlem-Badenstedt "Mitte" ... Krakow'
    assert gsm7_safe("Müller-Lüdenscheidt Straße, Café") == "Müller-Lüdenscheidt Straße, Café"


def test_gsm7_safe_keeps_letters_of_names_when_asked():
    assert gsm7_safe("Łukasz Wójcik – Tür 2", letters=False) == "Łukasz Wójcik - Tür 2"


def test_after_a_wave_the_worker_wakes_when_the_interval_is_up():
    from volunteers.outreach.rules import wake_after_wave

    assert wake_after_wave(sent_at=T0, starts_at=START, policy=OutreachPolicy()) == T0 + timedelta(minutes=15)


def test_after_a_wave_close_to_the_start_the_worker_wakes_at_the_stop_time_to_flag_the_job():
    from volunteers.outreach.rules import wake_after_wave

    sent_at = START - timedelta(minutes=40)
    assert wake_after_wave(sent_at=sent_at, starts_at=START, policy=OutreachPolicy()) == START - timedelta(minutes=30)
    late = START - timedelta(minutes=10)
    assert wake_after_wave(sent_at=late, starts_at=START, policy=OutreachPolicy()) == late
