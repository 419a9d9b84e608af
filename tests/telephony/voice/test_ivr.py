import pytest

from casework.calls.rules import advance
from casework.enums import CallStatus, Need
from telephony.voice.rules import menu_choice


@pytest.mark.parametrize(
    ("digits", "speech", "need"),
    [
        ("1", None, Need.CHILD_CARE),
        ("2", "", Need.RELATIVE_CARE),
        ("3", None, Need.DRIVING),
        ("0", None, Need.OTHER),
        ("", "Kinderbetreuung", Need.CHILD_CARE),
        (None, "Meine Tochter hat Fieber.", Need.CHILD_CARE),
        (None, "Betreuung für meine Mutter", Need.RELATIVE_CARE),
        (None, "Angehörige", Need.RELATIVE_CARE),
        (None, "Fahrdienst bitte!", Need.DRIVING),
        (None, "Fahrt zum Kinderarzt", Need.DRIVING),
        (None, "etwas anderes", Need.OTHER),
        (None, "zwei", Need.RELATIVE_CARE),
    ],
)
def test_the_menu_understands_keys_and_words(digits, speech, need):
    assert menu_choice(digits, speech) is need


@pytest.mark.parametrize(("digits", "speech"), [("", ""), ("9", None), ("*", None), (None, "äh hallo?")])
def test_unknown_keys_and_unclear_speech_are_no_choice(digits, speech):
    assert menu_choice(digits, speech) is None


def test_statuses_only_move_forward():
    assert advance(CallStatus.RINGING, CallStatus.IN_PROGRESS) is CallStatus.IN_PROGRESS
    assert advance(CallStatus.IN_PROGRESS, CallStatus.RINGING) is CallStatus.IN_PROGRESS
    assert advance(CallStatus.COMPLETED, CallStatus.IN_PROGRESS) is CallStatus.COMPLETED
    assert advance(CallStatus.COMPLETED, CallStatus.NO_ANSWER) is CallStatus.COMPLETED
    assert advance(CallStatus.RINGING, CallStatus.NO_ANSWER) is CallStatus.NO_ANSWER
