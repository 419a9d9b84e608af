"""What happens when a known volunteer texts us, and what we answer.

`handle_reply` is the hook telephony calls for every inbound SMS from a volunteer. An opt-out is honoured
first, also in the middle of an outreach. Everything else is parsed (`rules.parse`) and resolved against
the sender's open offers and active assignments (`rules.resolve`), then acted on: a yes goes to the
assignment service, a no answers the offer, ABSAGE gives the assignment back, hours ("STUNDEN 4821 3,5",
"3 Std 15 Min", "von 14 bis 17.30 Uhr"; without the code for the one job awaiting them) are stored (one
unconfirmed report per assignment, see `assignments.report_hours`) and the answer repeats them.

Answered messages are marked handled. Unclear ones and free text stay open for staff (`handled_at`
empty) and get at most one automatic answer a day (`messaging.service.auto_answered_recently`).
Open for staff as well, but always answered: a withdrawal (the staff's alert in the message list, next
to `open_withdrawals`), a code the sender was not offered ("Ja 9999": a typo, or a job staff should look
at), hours that cannot be right, were already confirmed or are for a cancelled job, and an opt-out of
someone who still holds a job (will they still go?).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, case, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from casework.enums import JobStatus
from casework.jobs.models import CareJob
from casework.jobs.rules import WAITING_FOR_CARER
from messaging import service as outbox
from messaging import texts as sms_texts
from messaging.models import Message
from volunteers import contact
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.assignments.rules import window_hours
from volunteers.assignments.service import HoursResult
from volunteers.outreach import late as late_yeses
from volunteers.outreach import texts as outreach_texts
from volunteers.outreach.models import Offer, OfferStatus
from volunteers.registry.models import Volunteer
from volunteers.replies import texts as reply_texts
from volunteers.replies.rules import Action, Decision, ReplyKind, Unclear, parse, resolve
from volunteers.replies.texts import answer_for

# Answers to messages that stay open for staff: limited to one a day per number.
STAYS_OPEN = frozenset({Action.CLARIFY, Action.FORWARD_TO_STAFF})
# An offer that no longer waits for a yes: of a filled job not yet told (SENT), told it is filled (EXPIRED),
# its yes came late, or declined before (a yes after a no counts).
CLOSED_BY_FILLING = (OfferStatus.SENT, OfferStatus.EXPIRED, OfferStatus.TOO_LATE, OfferStatus.DECLINED)


@dataclass(frozen=True)
class Situation:
    """The sender's open offers and active assignments, by job code, and the codes of the jobs among
    those that are over and wait for their hours. `closed`: every offer of theirs on a job that has not
    started and is filled or waiting, whatever its answer so far (the open ones among them): where a yes the
    open offers do not explain is looked for (`_closed_offer`)."""

    offers: dict[str, Offer]
    assignments: dict[str, Assignment]
    awaiting_hours: frozenset[str] = frozenset()
    closed: tuple[tuple[str, JobStatus, Offer], ...] = ()


def situation_of(db: Session, *, volunteer: Volunteer, now: datetime) -> Situation:
    """What the sender's SMS may be about, in two reads: their offers of jobs that have not started (open ones,
    and the closed ones a yes may still be decided on), and their active assignments with whether each job
    waits for their hours."""
    return situations_of(db, {volunteer.id: now})[volunteer.id]


def situations_of(db: Session, nows: Mapping[int, datetime]) -> dict[int, Situation]:
    """`situation_of` for several senders in the same two reads (the SMS that arrive together,
    `telephony.sms.service.receive_many`), each at its own moment: `nows` maps a volunteer's id to it."""
    offers_query, assignments_query = _situation_queries(len(nows))
    params: dict[str, object] = {}
    for n, (volunteer_id, now) in enumerate(nows.items()):
        params[f"volunteer_{n}"], params[f"now_{n}"] = volunteer_id, now
    offers: dict[int, dict[str, Offer]] = {volunteer_id: {} for volunteer_id in nows}
    closed: dict[int, list[tuple[str, JobStatus, Offer]]] = {volunteer_id: [] for volunteer_id in nows}
    for code, status, offer in db.execute(offers_query, params):
        if offer.status == OfferStatus.SENT and status in WAITING_FOR_CARER:
            offers[offer.volunteer_id][code] = offer  # waiting for this volunteer's answer
        closed[offer.volunteer_id].append((code, status, offer))
    held: dict[int, dict[str, Assignment]] = {volunteer_id: {} for volunteer_id in nows}
    awaiting: dict[int, set[str]] = {volunteer_id: set() for volunteer_id in nows}
    for code, assignment, owed in db.execute(assignments_query, params):
        held[assignment.volunteer_id][code] = assignment
        if owed:
            awaiting[assignment.volunteer_id].add(code)
    return {
        volunteer_id: Situation(
            offers[volunteer_id], held[volunteer_id], frozenset(awaiting[volunteer_id]), tuple(closed[volunteer_id])
        )
        for volunteer_id in nows
    }


