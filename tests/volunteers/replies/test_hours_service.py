"""Hours by SMS through /twilio/sms/incoming (issue 19, point 1): what is stored, and what the carer reads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.enums import HoursStatus, JobStatus
from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection
from tests.factories import T0, make_job, make_volunteer
from tests.volunteers.builders import make_assignment, make_family_case, make_offer, make_outreach
from tests.volunteers.replies.test_service import YESTERDAY, reports, text_in
from volunteers.assignments import service as assignments
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport
from volunteers.replies import texts as reply_texts
from volunteers.replies.rules import Unclear


class Carer:
    """Petra and the jobs she holds: by default 4821, yesterday 09:00-13:00 (Berlin), over and awaiting hours."""

    def __init__(self, db) -> None:
        self.db = db
        self.volunteer = make_volunteer(db, name="Petra Sommer")
        self.case = make_family_case(db)
        self.jobs: dict[str, object] = {}

    def holds(self, code: str, *, starts_at=YESTERDAY, hours: int = 4, status=JobStatus.FILLED) -> Carer:
        job = make_job(
            self.db,
            self.case,
            code=code,
            status=status,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
        )
        self.jobs[code] = job
        make_assignment(self.db, job, self.volunteer)
        job.status = status  # make_assignment fills the job
        self.db.commit()
        return self

    def assignment(self, code: str) -> Assignment:
        return self.db.scalar(select(Assignment).where(Assignment.job_id == self.jobs[code].id))

    def says(self, client, settings, body: str) -> str | None:
        return text_in(client, settings, self.volunteer.phone, body)

    def message(self) -> Message:
        self.db.expire_all()
        query = select(Message).where(Message.direction == MessageDirection.INBOUND).order_by(Message.id.desc())
        return self.db.scalar(query)


def noted(hours: str, code: str = "4821") -> str:
    return f"Fluxx: Danke! {hours} für Einsatz {code} sind notiert. Das Team bestätigt sie noch."


@pytest.mark.parametrize(
    ("body", "hours", "said"),
    [
        ("STUNDEN 4821 3,5", "3.5", "3,5 Stunden"),
        ("4821 3:30", "3.5", "3,5 Stunden"),
        ("3,5 Std", "3.5", "3,5 Stunden"),
        ("3 Std 15 Min", "3.25", "3,25 Stunden"),
        ("drei Stunden", "3", "3 Stunden"),
        ("dreieinhalb Stunden 😊", "3.5", "3,5 Stunden"),
        ("eine halbe Stunde", "0.5", "0,5 Stunden"),
        ("von 9 bis 12.30 Uhr", "3.5", "3,5 Stunden"),
        ("9-13 Uhr", "4", "4 Stunden"),
        ("2 1/2 Std", "2.5", "2,5 Stunden"),
        ("3,5", "3.5", "3,5 Stunden"),
        ("Hallo, es waren ca. 2,5 Std 😊\nLG Petra", "2.5", "2,5 Stunden"),
    ],
)
def test_hours_are_recorded_and_the_answer_repeats_them(db, client, settings, body, hours, said):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, body) == noted(said)
    assert reports(db) == [(Decimal(hours), HoursStatus.REPORTED)]
    message = carer.message()
    assert message.handled_at is not None and message.job_id == carer.jobs["4821"].id
    assert db.scalar(select(HoursReport.message_id)) == message.id


def test_one_job_awaiting_hours_is_meant_when_the_code_is_left_out(db, client, settings):
    carer = Carer(db).holds("4821").holds("5307", starts_at=T0 + timedelta(days=2))  # 5307 is still to come
    assert carer.says(client, settings, "3 Std") == noted("3 Stunden")
    report = db.scalar(select(HoursReport))
    assert report.assignment_id == carer.assignment("4821").id and report.hours == Decimal(3)


def test_two_jobs_awaiting_hours_ask_back_which_one_and_record_nothing(db, client, settings):
    carer = Carer(db).holds("4821").holds("5307", starts_at=YESTERDAY - timedelta(days=1))
    answer = carer.says(client, settings, "3 Std")
    assert answer == "Fluxx: Für welchen Einsatz sind die 3 Stunden (4821, 5307)? Bitte mit Code, z. B. STUNDEN 4821 3"
    assert reports(db) == []
    assert carer.says(client, settings, "STUNDEN 5307 3") == noted("3 Stunden", "5307")
    assert db.scalar(select(HoursReport.assignment_id)) == carer.assignment("5307").id


def test_a_job_with_confirmed_hours_awaits_none_so_the_code_may_be_left_out_for_the_other(db, client, settings):
    carer = Carer(db).holds("4821").holds("5307", starts_at=YESTERDAY - timedelta(days=1))
    assignments.report_hours(
        db, assignment=carer.assignment("5307"), hours=Decimal(2), source="staff", message_id=None, now=T0
    ).report.status = HoursStatus.CONFIRMED  # fmt: skip
    db.commit()
    assert carer.says(client, settings, "4 Std") == noted("4 Stunden")
    assert reports(db) == [(Decimal(2), HoursStatus.CONFIRMED), (Decimal(4), HoursStatus.REPORTED)]


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (
            "STUNDEN 4821 6",
            "Fluxx: 6 Stunden sind mehr, als Einsatz 4821 dauern sollte (4 Stunden). Stimmt die Zahl? "
            "Bitte erneut senden, z. B. STUNDEN 4821 4",
        ),
        (
            "von 8 bis 14 Uhr",
            "Fluxx: 6 Stunden sind mehr, als Einsatz 4821 dauern sollte (4 Stunden). Stimmt die Zahl? "
            "Bitte erneut senden, z. B. STUNDEN 4821 4",
        ),
        ("STUNDEN 4821 0", reply_texts.clarify(Unclear.HOURS_OUT_OF_RANGE, "4821")),
        ("-2 Std", reply_texts.clarify(Unclear.HOURS_OUT_OF_RANGE, "4821")),
        ("null Stunden", reply_texts.clarify(Unclear.HOURS_OUT_OF_RANGE, "4821")),
        ("2-3 Std", reply_texts.clarify(Unclear.HOURS_INVALID, "4821")),
    ],
)
def test_hours_out_of_range_or_unclear_are_asked_back_and_nothing_is_recorded(db, client, settings, body, answer):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, body) == answer
    assert "?" in answer  # a question, not a refusal
    assert reports(db) == []
    assert carer.message().handled_at is None  # staff see it under Nachrichten


def test_the_window_plus_one_hour_is_still_recorded(db, client, settings):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, "von 8 bis 13 Uhr") == noted("5 Stunden")


def test_a_second_reply_before_confirmation_replaces_the_first_and_says_so(db, client, settings):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, "3 Std") == noted("3 Stunden")
    answer = carer.says(client, settings, "Sorry, es waren dreieinhalb Stunden")
    assert answer == (
        "Fluxx: Danke! 3,5 Stunden für Einsatz 4821 sind notiert, das ersetzt Ihre Angabe von 3 Stunden. "
        "Das Team bestätigt sie noch."
    )
    assert reports(db) == [(Decimal("3.5"), HoursStatus.REPORTED)]
    assert carer.says(client, settings, "3,5 Std") == noted("3,5 Stunden")  # the same again: nothing to replace


def test_after_staff_confirmed_the_hours_nothing_changes_and_the_answer_says_call_us(db, client, settings):
    carer = Carer(db).holds("4821")
    carer.says(client, settings, "3 Std")
    db.scalar(select(HoursReport)).status = HoursStatus.CONFIRMED
    db.commit()
    answer = carer.says(client, settings, "STUNDEN 4821 4")
    assert answer == (
        "Fluxx: Für Einsatz 4821 sind schon 3 Stunden bestätigt, per SMS ändern wir sie nicht mehr. "
        f"Stimmt etwas nicht? Bitte rufen Sie uns an: {sms_texts.HOTLINE}"
    )
    assert carer.says(client, settings, "4 Std") == answer  # without the code: the only job held
    assert reports(db) == [(Decimal(3), HoursStatus.CONFIRMED)]
    assert carer.message().handled_at is None


@pytest.mark.parametrize("body", ["STOPP", "Stopp 3 Std", "3 Std, aber bitte keine SMS mehr"])
def test_a_stopp_still_wins_over_hours(db, client, settings, body):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, body) == sms_texts.OPTED_OUT
    db.expire_all()
    assert not carer.volunteer.sms_opt_in
    assert reports(db) == []
    assert carer.assignment("4821").status == AssignmentStatus.ACTIVE  # staff decide; the message stays open
    assert carer.message().handled_at is None


@pytest.mark.parametrize("body", ["STUNDEN 4821 3", "3 Std"])
def test_hours_for_a_cancelled_job_are_not_recorded_and_wait_for_staff(db, client, settings, body):
    carer = Carer(db).holds("4821", status=JobStatus.CANCELLED)
    answer = carer.says(client, settings, body)
    assert answer == (
        "Fluxx: Einsatz 4821 wurde abgesagt, dafür notieren wir keine Stunden. Das Team sieht Ihre Nachricht "
        f"und meldet sich. Fragen: {sms_texts.HOTLINE}"
    )
    assert reports(db) == []
    assert carer.message().handled_at is None


def test_hours_for_a_job_of_someone_else_are_never_recorded(db, client, settings):
    carer = Carer(db).holds("4821")
    other = make_job(db, make_family_case(db), code="5307", status=JobStatus.FILLED, starts_at=YESTERDAY,
                     ends_at=YESTERDAY + timedelta(hours=4))  # fmt: skip
    make_assignment(db, other, make_volunteer(db))
    answer = carer.says(client, settings, "STUNDEN 5307 3")
    assert answer == reply_texts.unknown_code("5307", "4821", "STUNDEN 4821 3")
    assert reports(db) == []
    assert carer.message().handled_at is None  # open for staff


def test_hours_for_an_unknown_code_are_not_recorded_and_wait_for_staff(db, client, settings):
    carer = Carer(db).holds("4821")
    assert carer.says(client, settings, "4 Std 9999") == reply_texts.unknown_code("9999", "4821", "STUNDEN 4821 4")
    assert reports(db) == []
    assert carer.message().handled_at is None


def test_hours_for_a_job_given_back_are_not_recorded(db, client, settings):
    carer = Carer(db).holds("4821").holds("5307")
    carer.assignment("5307").status = AssignmentStatus.RELEASED
    db.commit()
    assert carer.says(client, settings, "STUNDEN 5307 3") == reply_texts.unknown_code("5307", "4821", "STUNDEN 4821 3")
    assert reports(db) == []


def test_a_bare_number_next_to_an_open_offer_is_no_hours_report(db, client, settings):
    carer = Carer(db).holds("4821")
    offered = make_job(db, carer.case, code="5307", status=JobStatus.SEARCHING)
    make_outreach(db, offered)
    make_offer(db, offered, carer.volunteer)
    assert carer.says(client, settings, "3,5") == sms_texts.FORWARDED
    assert reports(db) == []
    assert carer.message().handled_at is None
    # With the words for hours it is clear, offer or not.
    assert carer.says(client, settings, "3,5 Std") == noted("3,5 Stunden")


def test_the_hours_request_and_the_reminder_show_a_form_that_is_recorded(db, client, settings):
    from volunteers.outreach import texts as outreach_texts

    carer = Carer(db).holds("4821")
    request = outreach_texts.hours_request("4821")
    example = request.rsplit("z. B. ", 1)[1]
    assert carer.says(client, settings, f"{example}\n> {request}") == noted("3,5 Stunden")
