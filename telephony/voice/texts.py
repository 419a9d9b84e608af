"""Everything a caller or a staff member hears on the phone, in one place, in German.

Short sentences: callers are stressed and lines are bad. Say what happens next.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from casework.enums import Need
from telephony.voice.rules import WeeklyHours

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
NOT_UNDERSTOOD = "Das haben wir leider nicht verstanden."
CONNECTING = "Einen Moment bitte, wir verbinden Sie mit jemandem aus unserem Team."
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
WHISPER_KNOWN = "Bekannte Familie, offener Fall bei {counsellor}."
WHISPER_KNOWN_UNASSIGNED = "Bekannte Familie mit offenem Fall."
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

_DAYS = ("montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags")


def _clock(value: str) -> str:
    hours, minutes = value.split(":")
    return f"{int(hours)} Uhr" + (f" {int(minutes)}" if minutes != "00" else "")


def _days(weekdays: list[int]) -> str:
    """`[0, 1, 2, 3, 4]` → "montags bis freitags"; `[0, 2]` → "montags und mittwochs"."""
    runs: list[list[int]] = []
    for day in weekdays:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return " und ".join(_DAYS[run[0]] + (f" bis {_DAYS[run[-1]]}" if len(run) > 1 else "") for run in runs)


def describe_hours(week: WeeklyHours) -> str | None:
    """The opening hours as a spoken sentence; None when the hotline is never staffed in a usual week."""
    if all(spans == (("00:00", "24:00"),) for spans in week.days):
        parts = ["rund um die Uhr"]
    else:
        same_hours: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for weekday, spans in enumerate(week.days):
            if spans:
                same_hours.setdefault(spans, []).append(weekday)
        parts = [
            _days(weekdays) + " " + " und ".join(f"von {_clock(start)} bis {_clock(end)}" for start, end in spans)
            for spans, weekdays in same_hours.items()
        ]
    if not parts:
        return None
    return "Unsere Telefonzeiten sind " + ", ".join(parts) + (", außer an Feiertagen." if week.holidays_off else ".")


def next_opening_sentence(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "Bitte hinterlassen Sie uns eine Nachricht."
    if moment.date() == now.astimezone(moment.tzinfo).date():
        day = "Heute"
    else:
        day = "Am " + format_date(moment.date(), "EEEE, d. MMMM", locale="de_DE") + ","
    return f"{day} ab {_clock(moment.strftime('%H:%M'))} sind wir wieder für Sie da."


def whisper(need: Need | None, *, known_family: bool = False, counsellor: str | None = None) -> str:
    """ "Fluxx-Anruf: Kinderbetreuung. Drücken Sie 1 …", for a family with an open case with who counsels it."""
    text = WHISPER.format(need=NEED_SPOKEN.get(need or Need.OTHER, "anderes Anliegen"))
    if not known_family:
        return text
    known = WHISPER_KNOWN.format(counsellor=counsellor) if counsellor else WHISPER_KNOWN_UNASSIGNED
    head, _, tail = text.partition(". ")
    return f"{head}. {known} {tail}"
