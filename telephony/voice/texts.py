"""Everything a caller or a staff member hears on the phone, in one place, in German.

Short sentences: callers are stressed and lines are bad. Say what happens next.
"""

from __future__ import annotations

import re
from datetime import datetime

from babel.dates import format_date

from casework.enums import Need

VOICE = "Polly.Vicki-Neural"
LANGUAGE = "de-DE"

GREETING = "Guten Tag, hier ist das Fluxxfon, die Notfallbetreuung von Stadt und Region Hannover."
DATA_NOTICE = (
    "Zu Ihrem Anruf speichern wir Ihre Telefonnummer und Ihr Anliegen, um Ihnen helfen zu können. "
    "Gespräche werden nicht aufgezeichnet."
)
MENU = (
    "Bitte sagen Sie uns, worum es geht. Für Kinderbetreuung drücken Sie die 1 oder sagen Sie Kinderbetreuung. "
    "Für die Betreuung von Angehörigen die 2. Für einen Fahrdienst die 3. Für alles andere die 0."
)
NOT_UNDERSTOOD = "Das habe ich leider nicht verstanden."
CONNECTING = "Einen Moment bitte, wir verbinden Sie mit einer Mitarbeiterin oder einem Mitarbeiter."
NOBODY_AVAILABLE = "Leider ist gerade niemand von uns frei. Das tut uns leid. Wir rufen Sie so bald wie möglich zurück."
CLOSED = "Sie rufen außerhalb unserer Telefonzeiten an."
ACUTE_DANGER = "Bei akuter Gefahr für Leib und Leben rufen Sie bitte sofort die 1 1 2 an."
VOICEMAIL_PROMPT = (
    "Bitte sprechen Sie nach dem Signalton Ihren Namen, Ihre Telefonnummer und Ihr Anliegen auf. "
    "Ihre Nachricht wird aufgezeichnet. Drücken Sie zum Schluss die Raute-Taste oder legen Sie einfach auf."
)
VOICEMAIL_THANKS = "Vielen Dank für Ihre Nachricht. Wir rufen Sie so bald wie möglich zurück. Auf Wiederhören."
NO_VOICEMAIL = "Wir haben keine Nachricht gehört. Wir rufen Sie trotzdem zurück, wenn Ihre Nummer übermittelt wurde."
FALLBACK_APOLOGY = (
    "Das Fluxxfon hat gerade eine technische Störung. Das tut uns sehr leid. "
    "Bei akuter Gefahr rufen Sie bitte die 1 1 2 an."
)
FALLBACK_CONNECTING = "Wir verbinden Sie mit unserer Vertretung."

# What the staff member hears before being connected (whisper); only a key press connects.
WHISPER = "Fluxx-Anruf: {need}. Drücken Sie 1 zum Annehmen."
WHISPER_NOT_TAKEN = "Nicht angenommen. Auf Wiederhören."
ALREADY_TAKEN = "Dieser Anruf wurde schon von jemand anderem angenommen. Danke!"
ACCEPTED = "Sie werden jetzt verbunden."

# The need as said in the whisper and shown to staff.
NEED_SPOKEN = {
    Need.CHILD_CARE: "Kinderbetreuung",
    Need.RELATIVE_CARE: "Betreuung von Angehörigen",
    Need.DRIVING: "Fahrdienst",
    Need.OTHER: "anderes Anliegen",
    Need.COUNSELLING: "Beratung",
}

SPEECH_HINTS = (
    "Kinderbetreuung, Kind, Angehörige, Pflege, Fahrdienst, Fahrt, anderes, sonstiges, eins, zwei, drei, null"
)

_DAYS = {
    "Mo": "montags",
    "Tu": "dienstags",
    "We": "mittwochs",
    "Th": "donnerstags",
    "Fr": "freitags",
    "Sa": "samstags",
    "Su": "sonntags",
}
_SPAN = r"\d\d:\d\d-\d\d:\d\d"
_RULE = re.compile(rf"^(?P<days>[A-Za-z]{{2}}(?:[-,][A-Za-z]{{2}})*)\s+(?P<times>{_SPAN}(?:,{_SPAN})*)$")


def _clock(value: str) -> str:
    hours, minutes = value.split(":")
    return f"{int(hours)} Uhr" + (f" {int(minutes)}" if minutes != "00" else "")


def _days(spec: str) -> str:
    parts = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        parts.append(f"{_DAYS[first]} bis {_DAYS[last]}" if last else _DAYS[first])
    return " und ".join(parts)


def describe_hours(expression: str) -> str | None:
    """The opening hours as a spoken sentence, for the usual forms; None when we cannot say it well."""
    spans, holidays_off = [], False
    for rule in (part.strip() for part in expression.split(";")):
        if not rule:
            continue
        if rule == "PH off":
            holidays_off = True
            continue
        if rule == "24/7":
            spans.append("rund um die Uhr")
            continue
        match = _RULE.match(rule)
        if not match or any(day not in _DAYS for day in re.split(r"[-,]", match["days"])):
            return None
        times = " und ".join(
            f"von {_clock(start)} bis {_clock(end)}"
            for start, end in (span.split("-") for span in match["times"].split(","))
        )
        spans.append(f"{_days(match['days'])} {times}")
    if not spans:
        return None
    return "Unsere Telefonzeiten sind " + ", ".join(spans) + (", außer an Feiertagen." if holidays_off else ".")


def next_opening_sentence(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "Bitte hinterlassen Sie uns eine Nachricht."
    if moment.date() == now.astimezone(moment.tzinfo).date():
        day = "Heute"
    else:
        day = "Am " + format_date(moment.date(), "EEEE, d. MMMM", locale="de_DE") + ","
    return f"{day} ab {_clock(moment.strftime('%H:%M'))} sind wir wieder für Sie da."


def whisper(need: Need | None) -> str:
    return WHISPER.format(need=NEED_SPOKEN.get(need or Need.OTHER, "anderes Anliegen"))
