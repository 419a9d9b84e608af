"""Repeat callers on the pages and the phone: known family, "Anruf zum offenen Fall … hinzufügen", merging."""

from datetime import timedelta
from urllib.parse import urlparse

from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseStatus, Need
from core.models import AuditEvent
from tests.factories import T0, login, make_call, make_case, make_staff
from tests.telephony.voice.voice_helpers import spoken, twiml_of
from tests.twilio_helpers import post_signed, voice_params

CALLER = "+4951112345678"  # the number voice_params calls from


def open_family_case(db, counsellor, **values):
    case = make_case(db, opened_at=T0 - timedelta(days=2), caller_phone=CALLER, caller_name="Meier",
                     status=CaseStatus.IN_COUNSELLING, counsellor_id=counsellor.id, **values)  # fmt: skip
    make_call(db, case, started_at=case.opened_at)
    return case


def new_call(db):
    case = make_case(db, caller_phone=CALLER)
    return case, make_call(db, case, started_at=T0)


def test_the_whisper_says_the_family_is_known_and_who_counsels_it(client, settings, db):
    anna = make_staff(db, name="Anna Schmidt")
    open_family_case(db, anna)
    staff = make_staff(db, on_duty=True, phone="0511 7654321")
    post_signed(client, settings, "/twilio/voice/incoming", voice_params("CA200"))
    dial = twiml_of(post_signed(client, settings, "/twilio/voice/menu", voice_params("CA200", Digits="1"),
                                query="attempt=1"))  # fmt: skip
    screen_url = dial.find("Dial").find("Number").get("url")
    assert f"staff={staff.id}" in screen_url
    screening = twiml_of(post_signed(client, settings, "/twilio/voice/screen",
                                     voice_params("CA-LEG", Direction="outbound-dial", ParentCallSid="CA200"),
                                     query=urlparse(screen_url).query))  # fmt: skip
    assert spoken(screening).startswith("Fluxx-Anruf: Kinderbetreuung. Bekannte Familie, offener Fall bei "
                                        "Anna Schmidt. Drücken Sie 1 zum Annehmen.")  # fmt: skip


def test_the_new_case_and_the_dashboard_show_the_known_family_and_add_the_call_in_one_step(client, db):
    anna = make_staff(db, name="Anna Schmidt")
    family_case = open_family_case(db, anna)
    case, call = new_call(db)
    token = login(client, anna)
    page = client.get(f"/cases/{case.id}").text
    assert f'<a href="/cases/{family_case.id}">{family_case.number}</a> · Beratung: Anna Schmidt' in page
    assert f"Anruf zum offenen Fall {family_case.number} hinzufügen" in page
    dashboard = client.get("/dashboard/live").text
    assert "Bekannte Familie: <strong>Meier</strong>" in dashboard
    assert f'action="/calls/{call.id}/add-to-open-case"' in dashboard
    response = client.post(f"/calls/{call.id}/add-to-open-case", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == f"/cases/{family_case.id}#timeline"
    assert f"Der Anruf gehört jetzt zu Fall {family_case.number}." in client.get(response.headers["location"]).text
    db.expire_all()
    assert db.get(Call, call.id).case_id == family_case.id
    # The empty case is gone: its address leads to the family's case, lists and search no longer show it.
    gone = client.get(f"/cases/{case.id}")
    assert gone.status_code == 303 and gone.headers["location"] == f"/cases/{family_case.id}"
    assert case.number not in client.get("/cases").text
    assert f'href="/cases/{case.id}"' not in client.get(f"/cases?q={case.number}").text
    assert case.number not in client.get("/dashboard/live").text
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "case.add_call")).staff_id == anna.id


def test_adding_a_call_without_a_family_case_says_why(client, db):
    staff = make_staff(db)
    case, call = new_call(db)
    token = login(client, staff)
    response = client.post(f"/calls/{call.id}/add-to-open-case", data={"csrf_token": token})
    assert response.status_code == 409 and "Zu dieser Nummer gibt es keinen anderen offenen Fall." in response.text
    assert client.post("/calls/999999/add-to-open-case", data={"csrf_token": token}).status_code == 404


