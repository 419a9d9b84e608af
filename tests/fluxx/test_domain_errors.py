"""One DomainError, mapped once: a refusal no view caught gets its German message and status, and nothing
the refused request wrote is kept; a view that catches one keeps the request's other writes (refusable)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from core.db import make_sessionmaker, refusable
from core.errors import DomainError, FieldErrors, NotFound
from core.models import ScheduledTask
from core.web import DB
from fluxx.factory import create_app
from tests.conftest import make_settings
from tests.telephony.voice.voice_helpers import twiml_of

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
REFUSAL = "Das geht so nicht: der Fall ist schon geschlossen."


def _task(db: DB, kind: str) -> ScheduledTask:
    task = ScheduledTask(kind=kind, payload={}, due_at=NOW, created_at=NOW)
    db.add(task)
    db.flush()
    return task


def _kinds(engine: Engine) -> list[str]:
    with make_sessionmaker(engine)() as db:
        return sorted(db.scalars(select(ScheduledTask.kind)))


@pytest.fixture
def refusing_app(engine, clock) -> FastAPI:
    """The real app with a few routes of a test's own that write and then refuse."""
    app = create_app(make_settings(engine), clock=clock, engine=engine)
    routes = APIRouter()
    refusals = {
        "refused": DomainError(REFUSAL),
        "form": FieldErrors({"note": "Die Notiz ist zu lang.", "need": "Bitte einen Bedarf wählen."}),
        "missing": NotFound("Diesen Fall gibt es nicht."),
    }

    @routes.api_route("/test/{kind}", methods=["GET", "POST"])
    def write_then_refuse(db: DB, kind: str) -> None:
        _task(db, f"test.{kind}")
        raise refusals[kind]

    @routes.post("/twilio/voice/test-refusal")
    def twilio_refusal(db: DB) -> None:
        _task(db, "test.twilio")
        raise DomainError(REFUSAL)

    @routes.post("/test-caught")
    def caught(db: DB) -> JSONResponse:
        """A view that shows the reason itself: what the request wrote before and after the block stays."""
        _task(db, "test.before")
        try:
            with refusable(db):
                _task(db, "test.refused-block")
                raise DomainError(REFUSAL)
        except DomainError as exc:
            _task(db, "test.after")  # e.g. the audit entry of the page that says why
            return JSONResponse({"error": exc.message}, status_code=exc.status_code)

    @routes.post("/test-kept")
    def kept(db: DB) -> None:
        with refusable(db):
            _task(db, "test.kept")

    app.include_router(routes)
    return app


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("refused", 409, REFUSAL),
        ("form", 422, "Die Notiz ist zu lang.; Bitte einen Bedarf wählen."),
        ("missing", 404, "Diesen Fall gibt es nicht."),
    ],
)
def test_an_uncaught_refusal_gets_its_german_message_and_status_and_keeps_nothing(
    refusing_app, engine, kind, status, message
):
    with TestClient(refusing_app, raise_server_exceptions=False) as client:
        page = client.post(f"/test/{kind}", headers={"accept": "text/html"})
        script = client.get(f"/test/{kind}", headers={"accept": "application/json"})

    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert message in page.text
    assert "<h1" in page.text and "Traceback" not in page.text
    assert script.status_code == status
    assert script.json() == {"detail": message}
    assert _kinds(engine) == []  # the request's transaction was rolled back both times


def test_not_found_is_the_same_404_page_as_an_unknown_path(refusing_app):
    with TestClient(refusing_app, raise_server_exceptions=False) as client:
        missing = client.post("/test/missing", headers={"accept": "text/html"})
        unknown = client.get("/gibt-es-nicht", headers={"accept": "text/html"})
    assert missing.status_code == unknown.status_code == 404
    assert re.sub(r"Diese Seite gibt es nicht\.", "Diesen Fall gibt es nicht.", unknown.text) == missing.text


def test_a_refusal_on_a_twilio_webhook_gets_the_safe_fallback_and_keeps_nothing(refusing_app, engine):
    with TestClient(refusing_app, raise_server_exceptions=False) as client:
        root = twiml_of(client.post("/twilio/voice/test-refusal"))
    assert root.find("Say") is not None
    assert REFUSAL not in "".join(root.itertext())
    assert _kinds(engine) == []


def test_a_caught_refusal_undoes_only_the_block_and_the_page_is_committed(refusing_app, engine):
    with TestClient(refusing_app, raise_server_exceptions=False) as client:
        answer = client.post("/test-caught")
    assert answer.status_code == 409
    assert answer.json() == {"error": REFUSAL}
    assert _kinds(engine) == ["test.after", "test.before"]


def test_a_block_that_is_not_refused_keeps_its_writes(refusing_app, engine):
    with TestClient(refusing_app, raise_server_exceptions=False) as client:
        assert client.post("/test-kept").status_code == 200
    assert _kinds(engine) == ["test.kept"]


def test_a_refused_form_loses_nothing_and_the_same_sending_may_come_again(client, db):
    """The view keeps its page (422 at the note); the case the service had opened is gone, and the form's
    one-time token, claimed before the refusal, still lets the corrected form through once."""
    from casework.cases.models import Case
    from tests.factories import login, make_staff

    token = login(client, make_staff(db))
    data = {"csrf_token": token, "form_token": "refused-once-0123456789", "caller_name": "Aylin Koch"}
    refused = client.post("/cases/new", data={**data, "note": "x" * 5001})
    assert refused.status_code == 422 and "Die Notiz ist zu lang" in refused.text
    assert db.scalar(select(func.count()).select_from(Case)) == 0
    created = client.post("/cases/new", data={**data, "note": "Ruft wieder an."})
    again = client.post("/cases/new", data={**data, "note": "Ruft wieder an."})
    assert created.status_code == again.status_code == 303
    assert created.headers["location"] == again.headers["location"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Case)) == 1


