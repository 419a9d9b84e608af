"""Every SMS text a volunteer or an unknown sender reads, and what staff read about SMS statuses and errors.

Kept short (one SMS segment where possible) and free of names and addresses. Umlauts are part of the
GSM-7 alphabet, so they do not force the more expensive UCS-2 encoding; dashes and quotes would.
"""

from __future__ import annotations

from core.phone import HOTLINE_WRITTEN

HOTLINE = HOTLINE_WRITTEN

OPTED_OUT = "Fluxx: Sie sind abgemeldet und bekommen keine Einsatz-SMS mehr. Mit START melden Sie sich wieder an."
OPTED_IN = "Fluxx: Willkommen zurück! Sie bekommen wieder Einsatzanfragen per SMS. Abmelden mit STOPP."


def help_text(code: str = "4821") -> str:
    """The answer to HILFE, with the sender's own job code when they have exactly one open (else an example).

    One SMS (at most 160 GSM-7 characters): a help text in two parts may arrive out of order."""
    return (
        f"Fluxx: Antworten Sie auf eine Anfrage mit JA oder NEIN und dem Code, z. B. JA {code}. "
        f"STOPP = abmelden, START = anmelden. Fragen: {HOTLINE}"
    )


HELP = help_text()
FORWARDED = (
    "Fluxx: Danke für Ihre Nachricht! Unser Team meldet sich bei Ihnen. "
    f"In dringenden Fällen rufen Sie bitte {HOTLINE} an."
)
STILL_OPTED_OUT = f"Fluxx: Sie sind zurzeit abgemeldet. Mit START bekommen Sie wieder Einsatz-SMS. Fragen: {HOTLINE}"
UNKNOWN_SENDER = (
    "Dies ist die SMS-Nummer der Fluxx-Notfallbetreuung Hannover. Wir können Ihre Nummer keiner "
    f"Person zuordnen. Bitte rufen Sie uns an: {HOTLINE}"
)

# Our database is briefly unavailable: the text could not be stored, so the sender must try again.
NOT_RECEIVED = (
    f"Fluxx: Ihre Nachricht konnte gerade nicht verarbeitet werden. Bitte senden Sie sie in ein paar Minuten "
    f"noch einmal oder rufen Sie uns an: {HOTLINE}"
)

# What staff read about a message's status and about Twilio's errors (the message log, "Nachrichten").
# Keyed by MessageStatus value (a StrEnum member finds its value's entry).
STATUS_LABELS = {
    "pending": "wartet auf Versand",
    "claimed": "wird an Twilio übergeben",
    "queued": "bei Twilio eingereiht",
    "sending": "wird gesendet",
    "sent": "gesendet",
    "delivered": "zugestellt",
    "undelivered": "nicht zugestellt",
    "failed": "fehlgeschlagen",
    "received": "empfangen",
}

ERRORS = {
    20003: "Twilio-Zugangsdaten ungültig",
    20429: "zu viele Anfragen an Twilio",
    20500: "Störung bei Twilio",
    20503: "Twilio vorübergehend nicht verfügbar",
    21211: "ungültige Telefonnummer",
    21408: "Land für SMS nicht freigeschaltet",
    21610: "Empfänger/in hat SMS abbestellt (STOP)",
    21614: "Nummer kann keine SMS empfangen",
    30003: "Telefon nicht erreichbar",
    30004: "Nachricht blockiert",
    30005: "Nummer unbekannt oder nicht mehr vergeben",
    30006: "Festnetz oder nicht erreichbarer Anbieter",
    30007: "vom Mobilfunkanbieter gefiltert",
    30008: "unbekannter Zustellfehler",
    30001: "Warteschlange bei Twilio voll",
    30002: "Twilio-Konto gesperrt",
    30010: "Preisgrenze überschritten",
}
UNKNOWN_ERROR = "Fehler bei Twilio (siehe Twilio-Fehlerliste)"
NO_CONNECTION = "keine Verbindung zu Twilio"
