import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from casework.enums import JobKind
from messaging.texts import HOTLINE
from volunteers.outreach import texts
from volunteers.outreach.rules import is_gsm7, sms_segments
from volunteers.replies.rules import ReplyKind, Unclear, parse

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Mo. 30.11. 13:00 in Hannover
END = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 18:00
EVENING_BEFORE = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
ADDRESS = "Hildesheimer Straße 123a, 30880 Laatzen"
CONTACT, CONTACT_PHONE = "Frau Meier", "+49 170 1234567"

MUNICIPALITIES = [
    "Hannover", "Barsinghausen", "Burgdorf", "Burgwedel", "Garbsen", "Gehrden", "Hemmingen",
    "Isernhagen", "Laatzen", "Langenhagen", "Lehrte", "Neustadt am Rübenberge", "Pattensen",
    "Ronnenberg", "Seelze", "Sehnde", "Springe", "Uetze", "Wedemark", "Wennigsen (Deister)", "Wunstorf",
]  # fmt: skip
LONGEST_KIND = max((kind.label for kind in JobKind), key=len)
LONG_DISTRICT = "Mandelsloh-Helstorf-Dudensen-Evensen-Lutter-Amedorf"


def offer(municipality="Laatzen", district="Rethen", kind=JobKind.CHILD_CARE.label, starts=START, ends=END):
    return texts.offer(kind, municipality, district, starts, ends, "4821")


# Every text a volunteer or family reads, with the most SMS segments it may take.
ALL_TEXTS = {
    "offer": (offer(), 1),
    "offer, longest place": (offer("Neustadt am Rübenberge", LONG_DISTRICT, LONGEST_KIND), 1),
    "assigned": (
        texts.assigned(JobKind.CHILD_CARE.label, START, END, ADDRESS, CONTACT, CONTACT_PHONE, "4821"),
        2,  # address and contact belong in one message; see texts.assigned
    ),
    "taken": (texts.taken("4821"), 1),
    "filled notice": (texts.filled_notice("4821"), 1),
    "declined": (texts.declined_ack("4821"), 1),
    "released": (texts.released("4821", START), 1),
    "withdrawn": (texts.withdrawn_ack("4821"), 1),
    "reminder": (
        texts.reminder(LONGEST_KIND, START, END, "Hildesheimer Str. 123a, Laatzen", "4821", EVENING_BEFORE),
        1,
    ),
    "family": (texts.family_carer_coming("Petra", START), 1),
    "hours": (texts.hours_ack(Decimal("3.5"), "4821"), 1),
    "hours request": (texts.hours_request("4821"), 1),
    "hours reminder": (texts.hours_reminder("4821", START), 1),
}


@pytest.mark.parametrize(("text", "budget"), ALL_TEXTS.values(), ids=ALL_TEXTS.keys())
def test_every_text_is_gsm7_starts_with_fluxx_and_fits_its_segment_budget(text, budget):
    assert is_gsm7(text), text
    assert text.startswith("Fluxx: ")
    assert sms_segments(text) <= budget, (len(text), text)


@pytest.mark.parametrize("text", [text for text, _ in ALL_TEXTS.values()], ids=ALL_TEXTS.keys())
def test_a_volunteer_who_pastes_our_text_back_accepts_nothing(text):
    reply = parse(text)
    assert (reply.kind, reply.reason) == (ReplyKind.UNCLEAR, Unclear.QUOTE_ONLY)


def test_the_offer_says_kind_place_weekday_date_time_and_how_to_answer():
    assert offer() == (
        "Fluxx: Kinderbetreuung in Laatzen-Rethen, Mo. 30.11. 13:00-18:00 Uhr. Können Sie? "
        "Antwort: JA 4821 oder NEIN 4821"
    )


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("kind", [kind.label for kind in JobKind])
def test_the_offer_fits_one_sms_for_every_municipality_and_kind(municipality, kind):
    text = offer(municipality, "Kirchrode-Bemerode-Wülferode", kind)
    assert len(text) <= 160 and sms_segments(text) == 1, text
    assert municipality in text and "Mo. 30.11." in text


