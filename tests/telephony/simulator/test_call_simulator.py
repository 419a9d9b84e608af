from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from casework.calls.models import Call
from casework.enums import CallStatus, CaseChannel, Need
from telephony.simulator.service import CallSimulator
from tests.factories import make_staff
from tests.twilio_helpers import post_signed

BASE = "http://testserver"


@pytest.fixture
def simulator(client, settings):
    def post(url: str, params: dict[str, str]) -> str:
        parts = urlsplit(url)
        assert url.startswith(BASE)
        response = post_signed(client, settings, parts.path, params, query=parts.query)
        assert response.status_code == 200, response.text
        return response.text

    return CallSimulator(post)


def only_call(db) -> Call:
    """The one call, with its case (`Call.case` never loads lazily)."""
    db.expire_all()
    return db.scalar(select(Call).options(joinedload(Call.case)))


def test_a_simulated_call_walks_the_ivr_to_a_staff_member(simulator, db):
    staff = make_staff(db, on_duty=True, phone="0511 5550001")
    call = simulator.start(BASE, "+495111234567")
    assert call.pending.verb == "gather"
    assert any("Fluxxfon" in line.text for line in call.lines)
    simulator.answer_menu(call, speech="Fahrdienst")
    assert call.pending.verb == "dial" and call.pending.numbers[0][0] == "+495115550001"
    simulator.staff_picks_up(call, "+495115550001", presses_one=True)
    assert call.pending.verb == "connected"
    assert any("Fluxx-Anruf: Fahrdienst" in line.text for line in call.lines)
    simulator.end_conversation(call)
    assert call.pending.verb == "ended"
    stored = only_call(db)
    assert stored.accepted_by_id == staff.id and stored.case.need == Need.DRIVING
    assert stored.status == CallStatus.COMPLETED and stored.duration_seconds == 220


def test_a_simulated_caller_nobody_takes_leaves_a_voicemail(simulator, db):
    make_staff(db, on_duty=True, phone="0511 5550002")
    call = simulator.start(BASE, "+495111234567")
    simulator.answer_menu(call, digits="2")
    simulator.staff_picks_up(call, "+495115550002", presses_one=False)
    assert call.pending.verb == "dial" and "+495115550002" in call.pending.declined
    simulator.nobody_answers(call)
    assert call.pending.verb == "record"
    simulator.leave_voicemail(call, api_url="https://api.twilio.com")
    assert call.pending.verb == "ended" and call.lines[-1].kind == "Ende"
    stored = only_call(db)
    assert stored.recording_sid.startswith("RE") and stored.case.channel == CaseChannel.VOICEMAIL
    assert stored.case.callback_needed is True


def test_hanging_up_in_the_menu_reports_the_end_and_asks_for_a_call_back(simulator, db):
    call = simulator.start(BASE, "+495111234567")
    simulator.hang_up(call)
    stored = only_call(db)
    assert stored.status == CallStatus.COMPLETED and stored.case.callback_needed is True


def test_the_simulator_page_is_for_logged_in_staff_only(client):
    response = client.get("/simulator/call", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_in_production_mode_the_simulator_does_not_exist(engine, clock, db):
    from fastapi.testclient import TestClient

    from fluxx.factory import create_app
    from tests.conftest import make_settings
    from tests.factories import login

    settings = make_settings(engine, twilio_account_sid="AC1", twilio_auth_token="tok")
    with TestClient(create_app(settings, clock=clock, engine=engine), follow_redirects=False) as client:
        login(client, make_staff(db))
        page = client.get("/simulator/call", headers={"accept": "text/html"})
        assert page.status_code == 404
        assert 'id="simulation-banner"' not in page.text  # no simulation banner in production


def test_the_simulator_pages_leave_a_voicemail_when_nobody_is_on_duty(client, db):
    from tests.factories import csrf_from, login

    token = login(client, make_staff(db, on_duty=False))
    started = client.post("/simulator/call/start", data={"csrf_token": token, "caller": "0511 7654321"})
    sid = started.headers["location"].split("sid=")[1]
    client.post(f"/simulator/call/{sid}/menu", data={"csrf_token": token, "digits": "3"})
    assert "Nachricht aufsprechen (simuliert)" in client.get(f"/simulator/call?sid={sid}").text
    client.post(f"/simulator/call/{sid}/voicemail", data={"csrf_token": token})
    page = client.get(f"/simulator/call?sid={sid}").text
    assert 'id="call-ended"' in page and "Vielen Dank für Ihre Nachricht" in page
    stored = only_call(db)
    assert stored.recording_sid and stored.case.need == Need.DRIVING and stored.status == CallStatus.COMPLETED
    assert csrf_from(page) == token
