"""Pure parsing of a volunteer's SMS into a command. No database, no I/O: tested in microseconds.

Keywords count only as the whole message ("Stopp!" opts out, "Start ist um 9?" does not), the way
carriers and Twilio treat opt-out words. Twilio itself acts on the English STOP/START (and sends its own
confirmation, blocking ours); the German STOPP and ABMELDEN are only ours. Later commands (JA/NEIN
with a job code, STUNDEN) are added here as new kinds and handled in `volunteers.replies`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class ReplyKind(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    OTHER = "other"


KEYWORDS = {
    "STOP": ReplyKind.OPT_OUT,
    "STOPP": ReplyKind.OPT_OUT,
    "ABMELDEN": ReplyKind.OPT_OUT,
    "START": ReplyKind.OPT_IN,
    "HILFE": ReplyKind.HELP,
    "HELP": ReplyKind.HELP,
}


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str


def normalise(text: str) -> str:
    """Upper case without surrounding spaces, punctuation or emoji: " stopp! 🙏" -> "STOPP"."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    return re.sub(r"^[\W_]+|[\W_]+$", "", folded)


def parse(text: str) -> Reply:
    return Reply(kind=KEYWORDS.get(normalise(text), ReplyKind.OTHER), text=text)
