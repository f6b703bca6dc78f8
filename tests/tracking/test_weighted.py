"""Weighted summaries: against numpy on repeated draws, and the ESS's limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpv.tracking.weighted import (
    effective_sample_size,
    normalise,
    support,
    weighted_mean,
    weighted_quantile,
    weighted_sd,
)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.integers(-50, 50), min_size=1, max_size=30),
       counts=st.lists(st.integers(0, 6), min_size=30, max_size=30),
       q=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_quantiles_with_whole_weights_are_numpys_on_the_repeated_values(values, counts, q):
    x = np.asarray(values, dtype=float)
    c = np.asarray(counts[:x.size])
    if c.sum() == 0:
        c[0] = 1
    repeated = np.repeat(x, c)
    np.testing.assert_array_equal(weighted_quantile(x, c, q),
                                  np.quantile(repeated, q, method="inverted_cdf"))
    w = c / c.sum()
    assert weighted_mean(x, w) == pytest.approx(repeated.mean(), abs=1e-9)
    assert weighted_sd(x, w) == pytest.approx(repeated.std(), abs=1e-9)


def test_normalise_is_log_sum_exp_and_zeroes_minus_infinity():
    weights = normalise([-1000.0, -1000.0 + np.log(3.0), -np.inf])
    np.testing.assert_allclose(weights, [0.25, 0.75, 0.0])
    assert np.isnan(normalise([-np.inf, -np.inf])).all()


def test_effective_sample_size_runs_from_one_to_n():
    assert effective_sample_size(np.full(400, 1 / 400)) == pytest.approx(400)
    assert effective_sample_size(np.eye(1, 400)[0]) == 1.0
    # two equal groups of weight: Kish's 1 / Σw² counts the draws that carry weight
    assert effective_sample_size(np.r_[np.full(10, 0.1), np.zeros(90)]) == pytest.approx(10)


def test_zero_weights_are_ignored_even_at_the_ends():
    x = np.array([-np.inf, 1.0, 2.0, np.inf])
    w = np.array([0.0, 0.5, 0.5, 0.0])
    assert weighted_quantile(x, w, 0.0) == 1.0
    assert weighted_quantile(x, w, 1.0) == 2.0
    assert weighted_mean(x, w) == 1.5


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.1, 30.0))
def test_quantiles_over_the_support_are_within_the_negligible_weight(seed, spread):
    # leaving out draws of total weight <= 1e-6 moves the CDF by at most 1e-6: the
    # quantile found over the rest lies between the full quantiles at q -/+ 1e-6
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(5_000)
    w = normalise(spread * rng.standard_normal(5_000))
    kept = support(w)
    assert w[np.setdiff1d(np.arange(x.size), kept)].sum() <= 1e-6
    q = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    found = weighted_quantile(x[kept], w[kept], q)
    assert (weighted_quantile(x, w, np.clip(q - 1e-6, 0, 1)) <= found).all()
    assert (found <= weighted_quantile(x, w, np.clip(q + 1e-6, 0, 1))).all()
