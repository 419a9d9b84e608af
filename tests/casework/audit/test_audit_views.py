"""The admin's audit pages read as German: no action codes, no field names, no status values."""

from __future__ import annotations

from datetime import UTC, datetime

from casework.enums import CaseStatus
from core import audit
from core.models import StaffRole
from tests.factories import login, make_case, make_staff

RAW = ("case.view", "case.status", "case.update", "in_counselling", "persons_or_windows", "caller_name",
       "counsellor_id", "fields", "from:", "to:")  # fmt: skip


def _write(db, staff, case, action, detail):
    actor = audit.Actor(staff_id=staff.id, ip="192.0.2.7", now=datetime(2026, 11, 30, 12, tzinfo=UTC))
    audit.record(db, actor, action=action, object_type="case", object_id=case.id, case_id=case.id, detail=detail)
    db.commit()


def test_the_case_audit_shows_actions_and_details_in_german(client, db):
    counsellor = make_staff(db, name="Jonas Becker")
    admin = make_staff(db, role=StaffRole.ADMIN)
    case = make_case(db)
    _write(db, counsellor, case, "case.status", {"from": CaseStatus.NEW.value, "to": CaseStatus.IN_COUNSELLING.value})
    _write(db, counsellor, case, "case.update", {"fields": ["caller_name", "persons_or_windows"]})
    _write(db, counsellor, case, "case.assign", {"counsellor_id": counsellor.id})
    _write(db, counsellor, case, "case.view", {})
    login(client, admin)
    page = client.get(f"/admin/audit/cases/{case.id}").text
    assert "Status geändert" in page and "von: Neu; nach: In Beratung" in page
    assert "Felder: Name, Personen oder Zeiten" in page
    assert "Fall übernommen" in page and "Beratung durch: Jonas Becker" in page
    assert ">IP-Adresse</th>" in page and "192.0.2.7" in page
    table = page[page.index('<table id="audit-table"') :]
    assert [raw for raw in RAW if raw in table] == []


def test_the_audit_can_show_only_the_views_of_a_case(client, db):
    counsellor = make_staff(db, name="Jonas Becker")
    admin = make_staff(db, role=StaffRole.ADMIN)
    case = make_case(db)
    _write(db, counsellor, case, "case.view", {})
    _write(db, counsellor, case, "case.note", {})
    login(client, admin)
    page = client.get(f"/admin/audit/staff/{counsellor.id}", params={"action": "case.view"}).text
    assert '<option value="case.view" selected>Fall angesehen</option>' in page
    table = page[page.index('<table id="audit-table"') :]
    assert "Fall angesehen" in table and "Notiz hinzugefügt" not in table
    unknown = client.get(f"/admin/audit/cases/{case.id}", params={"action": "nonsense"}).text
    assert "Notiz hinzugefügt" in unknown and "Fall angesehen" in unknown
