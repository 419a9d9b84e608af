"""What a database remembers about its installation (table `installation_fact`).

A database that the service ever used with real Twilio credentials is a real installation: `fluxx demo`
refuses it even when the credentials are blanked for the command (`make run` does that).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.db import describe_error, insert_on_conflict, transaction
from core.models import InstallationFact
from core.settings import Settings

log = logging.getLogger("fluxx")

TWILIO_CREDENTIALS = "twilio_credentials"


def remember(db: Session, *, key: str, value: str, now: datetime) -> None:
    """Record a fact once; the first record stays (several processes may start at the same time)."""
    statement = insert_on_conflict(db, InstallationFact).values(key=key, value=value[:200], recorded_at=now)
    db.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


def ran_with_twilio(db: Session) -> bool:
    return db.scalar(select(InstallationFact.key).where(InstallationFact.key == TWILIO_CREDENTIALS)) is not None


def remember_twilio(factory: sessionmaker[Session], settings: Settings, *, now: datetime) -> None:
    """At the start of the app, the worker and `db upgrade`: with real credentials, note it in the database.

    A database that is not reachable or not migrated yet must not stop the start (the fallback webhook
    answers without it): the next start records it.
    """
    if settings.simulation:
        return
    try:
        with transaction(factory) as db:
            remember(db, key=TWILIO_CREDENTIALS, value=settings.twilio_account_sid, now=now)
    except SQLAlchemyError as exc:
        log.warning("could not record the Twilio installation in the database: %s", describe_error(exc))