def test_a_too_long_offer_drops_the_district_first():
    text = offer("Neustadt am Rübenberge", LONG_DISTRICT, LONGEST_KIND)
    assert LONG_DISTRICT not in text and "Mo. 30.11." in text
    assert text == (
        "Fluxx: Betreuung von Angehörigen in Neustadt am Rübenberge, Mo. 30.11. 13:00-18:00 Uhr. "
        "Können Sie? Antwort: JA 4821 oder NEIN 4821"
    )


def test_then_the_weekday_then_the_question_but_never_place_time_or_code():
    without_kind = len(offer("Neustadt am Rübenberge", None, ""))
    just_too_long = "X" * (161 - without_kind)  # one character too many with the weekday
    without_weekday = offer("Neustadt am Rübenberge", LONG_DISTRICT, just_too_long)
    assert "Mo." not in without_weekday and "30.11. 13:00-18:00" in without_weekday
    assert "Können Sie?" in without_weekday and sms_segments(without_weekday) == 1
    shortest = offer("Neustadt am Rübenberge", LONG_DISTRICT, "X" * 60)
    assert "Können Sie?" not in shortest and "Mo." not in shortest
    assert "Neustadt am Rübenberge" in shortest and "13:00-18:00" in shortest and "JA 4821" in shortest


def test_the_offer_holds_no_address_and_no_name():
    text = offer()
    assert not re.search(r"\d{5}|stra(ß|ss)e|str\.|weg\b|platz", text, re.IGNORECASE)
    assert re.findall(r"\d+", text) == ["30", "11", "13", "00", "18", "00", "4821", "4821"]


def test_typographic_dashes_in_place_names_become_hyphens():
    text = offer("Hannover", "Ahlem–Badenstedt–Davenstedt")
    assert "Hannover-Ahlem-Badenstedt-Davenstedt" in text and is_gsm7(text)


def test_a_district_that_repeats_the_municipality_is_not_shown_twice():
    assert "in Springe, " in offer("Springe", "springe")


