"""Every SMS text a volunteer or an unknown sender reads, in one place to be reviewed as text.

Kept short (one SMS segment where possible) and free of names and addresses. Umlauts are part of the
GSM-7 alphabet, so they do not force the more expensive UCS-2 encoding; dashes and quotes would.
"""

from __future__ import annotations

HOTLINE = "0511 168-32110"

OPTED_OUT = "Fluxx: Sie sind abgemeldet und bekommen keine Einsatz-SMS mehr. Mit START melden Sie sich wieder an."
OPTED_IN = "Fluxx: Willkommen zurück! Sie bekommen wieder Einsatzanfragen per SMS. Abmelden mit STOPP."
HELP = (
    "Fluxx-Notfallbetreuung: Antworten Sie auf eine Anfrage mit JA oder NEIN und dem Code, "
    f"z. B. JA 4821. STOPP = abmelden, START = wieder anmelden. Fragen: {HOTLINE}"
)
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
