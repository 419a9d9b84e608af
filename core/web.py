"""Web plumbing shared by all staff pages: templates, the database session, login and CSRF checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from core import auth, badges, flash, formats, phone
from core.audit import Actor
from core.context import context_of
from core.db import transaction
from core.models import Staff, StaffRole
from core.navigation import NavGroup, NavLink, breadcrumb, nav_section, visible_groups
from core.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
SESSION_COOKIE = "fluxx_session"
CSRF_COOKIE = "fluxx_csrf"
# On https the cookies carry the __Host- prefix: the browser then accepts them only from this exact host,
# secure and for path /, so a neighbouring subdomain cannot plant its own session or CSRF cookie.
HOST_PREFIX = "__Host-"


def cookie_name(request: Request, base: str) -> str:
    return HOST_PREFIX + base if context_of(request).settings.secure_cookies else base


CSRF_FIELD = "csrf_token"
BACKGROUND_HEADER = "X-Fluxx-Background"  # set by polling scripts; see auth.resolve_session


def make_templates(zone: ZoneInfo) -> Jinja2Templates:
    """Templates whose date filters show local time in FLUXX_TIMEZONE."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters.update(
        datetime_de=partial(formats.datetime_de, zone=zone),
        date_de=partial(formats.date_de, zone=zone),
        time_de=partial(formats.time_de, zone=zone),
        weekday_de=partial(formats.weekday_datetime_de, zone=zone),
        money_de=formats.money_de,
        number_de=formats.number_de,
        hours_de=formats.hours_de,
        phone_de=phone.display,
        window_de=partial(formats.window_de, zone=zone),
        plural_de=formats.plural_de,
        count_de=formats.count_de,
        phone_link=phone_link,
        badge=badges.badge,
        active_badge=badges.active_badge,
    )
    env.globals.update(
        Tone=badges.Tone, aria_current=aria_current, navigation=navigation, breadcrumb_trail=breadcrumb_trail
    )
    return templates


def phone_link(number: str | None) -> Markup:
    """A number staff can tap to call: `<a href="tel:+4951112345678">0511 12345678</a>`.

    The link dials E.164 (unambiguous from any phone); the text is the number as `phone_de` shows it.
    Something that is not a valid number (Twilio's `anonymous`, a missing one) is shown as plain text.
    """
    dialable = phone.try_e164(number)
    if dialable is None:
        return escape(phone.display(number))
    return Markup('<a href="tel:{}">{}</a>').format(dialable, phone.display(dialable))


@pass_context
def aria_current(context: Any, href: str) -> Markup:
    """` aria-current="page"` on the navigation link of the section the page is in, for screen readers."""
    request = context.get("request")
    if request is not None and nav_section(request.url.path) == href:
        return Markup(' aria-current="page"')
    return Markup("")


def navigation(staff: StaffView | None, simulation: bool) -> list[tuple[NavGroup, list[NavLink]]]:
    """The header's navigation groups for the person looking (nothing when nobody is logged in)."""
    return visible_groups(staff.role, simulation=simulation) if staff is not None else []


@pass_context
def breadcrumb_trail(context: Any) -> list[NavLink]:
    """The breadcrumb's links above the current page (core.navigation.breadcrumb)."""
    request = context.get("request")
    return breadcrumb(request.url.path) if request is not None else []


def get_settings(request: Request) -> Settings:
    settings: Settings = context_of(request).settings
    return settings


def now(request: Request) -> datetime:
    moment: datetime = context_of(request).clock()
    return moment


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    A refusal from a service (a `core.errors.DomainError`) that leaves the route rolls it all back, and
    the app answers with its German message and status (fluxx.factory). A route that catches a refusal
    to show its page again with the reason runs the service in `core.db.refusable(db)`: a savepoint, so
    only what the refused service wrote is undone, and the page (with the audit of viewing it) is
    committed as usual. Routes never call `db.rollback()` themselves.
    """
    with transaction(context_of(request).sessionmaker) as session:
        yield session


# scope="function": commit before the response is sent, so a redirect never outruns its data.
DB = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def client_ip(request: Request) -> str:
    """The address a request came from, for login throttling and the audit log.

    X-Forwarded-For is believed only from the proxies in FLUXX_TRUSTED_PROXIES: read from the right,
    the first address that is not such a proxy is the client. Anyone else could write any address there.
    """
    peer = request.client.host if request.client else "unknown"
    trusted = context_of(request).settings.trusted_proxy_set
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop[:45]
    return hops[0][:45] if hops else peer


def _is_trusted(address: str, trusted: frozenset[str]) -> bool:
    return "*" in trusted or address in trusted


def actor(request: Request, staff: Staff) -> Actor:
    """Who acts and from where, for the services and their audit events."""
    return Actor(staff_id=staff.id, ip=client_ip(request), now=now(request))


def zone(request: Request) -> ZoneInfo:
    return context_of(request).settings.zone


async def read_form(request: Request) -> FormData:
    """The posted form, read once in the event loop so that sync routes can use it."""
    return await request.form()


FormFields = Annotated[FormData, Depends(read_form)]


def fields(form: FormData) -> dict[str, str]:
    """Single-valued text fields (files and repeated values are not used by these forms)."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