@lru_cache(maxsize=64)
def _situation_queries(senders: int) -> tuple[Select[str, JobStatus, Offer], Select[str, Assignment, bool]]:
    """The two reads of `situations_of` for `senders` senders, built once per number: the senders are the
    parameters volunteer_0, volunteer_1, …, and each sender's rows are compared with its own moment (now_0,
    now_1, …)."""
    ids: list[BindParameter[int]] = [bindparam(f"volunteer_{n}") for n in range(senders)]
    moments = [bindparam(f"now_{n}", type_=CareJob.starts_at.type) for n in range(senders)]

    def now_of(volunteer_id: InstrumentedAttribute[int]) -> ColumnElement[datetime]:
        if senders == 1:
            return moments[0]
        return case(*((volunteer_id == id_, moment) for id_, moment in zip(ids, moments, strict=True)))

    offers = (
        select(CareJob.code, CareJob.status, Offer)
        .join(CareJob, CareJob.id == Offer.job_id)
        .where(
            Offer.volunteer_id.in_(ids),
            Offer.status.in_(CLOSED_BY_FILLING),  # SENT among them
            CareJob.status.in_((JobStatus.FILLED, *WAITING_FOR_CARER)),
            CareJob.starts_at > now_of(Offer.volunteer_id),
        )
    )
    held = (
        select(CareJob.code, Assignment, assignments.awaiting_hours(now_of(Assignment.volunteer_id)).label("owed"))
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id.in_(ids), Assignment.status == AssignmentStatus.ACTIVE)
    )
    return offers, held


def active_assignments(db: Session, *, volunteer: Volunteer) -> dict[str, Assignment]:
    rows = db.execute(
        select(CareJob.code, Assignment)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id == volunteer.id, Assignment.status == AssignmentStatus.ACTIVE)
    )
    return {code: assignment for code, assignment in rows}


def expire_open_offers(db: Session, *, volunteer: Volunteer, now: datetime) -> None:
    """An opted-out volunteer waits for nothing any more: their unanswered offers are closed."""
    db.execute(
        update(Offer)
        .where(Offer.volunteer_id == volunteer.id, Offer.status == OfferStatus.SENT)
        .values(status=OfferStatus.OPTED_OUT, answered_at=now)
    )


def handle_reply(
    db: Session,
    *,
    volunteer: Volunteer,
    message: Message,
    now: datetime,
    reminder_hour: int,
    situation: Situation | None = None,
) -> str | None:
    """Act on a volunteer's SMS; return the German answer, or None to stay silent. A yes that wins schedules
    the carer's reminder at `reminder_hour` the evening before (FLUXX_REMINDER_HOUR). `situation`: the sender's,
    read with others' a moment ago (`situations_of`) and still true; else it is read here."""
    reply = parse(message.body)
    if reply.kind is ReplyKind.OPT_OUT:  # first, whatever is open
        if not active_assignments(db, volunteer=volunteer):
            message.handled_at = now  # else staff check whether the volunteer still comes
        contact.opt_out(volunteer, now=now)
        expire_open_offers(db, volunteer=volunteer, now=now)
        return sms_texts.OPTED_OUT
    if situation is None:
        situation = situation_of(db, volunteer=volunteer, now=now)
    decision = resolve(reply, situation.offers, situation.assignments, situation.awaiting_hours)
    if decision.action is Action.CLARIFY and not (situation.offers or situation.assignments):
        # How to write JA 4821 helps nobody with nothing open ("Ich kann diese Woche nur vormittags").
        decision = Decision(Action.FORWARD_TO_STAFF)
    if reply.kind is ReplyKind.ACCEPT and decision.action in (Action.UNKNOWN_CODE, Action.NOTHING_OPEN):
        closed = _closed_offer(situation, code=decision.code)
        if closed is not None:  # a yes to a job filled a moment ago (or free again): decided like any yes
            code, offer = closed
            yes = Context(volunteer, message, Decision(Action.ACCEPT, code=code), Situation({code: offer}, {}), now,
                          reminder_hour)  # fmt: skip
            return _accept(db, yes, seen_taken=True)
        if decision.action is Action.UNKNOWN_CODE and decision.code is not None:
            _keep_wrong_code(db, volunteer=volunteer, message=message, code=decision.code, now=now)
    act = ACTIONS.get(decision.action)
    if act is not None:
        return act(db, Context(volunteer, message, decision, situation, now, reminder_hour))
    if decision.action is Action.UNKNOWN_CODE:  # open for staff, and the sender learns how to write it
        return answer_for(decision)
    if decision.action in STAYS_OPEN:
        if outbox.auto_answered_recently(db, message=message, now=now):
            return None
        if decision.action is Action.FORWARD_TO_STAFF and not volunteer.sms_opt_in:
            return sms_texts.STILL_OPTED_OUT
        return answer_for(decision)
    message.handled_at = now
    if decision.action is Action.OPT_IN:
        contact.opt_in(volunteer, now=now)
    return answer_for(decision)


