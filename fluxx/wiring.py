"""The composition: the app floor assembles what the floors below need from each other, at start-up.

Nothing here happens on import. The app factory (`fluxx.factory.create_app`), the CLI's commands
(`fluxx.cli`) and the tests call these functions:

- `task_handlers()`: the worker's handlers by task kind, from every domain's `handlers()`. A kind declared
  twice is refused here; a waiting task whose kind has no handler makes the worker refuse to start
  (`core.worker.check_handlers`); `tests/fluxx/test_wiring.py` proves every kind the code schedules has one.
- `RECIPIENTS`: the SMS outbox (messaging, below the domains) must not send to a volunteer who opted out and
  must opt out a number Twilio reports as unsubscribed (error 21610); volunteers own that knowledge
  (`volunteers.contact`), and the worker's sender and tasks get them from here.
- `send_login_code`: staff logging in from a new address while their account is under attack get a code by
  SMS; the login is the core's, the SMS the outbox's, so the app context carries this sender to the login.
- `connect()`: case work merges cases and asks whether a case is untouched or has content through the one
  list of what a case owns; billing declares its part of it from above, so the list is assembled here
  (`fluxx.owned`) and handed to `core.case_owned` at start-up; likewise the tone of every status value
  (`fluxx.badges`) for the status badges (`core.badges`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import badges, case_owned
from core.worker import Handler
from fluxx.badges import TONES
from fluxx.owned import CASE_OWNED
from messaging import service as outbox
from retention import tasks as retention_tasks
from volunteers.assignments import tasks as assignment_tasks
from volunteers.contact import RECIPIENTS
from volunteers.outreach import service as outreach

__all__ = ["RECIPIENTS", "connect", "send_login_code", "task_handlers"]


def task_handlers() -> dict[str, Handler]:
    """Every domain's worker tasks in one map; a kind two domains claim is a mistake found at start-up."""
    handlers: dict[str, Handler] = {}
    parts = (outbox.handlers(RECIPIENTS), outreach.handlers(), assignment_tasks.handlers(), retention_tasks.handlers())
    for part in parts:
        twice = handlers.keys() & part.keys()
        if twice:
            raise ValueError(f"task kinds with two handlers: {sorted(twice)}")
        handlers.update(part)
    return handlers


def send_login_code(db: Session, *, to: str, body: str, now: datetime) -> None:
    """A staff member's login code, through the outbox like every SMS (the simulator shows it too)."""
    outbox.queue_sms(db, to=to, body=body, now=now)


def connect() -> None:
    """Hand the one list of what a case owns, and the tone of every status value, to the floors below
    (idempotent; called at every start)."""
    case_owned.connect(CASE_OWNED)
    badges.connect(TONES)
