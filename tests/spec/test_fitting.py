"""Fitting distributions to elicited intervals and quantiles (bpv.spec._fitting)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

from bpv.errors import SpecError
from bpv.spec._fitting import (
    FIT_SHAPES,
    QuantileFit,
    fit_interval,
    fit_quantiles,
    fitted_distribution,
)

FIT = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats spread evenly in log space over [low, high]."""
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: 10.0**e)


confidences = st.floats(0.05, 0.995)


@st.composite
def intervals(draw: st.DrawFn, shape: str) -> tuple[float, float, float]:
    """A (low, high, confidence) judgement in a realistic but wide range for ``shape``."""
    confidence = draw(confidences)
    if shape == "normal":
        low = draw(st.floats(-1e6, 1e6))
        high = low + draw(log_uniform(1e-3, 1e6))
    elif shape in ("lognormal", "gamma"):
        low = draw(log_uniform(1e-6, 1e6))
        high = low * (1.0 + draw(log_uniform(1e-4, 1e4)))
    else:
        low = draw(log_uniform(1e-3, 0.9))
        high = low + (0.999 - low) * draw(log_uniform(1e-4, 1.0))
    assume(low < high)
    return low, high, confidence


def check_interval(low: float, high: float, confidence: float, shape: str) -> None:
    dist = fitted_distribution(shape, fit_interval(low, high, confidence, shape))
    found_low, found_high = dist.ppf([(1 - confidence) / 2, (1 + confidence) / 2])
    assert found_low == pytest.approx(low, rel=1e-6, abs=1e-12 * (high - low))
    assert found_high == pytest.approx(high, rel=1e-6, abs=1e-12 * (high - low))


# -- intervals -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", FIT_SHAPES)
@FIT
@given(data=st.data())
def test_interval_fit_reproduces_the_judgement(shape: str, data: st.DataObject) -> None:
    low, high, confidence = data.draw(intervals(shape))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numerical noise either
        check_interval(low, high, confidence, shape)


@pytest.mark.parametrize(
    ("low", "high", "confidence", "shape"),
    [
        (0.10, 0.25, 0.9, "beta"),
        (1e-3, 0.9, 0.99, "beta"),  # wide and skewed
        (0.998, 0.999, 0.5, "beta"),  # crowded against 1
        (1e-6, 2e-6, 0.9, "beta"),  # crowded against 0
        (1e-9, 1 - 1e-9, 0.999, "beta"),  # U-shaped
        (600, 1200, 0.8, "gamma"),
        (1e-3, 1e9, 0.05, "gamma"),  # extremely wide, little confidence
        (1.0, 1.00001, 0.9, "gamma"),  # nearly normal
        (1e-300, 1e300, 0.9, "lognormal"),
        (-5.0, 5.0, 0.999, "normal"),
    ],
)
def test_interval_fit_at_the_edges(low: float, high: float, confidence: float, shape: str) -> None:
    check_interval(low, high, confidence, shape)


def test_normal_interval_is_closed_form() -> None:
    z = special.ndtri(0.95)
    fitted = fit_interval(10.0, 30.0, 0.9, "normal")
    assert fitted["loc"] == pytest.approx(20.0, rel=1e-15)
    assert fitted["scale"] == pytest.approx(20.0 / (2 * z), rel=1e-15)


def test_lognormal_interval_is_closed_form() -> None:
    z = special.ndtri(0.975)
    fitted = fit_interval(2.0, 50.0, 0.95, "lognormal")
    assert fitted["scale"] == pytest.approx(math.sqrt(2.0 * 50.0), rel=1e-14)
    assert fitted["s"] == pytest.approx(math.log(25.0) / (2 * z), rel=1e-14)


def test_symmetric_beta_interval_gives_a_symmetric_beta() -> None:
    fitted = fit_interval(0.3, 0.7, 0.9, "beta")
    assert fitted["a"] == pytest.approx(fitted["b"], rel=1e-9)


def test_gamma_interval_recovers_a_known_gamma() -> None:
    truth = stats.gamma(3.5, scale=2.0)
    low, high = truth.ppf([0.1, 0.9])
    fitted = fit_interval(low, high, 0.8, "gamma")
    assert fitted["a"] == pytest.approx(3.5, rel=1e-8)
    assert fitted["scale"] == pytest.approx(2.0, rel=1e-8)