def _closed_offer(situation: Situation, *, code: str | None) -> tuple[str, Offer] | None:
    """The code and offer of a job this volunteer was offered whose offer no longer waits: filled before their
    yes, or (with its code) waiting for a carer again after a withdrawal; for a bare yes the only filled one.
    The yes then goes through `assignments.accept` like any other: it wins if the job has room, else it is kept
    as a late yes. Not for a job that has started (`situation_of` reads none)."""
    waiting = (JobStatus.FILLED, *WAITING_FOR_CARER) if code is not None else (JobStatus.FILLED,)
    found = [(c, offer) for c, status, offer in situation.closed if status in waiting and code in (None, c)]
    return found[0] if len(found) == 1 else None


def _keep_wrong_code(db: Session, *, volunteer: Volunteer, message: Message, code: str, now: datetime) -> None:
    """A yes with a code that matches none of the sender's open offers is kept as a late yes on the job of
    their most recent offer of a job that has not started (the message stays open for staff, and the sender is
    told how to write it); without such an offer it stays an open, unmatched message in the inbox."""
    recent = late_yeses.most_recent_offer(db, volunteer_id=volunteer.id, now=now)
    if recent is None:
        return
    late_yeses.record(
        db, job_id=recent.job_id, volunteer_id=volunteer.id, now=now, message_id=message.id, code_given=code
    )
    message.job_id = recent.job_id


@dataclass(frozen=True)
class Context:
    volunteer: Volunteer
    message: Message
    decision: Decision
    situation: Situation
    now: datetime
    reminder_hour: int

    @property
    def code(self) -> str:
        return self.decision.code or ""


def _accept(db: Session, ctx: Context, *, seen_taken: bool = False) -> str:
    offer = ctx.situation.offers[ctx.code]
    outcome = assignments.accept(
        db, offer=offer, now=ctx.now, reminder_hour=ctx.reminder_hour, message_id=ctx.message.id,
        seen_taken=seen_taken,
    )  # fmt: skip
    # Linked only after the job row is locked: writing the link first would take a key-share lock on
    # the job row, and two yeses waiting for each other's lock would deadlock on PostgreSQL. Marked handled
    # here too, so that the message is written once, after the decision.
    ctx.message.job_id, ctx.message.handled_at = offer.job_id, ctx.now
    if outcome.already_held:
        return reply_texts.already_assigned(ctx.code)
    if outcome.assignment is None:
        return outreach_texts.taken(ctx.code)
    return assignments.assigned_text(db, db.get_one(CareJob, offer.job_id))


def _decline(db: Session, ctx: Context) -> str:
    ctx.message.handled_at = ctx.now
    offer = ctx.situation.offers[ctx.code]
    offer.status, offer.answered_at = OfferStatus.DECLINED, ctx.now
    ctx.message.job_id = offer.job_id
    return outreach_texts.declined_ack(ctx.code)


def _withdraw(db: Session, ctx: Context) -> str:
    # Left open on purpose (handled_at empty): staff see it under open messages until they act.
    assignment = ctx.situation.assignments[ctx.code]
    # Released by staff at this very moment: the volunteer need not go either way.
    with contextlib.suppress(assignments.AssignmentError):
        assignments.withdraw(db, assignment=assignment, message_id=ctx.message.id, now=ctx.now)
    ctx.message.job_id = assignment.job_id  # after the job lock (see _accept)
    return outreach_texts.withdrawn_ack(ctx.code)


def _report_hours(db: Session, ctx: Context) -> str:
    assignment = ctx.situation.assignments[ctx.code]
    hours = ctx.decision.hours
    assert hours is not None  # resolve() always gives REPORT_HOURS its hours
    outcome = assignments.report_hours(
        db, assignment=assignment, hours=hours, source="sms", message_id=ctx.message.id, now=ctx.now
    )
    ctx.message.job_id = assignment.job_id  # after the job lock (see _accept)
    job, result = outcome.job, outcome.result
    if result in (HoursResult.RECORDED, HoursResult.REPLACED, HoursResult.NOT_STARTED):
        ctx.message.handled_at = ctx.now  # else (nothing stored, something odd) open for staff
    if result is HoursResult.NOT_STARTED:
        return reply_texts.hours_too_early(ctx.code, job.starts_at)
    if result is HoursResult.BEYOND_WINDOW:
        return reply_texts.hours_beyond_window(
            hours, ctx.code, window_hours(starts_at=job.starts_at, ends_at=job.ends_at)
        )
    if result is HoursResult.NOT_POSITIVE:
        return reply_texts.clarify(Unclear.HOURS_OUT_OF_RANGE, ctx.code)
    if result is HoursResult.JOB_CANCELLED:
        return reply_texts.hours_job_cancelled(ctx.code)
    if result is HoursResult.ALREADY_CONFIRMED:
        assert outcome.report is not None
        return reply_texts.hours_already_confirmed(ctx.code, outcome.report.hours)
    if result is HoursResult.REPLACED and outcome.previous is not None and outcome.previous != hours:
        return reply_texts.hours_replaced(hours, outcome.previous, ctx.code)
    return outreach_texts.hours_ack(hours, ctx.code)


ACTIONS: dict[Action, Callable[[Session, Context], str]] = {
    Action.ACCEPT: _accept,
    Action.DECLINE: _decline,
    Action.WITHDRAW: _withdraw,
    Action.REPORT_HOURS: _report_hours,
}
