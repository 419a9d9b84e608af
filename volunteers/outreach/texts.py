"""Every SMS a volunteer (or a family) reads in outreach, assignment and reminders: German, Sie-form,
starting "Fluxx:", one GSM-7 segment (160 characters) where possible.

Before assignment no name and no address leaves the house: the offer says kind, place, time, code and
how to answer. Only the winner gets address and contact. Place names go through `gsm7_safe` (an "–"
typed by staff would turn the whole SMS into UCS-2 with 70 characters per segment); names and
addresses keep their spelling. Times are shown in Europe/Berlin ("Mo. 30.11. 13:00-18:00 Uhr"),
hours with a decimal comma ("3,5 Stunden").

Every text starts with "Fluxx:", so a volunteer who pastes or quotes one back is never read as
answering (see `volunteers.replies.rules`), and the answer forms shown ("JA 4821", "ABSAGE 4821",
"STUNDEN 4821 3,5") are exactly what the parser understands.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from core.formats import BERLIN, LOCALE, datetime_de
from messaging.texts import HOTLINE
from volunteers.outreach.rules import gsm7_safe, sms_segments
from volunteers.outreach.state import JobState, JobView, Person, PersonState

# --- Formats -----------------------------------------------------------------------------------------------


def day_de(value: datetime, zone: ZoneInfo = BERLIN, *, weekday: bool = True) -> str:
    """`Mo. 30.11.` (or `30.11.` without the weekday), local date."""
    return datetime_de(value, zone, "EEE dd.MM." if weekday else "dd.MM.")


def clock_de(value: datetime, zone: ZoneInfo = BERLIN) -> str:
    """`13:00`, local time."""
    return datetime_de(value, zone, "HH:mm")


def window_de(starts_at: datetime, ends_at: datetime, zone: ZoneInfo = BERLIN, *, weekday: bool = True) -> str:
    """`Mo. 30.11. 13:00-18:00`; over midnight `Mo. 30.11. 22:00-Di. 01.12. 06:00`. A plain hyphen:
    the en dash is not GSM-7."""
    start = f"{day_de(starts_at, zone, weekday=weekday)} {clock_de(starts_at, zone)}"
    if starts_at.astimezone(zone).date() == ends_at.astimezone(zone).date():
        return f"{start}-{clock_de(ends_at, zone)}"
    return f"{start}-{day_de(ends_at, zone, weekday=weekday)} {clock_de(ends_at, zone)}"


def hours_de(hours: Decimal) -> str:
    """`3,5 Stunden`, `1 Stunde`, `2,25 Stunden`: decimal comma, no trailing zeros."""
    return f"{hours_number_de(hours)} {'Stunde' if hours == 1 else 'Stunden'}"


def hours_number_de(hours: Decimal) -> str:
    """`3,5`, `2,25`, `4`: the number as a volunteer types it after STUNDEN."""
    return format_decimal(hours, "#,##0.##", locale=LOCALE)


def place_de(municipality: str, district: str | None = None) -> str:
    """`Laatzen-Rethen`; the municipality alone when there is no district or it repeats the name."""
    municipality = gsm7_safe(municipality.strip())
    district = gsm7_safe((district or "").strip())
    if not district or district.casefold() == municipality.casefold():
        return municipality
    return f"{municipality}-{district}"


# --- Outreach ------------------------------------------------------------------------------------------------


def offer(
    kind_label: str,
    municipality: str,
    district: str | None,
    starts_at: datetime,
    ends_at: datetime,
    code: str,
    zone: ZoneInfo = BERLIN,
) -> str:
    """The offer of a wave: kind, place, time, code and how to answer; never a name or an address.

    Too long for one SMS, it drops in turn the district, the weekday and the question "Können Sie?";
    the municipality, time and code always stay (two SMS rather than a wrong or missing place).
    """
    kind = gsm7_safe(kind_label.strip())
    answer = f"Antwort: JA {code} oder NEIN {code}"
    candidates = []
    for with_district, weekday, question in ((True, True, True), (False, True, True), (False, False, True)):
        place = place_de(municipality, district if with_district else None)
        when = window_de(starts_at, ends_at, zone, weekday=weekday)
        candidates.append(f"Fluxx: {kind} in {place}, {when} Uhr. {'Können Sie? ' if question else ''}{answer}")
    place = place_de(municipality)
    candidates.append(f"Fluxx: {kind} in {place}, {window_de(starts_at, ends_at, zone, weekday=False)} Uhr. {answer}")
    return _first_fitting(candidates)


def _first_fitting(candidates: list[str]) -> str:
    """The first text that fits one SMS, else the shortest (the last)."""
    for text in candidates:
        if sms_segments(text) == 1:
            return text
    return candidates[-1]


def assigned(
    kind_label: str,
    starts_at: datetime,
    ends_at: datetime,
    address: str,
    contact_name: str,
    contact_phone: str,
    code: str,
    zone: ZoneInfo = BERLIN,
    persons: str = "",
) -> str:
    """To the volunteer whose yes won: time, address, who they look after (`persons`, the sentence
    `volunteers.assignments.rules.carer_briefing` builds: first names, ages, allergies, never a
    diagnosis), the family's contact, how to withdraw and how to report hours.

    Two or three segments (four at most, with long allergies of four children) on purpose: everything
    needed on the way to the family sits in one message, which the phone shows as one; two separate SMS
    may arrive out of order or one of them not at all. Address and name keep their spelling (`gsm7_safe`
    without letters): a name with "ł" costs a UCS-2 SMS rather than a misspelt doorbell.
    """
    kind = gsm7_safe(kind_label.strip())
    phone = f", {contact_phone.strip()}" if contact_phone.strip() else ""
    return (
        f"Fluxx: Danke, Einsatz {code} ist Ihrer! {kind} {window_de(starts_at, ends_at, zone)} Uhr, "
        f"{gsm7_safe(address.strip(), letters=False)}. "
        f"{persons.strip() + ' ' if persons.strip() else ''}"
        f"Kontakt: {gsm7_safe(contact_name.strip(), letters=False)}{phone}. "
        f"Falls Sie doch nicht können: ABSAGE {code}. "
        f"Danach Stunden melden, z. B. STUNDEN {code} 3,5"
    )


def taken(code: str) -> str:
    """To a volunteer whose yes came after the job was filled: their yes is kept, and if the carer withdraws
    they are asked first (`volunteers.outreach.late`)."""
    return f"Fluxx: Danke für Ihre Zusage! Einsatz {code} ist leider schon vergeben. Sagt jemand ab, melden wir uns."


def filled_notice(code: str) -> str:
    """To volunteers who were offered the job and have not answered when it is filled."""
    return f"Fluxx: Einsatz {code} ist schon besetzt, Sie brauchen nicht mehr zu antworten. Danke!"


def declined_ack(code: str) -> str:
    """After a NEIN: short, so a no never feels like a burden."""
    return f"Fluxx: Danke für Ihre Antwort zu Einsatz {code}. Vielleicht passt es beim nächsten Mal."


def released(code: str, starts_at: datetime, zone: ZoneInfo = BERLIN) -> str:
    """Staff released the volunteer's assignment: they must not go."""
    when = f"{day_de(starts_at, zone)} {clock_de(starts_at, zone)} Uhr"
    return f"Fluxx: Ihr Einsatz {code} ({when}) wurde vom Team aufgehoben. Bitte nicht hingehen. Fragen: {HOTLINE}"