def test_beta_interval_recovers_a_known_beta() -> None:
    truth = stats.beta(0.4, 7.0)
    low, high = truth.ppf([0.025, 0.975])
    fitted = fit_interval(low, high, 0.95, "beta")
    assert fitted["a"] == pytest.approx(0.4, rel=1e-7)
    assert fitted["b"] == pytest.approx(7.0, rel=1e-7)


def test_gamma_interval_too_narrow_is_refused() -> None:
    with pytest.raises(SpecError, match=r"too close together.*use shape normal"):
        fit_interval(1.0, 1.0 + 1e-9, 0.9, "gamma")


def test_gamma_interval_too_wide_is_refused() -> None:
    with pytest.raises(SpecError, match=r"too far apart for a gamma.*use shape lognormal"):
        fit_interval(1.0, 1e30, 0.05, "gamma")


# -- quantiles: two judgements -------------------------------------------------------


@st.composite
def two_judgements(draw: st.DrawFn, shape: str) -> tuple[list[float], list[float]]:
    """Two (value, prob) judgements, not necessarily symmetric."""
    p1 = draw(st.floats(0.01, 0.9))
    p2 = draw(st.floats(p1 + 0.02, 0.99)) if p1 + 0.02 < 0.99 else 0.99
    low, high, _ = draw(intervals(shape))
    # Values closer than 1e-7 of their size are known only to their rounding
    # error, which alone moves a probability by more than 1e-8 (see
    # test_two_ill_conditioned_judgements_are_refused).
    assume(high - low > 1e-7 * max(abs(low), abs(high)))
    return [low, high], [p1, p2]


@pytest.mark.parametrize("shape", FIT_SHAPES)
@FIT
@given(data=st.data())
def test_two_quantiles_are_reproduced_exactly(shape: str, data: st.DataObject) -> None:
    values, probs = data.draw(two_judgements(shape))
    fit = fit_quantiles(values, probs, shape)
    cdf = fitted_distribution(shape, fit.parameters).cdf(values)
    assert np.max(np.abs(cdf - probs)) < 1e-8
    assert fit.max_abs_error < 1e-8
    assert fit.sum_squared_error < 2e-16


def test_two_ill_conditioned_judgements_are_refused() -> None:
    with pytest.raises(SpecError, match="no normal reproduces both judgements"):
        fit_quantiles([137811.0, 137811.001], [0.025414722197288974, 0.75], "normal")


def test_two_quantiles_match_fit_interval() -> None:
    fit = fit_quantiles([0.1, 0.25], [0.05, 0.95], "beta")
    interval = fit_interval(0.1, 0.25, 0.9, "beta")
    assert fit.parameters == pytest.approx(interval, rel=1e-8)


def test_two_unfittable_quantiles_are_refused() -> None:
    with pytest.raises(SpecError, match="gamma"):
        fit_quantiles([1.0, 1e30], [0.475, 0.525], "gamma")


# -- quantiles: three or more judgements -------------------------------------------------

TRUE_DISTRIBUTIONS = {
    "normal": st.builds(lambda m, s: {"loc": m, "scale": s},
                        st.floats(-1e4, 1e4), log_uniform(1e-2, 1e3)),
    "lognormal": st.builds(lambda m, s: {"s": s, "scale": math.exp(m)},
                           st.floats(-8, 8), log_uniform(0.05, 2.0)),
    "gamma": st.builds(lambda k, s: {"a": k, "scale": s},
                       log_uniform(0.3, 300), log_uniform(1e-3, 1e3)),
    "beta": st.builds(lambda a, b: {"a": a, "b": b},
                      log_uniform(0.5, 200), log_uniform(0.5, 200)),
}

probability_sets = st.lists(
    st.floats(0.02, 0.98), min_size=3, max_size=6, unique=True
).map(sorted).filter(lambda ps: min(np.diff(ps)) > 0.01)


@pytest.mark.parametrize("shape", FIT_SHAPES)
@FIT
@given(data=st.data())
def test_consistent_quantiles_are_recovered(shape: str, data: st.DataObject) -> None:
    parameters = data.draw(TRUE_DISTRIBUTIONS[shape])
    probs = data.draw(probability_sets)
    values = fitted_distribution(shape, parameters).ppf(probs)
    assume(np.all(np.diff(values) > 1e-9 * np.abs(values[1:])))
    fit = fit_quantiles(list(values), probs, shape)
    assert fit.max_abs_error < 1e-7
    assert fit.parameters == pytest.approx(parameters, rel=1e-3)


