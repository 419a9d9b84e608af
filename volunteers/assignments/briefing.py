"""What the carer learns by SMS about the people they look after: the rule, as a pure function.

DSGVO data minimisation (Art. 5(1)(c)): a volunteer's phone keeps an SMS for years, out of our reach, so
the confirmation SMS carries only what the carer needs to do the job that day, and the job page (staff
only, audited) keeps the rest.

Goes in, per person the case records (`CarePerson`):
- the label as recorded ("Vorname oder Initialen" on the case form), shortened to `LABEL_CHARS`: the
  carer greets the child by name;
- the age as the case page shows it ("4 Mon.", "3 J."): a baby needs something else than a schoolchild;
- the "Besonderheiten" (allergies, "kein Schweinefleisch", "Rollator"), up to `SPECIAL_CHARS` characters
  (all people together up to `SPECIALS_CHARS`; a cut ends in "..."): what can go wrong in the next hours
  if the carer does not know it. The whole text stays on the job page for staff to read out on the phone.

Never goes in:
- the "Bedarf" free text (`need_description`): counsellors write what the family told them there, often
  a diagnosis or the reason for the crisis (Art. 9 health data) — the carer does not need it to look
  after a child for an afternoon;
- the job's coordination notes ("gehen nicht per SMS hinaus", as the job form says) and the job's
  requirements (the carer was chosen because they meet them);
- more than `PERSONS_NAMED` people (the rest are counted: "und 2 weitere"), so the SMS stays short.

The family's address, contact name and phone are not decided here: the carer who holds the job gets them
(DESIGN: "The winner gets the address and contact"), because they must find the door and call when they
are late; no one else ever sees them by SMS (`volunteers.outreach.texts.offer`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from volunteers.outreach.rules import gsm7_safe

PERSONS_NAMED = 4
LABEL_CHARS = 20
SPECIAL_CHARS = 80
SPECIALS_CHARS = 160  # so that the confirmation stays within four SMS segments with four people named
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PersonFacts:
    """One person cared for, as the case records them (`casework.cases.models.CarePerson`)."""

    label: str
    age_label: str = ""  # "4 Mon.", "3 J." or empty (`CarePerson.age_label`)
    special_requirements: str | None = None
    need_description: str | None = None  # read here only to be left out: never part of the SMS


def _short(text: str, limit: int) -> str:
    """`text` on one line, cut at a word before `limit` characters ("..." marks the cut)."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 3].rsplit(" ", 1)[0] if " " in flat[: limit - 3] else flat[: limit - 3]
    return cut.rstrip(" ,;.") + "..."


def _person(person: PersonFacts, special_chars: int) -> str:
    name = gsm7_safe(_short(person.label, LABEL_CHARS), letters=False) or "Person"
    details = [person.age_label.strip()] if person.age_label.strip() else []
    if person.special_requirements and person.special_requirements.strip():
        details.append(gsm7_safe(_short(person.special_requirements, special_chars)))
    return f"{name} ({', '.join(details)})" if details else name


def carer_briefing(persons: Sequence[PersonFacts]) -> str:
    """The sentence about the people cared for in the carer's confirmation SMS, e.g.
    "Für: Mia (4 J., Nussallergie), Ben (8 Mon.)." — empty when the case records nobody. Never the
    `need_description` (see the module docstring for what goes in and why)."""
    if not persons:
        return ""
    shown = persons[:PERSONS_NAMED]
    special_chars = min(SPECIAL_CHARS, SPECIALS_CHARS // len(shown))
    named = [_person(person, special_chars) for person in shown]
    rest = len(persons) - len(named)
    more = f" und {rest} weitere" if rest > 0 else ""
    sentence = f"Für: {', '.join(named)}{more}"
    return sentence if sentence.endswith(".") else sentence + "."  # "K. M." ends the sentence already