def withdrawn_ack(code: str) -> str:
    """After ABSAGE: staff are alerted and find someone else; the family hears it from staff."""
    return f"Fluxx: Ihre Absage für Einsatz {code} ist angekommen. Danke für die Nachricht, wir kümmern uns um Ersatz."


def reminder(
    kind_label: str,
    starts_at: datetime,
    ends_at: datetime,
    address_short: str,
    code: str,
    now: datetime,
    zone: ZoneInfo = BERLIN,
) -> str:
    """The evening before: "morgen" only when it is tomorrow in Berlin (a reminder delayed past
    midnight says "heute"), else "am" and the date. Without the kind when the address is long; a
    very long address makes it two SMS rather than being cut."""
    day = starts_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    relative = {today: "heute, ", today + timedelta(days=1): "morgen, "}.get(day, "am ")
    when = f"{relative}{window_de(starts_at, ends_at, zone)} Uhr"
    address = gsm7_safe(address_short.strip(), letters=False)
    withdraw = f"Falls Sie nicht können: ABSAGE {code}"
    kind = gsm7_safe(kind_label.strip())
    return _first_fitting(
        [
            f"Fluxx: Erinnerung an Einsatz {code} {when}: {kind}, {address}. {withdraw}",
            f"Fluxx: Erinnerung an Einsatz {code} {when}: {address}. {withdraw}",
        ]
    )


