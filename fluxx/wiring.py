"""Where a lower layer needs an answer only a higher one has, the app layer connects them.

The SMS outbox (messaging, below the domains) must not send to a volunteer who opted out, and must opt
out a number Twilio reports as unsubscribed (error 21610). Volunteers own that knowledge, and they
stand above the outbox, so the outbox asks through `Recipients` and this module answers for them.
Importing this module connects it (the app factory, the CLI and the tests do), so all of them run connected.

Staff logging in from a new address while their account is under attack get a confirmation code by SMS;
the login is the core's, the SMS the outbox's, so the code goes out through `send_login_code` here.

Case work merges cases and asks whether a case is untouched or has content through the one list of what a
case owns; billing declares its part of it from above, so the list is assembled here (`fluxx.owned`) and
connected to `core.case_owned`.

The worker finds a task's handler by its kind; the handler registers itself when its module is
imported, so the modules with handlers of the domains are imported here (the outreach waves).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import auth, case_owned
from core.settings import Settings
from fluxx.owned import CASE_OWNED
from messaging import service as outbox
from volunteers import contact
from volunteers.assignments import tasks as assignment_tasks  # noqa: F401  (registers the task handlers)
from volunteers.outreach import service as outreach  # noqa: F401  (registers the "outreach.wave" task)


class VolunteerRecipients:
    """The outbox's recipients are volunteers: found by id or number, opted out by `contact`."""

    def opted_out(self, db: Session, *, volunteer_id: int | None, phone: str) -> bool:
        volunteer = contact.recipient(db, volunteer_id=volunteer_id, phone=phone)
        return volunteer is not None and not volunteer.sms_opt_in

    def opt_out(self, db: Session, *, volunteer_id: int | None, phone: str, now: datetime) -> None:
        contact.opt_out_number(db, volunteer_id=volunteer_id, phone=phone, now=now)


def send_login_code(db: Session, *, to: str, body: str, now: datetime) -> None:
    """A staff member's login code, through the outbox like every SMS (the simulator shows it too)."""
    outbox.queue_sms(db, to=to, body=body, now=now)


def connect() -> None:
    outbox.connect_recipients(VolunteerRecipients())
    auth.connect_code_sender(send_login_code)
    case_owned.connect(CASE_OWNED)


def configure(settings: Settings) -> None:
    """Settings the domains' background work needs (called by the app factory and `fluxx worker`)."""
    assignment_tasks.configure(reminder_hour=settings.reminder_hour)


connect()
