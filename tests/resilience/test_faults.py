"""Faults: Twilio's API down or slow, the database gone for a moment, callbacks twice and out of order.

Nothing is lost and nothing happens twice: the outbox retries and staff see it, a caller always hears the
fallback, a texter is asked to resend, and a webhook retried after the outage creates its call and case once.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CallStatus
from core.db import make_engine
from core.models import StaffRole
from fluxx.factory import create_app
from messaging import texts as sms_texts
from messaging.models import Message, MessageStatus
from messaging.service import queue_sms
from telephony.voice import texts as voice_texts
from telephony.webhooks import sign
from tests.conftest import make_settings
from tests.database import POSTGRES_URL
from tests.factories import login, make_staff
from tests.servers import free_port, served
from tests.twilio_helpers import post_signed, voice_params

# --- Twilio's API down or slow -------------------------------------------------------------------------


def test_an_sms_during_a_twilio_outage_is_shown_as_retried_and_goes_out_once_twilio_is_back(
    db, clock, engine, prod_settings, sender, fake_twilio
):
    message = queue_sms(db, to="+4917612345678", body="Neue Anfrage: JA 4821 / NEIN 4821", now=clock())
    db.commit()
    fake_twilio.fail_next(2, status=503)
    fake_twilio.fail_next(1, status=None, delay=1.0)  # slow: the sender's client gives up after 0.5 s
    fake_twilio.fail_next(1, status=429)

    staff_page = _messages_page(db, engine, clock, prod_settings)
    for _ in range(4):
        sender.drain()
        db.refresh(message)
        assert message.status == MessageStatus.PENDING and fake_twilio.accepted == []
        row = staff_page()
        assert "wird erneut versucht" in row and "nächster Versuch" in row
        assert message.next_attempt_at is not None and message.next_attempt_at > clock()
        assert sender.drain() == 0, "nothing is sent again before its backoff has passed"
        clock.advance(seconds=(message.next_attempt_at - clock()).total_seconds())

    sender.drain()
    db.refresh(message)
    assert message.status == MessageStatus.QUEUED and message.attempts == 5
    assert [m["body"] for m in fake_twilio.accepted] == [message.body]
    assert "wird erneut versucht" not in staff_page()
    clock.advance(minutes=30)
    assert sender.drain() == 0 and len(fake_twilio.accepted) == 1


def _messages_page(db: Any, engine: Engine, clock: Any, settings: Any) -> Any:
    """What a coordinator reads in the status column of the newest message on /messages."""
    client = TestClient(create_app(settings, clock=clock, engine=engine), follow_redirects=False)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))

    def status_cell() -> str:
        page = client.get("/messages")
        assert page.status_code == 200
        return page.text.split('<td class="kern-table__cell status" data-label="Status">', 1)[1].split("</td>", 1)[0]

    return status_cell


# --- the database gone for a moment --------------------------------------------------------------------


class CuttableProxy:
    """A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones
    refused) and restore, like a database server restarting or a network partition."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self._lock:
            self._open.discard(end)
        with suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        self.down = True
        with self._lock:
            ends = list(self._open)
        for end in ends:
            self._close(end)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


class Outage:
    """Switches the database of an app away and back; `at_commit` is what the database does to a COMMIT
    while it goes away (PostgreSQL: the connection is cut; SQLite: the disk fails)."""

    def __init__(self, engine: Engine, cut: Any, restore: Any, at_commit: Any) -> None:
        self.engine, self.cut, self.restore, self.at_commit = engine, cut, restore, at_commit

    @contextmanager
    def before_commit(self) -> Iterator[None]:
        """The database goes away after the request wrote everything, just before COMMIT."""
        if self.at_commit is None:
            pytest.skip("a connection cut just before COMMIT needs the PostgreSQL proxy")

        def gone(_connection: Any) -> None:
            self.at_commit()

        event.listen(self.engine, "commit", gone, insert=True)
        try:
            yield
        finally:
            event.remove(self.engine, "commit", gone)
            self.restore()


@pytest.fixture(params=["sqlite", "postgresql"])
def outage(request, engine: Engine) -> Iterator[Outage]:
    if request.param == "postgresql":
        if not POSTGRES_URL.startswith("postgresql"):
            pytest.skip("the PostgreSQL outage needs FLUXX_TEST_DATABASE_URL")
        request.applymarker(pytest.mark.postgres_only)
        proxy = CuttableProxy(engine.url.host or "127.0.0.1", engine.url.port or 5432)
        url = engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        proxied = make_engine(url, pool_size=2)
        yield Outage(proxied, proxy.cut, proxy.restore, proxy.cut)
        proxied.dispose()
        proxy.close()
        return
    if POSTGRES_URL.startswith("postgresql"):
        pytest.skip("the SQLite outage runs in the SQLite suite")
    path = Path(engine.url.database or "")
    # mode=rw: a vanished file is an error, not a new empty database.
    own = make_engine(f"sqlite:///file:{path}?mode=rw&uri=true")

    def vanish() -> None:
        own.dispose()
        os.rename(path, path.with_suffix(".gone"))

    def come_back() -> None:
        if path.with_suffix(".gone").exists():
            os.rename(path.with_suffix(".gone"), path)

    # No cut between the writes and the COMMIT here: an open SQLite file stays readable after it vanishes,
    # and an error raised in a "commit" event left the transaction to be committed later (see the report).
    yield Outage(own, vanish, come_back, None)
    come_back()
    own.dispose()