def family_carer_coming(carer_first_name: str, starts_at: datetime, zone: ZoneInfo = BERLIN) -> str:
    """To the family: who comes when, first name only, no volunteer number (all contact via staff)."""
    first_name = gsm7_safe(carer_first_name.strip().split()[0], letters=False)
    when = f"{day_de(starts_at, zone)} um {clock_de(starts_at, zone)} Uhr"
    return f"Fluxx: Gute Nachricht! {first_name} kommt {when} zu Ihnen. Fragen oder Änderungen: {HOTLINE}"


def hours_request(code: str) -> str:
    """When the job's window has ended: how many hours, and the answer form the parser understands."""
    return f"Fluxx: Wie viele Stunden haben Sie bei Einsatz {code} betreut? Antworten Sie z. B. STUNDEN {code} 3,5"


def hours_reminder(code: str, starts_at: datetime, zone: ZoneInfo = BERLIN) -> str:
    """A day after the request without an answer, once; the job's day helps to remember which one it was."""
    return (
        f"Fluxx: Erinnerung: Wie viele Stunden haben Sie bei Einsatz {code} ({day_de(starts_at, zone)}) betreut? "
        f"Antworten Sie z. B. STUNDEN {code} 3,5"
    )


def hours_ack(hours: Decimal, code: str) -> str:
    """After STUNDEN: the hours are noted and wait for staff to confirm them."""
    return f"Fluxx: Danke! {hours_de(hours)} für Einsatz {code} sind notiert. Das Team bestätigt sie noch."


# --- The job page (staff) ----------------------------------------------------------------------------------

OUTREACH_STATUS = {
    "active": "Suche läuft",
    "filled": "Besetzt",
    "exhausted": "keine Zusage: niemand mehr zum Anfragen",
    "limit_reached": "keine Zusage: alle geplanten Wellen sind verschickt",
    "too_late": "keine Zusage: der Einsatz beginnt zu bald für weitere SMS",
    "cancelled": "Suche abgebrochen",
}
OFFER_STATUS = {
    "sent": "wartet auf Antwort",
    "accepted": "Zusage",
    "declined": "Absage",
    "too_late": "Zusage kam zu spät",
    "expired": "ohne Antwort beendet",
    "opted_out": "abgemeldet (STOPP)",
}


def wave_line(
    waves_sent: int, waves_expected: int | None, next_wave_at: datetime | None, zone: ZoneInfo = BERLIN
) -> str:
    """`Welle 2 von 4, nächste Welle um 14:35`; before the first wave `Die erste Welle geht gleich hinaus.`"""
    if waves_sent == 0:
        return "Die erste Welle geht gleich hinaus."
    line = f"Welle {waves_sent}" + (f" von {waves_expected}" if waves_expected else "")
    if next_wave_at is not None:
        line += f", nächste Welle um {clock_de(next_wave_at, zone)} Uhr"
    return line


# --- The job's one state and the line of each person asked (`volunteers.outreach.state`) -----------------

JOB_STATE = {
    JobState.OPEN: "Offen",
    JobState.SEARCHING: "Suche läuft",
    JobState.FILLED: "Besetzt",
    JobState.SEARCHING_AGAIN: "Abgesagt – Suche läuft wieder",
    JobState.WITHDRAWN: "Abgesagt – niemand eingeteilt",
    JobState.ENDED_WITHOUT_YES: "Keine Zusage",
    JobState.SEARCH_CANCELLED: "Suche abgebrochen",
    JobState.CANCELLED: "Einsatz abgesagt",
    JobState.COMPLETED: "Erledigt",
}
PERSON_STATE = {
    PersonState.ASSIGNED: "eingeteilt",
    PersonState.WITHDREW: "hat abgesagt",
    PersonState.RELEASED: "Einteilung aufgehoben",
    PersonState.OPTED_OUT: "abgemeldet (STOPP)",
    PersonState.DECLINED: "hat abgelehnt",
    PersonState.LATE: "Zusage kam zu spät",
    PersonState.NO_ANSWER: "wartet auf Antwort",
    PersonState.OFFER_ENDED: "Angebot beendet",
}


def moment_de(value: datetime, now: datetime, zone: ZoneInfo = BERLIN) -> str:
    """`10:05 Uhr` today, else `Mi. 25.11. 10:05 Uhr` (local time)."""
    if value.astimezone(zone).date() == now.astimezone(zone).date():
        return f"{clock_de(value, zone)} Uhr"
    return f"{day_de(value, zone)} {clock_de(value, zone)} Uhr"


