"""Import every model module so that Base.metadata knows the whole schema (Alembic, tests)."""

import casework.billing_models  # noqa: F401
import casework.models  # noqa: F401
import fluxx.core.models  # noqa: F401
import telephony.outbox.models  # noqa: F401
import volunteers.models  # noqa: F401
from fluxx.core.db import Base

metadata = Base.metadata
