import pytest

from casework.cases import rules as lifecycle
from casework.cases.rules import TransitionNotAllowed, check_transition
from casework.enums import CaseChannel, CaseStatus, NoCaseReason
from reporting.statistics import rules as statistics

S = CaseStatus


def test_the_happy_path_is_allowed_step_by_step():
    path = [S.NEW, S.IN_COUNSELLING, S.CARE_NEEDED, S.CARE_ARRANGED, S.COMPLETED]
    for current, target in zip(path, path[1:], strict=False):
        check_transition(current, target)


@pytest.mark.parametrize("status", lifecycle.OPEN_STATUSES)
def test_every_open_case_can_be_closed_without_need_or_as_not_reachable(status):
    check_transition(status, S.CLOSED_NO_NEED)
    check_transition(status, S.CLOSED_UNREACHABLE)


@pytest.mark.parametrize("status", lifecycle.CLOSED_STATUSES)
def test_a_closed_case_can_only_be_reopened_to_counselling(status):
    assert lifecycle.allowed_transitions(status) == (S.IN_COUNSELLING,)
    assert lifecycle.action_label(status, S.IN_COUNSELLING) == "Fall wieder öffnen"


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.CARE_ARRANGED),
        (S.NEW, S.COMPLETED),
        (S.IN_COUNSELLING, S.CARE_ARRANGED),
        (S.COMPLETED, S.CARE_NEEDED),
        (S.CLOSED_NO_NEED, S.CLOSED_UNREACHABLE),
        (S.CARE_ARRANGED, S.NEW),
    ],
)
def test_skipping_steps_or_going_back_to_new_is_not_allowed(current, target):
    with pytest.raises(TransitionNotAllowed, match="kann nicht auf"):
        check_transition(current, target)


def test_setting_the_same_status_again_is_refused_with_a_clear_message():
    with pytest.raises(TransitionNotAllowed, match="schon den Status „Neu“"):
        check_transition(S.NEW, S.NEW)


def test_a_case_with_a_job_still_searching_cannot_be_closed():
    with pytest.raises(TransitionNotAllowed, match="offenen Einsätze ab"):
        check_transition(S.CARE_NEEDED, S.CLOSED_NO_NEED, jobs_searching=1)
    check_transition(S.CARE_NEEDED, S.IN_COUNSELLING, jobs_searching=1)


def test_nothing_can_ever_go_back_to_new():
    assert all(S.NEW not in targets for targets in lifecycle.TRANSITIONS.values())


def test_a_case_closed_because_its_only_call_was_a_wrong_number_is_no_counselling():
    assert not statistics.counts_as_counselling(
        status=S.CLOSED_NO_NEED, channel=CaseChannel.PHONE, call_reasons=[NoCaseReason.WRONG_NUMBER]
    )


def test_a_case_with_one_real_call_or_entered_by_hand_counts_as_counselling():
    both = [NoCaseReason.HUNG_UP, None]
    assert statistics.counts_as_counselling(status=S.CLOSED_NO_NEED, channel=CaseChannel.PHONE, call_reasons=both)
    assert statistics.counts_as_counselling(status=S.CLOSED_NO_NEED, channel=CaseChannel.MANUAL, call_reasons=[])
    assert statistics.counts_as_counselling(
        status=S.IN_COUNSELLING, channel=CaseChannel.PHONE, call_reasons=[NoCaseReason.SILENT]
    )


def test_a_case_merged_into_another_case_of_the_family_is_no_counselling_session():
    assert not statistics.counts_as_counselling(
        status=S.CLOSED_NO_NEED, channel=CaseChannel.PHONE, call_reasons=[], merged=True
    )
    assert not statistics.counts_as_counselling(
        status=S.IN_COUNSELLING, channel=CaseChannel.MANUAL, call_reasons=[None], merged=True
    )


@pytest.mark.parametrize(
    ("current", "waiting", "filled", "expected"),
    [
        (S.CARE_NEEDED, 0, 1, S.CARE_ARRANGED),  # the last waiting job got its carer
        (S.CARE_NEEDED, 1, 1, None),  # another job still waits
        (S.CARE_NEEDED, 0, 0, None),  # nothing filled (all cancelled): the counsellor decides
        (S.CARE_ARRANGED, 1, 0, S.CARE_NEEDED),  # the carer withdrew or was released
        (S.CARE_ARRANGED, 1, 2, S.CARE_NEEDED),
        (S.CARE_ARRANGED, 0, 1, None),
        (S.CARE_ARRANGED, 0, 0, None),  # a filled job cancelled: nothing waits, the counsellor decides
        (S.NEW, 0, 1, None),
        (S.IN_COUNSELLING, 0, 1, None),
        (S.IN_COUNSELLING, 1, 0, None),
        (S.COMPLETED, 1, 0, None),
        (S.CLOSED_NO_NEED, 0, 1, None),
        (S.CLOSED_UNREACHABLE, 1, 0, None),
    ],
)
def test_a_case_follows_its_jobs_only_between_care_needed_and_care_arranged(current, waiting, filled, expected):
    assert lifecycle.follows_jobs(current, waiting=waiting, filled=filled) == expected
    if expected is not None:  # and only along transitions a person could make too
        assert expected in lifecycle.allowed_transitions(current)
