"""Bad input and faults get a clear German answer, never a stack trace or an English error."""

from fastapi import APIRouter
from fastapi.testclient import TestClient

from core.db import make_engine
from fluxx.factory import create_app
from tests.conftest import make_settings
from tests.factories import login, make_staff
from tests.telephony.voice.voice_helpers import twiml_of
from tests.twilio_helpers import post_signed


def test_a_number_too_large_for_the_database_is_a_clear_400(client, db):
    login(client, make_staff(db))
    page = client.get("/cases/99999999999999999999", headers={"accept": "text/html"})
    assert page.status_code == 400
    assert "Die Eingabe ist ungültig (zum Beispiel eine zu große Zahl)." in page.text


def test_an_unexpected_error_shows_a_german_page(engine, clock, db):
    app = create_app(make_settings(engine), clock=clock, engine=engine)
    broken = APIRouter()

    @broken.get("/kaputt")
    def kaputt() -> None:
        raise RuntimeError("boom")

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/kaputt", headers={"accept": "text/html"})
    assert page.status_code == 500
    assert "Das hat leider nicht geklappt." in page.text and "boom" not in page.text


def test_an_sms_arriving_while_the_database_is_gone_asks_the_sender_to_resend(engine, clock):
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 1})
    settings = make_settings(engine)
    params = {"MessageSid": "SM" + "1" * 32, "From": "+4917612345678", "To": "+4951116832110", "Body": "JA 4821"}
    with TestClient(create_app(settings, clock=clock, engine=gone), raise_server_exceptions=False) as client:
        root = twiml_of(post_signed(client, settings, "/twilio/sms/incoming", params))
    assert "bitte senden sie sie in ein paar minuten noch einmal" in root.findtext("Message").lower()


def test_a_caller_who_hangs_up_while_we_read_is_no_error_in_the_log(engine, clock, caplog):
    from starlette.requests import ClientDisconnect

    caplog.set_level("INFO", logger="fluxx")
    app = create_app(make_settings(engine), clock=clock, engine=engine)
    gone = APIRouter()

    @gone.post("/twilio/voice/weg")
    def weg() -> None:
        raise ClientDisconnect()

    app.include_router(gone)
    with TestClient(app, raise_server_exceptions=True) as client:
        response = client.post("/twilio/voice/weg")
    assert response.status_code == 400
    assert [record.levelname for record in caplog.records if record.name == "fluxx"] == ["INFO"]


def test_a_database_error_is_logged_with_its_class_and_message_but_no_values(engine, clock, caplog):
    from sqlalchemy import text

    app = create_app(make_settings(engine), clock=clock, engine=engine)
    broken = APIRouter()

    @broken.get("/kaputt")
    def kaputt() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table WHERE phone = :phone"), {"phone": "+4915112345678"})

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/kaputt", headers={"accept": "text/html"})
    logged = [record.getMessage() for record in caplog.records if record.name == "fluxx"]
    assert len(logged) == 1
    assert logged[0].startswith("database error on /kaputt: ") and "Error: " in logged[0]
    assert "no_such_table" in logged[0]  # the database's own message
    assert "+4915112345678" not in logged[0] and "SELECT" not in logged[0]
