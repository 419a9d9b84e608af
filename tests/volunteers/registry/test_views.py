"""The coordinators' registry pages: list and filters, the form, duplicates, deactivation, roles, audit."""

from datetime import date

from sqlalchemy import select

from casework.reference.models import Municipality
from core.models import AuditEvent, StaffRole
from tests.factories import login, make_staff, make_volunteer
from volunteers.registry import service as registry
from volunteers.registry.models import Volunteer


def town(db, name):
    return db.scalar(select(Municipality.id).where(Municipality.name == name))


def coordinator(client, db):
    return login(client, make_staff(db, role=StaffRole.COORDINATOR, name="Sabine Krüger"))


def actions(db):
    db.expire_all()
    return [
        (e.action, e.object_id) for e in db.scalars(select(AuditEvent).where(AuditEvent.object_type == "volunteer"))
    ]


def form(token, **overrides):
    values = {
        "csrf_token": token,
        "name": "Ayşe Yılmaz",
        "phone": "0176 2345 6789",
        "skills": ["child_care", "driving"],
        "languages": "Deutsch, Türkisch",
        "availability": "Mo-Fr 08:00-13:00; Sa 09-12 Uhr",
        "police_issued_on": "2024-02-03",
        "max_jobs_per_week": "3",
        "sms_consent": "1",
        "notes": "Hat ein Auto mit Kindersitz.",
    }
    values.update(overrides)
    return values


def test_a_counsellor_may_not_see_the_registry(client, db):
    login(client, make_staff(db, role=StaffRole.COUNSELLOR))
    page = client.get("/volunteers")
    assert page.status_code == 403 and "Berechtigung" in page.text
    assert client.get("/volunteers/export.csv").status_code == 403
    assert "/volunteers" not in client.get("/").text


def test_the_list_filters_by_skill_town_weekday_expiry_status_and_search(client, db):
    hannover, laatzen = town(db, "Hannover"), town(db, "Laatzen")
    make_volunteer(
        db,
        name="Lena Schulz",
        skills=["child_care"],
        municipality_ids=[hannover],
        availability=[(0, "08:00", "12:00")],
        certificates=[("police_certificate", date(2026, 12, 20))],
    )
    make_volunteer(
        db,
        name="Oskar Braun",
        phone="+4915199887766",
        skills=["driving"],
        municipality_ids=[laatzen],
        availability=[(5, "09:00", "12:00")],
        certificates=[("police_certificate", date(2027, 6, 1))],
    )
    make_volunteer(db, name="Greta Wolf", is_active=False, municipality_ids=[hannover])
    coordinator(client, db)
    names = lambda url: [n for n in ("Lena Schulz", "Oskar Braun", "Greta Wolf") if n in client.get(url).text]  # noqa: E731
    assert names("/volunteers") == ["Lena Schulz", "Oskar Braun"]
    assert names("/volunteers?skill=driving") == ["Oskar Braun"]
    assert names(f"/volunteers?municipality={laatzen}") == ["Oskar Braun"]
    assert names("/volunteers?weekday=0") == ["Lena Schulz"]
    assert names("/volunteers?expiring=30") == ["Lena Schulz"]
    assert names("/volunteers?status=inactive") == ["Greta Wolf"]
    assert names("/volunteers?status=all") == ["Lena Schulz", "Oskar Braun", "Greta Wolf"]
    assert names("/volunteers?q=0151 9988") == ["Oskar Braun"]
    assert names("/volunteers?q=schulz") == ["Lena Schulz"]
    assert ("volunteer.list", None) in actions(db)


def test_the_list_pages_through_many_volunteers(client, db):
    for n in range(55):
        make_volunteer(db, name=f"Person {n:02d}")
    coordinator(client, db)
    first = client.get("/volunteers")
    assert "55 gefunden · Seite 1 von 2" in first.text and "Person 49" in first.text and "Person 50" not in first.text
    second = client.get("/volunteers?page=2")
    assert "Person 50" in second.text and "Person 54" in second.text and "Person 00" not in second.text


def test_creating_a_volunteer_saves_every_field_and_is_audited(client, db):
    token = coordinator(client, db)
    posted = form(token, municipality_ids=[str(town(db, "Garbsen")), str(town(db, "Seelze"))])
    response = client.post("/volunteers/new", data=posted)
    assert response.status_code == 303, response.text
    volunteer = db.scalar(registry.with_rows(select(Volunteer).where(Volunteer.phone == "+4917623456789")))
    assert volunteer.name == "Ayşe Yılmaz" and set(volunteer.skills) == {"child_care", "driving"}
    assert volunteer.languages == ["Deutsch", "Türkisch"] and volunteer.max_jobs_per_week == 3
    assert [(c.issued_on, c.valid_until) for c in volunteer.certificates] == [(date(2024, 2, 3), date(2029, 2, 3))]
    assert volunteer.consent_at is not None and len(volunteer.availability) == 6
    page = client.get(response.headers["location"]).text
    assert "Garbsen, Seelze" in page and "Mo-Fr 08:00-13:00; Sa 09:00-12:00" in page and "03.02.2029" in page
    assert ("volunteer.create", volunteer.id) in actions(db) and ("volunteer.view", volunteer.id) in actions(db)


