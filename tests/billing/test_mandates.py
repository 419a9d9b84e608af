"""SEPA mandates: entered from the signed form, checked, and the month's pain.008 file of the bills they
collect, validated against the schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import sepaxml
import xmlschema
from sqlalchemy import select

from billing.bills import service as bills
from billing.mandates import service as mandates
from billing.models import Bill, PaymentMethod, SepaMandate
from core import audit
from core.db import make_sessionmaker
from core.errors import FieldErrors
from core.models import StaffRole
from tests.billing.helpers import family, worked
from tests.factories import csrf_from, login, make_staff

TERMS = bills.Terms(zone=ZoneInfo("Europe/Berlin"), payment_days=14)
ISSUED = audit.Actor(None, None, datetime(2026, 12, 1, 8, tzinfo=UTC))
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "nicht gültig"),
        ({"signed_on": ""}, "signed_on", "unterschrieben wurde"),
        ({"signed_on": "2026-12-24"}, "signed_on", "Zukunft"),
        ({"holder": " "}, "holder", "Namen"),
        ({"holder": "x" * 71}, "holder", "70 Zeichen"),
        ({"bic": "NOTABIC"}, "bic", "BIC"),
    ],
)
def test_a_mandate_with_a_wrong_iban_or_without_a_date_is_refused_field_by_field(values, field, message):
    good = {"holder": "Lena Schulz", "iban": "DE89 3704 0044 0532 0130 00", "bic": "", "signed_on": "2026-11-02"}
    with pytest.raises(FieldErrors) as refused:
        mandates.check(**(good | values), today=TODAY)
    assert message in refused.value.errors[field]
    assert mandates.check(**good, today=TODAY) == ("Lena Schulz", "DE89370400440532013000", None, date(2026, 11, 2))


def test_bills_of_a_case_with_a_mandate_are_collected_in_a_valid_pain008_file(db, engine):
    collected = family(db, caller_name="Familie Demir")
    worked(db, collected, hours="3.5")
    transferred = family(db, caller_name="Familie Brandt")
    worked(db, transferred, hours="2")
    mandate = mandates.record(db, case_id=collected.id, holder="Aylin Demir", iban="DE89370400440532013000",
                              bic="COBADEFFXXX", signed_on=date(2026, 11, 2), actor=ISSUED)  # fmt: skip
    db.commit()
    assert mandate.reference == f"FLUXX-{mandate.id:06d}"
    run = bills.issue_month(make_sessionmaker(engine), month=date(2026, 11, 1), terms=TERMS, actor=ISSUED)
    db.expire_all()
    methods = {db.get(Bill, b.id).case_id: db.get(Bill, b.id).payment_method for b in run.bills}
    assert methods == {collected.id: PaymentMethod.DIRECT_DEBIT, transferred.id: PaymentMethod.TRANSFER}
    from core.settings import Settings

    document, count = bills.sepa_file(db, month=date(2026, 11, 1), settings=Settings(_env_file=None))
    assert count == 1 and document is not None
    xmlschema.XMLSchema(str(XSD)).validate(document.decode("utf-8"))  # raises if the bank would refuse it
    root = ElementTree.fromstring(document)
    assert root.findtext(".//p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS) == mandate.reference
    assert root.findtext(".//p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=NS) == "2026-11-02"
    assert root.findtext(".//p:DrctDbtTxInf/p:InstdAmt", namespaces=NS) == "17.50"
    assert root.findtext(".//p:DrctDbtTxInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    assert root.findtext(".//p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=NS) == "FRST"
    assert "Rechnung R-2026-0000" in root.findtext(".//p:RmtInf/p:Ustrd", namespaces=NS)
    assert root.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS) == "DE98ZZZ09999999999"


def test_a_coordinator_enters_and_revokes_a_mandate_and_the_page_masks_the_iban(client, db):
    case = family(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    page = client.get(f"/cases/{case.id}/mandate").text
    assert "Kein gültiges Mandat" in page
    wrong = client.post(f"/cases/{case.id}/mandate", data={"csrf_token": csrf_from(page), "holder": "Lena Schulz",
                                                             "iban": "DE00 1234", "signed_on": ""})  # fmt: skip
    assert wrong.status_code == 422 and "IBAN ist nicht gültig" in wrong.text and "unterschrieben wurde" in wrong.text
    assert 'value="Lena Schulz"' in wrong.text  # nothing typed is lost
    done = client.post(
        f"/cases/{case.id}/mandate",
        data={"csrf_token": csrf_from(page), "holder": "Lena Schulz", "iban": "DE89 3704 0044 0532 0130 00",
              "signed_on": "2026-11-02"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Lastschriftmandat FLUXX-" in done.text and "DE89 **** **** **** 0130 00" in done.text
    assert "DE89370400440532013000" not in done.text
    revoked = client.post(f"/cases/{case.id}/mandate/revoke", data={"csrf_token": csrf_from(done.text)},
                          follow_redirects=True)  # fmt: skip
    assert "widerrufen: neue Rechnungen werden überwiesen" in revoked.text
    db.expire_all()
    (row,) = db.scalars(select(SepaMandate)).all()
    assert row.revoked_at is not None
    again = client.post(f"/cases/{case.id}/mandate/revoke", data={"csrf_token": csrf_from(done.text)})
    assert again.status_code == 409 and "kein gültiges Lastschriftmandat" in again.text
