"""The tone of every status value, in one table (see `core.badges` for what each tone means).

The app floor sees every domain's enums, so the table lives here; `fluxx.wiring.connect()` hands it to
`core.badges` at start-up. A new status enum, or a new value of one, needs its line here:
`tests/fluxx/test_badges.py` finds every status enum in the code and fails otherwise.
"""

from __future__ import annotations

from billing.bills.rules import PaymentState
from casework.calls.rules import LiveStateKind
from casework.enums import BillStatus, CallStatus, CaseStatus, HoursStatus, JobStatus
from core.badges import Tone, ToneTable
from core.models import TaskStatus
from messaging.rules import MessageStatus
from volunteers.assignments.models import AssignmentStatus
from volunteers.outreach.models import OfferStatus, OutreachStatus
from volunteers.outreach.rules import OfferState
from volunteers.outreach.state import JobState, PersonState

INFO, SUCCESS, WARNING, DANGER, NEUTRAL = Tone.INFO, Tone.SUCCESS, Tone.WARNING, Tone.DANGER, Tone.NEUTRAL

TONES: ToneTable = {
    CaseStatus: {
        CaseStatus.NEW: WARNING,  # nobody has looked at it yet
        CaseStatus.IN_COUNSELLING: INFO,
        CaseStatus.CARE_NEEDED: WARNING,  # a carer is needed
        CaseStatus.CARE_ARRANGED: SUCCESS,
        CaseStatus.COMPLETED: SUCCESS,
        CaseStatus.CLOSED_NO_NEED: NEUTRAL,
        CaseStatus.CLOSED_UNREACHABLE: NEUTRAL,
    },
    JobStatus: {
        JobStatus.OPEN: WARNING,  # nobody searches yet
        JobStatus.SEARCHING: INFO,
        JobStatus.UNFILLED: DANGER,
        JobStatus.FILLED: SUCCESS,
        JobStatus.COMPLETED: SUCCESS,
        JobStatus.CANCELLED: NEUTRAL,
    },
    HoursStatus: {
        HoursStatus.REPORTED: WARNING,  # to be confirmed
        HoursStatus.CONFIRMED: SUCCESS,
        HoursStatus.REJECTED: NEUTRAL,
    },
    BillStatus: {BillStatus.ISSUED: INFO, BillStatus.CANCELLED: NEUTRAL},
    PaymentState: {
        PaymentState.OPEN: INFO,
        PaymentState.PAID: SUCCESS,
        PaymentState.OVERDUE: DANGER,
        PaymentState.CANCELLED: NEUTRAL,
    },
    CallStatus: {
        CallStatus.QUEUED: INFO,
        CallStatus.RINGING: INFO,
        CallStatus.IN_PROGRESS: INFO,
        CallStatus.COMPLETED: NEUTRAL,
        CallStatus.BUSY: WARNING,  # the caller waits for a call back
        CallStatus.NO_ANSWER: WARNING,
        CallStatus.FAILED: DANGER,
        CallStatus.CANCELED: NEUTRAL,
    },
    LiveStateKind: {
        LiveStateKind.RINGING: INFO,
        LiveStateKind.TALKING: INFO,
        LiveStateKind.ENDED: NEUTRAL,
        LiveStateKind.VOICEMAIL: WARNING,
        LiveStateKind.MISSED: WARNING,
        LiveStateKind.UNREPORTED: DANGER,
    },
    MessageStatus: {
        MessageStatus.PENDING: INFO,
        MessageStatus.CLAIMED: INFO,
        MessageStatus.QUEUED: INFO,
        MessageStatus.SENDING: INFO,
        MessageStatus.SENT: INFO,
        MessageStatus.DELIVERED: SUCCESS,
        MessageStatus.UNDELIVERED: DANGER,
        MessageStatus.FAILED: DANGER,
        MessageStatus.RECEIVED: SUCCESS,
    },
    AssignmentStatus: {
        AssignmentStatus.ACTIVE: SUCCESS,
        AssignmentStatus.RELEASED: NEUTRAL,
        AssignmentStatus.COMPLETED: SUCCESS,
    },
    OfferStatus: {
        OfferStatus.SENT: INFO,
        OfferStatus.ACCEPTED: SUCCESS,
        OfferStatus.DECLINED: NEUTRAL,
        OfferStatus.TOO_LATE: NEUTRAL,
        OfferStatus.EXPIRED: NEUTRAL,
        OfferStatus.OPTED_OUT: NEUTRAL,
    },
    OfferState: {
        OfferState.SENT: INFO,
        OfferState.ACCEPTED: SUCCESS,
        OfferState.DECLINED: NEUTRAL,
        OfferState.TOO_LATE: NEUTRAL,
        OfferState.EXPIRED: NEUTRAL,
        OfferState.OPTED_OUT: NEUTRAL,
    },
    OutreachStatus: {
        OutreachStatus.ACTIVE: INFO,
        OutreachStatus.FILLED: SUCCESS,
        OutreachStatus.EXHAUSTED: DANGER,  # nobody found
        OutreachStatus.TOO_LATE: DANGER,
        OutreachStatus.CANCELLED: NEUTRAL,
        OutreachStatus.LIMIT_REACHED: DANGER,
    },
    JobState: {
        JobState.OPEN: WARNING,  # nobody searches yet
        JobState.SEARCHING: INFO,
        JobState.FILLED: SUCCESS,
        JobState.SEARCHING_AGAIN: WARNING,  # a carer withdrew: the family may need to hear it
        JobState.WITHDRAWN: DANGER,  # a carer withdrew and nobody searches
        JobState.ENDED_WITHOUT_YES: DANGER,
        JobState.SEARCH_CANCELLED: WARNING,
        JobState.CANCELLED: NEUTRAL,
        JobState.COMPLETED: SUCCESS,
    },
    PersonState: {
        PersonState.ASSIGNED: SUCCESS,
        PersonState.WITHDREW: DANGER,
        PersonState.RELEASED: NEUTRAL,
        PersonState.OPTED_OUT: NEUTRAL,
        PersonState.DECLINED: NEUTRAL,
        PersonState.LATE: WARNING,  # a yes that can still help
        PersonState.NO_ANSWER: INFO,
        PersonState.OFFER_ENDED: NEUTRAL,
    },
    TaskStatus: {
        TaskStatus.PENDING: INFO,
        TaskStatus.RUNNING: INFO,
        TaskStatus.DONE: SUCCESS,
        TaskStatus.FAILED: DANGER,
        TaskStatus.CANCELLED: NEUTRAL,
    },
}
