"""What callers hear speaks as a team ("wir"), never as one person ("ich"), and in neutral words."""

from __future__ import annotations

import re

from telephony.voice import texts
from telephony.voice.rules import WeeklyHours

FIRST_PERSON_SINGULAR = re.compile(r"\b(ich|mich|mir|mein|meine|meinen)\b", re.IGNORECASE)


def spoken_texts() -> dict[str, str]:
    return {name: value for name, value in vars(texts).items() if name.isupper() and isinstance(value, str)}


def test_the_voice_texts_say_wir_and_never_ich():
    spoken = spoken_texts()
    assert "MENU" in spoken and "NOT_UNDERSTOOD" in spoken
    assert {name: text for name, text in spoken.items() if FIRST_PERSON_SINGULAR.search(text)} == {}
    assert texts.NOT_UNDERSTOOD == "Das haben wir leider nicht verstanden."


def test_callers_are_connected_to_the_team_in_neutral_words():
    assert "Mitarbeiterin oder einem Mitarbeiter" not in texts.CONNECTING
    assert texts.CONNECTING == "Einen Moment bitte, wir verbinden Sie mit jemandem aus unserem Team."


def test_the_opening_hours_are_spoken_as_we():
    week = WeeklyHours(days=((("08:00", "18:00"),),) * 5 + ((), ()), holidays_off=True)
    sentence = texts.describe_hours(week)
    assert sentence == "Unsere Telefonzeiten sind montags bis freitags von 8 Uhr bis 18 Uhr, außer an Feiertagen."
