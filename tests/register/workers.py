"""Work done in other processes by the register's concurrency tests (importable by spawn)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

BID_ID = "frailty-virtual-ward"


def record(url: str, worker: int, n_imports: int, rows_each: int, barrier: Any) -> None:
    """Record ``n_imports`` imports of ``rows_each`` actuals, starting with the others."""
    from bpv.register import Register

    register = Register(url)
    barrier.wait(timeout=120)
    for batch in range(n_imports):
        rows = [{"node": f"worker_{worker}", "period": f"batch {batch} row {row}",
                 "value": float(worker * 1_000 + batch * rows_each + row)}
                for row in range(rows_each)]
        register.record_actuals(BID_ID, rows, recorded_by=f"worker {worker}",
                                file_name=f"w{worker}-{batch}.csv")
    register.close()


def stall_in_import(url: str, ready: str) -> None:
    """Begin an import and stop half-way, inside its transaction, until killed.

    After the import's row and its first actuals are written (not committed),
    write ``ready`` and sleep: the test kills this process there.
    """
    import sqlalchemy as sa

    from bpv.register import Register

    register = Register(url)
    register.bids()  # connect and check the schema before the hook is set
    engine = register._get_engine()
    written = {"actuals": 0}

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _stall(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ACTUALS"):
            written["actuals"] += 1
            with open(ready, "w", encoding="utf-8") as file:
                file.write(str(os.getpid()))
            time.sleep(600)

    rows = [{"node": "killed", "period": f"row {row}", "value": float(row)}
            for row in range(200)]
    register.record_actuals(BID_ID, rows, recorded_by="doomed", file_name="killed.csv")
    sys.exit("the import finished: it should have been killed half-way")


def add_revision(url: str, text: str, barrier: Any, results: Any) -> None:
    """Add the same revised bid as the other processes, at the same moment."""
    import bpv
    from bpv.register import Register

    register = Register(url)
    bid = bpv.loads(text, format="json")
    barrier.wait(timeout=120)
    stored = register.add_bid(bid, text=text, approved_by="board", n_draws=100, seed=3)
    results.put(stored.version)
    register.close()
