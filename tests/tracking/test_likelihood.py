"""The likelihood of actuals: against scipy.stats; impossible values -inf without warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from bpv.errors import SpecError
from bpv.tracking.likelihood import log_likelihood, observation_log_likelihood
from bpv.tracking.observations import Observation
from bpv.tracking.series import SeriesKey

KEY = SeriesKey("admissions_avoided")
MEANS = np.array([[0.5, 4.0], [3.0, 40.0], [7.0, 120.0], [2.0, 0.25]])


def _seen(value, likelihood, *, year=1, share=0.5, **spread):
    return Observation(KEY, year=year, share=share, value=value, likelihood=likelihood,
                       **spread)


def test_normal_with_sd_is_scipys_norm():
    seen = _seen(17.0, "normal", sd=3.0)
    expected = stats.norm(0.5 * MEANS[:, 1], 3.0).logpdf(17.0)
    np.testing.assert_allclose(observation_log_likelihood(seen, {KEY: MEANS}), expected,
                               rtol=1e-12)


def test_normal_with_cv_scales_with_the_expected_value():
    seen = _seen(17.0, "normal", cv=0.2)
    mu = 0.5 * MEANS[:, 1]
    np.testing.assert_allclose(observation_log_likelihood(seen, {KEY: MEANS}),
                               stats.norm(mu, 0.2 * mu).logpdf(17.0), rtol=1e-12)


def test_poisson_is_scipys_poisson():
    seen = _seen(12.0, "poisson")
    np.testing.assert_allclose(observation_log_likelihood(seen, {KEY: MEANS}),
                               stats.poisson(0.5 * MEANS[:, 1]).logpmf(12), rtol=1e-12)


def test_lognormal_with_cv_has_the_expected_value_as_its_mean():
    cv = 0.3
    seen = _seen(17.0, "lognormal", cv=cv)
    mu = 0.5 * MEANS[:, 1]
    sigma = math.sqrt(math.log1p(cv**2))
    reference = stats.lognorm(s=sigma, scale=mu * math.exp(-sigma**2 / 2))
    np.testing.assert_allclose(observation_log_likelihood(seen, {KEY: MEANS}),
                               reference.logpdf(17.0), rtol=1e-12)
    np.testing.assert_allclose(reference.mean(), mu, rtol=1e-12)
    np.testing.assert_allclose(reference.std() / reference.mean(), cv, rtol=1e-12)


def test_lognormal_with_sd_takes_it_as_sigma_on_the_log_scale():
    seen = _seen(17.0, "lognormal", sd=0.4)
    mu = 0.5 * MEANS[:, 1]
    reference = stats.lognorm(s=0.4, scale=mu * math.exp(-0.08))
    np.testing.assert_allclose(observation_log_likelihood(seen, {KEY: MEANS}),
                               reference.logpdf(17.0), rtol=1e-12)


def test_the_total_is_the_sum_over_actuals():
    both = [_seen(12.0, "poisson"), _seen(1.0, "normal", year=0, share=1.0, sd=0.5)]
    total = log_likelihood(both, {KEY: MEANS})
    expected = (stats.poisson(0.5 * MEANS[:, 1]).logpmf(12)
                + stats.norm(MEANS[:, 0], 0.5).logpdf(1.0))
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    assert log_likelihood([], {KEY: MEANS}).tolist() == [0.0] * 4


def test_impossible_actuals_are_minus_infinity_without_warnings():
    zero = np.array([[0.0], [5.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        count = observation_log_likelihood(_seen(3.0, "poisson", year=0), {KEY: zero})
        none = observation_log_likelihood(_seen(0.0, "poisson", year=0), {KEY: zero})
        logn = observation_log_likelihood(_seen(3.0, "lognormal", year=0, cv=0.1),
                                          {KEY: zero})
        not_positive = observation_log_likelihood(_seen(0.0, "lognormal", year=0, cv=0.1),
                                                  {KEY: zero})
        exact = observation_log_likelihood(_seen(0.0, "normal", year=0, cv=0.1), {KEY: zero})
    assert count[0] == -np.inf
    assert count[2] == -np.inf
    assert np.isfinite(count[1])
    assert none[0] == 0.0
    assert none[1] == pytest.approx(-2.5)
    assert none[2] == -np.inf
    assert logn[0] == -np.inf
    assert logn[2] == -np.inf
    assert np.isfinite(logn[1])
    assert (not_positive == -np.inf).all()
    assert exact[0] == 0.0
    assert np.isfinite(exact[1:]).all()
    assert not np.isnan(np.concatenate([count, none, logn, not_positive, exact])).any()


@pytest.mark.parametrize(("seen", "message"), [
    (_seen(2.5, "poisson"), "a Poisson actual is a count"),
    (_seen(-1.0, "poisson"), "a Poisson actual is a count"),
    (_seen(1.0, "normal"), "exactly one of sd and cv, got neither"),
    (_seen(1.0, "lognormal", sd=1.0, cv=1.0), "exactly one of sd and cv, got both"),
    (_seen(1.0, "normal", sd=0.0), "spread must be a positive number"),
    (_seen(1.0, "normal", year=2, sd=1.0), "year 2 is outside the plan's 2 periods"),
])
def test_malformed_actuals_are_refused_with_their_series_and_period(seen, message):
    with pytest.raises(SpecError, match=message) as error:
        observation_log_likelihood(seen, {KEY: MEANS})
    assert "admissions_avoided" in str(error.value)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 400), mean=st.floats(1e-3, 500), share=st.floats(0.05, 1.0))
def test_poisson_matches_scipy_everywhere(count, mean, share):
    seen = Observation(KEY, year=0, share=share, value=float(count), likelihood="poisson")
    value = observation_log_likelihood(seen, {KEY: np.array([[mean]])})[0]
    assert value == pytest.approx(stats.poisson(share * mean).logpmf(count), rel=1e-9, abs=1e-9)
