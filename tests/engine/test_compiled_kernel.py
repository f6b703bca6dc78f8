"""The compiled kernel (bpv.compiled) against the numpy kernel it must agree with."""

from __future__ import annotations

import io
import keyword
import math
import re
import tokenize
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv
from bpv.engine import compiled_kernel as compiled
from bpv.engine.ledger import METRICS, ORGANISATION_METRICS, SCOPE_BASE, LedgerPlan, derive
from bpv.engine.moments import Moments
from bpv.errors import EvaluationError, SpecError
from bpv.transform.adjustments import adjust

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]
BIDS = [*sorted((ROOT / "examples" / "bids").glob("*.yaml")),
        ROOT / "benchmarks" / "representative_bid.yaml"]
#: Sums in another order and the C library's exp/log/pow: last bits only.
RTOL = 1e-12


def assert_agree(numpy_values: Any, compiled_values: Any, what: str) -> None:
    a, b = np.asarray(numpy_values), np.asarray(compiled_values)
    assert a.shape == b.shape, what
    np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b), err_msg=what)
    finite = np.isfinite(a)
    scale = np.abs(a[finite]).max(initial=0.0)
    np.testing.assert_allclose(b[finite], a[finite], rtol=RTOL, atol=RTOL * scale, err_msg=what)
    np.testing.assert_array_equal(a[~finite], b[~finite], err_msg=what)  # inf where inf


@pytest.mark.parametrize("path", BIDS, ids=lambda p: p.stem)
def test_every_example_bid_gives_the_numpy_kernels_results(path: Path) -> None:
    bid = bpv.load(path)
    runs = {kernel: bpv.appraise(bid, n_draws=3_000, rng=7, kernel=kernel, keep_flows=True,
                                 keep_inputs=True)
            for kernel in ("numpy", "compiled")}
    numpy_run, compiled_run = runs["numpy"], runs["compiled"]
    assert numpy_run.inputs is not None
    assert compiled_run.inputs is not None
    for name in numpy_run.inputs:  # sampling is shared: the same draws to the bit
        np.testing.assert_array_equal(compiled_run.inputs[name], numpy_run.inputs[name])
    for name in METRICS:
        assert_agree(numpy_run[name], compiled_run[name], name)
    for org in bid.organisations:
        for name in ("npv", "cost_pv", "income_pv", "payback"):
            assert_agree(numpy_run.organisation(org.id)[name],
                         compiled_run.organisation(org.id)[name], f"{org.id} {name}")
    assert numpy_run.flows is not None
    assert compiled_run.flows is not None
    for node_id, flow in numpy_run.flows.items():
        assert_agree(flow, compiled_run.flows[node_id], node_id)
    for node_id in numpy_run.metric_nodes:
        assert_agree(numpy_run.metric_node(node_id).values,
                     compiled_run.metric_node(node_id).values, node_id)
    assert compiled_run.provenance["kernel"] == "compiled"
    assert numpy_run.provenance["kernel"] == "numpy"


def test_streaming_moments_agree_with_the_numpy_kernels() -> None:
    # Past the subsample cap, moments are computed in the kernel: means, sds
    # and probabilities of gain over every draw.
    bid = bpv.load(BIDS[-1])
    n = 140_000
    numpy_run = bpv.appraise(bid, n_draws=n, rng=3, keep_draws=False)
    compiled_run = bpv.appraise(bid, n_draws=n, rng=3, keep_draws=False, kernel="compiled")
    pairs = [(numpy_run, compiled_run)] + [
        (numpy_run.organisation(org.id), compiled_run.organisation(org.id))
        for org in bid.organisations]
    for numpy_view, compiled_view in pairs:
        a, b = numpy_view.summary(), compiled_view.summary()
        for metric, row in a.rows.items():
            for column in ("mean", "sd", "mcse"):
                expected, got = row[column], b.rows[metric][column]
                assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9) or (
                    math.isnan(got) and math.isnan(expected)), (metric, column)
    for node_id in numpy_run.metric_nodes:
        by_period = numpy_run.metric_node(node_id).by_period_moments
        other = compiled_run.metric_node(node_id).by_period_moments
        assert by_period is not None
        assert other is not None
        np.testing.assert_allclose(other.mean, by_period.mean, rtol=1e-9)
        np.testing.assert_allclose(other.m2, by_period.m2, rtol=1e-9)
    # Exact over every draw; a draw may flip only if its NPV is within rounding of 0.
    assert math.isclose(compiled_run.probability("npv", ">", 0),
                        numpy_run.probability("npv", ">", 0), abs_tol=1 / n)
    # The fan chart's draws (one in five here, from every slice at its own offset)
    # are the same draws, stored by the kernel for those draws only.
    for scope in [None, *(org.id for org in bid.organisations)]:
        numpy_cash, compiled_cash = numpy_run.cash_flow(scope), compiled_run.cash_flow(scope)
        assert numpy_cash.net.shape == (math.ceil(n / 5), bid.horizon)
        assert_agree(numpy_cash.net, compiled_cash.net, f"net cash of {scope}")