def test_merging_asks_first_without_javascript_then_merges(client, db):
    anna = make_staff(db, name="Anna Schmidt")
    target = open_family_case(db, anna)
    source, _ = new_call(db)
    token = login(client, anna)
    assert "Mit anderem Fall zusammenführen" in client.get(f"/cases/{source.id}").text
    choose = client.get(f"/cases/{source.id}/merge")
    assert choose.status_code == 200 and f'name="into" value="{target.id}"' in choose.text
    confirm = client.get(f"/cases/{source.id}/merge?into={target.id}")
    assert "1 Anruf" in confirm.text and f"Fall {source.number} mit Fall {target.number} zusammenführen" in confirm.text
    db.expire_all()
    assert db.get(Case, source.id).merged_into_id is None  # looking changes nothing
    response = client.post(f"/cases/{source.id}/merge", data={"csrf_token": token, "into": str(target.id)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Case, source.id).merged_into_id == target.id
    assert f"Fall {source.number} wurde mit diesem Fall zusammengeführt" in client.get(f"/cases/{target.id}").text


def test_merging_refuses_in_german(client, db):
    staff = make_staff(db)
    case = make_case(db, caller_phone=CALLER)
    stranger = make_case(db, caller_phone="+495119999999", need=Need.DRIVING)
    token = login(client, staff)
    itself = client.post(f"/cases/{case.id}/merge", data={"csrf_token": token, "into": str(case.id)})
    assert itself.status_code == 409 and "nicht mit sich selbst" in itself.text
    other = client.post(f"/cases/{case.id}/merge", data={"csrf_token": token, "into": str(stranger.id)})
    assert other.status_code == 409 and "nur bei Fällen mit derselben Telefonnummer" in other.text
    nothing = client.post(f"/cases/{case.id}/merge", data={"csrf_token": token, "into": "x"})
    assert nothing.status_code == 422 and "Bitte wählen Sie den Fall" in nothing.text
    assert "keinen anderen Fall" in client.get(f"/cases/{case.id}/merge").text


def test_forms_sent_from_a_case_merged_meanwhile_lose_nothing_and_change_nothing_hidden(client, db):
    """A colleague merged the case while this page was open: the note lands at the family's case, a status
    change or take-over is not applied to a case nobody sees, and a new job is offered for the family's case."""
    anna = make_staff(db, name="Anna Schmidt")
    target = open_family_case(db, anna)
    source, _ = new_call(db)
    token = login(client, anna)
    client.post(f"/cases/{source.id}/merge", data={"csrf_token": token, "into": str(target.id)})

    note = client.post(f"/cases/{source.id}/notes", data={"csrf_token": token, "body": "Mutter ruft um 18 Uhr an"})
    assert note.status_code == 303 and note.headers["location"] == f"/cases/{target.id}#timeline"
    page = client.get(note.headers["location"]).text
    assert "Mutter ruft um 18 Uhr an" in page
    assert f"Notiz bei Fall {target.number} gespeichert: Fall {source.number} ist inzwischen damit" in page

    status = client.post(f"/cases/{source.id}/status",
                         data={"csrf_token": token, "to": "closed_no_need", "confirmed": "1"})  # fmt: skip
    assert status.status_code == 303 and status.headers["location"] == f"/cases/{target.id}"
    assert f"Fall {source.number} ist inzwischen mit Fall {target.number} zusammengeführt" in client.get(
        status.headers["location"]).text  # fmt: skip
    db.expire_all()
    assert db.get(Case, source.id).status == CaseStatus.CLOSED_NO_NEED  # as the merge left it
    assert db.get(Case, target.id).status == CaseStatus.IN_COUNSELLING  # the family's case was not closed

    job = client.post(f"/cases/{source.id}/jobs", data={"csrf_token": token, "kind": "child_care"})
    assert job.status_code == 409
    assert f"speichern Sie ihn hier für Fall {target.number}" in job.text
    assert f'action="/cases/{target.id}/jobs"' in job.text


def test_pressing_add_twice_moves_the_call_once_and_says_where_it_is(client, db):
    anna = make_staff(db, name="Anna Schmidt")
    family_case = open_family_case(db, anna)
    case, call = new_call(db)
    token = login(client, anna)
    form = {"csrf_token": token, "from_case": str(case.id)}
    first = client.post(f"/calls/{call.id}/add-to-open-case", data=form)
    second = client.post(f"/calls/{call.id}/add-to-open-case", data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == f"/cases/{family_case.id}#timeline"
    assert f"Dieser Anruf gehört schon zu Fall {family_case.number}." in client.get(second.headers["location"]).text
    db.expire_all()
    assert db.get(Call, call.id).case_id == family_case.id
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "case.add_call")).all()) == 1
