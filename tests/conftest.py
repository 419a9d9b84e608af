"""Fixtures: a fresh database, a frozen clock and an app of its own for every test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.settings import Settings
from fluxx import wiring
from fluxx.factory import create_app
from tests.database import TestDatabase

# The fake Twilio API and apps in production mode (fake_server, fake_twilio, prod_settings, prod_client, sender),
# and the check that no test's code logs personal data (tests/log_privacy.py).
pytest_plugins = ["tests.twilio_fixtures", "tests.log_privacy"]

# The composition the app does at start-up, for the tests that call the domains without an app.
wiring.connect()

BERLIN = ZoneInfo("Europe/Berlin")
SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    database = TestDatabase(tmp_path_factory.mktemp("db"))
    yield database
    database.close()


@pytest.fixture
def engine(test_database: TestDatabase) -> Iterator[Engine]:
    engine = test_database.fresh()
    yield engine
    test_database.release(engine)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(autouse=True)
def _install_secret_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that make this installation's random key (simulation mode) keep it out of the repo."""
    monkeypatch.setenv("FLUXX_SECRET_KEY_FILE", str(tmp_path / "fluxx-secret"))


@pytest.fixture
def clock() -> FrozenClock:
    # A Thursday morning in Hannover: inside the default opening hours.
    return FrozenClock(datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN))


def make_settings(engine: Engine, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "public_base_url": "http://testserver",
        "secret_key": SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return make_settings(engine)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, engine: Engine) -> FastAPI:
    return create_app(settings, clock=clock, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
