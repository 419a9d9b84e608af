"""The app factory: every test builds its own app around its own database and clock."""

from __future__ import annotations

import inspect
import logging
import mimetypes
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from twilio.twiml.messaging_response import MessagingResponse

import fluxx.all_models  # noqa: F401  (every table mapped, whichever views happen to be imported)
from core import installation, web
from core.clock import Clock, system_clock
from core.context import AppContext, context_of
from core.db import describe_error, make_engine, make_sessionmaker
from core.errors import DomainError
from core.limits import BodySizeLimit
from core.settings import Settings
from fluxx import wiring
from messaging import texts as sms_texts
from telephony.voice import twiml as voice_twiml
from telephony.webhooks import WEBHOOK_WAIT_SECONDS, WebhooksBusy, twiml


class CsrfSeedAndFailures:
    """The browser's CSRF cookie, and a German answer for a failure (the security headers: web.SecurityHeaders).

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware ran every request in a task group of its own and
    wrapped every body read, which cost more than a whole incoming-call webhook's database work.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        cookie: tuple[bytes, bytes] | None = None
        if (
            not scope["path"].startswith("/twilio/")
            and web.cookie_name(request, web.CSRF_COOKIE) not in request.cookies
        ):
            seed = web.new_csrf_seed()
            request.state.csrf_seed = seed
            cookie = _set_cookie_header(request, seed)
        started = False

        async def send_with_cookie(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if cookie is not None:
                    message = {**message, "headers": [*(message.get("headers") or []), cookie]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        except Exception as exc:
            if started:
                raise
            error: BaseException = exc
            if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
                error = error.exceptions[0]  # the error of the app, from inside a task group
            # Answered here rather than by Starlette's last-resort handler, so that even a failure gets
            # the security headers and uvicorn logs no traceback quoting the input.
            response = await request.app.state.unexpected(request, error)
            await response(scope, receive, send_with_cookie)


Endpoint = Callable[[Request], Awaitable[Response]]


class Fluxxfon(FastAPI):
    """FastAPI, with Twilio's plain webhook routes answered around FastAPI's own layers.

    Under wrk's 50 callers (bench/incoming_calls.py, PostgreSQL, py-spy --gil) a fifth of the server's
    interpreter time per incoming call went to the layers between uvicorn and the endpoint: FastAPI's
    telemetry check and middleware, Starlette's error and exception middleware, the routers' matching and the
    CSRF cookie middleware, which leaves /twilio/ paths alone. A POST to one of `direct_routes` (the plain
    Starlette routes under /twilio/ with a fixed path, `_direct_routes`) passes only what it needs: the
    security headers and the body size limit as every request does, then the endpoint, and a failure the
    app's exception handler for it (`_direct`), as Starlette's ExceptionMiddleware would choose it. Anything
    else (another method, another path, the routes of FastAPI's with dependencies) takes the whole stack.
    """

    direct_routes: Mapping[str, Endpoint] = MappingProxyType({})  # until `answer_directly`
    direct_stack: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.direct_routes:
            scope["app"] = self
            await self.direct_stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def answer_directly(self, *routers: APIRouter, https: bool) -> None:
        """Answer the plain webhook routes of `routers` (included as they are) directly from now on."""
        self.direct_routes = _direct_routes(routers)
        self.direct_stack = web.SecurityHeaders(BodySizeLimit(self._direct), https=https)

    async def _direct(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.direct_routes[scope["path"]](request)
        except Exception as exc:
            response = await self._handled(request, exc)
        await response(scope, receive, send)

    async def _handled(self, request: Request, exc: Exception) -> Response:
        """The answer of the app's handler for `exc`: by status for an HTTPException, else by the nearest class."""
        handlers = self.exception_handlers
        handler = handlers.get(exc.status_code) if isinstance(exc, StarletteHTTPException) else None
        if handler is None:
            handler = next((handlers[kind] for kind in type(exc).__mro__ if kind in handlers), None)
        if handler is None:  # `_unexpected` handles every Exception; kept for an app built without it
            raise exc
        answer = handler(request, exc)  # the app's handlers are async, as are FastAPI's own
        response: Response = await answer if inspect.isawaitable(answer) else answer
        return response


def _direct_routes(routers: tuple[APIRouter, ...]) -> dict[str, Endpoint]:
    """Twilio's webhooks that `Fluxxfon` answers directly: plain Starlette routes (no dependencies, no
    validation: each reads and checks its signed form itself), POST only, on a fixed path under /twilio/."""
    return {
        route.path: route.endpoint
        for router in routers
        for route in router.routes
        if type(route) is Route
        and route.path.startswith("/twilio/")
        and "{" not in route.path
        and route.methods == {"POST"}
        and inspect.iscoroutinefunction(route.endpoint)
    }


def _set_cookie_header(request: Request, seed: str) -> tuple[bytes, bytes]:
    settings: Settings = context_of(request).settings
    response = Response()
    response.set_cookie(
        web.cookie_name(request, web.CSRF_COOKIE), seed, httponly=True, samesite="lax",
        secure=settings.secure_cookies, path="/",
    )  # fmt: skip
    header: tuple[bytes, bytes] = next(item for item in response.raw_headers if item[0] == b"set-cookie")
    return header


GERMAN_ERRORS = {
    404: "Diese Seite gibt es nicht.",
    405: "Diese Aktion ist hier nicht möglich.",
}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.method == "POST"


def _favicon() -> RedirectResponse:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def create_app(settings: Settings, *, clock: Clock = system_clock, engine: Engine | None = None) -> Fluxxfon:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A database that served with real Twilio credentials is a real installation (no demo data).
        installation.remember_twilio(app_context.sessionmaker, settings, now=clock())
        yield

    # No automatic "/path/" -> "/path" redirects: Starlette builds them from the Host header.
    app = Fluxxfon(
        title="Fluxxfon", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False, lifespan=lifespan
    )
    wiring.connect()
    engine = engine or make_engine(settings.database_url)
    app_context = AppContext(
        settings=settings,
        clock=clock,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        templates=web.make_templates(settings.zone),
        send_code=wiring.send_login_code,
        handlers=wiring.task_handlers(),  # for the in-process worker of `fluxx serve`
    )
    app.state.context = app_context
    app.add_middleware(CsrfSeedAndFailures)
    app.add_middleware(BodySizeLimit)  # runs before anything reads the body
    # Added last, so it runs first: every answer below it, the 413 of the size limit too, gets the headers.
    app.add_middleware(web.SecurityHeaders, https=settings.secure_cookies)
    # Python 3.11 knows .woff2 only from the system's /etc/mime.types; KERN's fonts need it everywhere.
    mimetypes.add_type("font/woff2", ".woff2")
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    # Browsers ask for /favicon.ico whatever the pages link: point them at the SVG icon instead of a 404.
    app.add_api_route("/favicon.ico", _favicon, methods=["GET"], include_in_schema=False)

    @app.exception_handler(web.LoginRequired)
    async def _login_required(request: Request, exc: web.LoginRequired) -> Response:
        if request.method == "GET" and _wants_html(request):
            return RedirectResponse(web.login_redirect_target(request, exc.ended), status_code=303)
        if request.method == "POST":
            # Back to the page the form was on (only its path is used, see web.safe_next).
            referer = urlsplit(request.headers.get("referer", ""))
            back = referer.path + (f"?{referer.query}" if referer.query else "") if referer.path else None
            return RedirectResponse(web.login_url(back, exc.ended), status_code=303)
        # A polling script learns why, so it can send the person to the login page with the reason.
        return JSONResponse(web.logged_out_body(request, exc), status_code=401)

    @app.exception_handler(web.PasswordChangeRequired)
    async def _password_change_required(request: Request, exc: web.PasswordChangeRequired) -> Response:
        # After an admin's reset the temporary password must be replaced before anything else.
        if request.method == "POST" or _wants_html(request):
            return RedirectResponse(web.PASSWORD_PAGE, status_code=303)
        return JSONResponse({"detail": "Bitte ändern Sie zuerst Ihr Passwort."}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own errors (unknown path, wrong method) carry English phrases; staff read German.
        detail = exc.detail
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = GERMAN_ERRORS.get(exc.status_code, "Das hat leider nicht geklappt.")
        if request.url.path.startswith("/twilio/"):
            return PlainTextResponse(str(detail), status_code=exc.status_code)
        if _wants_html(request):
            return web.render(
                request, "shell/error.html", status_code=exc.status_code, status=exc.status_code, message=detail
            )
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    @app.exception_handler(DomainError)
    async def _refused(request: Request, exc: DomainError) -> Response:
        """A refusal no view caught (NotFound among them: the same 404 page as an unknown path): its German
        message with its status. It left the route, so the request's transaction (web.get_db) was rolled
        back: nothing the refused service wrote is kept. Twilio's webhooks get the safe fallback."""
        logging.getLogger("fluxx").info("refused (%s) on %s", type(exc).__name__, request.url.path)
        return _failure(request, exc.status_code, exc.message)

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: SQLAlchemyError) -> Response:
        logging.getLogger("fluxx").error("database error on %s: %s", request.url.path, describe_error(exc))
        if isinstance(exc, DataError):  # e.g. a number too large for its column, typed into a URL
            return _failure(request, 400, "Die Eingabe ist ungültig (zum Beispiel eine zu große Zahl).")
        if isinstance(exc, OperationalError | InterfaceError):
            return _failure(
                request, 503, "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal."
            )
        return _failure(request, 500, "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.")

    @app.exception_handler(WebhooksBusy)
    async def _webhooks_busy(request: Request, _exc: WebhooksBusy) -> Response:
        logging.getLogger("fluxx").error(
            "no webhook thread free for %s s on %s: a database lock held far too long?", WEBHOOK_WAIT_SECONDS,
            request.url.path,
        )  # fmt: skip
        return _failure(request, 503, "Der Dienst ist gerade überlastet. Bitte versuchen Sie es gleich noch einmal.")

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> Response:
        # The caller hung up (or Twilio gave up) while we read the request: nobody waits for an answer.
        logging.getLogger("fluxx").info("client went away during %s", request.url.path)
        return Response(status_code=400)

    @app.exception_handler(OverflowError)
    async def _too_large(request: Request, _exc: OverflowError) -> Response:
        return _failure(request, 400, "Die Eingabe ist ungültig (zum Beispiel eine zu große Zahl).")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Where it happened, not what it says: exception texts may quote what somebody typed.
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        place = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
        logging.getLogger("fluxx").error("unexpected %s on %s%s", type(exc).__name__, request.url.path, place)
        return _failure(request, 500, "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.")

    app.state.unexpected = _unexpected

    def _failure(request: Request, status: int, message: str) -> Response:
        """Nobody hears or reads an error: callers get the fallback, texters a request to resend."""
        path = request.url.path
        if path.startswith("/twilio/voice/"):
            return twiml(voice_twiml.fallback(settings.public_base_url, fallback_number=settings.fallback_number,
                                              hotline=settings.hotline_number))  # fmt: skip
        if path == "/twilio/sms/incoming":
            reply = MessagingResponse()
            reply.message(sms_texts.NOT_RECEIVED)
            return twiml(reply)
        if path.startswith("/twilio/"):
            return twiml(MessagingResponse())  # status callbacks: an error answer would only be retried
        if _wants_html(request):
            return web.render(request, "shell/error.html", status_code=status, status=status, message=message)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, _exc: RequestValidationError) -> Response:
        return PlainTextResponse("Die Anfrage ist unvollständig oder fehlerhaft.", status_code=422)

    # Fixed paths before /{id} paths: /cases (search) and /cases/new come before /cases/{case_id}.
    from billing.bills import views as bills
    from billing.hours import views as hours
    from billing.mandates import views as mandates
    from billing.tariff import views as tariff
    from casework.audit import views as audit
    from casework.calls import views as calls
    from casework.cases import views as cases
    from casework.dashboard import views as dashboard
    from casework.jobs import views as jobs
    from casework.reference import views as reference
    from casework.search import views as search
    from casework.undo import views as undo
    from core import views as shell
    from reporting.statistics import views as statistics
    from retention.subject import views as subject_requests
    from telephony.simulator import views as simulator
    from telephony.sms import views as sms
    from telephony.voice import views as voice
    from volunteers.imports import views as volunteer_imports
    from volunteers.outreach import views as outreach
    from volunteers.registry import views as volunteers

    # Twilio's webhooks first: FastAPI tries the routes in order, and a caller's request was matched against
    # every staff page's route before reaching its own (a fifth of an incoming call's CPU, py-spy under load).
    # Their paths (/twilio/…) are no other router's.
    for router in (
        voice.webhooks, sms.webhooks,
        shell.router, shell.staff_admin, dashboard.router, reference.router, search.router, cases.router,
        cases.pages,
        calls.router, jobs.router, jobs.coordinators, outreach.router, outreach.coordinators, outreach.pages,
        audit.router,
        voice.router, sms.router, volunteer_imports.router, volunteers.router,
        undo.router, hours.router, bills.router, tariff.router, mandates.router, statistics.router,
        subject_requests.router,
    ):  # fmt: skip
        app.include_router(router)
    if settings.simulation:  # with Twilio credentials the simulator does not exist at all (404)
        app.include_router(simulator.router)
        app.include_router(simulator.calls)
    app.answer_directly(voice.webhooks, sms.webhooks, https=settings.secure_cookies)
    return app
