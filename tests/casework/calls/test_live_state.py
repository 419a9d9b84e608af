"""The live state of a call as staff read it, derived from what we know (Twilio reports only the end)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from casework.calls import service as calls
from casework.calls.models import Call
from casework.calls.rules import UNREPORTED_AFTER, LiveStateKind, advance, live_state
from casework.enums import CallStatus
from tests.factories import T0, make_call, make_case, make_staff

S = CallStatus
START = datetime(2026, 11, 28, 13, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    name: str


@dataclass(frozen=True)
class Facts:
    status: CallStatus = S.RINGING
    accepted_by_id: int | None = None
    accepted_by: Person | None = None
    started_at: datetime = START
    answered_at: datetime | None = None
    dial_status: str | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    recording_sid: str | None = None


RINGING = Facts()
TALKING = replace(
    RINGING, accepted_by_id=7, accepted_by=Person("Anna Schmidt"), answered_at=START + timedelta(seconds=40)
)


def later(seconds: int) -> datetime:
    return START + timedelta(seconds=seconds)


def test_a_new_call_rings_and_is_not_yet_missed():
    state = live_state(RINGING, later(30))
    assert (state.kind, state.label) == (LiveStateKind.RINGING, "klingelt")
    assert not state.ended


def test_an_accepted_call_is_a_conversation_with_the_staff_member_although_twilio_still_says_ringing():
    state = live_state(TALKING, later(120))
    assert (state.kind, state.label) == (LiveStateKind.TALKING, "im Gespräch mit Anna Schmidt")


def test_the_end_of_an_accepted_call_says_beendet_with_its_duration():
    ended = replace(TALKING, status=S.COMPLETED, ended_at=later(312), duration_seconds=272)
    state = live_state(ended, later(400))
    assert (state.kind, state.label) == (LiveStateKind.ENDED, "beendet · 4:32 Min.")
    assert state.ended


def test_the_dial_result_of_an_accepted_call_already_means_the_conversation_is_over():
    # <Dial> ended after the talk; our answer hangs up, the status callback follows a moment later.
    over = replace(TALKING, dial_status="completed")
    assert live_state(over, later(300)).label == "beendet"
    # Without a reported duration, the time from accepting to the end counts.
    reported = replace(over, status=S.COMPLETED, ended_at=later(40 + 95))
    assert live_state(reported, later(300)).label == "beendet · 1:35 Min."


def test_nobody_took_it_the_caller_hears_the_voicemail_prompt_then_leaves_a_message_then_it_is_missed():
    unanswered = replace(RINGING, dial_status="no-answer")
    assert live_state(unanswered, later(70)).kind == LiveStateKind.VOICEMAIL
    assert "verpasst" not in live_state(unanswered, later(70)).label
    recorded = replace(unanswered, recording_sid="RE" + "a" * 32)
    assert live_state(recorded, later(100)).label == "nicht angenommen · Sprachnachricht hinterlassen"
    ended = replace(recorded, status=S.COMPLETED, ended_at=later(110), duration_seconds=110)
    state = live_state(ended, later(120))
    assert (state.kind, state.label) == (LiveStateKind.MISSED, "verpasst · Sprachnachricht hinterlassen")


def test_a_call_that_ended_without_anyone_accepting_is_missed():
    hung_up = replace(RINGING, status=S.COMPLETED, ended_at=later(25), duration_seconds=25)
    assert live_state(hung_up, later(30)).label == "verpasst"
    for status in (S.BUSY, S.NO_ANSWER, S.CANCELED, S.FAILED):
        assert live_state(replace(RINGING, status=status), later(30)).kind == LiveStateKind.MISSED


@pytest.mark.parametrize("reports", [
    [S.COMPLETED, S.COMPLETED],  # Twilio retried the callback
    [S.COMPLETED, S.IN_PROGRESS],  # a late "in-progress" after the end
    [S.COMPLETED, S.RINGING],
])  # fmt: skip
def test_late_or_repeated_callbacks_never_move_an_ended_call_back(reports):
    status = S.RINGING
    for reported in reports:
        status = advance(status, reported)
    ended = replace(TALKING, status=status, ended_at=later(200), duration_seconds=160)
    assert live_state(ended, later(300)).label == "beendet · 2:40 Min."
    missed = replace(RINGING, status=status, ended_at=later(20))
    assert live_state(missed, later(300)).label == "verpasst"


def test_a_late_in_progress_while_talking_keeps_the_conversation():
    assert (
        live_state(replace(TALKING, status=advance(S.RINGING, S.IN_PROGRESS)), later(90)).kind == LiveStateKind.TALKING
    )


def test_a_call_whose_end_was_never_reported_does_not_stay_in_conversation_forever():
    long_after = START + UNREPORTED_AFTER + timedelta(minutes=1)
    assert live_state(TALKING, long_after).label == "angenommen von Anna Schmidt · Ende nicht gemeldet"
    assert live_state(RINGING, long_after).label == "nicht angenommen · Ende nicht gemeldet"


def with_taker(db, call):
    """The call as the dashboard and the case page load it: with who took it (`Call.accepted_by` never loads lazily)."""
    db.refresh(call, ["accepted_by"])
    return call


def test_the_service_moves_a_real_call_through_every_state_with_duplicate_and_late_callbacks(db):
    staff = make_staff(db, name="Anna Schmidt")
    case = make_case(db, caller_phone="+495111234567")
    call = calls.get_by_sid(db, call_sid=make_call(db, case, status=CallStatus.RINGING).call_sid)  # as webhooks do
    assert live_state(with_taker(db, call), T0).label == "klingelt"
    assert calls.accept(db, call=call, staff_id=staff.id, now=T0 + timedelta(seconds=30))
    db.flush()
    assert live_state(with_taker(db, call), T0 + timedelta(seconds=60)).label == "im Gespräch mit Anna Schmidt"
    end = T0 + timedelta(minutes=5)
    calls.apply_status(db, call=call, reported=S.COMPLETED, duration=300, source="status", now=end)
    calls.apply_status(db, call=call, reported=S.COMPLETED, duration=999, source="status", now=end)  # duplicate
    calls.apply_status(db, call=call, reported=S.IN_PROGRESS, duration=None, source="status", now=end)  # late
    db.flush()
    assert live_state(with_taker(db, db.get(Call, call.id)), end).label == "beendet · 5:00 Min."
