"""Rules of care jobs, pure: which statuses wait for a carer, and the short job codes for SMS.

A job code (`JA 4821`) has four digits and is unique among open jobs. The caller passes the random
generator and the codes in use. The database's unique constraint on `care_job.active_code` is the final
arbiter when two jobs are created at the same moment.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection

from casework.enums import JobStatus, Need
from core.errors import DomainError

# A job in one of these statuses still waits for a carer: the dashboard lists it, its case cannot close.
WAITING_FOR_CARER = (JobStatus.OPEN, JobStatus.SEARCHING, JobStatus.UNFILLED)
# Jobs that may still be changed.
EDITABLE = (*WAITING_FOR_CARER, JobStatus.FILLED)
# Needs a job can be made for.
CONCRETE_NEEDS = (Need.CHILD_CARE, Need.RELATIVE_CARE, Need.DRIVING)

# No leading zero: volunteers type codes by hand, and "0421" easily becomes "421".
LOWEST = 1000
HIGHEST = 9999
CODE_PATTERN = re.compile(r"^[1-9]\d{3}$")


class NoFreeCode(DomainError, RuntimeError):
    """All codes are taken by open jobs (or every attempt collided); the message is German, for staff."""


def random_code(rng: random.Random) -> str:
    return str(rng.randint(LOWEST, HIGHEST))


def pick_code(rng: random.Random, taken: Collection[str], attempts: int = 50) -> str:
    """A random code not in `taken`; random rather than sequential so codes are not guessable."""
    if len(taken) >= HIGHEST - LOWEST + 1:
        raise NoFreeCode("Alle Einsatzcodes sind vergeben.")
    for _ in range(attempts):
        code = random_code(rng)
        if code not in taken:
            return code
    # Almost everything is taken: fall back to the first free code instead of guessing forever.
    for number in range(LOWEST, HIGHEST + 1):
        if str(number) not in taken:
            return str(number)
    raise NoFreeCode("Alle Einsatzcodes sind vergeben.")


def is_valid_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))
