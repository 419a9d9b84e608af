import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from casework.calls.models import Call
from telephony.voice import twiml as voice_twiml
from telephony.webhooks import FORM_FIELDS, _form, public_url, sign, signature_valid
from tests.twilio_helpers import post_signed, voice_params


def test_signatures_match_twilios_own_known_vector():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sign("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert RequestValidator("12345").validate(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


# --- The signed form, read once and checked with one HMAC -----------------------------------------------------


TOKEN = "12345"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
          "To": "+18005551212"}  # fmt: skip


def test_a_signature_over_the_url_as_configured_is_valid_and_a_forged_one_is_not():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature_valid(TOKEN, url, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_valid(TOKEN, url, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8")  # cut short
    assert not signature_valid(TOKEN, url, {**PARAMS, "Digits": "1235"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_valid("54321", url, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_valid(TOKEN, url, PARAMS, "ÄÖÜ")  # not even ASCII: refused, not an error


def test_a_signature_twilio_made_with_the_port_still_counts_through_the_librarys_full_check():
    # Twilio's signing is inconsistent about the default port; the library tries both, so do we on a mismatch.
    with_port = sign(TOKEN, "https://fluxx.example.de:443/twilio/voice/incoming", PARAMS)
    assert signature_valid(TOKEN, "https://fluxx.example.de/twilio/voice/incoming", PARAMS, with_port)
    without_port = sign(TOKEN, "https://fluxx.example.de/twilio/voice/incoming", PARAMS)
    assert signature_valid(TOKEN, "https://fluxx.example.de:443/twilio/voice/incoming", PARAMS, without_port)


def _run(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own: the browser tests leave an event loop running in this
    one, and asyncio.run refuses to start another beside it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _request(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", content_type.encode())]
    return Request({"type": "http", "method": "POST", "headers": headers, "path": "/", "query_string": b""}, receive)


async def _starlettes(body: bytes) -> list[tuple[str, object]]:
    return list((await _request(body).form()).multi_items())


@pytest.mark.parametrize(
    "body",
    [
        b"Body=JA+4821&From=%2B4917612345678",  # + as space, an escaped +
        ("Body=" + quote_plus("Grüße, ich kann – 3,5 Std 🙂")).encode(),  # UTF-8 escaped
        "Body=Gr\xfc\xdfe".encode("latin-1"),  # raw bytes above ASCII: read as Latin-1 by both
        b"Body=&Empty&To=%2B49511",  # blank values and a name without a value
        b"Body=a%ZZb%&x=%e4",  # broken escapes stay as they are, a lone %e4 becomes U+FFFD
        b"A=1&A=2&B=%26%3D",  # a repeated name keeps both values; escaped & and =
        b"",
    ],
)
def test_the_form_is_read_exactly_as_starlette_reads_it(body):
    ours = _run(_form(_request(body)))
    assert list(ours.multi_items()) == _run(_starlettes(body))


def test_more_fields_than_starlette_takes_are_refused_before_anything_is_read():
    many = "&".join(f"f{n}=x" for n in range(FORM_FIELDS + 1)).encode()
    with pytest.raises(HTTPException) as refused:
        _run(_form(_request(many)))
    assert refused.value.status_code == 400
    assert len(_run(_form(_request(many[: many.rindex(b"&")]))).multi_items()) == FORM_FIELDS


def test_a_body_that_is_not_urlencoded_goes_through_starlettes_parser():
    body = b'--xx\r\nContent-Disposition: form-data; name="Body"\r\n\r\nJA 4821\r\n--xx--\r\n'
    form = _run(_form(_request(body, "multipart/form-data; boundary=xx")))
    assert form["Body"] == "JA 4821"


def test_a_new_call_without_a_call_sid_hears_the_fallback_and_nothing_is_stored(client, settings, db):
    params = voice_params("")
    answer = post_signed(client, settings, "/twilio/voice/incoming", params)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    # What every voice route answers when it cannot go on: the fault message, never silence or an English error.
    fallback = voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                                    hotline=settings.hotline_number)  # fmt: skip
    assert answer.text == str(fallback) and "Das Fluxxfon hat gerade" in answer.text
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_the_incoming_call_answers_with_the_security_headers_like_every_route(client, settings):
    answer = post_signed(client, settings, "/twilio/voice/incoming", voice_params("CA42"))
    assert answer.status_code == 200 and "<Gather" in answer.text
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/twilio/voice/menu", "attempt=x"),
        ("/twilio/voice/menu", "attempt=-5"),
        ("/twilio/voice/screen", "call=CA1&staff=%C2%B2"),
        ("/twilio/voice/screen/answer", "call=CA1&staff=99999999999999999999999"),
        ("/twilio/voice/dial-result", ""),
    ],
)
def test_a_step_with_a_mangled_query_or_no_call_sid_hears_the_fallback_and_nothing_is_stored(
    client, settings, db, path, query
):
    """The voice steps are plain routes (telephony.voice.views._step): what FastAPI's validation refused before
    still gets the fault message, never a 4xx (Twilio would play its own English error) and never a row."""
    params = voice_params("" if not query else "CA" + "7" * 32, Digits="1")
    answer = post_signed(client, settings, path, params, query=query)
    fallback = voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                                    hotline=settings.hotline_number)  # fmt: skip
    assert answer.status_code == 200 and answer.text == str(fallback)
    assert db.scalar(select(func.count()).select_from(Call)) == 0


@pytest.mark.parametrize("path", ["/twilio/voice/status", "/twilio/voice/recording"])
def test_a_status_callback_without_a_call_sid_gets_an_empty_answer(client, settings, db, path):
    answer = post_signed(client, settings, path, voice_params("", CallStatus="completed", RecordingUrl="https://x/RE1"))
    assert answer.status_code == 200 and answer.text == str(voice_twiml.empty())
    assert db.scalar(select(func.count()).select_from(Call)) == 0


# --- Twilio's plain webhooks, answered around FastAPI's layers (fluxx.factory.Fluxxfon) ------------------------

DIRECT = {
    "/twilio/voice/incoming", "/twilio/voice/menu", "/twilio/voice/screen", "/twilio/voice/screen/answer",
    "/twilio/voice/dial-result", "/twilio/voice/voicemail", "/twilio/voice/recording", "/twilio/voice/status",
    "/twilio/sms/incoming",
}  # fmt: skip


class _WholeStack:
    """The app as FastAPI alone would serve it: every request through its middleware and routers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(self.app, scope, receive, send)


def test_only_twilios_plain_webhooks_are_answered_directly(app):
    # The routes of FastAPI's (dependencies, the fallback's TwimlRoute, the SMS status's WebhookRoute) and every
    # staff page keep the whole stack: the CSRF cookie, the dependency exit stacks, the route matching.
    assert set(app.direct_routes) == DIRECT


@pytest.mark.parametrize("path", sorted(DIRECT))
def test_a_direct_webhook_answers_as_the_whole_stack_does(app, settings, db, path):
    """Refused (no signature, a forged one), too large or, for a voice step, unusable (no CallSid): the same
    status, text and security headers whichever way the request went, and no call stored by either."""
    params = voice_params("")
    signature = sign(settings.webhook_auth_token, settings.public_base_url + path, params)
    cases = [
        ({}, params),
        ({"X-Twilio-Signature": "forged"}, params),
        ({"X-Twilio-Signature": signature}, {"Body": "x" * 70_000}),
    ]
    if path.startswith("/twilio/voice/"):
        cases.insert(2, ({"X-Twilio-Signature": signature}, params))
    with TestClient(app) as direct, TestClient(_WholeStack(app)) as whole:
        for headers, data in cases:
            ours, theirs = direct.post(path, data=data, headers=headers), whole.post(path, data=data, headers=headers)
            assert (ours.status_code, ours.text) == (theirs.status_code, theirs.text)
            assert dict(ours.headers) == dict(theirs.headers)
            assert ours.headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in ours.headers
    assert (ours.status_code, ours.text) == (413, "Die Anfrage ist zu groß.")
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_a_direct_webhook_that_fails_unexpectedly_hears_the_fallback_with_the_security_headers(
    client, settings, db, monkeypatch, caplog
):
    from telephony.voice import views as voice_views

    def broken(request: Any) -> Any:
        raise RuntimeError("Elif Sahin +4915112345678")  # what an exception might quote

    monkeypatch.setattr(voice_views, "_hours", broken)
    answer = post_signed(client, settings, "/twilio/voice/incoming", voice_params("CA" + "5" * 32))
    fallback = voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                                    hotline=settings.hotline_number)  # fmt: skip
    assert answer.status_code == 200 and answer.text == str(fallback)
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.headers["Cache-Control"] == "no-store"
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    assert "unexpected RuntimeError on /twilio/voice/incoming at test_webhooks.py:" in caplog.text
    assert "Elif" not in caplog.text and "4915112345678" not in caplog.text


def test_a_webhook_path_asked_another_way_takes_the_whole_stack(client, settings):
    assert client.get("/twilio/voice/incoming").text == "Diese Aktion ist hier nicht möglich."
    assert client.get("/twilio/voice/incoming").status_code == 405
    answer = post_signed(client, settings, "/twilio/voice/incoming/", voice_params("CA" + "6" * 32))
    assert answer.status_code == 404 and answer.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/twilio/voice/incoming", "/twilio/a?b#c\\d", "/twilio/ä b"])
def test_the_public_url_is_the_base_and_the_path_as_starlette_gives_it(settings, path):
    request = Request({"type": "http", "method": "POST", "headers": [(b"host", b"127.0.0.1:8000")], "path": path,
                       "query_string": b"call=CA1&staff=2"})  # fmt: skip
    assert public_url(settings, request) == settings.public_base_url + request.url.path + "?call=CA1&staff=2"
