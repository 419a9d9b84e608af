"""SEPA direct-debit mandates: a family allows the office to collect its bills from an account.

A mandate names the account holder, the IBAN (checked by schwifty: checksum and country format), the
mandate reference and the date the family signed it. Bills issued while a case has a valid mandate are
collected (`PaymentMethod.DIRECT_DEBIT`, in the month's pain.008 file) instead of paid by transfer. A
mandate is revoked, never deleted: a collected bill refers to it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import SepaMandate
from core import audit
from core.errors import DomainError, FieldErrors

REFERENCE_PREFIX = "FLUXX"


class MandateError(DomainError):
    """A mandate action that cannot be done; the German message says why."""


def active(db: Session, *, case_id: int) -> SepaMandate | None:
    """The case's active mandate (the latest, should there be more than one), or None."""
    return active_of(db, case_ids=[case_id]).get(case_id)


def active_of(db: Session, *, case_ids: Collection[int]) -> dict[int, SepaMandate]:
    """The active mandate of each of the cases that has one (the latest), in one query."""
    rows = db.scalars(
        select(SepaMandate)
        .where(SepaMandate.case_id.in_(case_ids), SepaMandate.revoked_at.is_(None))
        .order_by(SepaMandate.id)
    )
    return {mandate.case_id: mandate for mandate in rows}  # the latest of a case last, so it wins


def of_case(db: Session, *, case_id: int) -> list[SepaMandate]:
    return list(db.scalars(select(SepaMandate).where(SepaMandate.case_id == case_id).order_by(SepaMandate.id)))


def check(*, holder: str, iban: str, bic: str, signed_on: str, today: date) -> tuple[str, str, str | None, date]:
    """The form's values, checked: FieldErrors with a German message per field."""
    errors: dict[str, str] = {}
    holder = " ".join(holder.split())
    if not holder:
        errors["holder"] = "Bitte den Namen der Kontoinhaberin oder des Kontoinhabers angeben."
    elif len(holder) > 70:
        errors["holder"] = "Der Name darf für SEPA höchstens 70 Zeichen lang sein."
    compact_iban = ""
    try:
        compact_iban = str(IBAN(iban).compact)
    except SchwiftyException:
        errors["iban"] = "Diese IBAN ist nicht gültig (Prüfziffer oder Länge stimmen nicht); bitte prüfen."
    compact_bic: str | None = None
    if bic.strip():
        try:
            compact_bic = str(BIC(bic).compact)
        except SchwiftyException:
            errors["bic"] = "Diese BIC ist nicht gültig; sie kann auch leer bleiben."
    signed: date | None = None
    try:
        signed = date.fromisoformat(signed_on.strip())
    except ValueError:
        errors["signed_on"] = "Bitte das Datum angeben, an dem das Mandat unterschrieben wurde."
    if signed is not None and signed > today:
        errors["signed_on"] = "Das Mandat kann nicht in der Zukunft unterschrieben sein."
    if errors or signed is None:
        raise FieldErrors(errors)
    return holder, compact_iban, compact_bic, signed


def record(
    db: Session, *, case_id: int, holder: str, iban: str, bic: str | None, signed_on: date, actor: audit.Actor
) -> SepaMandate:
    """A new mandate for the case; an earlier one is revoked by it (one account collects at a time)."""
    previous = active(db, case_id=case_id)
    if previous is not None:
        previous.revoked_at = actor.now
    mandate = SepaMandate(
        case_id=case_id, holder=holder, iban=iban, bic=bic, reference="", signed_on=signed_on,
        created_at=actor.now, created_by_id=actor.staff_id,
    )  # fmt: skip
    db.add(mandate)
    db.flush()
    mandate.reference = f"{REFERENCE_PREFIX}-{mandate.id:06d}"
    db.flush()
    audit.record(
        db, actor, action="mandate.create", object_type="sepa_mandate", object_id=mandate.id, case_id=case_id,
        detail={"reference": mandate.reference, "replaces": previous.reference if previous else None},
    )  # fmt: skip
    return mandate


def revoke(db: Session, *, case_id: int, actor: audit.Actor) -> SepaMandate:
    mandate = active(db, case_id=case_id)
    if mandate is None:
        raise MandateError("Für diesen Fall gibt es kein gültiges Lastschriftmandat.")
    mandate.revoked_at = actor.now
    audit.record(
        db, actor, action="mandate.revoke", object_type="sepa_mandate", object_id=mandate.id, case_id=case_id,
        detail={"reference": mandate.reference},
    )  # fmt: skip
    return mandate


def masked(iban: str) -> str:
    """ "DE89 **** **** **** **30 00": enough to recognise the account on a page, not to use it."""
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return grouped[:4] + "".join("*" if c.isalnum() else c for c in grouped[4:-7]) + grouped[-7:]
