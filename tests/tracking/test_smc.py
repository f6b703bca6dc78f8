"""The SMC's parts: systematic resampling, and tempering with pCN moves on a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpv.tracking.smc import resample_systematic, temper
from bpv.tracking.weighted import normalise


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), spread=st.floats(0.0, 5.0))
def test_systematic_resampling_copies_each_draw_floor_or_ceil_of_n_w_times(seed, n, spread):
    rng = np.random.default_rng(seed)
    weights = normalise(spread * rng.standard_normal(n))
    index = resample_systematic(weights, rng)
    counts = np.bincount(index, minlength=n)
    assert counts.sum() == n
    assert (counts >= np.floor(n * weights - 1e-9)).all()
    assert (counts <= np.ceil(n * weights + 1e-9)).all()


def test_a_draw_of_no_weight_is_never_copied():
    weights = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    for seed in range(20):
        index = resample_systematic(weights, np.random.default_rng(seed))
        assert set(index.tolist()) <= {1, 3}


def test_tempering_reaches_a_sharp_two_dimensional_posterior():
    # prior N(0, I) in 2-d, y = z0 + z1 seen with sd 0.1: the posterior of z0 + z1 is
    # N(2 * 1.5 / (2 + 0.01), 0.01 * 2 / 2.01); z0 - z1 keeps its prior N(0, 2)
    def log_l(z):
        return -0.5 * ((z[:, 0] + z[:, 1] - 1.5) / 0.1) ** 2

    n = 20_000
    z0 = np.random.default_rng(0).standard_normal((n, 2))
    run = temper(z0, log_l(z0), lambda z: (log_l(z), None), rng=np.random.default_rng(3))
    total, difference = run.scores.sum(axis=1), run.scores[:, 0] - run.scores[:, 1]
    mean, sd = 3.0 / 2.01, math.sqrt(0.02 / 2.01)
    # errors of n / 10 independent draws (correlated particles), 4.5 of them
    assert total.mean() == pytest.approx(mean, abs=4.5 * sd / math.sqrt(n / 10))
    assert total.std() == pytest.approx(sd, rel=4.5 / math.sqrt(n / 10))
    assert difference.std() == pytest.approx(math.sqrt(2), rel=4.5 / math.sqrt(n / 10))
    assert run.temperatures[-1] == 1.0
    assert list(run.temperatures) == sorted(run.temperatures)
    assert run.evaluations == 8 * len(run.temperatures)
    assert all(0.1 < rate < 0.7 for rate in run.acceptance[1:])
