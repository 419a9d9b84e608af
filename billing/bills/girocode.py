"""The GiroCode on a bill: the EPC QR code (EPC069-12) a family scans with its banking app to pay.

It carries the issuer's name, IBAN (and BIC if set), the amount in euros and the bill number as the
remittance text, so the payment names its bill. Made with segno (error correction level M, as the EPC
standard asks); `tests/billing/test_bill_documents.py` decodes the rendered image again.
"""

from __future__ import annotations

import io
from decimal import Decimal

import segno
from segno import helpers

EPC_NAME_MAX = 70  # the standard's limit for the beneficiary's name


def code(*, name: str, iban: str, bic: str, amount: Decimal, reference: str) -> segno.QRCode:
    return helpers.make_epc_qr(
        name=name[:EPC_NAME_MAX], iban=iban, bic=bic or None, amount=amount, text=f"Rechnung {reference}"
    )


def svg(qr: segno.QRCode) -> str:
    """Inline SVG for the bill page (no external image, no data: URL: the CSP stays as it is)."""
    return str(qr.svg_inline(scale=3, dark="#000", light="#fff", title="GiroCode zum Bezahlen"))


def png(qr: segno.QRCode, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
