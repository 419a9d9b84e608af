"""The case history: an outreach's SMS grouped into one entry per wave naming its recipients, each entry as it was
then (not the state now), and filters for notes, calls, SMS and changes."""

from datetime import timedelta

from casework.cases.models import CaseNote
from casework.enums import JobStatus
from casework.timeline.service import Entry, by_topic, short_name, topic_counts
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from tests.factories import T0, login, make_call, make_case, make_job, make_staff, make_volunteer
from volunteers.outreach.models import Offer, OfferStatus

NAMES = ["Lisa Berger", "Tobias Krämer", "Aylin-Marie Demir", "Jonas", "Petra von Salm"]


def sms(db, job, volunteer, body, *, at, inbound=False):
    ours, theirs = "+4951116832110", volunteer.phone
    message = Message(
        direction=MessageDirection.INBOUND if inbound else MessageDirection.OUTBOUND,
        from_number=theirs if inbound else ours, to_number=ours if inbound else theirs, body=body,
        status=MessageStatus.RECEIVED if inbound else MessageStatus.DELIVERED, attempts=0, job_id=job.id,
        volunteer_id=volunteer.id, created_at=at, updated_at=at,
    )  # fmt: skip
    db.add(message)
    db.flush()
    return message


def a_searched_job(db):
    case = make_case(db)
    job = make_job(db, case, status=JobStatus.FILLED, starts_at=T0 + timedelta(days=1))
    people = [make_volunteer(db, name=name, phone=f"+4917612345{n:03d}") for n, name in enumerate(NAMES)]
    for n, person in enumerate(people):
        wave, at = (1, T0) if n < 3 else (2, T0 + timedelta(minutes=30))
        message = sms(db, job, person, f"Fluxx: Anfrage Einsatz {job.code}", at=at)
        db.add(Offer(job_id=job.id, volunteer_id=person.id, wave=wave, status=OfferStatus.SENT, sent_at=at,
                     message_id=message.id))  # fmt: skip
    sms(db, job, people[0], f"JA {job.code}", at=T0 + timedelta(minutes=40), inbound=True)
    db.add(CaseNote(case_id=case.id, body="Mutter im Krankenhaus.", created_at=T0))
    make_call(db, case)
    db.commit()
    return case, job


def test_short_names_keep_the_first_name_and_the_last_names_initial():
    assert [short_name(n) for n in NAMES] == ["Lisa B.", "Tobias K.", "Aylin-Marie D.", "Jonas", "Petra von S."]


def test_each_wave_is_one_entry_naming_its_recipients_and_the_answers_stay_single(client, db):
    case, job = a_searched_job(db)
    login(client, make_staff(db))

    page = client.get(f"/cases/{case.id}").text

    assert f"Einsatz {job.code}, Welle 1: 3 SMS</strong>" in page
    assert "an Lisa B., Tobias K., Aylin-Marie D.</div>" in page
    assert f"Einsatz {job.code}, Welle 2: 2 SMS</strong>" in page and "an Jonas, Petra von S.</div>" in page
    assert page.count("<strong>SMS gesendet</strong>") == 0  # the five offers are in the two wave entries
    assert page.count("<strong>SMS empfangen</strong>") == 1 and f"JA {job.code}" in page


def test_a_job_entry_says_what_was_asked_then_not_the_jobs_state_now(client, db):
    case, job = a_searched_job(db)
    login(client, make_staff(db))
    page = client.get(f"/cases/{case.id}?verlauf=aenderungen").text
    created = page.split(f"Einsatz {job.code} angelegt</strong>")[1].split("</li>")[0]
    assert "Kinderbetreuung, Fr., 27.11.2026" in created and "Status" not in created and "Besetzt" not in created


def test_the_history_filters_by_topic_with_counts(client, db):
    case, job = a_searched_job(db)
    login(client, make_staff(db))

    notes = client.get(f"/cases/{case.id}?verlauf=notizen").text
    timeline = notes.split('id="timeline"')[1]
    assert "Mutter im Krankenhaus." in timeline and "Welle 1" not in timeline and "Anruf</strong>" not in timeline
    assert f'href="/cases/{case.id}?verlauf=notizen#timeline" aria-current="page">Notizen (1)</a>' in timeline
    assert f'href="/cases/{case.id}?verlauf=sms#timeline">SMS (3)</a>' in timeline  # two waves and the answer
    calls = client.get(f"/cases/{case.id}?verlauf=anrufe").text.split('id="timeline"')[1]
    assert "Anruf</strong>" in calls and "Mutter im Krankenhaus." not in calls
    unknown = client.get(f"/cases/{case.id}?verlauf=<script>").text.split('id="timeline"')[1]
    assert "Mutter im Krankenhaus." in unknown and "Welle 1" in unknown  # an unknown filter shows everything


def test_topics_are_counted_and_filtered_as_a_plain_rule():
    entries = [Entry(T0, kind, kind) for kind in ("note", "call", "sms", "wave", "status", "job", "bill", "hours")]
    assert topic_counts(entries) == {"alle": 8, "notizen": 1, "anrufe": 1, "sms": 2, "aenderungen": 4}
    assert [e.kind for e in by_topic(entries, "sms")] == ["sms", "wave"]
    assert by_topic(entries, "alle") == entries == by_topic(entries, "unbekannt")
