"""No yes is lost (issue 21, point 2), and the job page tells the truth (point 1): late yeses and yeses with a
wrong code are kept as "Spätere Zusagen"; after a withdrawal they are asked first and can be assigned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.enums import JobStatus
from core.models import AuditEvent, ScheduledTask, StaffRole
from messaging.models import Message, MessageDirection
from tests.factories import login, make_job, make_staff, make_volunteer
from tests.volunteers.builders import make_family_case, make_offer, make_outreach
from tests.volunteers.replies.test_service import text_in
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach import texts
from volunteers.outreach.models import LateYes, Offer, OfferStatus

ASSIGNED = "Fluxx: Danke, Einsatz 4821 ist Ihrer!"


def searching_job(db, names=("Lisa Brandt", "Tobias Kern", "Mia Sommer"), code="4821"):
    """A job searching by SMS, offered in its first wave to the people `names`."""
    case = make_family_case(db)
    job = make_job(db, case, code=code, status=JobStatus.SEARCHING)
    make_outreach(db, job)
    people = [make_volunteer(db, name=name) for name in names]
    for volunteer in people:
        make_offer(db, job, volunteer)
    return job, people


def live(client, job) -> str:
    response = client.get(f"/jobs/{job.id}/live")
    assert response.status_code == 200
    return response.text


def line(html: str, volunteer) -> str:
    return html[html.index(f'id="person-{volunteer.id}"') :].split("</li>")[0]


def late_rows(db, job) -> list[LateYes]:
    db.expire_all()
    return list(db.scalars(select(LateYes).where(LateYes.job_id == job.id)))


def test_a_yes_after_the_job_was_filled_is_kept_once_and_shown_under_spaetere_zusagen(db, client, settings):
    job, (lisa, tobias, _mia) = searching_job(db)
    assert text_in(client, settings, lisa.phone, "JA 4821").startswith(ASSIGNED)
    assert text_in(client, settings, tobias.phone, "Ja 4821") == texts.taken("4821")
    assert text_in(client, settings, tobias.phone, "JA 4821") == texts.taken("4821")  # the same SMS again

    [late] = late_rows(db, job)
    assert late.volunteer_id == tobias.id and late.code_given is None
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == tobias.id))
    assert offer.status == OfferStatus.TOO_LATE
    inbound = db.scalars(select(Message).where(Message.direction == MessageDirection.INBOUND,
                                               Message.from_number == tobias.phone)).all()  # fmt: skip
    assert {m.job_id for m in inbound} == {job.id}  # on the job, not lost

    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    html = live(client, job)
    assert "Besetzt" in html and "Suche läuft" not in html and "Welle 1 von" not in html
    assert "SMS-Suche erweitern" not in html and "SMS-Suche abbrechen" not in html
    assert "Spätere Zusagen" in html and "Tobias Kern" in html[html.index('id="late"') :]
    assert "zu spät" in line(html, tobias) and "hat zugesagt" in line(html, lisa)
    assert "Einteilen" not in html  # the job is full: nobody to assign now


def test_a_bare_yes_after_filling_is_kept_too(db, client, settings):
    job, (lisa, tobias, _mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    assert text_in(client, settings, tobias.phone, "Ja") == texts.taken("4821")
    assert [late.volunteer_id for late in late_rows(db, job)] == [tobias.id]


def test_a_yes_with_a_wrong_code_is_kept_on_the_job_of_the_senders_latest_offer(db, client, settings):
    job, (lisa, _tobias, _mia) = searching_job(db)
    answer = text_in(client, settings, lisa.phone, "Ja 9999")
    assert "Meinen Sie Einsatz 4821? Dann antworten Sie JA 4821" in answer

    [late] = late_rows(db, job)
    assert (late.volunteer_id, late.code_given) == (lisa.id, "9999")
    message = db.scalar(select(Message).where(Message.body == "Ja 9999"))
    assert message.job_id == job.id and message.handled_at is None  # open for staff as well

    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    html = live(client, job)
    assert "mit falschem Code 9999" in html[html.index('id="late"') :]
    assert 'aria-label="Lisa Brandt einteilen"' in html  # the job has room: staff may take the yes


def test_a_yes_with_a_wrong_code_from_someone_never_offered_anything_stays_unmatched_in_the_inbox(db, client, settings):
    from telephony.sms.service import Show, entries

    stranger = make_volunteer(db, name="Ole Neu")
    text_in(client, settings, stranger.phone, "Ja 9999")
    assert db.scalars(select(LateYes)).all() == []
    message = db.scalar(select(Message).where(Message.body == "Ja 9999"))
    assert message.job_id is None and message.handled_at is None
    assert [entry.message.body for entry in entries(db, show=Show.OPEN)] == ["Ja 9999"]


def test_after_a_withdrawal_the_late_yes_is_asked_first_and_new_people_wait(db, client, settings, clock):
    job, (lisa, tobias, mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    text_in(client, settings, tobias.phone, "JA 4821")
    clock.advance(minutes=5)

    assert text_in(client, settings, lisa.phone, "ABSAGE 4821 leider krank") == texts.withdrawn_ack("4821")

    db.expire_all()
    asked = db.scalars(select(Message).where(Message.to_number == tobias.phone).order_by(Message.id)).all()
    assert asked[-1].body == texts.still_free("4821", job.starts_at)
    assert not [m for m in db.scalars(select(Message).where(Message.to_number == mia.phone))
                if "wieder frei" in m.body]  # fmt: skip
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == tobias.id))
    assert offer.status == OfferStatus.SENT
    [late] = late_rows(db, job)
    assert late.asked_again_at is not None
    resume = db.scalar(select(ScheduledTask).where(ScheduledTask.dedupe_key == f"outreach:{job.id}:resume:1"))
    assert resume.due_at == clock() + timedelta(minutes=15)  # new people only after the late yes had time

    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    html = live(client, job)
    assert "Abgesagt – Suche läuft wieder" in html and "Spätere Zusagen werden zuerst gefragt." in html
    assert "hat abgesagt" in line(html, lisa) and "„ABSAGE 4821 leider krank“" in line(html, lisa)
    assert "erneut gefragt" in line(html, tobias)
    assert 'aria-label="Tobias Kern einteilen"' in html

    # The late yes answers the new question: it wins like any first yes.
    assert text_in(client, settings, tobias.phone, "JA 4821").startswith(ASSIGNED)
    html = live(client, job)
    assert "Besetzt" in html and "hat zugesagt" in line(html, tobias) and 'id="late"' not in html


def test_einteilen_assigns_a_late_yes_after_a_withdrawal_and_the_page_shows_it_filled(db, client, settings):
    job, (lisa, tobias, _mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    text_in(client, settings, tobias.phone, "JA 4821")
    text_in(client, settings, lisa.phone, "ABSAGE 4821")
    [late] = late_rows(db, job)
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    response = client.post(f"/jobs/{job.id}/late/{late.id}/assign", data={"csrf_token": csrf})

    assert response.status_code == 303
    db.expire_all()
    active = db.scalars(select(Assignment).where(Assignment.job_id == job.id,
                                                 Assignment.status == AssignmentStatus.ACTIVE)).all()  # fmt: skip
    assert [a.volunteer_id for a in active] == [tobias.id]
    page = client.get(response.headers["location"]).text
    assert "Tobias Kern ist eingeteilt und per SMS informiert." in page
    assert "Besetzt" in page and "SMS-Suche erweitern" not in page and "Einteilen</span></button>" not in page
    assert db.scalar(select(Message.body).where(Message.to_number == tobias.phone).order_by(Message.id.desc()))\
        .startswith(ASSIGNED)  # fmt: skip

    again = client.post(f"/jobs/{job.id}/late/{late.id}/assign", data={"csrf_token": csrf})
    assert again.status_code == 409 and "sucht niemanden mehr" in again.text


def test_einteilen_of_a_late_yes_of_another_job_is_not_found(db, client, settings):
    job, (lisa, tobias, _mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "JA 4821")
    text_in(client, settings, tobias.phone, "JA 4821")
    [late] = late_rows(db, job)
    other = make_job(db, make_family_case(db), code="5307")
    csrf = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert client.post(f"/jobs/{other.id}/late/{late.id}/assign", data={"csrf_token": csrf}).status_code == 404
    counsellor = make_staff(db, role=StaffRole.COUNSELLOR)
    client.cookies.clear()
    token = login(client, counsellor)
    assert client.post(f"/jobs/{job.id}/late/{late.id}/assign", data={"csrf_token": token}).status_code == 403


def test_stopp_and_no_are_told_apart_from_an_offer_that_ended(db, client, settings):
    job, (lisa, tobias, mia) = searching_job(db)
    text_in(client, settings, lisa.phone, "STOPP")
    text_in(client, settings, tobias.phone, "Nein 4821")
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    html = live(client, job)
    assert "abgemeldet (STOPP)" in line(html, lisa) and "hat abgelehnt" in line(html, tobias)
    assert "wartet auf Antwort" in line(html, mia)


def test_the_live_part_is_an_audited_view_of_the_volunteers_it_names(db, client, settings):
    job, (lisa,) = searching_job(db, names=("Lisa Brandt",))
    staff = make_staff(db, role=StaffRole.COORDINATOR)
    login(client, staff)
    live(client, job)
    live(client, job)  # unchanged: not written again
    events = db.scalars(select(AuditEvent).where(AuditEvent.staff_id == staff.id, AuditEvent.action == "job.view",
                                                 AuditEvent.detail.is_not(None))).all()  # fmt: skip
    assert [event.detail for event in events if event.detail] == [{"volunteers": [lisa.id]}]


def test_recording_the_same_late_yes_twice_keeps_one_row_and_the_first_time(db, clock):
    from volunteers.outreach import late as late_yeses

    job, (lisa, _tobias, _mia) = searching_job(db)
    late_yeses.record(db, job_id=job.id, volunteer_id=lisa.id, now=clock(), message_id=None)
    clock.advance(minutes=2)
    late_yeses.record(db, job_id=job.id, volunteer_id=lisa.id, now=clock(), message_id=None)
    db.commit()
    assert len(late_rows(db, job)) == 1
    assert late_rows(db, job)[0].said_at == clock() - timedelta(minutes=2)


def test_a_wrong_code_after_the_senders_last_job_has_started_stays_unmatched(db, client, settings, clock):
    job, (lisa, _tobias, _mia) = searching_job(db)
    clock.advance(days=2)  # the job began yesterday
    text_in(client, settings, lisa.phone, "Ja 9999")
    assert late_rows(db, job) == []
    assert db.scalar(select(Message).where(Message.body == "Ja 9999")).job_id is None
