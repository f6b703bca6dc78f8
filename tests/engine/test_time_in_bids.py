"""lag and cumulative in a bid: worked by hand, in both kernels, with activities, and refused."""

from __future__ import annotations

import io
import keyword
import re
import tokenize

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv
from bpv.engine import compiled_kernel as compiled
from bpv.engine.ledger import METRICS, LedgerPlan
from bpv.errors import BidValidationError

RTOL = 1e-12  # as tests/engine/test_compiled_kernel.py: the kernels' last bits only

HEADER = """
id: time-check
title: Time check
start_year: 2025
horizon: {horizon}
organisations: [{{id: org, name: Org, role: provider}}]
settings: {{discount_rate: 0.035, health_discount_rate: 0.015}}
"""

#: A clinic enrols 100 people a period from its second period; each stays 3 periods and
#: costs 50 a period while enrolled; each saves 80 a period for the 2 periods after leaving.
COHORT = HEADER.format(horizon=7) + """
parameters:
  enrolled_a_period: {dist: fixed, value: 100}
  cost_a_period: {dist: fixed, value: 50}
  saving_a_period: {dist: fixed, value: 80}
nodes:
  - {id: clinic, kind: activity, start: 1}
  - {id: starts, kind: output, formula: "enrolled_a_period * clinic", measure: metric}
  - {id: enrolled, kind: output, formula: "cumulative(starts) - lag(cumulative(starts), 3)", measure: metric}
  - {id: care, kind: output, formula: "enrolled * cost_a_period", measure: cost, cost_type: revenue, organisation: org}
  - {id: left, kind: outcome, formula: "lag(starts, 3)", measure: metric}
  - {id: after_care, kind: outcome, formula: "cumulative(left) - lag(cumulative(left), 2)", measure: metric}
  - {id: saving, kind: impact, formula: "after_care * saving_a_period", measure: cash_releasing, organisation: org}
"""  # noqa: E501 (one node per line, as bids are written)


def test_a_cohort_that_stays_three_periods_worked_by_hand() -> None:
    result = bpv.appraise(bpv.loads(COHORT, format="yaml"), n_draws=4, rng=1, keep_flows=True)
    assert result.flows is not None
    # Starts from period 1 (the clinic's start); each person counted in 3 periods.
    starts = [0, 100, 100, 100, 100, 100, 100]
    enrolled = [0, 100, 200, 300, 300, 300, 300]
    left = [0, 0, 0, 0, 100, 100, 100]  # those who started 3 periods before
    after_care = [0, 0, 0, 0, 100, 200, 200]
    for node_id, want in [("starts", starts), ("enrolled", enrolled), ("left", left),
                          ("after_care", after_care)]:
        np.testing.assert_array_equal(result.flows[node_id], np.tile(want, (4, 1)), node_id)
    discount = 1.035 ** -np.arange(7.0)  # the Green Book rate, values at the end of a period
    cost_pv = sum(50 * e * d for e, d in zip(enrolled, discount, strict=True))
    saving_pv = sum(80 * a * d for a, d in zip(after_care, discount, strict=True))
    np.testing.assert_allclose(result["cost_pv"], cost_pv, rtol=1e-12)
    np.testing.assert_allclose(result["npv"], saving_pv - cost_pv, rtol=1e-12)


def test_a_lag_sees_an_activity_as_delivered_ramp_and_gate_included() -> None:
    bid = bpv.loads(HEADER.format(horizon=5) + """
parameters:
  x: {dist: fixed, value: 10}
nodes:
  - {id: hub, kind: activity, start: 1, ramp: 2, success: 0.5}
  - {id: later, kind: output, formula: "lag(hub, 1)", measure: metric}
  - {id: lagged_inside, kind: activity, start: 1, formula: "lag(x, 2)"}
  - {id: total, kind: output, formula: "cumulative(hub * x)", measure: metric}
""", format="yaml")
    result = bpv.appraise(bid, n_draws=200, rng=3, keep_flows=True, keep_inputs=True)
    assert result.flows is not None
    assert result.inputs is not None
    delivered = result.inputs["hub.delivered"][:, np.newaxis]  # 0 or 1 by draw
    profile = np.array([0, 0.5, 1, 1, 1])  # from period 1, over two periods
    np.testing.assert_array_equal(result.flows["later"], delivered * [0, 0, 0.5, 1, 1])
    np.testing.assert_array_equal(result.flows["total"],
                                  delivered * 10 * np.cumsum(profile))
    # In an activity's formula, the lag is of the formula's values; the activity's own
    # delivery (from period 1 here) applies after it.
    np.testing.assert_array_equal(result.flows["lagged_inside"],
                                  np.tile([0, 0, 10, 10, 10], (200, 1)))