def test_a_form_with_mistakes_shows_a_german_message_at_each_field(client, db):
    token = coordinator(client, db)
    posted = form(token, phone="0511 1234567", skills=[], availability="nach Absprache", max_jobs_per_week="99")
    response = client.post("/volunteers/new", data=posted)
    assert response.status_code == 422
    assert 'id="phone-error">Mobilnummer „0511 1234567“ ist eine Festnetznummer' in response.text
    assert 'id="skills-error">Fähigkeiten fehlen' in response.text
    assert 'id="municipality_ids-error">Gemeinden fehlen' in response.text
    assert 'id="availability-error">Verfügbarkeit „nach Absprache“ nicht verstanden' in response.text
    assert 'id="max_jobs_per_week-error">Max. Einsätze pro Woche „99“' in response.text
    assert 'value="Ayşe Yılmaz"' in response.text  # what was typed stays
    assert db.scalar(select(Volunteer.id)) is None


def test_a_number_that_is_taken_is_refused_naming_the_person_who_has_it(client, db):
    make_volunteer(db, name="Lena Schulz", phone="+4917623456789")
    token = coordinator(client, db)
    response = client.post("/volunteers/new", data=form(token, municipality_ids=[str(town(db, "Hannover"))]))
    assert response.status_code == 422
    assert "Die Mobilnummer 0176 23456789 ist schon für Lena Schulz eingetragen." in response.text
    assert len(db.scalars(select(Volunteer)).all()) == 1


def test_editing_changes_the_record_and_audits_which_fields_changed(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz", municipality_ids=[town(db, "Hannover")])
    token = coordinator(client, db)
    edit = client.get(f"/volunteers/{volunteer.id}/edit")
    assert 'value="Lena Schulz"' in edit.text and "Mo-Fr 08:00-13:00" in edit.text  # the syntax help
    posted = form(
        token,
        name="Lena Schulz-Berg",
        phone=volunteer.phone,
        skills=["elder_care"],
        municipality_ids=[str(town(db, "Lehrte"))],
        police_valid_until="2028-01-31",
        sms_consent="",
    )
    response = client.post(f"/volunteers/{volunteer.id}/edit", data=posted)
    assert response.status_code == 303, response.text
    db.expire_all()
    changed = registry.get_with_rows(db, volunteer.id)
    assert changed.name == "Lena Schulz-Berg" and list(changed.skills) == ["elder_care"] and changed.consent_at is None
    assert changed.certificates[0].valid_until == date(2028, 1, 31)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.update"))
    assert {"name", "skills", "municipality_ids", "sms_consent"} <= set(event.detail["fields"])
    assert "Lena Schulz-Berg" not in str(event.detail)  # the log holds field names, not the data


def test_deactivating_and_reactivating_take_a_post_and_are_audited(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz")
    token = coordinator(client, db)
    assert "Ja, Lena Schulz deaktivieren" in client.get(f"/volunteers/{volunteer.id}").text
    assert client.get(f"/volunteers/{volunteer.id}/deactivate").status_code == 405
    response = client.post(f"/volunteers/{volunteer.id}/deactivate", data={"csrf_token": token, "confirmed": "1"})
    assert response.status_code == 303
    db.expire_all()
    assert not db.get(Volunteer, volunteer.id).is_active
    assert "bekommt keine Einsatzangebote" in client.get(f"/volunteers/{volunteer.id}").text
    assert client.post(f"/volunteers/{volunteer.id}/reactivate", data={"csrf_token": "falsch"}).status_code == 403
    client.post(f"/volunteers/{volunteer.id}/reactivate", data={"csrf_token": token})
    db.expire_all()
    assert db.get(Volunteer, volunteer.id).is_active
    assert [a for a, _ in actions(db) if a.endswith("activate")] == ["volunteer.deactivate", "volunteer.reactivate"]


def test_absences_are_added_and_removed_on_the_volunteer_page(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz")
    token = coordinator(client, db)
    bad = client.post(
        f"/volunteers/{volunteer.id}/absences",
        data={"csrf_token": token, "starts_on": "2026-12-12", "ends_on": "2026-12-01"},
    )
    assert bad.status_code == 422 and "Das Ende der Abwesenheit liegt vor ihrem Beginn." in bad.text
    client.post(
        f"/volunteers/{volunteer.id}/absences",
        data={"csrf_token": token, "starts_on": "2026-12-01", "ends_on": "12.12.2026", "note": "Urlaub"},
    )
    page = client.get(f"/volunteers/{volunteer.id}").text
    assert "01.12.2026 bis 12.12.2026 – Urlaub" in page
    db.expire_all()
    absence = registry.get_with_rows(db, volunteer.id).absences[0]
    client.post(f"/volunteers/{volunteer.id}/absences/{absence.id}/delete", data={"csrf_token": token})
    assert "Keine Abwesenheiten eingetragen." in client.get(f"/volunteers/{volunteer.id}").text
    assert {"volunteer.absence_add", "volunteer.absence_remove"} <= {a for a, _ in actions(db)}


def test_the_volunteer_page_says_so_when_there_are_no_offers_yet(client, db):
    volunteer = make_volunteer(db, name="Lena Schulz")
    coordinator(client, db)
    page = client.get(f"/volunteers/{volunteer.id}").text
    assert "Noch keine Angebote." in page and "Noch keine Einsätze." in page and "Noch keine Stunden gemeldet." in page
    assert client.get("/volunteers/999999").status_code == 404


def test_the_export_is_a_csv_the_importer_reads_again(client, db):
    make_volunteer(
        db, name="Jürgen Weiß", phone="+4916012345678", skills=["elder_care"], municipality_ids=[town(db, "Burgdorf")]
    )
    coordinator(client, db)
    response = client.get("/volunteers/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Name;Mobilnummer;Fähigkeiten;Sprachen;Gemeinden")
    assert "Jürgen Weiß;0160 12345678;Seniorenbetreuung;Deutsch;Burgdorf" in text
    assert ("volunteer.export", None) in actions(db)