@dataclass(frozen=True)
class StaffView:
    """What every page shows of the logged-in staff member; it outlives the request's transaction,
    so error pages rendered after a rollback still know who is looking."""

    id: int
    name: str
    role: StaffRole
    on_duty: bool

    @classmethod
    def of(cls, staff: Staff) -> StaffView:
        return cls(id=staff.id, name=staff.name, role=staff.role, on_duty=staff.on_duty)

    def has_role(self, role: StaffRole | str) -> bool:
        return self.role.covers(role)


class LoginRequired(Exception):
    """Raised for anonymous requests to staff pages; answered with a redirect to /login (or 401).

    `ended` says whether the session ended by itself (idle or too old), so the login page can say so;
    `on_duty` whether its owner is still on duty (the hotline keeps ringing their phone).
    """

    def __init__(self, ended: auth.SessionEnd | None = None, *, on_duty: bool = False) -> None:
        super().__init__(ended)
        self.ended = ended
        self.on_duty = on_duty


class PasswordChangeRequired(Exception):
    """Raised for every staff page but "Passwort ändern" while the person must change a temporary password
    (an admin's reset); answered with a redirect there (or 403 for scripts)."""


PASSWORD_PAGE = "/konto/passwort"


def logged_out(check: auth.SessionCheck) -> LoginRequired:
    """The LoginRequired for a failed session check, with why it ended and whether its owner is on duty."""
    return LoginRequired(check.ended, on_duty=bool(check.ended and check.staff and check.staff.on_duty))


def logged_out_body(request: Request, exc: LoginRequired) -> dict[str, str | None]:
    """What every 401 to a page's script says (the idle warning, the live dashboard, the case page): one
    answer, so whichever script notices first shows the same message."""
    settings: Settings = context_of(request).settings
    ended = exc.ended
    return {
        "detail": "Bitte melden Sie sich an.",
        "grund": LOGIN_REASONS[ended] if ended else None,
        "message": auth.logout_message(ended, max_hours=settings.session_max_hours)
        if ended
        else "Sie sind nicht mehr angemeldet.",
        "duty_note": auth.ON_DUTY_NOTE if ended and exc.on_duty else None,
    }


def check_login(request: Request, db: Session, *, touch: bool) -> auth.SessionCheck:
    """The request's login session (see auth.check_session); a failed check's expiry is saved at once."""
    token = request.cookies.get(cookie_name(request, SESSION_COOKIE))
    if not token:
        return auth.SessionCheck(None)
    settings: Settings = context_of(request).settings
    check = auth.check_session(
        db,
        token=token,
        now=now(request),
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
        touch=touch,
    )
    if check.session is None:
        # The expiry itself must be saved even though this request fails.
        db.commit()
    return check


def staff_of(request: Request, db: Session) -> Staff:
    """The logged-in staff member, checked in the caller's transaction. Not logged in (or no longer): the
    failed check's expiry is committed, and the app answers as for any staff page (login, or 401 for a poll).
    A person who must change the password first gets only that page."""
    check = check_login(request, db, touch=request.headers.get(BACKGROUND_HEADER) != "1")
    if check.session is None:
        db.commit()
        raise logged_out(check)
    request.state.staff = StaffView.of(check.session.staff)
    if check.session.staff.must_change_password and request.url.path != PASSWORD_PAGE:
        raise PasswordChangeRequired()
    return check.session.staff


def current_staff(request: Request, db: DB) -> Staff:
    """The logged-in staff member (`staff_of`). The login check's transaction ends here: this dependency and the
    route run in different threads of the thread pool, and on SQLite a transaction holds the one write lock;
    held across the hop, it waited for a free thread while the threads waited for the lock (under load, every
    call's webhook then waited its full 10 s: docs/benchmarks.md). The route's own work begins a new one."""
    try:
        staff = staff_of(request, db)
    except PasswordChangeRequired:
        db.commit()  # the login's touch is kept, as for any page
        raise
    db.commit()
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]


async def staff_page(
    request: Request, page: Callable[[Request, Session, Staff], Response], *, role: StaffRole | None = None
) -> Response:
    """A staff page asked for often (the dashboard's poll every 3 s, a case page and its poll) as one unit of work
    in one thread of the pool: the login check (`staff_of`), the role (`role`), the page and its audit in one
    transaction. The same page as a route with `DB` and `CurrentStaff` as dependencies takes four hops between
    the event loop and the pool and two transactions; in the busiest hour each hop and round trip waited its
    turn for the interpreter behind the webhooks (bench/notes.md). Its router must therefore have no
    dependencies of its own (`require_role` on a router checks the login once more, in a hop of its own)."""
    return await run_in_threadpool(_staff_page, request, page, role)


