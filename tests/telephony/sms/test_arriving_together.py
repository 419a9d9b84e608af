"""SMS that arrive together are handled in one transaction (`receive_many`, the webhook's group commit), and
each is stored, decided and answered exactly as if it had come alone, one after the other.

Every scenario runs both ways: "together" hands all messages to one `receive_many` in one transaction, as the
webhook's writer does with a burst; "one by one" gives each its own transaction, as a quiet hour does. The
expectations are the same for both.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from sqlalchemy import event, func, select

from casework.enums import JobStatus
from casework.jobs.models import CareJob
from core.db import make_sessionmaker, transaction
from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection
from telephony.sms.service import Inbound, receive_many
from tests.factories import T0, make_job, make_volunteer
from tests.twilio_helpers import HOTLINE
from tests.volunteers.builders import make_assignment, make_family_case, make_offer, make_outreach, offered_job
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach import texts as outreach_texts
from volunteers.outreach.models import LateYes, Offer, OfferStatus
from volunteers.replies import texts as reply_texts

NOW = T0.replace(hour=9)
MODES = ["together", "one by one"]
_sids = itertools.count(1)


def sms(phone: str, body: str, *, sid: str | None = None) -> Inbound:
    return Inbound(sid=sid or f"SM{next(_sids):032d}", from_number=phone, to_number=HOTLINE, body=body, now=NOW,
                   reminder_hour=18)  # fmt: skip


def receive(engine, items: Sequence[Inbound], mode: str) -> list[str | None]:
    factory = make_sessionmaker(engine)
    if mode == "together":
        with transaction(factory) as db:
            return receive_many(db, items)
    answers = []
    for item in items:
        with transaction(factory) as db:
            answers.extend(receive_many(db, [item]))
    return answers


def won(code: str) -> str:
    return f"Fluxx: Danke, Einsatz {code} ist Ihrer!"


def _filled_job(db, *, others: int):
    """A job one carer holds (filled), offered to `others` more whose offers still wait."""
    job, people = offered_job(db, volunteers=others + 1, carers_needed=1)
    make_assignment(db, job, people[0])
    return job, people[0], people[1:]


@pytest.mark.parametrize("mode", MODES)
def test_late_yeses_are_kept_and_answered_each_as_if_alone(engine, db, mode):
    job, _holder, late = _filled_job(db, others=6)
    answers = receive(engine, [sms(person.phone, f"JA {job.code}") for person in late], mode)
    assert answers == [outreach_texts.taken(job.code)] * 6
    db.expire_all()
    offers = db.scalars(select(Offer.status).where(Offer.volunteer_id.in_([p.id for p in late]))).all()
    assert offers == [OfferStatus.TOO_LATE] * 6
    kept = db.scalars(select(LateYes.volunteer_id).where(LateYes.job_id == job.id).order_by(LateYes.id)).all()
    assert kept == [person.id for person in late]
    inbound = db.scalars(select(Message).where(Message.direction == MessageDirection.INBOUND).order_by(Message.id))
    assert [(m.from_number, m.job_id, m.handled_at is not None) for m in inbound] == [
        (person.phone, job.id, True) for person in late
    ]
    replies = db.execute(
        select(Message.to_number, Message.body).where(Message.direction == MessageDirection.OUTBOUND)
        .order_by(Message.id)
    ).all()  # fmt: skip
    assert replies == [(person.phone, outreach_texts.taken(job.code)) for person in late]
    assert db.scalar(select(func.count()).select_from(Assignment).where(Assignment.job_id == job.id)) == 1


@pytest.mark.parametrize("mode", MODES)
def test_the_first_yes_wins_and_the_yeses_after_it_are_late(engine, db, mode):
    job, people = offered_job(db, volunteers=5, carers_needed=1)
    answers = receive(engine, [sms(person.phone, f"Ja {job.code}") for person in people], mode)
    assert answers[0].startswith(won(job.code))
    assert answers[1:] == [outreach_texts.taken(job.code)] * 4
    db.expire_all()
    active = db.scalars(select(Assignment.volunteer_id).where(Assignment.status == AssignmentStatus.ACTIVE)).all()
    assert active == [people[0].id]
    assert db.get_one(CareJob, job.id).status == JobStatus.FILLED


@pytest.mark.parametrize("mode", MODES)
def test_a_withdrawal_between_yeses_opens_the_job_to_the_yes_after_it(engine, db, mode):
    """The late yes before the withdrawal is kept and asked again; the yes after it wins the job. A job found
    full earlier in the same transaction is looked at again once a carer withdrew."""
    job, holder, (early, later) = _filled_job(db, others=2)
    answers = receive(
        engine,
        [
            sms(early.phone, f"JA {job.code}"),
            sms(holder.phone, f"ABSAGE {job.code}"),
            sms(later.phone, f"JA {job.code}"),
        ],
        mode,
    )
    assert answers[0] == outreach_texts.taken(job.code)
    assert answers[1] == outreach_texts.withdrawn_ack(job.code)
    assert answers[2].startswith(won(job.code))
    db.expire_all()
    active = db.scalars(select(Assignment.volunteer_id).where(Assignment.status == AssignmentStatus.ACTIVE)).all()
    assert active == [later.id]
    asked_again = db.scalars(
        select(Message.body).where(Message.direction == MessageDirection.OUTBOUND, Message.to_number == early.phone)
    ).all()
    assert len(asked_again) == 2, "the late yes's answer, then the question whether they can still come"


@pytest.mark.parametrize("mode", MODES)
def test_a_yes_after_a_no_wins_the_room_a_withdrawal_made_after_late_yeses(engine, db, mode):
    """Someone who said no first and yes now is decided under the job's shared lock, like a late yes; once the
    carer withdrew in the same transaction the job is not taken for full any more, and their yes wins."""
    job, holder, (early, undecided) = _filled_job(db, others=2)
    offer = db.scalar(select(Offer).where(Offer.volunteer_id == undecided.id))
    offer.status, offer.answered_at = OfferStatus.DECLINED, T0
    db.commit()
    answers = receive(
        engine,
        [sms(early.phone, f"JA {job.code}"), sms(holder.phone, f"ABSAGE {job.code}"),
         sms(undecided.phone, f"JA {job.code}")],
        mode,
    )  # fmt: skip
    assert answers[:2] == [outreach_texts.taken(job.code), outreach_texts.withdrawn_ack(job.code)]
    assert answers[2].startswith(won(job.code))
    db.expire_all()
    active = db.scalars(select(Assignment.volunteer_id).where(Assignment.status == AssignmentStatus.ACTIVE)).all()
    assert active == [undecided.id]


@pytest.mark.parametrize("mode", MODES)
def test_a_bare_yes_after_one_of_its_two_jobs_was_filled_by_the_message_before(engine, db, mode):
    """Someone else's yes fills one of the two jobs offered to the sender: their bare "JA" is about the other."""
    case = make_family_case(db)
    first, second = make_job(db, case, status=JobStatus.SEARCHING), make_job(db, case, status=JobStatus.SEARCHING)
    both, other = make_volunteer(db), make_volunteer(db)
    for job in (first, second):
        make_outreach(db, job)
        make_offer(db, job, both)
    make_offer(db, first, other)
    answers = receive(engine, [sms(other.phone, f"JA {first.code}"), sms(both.phone, "Ja")], mode)
    assert answers[0].startswith(won(first.code))
    assert answers[1].startswith(won(second.code))
    db.expire_all()
    held = db.execute(select(Assignment.job_id, Assignment.volunteer_id).order_by(Assignment.job_id)).all()
    assert held == [(first.id, other.id), (second.id, both.id)]


