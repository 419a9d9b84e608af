"""Admins keep the partner companies and municipalities up to date (name, employees, residents, membership), and a
case cannot pick a partner whose membership has ended without a warning: the partner rate would not apply."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.enums import Affiliation
from casework.reference.forms import ReferenceFormInvalid, parse_municipality_form, parse_partner_form
from casework.reference.models import Municipality, Partner
from core.models import AuditEvent, StaffRole
from tests.factories import csrf_from, login, make_case, make_staff


def partner(db, name="Leinewerke Hannover GmbH", **overrides) -> Partner:
    row = Partner(name=name, **({"active_from": date(2015, 3, 1)} | overrides))
    db.add(row)
    db.commit()
    return row


def test_the_partner_form_reads_german_head_counts_and_names_each_wrong_field():
    details = parse_partner_form(
        {"name": "  Leinewerke   GmbH ", "active_from": "2015-03-01", "active_until": "", "employees": "86.546"},
        name_taken=lambda _name: False,
    )
    assert (details.name, details.employees, details.active_until) == ("Leinewerke GmbH", 86_546, None)

    with pytest.raises(ReferenceFormInvalid) as caught:
        parse_partner_form(
            {"name": "Leinewerke", "active_from": "2015-03-01", "active_until": "2014-01-01", "employees": "viele"},
            name_taken=lambda name: name == "Leinewerke",
        )
    assert caught.value.errors == {
        "name": "„Leinewerke“ ist schon eingetragen.",
        "active_until": "„Partner bis“ liegt vor „Partner seit“.",
        "employees": "Beschäftigte: bitte eine ganze Zahl von 0 bis 10.000.000 angeben, z. B. 86.546.",
    }


def test_the_municipality_form_takes_residents_and_a_period():
    details = parse_municipality_form({"residents": "539.641", "since": "2015-01-01", "until": ""})
    assert (details.residents, details.partner_from, details.partner_until) == (539_641, date(2015, 1, 1), None)
    with pytest.raises(ReferenceFormInvalid) as caught:
        parse_municipality_form({"residents": "99999999", "since": "", "until": "2020-01-01"})
    assert set(caught.value.errors) == {"since", "residents"}


def test_an_admin_edits_a_partner_company_and_the_change_is_audited_with_before_and_after(client, db):
    conti = partner(db, employees=1_200)
    login(client, make_staff(db, role=StaffRole.ADMIN))
    listing = client.get("/admin/partners").text
    assert f'<a href="/admin/partners/{conti.id}" aria-label="Leinewerke Hannover GmbH bearbeiten">' in listing
    assert "1.200" in listing
    form_page = client.get(f"/admin/partners/{conti.id}").text
    assert 'value="Leinewerke Hannover GmbH"' in form_page and 'value="1.200"' in form_page

    saved = client.post(
        f"/admin/partners/{conti.id}",
        data={"csrf_token": csrf_from(form_page), "name": "Leinewerke AG", "employees": "1.350",
              "active_from": "2015-03-01", "active_until": "2022-12-31"},
    )  # fmt: skip

    assert saved.status_code == 303 and saved.headers["location"] == "/admin/partners"
    db.expire_all()
    row = db.get(Partner, conti.id)
    assert (row.name, row.employees, row.active_until) == ("Leinewerke AG", 1_350, date(2022, 12, 31))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "partner.edit"))
    assert event.detail == {"changes": {"name": ["Leinewerke Hannover GmbH", "Leinewerke AG"],
                                        "employees": [1_200, 1_350], "active_until": [None, "2022-12-31"]}}  # fmt: skip
    assert "Leinewerke AG“ gespeichert." in client.get("/admin/partners").text


def test_a_wrong_partner_edit_keeps_what_was_typed_and_saves_nothing(client, db):
    conti = partner(db)
    partner(db, name="Stadtwerke Hannover AG")
    login(client, make_staff(db, role=StaffRole.ADMIN))
    token = csrf_from(client.get(f"/admin/partners/{conti.id}").text)

    page = client.post(
        f"/admin/partners/{conti.id}",
        data={"csrf_token": token, "name": "Stadtwerke Hannover AG", "employees": "1,5",
              "active_from": "2015-03-01", "active_until": ""},
    )  # fmt: skip

    assert page.status_code == 422
    assert "Bitte korrigieren Sie 2 Angaben:" in page.text
    assert '<a href="#name">„Stadtwerke Hannover AG“ ist schon eingetragen.</a>' in page.text
    field = 'id="employees" name="employees" inputmode="numeric" maxlength="12" value="1,5" aria-invalid="true"'
    assert field in page.text
    db.expire_all()
    assert db.get(Partner, conti.id).name == "Leinewerke Hannover GmbH"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "partner.edit")) is None


def test_an_admin_records_a_municipalitys_residents(client, db):
    laatzen = db.scalar(select(Municipality).where(Municipality.name == "Laatzen"))
    login(client, make_staff(db, role=StaffRole.ADMIN))
    token = csrf_from(client.get(f"/admin/partners/municipalities/{laatzen.id}").text)

    client.post(f"/admin/partners/municipalities/{laatzen.id}",
                data={"csrf_token": token, "residents": "43.710", "since": "2019-01-01", "until": ""})  # fmt: skip

    db.expire_all()
    town = db.get(Municipality, laatzen.id)
    assert (town.residents, town.partner_from) == (43_710, date(2019, 1, 1))
    assert "43.710" in client.get("/admin/partners").text
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "municipality.edit"))["changes"][
        "residents"
    ] == [None, 43_710]


def test_only_admins_edit_partners(client, db):
    conti = partner(db)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    assert client.get(f"/admin/partners/{conti.id}").status_code == 403


def test_choosing_a_partner_whose_membership_ended_needs_a_confirmation(client, db):
    ended = partner(db, active_until=date(2022, 12, 31))
    case = make_case(db, caller_name="Lena Schulz")
    token = login(client, make_staff(db))
    form = {"csrf_token": token, "caller_name": "Lena Schulz", "affiliation": Affiliation.PARTNER_COMPANY.value,
            "partner_id": str(ended.id)}  # fmt: skip
    edit = client.get(f"/cases/{case.id}/edit").text
    assert f'<option value="{ended.id}">Leinewerke Hannover GmbH (Partner bis 31.12.2022)</option>' in edit

    warned = client.post(f"/cases/{case.id}/edit", data=form)

    assert warned.status_code == 422
    message = ("„Leinewerke Hannover GmbH“ ist seit dem 31.12.2022 kein Partnerbetrieb mehr: Einsätze danach werden "
               "nicht zum Partnersatz abgerechnet. Bitte bestätigen oder einen anderen Betrieb wählen.")  # fmt: skip
    assert f'<a href="#partner_ended_ok">{message}</a>' in warned.text
    assert 'name="partner_ended_ok" value="1" aria-invalid="true"' in warned.text
    db.expire_all()
    assert db.get(Case, case.id).partner_id is None

    confirmed = client.post(f"/cases/{case.id}/edit", data=form | {"partner_ended_ok": "1"})

    assert confirmed.status_code == 303
    db.expire_all()
    assert db.get(Case, case.id).partner_id == ended.id
    page = client.get(f"/cases/{case.id}").text
    notice = (
        "kein Partner mehr</span></span> seit 31.12.2022: Einsätze danach werden nicht zum Partnersatz abgerechnet."
    )
    assert notice in page
    # Saving the case again asks no more: the partner was confirmed when it was chosen.
    assert client.post(f"/cases/{case.id}/edit", data=form | {"district": "List"}).status_code == 303


def test_a_current_partner_is_chosen_without_a_warning(client, db):
    current = partner(db)
    case = make_case(db)
    token = login(client, make_staff(db))
    form = {"csrf_token": token, "affiliation": Affiliation.PARTNER_COMPANY.value, "partner_id": str(current.id)}
    assert client.post(f"/cases/{case.id}/edit", data=form).status_code == 303
    assert "kein Partner mehr" not in client.get(f"/cases/{case.id}").text
