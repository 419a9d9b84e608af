"""What staff read when an assignment cannot be made or changed, and the stand-ins used in the SMS to
the assigned volunteer when the case lacks an address or a contact."""

from __future__ import annotations

from messaging.texts import HOTLINE


def job_closed(code: str, status_label: str) -> str:
    return f"Einsatz {code} sucht niemanden mehr (Status: {status_label})."


def job_full(code: str) -> str:
    return f"Einsatz {code} ist schon voll besetzt. Geben Sie zuerst eine Einteilung frei."


def already_assigned(name: str, code: str) -> str:
    return f"{name} ist für Einsatz {code} schon eingeteilt."


def volunteer_inactive(name: str) -> str:
    return f"{name} ist deaktiviert und kann nicht eingeteilt werden."


NOT_WITHDRAWN = "Diese Einteilung wurde nicht von der ehrenamtlichen Person abgesagt."
NOT_ACTIVE = "Diese Einteilung ist nicht mehr aktiv; sie wurde schon freigegeben oder abgeschlossen."
REASON_MISSING = "Bitte geben Sie einen Grund für die Freigabe an."

# In the SMS to the assigned volunteer when the case has no address or contact yet.
ADDRESS_FROM_STAFF = f"Adresse bitte beim Team erfragen: {HOTLINE}"
FAMILY = "Familie"

# Why an assignment ended when the volunteer withdrew by SMS (ABSAGE).
WITHDRAWN_BY_VOLUNTEER = "volunteer"


# The job page: who has the job, and what staff read after assigning or releasing by hand.
SOURCE = {"sms": "per SMS", "staff": "von Hand"}
VOLUNTEER_MISSING = "Bitte wählen Sie eine ehrenamtliche Person aus."
VOLUNTEER_UNKNOWN = "Diese Person gibt es nicht (mehr) im Verzeichnis."
REASON_TOO_LONG = "Der Grund darf höchstens 200 Zeichen lang sein."


def assigned_by_hand(name: str) -> str:
    return f"{name} ist eingeteilt und per SMS informiert."


def released_by_hand(name: str) -> str:
    return f"Einteilung freigegeben; {name} ist per SMS informiert, die Suche läuft weiter."


def released_without_search(name: str) -> str:
    return f"Einteilung freigegeben; {name} ist per SMS informiert. Der Einsatz wartet wieder auf eine Betreuung."


def family_informed(code: str) -> str:
    return f"Vermerkt: Die Familie ist über die Absage für Einsatz {code} informiert."
