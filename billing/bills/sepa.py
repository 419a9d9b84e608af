"""The month's SEPA direct-debit file (pain.008.001.02) for the bills collected with a family's mandate.

Written by sepaxml and validated against the schema it ships before it is handed out (a file the bank
would refuse is never written). One transaction per bill: the family's account holder, IBAN (BIC when
known), the amount, the mandate reference and its date of signature, and the bill number as the
remittance text. A mandate's first collection is "FRST", later ones "RCUR".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sepaxml import SepaDD

SCHEMA = "pain.008.001.02"


@dataclass(frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str
    creditor_id: str  # Gläubiger-Identifikationsnummer


@dataclass(frozen=True)
class Collection:
    bill_number: str
    holder: str
    iban: str
    bic: str | None
    amount: Decimal
    mandate_reference: str
    mandate_signed: date
    first: bool


def pain008(creditor: Creditor, collections: Sequence[Collection], *, collect_on: date) -> bytes:
    """The file for `collections`, due on `collect_on`; ValueError if sepaxml or the schema refuses it."""
    config = {
        "name": creditor.name[:70], "IBAN": creditor.iban, "BIC": creditor.bic or "NOTPROVIDED", "batch": True,
        "creditor_id": creditor.creditor_id, "currency": "EUR",
    }  # fmt: skip
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    for item in collections:
        payment = {
            "name": item.holder[:70], "IBAN": item.iban, "amount": int(item.amount * 100),
            "type": "FRST" if item.first else "RCUR", "collection_date": collect_on,
            "mandate_id": item.mandate_reference, "mandate_date": item.mandate_signed,
            "description": f"Rechnung {item.bill_number}",
        }  # fmt: skip
        if item.bic:
            payment["BIC"] = item.bic
        sepa.add_payment(payment)
    return bytes(sepa.export(validate=True))
