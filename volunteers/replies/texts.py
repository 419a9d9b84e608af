"""The German answer to a volunteer's SMS, from the `Decision` of `volunteers.replies.rules.resolve`.

Pure: no database. `answer_for` covers every `Action` and, for CLARIFY, every `Unclear` reason; a
reply that could be read two ways stays open for staff, and the answer says how to write it clearly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from messaging import texts as sms_texts
from messaging.texts import HOTLINE
from volunteers.outreach import texts as outreach_texts
from volunteers.replies.rules import Action, Decision, Unclear

# When we know no code of the sender's: an example, the same as in sms_texts.HELP.
EXAMPLE_CODE = "4821"

# Acted on first, answered with the outcome: the caller picks the text after its conditional update.
#   ACCEPT       -> outreach.texts.assigned(...) if the yes won, outreach.texts.taken(code) if not
#   WITHDRAW     -> outreach.texts.withdrawn_ack(code)
#   REPORT_HOURS -> outreach.texts.hours_ack(hours, code)
ANSWERED_BY_OUTCOME = frozenset({Action.ACCEPT, Action.WITHDRAW, Action.REPORT_HOURS})
# Needs no answer: an "OK" or "👍" to a job already held (the assignment SMS, the reminder).
SILENT = frozenset({Action.NOTED})


def _yes_or_no(code: str | None) -> str:
    if code is None:
        return f"JA oder NEIN und dem Code, z. B. JA {EXAMPLE_CODE}"
    return f"JA {code} oder NEIN {code}"


def _hours_example(code: str | None) -> str:
    return f"STUNDEN {code or EXAMPLE_CODE} 3,5"


def clarify(reason: Unclear | None, code: str | None = None) -> str:
    """What to write instead, for a reply that is unclear for `reason` (about `code`, when known)."""
    answer = _yes_or_no(code)
    texts: dict[Unclear, str] = {
        Unclear.CONFLICT: f"Fluxx: Wir sind nicht sicher, ob Sie zusagen. Bitte antworten Sie nur mit {answer}.",
        Unclear.CONDITIONAL: (
            "Fluxx: Danke! Eine Zusage mit Bedingung prüft das Team und meldet sich. "
            f"Ohne Bedingung antworten Sie bitte {answer}."
        ),
        Unclear.QUESTION: f"Fluxx: Ihre Frage beantwortet das Team gern: {HOTLINE}. Zu- oder absagen mit {answer}.",
        Unclear.SEVERAL_CODES: (
            f"Fluxx: Bitte sagen Sie jeden Einsatz in einer eigenen SMS zu oder ab, z. B. JA {code or EXAMPLE_CODE}."
        ),
        Unclear.BAD_CODE: (
            "Fluxx: Der Code hat 4 Ziffern und steht in unserer Anfrage. "
            + (f"Bitte antworten Sie mit {answer}." if code else f"Bitte antworten Sie z. B. mit {answer}.")
        ),
        Unclear.CODE_ONLY: f"Fluxx: Wir haben nur den Code bekommen. Bitte antworten Sie mit {answer}.",
        Unclear.QUOTE_ONLY: (
            f"Fluxx: Wir haben nur unsere eigene Nachricht zurückbekommen. Bitte antworten Sie mit {answer}."
        ),
        Unclear.HOURS_MISSING: f"Fluxx: Bitte schicken Sie die Stunden als Zahl mit, z. B. {_hours_example(code)}",
        Unclear.HOURS_INVALID: (
            "Fluxx: Wie viele Stunden waren es genau? Bitte als eine Zahl, "
            f"z. B. {_hours_example(code)} für dreieinhalb Stunden."
        ),
        Unclear.HOURS_OUT_OF_RANGE: (
            "Fluxx: Stimmt die Zahl? Wir notieren mehr als 0 und höchstens 24 Stunden pro Einsatz. "
            f"Bitte erneut senden, z. B. {_hours_example(code)}"
        ),
        Unclear.HOURS_TOO_PRECISE: (
            f"Fluxx: Bitte Stunden mit höchstens zwei Stellen nach dem Komma, z. B. STUNDEN {code or EXAMPLE_CODE} 2,25"
        ),
    }
    if reason is None:
        return f"Fluxx: Wir haben Ihre Antwort nicht sicher verstanden. Bitte antworten Sie mit {answer}."
    return texts[reason]


def ask_code(choices: tuple[str, ...], hours: Decimal | None = None) -> str:
    """Several offers or assignments could be meant: which one?"""
    example = choices[0] if choices else EXAMPLE_CODE
    if hours is not None:
        return (
            f"Fluxx: Für welchen Einsatz sind die {outreach_texts.hours_de(hours)} ({', '.join(choices)})? "
            f"Bitte mit Code, z. B. STUNDEN {example} {outreach_texts.hours_number_de(hours)}"
        )
    return (
        f"Fluxx: Sie haben mehrere Einsätze offen ({', '.join(choices)}). "
        f"Bitte antworten Sie mit JA oder NEIN und dem Code, z. B. JA {example}."
    )


def unknown_code(code: str | None, meant: str | None = None, example: str | None = None) -> str:
    """A code that is no offer or assignment of the sender: a typo, or an offer that was withdrawn.
    With `meant` (the sender's only job) and `example` ("JA 4821"), the answer says how to write it."""
    which = f"Den Code {code}" if code else "Diesen Code"
    if meant and example:
        return (
            f"Fluxx: {which} finden wir bei Ihnen nicht. Meinen Sie Einsatz {meant}? "
            f"Dann antworten Sie {example}. Fragen: {HOTLINE}"
        )
    return f"Fluxx: {which} finden wir bei Ihnen nicht. Bitte prüfen Sie ihn in unserer SMS. Fragen: {HOTLINE}"


def ask_yes(choices: tuple[str, ...]) -> str:
    """ "OK" or "👍" alone with open offers: not a yes yet; ask, naming the job."""
    if len(choices) == 1:
        (code,) = choices
        return f"Fluxx: Möchten Sie Einsatz {code} übernehmen? Dann antworten Sie JA {code}."
    example = choices[0] if choices else EXAMPLE_CODE
    return (
        f"Fluxx: Möchten Sie einen Einsatz übernehmen ({', '.join(choices)})? "
        f"Dann antworten Sie mit JA und dem Code, z. B. JA {example}."
    )


# --- Hours (answered after `volunteers.assignments.service.report_hours`) --------------------------------


def hours_replaced(hours: Decimal, previous: Decimal, code: str) -> str:
    """A second report before staff confirmed the first: it replaces the first, and the answer says so."""
    return (
        f"Fluxx: Danke! {outreach_texts.hours_de(hours)} für Einsatz {code} sind notiert, das ersetzt Ihre "
        f"Angabe von {outreach_texts.hours_de(previous)}. Das Team bestätigt sie noch."
    )


def hours_too_early(code: str, starts_at: datetime) -> str:
    """Hours for a job that has not started: nothing is stored."""
    return (
        f"Fluxx: Einsatz {code} beginnt erst am {outreach_texts.day_de(starts_at)} um "
        f"{outreach_texts.clock_de(starts_at)} Uhr. Bitte melden Sie die Stunden nach dem Einsatz."
    )


def hours_beyond_window(hours: Decimal, code: str, window: Decimal) -> str:
    """More hours than the job lasted (plus an hour): nothing is stored, staff see the message."""
    return (
        f"Fluxx: {outreach_texts.hours_de(hours)} sind mehr, als Einsatz {code} dauern sollte "
        f"({outreach_texts.hours_de(window)}). Stimmt die Zahl? Bitte erneut senden, z. B. STUNDEN {code} "
        f"{outreach_texts.hours_number_de(window)}"
    )


def hours_already_confirmed(code: str, confirmed: Decimal) -> str:
    """A report after staff confirmed the hours: nothing is changed, staff see the message."""
    return (
        f"Fluxx: Für Einsatz {code} sind schon {outreach_texts.hours_de(confirmed)} bestätigt, per SMS ändern wir "
        f"sie nicht mehr. Stimmt etwas nicht? Bitte rufen Sie uns an: {HOTLINE}"
    )


def hours_job_cancelled(code: str) -> str:
    """Hours for a job that was cancelled: nothing is stored, staff see the message."""
    return (
        f"Fluxx: Einsatz {code} wurde abgesagt, dafür notieren wir keine Stunden. Das Team sieht Ihre "
        f"Nachricht und meldet sich. Fragen: {HOTLINE}"
    )


def already_assigned(code: str | None) -> str:
    return f"Fluxx: Einsatz {code} ist schon Ihrer, danke! Falls Sie doch nicht können: ABSAGE {code}"


NOTHING_OPEN = (
    "Fluxx: Danke für Ihre Antwort! Zurzeit ist keine Anfrage an Sie offen, vielleicht ist der Einsatz "
    "schon vergeben. Bis zum nächsten Mal!"
)


def forwarded(hours: Decimal | None) -> str:
    """Free text for staff; hours without an open assignment (a job already closed) go to staff too."""
    if hours is None:
        return sms_texts.FORWARDED
    return f"Fluxx: Danke! Ihre {outreach_texts.hours_de(hours)} geben wir an das Team weiter, es ordnet sie zu."


def answer_for(decision: Decision) -> str | None:
    """The SMS answer to `decision`, or None for ACCEPT, WITHDRAW and REPORT_HOURS: those are answered
    after acting, with the outcome (see `ANSWERED_BY_OUTCOME`); None for NOTED too (see `SILENT`).

    FORWARD_TO_STAFF gets `sms_texts.FORWARDED`; the caller still limits it to one a day (an
    auto-responder on the other side must not start a loop).
    """
    action = decision.action
    if action in ANSWERED_BY_OUTCOME or action in SILENT:
        return None
    if action is Action.DECLINE:
        # resolve() always names the code it declines; without one there is nothing to thank for.
        return outreach_texts.declined_ack(decision.code) if decision.code else NOTHING_OPEN
    if action is Action.ASK_CODE:
        return ask_code(decision.choices, decision.hours)
    if action is Action.UNKNOWN_CODE:
        return unknown_code(decision.code, decision.choices[0] if decision.choices else None, decision.example)
    if action is Action.ASK_YES:
        return ask_yes(decision.choices)
    if action is Action.ALREADY_ASSIGNED:
        return already_assigned(decision.code)
    if action is Action.NOTHING_OPEN:
        return NOTHING_OPEN
    if action is Action.OPT_OUT:
        return sms_texts.OPTED_OUT
    if action is Action.OPT_IN:
        return sms_texts.OPTED_IN
    if action is Action.HELP:
        return sms_texts.help_text(decision.code) if decision.code else sms_texts.HELP
    if action is Action.CLARIFY:
        return clarify(decision.reason, decision.code)
    if action is Action.FORWARD_TO_STAFF:
        return forwarded(decision.hours)
    raise ValueError(f"no answer for {action!r}")
