"""Distribution specifications (bpv.spec.distributions)."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import bpv.spec.distributions as module
from bpv.spec.distributions import (
    DISTRIBUTIONS,
    Bernoulli,
    Beta,
    Discrete,
    Distribution,
    Fixed,
    Gamma,
    Interval,
    LogNormal,
    Normal,
    Pert,
    QuantileFit,
    Quantiles,
    Triangular,
    Uniform,
)

ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(Distribution)

#: One valid specification of every kind (and of every way to give one).
VALID: list[dict[str, Any]] = [
    {"dist": "normal", "mean": 2800, "sd": 300},
    {"dist": "lognormal", "mu": 1.0, "sigma": 0.5},
    {"dist": "lognormal", "mean": 10, "sd": 4},
    {"dist": "lognormal", "median": 0.02, "p95": 0.05},
    {"dist": "beta", "a": 2, "b": 5},
    {"dist": "beta", "mean": 0.35, "sd": 0.05},
    {"dist": "gamma", "shape": 3, "scale": 2},
    {"dist": "gamma", "mean": 12, "sd": 4},
    {"dist": "pert", "low": 600, "mode": 900, "high": 1200},
    {"dist": "pert", "low": 0, "mode": 1, "high": 4, "lambda": 6},
    {"dist": "triangular", "low": 0, "mode": 1, "high": 4},
    {"dist": "uniform", "low": 0.3, "high": 0.5},
    {"dist": "bernoulli", "p": 0.8},
    {"dist": "fixed", "value": 400000},
    {"dist": "discrete", "values": [1.5, 2.5, 4.0], "weights": [1, 2, 1]},
    {"dist": "discrete", "values": [7]},
    {"dist": "interval", "low": 0.1, "high": 0.25, "confidence": 0.9, "shape": "beta"},
    {"dist": "interval", "low": 5, "high": 20},
    {"dist": "quantiles", "probs": [0.05, 0.5, 0.95], "values": [0.1, 0.16, 0.25],
     "shape": "beta"},
]


def build(data: dict[str, Any]) -> Any:
    return ADAPTER.validate_python(data)


# -- the public surface ----------------------------------------------------------------


def test_every_exported_name_exists() -> None:
    for name in module.__all__:
        assert hasattr(module, name), name


def test_distributions_are_listed_by_tag_in_documented_order() -> None:
    assert list(DISTRIBUTIONS) == [
        "normal", "lognormal", "beta", "gamma", "pert", "triangular", "uniform",
        "bernoulli", "fixed", "discrete", "interval", "quantiles",
    ]
    for tag, cls in DISTRIBUTIONS.items():
        assert cls.model_fields["dist"].default == tag


@pytest.mark.parametrize("data", VALID, ids=lambda d: d["dist"])
def test_the_union_picks_the_class_by_tag(data: dict[str, Any]) -> None:
    assert type(build(data)) is DISTRIBUTIONS[data["dist"]]


@pytest.mark.parametrize("data", VALID, ids=lambda d: d["dist"])
def test_valid_specs_round_trip(data: dict[str, Any]) -> None:
    spec = build(data)
    assert type(spec).model_validate(spec.model_dump(by_alias=True)) == spec
    assert build(spec.model_dump(by_alias=True, exclude_unset=True)) == spec
    assert ADAPTER.validate_json(ADAPTER.dump_json(spec, by_alias=True)) == spec


@pytest.mark.parametrize("data", VALID, ids=lambda d: d["dist"])
def test_specs_are_frozen_and_build_a_fresh_scipy_object(data: dict[str, Any]) -> None:
    spec = build(data)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        spec.dist = "other"
    first, second = spec.to_scipy(), spec.to_scipy()
    assert first is not second
    assert not any(hasattr(value, "ppf") for value in spec.__dict__.values())


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(pydantic.ValidationError,
                       match=r"unknown key 'mod' \(did you mean 'mode'\?\)"):
        build({"dist": "pert", "low": 1, "mod": 2, "high": 3})
    with pytest.raises(pydantic.ValidationError,
                       match=r"unknown key 'lamda' \(did you mean 'lambda'\?\)"):
        build({"dist": "pert", "low": 1, "mode": 2, "high": 3, "lamda": 5})


def test_pert_lambda_is_written_under_its_alias() -> None:
    spec = Pert.model_validate({"low": 0, "mode": 1, "high": 4, "lambda": 6})
    assert spec.lamb == 6.0
    assert spec.model_dump(by_alias=True)["lambda"] == 6.0
    assert "lambda" in Pert.allowed_keys()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected(bad: float) -> None:
    with pytest.raises(pydantic.ValidationError, match="finite"):
        Normal(mean=bad, sd=1)
    with pytest.raises(pydantic.ValidationError, match="finite"):
        Discrete(values=[1.0, bad])


@pytest.mark.parametrize(
    ("spec", "label"),
    [
        (Normal(mean=2800, sd=300), "Normal(mean=2800, sd=300)"),
        (LogNormal(median=0.02, p95=0.05), "LogNormal(median=0.02, p95=0.05)"),
        (LogNormal(mu=0, sigma=1), "LogNormal(mu=0, sigma=1)"),
        (Beta(mean=0.35, sd=0.05), "Beta(mean=0.35, sd=0.05)"),
        (Beta(a=2, b=5), "Beta(a=2, b=5)"),
        (Gamma(shape=2, scale=1.5), "Gamma(shape=2, scale=1.5)"),
        (Gamma(mean=12, sd=4), "Gamma(mean=12, sd=4)"),
        (Pert(low=600, mode=900, high=1200), "PERT(low=600, mode=900, high=1200)"),
        (Pert.model_validate({"low": 0, "mode": 1, "high": 4, "lambda": 6}),
         "PERT(low=0, mode=1, high=4, lambda=6)"),
        (Triangular(low=0, mode=1, high=4), "Triangular(low=0, mode=1, high=4)"),
        (Uniform(low=0.3, high=0.5), "Uniform(low=0.3, high=0.5)"),
        (Bernoulli(p=0.8), "Bernoulli(p=0.8)"),
        (Fixed(value=400000), "Fixed(400000)"),
        (Discrete(values=[1, 2.5]), "Discrete(values=[1, 2.5])"),
        (Discrete(values=[1, 2.5], weights=[3, 1]), "Discrete(values=[1, 2.5], weights=[3, 1])"),
        (Discrete(values=list(range(10))), "Discrete(10 values in [0, 9])"),
        (Interval(low=0.1, high=0.25, shape="beta"), "Interval(90% in [0.1, 0.25], beta)"),
        (Interval(low=1, high=2, confidence=0.8), "Interval(80% in [1, 2], normal)"),
        (Quantiles(probs=[0.1, 0.9], values=[1, 2]), "Quantiles(10%: 1, 90%: 2; normal)"),
    ],
)
def test_labels(spec: Any, label: str) -> None:
    assert spec.describe() == label
    assert str(spec) == label


# -- validation: each rule, with its wording --------------------------------------------


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"dist": "normal", "mean": 1, "sd": 0}, r"should be greater than 0 \(got 0\)"),
        ({"dist": "normal", "mean": 1}, r"missing required key 'sd'"),
        ({"dist": "lognormal", "median": 2800},
         r"lognormal needs exactly one of: mu and sigma; mean and sd; median and one of "
         r"p90, p95, p99 \(got median only\)"),
        ({"dist": "lognormal"}, r"\(got nothing\)"),
        ({"dist": "lognormal", "mu": 1, "mean": 2, "sd": 1}, r"\(got mu, mean and sd\)"),
        ({"dist": "lognormal", "median": 1, "p90": 2, "p99": 3}, r"\(got median, p90 and p99\)"),
        ({"dist": "lognormal", "median": 10, "p95": 8},
         r"lognormal needs p95 > median \(got median=10, p95=8\)"),
        ({"dist": "lognormal", "mu": 0, "sigma": -1}, r"should be greater than 0 \(got -1\)"),
        ({"dist": "beta", "mean": 0.35, "sd": 0.6},
         r"beta with mean 0.35 needs sd < 0.477 \(got sd=0.6\)"),
        ({"dist": "beta", "mean": 0.5, "sd": 0.5},
         r"beta with mean 0.5 needs sd < 0.5 \(got sd=0.5\)"),
        ({"dist": "beta", "a": 1},
         r"beta needs exactly one of: a and b; mean and sd \(got a only\)"),
        ({"dist": "beta", "mean": 1.2, "sd": 0.1}, r"should be less than 1 \(got 1.2\)"),
        ({"dist": "gamma", "mean": 3}, r"gamma needs exactly one of: shape and scale; mean and sd "
         r"\(got mean only\)"),
        ({"dist": "gamma", "shape": -1, "scale": 1}, r"should be greater than 0 \(got -1\)"),
        ({"dist": "pert", "low": 900, "mode": 600, "high": 1200},
         r"pert needs low <= mode <= high \(got low=900, mode=600, high=1200\)"),
        ({"dist": "pert", "low": 5, "mode": 5, "high": 5},
         r"pert needs low < high \(got low=5, mode=5, high=5\); for a known value use dist: fixed"),
        ({"dist": "pert", "low": 1, "mode": 2, "high": 3, "lambda": 0},
         r"should be greater than 0 \(got 0\)"),
        ({"dist": "triangular", "low": 1, "mode": 4, "high": 3},
         r"triangular needs low <= mode <= high \(got low=1, mode=4, high=3\)"),
        ({"dist": "uniform", "low": 2, "high": 1},
         r"uniform needs low < high \(got low=2, high=1\)"),
        ({"dist": "bernoulli", "p": 1.5}, r"should be less than or equal to 1 \(got 1.5\)"),
        ({"dist": "bernoulli", "p": -0.1}, r"should be greater than or equal to 0"),
        ({"dist": "discrete", "values": []}, r"discrete needs at least one value \(got none\)"),
        ({"dist": "discrete", "values": [1, 2, 2, 3, 3]},
         r"discrete needs distinct values \(got 2, 3 more than once\)"),
        ({"dist": "discrete", "values": [1, 2, 3], "weights": [1, 1]},
         r"discrete needs one weight per value \(got 3 values and 2 weights\)"),
        ({"dist": "discrete", "values": [1, 2], "weights": [0, 0]},
         r"discrete needs weights that sum to more than 0 \(got all 0\)"),
        ({"dist": "discrete", "values": [1, 2], "weights": [1, -1]},
         r"should be greater than or equal to 0 \(got -1\)"),
        ({"dist": "interval", "low": 0.25, "high": 0.1},
         r"interval needs low < high \(got low=0.25, high=0.1\)"),
        ({"dist": "interval", "low": 0, "high": 2, "shape": "lognormal"},
         r"interval with shape lognormal needs low > 0 \(got low=0\)"),
        ({"dist": "interval", "low": -1, "high": 2, "shape": "gamma"},
         r"interval with shape gamma needs low > 0 \(got low=-1\)"),
        ({"dist": "interval", "low": 0.5, "high": 1.5, "shape": "beta"},
         r"interval with shape beta needs 0 < low < high < 1 \(got low=0.5, high=1.5\)"),
        ({"dist": "interval", "low": 1, "high": 2, "confidence": 1},
         r"should be less than 1 \(got 1\)"),
        ({"dist": "interval", "low": 1, "high": 2, "shape": "gama"},
         r"unknown value 'gama' \(did you mean 'gamma'\?\)"),
        ({"dist": "interval", "low": 1, "high": 1.000000001, "shape": "gamma"},
         r"interval could not fit a gamma with 90% in \[1, 1.000000001\]: the judgements are too "
         r"close together.*use shape normal"),
        ({"dist": "interval", "low": 1, "high": 1e30, "confidence": 0.05, "shape": "gamma"},
         r"interval could not fit a gamma with 5% in \[1, 1e\+30\]: the judgements are too far "
         r"apart for a gamma"),
        ({"dist": "quantiles", "probs": [0.5], "values": [1]},
         r"quantiles needs at least two judgements \(got 1 probs\)"),
        ({"dist": "quantiles", "probs": [0.1, 0.5, 0.9], "values": [1, 2]},
         r"quantiles needs one value per probability \(got 3 probs and 2 values\)"),
        ({"dist": "quantiles", "probs": [0, 0.5], "values": [1, 2]},
         r"quantiles needs probs strictly between 0 and 1 \(got \[0, 0.5\]\)"),
        ({"dist": "quantiles", "probs": [0.5, 0.1], "values": [1, 2]},
         r"quantiles needs strictly increasing probs \(got \[0.5, 0.1\]\)"),
        ({"dist": "quantiles", "probs": [0.05, 0.5, 0.95], "values": [0.2, 0.15, 0.3]},
         r"quantiles needs values that are strictly increasing, like probs "
         r"\(got \[0.2, 0.15, 0.3\]\)"),
        ({"dist": "quantiles", "probs": [0.1, 0.9], "values": [0.5, 1.5], "shape": "beta"},
         r"quantiles with shape beta needs values in \(0, 1\) \(got \[0.5, 1.5\]\)"),
        ({"dist": "quantiles", "probs": [0.1, 0.9], "values": [0, 1], "shape": "gamma"},
         r"quantiles with shape gamma needs values > 0 \(got \[0, 1\]\)"),
        ({"dist": "quantiles", "probs": [0.475, 0.525], "values": [1, 1e30], "shape": "gamma"},
         r"quantiles could not fit a gamma: the judgements are too far apart"),
    ],
)
def test_invalid_specs_are_rejected_with_a_clear_message(data: dict[str, Any], match: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=match):
        build(data)


def test_problems_are_located_at_the_spec_or_its_key() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        build({"dist": "pert", "low": 900, "mode": 600, "high": 1200})
    (error,) = caught.value.errors()
    assert error["loc"] == ("pert",)
    assert error["type"] == "bpv"
    assert not error["msg"].startswith("Value error")
    with pytest.raises(pydantic.ValidationError) as caught:
        build({"dist": "normal", "mean": 1, "sd": -1})
    assert caught.value.errors()[0]["loc"] == ("normal", "sd")


def test_all_problems_of_a_spec_are_reported_together() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        build({"dist": "quantiles", "probs": [0.9, 0.1, 1.0], "values": [3, 2, 1]})
    messages = [error["msg"] for error in caught.value.errors()]
    assert len(messages) == 3
    assert any("between 0 and 1" in m for m in messages)
    assert any("increasing probs" in m for m in messages)
    assert any("values that are strictly increasing" in m for m in messages)


# -- scipy objects: moments and quantiles against closed forms ---------------------------


def test_normal() -> None:
    dist = Normal(mean=-3.5, sd=2).to_scipy()
    assert dist.mean() == -3.5
    assert dist.std() == 2


def test_lognormal_from_mu_and_sigma() -> None:
    dist = LogNormal(mu=1.0, sigma=0.5).to_scipy()
    assert dist.median() == pytest.approx(math.e, rel=1e-14)
    assert dist.mean() == pytest.approx(math.exp(1.0 + 0.125), rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(1e-6, 1e6), cv=st.floats(0.01, 5.0))
def test_lognormal_from_mean_and_sd(mean: float, cv: float) -> None:
    dist = LogNormal(mean=mean, sd=mean * cv).to_scipy()
    assert dist.mean() == pytest.approx(mean, rel=1e-9)
    assert dist.std() == pytest.approx(mean * cv, rel=1e-9)


@pytest.mark.parametrize(("key", "prob"), [("p90", 0.90), ("p95", 0.95), ("p99", 0.99)])
@settings(max_examples=30, deadline=None)
@given(median=st.floats(1e-6, 1e6), factor=st.floats(1.001, 100.0))
def test_lognormal_from_median_and_upper_percentile(
    key: str, prob: float, median: float, factor: float
) -> None:
    dist = LogNormal.model_validate({"median": median, key: median * factor}).to_scipy()
    assert dist.ppf(0.5) == pytest.approx(median, rel=1e-12)
    assert dist.ppf(prob) == pytest.approx(median * factor, rel=1e-12)


def test_beta_from_shapes() -> None:
    a, b = 2.0, 5.0
    dist = Beta(a=a, b=b).to_scipy()
    assert dist.mean() == pytest.approx(a / (a + b), rel=1e-14)
    assert dist.var() == pytest.approx(a * b / ((a + b) ** 2 * (a + b + 1)), rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(0.001, 0.999), share=st.floats(0.01, 0.99))
def test_beta_from_mean_and_sd(mean: float, share: float) -> None:
    sd = share * math.sqrt(mean * (1 - mean))  # any feasible sd
    dist = Beta(mean=mean, sd=sd).to_scipy()
    assert dist.mean() == pytest.approx(mean, rel=1e-9)
    assert dist.std() == pytest.approx(sd, rel=1e-9)


def test_beta_sd_bound_is_exact() -> None:
    limit = math.sqrt(0.35 * 0.65)
    Beta(mean=0.35, sd=limit * (1 - 1e-12))
    with pytest.raises(pydantic.ValidationError, match=r"beta with mean 0\.35 needs sd <"):
        Beta(mean=0.35, sd=limit)


def test_gamma_from_shape_and_scale() -> None:
    dist = Gamma(shape=3, scale=2).to_scipy()
    assert dist.mean() == pytest.approx(6.0, rel=1e-14)
    assert dist.var() == pytest.approx(12.0, rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(1e-6, 1e6), cv=st.floats(0.01, 10.0))
def test_gamma_from_mean_and_sd(mean: float, cv: float) -> None:
    dist = Gamma(mean=mean, sd=mean * cv).to_scipy()
    assert dist.mean() == pytest.approx(mean, rel=1e-9)
    assert dist.std() == pytest.approx(mean * cv, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(1e-3, 1e6),
    where=st.floats(0.0, 1.0),
    lamb=st.floats(0.5, 20.0),
)
def test_pert_moments_and_mode(low: float, width: float, where: float, lamb: float) -> None:
    high = low + width
    mode = min(max(low + where * width, low), high)
    spec = Pert.model_validate({"low": low, "mode": mode, "high": high, "lambda": lamb})
    dist = spec.to_scipy()
    assert dist.mean() == pytest.approx((low + lamb * mode + high) / (lamb + 2),
                                        rel=1e-9, abs=1e-9 * width)
    assert dist.support() == pytest.approx((low, high), rel=1e-12, abs=1e-12 * width)
    alpha, beta = spec.shapes
    assert alpha == pytest.approx(1 + lamb * (mode - low) / width)
    assert beta == pytest.approx(1 + lamb * (high - mode) / width)
    if alpha > 1 and beta > 1:  # the beta's mode, mapped to [low, high], is the given mode
        assert low + width * (alpha - 1) / (alpha + beta - 2) == pytest.approx(
            mode, rel=1e-9, abs=1e-9 * width)


def test_pert_default_lambda_is_four() -> None:
    dist = Pert(low=600, mode=900, high=1200).to_scipy()
    assert dist.mean() == pytest.approx((600 + 4 * 900 + 1200) / 6, rel=1e-14)
    assert Pert(low=0, mode=0, high=1).to_scipy().mean() == pytest.approx(1 / 6, rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(low=st.floats(-1e6, 1e6), width=st.floats(1e-3, 1e6), where=st.floats(0.0, 1.0))
def test_triangular_moments(low: float, width: float, where: float) -> None:
    high = low + width
    mode = min(max(low + where * width, low), high)
    dist = Triangular(low=low, mode=mode, high=high).to_scipy()
    assert dist.mean() == pytest.approx((low + mode + high) / 3, rel=1e-9, abs=1e-9 * width)
    # (low² + mode² + high² - low·mode - low·high - mode·high) / 18, shifted to low = 0
    # to avoid cancellation
    m, h = mode - low, width
    assert dist.var() == pytest.approx((m**2 + h**2 - m * h) / 18, rel=1e-6, abs=1e-9 * width**2)


def test_uniform() -> None:
    dist = Uniform(low=0.3, high=0.5).to_scipy()
    assert dist.mean() == pytest.approx(0.4, rel=1e-14)
    assert dist.var() == pytest.approx(0.2**2 / 12, rel=1e-12)
    assert dist.support() == pytest.approx((0.3, 0.5))


@pytest.mark.parametrize("p", [0.0, 0.25, 0.8, 1.0])
def test_bernoulli(p: float) -> None:
    dist = Bernoulli(p=p).to_scipy()
    assert dist.mean() == pytest.approx(p)
    assert dist.var() == pytest.approx(p * (1 - p))


@settings(max_examples=40, deadline=None)
@given(value=st.floats(-1e12, 1e12), q=st.floats(0.0, 1.0))
def test_fixed_is_exactly_its_value(value: float, q: float) -> None:
    dist = Fixed(value=value).to_scipy()
    assert dist.ppf(q) == value
    assert np.all(dist.ppf([0.0, q, 1.0]) == value)
    assert np.all(dist.rvs(size=5, random_state=np.random.default_rng(0)) == value)
    assert dist.mean() == value
    assert dist.std() == 0.0
    assert dist.support() == (value, value)
    assert dist.cdf(value) == 1.0
    assert dist.cdf(value - max(1.0, abs(value))) == 0.0


def test_fixed_non_integer_value() -> None:
    dist = Fixed(value=0.8).to_scipy()
    assert dist.rvs(random_state=1) == 0.8
    assert dist.ppf(0.0) == 0.8
    assert dist.ppf(0.999999) == 0.8
    assert dist.support() == (0.8, 0.8)


def test_discrete_closed_forms() -> None:
    spec = Discrete(values=[0.5, 1.25, 3.7], weights=[2, 3, 5])
    dist = spec.to_scipy()
    p = np.array([0.2, 0.3, 0.5])
    x = np.array([0.5, 1.25, 3.7])
    mean = float(np.sum(p * x))
    assert spec.probabilities == pytest.approx(tuple(p))
    assert dist.mean() == pytest.approx(mean, rel=1e-14)
    assert dist.var() == pytest.approx(float(np.sum(p * (x - mean) ** 2)), rel=1e-14)
    assert list(dist.ppf([0.0, 0.1, 0.2, 0.21, 0.5, 0.51, 1.0])) == [
        0.5, 0.5, 0.5, 1.25, 1.25, 3.7, 3.7]
    assert list(dist.cdf([0.4, 0.5, 1.0, 1.25, 3.7, 10.0])) == pytest.approx(
        [0, 0.2, 0.2, 0.5, 1.0, 1.0])
    assert dist.support() == (0.5, 3.7)
    draws = dist.rvs(size=20000, random_state=np.random.default_rng(1))
    assert set(np.unique(draws)) == {0.5, 1.25, 3.7}
    assert np.mean(draws == 3.7) == pytest.approx(0.5, abs=0.02)


def test_discrete_default_weights_are_equal() -> None:
    dist = Discrete(values=[3, 1, 2]).to_scipy()
    assert dist.mean() == pytest.approx(2.0)
    assert dist.var() == pytest.approx(2 / 3)


def test_discrete_zero_weight_values_are_outside_the_support() -> None:
    spec = Discrete(values=[-1, 2, 5], weights=[0, 1, 1])
    dist = spec.to_scipy()
    assert dist.support() == (2, 5)
    assert dist.ppf(0.0) == 2
    assert dist.mean() == pytest.approx(3.5)


def test_discrete_variance_is_accurate_far_from_zero() -> None:
    dist = Discrete(values=[1e9, 1e9 + 1]).to_scipy()
    assert dist.var() == pytest.approx(0.25, rel=1e-9)


def test_large_empirical_discrete_samples_by_inversion() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=5000)
    dist = Discrete(values=list(values)).to_scipy()
    u = rng.random((400, 250))
    draws = dist.ppf(u)
    assert draws.shape == u.shape
    ordered = np.sort(values)
    # with equal weights, the draw is the ceil(u * n)-th smallest value
    expected = ordered[np.maximum(np.ceil(u * len(values)).astype(int) - 1, 0)]
    assert np.array_equal(draws, expected)
    assert list(dist.pmf([ordered[0], 1e6])) == pytest.approx([1 / 5000, 0.0])


@pytest.mark.parametrize("data", VALID, ids=lambda d: d["dist"])
def test_specs_and_their_scipy_objects_pickle(data: dict[str, Any]) -> None:
    spec = build(data)
    assert pickle.loads(pickle.dumps(spec)) == spec  # noqa: S301 - our own bytes
    dist = pickle.loads(pickle.dumps(spec.to_scipy()))  # noqa: S301 - our own bytes
    assert dist.ppf(0.3) == spec.to_scipy().ppf(0.3)


@st.composite
def weighted_values(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    values = draw(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=12, unique=True))
    weight = st.one_of(st.just(0.0), st.floats(1e-3, 10.0))
    weights = draw(st.lists(weight, min_size=len(values), max_size=len(values)))
    if sum(weights) <= 0:
        weights[0] = 1.0
    return values, weights


@settings(max_examples=50, deadline=None)
@given(data=weighted_values(), q=st.floats(0.0, 1.0))
def test_discrete_matches_its_definition(
    data: tuple[list[float], list[float]], q: float
) -> None:
    values, weights = data
    dist = Discrete(values=values, weights=weights).to_scipy()
    total = math.fsum(weights)
    mean = math.fsum(v * w for v, w in zip(values, weights, strict=True)) / total
    scale = max(1.0, max(abs(v) for v in values))
    assert dist.mean() == pytest.approx(mean, rel=1e-9, abs=1e-12 * scale)
    support = sorted(v for v, w in zip(values, weights, strict=True) if w > 0)
    # cdf: the share of weight at or below each supported value
    expected_cdf = [math.fsum(w for v, w in zip(values, weights, strict=True) if v <= x) / total
                    for x in support]
    assert list(dist.cdf(support)) == pytest.approx(expected_cdf, rel=1e-12)
    # ppf: the smallest supported value whose cdf reaches q; the ends of the
    # support at q = 0 and q = 1
    quantile = dist.ppf(q)
    assert quantile in support
    index = support.index(quantile)
    assert dist.cdf(quantile) >= q
    if 0 < q < 1 and index > 0:
        assert dist.cdf(support[index - 1]) < q
    if q == 0:
        assert quantile == support[0]
    if q == 1:
        assert quantile == support[-1]
    assert set(dist.rvs(size=20, random_state=np.random.default_rng(2))) <= set(support)


# -- elicited judgements as specifications ---------------------------------------------


@pytest.mark.parametrize("shape", ["normal", "lognormal", "gamma", "beta"])
def test_interval_spec_reproduces_its_judgement(shape: str) -> None:
    spec = Interval(low=0.1, high=0.25, confidence=0.8, shape=shape)
    dist = spec.to_scipy()
    assert dist.ppf(0.1) == pytest.approx(0.1, rel=1e-6)
    assert dist.ppf(0.9) == pytest.approx(0.25, rel=1e-6)


def test_interval_normal_is_closed_form_and_fitted_is_a_copy() -> None:
    spec = Interval(low=10, high=30)
    fitted = spec.fitted
    assert fitted["loc"] == pytest.approx(20.0)
    assert fitted["scale"] == pytest.approx(10.0 / special.ndtri(0.95))
    fitted["loc"] = 0.0
    assert spec.fitted["loc"] == pytest.approx(20.0)
    assert "fitted" not in spec.model_dump()


def test_quantiles_spec_exposes_its_fit() -> None:
    spec = Quantiles(probs=[0.05, 0.95], values=[0.1, 0.25], shape="beta")
    assert isinstance(spec.fit, QuantileFit)
    assert spec.fit.max_abs_error < 1e-8
    dist = spec.to_scipy()
    assert dist.cdf([0.1, 0.25]) == pytest.approx([0.05, 0.95], abs=1e-8)
    assert spec.fitted == spec.fit.parameters
    assert spec.fit.parameters == pytest.approx(
        Interval(low=0.1, high=0.25, shape="beta").fitted, rel=1e-8)


def test_quantiles_with_three_judgements_fit_by_least_squares() -> None:
    spec = Quantiles(probs=[0.05, 0.5, 0.95], values=[0.1, 0.15, 0.25], shape="beta")
    errors = spec.to_scipy().cdf(spec.values) - np.array(spec.probs)
    assert spec.fit.sum_squared_error == pytest.approx(float(np.sum(errors**2)))
    assert spec.fit.max_abs_error == pytest.approx(float(np.max(np.abs(errors))))
    assert 0.0 < spec.fit.max_abs_error < 0.05
