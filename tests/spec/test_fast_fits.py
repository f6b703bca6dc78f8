"""Checking a bid without scipy.stats or scipy.optimize: the small solvers and what they replace.

Each replacement is checked against the scipy computation it stands in for:
Brent's method against ``scipy.optimize.brentq`` to the last bit, the
quantile functions against ``scipy.stats`` ppf, the quick interval fits
against :func:`fit_interval`, and the graph searches against networkx.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import optimize

import bpv
from bpv.spec import _fitting
from bpv.spec._fitting import (
    FIT_SHAPES,
    fit_interval,
    fitted_distribution,
    interval_parameters,
    quantile_function,
    quick_fit_interval,
)
from bpv.spec._roots import RootNotFoundError, brentq, newton2
from bpv.spec.graph import ancestors, evaluation_order, find_cycles
from tests.spec.test_fitting import FIT, intervals

# -- Brent's method ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(root=st.floats(-1e3, 1e3), curvature=st.floats(0, 50), scale=st.floats(1e-3, 1e3),
       left=st.floats(1e-6, 1e3), right=st.floats(1e-6, 1e3), power=st.sampled_from([1, 3, 5]),
       tolerances=st.sampled_from([(1e-14, 1e-15), (2e-12, 8.9e-16), (1e-6, 1e-10),
                                   (1e-300, 8.9e-16)]))
@example(root=1.1125369292536007e-308, curvature=0.0, scale=0.125, left=1.0, right=1.0,
         power=1, tolerances=(1e-14, 1e-15))  # products of values underflow to 0
def test_brentq_takes_scipys_steps_to_the_last_bit(root, curvature, scale, left, right, power,
                                                   tolerances):
    def f(x: float) -> float:
        d = x - root
        return scale * (d**power + curvature * d * abs(d) + math.sinh(d / 100))

    xtol, rtol = tolerances
    try:
        theirs = optimize.brentq(f, root - left, root + right, xtol=xtol, rtol=rtol,
                                 maxiter=500)
    except RuntimeError:  # no convergence: neither converges
        with pytest.raises(RootNotFoundError):
            brentq(f, root - left, root + right, xtol=xtol, rtol=rtol, maxiter=500)
        return
    ours = brentq(f, root - left, root + right, xtol=xtol, rtol=rtol, maxiter=500)
    assert ours == theirs  # the same float, not merely close


def test_brentq_reports_what_scipy_raises_for():
    with pytest.raises(RootNotFoundError, match="same sign"):
        brentq(lambda x: x * x + 1, -1.0, 1.0, xtol=1e-12, rtol=1e-15, maxiter=50)
    with pytest.raises(RootNotFoundError, match="NaN"):
        brentq(lambda x: math.nan if x > 0 else -1.0, -1.0, 1.0, xtol=1e-12, rtol=1e-15,
               maxiter=50)
    with pytest.raises(RootNotFoundError, match="no convergence"):
        brentq(lambda x: x**3 - 0.3, 0.0, 1.0, xtol=1e-300, rtol=1e-15, maxiter=3)


@settings(max_examples=50, deadline=None)
@given(a=st.floats(0.5, 20), b=st.floats(-5, 5))
def test_newton2_solves_a_smooth_system(a, b):
    # x * y = a, x - y = b has the root x = (b + sqrt(b**2 + 4a)) / 2, y = x - b
    x, y = newton2(lambda x, y: (x * y - a, x - y - b), (2.0 * math.sqrt(a), math.sqrt(a)),
                   tol=1e-12)
    expected = (b + math.sqrt(b * b + 4 * a)) / 2
    assert x == pytest.approx(expected, rel=1e-10)
    assert y == pytest.approx(expected - b, rel=1e-10, abs=1e-10)


def test_newton2_gives_up_where_no_step_helps():
    with pytest.raises(RootNotFoundError):
        newton2(lambda x, y: (x * x + 1.0, y * y + 1.0), (0.5, 0.5), tol=1e-12)


# -- the fits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["normal", "lognormal", "gamma"])
@FIT
@given(data=st.data())
def test_quick_fits_are_the_fits_but_for_a_beta(shape, data):
    low, high, confidence = data.draw(intervals(shape))
    try:
        expected = fit_interval(low, high, confidence, shape)
    except bpv.SpecError:
        with pytest.raises(bpv.SpecError):
            quick_fit_interval(low, high, confidence, shape)
        return
    assert quick_fit_interval(low, high, confidence, shape) == expected


@FIT
@given(data=st.data())
def test_the_gamma_fit_is_what_scipy_brentq_found(data):
    # The fit as it was before bpv had its own Brent's method: scipy's, step for step.
    low, high, confidence = data.draw(intervals("gamma"))
    ours = fit_interval(low, high, confidence, "gamma")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fitting, "brentq", lambda f, a, b, **kw: optimize.brentq(f, a, b, **kw))
        theirs = fit_interval(low, high, confidence, "gamma")
    assert ours == theirs


@FIT
@given(data=st.data())
def test_a_quick_beta_fit_is_close_and_an_appraisal_uses_scipys(data):
    low, high, confidence = data.draw(intervals("beta"))
    quick = quick_fit_interval(low, high, confidence, "beta")
    exact = fit_interval(low, high, confidence, "beta")
    assert quick["a"] == pytest.approx(exact["a"], rel=1e-8)
    assert quick["b"] == pytest.approx(exact["b"], rel=1e-8)
    assert interval_parameters(low, high, confidence, "beta", checked=quick) == exact
    spec = bpv.dist.Interval(low=low, high=high, confidence=confidence, shape="beta")
    assert spec.fitted == exact


def test_an_interval_that_only_the_quick_search_fits_keeps_the_quick_fit(monkeypatch):
    quick = quick_fit_interval(0.10, 0.25, 0.9, "beta")

    def fails(*args: object) -> dict[str, float]:
        raise bpv.SpecError("no")

    monkeypatch.setattr(_fitting, "fit_interval", fails)
    _fitting._kept_interval_fit.cache_clear()
    try:
        assert interval_parameters(0.10, 0.25, 0.9, "beta", checked=quick) == quick
    finally:
        _fitting._kept_interval_fit.cache_clear()


@pytest.mark.parametrize("shape", FIT_SHAPES)
@settings(max_examples=60, deadline=None)
@given(first=st.floats(-3, 3), second=st.floats(-3, 3),
       probs=st.lists(st.floats(1e-9, 1 - 1e-9), min_size=1, max_size=5))
def test_quantile_function_is_scipy_stats_ppf(shape, first, second, probs):
    parameters = {"normal": {"loc": 10 * first, "scale": 10**second},
                  "lognormal": {"s": 10 ** (second / 3), "scale": 10**first},
                  "gamma": {"a": 10**first, "scale": 10**second},
                  "beta": {"a": 10**first, "b": 10**second}}[shape]
    expected = fitted_distribution(shape, parameters).ppf(probs)
    assert quantile_function(shape, parameters, probs) == pytest.approx(
        list(expected), rel=1e-12, abs=1e-300)


# -- the graph searches -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    id: str
    uses: tuple[str, ...]
    is_qualitative: bool = False

    def links(self) -> dict[str, str]:
        return dict.fromkeys(self.uses, "formula")


@dataclass(frozen=True)
class _Model:
    nodes: tuple[_Node, ...]
    id: str = "g"
    title: str = "g"
    parameters: dict[str, object] = field(default_factory=dict)

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(node.id for node in self.nodes)


@st.composite
def acyclic_models(draw: st.DrawFn) -> _Model:
    """A random logic model: node i may use nodes before it; written in a shuffled order."""
    n = draw(st.integers(1, 25))
    uses = [tuple(f"n{j}" for j in range(i) if draw(st.booleans()) and draw(st.booleans()))
            for i in range(n)]
    nodes = [_Node(f"n{i}", uses[i], draw(st.integers(0, 9)) == 0) for i in range(n)]
    return _Model(tuple(draw(st.permutations(nodes))))


@settings(max_examples=100, deadline=None)
@given(model=acyclic_models())
def test_evaluation_order_is_networkx_lexicographical_topological_sort(model):
    position = {node.id: i for i, node in enumerate(model.nodes)}
    graph = nx.DiGraph()
    graph.add_nodes_from(node.id for node in model.nodes)
    graph.add_edges_from((used, node.id) for node in model.nodes for used in node.uses)
    expected = [name for name in nx.lexicographical_topological_sort(graph,
                                                                      key=position.__getitem__)
                if not model.nodes[position[name]].is_qualitative]
    assert [node.id for node in evaluation_order(model)] == expected
    uses = {node.id: list(node.uses) for node in model.nodes}
    for node in model.nodes:
        assert ancestors(uses, node.id) == nx.ancestors(graph, node.id)
    assert find_cycles(graph.edges, position) == []


def test_the_example_bids_order_as_before():
    for path in ("frailty_virtual_ward", "diabetes_prevention", "pathology_network"):
        bid = bpv.load(Path(__file__).parents[2] / "examples" / "bids" / f"{path}.yaml")
        position = {node.id: i for i, node in enumerate(bid.nodes)}
        expected = [bid.nodes[position[name]] for name in nx.lexicographical_topological_sort(
            bpv.logic_model(bid), key=position.__getitem__)
            if not bid.nodes[position[name]].is_qualitative]
        assert bid.evaluation_order() == expected