# --- every domain error is a DomainError ------------------------------------------------------------------

DOMAIN_PACKAGES = ("casework", "volunteers", "billing", "reporting", "retention", "messaging")
NAMED_LIKE_A_REFUSAL = re.compile(r"(Error|Invalid|Errors|NotAllowed|NotMatchable)$")
TECHNICAL = {
    # Twilio's REST API failed or refused a message: the sender retries or marks it failed; no person reads it.
    "messaging.gateway.SendError": "a delivery failure of the SMS gateway, handled by the sender",
    "messaging.gateway.RecordingGone": "Twilio did not delete a voicemail now; the retention purge tries again",
    # A status callback for a message we never sent: the webhook answers Twilio, nobody reads it.
    "messaging.service.StatusForUnknownMessage": "a webhook about an unknown message, answered to Twilio",
    # The upload's token is unknown, expired or someone else's: the import page answers 410 with its own text,
    # and the exception carries the token, which must not be shown.
    "volunteers.imports.uploads.UploadGone": "answered 410 by the import page with its own text",
    # The upload directory is not ours alone: a fault of the installation, not a refusal of a request.
    "volunteers.imports.uploads.NotPrivate": "an unsafe installation, not a refusal",
}


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for top in DOMAIN_PACKAGES:
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            module = importlib.import_module(info.name)
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                    found[f"{module.__name__}.{name}"] = cls
    return found


def test_every_domain_exception_is_a_domain_error_or_a_listed_technical_one():
    classes = _exception_classes()
    named = {path for path in classes if NAMED_LIKE_A_REFUSAL.search(path)}
    assert {"casework.cases.service.CaseworkError", "volunteers.registry.service.RegistryError"} <= named
    # Stricter than the names: any exception a domain defines is a refusal unless it is listed as technical.
    unlisted = sorted(
        path for path, cls in classes.items() if not issubclass(cls, DomainError) and path not in TECHNICAL
    )
    assert unlisted == [], "a refusal shown to a person derives from core.errors.DomainError; else list it here"
    assert not [path for path in TECHNICAL if path in classes and issubclass(classes[path], DomainError)]
    assert set(TECHNICAL) <= set(classes), "a listed technical exception was renamed or removed"


def test_domain_errors_carry_their_status_and_keep_the_bases_callers_catch():
    from casework.cases import forms as case_forms
    from casework.cases.rules import TransitionNotAllowed
    from casework.cases.service import CaseworkError
    from core.auth import AccountError
    from volunteers.assignments.service import AssignmentError
    from volunteers.matching.rules import JobNotMatchable
    from volunteers.outreach.forms import FormErrors
    from volunteers.outreach.service import OutreachError
    from volunteers.registry import forms as registry_forms
    from volunteers.registry.service import ImportInterrupted, RegistryError

    for refused in (CaseworkError, TransitionNotAllowed, OutreachError, AssignmentError, JobNotMatchable):
        assert issubclass(refused, DomainError) and refused.status_code == 409
    for form in (case_forms.FormInvalid, registry_forms.FormInvalid, FormErrors):
        error = form({"phone": "Bitte eine Telefonnummer angeben."})
        assert isinstance(error, FieldErrors) and isinstance(error, ValueError)
        assert (error.status_code, error.errors, str(error)) == (
            422, {"phone": "Bitte eine Telefonnummer angeben."}, "Bitte eine Telefonnummer angeben."
        )  # fmt: skip
    assert NotFound.status_code == 404 and issubclass(NotFound, LookupError)
    assert AccountError.status_code == 422 and issubclass(AccountError, ValueError)
    two = RegistryError("Zeile 2: Name fehlt.", "Zeile 3: Mobilnummer fehlt.")
    assert two.messages == ("Zeile 2: Name fehlt.", "Zeile 3: Mobilnummer fehlt.")
    assert two.message == str(two) == "Zeile 2: Name fehlt. Zeile 3: Mobilnummer fehlt."
    assert ImportInterrupted(3).status_code == 503


def test_no_view_rolls_back_by_hand():
    views = [path for path in ROOT.glob("*/**/views.py") if path.parts[len(ROOT.parts)] not in ("tests", ".venv")]
    assert len(views) >= 10
    by_hand = [str(path.relative_to(ROOT)) for path in views if ".rollback()" in path.read_text(encoding="utf-8")]
    assert by_hand == [], "a view runs a refusable service in core.db.refusable(db) instead"


def test_refused_writes_on_the_session_are_undone_in_memory_too(engine):
    """The savepoint expires what the block changed and forgets what it added, as a whole rollback did."""
    from core.db import transaction

    with transaction(make_sessionmaker(engine)) as db:
        task = _task(db, "test.before")
        with pytest.raises(DomainError), refusable(db):
            task.kind = "test.changed"
            added = _task(db, "test.refused-block")
            raise DomainError(REFUSAL)
        assert task.kind == "test.before"
        assert added not in db
        assert db.scalar(select(func.count()).select_from(ScheduledTask)) == 1
    assert _kinds(engine) == ["test.before"]
