"""Import every model module so that Base.metadata knows the whole schema (Alembic, tests)."""

import billing.models  # noqa: F401
import casework.callbacks.models  # noqa: F401
import casework.calls.models  # noqa: F401
import casework.cases.models  # noqa: F401
import casework.jobs.models  # noqa: F401
import casework.reference.models  # noqa: F401
import core.models  # noqa: F401
import core.notices  # noqa: F401
import messaging.models  # noqa: F401
import reporting.statistics.models  # noqa: F401
import volunteers.assignments.models  # noqa: F401
import volunteers.outreach.models  # noqa: F401
import volunteers.registry.models  # noqa: F401
from core.db import Base

metadata = Base.metadata