def test_compiled_results_are_identical_whatever_the_chunks_and_executor() -> None:
    bid = bpv.load(BIDS[0])
    n = 150_000

    def run(**options: Any) -> np.ndarray:
        result = bpv.appraise(bid, n_draws=n, rng=11, kernel="compiled", keep_draws=False,
                              **options)
        return np.array([result.summary().rows[m]["mean"] for m in ("npv", "qalys")]
                        + list(result.subsample("npv")))

    reference = run()
    with ThreadPoolExecutor(2) as threads:
        np.testing.assert_array_equal(run(executor=threads, chunk_size=1), reference)
    with ProcessPoolExecutor(2) as processes:
        np.testing.assert_array_equal(run(executor=processes, chunk_size=200_000), reference)


# -- formulas: every construct of the language, against numpy ---------------------------

_LEAVES = st.sampled_from(["x", "y", "t", "node_a", "2.5", "0.5", "3"])


def _formulas() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "<", "<=", ">", ">=",
                                                   "==", "!=", "and", "or"]), inner)
        return st.one_of(
            binary.map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
            inner.map(lambda a: f"(-{a})"),
            inner.map(lambda a: f"(not {a})"),
            inner.map(lambda a: f"abs({a})"),
            inner.map(lambda a: f"sqrt(abs({a}) + 1)"),
            inner.map(lambda a: f"exp(min({a}, 5))"),
            inner.map(lambda a: f"log(abs({a}) + 1)"),
            st.tuples(inner, inner).map(lambda p: f"min({p[0]}, {p[1]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"max({p[0]}, {p[1]}, {p[2]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"clip({p[0]}, {p[1]}, {p[2]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"where({p[0]}, {p[1]}, {p[2]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
            inner.map(lambda a: f"(1 + abs({a}) / 10) ** t"),
            st.tuples(inner, inner).map(lambda p: f"(abs({p[0]}) + 1) ** min({p[1]}, 2)"),
            st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} < {p[1]} <= {p[2]})"),
            st.tuples(inner, st.integers(0, 5)).map(lambda p: f"lag({p[0]}, {p[1]})"),
            inner.map(lambda a: f"cumulative({a})"),
        )

    return st.recursive(_LEAVES, extend, max_leaves=8)


def _formula_bid(formula: str) -> bpv.Bid:
    return bpv.loads(f"""
id: formula-check
title: Formula check
start_year: 2025
horizon: 4
organisations: [{{id: org, name: Org, role: provider}}]
parameters:
  x: {{dist: normal, mean: 1, sd: 2}}
  y: {{dist: uniform, low: -3, high: 3}}
  budget: {{dist: fixed, value: 100}}
nodes:
  - {{id: spend, kind: input, formula: "budget * (t == 0)", measure: cost, cost_type: capital, organisation: org}}
  - {{id: act, kind: activity, success: 0.7, ramp: 2}}
  - {{id: node_a, kind: output, formula: "x * act + y", measure: metric}}
  - {{id: checked, kind: outcome, formula: "({formula}) + 0 * node_a", measure: metric}}
  - {{id: saving, kind: impact, formula: "checked * 10", measure: cash_releasing, organisation: org}}
""", format="yaml")  # noqa: E501 (one node per line, as bids are written)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=_formulas())
def test_any_formula_gives_the_numpy_kernels_values(formula: str) -> None:
    bid = _formula_bid(formula)
    outcomes = {}
    for kernel in ("numpy", "compiled"):
        try:
            outcomes[kernel] = bpv.appraise(bid, n_draws=200, rng=5, kernel=kernel,
                                            keep_flows=True)
        except EvaluationError as error:  # both kernels must name the same node and draw
            outcomes[kernel] = str(error)
    numpy_run, compiled_run = outcomes["numpy"], outcomes["compiled"]
    if isinstance(numpy_run, str) or isinstance(compiled_run, str):
        assert compiled_run == numpy_run
        return
    assert numpy_run.flows is not None
    assert compiled_run.flows is not None
    for node_id, flow in numpy_run.flows.items():
        assert_agree(flow, compiled_run.flows[node_id], f"{node_id} of {formula}")
    for name in METRICS:
        assert_agree(numpy_run[name], compiled_run[name], f"{name} of {formula}")


def test_a_value_that_is_not_finite_is_named_as_the_numpy_kernel_names_it() -> None:
    bid = _formula_bid("1 / (y - y)")
    messages = []
    for kernel in ("numpy", "compiled"):
        with pytest.raises(EvaluationError, match="'checked' gives values that are not finite"
                           ) as caught:
            bpv.appraise(bid, n_draws=100, rng=1, kernel=kernel)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


# -- the pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(compiled.DERIVED_SOURCE))
def test_derived_metric_sources_say_what_the_ledger_derives(name: str) -> None:
    rng = np.random.default_rng(0)
    base = {key: rng.normal(0, 100, 50) for key in ("cost_pv", "benefit_pv",
                                                    "cash_releasing_pv", "income_pv", "qalys")}
    base["cost_pv"][:5] = 0.0  # ratios without a cost or income paid out are nan
    base["income_pv"][:3] = np.abs(base["income_pv"][:3])
    expected = derive(name, base, qaly_value=20_000.0)
    for draw in range(50):
        atoms = {key: repr(float(values[draw])) for key, values in base.items()}
        source = compiled.derived_source(name, atoms, 20_000.0)
        value = eval(source, {"np": np})  # noqa: S307
        assert value == expected[draw] or (math.isnan(value) and math.isnan(expected[draw]))


def test_every_derived_metric_has_a_source() -> None:
    # Every reported metric is a base quantity or derived; the kernel writes each.
    derived = set(METRICS + ORGANISATION_METRICS) - set(SCOPE_BASE) - {"qalys"}
    assert set(compiled.DERIVED_SOURCE) == derived


def test_row_moments_are_those_of_finite_values() -> None:
    rows = np.random.default_rng(2).normal(50.0, 3.0, (4, 1_001))
    rows[1, 10] = np.inf
    rows[2, :] = np.nan
    rows[3, ::7] = np.nan
    got, expected = compiled.row_moments(rows), Moments.of_rows(rows)
    np.testing.assert_array_equal(got.count, expected.count)
    np.testing.assert_allclose(got.mean, expected.mean, rtol=1e-13)
    np.testing.assert_allclose(got.m2, expected.m2, rtol=1e-11)


def test_without_numba_the_compiled_kernel_says_how_to_get_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(SpecError, match=r"pip install 'bpv\[compiled\]'"):
        bpv.appraise(bpv.load(BIDS[0]), n_draws=10, kernel="compiled")


def test_an_unknown_kernel_is_refused() -> None:
    with pytest.raises(SpecError, match="'kernel' parameter of appraise must be one of"):
        bpv.appraise(bpv.load(BIDS[0]), n_draws=10, kernel="fortran")  # type: ignore[arg-type]


@pytest.mark.parametrize("path", BIDS, ids=lambda p: p.stem)
def test_the_kernel_source_names_nothing_from_the_bid(path: Path) -> None:
    # Names become indices and numbers reprs: every identifier in the source is
    # one the writer makes, whatever the bid calls its parameters and nodes.
    bid = bpv.load(path)
    source = compiled.kernel_source(bid, bid.evaluation_order(), LedgerPlan.from_bid(bid))
    names = {token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
             if token.type == tokenize.NAME and not keyword.iskeyword(token.string)}
    written = re.compile(r"(p|g|v|e|pw|pv|qa|mt|cum|pb|cs|lg|pd|ol|b\d+_)\d+\Z")
    fixed = {"kernel", "P", "G", "profiles", "money", "health", "base", "payback", "qalys",
             "net", "rows", "flows", "status", "keep_flows", "cash_every", "cash_first",
             "kc", "store", "bad", "big", "imbalance", "largest",
             "j", "t", "tt", "d", "h", "cash", "income", "ql", "range", "float", "max", "abs",
             "np", "inf", "nan", "exp", "log", "sqrt", "shape", "zeros"}
    assert {name for name in names if not written.match(name)} <= fixed


@pytest.mark.parametrize("path", BIDS, ids=lambda p: p.stem)
def test_keeping_flows_runs_the_machine_code_already_compiled(path: Path) -> None:
    # numba compiles once per layout of its arguments: kept flows or not, the
    # warm-up's layouts are those of every later call.
    bid = bpv.load(path)
    for keep_flows in (False, True):
        bpv.appraise(bid, n_draws=100, rng=2, kernel="compiled", keep_flows=keep_flows)
    effective = adjust(bid).bid  # the bid the engine compiles: its policies applied
    source = compiled.kernel_source(effective, effective.evaluation_order(),
                                    LedgerPlan.from_bid(effective))
    assert len(compiled._compile(source).signatures) == 1