def state_detail(view: JobView, now: datetime, zone: ZoneInfo = BERLIN) -> str:
    """The sentence beside the job's state: where the search stands, or what staff must do."""
    carers = f"{view.active} von {view.needed} eingeteilt"
    if view.searching:
        line = wave_line(view.waves_sent, view.waves_expected, view.next_wave_at, zone)
        if view.state is JobState.SEARCHING_AGAIN and view.late:
            line = f"Spätere Zusagen werden zuerst gefragt. {line}"
        return f"{carers}. {line}" if view.needed > 1 or view.active else line
    if view.state is JobState.FILLED:
        return f"{carers}. Die SMS-Suche ist beendet."
    if view.state is JobState.WITHDRAWN:
        return "Eine Betreuung hat abgesagt und es läuft keine Suche: Bitte suchen Sie Ersatz."
    if view.state is JobState.ENDED_WITHOUT_YES:
        reason = OUTREACH_STATUS.get(view.search_status or "", "keine Zusage")
        return f"{reason[:1].upper()}{reason[1:]}. Dieser Einsatz braucht Ihre Entscheidung."
    if view.state is JobState.SEARCH_CANCELLED:
        return "Die SMS-Suche wurde abgebrochen; der Einsatz wartet auf eine Betreuung."
    if view.state is JobState.OPEN:
        return "Noch keine SMS-Suche."
    return ""


def person_line(person: Person, now: datetime, zone: ZoneInfo = BERLIN) -> str:
    """What is true about one person: asked when, and what they answered when (German, local time)."""
    parts = []
    if person.asked_at is not None:
        wave = f"Welle {person.wave}, " if person.wave else ""  # 0: asked only after a late yes
        parts.append(f"{wave}angefragt {moment_de(person.asked_at, now, zone)}")
    at = f" {moment_de(person.at, now, zone)}" if person.at is not None else ""
    if person.state is PersonState.ASSIGNED:
        parts.append(f"von Hand eingeteilt{at}" if person.by_hand else f"hat zugesagt{at}")
    elif person.state is PersonState.WITHDREW:
        reason = f": „{person.reason.strip()}“" if person.reason and person.reason.strip() else ""
        parts.append(f"hat abgesagt{at}{reason}")
    elif person.state is PersonState.RELEASED:
        parts.append(f"Einteilung vom Team aufgehoben{at}")
    elif person.state is PersonState.OPTED_OUT:
        parts.append(f"hat sich abgemeldet (STOPP){at}")
    elif person.state is PersonState.DECLINED:
        parts.append(f"hat abgelehnt{at}")
    elif person.state is PersonState.LATE:
        code = f" mit falschem Code {person.code_given}" if person.code_given else ""
        parts.append(f"hat zugesagt{at}{code}, zu spät")
        if person.asked_again_at is not None:
            parts.append(f"erneut gefragt {moment_de(person.asked_again_at, now, zone)}")
    elif person.state is PersonState.NO_ANSWER:
        parts.append("noch keine Antwort")
    else:
        parts.append("Angebot beendet, ohne Antwort")
    return " · ".join(parts)


def still_free(code: str, starts_at: datetime, zone: ZoneInfo = BERLIN) -> str:
    """After a withdrawal, to those whose yes came late: the job is free again; the first yes wins."""
    when = f"{day_de(starts_at, zone)} {clock_de(starts_at, zone)} Uhr"
    return f"Fluxx: Einsatz {code} ({when}) ist wieder frei. Können Sie noch? Antwort: JA {code} oder NEIN {code}"


DIRECT_JOB_CLOSED = "Der Einsatz wartet auf keine Betreuung mehr oder hat schon begonnen."
DIRECT_JOB_FULL = "Der Einsatz ist schon besetzt."
DIRECT_UNKNOWN = "Diese Person ist nicht als Ehrenamtliche eingetragen."


def direct_not_near(name: str, reasons: list[str]) -> str:
    """Refusing a direct offer: the volunteer is no longer a near miss (asked, busy, or more than one rule)."""
    return f"{name} lässt sich nicht direkt anfragen: {', '.join(reasons)}."


def asked_directly(name: str) -> str:
    return f"Angebot per SMS an {name} gesendet. Eine Zusage („JA …“) wird entschieden wie jede andere."
