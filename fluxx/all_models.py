"""Import every model module so that Base.metadata knows the whole schema (Alembic, tests)."""

import casework.billing_models  # noqa: F401
import casework.models  # noqa: F401
import fluxx.models  # noqa: F401
import telephony.models  # noqa: F401
import volunteers.models  # noqa: F401
from fluxx.db import Base

metadata = Base.metadata