def test_a_job_over_midnight_names_both_days():
    text = offer(starts=datetime(2026, 11, 30, 21, 0, tzinfo=UTC), ends=datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    assert "Mo. 30.11. 22:00-Di. 01.12. 06:00 Uhr" in text


def test_times_are_local_to_hannover_in_summer_too():
    text = offer(starts=datetime(2026, 7, 6, 11, 0, tzinfo=UTC), ends=datetime(2026, 7, 6, 14, 30, tzinfo=UTC))
    assert "Mo. 06.07. 13:00-16:30 Uhr" in text


def test_the_winner_gets_time_address_contact_and_how_to_withdraw_and_report_hours():
    text = ALL_TEXTS["assigned"][0]
    assert text == (
        "Fluxx: Danke, Einsatz 4821 ist Ihrer! Kinderbetreuung Mo. 30.11. 13:00-18:00 Uhr, "
        "Hildesheimer Straße 123a, 30880 Laatzen. Kontakt: Frau Meier, +49 170 1234567. "
        "Falls Sie doch nicht können: ABSAGE 4821. Danach Stunden melden, z. B. STUNDEN 4821 3,5"
    )


def test_the_answer_forms_we_show_are_the_ones_the_parser_understands():
    assert parse("ABSAGE 4821").kind is ReplyKind.WITHDRAW
    hours = parse("STUNDEN 4821 3,5")
    assert (hours.kind, hours.code, hours.hours) == (ReplyKind.HOURS, "4821", Decimal("3.5"))
    accept = parse("JA 4821")
    assert (accept.kind, accept.code) == (ReplyKind.ACCEPT, "4821")
    assert parse("NEIN 4821").kind is ReplyKind.DECLINE


def test_a_name_with_letters_outside_gsm7_keeps_its_spelling_and_costs_more():
    text = texts.assigned("Fahrdienst", START, END, "Am Markt 1, Sehnde", "Łucja Wójcik", CONTACT_PHONE, "4821")
    assert "Łucja Wójcik" in text and not is_gsm7(text) and sms_segments(text) <= 4


def test_the_reminder_says_tomorrow_the_evening_before():
    text = texts.reminder("Kinderbetreuung", START, END, "Hildesheimer Str. 123a, Laatzen", "4821", EVENING_BEFORE)
    assert text == (
        "Fluxx: Erinnerung an Einsatz 4821 morgen, Mo. 30.11. 13:00-18:00 Uhr: Kinderbetreuung, "
        "Hildesheimer Str. 123a, Laatzen. Falls Sie nicht können: ABSAGE 4821"
    )


def test_a_late_reminder_says_today_and_an_early_one_the_date():
    after_midnight = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # 00:30 in Hannover
    assert "4821 heute, Mo. 30.11." in texts.reminder("Fahrdienst", START, END, "Am Markt 1", "4821", after_midnight)
    days_before = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert "4821 am Mo. 30.11." in texts.reminder("Fahrdienst", START, END, "Am Markt 1", "4821", days_before)


def test_a_reminder_with_a_long_address_drops_the_kind_before_taking_two_sms():
    text = ALL_TEXTS["reminder"][0]
    assert LONGEST_KIND not in text and "Hildesheimer Str. 123a, Laatzen" in text and sms_segments(text) == 1
    address = "Kirchröder Straße 101, Hinterhaus, 3. OG links, 30559 Hannover"
    text = texts.reminder(LONGEST_KIND, START, END, address, "4821", EVENING_BEFORE)
    assert address in text and sms_segments(text) == 2


def test_the_family_hears_the_first_name_and_time_but_no_volunteer_number():
    text = texts.family_carer_coming("Petra Sophie Schulz", START)
    assert (
        text
        == f"Fluxx: Gute Nachricht! Petra kommt Mo. 30.11. um 13:00 Uhr zu Ihnen. Fragen oder Änderungen: {HOTLINE}"
    )
    assert "Schulz" not in text and "Sophie" not in text
    assert re.findall(r"\+?\d[\d /-]{6,}\d", text) == [HOTLINE]  # the only phone number is ours


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        (Decimal("3.5"), "3,5 Stunden"),
        (Decimal("1"), "1 Stunde"),
        (Decimal("2.25"), "2,25 Stunden"),
        (Decimal("2.50"), "2,5 Stunden"),
        (Decimal("4.00"), "4 Stunden"),
        (Decimal("0.5"), "0,5 Stunden"),
    ],
)
def test_hours_are_said_with_a_decimal_comma(hours, said):
    assert f"Danke! {said} für Einsatz 4821" in texts.hours_ack(hours, "4821")


def test_after_the_job_the_carer_is_asked_for_the_hours_in_the_form_the_parser_understands():
    assert texts.hours_request("4821") == (
        "Fluxx: Wie viele Stunden haben Sie bei Einsatz 4821 betreut? Antworten Sie z. B. STUNDEN 4821 3,5"
    )
    assert texts.hours_reminder("4821", START) == (
        "Fluxx: Erinnerung: Wie viele Stunden haben Sie bei Einsatz 4821 (Mo. 30.11.) betreut? "
        "Antworten Sie z. B. STUNDEN 4821 3,5"
    )
    hours = parse("STUNDEN 4821 3,5")
    assert (hours.kind, hours.code, hours.hours) == (ReplyKind.HOURS, "4821", Decimal("3.5"))


def test_released_and_taken_texts_name_the_job_and_never_the_family():
    assert texts.released("4821", START) == (
        "Fluxx: Ihr Einsatz 4821 (Mo. 30.11. 13:00 Uhr) wurde vom Team aufgehoben. Bitte nicht hingehen. "
        f"Fragen: {HOTLINE}"
    )
    assert "4821" in texts.taken("4821") and "vergeben" in texts.taken("4821")
    assert "besetzt" in texts.filled_notice("4821")
