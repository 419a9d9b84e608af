"""A volunteer's SMS through /twilio/sms/incoming: what is done and what they are answered."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.billing.models import HoursReport
from casework.enums import HoursStatus, JobStatus
from fluxx.core.models import AuditEvent, ScheduledTask
from telephony.outbox import texts as sms_texts
from telephony.outbox.models import Message, MessageDirection
from tests.factories import make_job, make_volunteer
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE, post_signed
from tests.volunteers.builders import make_assignment, make_family_case, make_offer, make_outreach
from volunteers.assignments import service as assignments
from volunteers.outreach import texts as outreach_texts
from volunteers.outreach.models import Assignment, AssignmentStatus, Offer, OfferStatus
from volunteers.replies import texts as reply_texts
from volunteers.replies.rules import Unclear

_sids = itertools.count(1)
OFFER_SMS = "Fluxx: Kinderbetreuung in Laatzen, Fr. 27.11. 09:00-13:00 Uhr. Können Sie? Antwort: JA 4821 oder NEIN 4821"


def text_in(client, settings, phone: str, body: str) -> str | None:
    """Send `body` as `phone`; our answer in the TwiML, or None."""
    params = {
        "AccountSid": ACCOUNT_SID, "MessageSid": f"SM{next(_sids):032d}", "From": phone, "To": HOTLINE,
        "Body": body, "NumMedia": "0",
    }  # fmt: skip
    response = post_signed(client, settings, "/twilio/sms/incoming", params)
    assert response.status_code == 200, response.text
    found = ET.fromstring(response.text).find("Message")
    return None if found is None else found.text


@dataclass
class World:
    db: object
    volunteer: object
    jobs: dict[str, object]

    def offer(self, code: str) -> Offer:
        return self.db.scalar(select(Offer).where(Offer.job_id == self.jobs[code].id))

    def assignment(self, code: str) -> Assignment | None:
        return self.db.scalar(select(Assignment).where(Assignment.job_id == self.jobs[code].id))

    def inbound(self) -> Message:
        return self.db.scalar(
            select(Message).where(Message.direction == MessageDirection.INBOUND).order_by(Message.id.desc())
        )


def world(db, *, offered: tuple[str, ...] = (), assigned: tuple[str, ...] = ()) -> World:
    volunteer = make_volunteer(db, name="Petra Sommer")
    case = make_family_case(db)
    jobs = {}
    for code in offered + assigned:
        jobs[code] = make_job(db, case, code=code, status=JobStatus.SEARCHING)
        make_outreach(db, jobs[code])
        make_offer(db, jobs[code], volunteer, status=OfferStatus.SENT if code in offered else OfferStatus.ACCEPTED)
    for code in assigned:
        make_assignment(db, jobs[code], volunteer)
    return World(db, volunteer, jobs)


def _accepted(w: World) -> None:
    assert w.assignment("4821").status == AssignmentStatus.ACTIVE
    assert (w.offer("4821").status, w.jobs["4821"].status) == (OfferStatus.ACCEPTED, JobStatus.FILLED)
    assert w.volunteer.last_assigned_at is not None
    assert w.inbound().handled_at is not None


def _nothing_assigned(w: World) -> None:
    assert [w.assignment(code) for code in w.jobs] == [None] * len(w.jobs)
    assert {w.offer(code).status for code in w.jobs} == {OfferStatus.SENT}


def _declined(w: World) -> None:
    assert w.offer("4821").status == OfferStatus.DECLINED and w.assignment("4821") is None


def _hours_stored(w: World) -> None:
    report = w.db.scalar(select(HoursReport))
    assert (report.hours, report.source, report.status) == (Decimal("3.50"), "sms", HoursStatus.REPORTED)
    assert isinstance(report.hours, Decimal) and report.message_id == w.inbound().id


def _withdrawn(w: World) -> None:
    assignment = w.assignment("4821")
    assert (assignment.status, assignment.release_reason) == (AssignmentStatus.RELEASED, "volunteer")
    assert assignment.withdrawn_at is not None and w.jobs["4821"].status == JobStatus.SEARCHING
    task = w.db.scalar(select(ScheduledTask).where(ScheduledTask.kind == "outreach.wave"))
    job_id = w.jobs["4821"].id
    assert (task.payload, task.dedupe_key) == ({"job_id": job_id}, f"outreach:{job_id}:resume:1")
    # Staff are alerted: the dashboard's list, the audit trail of the case, the open message.
    assert [a.id for a in assignments.open_withdrawals(w.db)] == [assignment.id]
    assert w.db.scalar(select(AuditEvent.action).where(AuditEvent.action == "assignment.withdraw"))
    assert w.inbound().handled_at is None
    assert not w.db.scalars(select(Message).where(Message.to_number == "+4915112345678")).all()  # family not told


def _opted_out_and_offers_closed(w: World) -> None:
    assert not w.volunteer.sms_opt_in
    assert {w.offer(code).status for code in w.jobs} == {OfferStatus.EXPIRED}


def _left_open(w: World) -> None:
    _nothing_assigned(w)
    assert w.inbound().handled_at is None


def _answered(w: World) -> None:
    assert w.inbound().handled_at is not None


ASSIGNED_4821 = "Fluxx: Danke, Einsatz 4821 ist Ihrer!"
FLOW: list[tuple[str, tuple[str, ...], tuple[str, ...], str, Callable[[str], bool], Callable[[World], None]]] = [
    ("yes with one offer", ("4821",), (), "JA", lambda a: a.startswith(ASSIGNED_4821), _accepted),
    ("yes with its code", ("4821", "5307"), (), "ja gerne 4821", lambda a: a.startswith(ASSIGNED_4821), _answered),
    (
        "bare yes with two offers", ("4821", "5307"), (), "Ja!",
        lambda a: a == reply_texts.ask_code(("4821", "5307")), _nothing_assigned,
    ),
    ("no", ("4821",), (), "NEIN 4821", lambda a: a == outreach_texts.declined_ack("4821"), _declined),
    (
        "unknown code", ("4821",), (), "JA 9999",
        lambda a: a == reply_texts.unknown_code("9999"), _nothing_assigned,
    ),
    (
        "yes to a job already held", (), ("4821",), "JA 4821",
        lambda a: a == reply_texts.already_assigned("4821"), _answered,
    ),
    (
        "hours", (), ("4821",), "STUNDEN 4821 3,5",
        lambda a: a == outreach_texts.hours_ack(Decimal("3.5"), "4821"), _hours_stored,
    ),
    ("withdrawal", (), ("4821",), "ABSAGE 4821", lambda a: a == outreach_texts.withdrawn_ack("4821"), _withdrawn),
    (
        "kann doch nicht", (), ("4821",), "Sorry, kann doch nicht",
        lambda a: a == outreach_texts.withdrawn_ack("4821"), _withdrawn,
    ),
    (
        "opt-out in the middle of an outreach", ("4821", "5307"), (), "STOPP",
        lambda a: a == sms_texts.OPTED_OUT, _opted_out_and_offers_closed,
    ),
    (
        "quoted offer", ("4821",), (), f"> {OFFER_SMS}",
        lambda a: a == reply_texts.clarify(Unclear.QUOTE_ONLY, None), _left_open,
    ),
    (
        "yes with a condition", ("4821",), (), "Ja, aber erst ab 15 Uhr",
        lambda a: a.startswith("Fluxx: Danke! Eine Zusage mit Bedingung"), _left_open,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("offered", "assigned", "body", "expected", "check"), [row[1:] for row in FLOW],
                         ids=[row[0] for row in FLOW])  # fmt: skip
def test_a_reply_is_answered_and_acted_on(db, client, settings, offered, assigned, body, expected, check):
    w = world(db, offered=offered, assigned=assigned)
    answer = text_in(client, settings, w.volunteer.phone, body)
    db.expire_all()
    assert answer is not None and expected(answer), answer
    check(w)


def test_a_quoted_offer_is_answered_only_once_a_day_and_every_copy_waits_for_staff(db, client, settings, clock):
    w = world(db, offered=("4821",))
    assert text_in(client, settings, w.volunteer.phone, f"> {OFFER_SMS}")
    assert text_in(client, settings, w.volunteer.phone, f"> {OFFER_SMS}") is None
    clock.advance(hours=25)
    assert text_in(client, settings, w.volunteer.phone, f"> {OFFER_SMS}")


def test_a_yes_after_the_job_was_filled_is_thanked_and_told_it_is_taken(db, client, settings):
    first, second = make_volunteer(db), make_volunteer(db)
    case = make_family_case(db)
    job = make_job(db, case, code="4821", status=JobStatus.SEARCHING)
    make_offer(db, job, first), make_offer(db, job, second)
    assert text_in(client, settings, first.phone, "JA 4821").startswith(ASSIGNED_4821)
    assert text_in(client, settings, second.phone, "Ja") == outreach_texts.taken("4821")
    assert text_in(client, settings, second.phone, "JA 4821") == outreach_texts.taken("4821")
