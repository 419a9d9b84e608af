"""Admins record when a partner company or municipality joined and left the network; the tariff follows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.tariff import service as tariff
from casework.enums import JobKind
from casework.reference.models import Municipality, Partner
from core.models import AuditEvent, StaffRole
from tests.billing.helpers import family
from tests.factories import csrf_from, login, make_staff


def test_a_partner_leaving_the_network_is_recorded_and_later_job_days_pay_the_standard_rate(client, db):
    conti = Partner(name="Leinewerke Hannover GmbH", active_from=date(2015, 3, 1))
    db.add(conti)
    db.commit()
    case = family(db, partner_id=conti.id)
    assert tariff.price(db, case=case, kind=JobKind.CHILD_CARE, day=date(2026, 12, 10)).per_hour == Decimal("3.00")
    login(client, make_staff(db, role=StaffRole.ADMIN))
    page = client.get("/admin/partners").text
    wrong = client.post(f"/admin/partners/{conti.id}/period",
                        data={"csrf_token": csrf_from(page), "since": "2015-03-01", "until": "2014-01-01"})  # fmt: skip
    assert wrong.status_code == 422 and "„Partner bis“ liegt vor „Partner seit“." in wrong.text
    client.post(f"/admin/partners/{conti.id}/period",
                data={"csrf_token": csrf_from(page), "since": "2015-03-01", "until": "2026-11-30"})  # fmt: skip
    db.expire_all()
    assert db.get(Partner, conti.id).active_until == date(2026, 11, 30)
    assert tariff.price(db, case=case, kind=JobKind.CHILD_CARE, day=date(2026, 11, 30)).per_hour == Decimal("3.00")
    assert tariff.price(db, case=case, kind=JobKind.CHILD_CARE, day=date(2026, 12, 1)).per_hour == Decimal("5.00")
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "partner.period"))["until"] == "2026-11-30"


def test_a_municipality_becomes_a_partner_from_a_date(client, db):
    springe = db.scalar(select(Municipality).where(Municipality.name == "Springe"))
    login(client, make_staff(db, role=StaffRole.ADMIN))
    page = client.get("/admin/partners").text
    client.post(f"/admin/partners/municipalities/{springe.id}/period",
                data={"csrf_token": csrf_from(page), "since": "2027-01-01", "until": ""})  # fmt: skip
    db.expire_all()
    town = db.get(Municipality, springe.id)
    assert (town.partner_from, town.partner_until) == (date(2027, 1, 1), None)
    assert not town.is_partner_on(date(2026, 12, 31)) and town.is_partner_on(date(2027, 1, 1))
