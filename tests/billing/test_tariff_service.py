"""Admins set a rate from a date on; the page shows what is in force; a rate typed wrong is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.models import TariffRate
from billing.tariff import service
from billing.tariff.rules import Service
from casework.enums import Affiliation
from core.errors import FieldErrors
from core.models import AuditEvent, StaffRole
from tests.factories import csrf_from, login, make_staff


@pytest.mark.parametrize(("text", "expected"), [("3", "3.00"), ("3,00", "3.00"), ("2.5", "2.50"), ("5,50 €", "5.50")])
def test_a_rate_is_read_as_admins_type_it(text, expected):
    assert service.parse_rate(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "message"), [("3,005", "zwei Nachkommastellen"), ("-1", "zwischen"),
                                               ("101", "zwischen"), ("drei", "Betrag"), ("", "Betrag")])  # fmt: skip
def test_a_rate_typed_wrong_is_refused(text, message):
    with pytest.raises(FieldErrors) as refused:
        service.parse_rate(text)
    assert message in refused.value.errors["rate"]


def test_an_admin_sets_a_driving_rate_from_a_date_and_sees_it_in_force(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    login(client, admin)
    page = client.get("/admin/tariff").text
    assert "Fahrdienst" in page and "nicht berechnet" in page and "5,00" in page
    wrong = client.post("/admin/tariff", data={"csrf_token": csrf_from(page), "service": "driving",
                                               "affiliation": "none", "valid_from": "", "rate": "1,5"})  # fmt: skip
    assert wrong.status_code == 422 and "Bitte ein Datum angeben" in wrong.text
    done = client.post(
        "/admin/tariff",
        data={"csrf_token": csrf_from(page), "service": "driving", "affiliation": "none", "valid_from": "2026-01-01",
              "rate": "1,50"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Fahrdienst, Keine: 1,50 € je Stunde ab 01.01.2026. Gestellte Rechnungen bleiben" in done.text.replace(
        "\xa0", " "
    )
    db.expire_all()
    row = db.scalar(select(TariffRate).where(TariffRate.service == Service.DRIVING))
    assert (row.affiliation, row.rate, row.valid_from, row.created_by_id) == (
        Affiliation.NONE,
        Decimal("1.50"),
        date(2026, 1, 1),
        admin.id,
    )
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "tariff.set"))["rate"] == "1.50"


def test_coordinators_do_not_edit_the_tariff(client, db):
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert client.get("/admin/tariff").status_code == 403
