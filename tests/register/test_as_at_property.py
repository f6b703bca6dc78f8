"""A property: after any sequence of imports and corrections, as_at gives back every past state.

The register's answer at each past moment is compared with the state a plain
Python model of the operations held then (the latest row of each node and
period, a correction replacing the row it corrects).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv
from bpv.register import Register

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"
BID_ID = "frailty-virtual-ward"

_import = st.tuples(st.just("import"), st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["2026/27", "2027/28"]),
              st.integers(0, 100)), min_size=1, max_size=3))
_correct = st.tuples(st.just("correct"), st.integers(0, 20), st.integers(0, 100))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(st.one_of(_import, _correct), min_size=1, max_size=6))
def test_as_at_reads_every_past_state_back(tmp_path_factory, operations):
    register = Register(tmp_path_factory.mktemp("reg") / "reg.db")
    register.init()
    with open(FRAILTY, encoding="utf-8") as file:
        register.add_bid(bpv.load(FRAILTY), text=file.read(), approved_by="board",
                         n_draws=100, seed=1)
    model: dict[tuple[str, str], float] = {}
    states: list[tuple[datetime, dict[tuple[str, str], float]]] = []
    for operation in operations:
        if operation[0] == "import":
            last_of_each = {(n, p): v for n, p, v in operation[1]}  # as one file gives them
            register.record_actuals(BID_ID, [{"node": n, "period": p, "value": v}
                                             for (n, p), v in last_of_each.items()],
                                    recorded_by="PMO")
            for node, period, value in operation[1]:
                model[(node, period)] = float(value)
        else:
            current = register.actuals(BID_ID)
            if not current:
                continue
            target = current[operation[1] % len(current)]
            register.correct_actual(target.id, value=operation[2], recorded_by="bea",
                                    reason="checked")
            model[(target.node, target.period)] = float(operation[2])
        time.sleep(0.002)
        states.append((datetime.now(UTC), dict(model)))
        time.sleep(0.002)
    for moment, expected in states:
        found = {(row.node, row.period): row.value for row in register.actuals(BID_ID, moment)}
        assert found == expected
    register.close()
