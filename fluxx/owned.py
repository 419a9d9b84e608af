"""The one list of what a case owns, assembled from every floor's declarations (see `core.case_owned`).

Case work cannot import the floors above it (billing), so the list is put together here, on the top floor,
and `fluxx.wiring` connects it for case work's merge, "untouched" and "has content" (and the retention
purge to come). A floor with a new case-owned table adds its declaration here;
`tests/casework/test_case_owned.py` fails until it does.
"""

from __future__ import annotations

import billing.models
import casework.callbacks.models
import casework.calls.models
import casework.cases.models
import casework.jobs.models
import core.models
import core.notices
import messaging.models
from core.case_owned import CaseOwnedTables

CASE_OWNED = CaseOwnedTables(
    (
        *casework.calls.models.CASE_OWNED,
        *casework.cases.models.CASE_OWNED,
        *casework.jobs.models.CASE_OWNED,
        *casework.callbacks.models.CASE_OWNED,
        *messaging.models.CASE_OWNED,
        *billing.models.CASE_OWNED,
        *core.models.CASE_OWNED,
        *core.notices.CASE_OWNED,
    )
)
