"""Issue 22, point 4: what volunteers read before they are assigned names neither the family nor where it lives.

A job of the Yılmaz family in Linden is offered in two waves; one carer declines, one takes it, one answers too
late, one sends a code that does not exist. Every SMS a volunteer got before their own assignment (offers, the
answers to their replies, "schon vergeben") carries the kind of help, the place (municipality and district), the
time and the code, but no family name, no street address, no number of the family and no job notes; the address
reaches only the carer who took the job, after the assignment."""

from __future__ import annotations

from sqlalchemy import select

from casework.enums import JobKind
from casework.jobs.models import CareJob
from messaging.models import Message
from messaging.rules import MessageDirection
from telephony.sms.service import receive_sms
from tests.factories import make_case, make_staff
from tests.volunteers.outreach.helpers import JOB_END, JOB_START, carers, laatzen_id, work
from volunteers.outreach import service as outreach
from volunteers.outreach.rules import OutreachPolicy

FAMILY = ("Yılmaz", "Ayşe", "Hildesheimer", "30880", "015112345678", "+4915112345678", "Nachbarin Schmidt")
HOTLINE = "+4951112345"


def _leaks(text: str) -> list[str]:
    return [word for word in FAMILY if word in text]


def test_no_sms_to_a_volunteer_names_the_family_or_its_address_before_the_assignment(db, engine, clock):
    case = make_case(db, caller_name="Ayşe Yılmaz", caller_phone="+4915112345678",
                     address="Hildesheimer Str. 12, 30880 Laatzen", sms_consent=True)  # fmt: skip
    job = CareJob(case_id=case.id, kind=JobKind.CHILD_CARE, starts_at=JOB_START, ends_at=JOB_END,
                  municipality_id=laatzen_id(db), district="Rethen", code="4821",
                  notes="Schlüssel bei Nachbarin Schmidt", requirements=[], created_at=clock(),
                  updated_at=clock())  # fmt: skip
    db.add(job)
    db.commit()
    people = carers(db, 8)
    outreach.start(db, job=job, policy=OutreachPolicy(), staff=make_staff(db), now=clock())
    db.commit()
    work(engine, clock)
    clock.advance(minutes=15)
    work(engine, clock)  # the second wave

    answers: list[str] = []

    def reply(person, body: str, n: int) -> None:
        answer = receive_sms(db, sid=f"SM{n:032d}", from_number=person.phone, to_number=HOTLINE, body=body,
                             now=clock(), reminder_hour=18)  # fmt: skip
        db.commit()
        answers.append(answer or "")

    reply(people[0], "NEIN 4821", 1)
    reply(people[1], "nein 9999", 2)  # a code that does not exist
    assigned_at = clock()
    clock.advance(minutes=1)
    reply(people[2], "JA 4821", 3)  # takes the job
    clock.advance(minutes=1)
    reply(people[3], "Ja 4821", 4)  # too late
    work(engine, clock)

    db.expire_all()
    outbound = db.scalars(select(Message).where(Message.direction == MessageDirection.OUTBOUND,
                                                Message.volunteer_id.is_not(None))).all()  # fmt: skip
    assert len([m for m in outbound if m.body.startswith("Fluxx: Kinderbetreuung in Laatzen-Rethen")]) == 8
    taker = people[2].id
    before = [m.body for m in outbound if m.volunteer_id != taker or m.created_at <= assigned_at]
    assert before and all(_leaks(body) == [] for body in before), [b for b in before if _leaks(b)]
    assert len(answers) == 4
    others = [answer for n, answer in enumerate(answers) if n != 2]
    assert all(_leaks(answer) == [] for answer in others), others
    # The carer who took the job learns where to go, from the assignment on.
    after = [m.body for m in outbound if m.volunteer_id == taker and m.created_at > assigned_at] + [answers[2]]
    assert any("Hildesheimer Str. 12" in body for body in after)
