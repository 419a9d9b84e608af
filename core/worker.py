"""The background worker: runs due ScheduledTask rows, each at most once at a time.

Several workers may run against PostgreSQL: a task is claimed with FOR UPDATE SKIP LOCKED, so two
workers never take the same row. SQLite has one writer at a time, which gives the same guarantee.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.db import transaction
from core.models import ScheduledTask, TaskStatus

log = logging.getLogger("fluxx.worker")

Handler = Callable[[Session, ScheduledTask, datetime], None]
# Work that lives in its own table rather than in scheduled_task (e.g. the SMS outbox): called every
# round with the worker's id, returns how much it did.
#
# Why the SMS outbox keeps its own claim, lease and retry instead of being tasks of this queue (they share
# `retry_delay`, the backoff): a task runs its handler inside one transaction, but an SMS must be claimed
# and committed *before* Twilio is called (no row lock held across the network call; a worker that dies
# mid-send leaves a claim whose lease runs out) and Twilio's answer is recorded in a second transaction.
# The message row is also the message itself: its status moves on with Twilio's callbacks, it keeps the
# SID and error per message and is the log staff read, so a task per SMS would only duplicate that state.
# Sends are paced per process (`messaging.sender.Pacer`), not per task, and one table per purpose keeps
# each SKIP LOCKED claim on a small, single-purpose index. See `messaging.service.claim_due`.
Poller = Callable[[str], int]
# The worker's handlers by task kind. The app assembles them from the domains at start-up
# (`fluxx.wiring.task_handlers`) and hands them to the worker: nothing registers itself on import.
Handlers = Mapping[str, Handler]
MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(minutes=10)


class MissingHandlers(Exception):
    """Tasks of a kind no handler runs are waiting: the worker refuses to start rather than fail them."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = list(kinds)
        super().__init__(f"Keine Bearbeitung für wartende Aufgaben der Art: {', '.join(self.kinds)}")


def check_handlers(factory: sessionmaker[Session], handlers: Handlers) -> None:
    """Refuse to start (MissingHandlers) when a pending or running task has a kind without a handler:
    e.g. a worker of an older release, or a domain whose handlers the app forgot to assemble."""
    with transaction(factory) as db:
        waiting = db.scalars(
            select(ScheduledTask.kind)
            .where(ScheduledTask.status.in_([TaskStatus.PENDING, TaskStatus.RUNNING]))
            .distinct()
        ).all()
    missing = sorted(kind for kind in waiting if kind not in handlers)
    if missing:
        raise MissingHandlers(missing)


def schedule(
    db: Session, *, kind: str, due_at: datetime, now: datetime, payload: dict[str, Any] | None = None
) -> ScheduledTask:
    """Persist a piece of work in the caller's transaction; it runs when due, after the commit."""
    task = ScheduledTask(kind=kind, payload=payload or {}, due_at=due_at, created_at=now)
    db.add(task)
    db.flush()
    return task


def schedule_once(
    db: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
    renew: bool = False,
) -> bool:
    """Schedule a task under the dedupe `key` unless one exists (another worker, an earlier try, the same
    webhook twice); True when this call inserted it. Race-safe: the insert runs in a savepoint and the
    unique `dedupe_key` refuses a second row, also one that a concurrent transaction inserts (on PostgreSQL
    the insert waits for it; SQLite has one writer at a time).

    With `renew`, an existing task of the key is wanted again: a finished one is made due again (an
    assignment renewed after a release needs its reminder again), a pending one moves to `due_at` and
    takes `payload`; a running one is left alone."""
    key = key[:120]  # the column's length
    task = db.scalar(select(ScheduledTask).where(ScheduledTask.dedupe_key == key))
    if task is None:
        try:
            with db.begin_nested():
                db.add(ScheduledTask(kind=kind, payload=payload or {}, due_at=due_at, dedupe_key=key, created_at=now))
                db.flush()
            return True
        except IntegrityError:  # scheduled by another transaction at this moment
            if not renew:
                return False
            task = db.scalars(select(ScheduledTask).where(ScheduledTask.dedupe_key == key)).one()
    if renew:
        if task.status in (TaskStatus.DONE, TaskStatus.FAILED):
            task.status, task.attempts, task.finished_at, task.last_error = TaskStatus.PENDING, 0, None, None
        if task.status == TaskStatus.PENDING:
            task.due_at, task.payload = due_at, payload or {}
        db.flush()
    return False


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: up to 2^attempts seconds, at most 30 minutes."""
    ceiling = min(2**attempts, 1800)
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(factory: sessionmaker[Session], *, now: datetime, me: str, limit: int = 10) -> list[int]:
    """Mark up to `limit` due tasks as running for this worker and return their ids."""
    with transaction(factory) as db:
        # A task left running by a worker that died is taken again after a while.
        stale = db.scalars(
            select(ScheduledTask)
            .where(ScheduledTask.status == TaskStatus.RUNNING, ScheduledTask.locked_at < now - STALE_AFTER)
            .with_for_update(skip_locked=True)
        ).all()
        for task in stale:
            task.status = TaskStatus.PENDING
        tasks = db.scalars(
            select(ScheduledTask)
            .where(ScheduledTask.status == TaskStatus.PENDING, ScheduledTask.due_at <= now)
            .order_by(ScheduledTask.due_at, ScheduledTask.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for task in tasks:
            task.status = TaskStatus.RUNNING
            task.locked_by = me
            task.locked_at = now
        return [task.id for task in tasks]


def run_task(factory: sessionmaker[Session], task_id: int, *, clock: Clock, handlers: Handlers) -> None:
    """Run one claimed task in its own transaction; a failure is retried later with backoff."""
    try:
        with transaction(factory) as db:
            task = db.get_one(ScheduledTask, task_id)
            handler = handlers.get(task.kind)
            if handler is None:
                raise LookupError(f"no handler for task kind {task.kind!r}")
            handler(db, task, clock())
            task.status = TaskStatus.DONE
            task.finished_at = clock()
    except Exception as exc:
        log.exception("task %s failed", task_id)
        with transaction(factory) as db:
            task = db.get_one(ScheduledTask, task_id)
            task.attempts += 1
            task.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            task.locked_by = None
            if task.attempts >= MAX_ATTEMPTS or isinstance(exc, LookupError):
                task.status = TaskStatus.FAILED
                task.finished_at = clock()
            else:
                task.status = TaskStatus.PENDING
                task.due_at = clock() + retry_delay(task.attempts)


def run_once(
    factory: sessionmaker[Session],
    *,
    clock: Clock,
    handlers: Handlers,
    me: str | None = None,
    pollers: Sequence[Poller] = (),
) -> int:
    """Claim and run what is due now, then let each poller work; return how much was done."""
    me = me or worker_id()
    ids = claim(factory, now=clock(), me=me)
    for task_id in ids:
        run_task(factory, task_id, clock=clock, handlers=handlers)
    return len(ids) + sum(poller(me) for poller in pollers)


def run_forever(
    factory: sessionmaker[Session],
    *,
    clock: Clock,
    handlers: Handlers,
    stop: threading.Event,
    poll_seconds: float = 1.0,
    pollers: Sequence[Poller] = (),
) -> None:
    """Poll for due work until `stop` is set (SIGTERM/SIGINT); the current task always finishes."""
    me = worker_id()
    log.info("worker %s started", me)
    while not stop.is_set():
        try:
            ran = run_once(factory, clock=clock, handlers=handlers, me=me, pollers=pollers)
        except Exception:
            log.exception("worker loop error; retrying")
            ran = 0
        if not ran:
            stop.wait(poll_seconds)
    log.info("worker %s stopped", me)
