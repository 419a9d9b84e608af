"""The database remembers that it ran with real Twilio credentials (installation_fact)."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from core import installation
from core.db import make_engine
from core.models import InstallationFact, Staff
from fluxx.cli import app as cli
from fluxx.factory import create_app
from tests.conftest import make_settings

ACCOUNT_SID = "AC" + "1" * 32
SECRET_KEY = "q8Vd2-LmZx7Pk3Ry9Tb4Nw6Hs1Jf5Gc0Ue8Ai2Ko"


def _facts(db):
    db.expire_all()
    return {fact.key: fact.value for fact in db.scalars(select(InstallationFact))}


def test_the_app_started_with_twilio_credentials_is_remembered_once(engine, clock, db):
    settings = make_settings(engine, twilio_account_sid=ACCOUNT_SID, twilio_auth_token="f" * 32)
    assert _facts(db) == {}
    for _restart in range(2):
        with TestClient(create_app(settings, clock=clock, engine=engine)) as client:
            assert client.get("/healthz").status_code == 200
    assert _facts(db) == {"twilio_credentials": ACCOUNT_SID}
    assert db.scalar(select(InstallationFact.recorded_at)) == clock()
    assert installation.ran_with_twilio(db)


def test_simulation_is_not_remembered(engine, clock, db):
    with TestClient(create_app(make_settings(engine), clock=clock, engine=engine)) as client:
        assert client.get("/healthz").status_code == 200
    assert _facts(db) == {}
    assert not installation.ran_with_twilio(db)


def test_an_unreachable_database_does_not_stop_the_start_with_twilio_credentials(engine, clock):
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 1})
    settings = make_settings(engine, twilio_account_sid=ACCOUNT_SID, twilio_auth_token="f" * 32)
    with TestClient(create_app(settings, clock=clock, engine=gone)) as client:
        assert client.get("/healthz").status_code == 503


def test_db_upgrade_with_twilio_credentials_marks_the_database_and_the_demo_refuses_it_later(engine, db):
    url = engine.url.render_as_string(hide_password=False)
    production = {"FLUXX_DATABASE_URL": url, "FLUXX_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                  "FLUXX_TWILIO_AUTH_TOKEN": "f" * 32, "FLUXX_SECRET_KEY": SECRET_KEY}  # fmt: skip
    upgraded = CliRunner().invoke(cli, ["db", "upgrade"], env=production)
    assert upgraded.exit_code == 0, upgraded.output
    assert _facts(db) == {"twilio_credentials": ACCOUNT_SID}
    # `make run` blanks the credentials before `fluxx demo`.
    blank = {"FLUXX_DATABASE_URL": url, "FLUXX_TWILIO_ACCOUNT_SID": "", "FLUXX_TWILIO_AUTH_TOKEN": ""}
    refused = CliRunner().invoke(cli, ["demo"], env=blank)
    assert refused.exit_code == 1
    assert "Fehler: Keine Demodaten: Diese Datenbank lief schon mit echten Twilio-Zugangsdaten." in refused.output
    assert db.scalar(select(func.count()).select_from(Staff)) == 0
