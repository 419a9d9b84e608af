"""The worker side of the outbox: send due messages through the gateway at a steady pace.

`OutboxSender` is a worker poller (see `core.worker.run_once`): every round it claims a small batch,
sends it one message at a time no faster than FLUXX_SMS_PER_SECOND, and records each answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.settings import Settings
from messaging import rules
from messaging import service as outbox
from messaging.gateway import SendError, SmsGateway, gateway_for

log = logging.getLogger("fluxx.sms")

STATUS_PATH = "/twilio/sms/status"


@dataclass
class Pacer:
    """At most `per_second` sends per second from this process (Twilio queues, then drops, bursts)."""

    per_second: float
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _last: float | None = None

    def wait(self) -> None:
        if self.per_second > 0 and self._last is not None:
            pause = self._last + 1 / self.per_second - self.monotonic()
            if pause > 0:
                self.sleep(pause)
        self._last = self.monotonic()


@dataclass
class OutboxSender:
    factory: sessionmaker[Session]
    gateway: SmsGateway
    status_callback: str
    clock: Clock
    recipients: outbox.Recipients
    pacer: Pacer = field(default_factory=lambda: Pacer(per_second=1.0))
    batch: int = 10
    stop: threading.Event | None = None

    def __call__(self, me: str) -> int:
        return self.run_once()

    def run_once(self) -> int:
        """Claim and send one batch of due messages; return how many were claimed."""
        ids = outbox.claim_due(self.factory, now=self.clock(), limit=self.batch)
        for index, message_id in enumerate(ids):
            if self.stop is not None and self.stop.is_set():
                outbox.release(self.factory, ids[index:], now=self.clock())
                break
            self.send_one(message_id)
        return len(ids)

    def drain(self) -> int:
        """Send until nothing is due now (tests, and one-off runs)."""
        total = 0
        while ran := self.run_once():
            total += ran
        return total

    def send_one(self, message_id: int) -> None:
        item = outbox.load(self.factory, message_id, recipients=self.recipients)
        if item.recipient_opted_out:
            # Sending would only earn error 21610 from Twilio; say so without asking.
            error = SendError(
                "Empfänger/in hat SMS abbestellt; nicht gesendet.", code=rules.OPTED_OUT_ERROR, retryable=False
            )
            outbox.record_error(self.factory, message_id, error=error, now=self.clock(), recipients=self.recipients)
            return
        self.pacer.wait()
        try:
            result = self.gateway.send(item.to, item.body, self.status_callback)
        except SendError as error:
            # Only the code: Twilio's message text may quote the recipient's number.
            log.warning("sms %s not sent (attempt %s): error %s", message_id, item.attempts, error.code)
            outbox.record_error(self.factory, message_id, error=error, now=self.clock(), recipients=self.recipients)
            return
        except Exception as exc:  # a bug or an odd answer must not leave the row claimed for the lease
            log.exception("sms %s: unexpected error while sending", message_id)
            unexpected = SendError(f"{type(exc).__name__}: {exc}", retryable=True)
            outbox.record_error(
                self.factory, message_id, error=unexpected, now=self.clock(), recipients=self.recipients
            )
            return
        outbox.record_sent(self.factory, message_id, result=result, sender=self.gateway.sender, now=self.clock())


def sender_for(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    clock: Clock,
    recipients: outbox.Recipients,
    stop: threading.Event | None = None,
    gateway: SmsGateway | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> OutboxSender:
    """The sender `fluxx worker` and `fluxx serve` run: Twilio with credentials, else the simulator."""
    return OutboxSender(
        factory=factory,
        gateway=gateway or gateway_for(settings),
        status_callback=settings.public_base_url + STATUS_PATH,
        clock=clock,
        recipients=recipients,
        pacer=Pacer(per_second=settings.sms_per_second, sleep=sleep),
        stop=stop,
    )
