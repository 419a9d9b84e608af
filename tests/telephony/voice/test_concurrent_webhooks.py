"""Many calls at once, as Twilio sends them: a real server, requests from many threads and processes.

Each test runs on SQLite here and on PostgreSQL in CI (FLUXX_TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from casework.calls.models import Call
from casework.cases.models import Case, CaseNote
from casework.cases.opening import open_case
from casework.enums import CallStatus, CaseChannel, Need
from core import worker
from core.settings import Settings
from fluxx.wiring import RECIPIENTS, task_handlers
from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection, MessageStatus
from messaging.sender import sender_for
from messaging.service import queue_sms
from telephony.webhooks import sign
from tests.conftest import make_settings
from tests.factories import PASSWORD, csrf_from, make_staff, make_volunteer
from tests.servers import free_port, served
from tests.twilio_helpers import ACCOUNT_SID, HOTLINE, voice_params

CALLS = 60
THREADS = 16


class Twilio:
    """Posts signed webhooks to a served app, one HTTP connection pool per thread."""

    def __init__(self, base_urls: list[str], settings: Settings) -> None:
        self.base_urls = base_urls
        self.settings = settings

    def post(self, n: int, path: str, params: dict[str, str], query: str = "") -> str:
        target = path + (f"?{query}" if query else "")
        signature = sign(self.settings.webhook_auth_token, self.settings.public_base_url + target, params)
        base = self.base_urls[n % len(self.base_urls)]
        response = httpx.post(base + target, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return response.text


def run_concurrently(count: int, work: Callable[[int], object]) -> list[object]:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(work, range(count)))


def is_menu(xml: str) -> bool:
    root = ET.fromstring(xml)
    return [child.tag for child in root] == ["Say", "Say", "Gather"] and "drücken Sie die 1" in xml


def dials(xml: str) -> list[str]:
    return [number.text or "" for number in ET.fromstring(xml).iter("Number")]


def stored_cases(db) -> tuple[int, int, list[int]]:
    db.expire_all()
    calls = db.scalar(select(func.count()).select_from(Call))
    numbers = db.scalars(select(Case.number)).all()
    seqs = sorted(db.scalars(select(Case.seq)).all())
    assert len(set(numbers)) == len(numbers)
    return calls, len(numbers), seqs


@pytest.fixture
def twilio(app, settings) -> Iterator[Twilio]:
    with served(app) as url:
        yield Twilio([url], settings)


def test_sixty_calls_at_once_all_hear_the_menu_and_each_gets_its_own_case(twilio, db):
    answers = run_concurrently(
        CALLS, lambda n: twilio.post(n, "/twilio/voice/incoming", voice_params(f"CA{n:032d}", From=f"+4915112{n:06d}"))
    )
    assert [is_menu(xml) for xml in answers] == [True] * CALLS
    calls, cases, seqs = stored_cases(db)
    assert (calls, cases) == (CALLS, CALLS)
    assert seqs == list(range(1, CALLS + 1))  # numbers in the order of the year, none skipped


def _one_call(twilio: Twilio, n: int) -> tuple[str, str, str, str]:
    """A caller's whole way: incoming, the menu choice, the call ends (plus a volunteer's SMS meanwhile)."""
    sid = f"CA{n:032d}"
    caller = f"+4915113{n:06d}"
    greeted = twilio.post(n, "/twilio/voice/incoming", voice_params(sid, From=caller))
    rung = twilio.post(n, "/twilio/voice/menu", voice_params(sid, From=caller, Digits=str(n % 3 + 1)), "attempt=1")
    texted = twilio.post(n, "/twilio/sms/incoming", {
        "AccountSid": ACCOUNT_SID, "MessageSid": f"SM{n:032d}", "From": f"+49176{n % 5:08d}", "To": HOTLINE,
        "Body": "HILFE", "NumMedia": "0",
    })  # fmt: skip
    ended = twilio.post(
        n, "/twilio/voice/status", voice_params(sid, From=caller, CallStatus="completed", CallDuration="42")
    )
    return greeted, rung, texted, ended


def _staff_writes_notes(base_url: str, staff, case_id: int, count: int) -> int:
    """A counsellor at the browser meanwhile: logs in and adds notes to a case, one after another."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as browser:
        token = csrf_from(browser.get("/login").text)
        data = {"email": staff.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
        assert browser.post("/login", data=data).status_code == 303
        token = csrf_from(browser.get("/").text)
        for n in range(count):
            note = {"body": f"Rückruf vereinbart ({staff.id}/{n})", "csrf_token": token}
            assert browser.post(f"/cases/{case_id}/notes", data=note).status_code == 303
    return count


def _worker_sends_until(stop: threading.Event, factory, clock, settings) -> None:
    """The in-process worker meanwhile: claims and sends outbox SMS in its own transactions."""
    sender = sender_for(settings, factory, clock=clock, recipients=RECIPIENTS, sleep=lambda _seconds: None)
    while not stop.is_set():
        worker.run_once(factory, clock=clock, handlers=task_handlers(), pollers=[sender])


def test_calls_menu_choices_sms_status_callbacks_staff_and_the_worker_at_once_are_all_answered_and_stored(
    app, twilio, db, clock
):
    staff = [make_staff(db, on_duty=True) for _ in range(2)]
    volunteers = [make_volunteer(db, phone=f"+49176{n:08d}") for n in range(5)]
    case = open_case(db, channel=CaseChannel.MANUAL, now=clock(), zone=clock().tzinfo)
    for n in range(20):
        queue_sms(db, to=volunteers[n % 5].phone, body=f"Fluxx: Testnachricht {n}", now=clock())
    db.commit()
    stop = threading.Event()
    sending = threading.Thread(
        target=_worker_sends_until, args=(stop, app.state.context.sessionmaker, clock, app.state.context.settings)
    )
    sending.start()
    with ThreadPoolExecutor(max_workers=2) as browsers:
        notes = [browsers.submit(_staff_writes_notes, twilio.base_urls[0], person, case.id, 10) for person in staff]
        answers = run_concurrently(CALLS, lambda n: _one_call(twilio, n))
        assert sum(future.result() for future in notes) == 20
    stop.set()
    sending.join(timeout=30)

    for greeted, rung, texted, ended in answers:
        assert is_menu(greeted)
        assert sorted(dials(rung)) == sorted(person.phone for person in staff)
        assert f"<Message>{sms_texts.HELP}</Message>" in texted
        assert ET.fromstring(ended).tag == "Response" and len(ET.fromstring(ended)) == 0
    calls, cases, seqs = stored_cases(db)
    assert (calls, cases, seqs) == (CALLS, CALLS + 1, list(range(1, CALLS + 2)))
    rows = db.execute(select(Call.call_sid, Call.status, Call.duration_seconds, Case.need).join(Case)).all()
    needs = [Need.CHILD_CARE, Need.RELATIVE_CARE, Need.DRIVING]
    expected = {(f"CA{n:032d}", CallStatus.COMPLETED, 42, needs[n % 3]) for n in range(CALLS)}
    assert set(rows) == expected
    inbound = db.scalar(select(func.count()).select_from(Message).where(Message.direction == MessageDirection.INBOUND))
    assert inbound == CALLS
    assert db.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case.id)) == 20
    sent = db.scalars(select(Message.status).where(Message.body.like("Fluxx: Testnachricht %"))).all()
    assert sorted(sent) == [MessageStatus.DELIVERED] * 20


