"""Forms that guide (issue 11, point 7): the error summary, the note's error at the note, every error of a new
account at once, one message per problem on "Neuer Fall", more persons before saving, a new job that takes the
case's time window and asks before a start in the past."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from casework.cases.models import CarePerson, CareWindow, Case, CaseNote
from casework.cases.rules import AGE_HINT
from casework.enums import Need
from casework.jobs.forms import next_window
from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from core.models import Staff, StaffRole
from tests.factories import csrf_from, login, make_case, make_job, make_staff

AGE_MESSAGE = f"Bitte das {AGE_HINT}"

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN)  # the test clock


def summary_of(html: str) -> str:
    return html.split('<div class="error-summary" id="error-summary"')[1].split("</div>")[0]


def test_a_failed_save_shows_a_summary_that_links_every_field_and_takes_the_focus(client, db):
    staff = make_staff(db)
    case = make_case(db, caller_name="Lena Müller")
    token = login(client, staff)
    data = {"csrf_token": token, "caller_phone": "0511 12", "person-0-age": "200", "person-0-label": "M.",
            "window-0-start": "2026-11-27T14:00", "window-0-end": "2026-11-27T09:00"}  # fmt: skip
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 422
    summary = summary_of(response.text)
    assert 'tabindex="-1" autofocus' in summary
    assert "Bitte korrigieren Sie 3 Angaben:" in summary and "Nichts wurde gespeichert." in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links == [
        ("caller_phone", "„0511 12“ ist keine gültige Telefonnummer. Beispiel: 0511 1234567."),
        ("person-0-age", AGE_MESSAGE),
        ("window-0-end", "Das Ende liegt vor dem Beginn. Bitte prüfen Sie Datum und Uhrzeit."),
    ]
    for field, _message in links:  # every link target exists and points to its inline message
        assert f'id="{field}"' in response.text
        tag = re.search(rf'<input id="{field}"[^>]*>', response.text).group(0)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="{field}-error"' in tag
        assert f'<p class="field-error" id="{field}-error">' in response.text
    assert '<script src="/static/forms.js" defer></script>' in response.text
    assert client.get("/static/forms.js").status_code == 200


def test_one_problem_is_called_one_angabe(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/edit", data={"csrf_token": token, "caller_phone": "0511 12"})
    assert "Bitte korrigieren Sie eine Angabe:" in summary_of(response.text)


def test_a_page_without_errors_has_no_summary(client, db):
    staff = make_staff(db)
    case = make_case(db)
    login(client, staff)
    assert "error-summary" not in client.get(f"/cases/{case.id}/edit").text
    assert "error-summary" not in client.get("/cases/new").text


def test_a_new_case_without_name_or_phone_says_so_once(client, db):
    staff = make_staff(db)
    token = login(client, staff)
    response = client.post("/cases/new", data={"csrf_token": token, "form_token": "t1"})
    assert response.status_code == 422
    summary = summary_of(response.text)
    assert "Bitte korrigieren Sie eine Angabe:" in summary and "Der Fall wurde noch nicht angelegt." in summary
    assert summary.count("<li>") == 1
    assert '<a href="#caller_name">Bitte einen Namen oder eine Telefonnummer angeben' in summary
    assert "markierten Angaben" not in response.text  # no second, vaguer message


def test_a_wrong_number_without_a_name_is_not_also_called_missing(client, db):
    staff = make_staff(db)
    token = login(client, staff)
    response = client.post("/cases/new", data={"csrf_token": token, "form_token": "t2", "caller_phone": "0511 45"})
    assert response.status_code == 422
    assert "„0511 45“ ist keine gültige Telefonnummer." in response.text
    assert "Bitte einen Namen oder eine Telefonnummer angeben" not in response.text
    assert summary_of(response.text).count("<li>") == 1


def test_a_first_note_too_long_is_said_at_the_note_with_the_limit_that_applies(client, db):
    staff = make_staff(db)
    token = login(client, staff)
    data = {"csrf_token": token, "form_token": "t3", "caller_name": "Lena Müller", "note": "x" * 4900}
    response = client.post("/cases/new", data=data)
    assert response.status_code == 422
    assert '<a href="#note">Die Notiz ist zu lang (höchstens 4.800 Zeichen).</a>' in response.text
    assert db.scalar(select(func.count()).select_from(Case)) == 0
    ok = client.post("/cases/new", data={**data, "form_token": "t4", "note": "x" * 4800})
    assert ok.status_code == 303


def test_a_notes_error_is_shown_at_the_note_form(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": "   "})
    assert response.status_code == 422
    note_form = response.text.split('id="note-form"')[1].split("</section>")[0]
    assert 'aria-invalid="true" aria-describedby="note-body-error" autofocus' in note_form
    assert '<p class="field-error" id="note-body-error">Die Notiz ist leer. Bitte schreiben Sie etwas hinein.</p>' in (
        note_form
    )
    assert 'id="case-error"' not in response.text  # not at the top of the page, far from the note
    assert db.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case.id)) == 0


def test_a_new_account_reports_every_error_at_once(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    data = {"csrf_token": token, "name": " ", "email": admin.email.upper(), "phone": "0511 12", "role": "boss",
            "password": "kurz"}  # fmt: skip
    response = client.post("/admin/staff", data=data)
    assert response.status_code == 422
    summary = summary_of(response.text)
    assert "Bitte korrigieren Sie 5 Angaben:" in summary and "Das Konto wurde nicht angelegt." in summary
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["name", "email", "phone", "role", "password"]
    assert f"Es gibt schon ein Konto mit der E-Mail-Adresse {admin.email}." in summary
    assert "„0511 12“ ist keine gültige Telefonnummer. Beispiel: 0511 123456." in summary
    assert "Das Passwort muss mindestens 8 Zeichen lang sein." in summary
    assert '<form method="post" action="/admin/staff" novalidate>' in response.text  # no browser bubble first
    assert 'value="0511 12"' in response.text  # what was typed stays
    assert db.scalar(select(func.count()).select_from(Staff)) == 1


def test_an_empty_new_account_form_names_name_email_and_password(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    response = client.post("/admin/staff", data={"csrf_token": token, "role": "counsellor"})
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary_of(response.text))
    assert links == [
        ("name", "Bitte einen Namen angeben."),
        ("email", "Bitte eine E-Mail-Adresse angeben."),
        ("password", "Das Passwort muss mindestens 8 Zeichen lang sein."),
    ]


def test_a_valid_new_account_is_still_created(client, db):
    admin = make_staff(db, role=StaffRole.ADMIN)
    token = login(client, admin)
    data = {"csrf_token": token, "name": "Anna Beispiel", "email": "anna@example.de", "phone": "0511 123456",
            "role": "counsellor", "password": "ein langes Passwort"}  # fmt: skip
    assert client.post("/admin/staff", data=data).status_code == 303
    assert db.scalar(select(Staff).where(Staff.email == "anna@example.de")).phone == "+49511123456"


def saved_labels(db, case_id: int) -> list[str]:
    """The labels of the persons stored for the case, in their order."""
    query = select(CarePerson.label).where(CarePerson.case_id == case_id).order_by(CarePerson.id)
    return list(db.scalars(query))


def person_labels(html: str) -> list[str]:
    return re.findall(r'<input id="person-(\d+)-label"', html)


def test_more_than_one_extra_person_can_be_added_before_saving(client, db):
    staff = make_staff(db)
    case = make_case(db, caller_name="Lena Müller")
    login(client, staff)
    page = client.get(f"/cases/{case.id}/edit").text
    assert person_labels(page) == ["0", "1"]
    form = {"csrf_token": csrf_from(page), "caller_name": "Lena Müller", "person_rows": "2", "window_rows": "1",
            "person-0-label": "M.", "person-0-age": "4", "person-1-label": "J.", "add_row": "person"}  # fmt: skip
    first = client.post(f"/cases/{case.id}/edit", data=form)
    assert first.status_code == 200
    assert person_labels(first.text) == ["0", "1", "2"]
    assert 'value="M."' in first.text and 'value="J."' in first.text  # what was typed stays
    assert '<input id="person-2-label" name="person-2-label" value="" autofocus>' in first.text
    assert "Gespeichert wird erst mit „Speichern“." in first.text
    # The next click adds one more although the new row is still empty.
    second = client.post(f"/cases/{case.id}/edit", data={**form, "person_rows": "3"})
    assert person_labels(second.text) == ["0", "1", "2", "3"]
    db.expire_all()
    assert saved_labels(db, case.id) == []  # nothing saved yet
    saved = client.post(
        f"/cases/{case.id}/edit",
        data={**form, "person_rows": "4", "add_row": "", "person-2-label": "K.", "person-3-label": "L."},
    )
    assert saved.status_code == 303
    db.expire_all()
    assert saved_labels(db, case.id) == ["M.", "J.", "K.", "L."]


def test_another_time_window_can_be_added_too(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    form = {"csrf_token": token, "window_rows": "1", "window-0-start": "2026-11-27T08:00",
            "window-0-end": "2026-11-27T12:00", "add_row": "window"}  # fmt: skip
    page = client.post(f"/cases/{case.id}/edit", data=form).text
    assert re.findall(r'<input id="window-(\d+)-start"', page) == ["0", "1"]
    assert 'value="2026-11-27T08:00"' in page


def test_the_next_window_is_the_first_not_over_and_a_running_one_starts_at_the_next_quarter_hour():
    past = (NOW - timedelta(days=1), NOW - timedelta(days=1) + timedelta(hours=3))
    later = (NOW + timedelta(days=1), NOW + timedelta(days=1, hours=4))
    running = (NOW - timedelta(hours=1), NOW + timedelta(hours=5))
    assert next_window([later, past], NOW) == later
    assert next_window([past], NOW) is None
    assert next_window([], NOW) is None
    odd = NOW + timedelta(minutes=7)  # 09:37
    assert next_window([running], odd) == (datetime(2026, 11, 26, 9, 45, tzinfo=BERLIN), running[1])
    assert next_window([running], NOW) == (NOW, running[1])  # 09:30 is a quarter hour already


def test_a_new_job_takes_the_cases_time_window(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.CHILD_CARE)
    for start, end in (("2026-11-25T08:00", "2026-11-25T12:00"), ("2026-11-27T07:30", "2026-11-27T16:00")):
        db.add(CareWindow(case_id=case.id, starts_at=datetime.fromisoformat(start).replace(tzinfo=BERLIN),
                          ends_at=datetime.fromisoformat(end).replace(tzinfo=BERLIN)))  # fmt: skip
    db.commit()
    login(client, staff)
    page = client.get(f"/cases/{case.id}/jobs/new").text
    assert 'name="starts_at" type="datetime-local" value="2026-11-27T07:30"' in page
    assert 'name="ends_at" type="datetime-local" value="2026-11-27T16:00"' in page


def job_form(token, municipality_id, **overrides):
    return {"csrf_token": token, "kind": "child_care", "starts_at": "2026-11-26T08:00", "ends_at": "2026-11-26T12:00",
            "municipality_id": str(municipality_id), "carers_needed": "1"} | overrides  # fmt: skip


def test_a_job_starting_in_the_past_is_saved_only_when_confirmed(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.CHILD_CARE)
    hannover = db.scalar(select(Municipality).where(Municipality.name == "Hannover"))
    token = login(client, staff)
    refused = client.post(f"/cases/{case.id}/jobs", data=job_form(token, hannover.id, form_token="j1"))
    assert refused.status_code == 422
    warning = "Der Beginn (26.11.2026, 08:00 Uhr) liegt in der Vergangenheit."
    assert f'<a href="#past_ok">{warning}' in summary_of(refused.text)
    checkbox = r'<input type="checkbox" id="past_ok" name="past_ok" value="1"[^>]*aria-invalid="true"'
    assert re.search(checkbox, refused.text)
    assert "Beginn liegt in der Vergangenheit – trotzdem speichern" in refused.text
    assert 'value="2026-11-26T08:00"' in refused.text
    assert db.scalar(select(func.count()).select_from(CareJob)) == 0
    confirmed = client.post(f"/cases/{case.id}/jobs", data=job_form(token, hannover.id, form_token="j2", past_ok="1"))
    assert confirmed.status_code == 303
    assert db.scalar(select(func.count()).select_from(CareJob)) == 1


def test_a_job_starting_later_today_needs_no_confirmation(client, db):
    staff = make_staff(db)
    case = make_case(db, need=Need.CHILD_CARE)
    token = login(client, staff)
    data = job_form(token, 1, form_token="j3", starts_at="2026-11-26T09:45")
    response = client.post(f"/cases/{case.id}/jobs", data=data)
    assert response.status_code == 303


def test_editing_a_running_job_keeps_its_start_without_asking(client, db):
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    case = make_case(db, need=Need.CHILD_CARE)
    started = datetime(2026, 11, 26, 8, 0, tzinfo=BERLIN)
    job = make_job(db, case, starts_at=started.astimezone(UTC), ends_at=(started + timedelta(hours=4)).astimezone(UTC))
    token = login(client, coordinator)
    kept = client.post(f"/jobs/{job.id}/edit", data=job_form(token, 1, ends_at="2026-11-26T14:00"))
    assert kept.status_code == 303
    moved = client.post(f"/jobs/{job.id}/edit", data=job_form(token, 1, starts_at="2026-11-26T07:00"))
    assert moved.status_code == 422 and "liegt in der Vergangenheit" in moved.text


def test_the_volunteer_form_uses_the_same_summary_with_links_to_checkbox_groups(client, db):
    token = login(client, make_staff(db, role=StaffRole.COORDINATOR))
    posted = {"csrf_token": token, "name": "Ayşe Yılmaz", "phone": "0176 2345 6789", "sms_consent": "1",
              "availability": "nach Absprache"}  # fmt: skip
    response = client.post("/volunteers/new", data=posted)
    assert response.status_code == 422
    summary = summary_of(response.text)
    targets = re.findall(r'<a href="#([^"]+)">', summary)
    assert {"skills", "municipality_ids", "availability"} <= set(targets)
    assert f"Bitte korrigieren Sie {len(targets)} Angaben:" in summary and "Nichts wurde gespeichert." in summary
    for target in targets:  # every link has a field to land on
        assert f'id="{target}"' in response.text, target
    assert re.search(r'<input type="checkbox" id="skills" name="skills"', response.text)
    assert re.search(r'<input type="checkbox" id="municipality_ids" name="municipality_ids"', response.text)
