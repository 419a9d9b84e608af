"""The lists show statuses as the same KERN badges as the pages (core/badges.py): one colour, one meaning."""

from __future__ import annotations

from casework.enums import CaseStatus
from core.models import StaffRole
from tests.factories import login, make_case, make_staff, make_volunteer


def test_the_case_list_and_the_volunteer_list_show_statuses_as_badges(client, db):
    make_case(db, caller_name="Familie Yılmaz", status=CaseStatus.CARE_NEEDED)
    make_case(db, caller_name="Familie Özdemir", status=CaseStatus.COMPLETED)
    make_volunteer(db, name="Lisa Brandt", is_active=False)
    login(client, make_staff(db, role=StaffRole.COORDINATOR))
    cases = client.get("/cases").text
    assert (
        'data-label="Status"><span class="kern-badge kern-badge--warning"><span class="kern-label">Betreuung gesucht'
        in cases
    )
    assert (
        'data-label="Status"><span class="kern-badge kern-badge--success"><span class="kern-label">Abgeschlossen'
        in cases
    )
    volunteers = client.get("/volunteers?status=all").text
    assert (
        'data-label="Status"><span class="kern-badge fx-badge--neutral"><span class="kern-label">deaktiviert'
        in volunteers
    )
