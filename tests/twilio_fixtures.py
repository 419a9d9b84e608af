"""Fixtures for every test (a plugin of tests/conftest.py): the fake Twilio API served on a local port, and apps
in production mode with the SMS sender pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core.clock import FrozenClock
from core.settings import Settings
from fluxx.factory import create_app
from messaging.fake_twilio import FakeTwilio
from messaging.gateway import TwilioGateway
from messaging.sender import OutboxSender
from tests.conftest import make_settings
from tests.servers import served
from tests.telephony.sms_helpers import make_sender


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[FakeTwilio, str]]:
    """One fake Twilio API for the session (starting uvicorn per test would be slow); reset per test."""
    fake = FakeTwilio(auth_token="fake-auth-token")
    with served(fake.app) as url:
        yield fake, url


@pytest.fixture
def fake_twilio(fake_server: tuple[FakeTwilio, str]) -> FakeTwilio:
    fake, _url = fake_server
    fake.messages.clear()
    fake.opted_out.clear()
    fake.deleted_recordings.clear()
    fake._failures.clear()
    fake.request_count = 0
    return fake


@pytest.fixture
def prod_settings(engine: Engine, fake_server: tuple[FakeTwilio, str]) -> Settings:
    """Production mode (credentials set), with the REST API pointed at the local fake."""
    fake, url = fake_server
    return make_settings(
        engine,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_api_url=url,
        sms_per_second=1000,
    )


@pytest.fixture
def prod_app(prod_settings: Settings, clock: FrozenClock, engine: Engine) -> FastAPI:
    return create_app(prod_settings, clock=clock, engine=engine)


@pytest.fixture
def prod_client(prod_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(prod_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def sender(prod_settings: Settings, engine: Engine, clock: FrozenClock) -> OutboxSender:
    # A short timeout, so the fake's delays provoke real client timeouts quickly.
    return make_sender(prod_settings, engine, clock, gateway=TwilioGateway(prod_settings, timeout=0.5))
