"""Twilio's status callbacks for outbound SMS: applied idempotently, never moving a message backwards."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fluxx.core.models import ScheduledTask
from fluxx.core.worker import schedule, task_handler
from telephony import status as sms_status
from telephony.models import Message, MessageStatus
from volunteers import contact

log = logging.getLogger("fluxx.sms")

LATE_STATUS = "sms.late_status"
# The worker stores the SID only after Twilio answered; a fast callback can arrive just before that.
LATE_STATUS_DELAY = timedelta(seconds=10)


class StatusForUnknownMessage(Exception):
    """A callback names a SID we do not (yet) know; the task is retried with backoff, then given up."""


def by_sid(db: Session, sid: str) -> Message | None:
    return db.scalar(select(Message).where(Message.twilio_sid == sid))


def apply_status(db: Session, *, message: Message, status_value: str, error_code: int | None, now: datetime) -> bool:
    """Move the message to Twilio's reported status if that is later; return whether it changed."""
    new = sms_status.from_twilio(status_value)
    if new is None or not sms_status.advances(message.status, new):
        return False
    message.status = new
    message.updated_at = now
    if new == MessageStatus.SENT:
        message.sent_at = message.sent_at or now
    if new == MessageStatus.DELIVERED:
        message.delivered_at = now
    if new in sms_status.PROBLEMS:
        message.error_code = error_code
        message.error_message = sms_status.ERRORS.get(error_code or 0)
        if error_code == 21610:
            contact.opt_out_number(db, volunteer_id=message.volunteer_id, phone=message.to_number, now=now)
    return True


def receive_status(
    db: Session, *, sid: str, status_value: str, error_code: int | None, now: datetime
) -> Message | None:
    """Apply a status callback; for an unknown SID, look again a little later (see LATE_STATUS_DELAY)."""
    message = by_sid(db, sid)
    if message is not None:
        apply_status(db, message=message, status_value=status_value, error_code=error_code, now=now)
        return message
    log.warning("status %r for unknown message %s; checking again later", status_value, sid)
    payload = {"sid": sid, "status": status_value, "error_code": error_code}
    try:
        with db.begin_nested():
            schedule(
                db, kind=LATE_STATUS, due_at=now + LATE_STATUS_DELAY, now=now, payload=payload,
                dedupe_key=f"sms-status:{sid}:{status_value}"[:120],
            )  # fmt: skip
    except IntegrityError:
        pass  # the same callback came twice; one check is enough
    return None


@task_handler(LATE_STATUS)
def _late_status(db: Session, task: ScheduledTask, now: datetime) -> None:
    payload = task.payload
    message = by_sid(db, payload["sid"])
    if message is None:
        raise StatusForUnknownMessage(payload["sid"])
    apply_status(db, message=message, status_value=payload["status"], error_code=payload["error_code"], now=now)