@pytest.fixture
def two_served_processes(engine, tmp_path) -> Iterator[tuple[list[str], Settings]]:
    """Two `fluxx serve` processes on one database, as a production setup with two app servers."""
    settings = make_settings(engine, opening_hours="24/7")
    env = {
        **os.environ,
        "FLUXX_DATABASE_URL": settings.database_url,
        "FLUXX_PUBLIC_BASE_URL": settings.public_base_url,
        "FLUXX_SECRET_KEY": settings.secret_key,
        "FLUXX_OPENING_HOURS": "24/7",
        "FLUXX_TWILIO_ACCOUNT_SID": "",
        "FLUXX_TWILIO_AUTH_TOKEN": "",
    }
    fluxx = Path(sys.executable).parent / "fluxx"
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [str(fluxx), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process)
        yield urls, settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()  # a stuck server must not keep its locks for the next test
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("fluxx serve stopped: " + (process.stderr.read() if process.stderr else b"").decode())
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)  # waiting for a socket to open, not for time to pass
    raise RuntimeError("fluxx serve did not start")


def test_two_server_processes_on_one_database_answer_every_call_with_the_menu(two_served_processes, db):
    urls, settings = two_served_processes
    twilio = Twilio(urls, settings)
    answers = run_concurrently(
        CALLS, lambda n: twilio.post(n, "/twilio/voice/incoming", voice_params(f"CA{n:032d}", From=f"+4915114{n:06d}"))
    )
    assert [is_menu(xml) for xml in answers] == [True] * CALLS
    calls, cases, seqs = stored_cases(db)
    assert (calls, cases, seqs) == (CALLS, CALLS, list(range(1, CALLS + 1)))


@pytest.fixture
def sqlite_only(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: its single writer lock; PostgreSQL locks rows")


def test_a_database_locked_past_the_timeout_still_answers_with_the_fallback_and_logs_why(
    sqlite_only, engine, clock, caplog
):
    import sqlite3

    from fastapi.testclient import TestClient

    from core.db import make_engine
    from fluxx.factory import create_app

    caplog.set_level("ERROR", logger="fluxx")
    settings = make_settings(engine)
    impatient = make_engine(settings.database_url, busy_timeout=0.2)
    other_process = sqlite3.connect(engine.url.database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # e.g. a stuck `fluxx worker` holding the write lock
    try:
        with TestClient(create_app(settings, clock=clock, engine=impatient)) as client:
            params = voice_params("CA7", From="+4915112345678")
            signature = sign(settings.webhook_auth_token, settings.public_base_url + "/twilio/voice/incoming", params)
            answer = client.post("/twilio/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    finally:
        other_process.rollback()
        other_process.close()
        impatient.dispose()
    assert answer.status_code == 200 and "technische Störung" in answer.text and "<Record" in answer.text
    assert "database error on /twilio/voice/incoming: OperationalError: database is locked" in caplog.text
    assert "+4915112345678" not in caplog.text and "CA7" not in caplog.text


def test_a_writer_of_our_own_holding_the_lock_too_long_gives_the_fallback_not_a_hang(
    sqlite_only, engine, clock, caplog
):
    from fastapi.testclient import TestClient

    from core.db import make_engine, make_sessionmaker, transaction
    from fluxx.factory import create_app

    caplog.set_level("ERROR", logger="fluxx")
    settings = make_settings(engine)
    impatient = make_engine(settings.database_url, busy_timeout=0.2)
    with (
        transaction(make_sessionmaker(impatient)) as stuck,
        TestClient(create_app(settings, clock=clock, engine=impatient)) as client,
    ):
        stuck.execute(select(1))  # this thread holds the process's write turn
        params = voice_params("CA8")
        signature = sign(settings.webhook_auth_token, settings.public_base_url + "/twilio/voice/incoming", params)
        answer = client.post("/twilio/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    impatient.dispose()
    assert "technische Störung" in answer.text
    assert "OperationalError: database is locked (waited for writers)" in caplog.text
