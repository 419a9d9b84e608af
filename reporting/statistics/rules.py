"""What the yearly statistics count, as pure rules. The SQL that counts the same lives in the service."""

from __future__ import annotations

from collections.abc import Sequence

from casework.enums import CaseChannel, CaseStatus, NoCaseReason


def counts_as_counselling(
    *,
    status: CaseStatus,
    channel: CaseChannel,
    call_reasons: Sequence[NoCaseReason | None],
    merged: bool = False,
) -> bool:
    """Whether a case is a counselling session (Krisenberatung) in the statistics.

    A phone case is no counselling when all of its calls were marked as no case (hung up, wrong
    number, test or silent call) and it was closed without need because of that. A case that stays
    open or has a real call counts, and so does every case entered by hand. A case merged into another case of
    the same family (a repeat caller's call added to the open case) is no session of its own.
    """
    if merged:
        return False
    if channel == CaseChannel.MANUAL or status != CaseStatus.CLOSED_NO_NEED or not call_reasons:
        return True
    return any(reason is None for reason in call_reasons)
