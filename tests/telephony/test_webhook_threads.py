"""Webhooks run their units of work on a few threads of their own (`telephony.webhooks.in_webhook_thread`),
and inbound SMS on one writer of their own (`telephony.sms.views._intake`).

One interpreter runs the server: forty threads taking turns on it cost each answer of a yes storm twice the
CPU of a few (bench/notes.md). The webhooks' work waits on the event loop for one of `WEBHOOK_THREADS`
instead, and never for a slot a staff page holds.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import anyio
import httpx
import pytest
from anyio.to_thread import current_default_thread_limiter
from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from core.group_commit import GroupCommit
from messaging import texts as sms_texts
from messaging.models import Message, MessageDirection
from telephony import webhooks
from telephony.sms import service as sms_service
from telephony.sms import views as sms_views
from telephony.voice import texts as voice_texts
from telephony.voice import twiml as voice_twiml
from telephony.webhooks import WEBHOOK_THREADS, in_webhook_thread, sign
from tests.twilio_helpers import voice_params

T = TypeVar("T")


def _run(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main` in an event loop on a thread of its own: the browser tests leave one running in this thread,
    and anyio refuses to start another beside it (as `tests/telephony/test_webhooks.py` does)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, main).result()


def test_no_more_than_the_webhook_threads_run_at_once_and_the_rest_wait_on_the_event_loop():
    started: list[int] = []
    gate = threading.Event()
    ready = threading.Condition()

    def work(n: int) -> int:
        with ready:
            started.append(n)
            ready.notify_all()
        assert gate.wait(timeout=10)
        return n * 10

    async def main() -> list[int]:
        results: list[int] = []

        async def one(n: int) -> None:
            results.append(await in_webhook_thread(lambda: work(n)))

        async with anyio.create_task_group() as group:
            for n in range(WEBHOOK_THREADS + 3):
                group.start_soon(one, n)
            await anyio.wait_all_tasks_blocked()  # each task holds a thread or waits for one
            with ready:  # the threads need no event loop to start the work
                assert ready.wait_for(lambda: len(started) == WEBHOOK_THREADS, timeout=10)
            await anyio.wait_all_tasks_blocked()
            limiter = webhooks._webhook_threads.get()
            assert limiter.total_tokens == WEBHOOK_THREADS
            assert limiter.statistics().borrowed_tokens == WEBHOOK_THREADS
            assert limiter.statistics().tasks_waiting == 3  # on the event loop, not on a thread
            assert len(started) == WEBHOOK_THREADS
            # Staff pages keep the whole default pool meanwhile.
            assert current_default_thread_limiter().borrowed_tokens == 0
            gate.set()
        return results

    assert sorted(_run(main)) == [n * 10 for n in range(WEBHOOK_THREADS + 3)]
    assert sorted(started) == list(range(WEBHOOK_THREADS + 3))


def test_an_error_in_the_work_reaches_the_webhook_and_frees_its_thread():
    async def main() -> None:
        def fails() -> None:
            raise ValueError("kaputt")

        with pytest.raises(ValueError, match="kaputt"):
            await in_webhook_thread(fails)
        assert webhooks._webhook_threads.get().statistics().borrowed_tokens == 0
        assert await in_webhook_thread(lambda: "weiter") == "weiter"

    _run(main)


def _blocking_receive_many(monkeypatch) -> tuple[list[list[str]], list[str], threading.Event, threading.Event]:
    """`receive_many` recording each batch's bodies and thread; the first batch waits until released."""
    batches: list[list[str]] = []
    threads: list[str] = []
    started, release = threading.Event(), threading.Event()
    original = sms_service.receive_many

    def receive_many(db, inbound):
        batches.append([item.body for item in inbound])
        threads.append(threading.current_thread().name)
        if len(batches) == 1:
            started.set()
            assert release.wait(10)
        return original(db, inbound)

    monkeypatch.setattr(sms_service, "receive_many", receive_many)
    return batches, threads, started, release


def _text(settings, n: int) -> tuple[dict[str, str], dict[str, str]]:
    """A signed inbound SMS from an unknown number: its form and headers."""
    params = {"MessageSid": f"SM{n:032d}", "From": f"+491760000{n:04d}", "To": "+4951116832110", "Body": f"Hallo {n}"}
    url = settings.public_base_url + "/twilio/sms/incoming"
    return params, {"X-Twilio-Signature": sign(settings.webhook_auth_token, url, params)}


def _texts_while_the_writer_works(
    app,
    settings,
    started: threading.Event,
    release: threading.Event,
    later: tuple[int, ...],
    before_release: Callable[[], None],
) -> dict[int, httpx.Response]:
    """SMS 0 is sent; while the writer works on it the SMS `later` are sent; once they all wait, `before_release`
    runs (on the event loop) and the writer is let go. Every answer, by number."""

    async def main() -> dict[int, httpx.Response]:
        answers: dict[int, httpx.Response] = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def text(n: int) -> None:
                params, headers = _text(settings, n)
                answers[n] = await client.post("/twilio/sms/incoming", data=params, headers=headers)

            async with anyio.create_task_group() as group:
                group.start_soon(text, 0)
                assert await anyio.to_thread.run_sync(started.wait, 10)
                for n in later:
                    group.start_soon(text, n)
                await anyio.wait_all_tasks_blocked()
                before_release()
                release.set()
        return answers

    return _run(main)