@pytest.mark.parametrize("mode", MODES)
def test_two_messages_of_one_sender_are_answered_as_one_after_the_other(engine, db, mode):
    job, (person,) = offered_job(db, volunteers=1, carers_needed=1)
    stranger = "+4917699988877"
    answers = receive(
        engine,
        [sms(stranger, "Hallo?"), sms(person.phone, f"JA {job.code}"), sms(stranger, "Hallo??"),
         sms(person.phone, f"JA {job.code}")],
        mode,
    )  # fmt: skip
    assert answers[0] == sms_texts.UNKNOWN_SENDER
    assert answers[1].startswith(won(job.code))
    assert answers[2] is None, "one automatic answer a day to an unknown number"
    assert answers[3] == reply_texts.already_assigned(job.code)


@pytest.mark.parametrize("mode", MODES)
def test_the_same_message_sid_twice_is_stored_and_answered_once(engine, db, mode):
    job, (person,) = offered_job(db, volunteers=1, carers_needed=1)
    twice = sms(person.phone, f"JA {job.code}")
    answers = receive(engine, [twice, twice], mode)
    assert answers[0].startswith(won(job.code)) and answers[1] is None
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Message).where(Message.twilio_sid == twice.sid)) == 1


def test_late_yeses_together_take_a_fraction_of_the_statements_of_one_by_one(engine, db):
    """What makes a yes storm fast: a burst's senders, messages, situations and answers are read and written with
    one statement each, and the job found full is looked at once."""
    job, _holder, late = _filled_job(db, others=32)
    counted = {"statements": 0}

    def count(*_args: object) -> None:
        counted["statements"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        receive(engine, [sms(person.phone, f"JA {job.code}") for person in late[:16]], "one by one")
        alone, counted["statements"] = counted["statements"], 0
        receive(engine, [sms(person.phone, f"JA {job.code}") for person in late[16:]], "together")
        together = counted["statements"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert alone >= 16 * 10
    assert together <= 16 * 2 + 12, together
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LateYes).where(LateYes.job_id == job.id)) == 32
