"""A volunteer's SMS through /twilio/sms/incoming: what is done and what they are answered."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.enums import HoursStatus, JobStatus
from core.models import AuditEvent, ScheduledTask
from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection
from tests.factories import T0, make_job, make_volunteer
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE, post_signed
from tests.volunteers.builders import make_assignment, make_family_case, make_offer, make_outreach
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport
from volunteers.outreach import texts as outreach_texts
from volunteers.outreach.models import Offer, OfferStatus
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


def _no_hours_stored(w: World) -> None:
    assert w.db.scalars(select(HoursReport)).all() == []
    assert w.inbound().handled_at is not None


def _asked_back(w: World) -> None:
    _nothing_assigned(w)
    assert w.inbound().handled_at is not None


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
    assert {w.offer(code).status for code in w.jobs} == {OfferStatus.OPTED_OUT}
    assert [w.assignment(code) for code in w.jobs] == [None] * len(w.jobs)
    assert w.inbound().handled_at is not None


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
        lambda a: a == reply_texts.unknown_code("9999", "4821", "JA 4821"), _left_open,
    ),
    ("OK alone", ("4821",), (), "OK", lambda a: a == reply_texts.ask_yes(("4821",)), _asked_back),
    ("thumbs up alone", ("4821",), (), "👍", lambda a: a == reply_texts.ask_yes(("4821",)), _asked_back),
    ("ok with the code", ("4821",), (), "ok 4821", lambda a: a.startswith(ASSIGNED_4821), _accepted),
    (
        "yes to a job already held", (), ("4821",), "JA 4821",
        lambda a: a == reply_texts.already_assigned("4821"), _answered,
    ),
    (
        "hours before the job", (), ("4821",), "STUNDEN 4821 3,5",
        lambda a: a == "Fluxx: Einsatz 4821 beginnt erst am Fr. 27.11. um 09:00 Uhr. Bitte melden Sie die Stunden "
        "nach dem Einsatz.", _no_hours_stored,
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
        "Abmelden bitte", ("4821", "5307"), (), "Abmelden bitte",
        lambda a: a == sms_texts.OPTED_OUT, _opted_out_and_offers_closed,
    ),
    (
        "STOP bitte keine SMS mehr", ("4821",), (), "STOP bitte keine SMS mehr",
        lambda a: a == sms_texts.OPTED_OUT, _opted_out_and_offers_closed,
    ),
    (
        "opt-out wins over a yes", ("4821",), (), "Ja 4821, aber danach bitte keine SMS mehr!",
        lambda a: a == sms_texts.OPTED_OUT, _opted_out_and_offers_closed,
    ),
    (
        "quoted offer", ("4821",), (), f"> {OFFER_SMS}",
        lambda a: a == reply_texts.clarify(Unclear.QUOTE_ONLY, "4821"), _left_open,
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


# --- Hours after the job (issue 16) ------------------------------------------------------------------------

YESTERDAY = T0 - timedelta(days=1)


def done_job(db, *, hours: int = 4) -> World:
    """Petra held job 4821, yesterday from 09:00 to 13:00 (Berlin): hours may be reported."""
    volunteer = make_volunteer(db, name="Petra Sommer")
    job = make_job(
        db, make_family_case(db), code="4821", status=JobStatus.FILLED, starts_at=YESTERDAY,
        ends_at=YESTERDAY + timedelta(hours=hours),
    )  # fmt: skip
    make_assignment(db, job, volunteer)
    return World(db, volunteer, {"4821": job})


def reports(db) -> list[tuple[Decimal, HoursStatus]]:
    db.expire_all()
    return [(r.hours, r.status) for r in db.scalars(select(HoursReport).order_by(HoursReport.id))]


def test_hours_after_the_job_are_stored_for_staff_to_confirm(db, client, settings):
    w = done_job(db)
    answer = text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 3,5")
    assert answer == "Fluxx: Danke! 3,5 Stunden für Einsatz 4821 sind notiert. Das Team bestätigt sie noch."
    db.expire_all()
    report = db.scalar(select(HoursReport))
    assert (report.hours, report.source, report.status) == (Decimal("3.50"), "sms", HoursStatus.REPORTED)
    assert report.message_id == w.inbound().id and w.inbound().handled_at is not None
    assert w.inbound().job_id == w.jobs["4821"].id


@pytest.mark.parametrize("body", ["4821 3:30", "4821 3,5", "Einsatz 4821: 3,5"])
def test_a_code_and_a_number_from_the_carer_after_the_job_is_an_hours_report(db, client, settings, body):
    w = done_job(db)
    answer = text_in(client, settings, w.volunteer.phone, body)
    assert answer == "Fluxx: Danke! 3,5 Stunden für Einsatz 4821 sind notiert. Das Team bestätigt sie noch."
    assert "JA" not in answer and "NEIN" not in answer
    assert reports(db) == [(Decimal("3.50"), HoursStatus.REPORTED)]


def test_a_second_report_replaces_the_unconfirmed_first_and_says_so(db, client, settings):
    w = done_job(db)
    assert text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 5") == (
        "Fluxx: Danke! 5 Stunden für Einsatz 4821 sind notiert. Das Team bestätigt sie noch."
    )
    first_id = db.scalar(select(HoursReport.id))
    assert text_in(client, settings, w.volunteer.phone, "4821 3:30") == (
        "Fluxx: Danke! 3,5 Stunden für Einsatz 4821 sind notiert, das ersetzt Ihre Angabe von 5 Stunden. "
        "Das Team bestätigt sie noch."
    )
    assert reports(db) == [(Decimal("3.50"), HoursStatus.REPORTED)]
    report = db.scalar(select(HoursReport))
    assert report.id == first_id and report.message_id == w.inbound().id
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "hours.replace"))


def test_five_reports_of_24_hours_for_a_four_hour_job_store_nothing_and_stay_open(db, client, settings):
    w = done_job(db)
    answers = [text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 24") for _ in range(5)]
    expected = (
        "Fluxx: 24 Stunden sind mehr, als Einsatz 4821 dauern sollte (4 Stunden). Stimmt die Zahl? "
        "Bitte erneut senden, z. B. STUNDEN 4821 4"
    )
    assert answers == [expected] * 5
    assert reports(db) == []
    assert w.inbound().handled_at is None  # staff see it under Nachrichten
    # Up to the window plus an hour is taken (a late pick-up).
    assert text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 5").startswith("Fluxx: Danke! 5 Stunden")


def test_hours_before_the_job_starts_are_refused_politely_and_not_stored(db, client, settings):
    w = world(db, assigned=("4821",))  # the job starts tomorrow
    answer = text_in(client, settings, w.volunteer.phone, "4821 3:30")
    assert answer == (
        "Fluxx: Einsatz 4821 beginnt erst am Fr. 27.11. um 09:00 Uhr. Bitte melden Sie die Stunden nach dem Einsatz."
    )
    assert reports(db) == []


def test_hours_after_staff_confirmed_them_change_nothing_and_wait_for_staff(db, client, settings, clock):
    w = done_job(db)
    text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 3,5")
    report = db.scalar(select(HoursReport))
    report.status, report.confirmed_at = HoursStatus.CONFIRMED, clock()
    db.commit()
    answer = text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 4")
    assert answer == (
        "Fluxx: Für Einsatz 4821 sind schon 3,5 Stunden bestätigt, per SMS ändern wir sie nicht mehr. "
        f"Stimmt etwas nicht? Bitte rufen Sie uns an: {sms_texts.HOTLINE}"
    )
    assert reports(db) == [(Decimal("3.50"), HoursStatus.CONFIRMED)]
    assert w.inbound().handled_at is None


def test_a_rejected_report_is_kept_and_a_new_one_is_stored(db, client, settings):
    w = done_job(db)
    text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 5")
    report = db.scalar(select(HoursReport))
    report.status = HoursStatus.REJECTED
    db.commit()
    assert text_in(client, settings, w.volunteer.phone, "STUNDEN 4821 4").startswith("Fluxx: Danke! 4 Stunden")
    assert reports(db) == [(Decimal("5.00"), HoursStatus.REJECTED), (Decimal("4.00"), HoursStatus.REPORTED)]


def test_a_code_and_a_number_about_an_offered_job_is_not_read_as_hours(db, client, settings):
    w = world(db, offered=("4821",))
    answer = text_in(client, settings, w.volunteer.phone, "4821 3")
    assert answer == reply_texts.clarify(Unclear.CODE_ONLY, "4821")
    _left_open(w)


# --- Consent, acknowledgements, unknown codes (issue 16) --------------------------------------------------

OPT_OUTS = [
    "Abmelden bitte", "STOP bitte keine SMS mehr", "stopp bitte", "Stopp!", "keine SMS mehr", "bitte austragen",
    "abbestellen", "Bitte nicht mehr kontaktieren 🙏", "Ok, bitte abmelden", "Bitte keine Nachrichten mehr!",
]  # fmt: skip


@pytest.mark.parametrize("body", OPT_OUTS)
def test_a_withdrawal_of_consent_in_usual_words_opts_out_and_closes_open_offers(db, client, settings, body):
    w = world(db, offered=("4821", "5307"))
    assert text_in(client, settings, w.volunteer.phone, body) == sms_texts.OPTED_OUT
    db.expire_all()
    _opted_out_and_offers_closed(w)
    assert w.volunteer.opted_out_at is not None


@pytest.mark.parametrize("body", ["Bitte nicht abmelden", "Ich bekomme keine SMS mehr", "kann nicht stoppen"])
def test_what_only_looks_like_an_opt_out_keeps_the_volunteer_opted_in(db, client, settings, body):
    w = world(db, offered=("4821",))
    assert text_in(client, settings, w.volunteer.phone, body) != sms_texts.OPTED_OUT
    db.expire_all()
    assert w.volunteer.sms_opt_in


def test_an_opt_out_of_someone_who_holds_a_job_waits_for_staff(db, client, settings):
    w = world(db, offered=("5307",), assigned=("4821",))
    assert text_in(client, settings, w.volunteer.phone, "Bitte keine SMS mehr") == sms_texts.OPTED_OUT
    db.expire_all()
    assert not w.volunteer.sms_opt_in and w.offer("5307").status == OfferStatus.OPTED_OUT
    assert w.assignment("4821").status == AssignmentStatus.ACTIVE  # staff decide
    assert w.inbound().handled_at is None


def test_ok_or_thumbs_up_after_the_assignment_needs_no_answer(db, client, settings):
    w = world(db, assigned=("4821",))
    assert text_in(client, settings, w.volunteer.phone, "👍") is None
    db.expire_all()
    assert w.inbound().handled_at is not None and w.assignment("4821").status == AssignmentStatus.ACTIVE


def test_a_yes_with_a_code_not_offered_stays_open_under_nachrichten(db, client, settings):
    from telephony.sms.service import Show, entries

    w = world(db, offered=("4821",))
    answer = text_in(client, settings, w.volunteer.phone, "Ja 9999")
    assert answer == (
        "Fluxx: Den Code 9999 finden wir bei Ihnen nicht. Meinen Sie Einsatz 4821? Dann antworten Sie JA 4821. "
        f"Fragen: {sms_texts.HOTLINE}"
    )
    db.expire_all()
    _left_open(w)
    assert [entry.message.body for entry in entries(db, show=Show.OPEN)] == ["Ja 9999"]
