"""What the application assembled at start-up, typed: every request reaches it through `context_of(request)`.

The app factory (`fluxx.factory.create_app`) builds one `AppContext` from the settings and the domains'
parts (`fluxx.wiring`) and keeps it on the app; routes, dependencies and middleware read it here instead of
loose, untyped attributes of `request.app.state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from core.auth import CodeSender
from core.clock import Clock
from core.settings import Settings
from core.worker import Handlers


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    clock: Clock
    engine: Engine
    sessionmaker: sessionmaker[Session]
    templates: Jinja2Templates
    send_code: CodeSender  # a staff member's login code by SMS (the outbox, above the core)
    handlers: Handlers  # the worker's task handlers, assembled from the domains


def context_of(connection: HTTPConnection) -> AppContext:
    """The application's context for this request."""
    return cast(AppContext, connection.app.state.context)
