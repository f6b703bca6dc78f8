"""Quantiles read off sorted draws are numpy's own, number for number, whatever the draws."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bpv.engine.results import DEFAULT_QUANTILES, CashFlowResult, sorted_quantiles, summarise

# Finite draws up to 1e150 (squares overflow past that, in numpy's sd as in ours), and
# the draws that need care: signed zeros, infinities, NaN.
values = st.one_of(st.floats(min_value=-1e150, max_value=1e150),
                   st.sampled_from([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan]))
levels = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=6)


def _same(ours: float, numpy: float) -> bool:
    return (math.isnan(ours) and math.isnan(numpy)) or ours == numpy


def _numpy(draws: np.ndarray, quantiles: list[float]) -> list[float]:
    """What summarise computed before: numpy's quantile of the draws that are not NaN."""
    kept = draws[~np.isnan(draws)]
    if not kept.size:
        return [math.nan] * len(quantiles)
    method = "inverted_cdf" if np.isinf(kept).any() else "linear"
    return [float(v) for v in np.quantile(kept, quantiles, method=method)]


@settings(max_examples=400, deadline=None)
@given(draws=st.lists(values, max_size=60), quantiles=levels)
def test_sorted_quantiles_are_numpys_quantiles(draws, quantiles):
    array = np.array(draws, dtype=np.float64)
    ordered = np.sort(array)
    ordered = ordered[:ordered.size - np.count_nonzero(np.isnan(ordered))]
    ours = sorted_quantiles(ordered, quantiles)
    assert all(_same(a, b) for a, b in zip(ours, _numpy(array, quantiles), strict=True))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5_000), quantiles=levels)
def test_on_continuous_draws_every_bit_is_numpys(seed, n, quantiles):
    draws = np.random.default_rng(seed).normal(size=n) * 1e5
    ours = sorted_quantiles(np.sort(draws), quantiles)
    theirs = np.quantile(draws, quantiles)
    assert np.array_equal(np.array(ours).view(np.uint64), theirs.view(np.uint64))


def test_summarise_keeps_the_draws_it_was_given():
    draws = np.array([3.0, np.nan, 1.0, np.inf, 2.0])
    before = draws.copy()
    summary = summarise(draws, quantiles=DEFAULT_QUANTILES)
    assert np.array_equal(draws, before, equal_nan=True)
    assert summary["n_finite"] == 3
    assert summary["p95"] == math.inf  # order statistics once a draw is infinite


def _summarise_by_numpy(draws: np.ndarray) -> dict[str, float]:
    """The summary as numpy computes it directly: masks, mean, sd and numpy's quantile."""
    finite = draws[np.isfinite(draws)]
    n = finite.size
    sd = float(finite.std(ddof=1)) if n > 1 else math.nan
    result = {"mean": float(finite.mean()) if n else math.nan, "sd": sd,
              "mcse": sd / math.sqrt(n) if n > 1 else math.nan, "n_finite": float(n)}
    names = ("p5", "median", "p95")
    return result | dict(zip(names, _numpy(draws, list(DEFAULT_QUANTILES)), strict=True))


@settings(max_examples=300, deadline=None)
@given(draws=st.lists(values, max_size=80), step=st.integers(1, 3))
def test_summarise_gives_numpys_numbers_on_any_draws_contiguous_or_not(draws, step):
    array = np.array(draws, dtype=np.float64)[::step]  # a strided view when step > 1
    ours, theirs = summarise(array), _summarise_by_numpy(array)
    assert ours.keys() == theirs.keys()
    assert all(_same(ours[key], theirs[key]) for key in ours), (ours, theirs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 200_000))
def test_summarise_of_large_continuous_draws_is_numpys_bit_for_bit(seed, n):
    draws = np.random.default_rng(seed).lognormal(size=n) - 1.5
    ours, theirs = summarise(draws), _summarise_by_numpy(draws)
    assert np.array_equal(np.array(list(ours.values())).view(np.uint64),
                          np.array(list(theirs.values())).view(np.uint64))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), periods=st.integers(1, 12), n=st.integers(1, 500),
       transposed=st.booleans())
def test_cumulative_cash_flow_is_the_running_sum_over_periods_bit_for_bit(
        seed, periods, n, transposed):
    values = np.random.default_rng(seed).normal(size=(periods, n)) * 1e6
    net = values.T if transposed else np.ascontiguousarray(values.T)  # the engine's is a view
    flow = CashFlowResult("system", tuple(f"y{i}" for i in range(periods)), net)
    expected = np.cumsum(net, axis=1)
    assert np.array_equal(flow.cumulative.view(np.uint64), expected.view(np.uint64))