def _staff_page(
    request: Request, page: Callable[[Request, Session, Staff], Response], role: StaffRole | None = None
) -> Response:
    with transaction(context_of(request).sessionmaker) as db:
        staff = staff_of(request, db)
        if role is not None and not staff.has_role(role):
            db.commit()  # the login's touch is kept, as behind `require_role`
            _refuse_missing_role()
        return page(request, db, staff)


def _refuse_missing_role() -> NoReturn:
    raise HTTPException(status_code=403, detail="Für diese Seite fehlt Ihnen die Berechtigung.")


def require_role(role: StaffRole) -> Any:
    def check(staff: CurrentStaff) -> Staff:
        if not staff.has_role(role):
            _refuse_missing_role()
        return staff

    return Depends(check)


def csrf_token_for(request: Request) -> str:
    """The form token: bound to this browser's CSRF cookie and to its login session.

    A token and cookie taken from the anonymous login page, or from another person's session, do not
    fit a logged-in victim's session.
    """
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
    session = request.cookies.get(cookie_name(request, SESSION_COOKIE), "")
    key = context_of(request).settings.secret_key.encode()
    return hmac.new(key, f"{seed}:{session}".encode(), hashlib.sha256).hexdigest()


async def csrf_protect(request: Request) -> None:
    """Every state-changing staff form carries a token bound to the browser's CSRF cookie."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    seed = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    if not seed or not hmac.compare_digest(sent.encode(), csrf_token_for(request).encode()):
        raise HTTPException(
            status_code=403,
            detail="Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu und "
            "versuchen Sie es noch einmal.",
        )


CSRF = Depends(csrf_protect)


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(24)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = context_of(request).templates
    settings: Settings = context_of(request).settings
    reader = flash.Reader(request)
    base = {
        "staff": getattr(request.state, "staff", None),
        "flash": reader,  # the one-time message after a redirect, taken by shell/base.html
        "csrf_token": csrf_token_for(request),
        "form_token": secrets.token_urlsafe(24),  # see core.once
        "simulation": settings.simulation,
        "now": now(request),
        "zone": settings.zone,
    }
    response = templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
    reader.clear(response)  # shown once: a page that took the message deletes it
    return response


IDLE_REASON = "inaktiv"  # /login?grund=inaktiv: the login page says the session ended by itself
MAX_AGE_REASON = "abgelaufen"
LOGIN_REASONS = {auth.SessionEnd.IDLE: IDLE_REASON, auth.SessionEnd.MAX_AGE: MAX_AGE_REASON}


def login_url(next_path: str | None = None, ended: auth.SessionEnd | None = None) -> str:
    """/login, with the page to return to (when it is one of ours) and why the session ended."""
    query = []
    if next_path:
        query.append("next=" + quote(safe_next(next_path), safe=""))
    if ended is not None:
        query.append("grund=" + LOGIN_REASONS[ended])
    return "/login" + ("?" + "&".join(query) if query else "")


def login_redirect_target(request: Request, ended: auth.SessionEnd | None = None) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return login_url(target, ended)


MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after login would be a phishing tool.

    Refused (answered with "/"): anything with a scheme or a host ("https://x", "//x"), backslashes (browsers
    read them as slashes), control characters and spaces (browsers drop a tab or newline, so a slash, a tab
    and "/x" would become "//x"), overlong values, and the login and logout pages themselves.
    """
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


# The security headers of every answer (pages, webhooks, errors and the early 413 of core.limits):
# one source, set by `SecurityHeaders`, the outermost middleware of the app.
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(path: str, *, https: bool) -> dict[str, str]:
    """CSP, no sniffing, no framing, no caching of anything but static files, and HSTS on https."""
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeaders:
    """ASGI middleware: every answer gets `security_headers`, whichever layer below answered.

    Outermost, so that answers of other middleware (the 413 of the body size limit, before the app has
    read anything) carry them as well as the app's pages. A page may bring its own CSP; the rest is fixed.
    """

    def __init__(self, app: Any, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _raw_security_headers(scope["path"].startswith("/static/"), self.https)

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(message.get("headers") or [], extra)}
            await send(message)

        await self.app(scope, receive, send_with_headers)


RawHeaders = list[tuple[bytes, bytes]]


@lru_cache(maxsize=4)
def _raw_security_headers(static: bool, https: bool) -> tuple[tuple[bytes, bytes], ...]:
    """`security_headers` as ASGI wants them, encoded once (they depend on nothing else)."""
    path = "/static/" if static else "/"
    return tuple((name.lower().encode(), value.encode()) for name, value in security_headers(path, https=https).items())


_CSP_NAME = b"content-security-policy"


def with_security_headers(headers: Any, extra: tuple[tuple[bytes, bytes], ...]) -> RawHeaders:
    """A response's raw headers with `extra` set: each replaces the response's own, except a CSP it brings."""
    result: RawHeaders = list(headers)
    present = {name.lower() for name, _ in result}
    for name, value in extra:
        if name in present:
            if name == _CSP_NAME:
                continue
            result = [(key, old) for key, old in result if key.lower() != name]
        result.append((name, value))
    return result
