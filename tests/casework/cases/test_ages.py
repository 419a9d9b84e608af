"""Ages of the people who need care: in years, or in months for babies ("4 Monate"), typed as staff say them."""

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.cases.rules import AGE_HINT, Age, AgeInvalid, age_text, parse_age
from tests.factories import login, make_case, make_staff

AGE_MESSAGE = f"Bitte das {AGE_HINT}"


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("", None),
        ("  ", None),
        ("0", Age(0)),
        ("3", Age(3)),
        ("3 Jahre", Age(3)),
        ("1 Jahr", Age(1)),
        ("7 J.", Age(7)),
        ("120", Age(120)),
        ("4 Monate", Age(0, 4)),
        ("1 Monat", Age(0, 1)),
        ("4 Mon.", Age(0, 4)),
        ("18 M", Age(1, 18)),
        ("18monate", Age(1, 18)),
        ("47 Monate", Age(3, 47)),
    ],
)
def test_an_age_is_read_in_years_or_in_months(typed, age):
    assert parse_age(typed) == age


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("vier", "„vier“ ist kein Alter. Bitte das Alter in Jahren (0 bis 120) oder bei Babys in Monaten"),
        ("121", AGE_MESSAGE),
        ("48 Monate", "48 Monate sind über 3 Jahre: bitte das Alter in Jahren angeben."),
        ("4 Wochen", "„4 Wochen“ ist kein Alter."),
        ("-1", "„-1“ ist kein Alter."),
    ],
)
def test_what_is_no_age_is_refused_in_german(typed, message):
    with pytest.raises(AgeInvalid) as caught:
        parse_age(typed)
    assert caught.value.message.startswith(message)


def test_an_age_is_shown_in_the_unit_it_was_given_in():
    assert age_text(0, 4) == "4 Monate" and age_text(0, 1) == "1 Monat" and age_text(1, 18) == "18 Monate"
    assert age_text(3, None) == "3 Jahre" and age_text(1, None) == "1 Jahr" and age_text(0, None) == "0 Jahre"
    assert age_text(0, 4, short=True) == "4 Mon." and age_text(3, None, short=True) == "3 J."
    assert age_text(None, None) == ""


def test_a_baby_saved_in_months_is_shown_and_edited_in_months(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    form = {
        "csrf_token": token,
        "caller_name": "Lena Schulz",
        "person-0-label": "M.",
        "person-0-age": "4 Monate",
        "person-1-label": "J.",
        "person-1-age": "0",
    }

    assert client.post(f"/cases/{case.id}/edit", data=form).status_code == 303

    db.expire_all()
    saved = db.scalar(select(Case).where(Case.id == case.id))
    db.refresh(saved, ["persons"])
    assert [(p.label, p.age_years, p.age_months) for p in saved.persons] == [("M.", 0, 4), ("J.", 0, None)]
    assert "M. (4 Mon.)" in client.get(f"/cases/{case.id}").text
    edit = client.get(f"/cases/{case.id}/edit").text
    assert 'name="person-0-age" maxlength="20" value="4 Monate"' in edit
    assert 'name="person-1-age" maxlength="20" value="0"' in edit  # a newborn's 0 is kept, not blanked


def test_a_wrong_age_keeps_what_was_typed_and_saves_nothing(client, db):
    staff = make_staff(db)
    case = make_case(db)
    token = login(client, staff)
    form = {"csrf_token": token, "person-0-label": "M.", "person-0-age": "4 Wochen"}

    page = client.post(f"/cases/{case.id}/edit", data=form)

    assert page.status_code == 422
    assert "„4 Wochen“ ist kein Alter." in page.text and 'value="4 Wochen"' in page.text
    db.expire_all()
    saved = db.get(Case, case.id)
    db.refresh(saved, ["persons"])
    assert saved.persons == []