def independent_least_squares(values: list[float], probs: list[float], shape: str) -> float:
    """The smallest sum of squared errors Nelder-Mead finds from a crude start."""
    def sse(theta: np.ndarray) -> float:
        if shape == "normal":
            cdf = stats.norm.cdf(values, theta[0], math.exp(theta[1]))
        elif shape == "lognormal":
            cdf = stats.lognorm.cdf(values, math.exp(theta[1]), scale=math.exp(theta[0]))
        elif shape == "gamma":
            cdf = stats.gamma.cdf(values, math.exp(theta[0]), scale=math.exp(theta[1]))
        else:
            cdf = stats.beta.cdf(values, math.exp(theta[0]), math.exp(theta[1]))
        return float(np.sum((cdf - np.asarray(probs)) ** 2))

    middle = values[len(values) // 2]
    if shape == "normal":
        crude = [middle, math.log(values[-1] - values[0])]
    elif shape == "lognormal":
        crude = [math.log(middle), 0.0]
    elif shape == "gamma":
        crude = [0.0, math.log(middle)]
    else:
        crude = [0.0, 0.0]
    best = optimize.minimize(sse, crude, method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-16, "maxiter": 20000})
    return float(best.fun)


@pytest.mark.parametrize("shape", FIT_SHAPES)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_inconsistent_quantiles_minimise_squared_error(shape: str, data: st.DataObject) -> None:
    parameters = data.draw(TRUE_DISTRIBUTIONS[shape])
    probs = data.draw(probability_sets)
    dist = fitted_distribution(shape, parameters)
    # judgements of a different family member, nudged: not exactly fittable
    nudges = data.draw(st.lists(st.floats(-0.01, 0.01), min_size=len(probs),
                                max_size=len(probs)))
    values = list(dist.ppf(np.clip(np.add(probs, nudges), 0.005, 0.995)))
    assume(np.all(np.diff(values) > 1e-6 * np.abs(values[1:])))
    fit = fit_quantiles(values, probs, shape)
    cdf = fitted_distribution(shape, fit.parameters).cdf(values)
    assert fit.sum_squared_error == pytest.approx(float(np.sum((cdf - probs) ** 2)), abs=1e-15)
    assert fit.max_abs_error == pytest.approx(float(np.max(np.abs(cdf - probs))), abs=1e-12)
    assert fit.sum_squared_error <= independent_least_squares(values, probs, shape) + 1e-12


def test_symmetric_normal_judgements_centre_on_the_median() -> None:
    fit = fit_quantiles([-3.0, 0.0, 3.0], [0.1, 0.5, 0.9], "normal")
    assert fit.parameters["loc"] == pytest.approx(0.0, abs=1e-9)
    assert fit.max_abs_error < 1e-9


def test_symmetric_inconsistent_judgements_have_the_one_dimensional_optimum() -> None:
    # No normal meets these four judgements. By symmetry the optimum has loc 0, and
    # its scale minimises a function of one variable, found here independently.
    values, probs = [-2.0, -1.0, 1.0, 2.0], [0.05, 0.3, 0.7, 0.95]
    fit = fit_quantiles(values, probs, "normal")

    def sse(scale: float) -> float:
        return float(np.sum((stats.norm.cdf(values, 0.0, scale) - probs) ** 2))

    best = optimize.minimize_scalar(sse, bounds=(0.1, 10.0), method="bounded",
                                    options={"xatol": 1e-12})
    assert fit.parameters["loc"] == pytest.approx(0.0, abs=1e-8)
    assert fit.parameters["scale"] == pytest.approx(best.x, rel=1e-6)
    assert fit.sum_squared_error == pytest.approx(best.fun, rel=1e-9)
    assert fit.max_abs_error > 0.01


def test_quantile_fit_is_frozen() -> None:
    fit = fit_quantiles([1.0, 2.0], [0.1, 0.9], "lognormal")
    assert isinstance(fit, QuantileFit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.max_abs_error = 0.0


@pytest.mark.parametrize(
    ("shape", "family", "names"),
    [
        ("normal", "norm", {"loc", "scale"}),
        ("lognormal", "lognorm", {"s", "scale"}),
        ("gamma", "gamma", {"a", "scale"}),
        ("beta", "beta", {"a", "b"}),
    ],
)
def test_fitted_distribution_is_the_named_scipy_family(
    shape: str, family: str, names: set[str]
) -> None:
    parameters = fit_interval(0.2, 0.4, 0.9, shape)
    assert set(parameters) == names
    assert fitted_distribution(shape, parameters).dist.name == family