def test_inbound_sms_arriving_together_are_handled_together_on_the_sms_writer(app, settings, monkeypatch):
    """The SMS webhook hands its message to one writer thread (`core.group_commit`): the messages that arrive
    while it works wait on the event loop, not on a thread, and are then handled in one transaction, each
    answered as if it had come alone."""
    batches, threads, started, release = _blocking_receive_many(monkeypatch)

    def no_webhook_thread_taken() -> None:
        assert webhooks._webhook_limiter().statistics().borrowed_tokens == 0

    answers = _texts_while_the_writer_works(app, settings, started, release, (1, 2, 3), no_webhook_thread_taken)
    assert batches == [["Hallo 0"], ["Hallo 1", "Hallo 2", "Hallo 3"]]
    assert threads == ["fluxx-sms-intake"] * 2
    for n in range(4):
        assert answers[n].status_code == 200
        assert ET.fromstring(answers[n].text).findtext("Message") == sms_texts.UNKNOWN_SENDER


def test_an_sms_that_waited_too_long_for_the_writer_is_asked_to_be_sent_again_and_not_stored(
    app, settings, db, monkeypatch
):
    """The batch before it held the writer far too long (a database lock): the sender is asked to send the SMS
    again before Twilio gives up, and nothing of it is stored, so the second try is no duplicate."""
    _batches, _threads, started, release = _blocking_receive_many(monkeypatch)
    clock = {"now": 1000.0}
    monkeypatch.setattr(sms_views, "GroupCommit", partial(GroupCommit, clock=lambda: clock["now"]))

    def time_passes() -> None:
        clock["now"] += sms_views.SMS_PATIENCE_SECONDS + 0.5

    answers = _texts_while_the_writer_works(app, settings, started, release, (1,), time_passes)
    assert ET.fromstring(answers[0].text).findtext("Message") == sms_texts.UNKNOWN_SENDER
    assert answers[1].status_code == 200
    assert ET.fromstring(answers[1].text).findtext("Message") == sms_texts.NOT_RECEIVED
    stored = db.scalars(select(Message.body).where(Message.direction == MessageDirection.INBOUND)).all()
    assert stored == ["Hallo 0"]


def test_a_voice_step_waits_for_a_webhook_token_and_is_answered_once_one_is_free(app, settings, db):
    """The FastAPI webhook routes (`WebhookRoute`) take the same tokens: with both held, a caller's menu choice
    waits on the event loop, then is answered as usual."""
    gate = threading.Event()
    held = threading.Semaphore(0)
    params = voice_params("CA" + "5" * 32, Digits="2")
    path = "/twilio/voice/menu"
    headers = {"X-Twilio-Signature": sign(settings.webhook_auth_token, settings.public_base_url + path, params)}

    def hold() -> None:
        held.release()
        assert gate.wait(timeout=10)

    async def main() -> str:
        answer: list[httpx.Response] = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def choose() -> None:
                answer.append(await client.post(path, data=params, headers=headers))

            async with anyio.create_task_group() as group:
                for _ in range(WEBHOOK_THREADS):
                    group.start_soon(in_webhook_thread, hold)
                await anyio.wait_all_tasks_blocked()
                for _ in range(WEBHOOK_THREADS):
                    assert held.acquire(timeout=10)  # both tokens are taken
                group.start_soon(choose)
                await anyio.wait_all_tasks_blocked()
                assert answer == []
                assert webhooks._webhook_limiter().statistics().tasks_waiting == 1
                gate.set()
        assert answer[0].status_code == 200
        return answer[0].text

    answer = _run(main)
    assert voice_texts.NOBODY_AVAILABLE in answer and "<Record" in answer  # nobody on duty here: the voicemail
    db.expire_all()
    case_id = db.scalar(select(Call.case_id).where(Call.call_sid == params["CallSid"]))
    assert db.get_one(Case, case_id).callback_needed  # the call became a case to call back


def test_a_voice_step_that_waits_too_long_for_a_thread_gets_the_safe_answer_not_twilios_error(
    app, settings, monkeypatch
):
    """Both threads held far too long (a database lock that is never let go): a caller's next step hears the
    fallback before Twilio's 15 s run out (an SMS waiting too long for its writer: the test above)."""
    gate = threading.Event()
    held = threading.Semaphore(0)

    def hold() -> None:
        held.release()
        assert gate.wait(timeout=10)

    def signed(path: str, params: dict[str, str]) -> dict[str, str]:
        return {"X-Twilio-Signature": sign(settings.webhook_auth_token, settings.public_base_url + path, params)}

    menu = voice_params("CA" + "6" * 32, Digits="1")

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        async with client, anyio.create_task_group() as group:
            for _ in range(WEBHOOK_THREADS):
                group.start_soon(in_webhook_thread, hold)
            await anyio.wait_all_tasks_blocked()
            for _ in range(WEBHOOK_THREADS):
                assert held.acquire(timeout=10)
            monkeypatch.setattr(webhooks, "WEBHOOK_WAIT_SECONDS", 0)  # no waiting out the seconds here
            step = await client.post("/twilio/voice/menu", data=menu, headers=signed("/twilio/voice/menu", menu))
            gate.set()
        return step

    step = _run(main)
    assert step.status_code == 200 and step.text == str(
        voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                             hotline=settings.hotline_number)
    )  # fmt: skip