# -- both kernels -------------------------------------------------------------------------

MIXED = HEADER.format(horizon=8) + """
parameters:
  x: {dist: normal, mean: 1, sd: 2}
  y: {dist: uniform, low: -3, high: 3}
  starts: {dist: gamma, mean: 120, sd: 30}
  stay: {dist: fixed, value: 3}
  budget: {dist: fixed, value: 100}
nodes:
  - {id: spend, kind: input, formula: "budget * (t == 0) + lag(budget / 4, 1)", measure: cost, cost_type: capital, organisation: org}
  - {id: act, kind: activity, success: 0.7, ramp: 2, formula: "1 + lag(abs(x), 1) / 10"}
  - {id: started, kind: output, formula: "starts * act", measure: metric}
  - {id: staying, kind: outcome, formula: "cumulative(started) - lag(cumulative(started), 3)", measure: metric}
  - {id: growth, kind: outcome, formula: "cumulative((1 + abs(y) / 10) ** t) * act + lag(x * t, 2) - cumulative(lag(y, 1))", measure: metric}
  - {id: saving, kind: impact, formula: "staying * 10 + growth", measure: cash_releasing, organisation: org}
  - {id: gain, kind: impact, formula: "lag(staying, 1) * 0.001", measure: qaly}
"""  # noqa: E501 (one node per line, as bids are written)


def assert_agree(numpy_values: np.ndarray, compiled_values: np.ndarray, what: str) -> None:
    a, b = np.asarray(numpy_values), np.asarray(compiled_values)
    assert a.shape == b.shape, what
    np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b), err_msg=what)
    finite = np.isfinite(a)
    scale = np.abs(a[finite]).max(initial=0.0)
    np.testing.assert_allclose(b[finite], a[finite], rtol=RTOL, atol=RTOL * scale, err_msg=what)


def appraise_both(bid: bpv.Bid, **options: object) -> tuple[bpv.Appraisal, bpv.Appraisal]:
    pytest.importorskip("numba")
    numpy_run, compiled_run = (bpv.appraise(bid, kernel=kernel, **options)  # type: ignore[arg-type]
                               for kernel in ("numpy", "compiled"))
    return numpy_run, compiled_run


def test_the_compiled_kernel_gives_the_numpy_kernels_values() -> None:
    bid = bpv.loads(MIXED, format="yaml")
    numpy_run, compiled_run = appraise_both(bid, n_draws=3_000, rng=7, keep_flows=True)
    assert numpy_run.flows is not None
    assert compiled_run.flows is not None
    for node_id, flow in numpy_run.flows.items():
        assert_agree(flow, compiled_run.flows[node_id], node_id)
    for name in METRICS:
        assert_agree(numpy_run[name], compiled_run[name], name)
    # The closed form of the cohort in either kernel: the sum of the last 3 periods' starts.
    started = numpy_run.flows["started"]
    by_lags = sum(np.pad(started, ((0, 0), (k, 0)))[:, :8] for k in range(3))
    np.testing.assert_allclose(compiled_run.flows["staying"], by_lags, rtol=1e-12,
                               atol=1e-12 * np.abs(by_lags).max())


def test_the_kernel_source_of_a_bid_over_time_names_nothing_from_the_bid() -> None:
    bid = bpv.loads(MIXED, format="yaml")
    source = compiled.kernel_source(bid, bid.evaluation_order(), LedgerPlan.from_bid(bid))
    names = {token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
             if token.type == tokenize.NAME and not keyword.iskeyword(token.string)}
    assert {"lg0", "cs0", "zeros"} <= names
    written = re.compile(r"(p|g|v|e|pw|pv|qa|mt|cum|pb|cs|lg|pd|ol|b\d+_)\d+\Z")
    unknown = {name for name in names if not written.match(name)}
    assert unknown <= {"kernel", "P", "G", "profiles", "money", "health", "base", "payback",
                       "qalys", "net", "rows", "flows", "status", "keep_flows", "cash_every",
                       "cash_first", "kc", "store", "bad", "big", "imbalance", "largest", "j", "t",
                       "tt", "d", "h", "cash", "income", "ql", "range", "float", "max", "abs",
                       "np", "inf", "nan", "exp", "log", "sqrt", "shape", "zeros"}