@pytest.fixture
def outage_client(outage: Outage, engine: Engine, clock) -> Iterator[tuple[TestClient, Any]]:
    settings = make_settings(engine)
    with TestClient(create_app(settings, clock=clock, engine=outage.engine), follow_redirects=False) as client:
        yield client, settings


def _root(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def _is_fallback(response: Any) -> bool:
    root = _root(response)
    said = " ".join(say.text or "" for say in root.iter("Say"))
    return voice_texts.FALLBACK_APOLOGY in said and root.find("Record") is not None


VOICE_STEPS = ["/twilio/voice/incoming", "/twilio/voice/menu", "/twilio/voice/dial-result", "/twilio/voice/voicemail"]


def test_with_the_database_gone_every_webhook_answers_as_twilio_needs(outage, outage_client):
    client, settings = outage_client
    outage.cut()
    try:
        for path in VOICE_STEPS:
            assert _is_fallback(post_signed(client, settings, path, voice_params("CA" + "7" * 32, Digits="1"))), path
        for path in ["/twilio/voice/status", "/twilio/voice/recording", "/twilio/sms/status"]:
            params = voice_params("CA" + "7" * 32, CallStatus="completed") | {
                "MessageSid": "SM1",
                "MessageStatus": "sent",
            }
            root = _root(post_signed(client, settings, path, params))
            assert list(root) == [], f"{path}: a status callback gets an empty answer"
        sms = {"MessageSid": "SM" + "8" * 32, "From": "+4917612345678", "To": "+4951116832110", "Body": "JA 4821"}
        reply = _root(post_signed(client, settings, "/twilio/sms/incoming", sms))
        assert [m.text for m in reply.iter("Message")] == [sms_texts.NOT_RECEIVED]
        fallback = post_signed(client, settings, "/twilio/voice/fallback", voice_params("CA" + "7" * 32))
        assert _is_fallback(fallback)
    finally:
        outage.restore()


def test_a_call_whose_commit_met_the_outage_is_created_once_when_twilio_retries(outage, outage_client, db):
    client, settings = outage_client
    params = voice_params("CA" + "5" * 32)
    with outage.before_commit():
        assert _is_fallback(post_signed(client, settings, "/twilio/voice/incoming", params))
    assert _counts(db) == (0, 0), "nothing half-written: no case without its call, no call without its case"

    for _ in range(2):  # Twilio's retry, and once more for good measure
        menu = _root(post_signed(client, settings, "/twilio/voice/incoming", params))
        assert menu.find("Gather") is not None
    assert _counts(db) == (1, 1)
    call = db.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    assert call is not None and call.case_id is not None


def test_an_sms_whose_commit_met_the_outage_is_stored_once_when_resent(outage, outage_client, db):
    client, settings = outage_client
    sms = {"MessageSid": "SM" + "6" * 32, "From": "+4917600000001", "To": "+4951116832110", "Body": "Hallo 😀"}
    with outage.before_commit():
        reply = _root(post_signed(client, settings, "/twilio/sms/incoming", sms))
    assert [m.text for m in reply.iter("Message")] == [sms_texts.NOT_RECEIVED]
    for _ in range(2):
        _root(post_signed(client, settings, "/twilio/sms/incoming", sms))
    db.expire_all()
    stored = db.scalars(select(Message).where(Message.twilio_sid == sms["MessageSid"])).all()
    assert [m.body for m in stored] == ["Hallo 😀"]


def _counts(db) -> tuple[int, int]:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Case)), db.scalar(select(func.count()).select_from(Call))


# --- duplicate and reordered callbacks, from many threads ----------------------------------------------


def test_a_shuffled_burst_of_duplicate_status_callbacks_keeps_the_newest_state(engine, clock, db):
    port = free_port()
    settings = make_settings(engine, public_base_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, clock=clock, engine=engine)
    calls = [f"CA{n:032d}" for n in range(4)]
    message = queue_sms(db, to="+4917612345678", body="Hallo", now=clock())
    message.twilio_sid, message.status = "SM" + "4" * 32, MessageStatus.QUEUED
    db.commit()

    requests: list[tuple[str, dict[str, str]]] = []
    for sid in calls:
        requests += [("/twilio/voice/status", voice_params(sid, CallStatus=s)) for s in ("ringing", "in-progress")] * 3
        requests += [("/twilio/voice/status", voice_params(sid, CallStatus="completed", CallDuration="42"))] * 3
    for status in ("queued", "sending", "sent", "delivered", "sent", "queued") * 3:
        requests.append(("/twilio/sms/status", {"MessageSid": message.twilio_sid, "MessageStatus": status}))
    random.Random(12).shuffle(requests)

    with served(app, port=port) as base:
        # The calls exist first (the incoming step), then everything else arrives at once.
        with httpx.Client() as http:
            for sid in calls:
                _post(http, base, settings, "/twilio/voice/incoming", voice_params(sid))
        _in_threads(base, settings, requests, threads=8)

    db.expire_all()
    for sid in calls:
        call = db.scalar(select(Call).where(Call.call_sid == sid))
        assert call.status == CallStatus.COMPLETED and call.duration_seconds == 42
    assert _counts(db) == (4, 4)
    db.refresh(message)
    assert message.status == MessageStatus.DELIVERED


def _post(http: httpx.Client, base: str, settings: Any, path: str, params: dict[str, str]) -> None:
    signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
    response = http.post(base + path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


def _in_threads(base: str, settings: Any, requests: list[tuple[str, dict[str, str]]], threads: int) -> None:
    errors: list[BaseException] = []

    def work(share: list[tuple[str, dict[str, str]]]) -> None:
        try:
            with httpx.Client() as http:
                for path, params in share:
                    _post(http, base, settings, path, params)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(requests[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
