"""Webhooks run their units of work on a few threads of their own (`telephony.webhooks.in_webhook_thread`).

One interpreter runs the server: forty threads taking turns on it cost each answer of a yes storm twice the
CPU of a few (bench/notes.md). The webhooks' work waits on the event loop for one of `WEBHOOK_THREADS`
instead, and never for a slot a staff page holds.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio
import httpx
import pytest
from anyio.to_thread import current_default_thread_limiter
from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from messaging import texts as sms_texts
from telephony import webhooks
from telephony.sms import views as sms_views
from telephony.voice import texts as voice_texts
from telephony.voice import twiml as voice_twiml
from telephony.webhooks import WEBHOOK_THREADS, in_webhook_thread, sign
from tests.twilio_helpers import post_signed, voice_params

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


def test_the_inbound_sms_webhook_does_its_unit_of_work_on_a_webhook_thread(client, settings, monkeypatch):
    threads: list[str] = []
    original = sms_views._receive

    def receive(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    calls: list[object] = []

    async def spied(work):
        calls.append(work)
        return await in_webhook_thread(work)

    monkeypatch.setattr(sms_views, "_receive", receive)
    monkeypatch.setattr(sms_views, "in_webhook_thread", spied)
    params = {"MessageSid": "SM" + "1" * 32, "From": "+4917600000099", "To": "+4951116832110", "Body": "Hallo"}
    response = post_signed(client, settings, "/twilio/sms/incoming", params)
    assert response.status_code == 200
    assert "<Message>" in response.text  # an unknown number gets its polite answer
    assert len(calls) == 1
    assert threads and threads[0] != threading.main_thread().name


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


def test_a_webhook_that_waits_too_long_for_a_thread_gets_the_safe_answer_not_twilios_error(app, settings, monkeypatch):
    """Both threads held far too long (a database lock that is never let go): a caller's next step hears the
    fallback and a texter is asked to send again, before Twilio's 15 s run out."""
    gate = threading.Event()
    held = threading.Semaphore(0)

    def hold() -> None:
        held.release()
        assert gate.wait(timeout=10)

    def signed(path: str, params: dict[str, str]) -> dict[str, str]:
        return {"X-Twilio-Signature": sign(settings.webhook_auth_token, settings.public_base_url + path, params)}

    menu = voice_params("CA" + "6" * 32, Digits="1")
    sms = {"MessageSid": "SM" + "6" * 32, "From": "+4917600000098", "To": "+4951116832110", "Body": "JA 4821"}

    async def main() -> tuple[httpx.Response, httpx.Response]:
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
            text = await client.post("/twilio/sms/incoming", data=sms, headers=signed("/twilio/sms/incoming", sms))
            gate.set()
        return step, text

    step, text = _run(main)
    assert step.status_code == 200 and step.text == str(
        voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                             hotline=settings.hotline_number)
    )  # fmt: skip
    assert text.status_code == 200
    assert ET.fromstring(text.text).findtext("Message") == sms_texts.NOT_RECEIVED