_LEAVES = st.sampled_from(["x", "y", "t", "node_a", "2.5", "3"])


def _over_time() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "<"]), inner).map(
                lambda p: f"({p[0]} {p[1]} {p[2]})"),
            st.tuples(inner, st.integers(0, 5)).map(lambda p: f"lag({p[0]}, {p[1]})"),
            inner.map(lambda a: f"cumulative({a})"),
            st.tuples(inner, inner).map(lambda p: f"max({p[0]}, {p[1]})"),
            inner.map(lambda a: f"(1 + abs({a}) / 10) ** t"),
        )

    return st.recursive(_LEAVES, extend, max_leaves=6)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=_over_time())
def test_any_formula_over_time_gives_the_same_values_in_both_kernels(formula: str) -> None:
    bid = bpv.loads(HEADER.format(horizon=5) + f"""
parameters:
  x: {{dist: normal, mean: 1, sd: 2}}
  y: {{dist: uniform, low: -3, high: 3}}
nodes:
  - {{id: act, kind: activity, success: 0.7, ramp: 2}}
  - {{id: node_a, kind: output, formula: "x * act + y", measure: metric}}
  - {{id: checked, kind: outcome, formula: "({formula}) + 0 * node_a", measure: metric}}
  - {{id: saving, kind: impact, formula: "checked * 10", measure: cash_releasing, organisation: org}}
""", format="yaml")  # noqa: E501 (one node per line, as bids are written)
    numpy_run, compiled_run = appraise_both(bid, n_draws=200, rng=5, keep_flows=True)
    assert numpy_run.flows is not None
    assert compiled_run.flows is not None
    for node_id, flow in numpy_run.flows.items():
        assert_agree(flow, compiled_run.flows[node_id], f"{node_id} of {formula}")


# -- refused, with the place --------------------------------------------------------------


def test_wrong_lags_are_located_and_all_reported() -> None:
    with pytest.raises(BidValidationError) as caught:
        bpv.loads(HEADER.format(horizon=4) + """
parameters:
  x: {dist: fixed, value: 1}
  k: {dist: fixed, value: 1}
nodes:
  - {id: a, kind: input, formula: "lag(x, -1)", measure: cost, cost_type: revenue, organisation: org}
  - {id: b, kind: input, formula: "lag(x, 1.5)", measure: cost, cost_type: revenue, organisation: org}
  - {id: c, kind: input, formula: "lag(x, k)", measure: cost, cost_type: revenue, organisation: org}
  - {id: d, kind: input, formula: "lag(x)", measure: cost, cost_type: revenue, organisation: org}
  - {id: e, kind: input, formula: "lag(x, 1)", measure: cost, cost_type: revenue, organisation: org}
""", format="yaml")  # noqa: E501 (one node per line, as bids are written)
    message = str(caught.value)
    assert message.startswith("4 problems found:"), message
    for line, node, what in [
        (13, 0, "lag(x, k) looks back k periods, so k must be 0 or more; got -1"),
        (14, 1, "the periods k of lag(x, k) must be a whole number, such as 1 or 2; got 1.5"),
        (15, 2, "the periods k of lag(x, k) must be written as a whole number, such as "
                "lag(x, 1), the same in every draw; got 'k'"),
        (16, 3, "lag takes exactly 2 arguments, got 1: lag(x, k)"),
    ]:
        assert f"line {line}: nodes[{node}].formula: {what}" in message, message


def test_a_node_that_lags_itself_is_a_cycle_and_the_message_says_what_to_write() -> None:
    with pytest.raises(BidValidationError) as caught:
        bpv.loads(HEADER.format(horizon=4) + """
parameters:
  x: {dist: fixed, value: 1}
nodes:
  - {id: stock, kind: output, formula: "lag(stock, 1) + x", measure: metric}
""", format="yaml")
    assert ("nodes[0]: cycle: stock -> stock; lag(x, k) still uses x, so a node cannot lag its "
            "own value: write a stock as the running total of its flows, "
            "cumulative(inflow) - cumulative(outflow)") in str(caught.value)


def test_a_lag_is_an_edge_of_the_logic_model() -> None:
    bid = bpv.loads(COHORT, format="yaml")
    graph = bpv.logic_model(bid)
    assert graph.has_edge("starts", "enrolled")
    assert graph.has_edge("starts", "left")
    assert graph.has_edge("left", "after_care")
