"""The voice menu's rules: what a key or a spoken answer means."""

from __future__ import annotations

import re

from casework.enums import Need

KEYS = {"1": Need.CHILD_CARE, "2": Need.RELATIVE_CARE, "3": Need.DRIVING, "0": Need.OTHER}

# Word stems a caller may say; checked in this order, so "Fahrt zum Kinderarzt" is a driving service.
SPOKEN = [
    (("fahrdienst", "fahrt", "fahren", "transport", "abholen", "drei"), Need.DRIVING),
    (("kind", "baby", "kita", "tochter", "sohn", "eins"), Need.CHILD_CARE),
    (
        ("angehörig", "angehoerig", "pflege", "mutter", "vater", "oma", "opa", "eltern", "senior", "zwei"),
        Need.RELATIVE_CARE,
    ),  # fmt: skip
    (("anderes", "andere", "sonstig", "beratung", "frage", "null"), Need.OTHER),
]

MENU_ATTEMPTS = 2


def menu_choice(digits: str | None, speech: str | None) -> Need | None:
    """The need a caller chose by key or by voice, or None when we could not tell."""
    key = (digits or "").strip()[:1]
    if key in KEYS:
        return KEYS[key]
    words = re.sub(r"[^\wäöüß ]", " ", (speech or "").casefold())
    if not words.strip():
        return None
    for stems, need in SPOKEN:
        if any(stem in words for stem in stems):
            return need
    return None
