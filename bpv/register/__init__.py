"""The benefits register: approved bids, their appraisals, actuals and snapshots, kept for good.

A register is a SQLite file or a PostgreSQL database (SQLAlchemy Core, one code
path for both). History is append-only, every read can be made as at a past
moment, and each import of actuals is one transaction. See docs/register.md.
"""

from bpv.register.records import (
    BidVersion,
    Event,
    ImportRecord,
    Snapshot,
    StoredActual,
    StoredAppraisal,
)
from bpv.register.schema import SCHEMA_VERSION
from bpv.register.store import Register

__all__ = [
    "Register",
    "BidVersion",
    "StoredAppraisal",
    "StoredActual",
    "ImportRecord",
    "Snapshot",
    "Event",
    "SCHEMA_VERSION",
]
