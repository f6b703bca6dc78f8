"""The re-forecast against exact posteriors: normal–normal, gamma–Poisson, beta prior with counts.

Tolerances are Monte Carlo errors. For importance reweighting, a posterior
mean's standard error is about ``sd_post / sqrt(ESS)``; a quantile's
``sqrt(q (1 − q) / ESS) / f(x_q)`` with ``f`` the posterior density there.
SMC particles are correlated (duplicates after resampling, moves that do not
always mix), so its errors are taken as those of ``N / 10`` independent draws,
a conservative allowance for 8 pCN moves at 30% acceptance. Every check
allows 4.5 standard errors (a chance below 1e-5 each of failing by noise),
and the seeds are fixed, so the tests are deterministic.

Exactly conjugate with the likelihoods an actual can have:

- normal prior, metric node equal to it, normal actual: normal posterior;
- gamma prior on a rate, metric node equal to it, Poisson counts:
  ``Gamma(α + Σk, β + n)`` (β a rate);
- a *beta* prior on a success fraction ``p`` seen as Poisson counts of
  ``N p`` (the issue's beta–binomial case through a node formula) is not
  conjugate — a Poisson count of ``N p`` has kernel ``p^k e^{−Np}``, not the
  binomial ``p^k (1 − p)^{N−k}`` — so its exact posterior
  ``∝ p^{a+k−1} (1 − p)^{b−1} e^{−Np}`` is computed on a fine grid instead;
- a success gate with a normal parameter: an exact two-component mixture.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from bpv.tracking.observations import Observation
from bpv.tracking.reforecast import reforecast
from bpv.tracking.series import SeriesKey
from tests.builders import small_bid
from tests.tracking.reforecast_bids import appraised, one_parameter_bid

LEVEL = SeriesKey("level")
Z = 4.5  # standard errors allowed


def _check(update, posterior, *, effective):
    """The posterior of theta against an exact frozen scipy law, within MC error."""
    theta = next(h for h in update.hypotheses if h.name == "theta")
    sd = posterior.std()
    assert theta.posterior_mean == pytest.approx(posterior.mean(),
                                                 abs=Z * sd / math.sqrt(effective))
    for q, found in ((0.05, theta.posterior_low), (0.95, theta.posterior_high)):
        exact = posterior.ppf(q)
        error = math.sqrt(q * (1 - q) / effective) / posterior.pdf(exact)
        assert found == pytest.approx(exact, abs=Z * error)


def _effective(update):
    return update.ess if update.method == "reweight" else update.smc["n_particles"] / 10


@pytest.fixture(scope="module")
def normal_bid():
    bid = one_parameter_bid({"dist": "normal", "mean": 10, "sd": 2})
    return bid, appraised(bid)


@pytest.mark.parametrize(("method", "sd"), [("reweight", 2.0), ("smc", 2.0), ("smc", 0.5)])
def test_normal_normal_matches_the_closed_form(normal_bid, method, sd):
    bid, prior = normal_bid
    seen = Observation(LEVEL, year=0, share=1.0, value=13.0, likelihood="normal", sd=sd,
                       period="2025/26")
    update = reforecast(bid, prior, [seen], method=method, rng=5)
    precision = 1 / 2**2 + 1 / sd**2
    exact = stats.norm((10 / 2**2 + 13 / sd**2) / precision, math.sqrt(1 / precision))
    _check(update, exact, effective=_effective(update))
    # NPV is linear in theta: its posterior mean follows theta's exactly
    theta = next(h for h in update.hypotheses if h.name == "theta")
    saving_pv = 100 * np.asarray(prior.provenance["money_discount_factors"]).sum()
    npv = update.posterior("npv")["mean"]
    assert npv == pytest.approx(saving_pv * theta.posterior_mean - 1000 * saving_pv / 100,
                                rel=1e-9)


def test_a_part_year_actual_is_compared_with_its_share_of_the_year(normal_bid):
    bid, prior = normal_bid
    # a quarter's actual of 3.25 with sd 0.5 is a year's 13 with sd 2
    seen = Observation(LEVEL, year=1, share=0.25, value=3.25, likelihood="normal", sd=0.5)
    update = reforecast(bid, prior, [seen], method="reweight", rng=5)
    _check(update, stats.norm(11.5, math.sqrt(2)), effective=update.ess)


@pytest.mark.parametrize("method", ["reweight", "smc"])
def test_gamma_poisson_matches_the_closed_form(method):
    alpha, rate = 4.0, 0.2
    bid = one_parameter_bid({"dist": "gamma", "shape": alpha, "scale": 1 / rate},
                            unit="admissions")
    prior = appraised(bid, n_draws=40_000)
    counts = [30, 25, 28]
    seen = [Observation(LEVEL, year=year, share=1.0, value=float(k), likelihood="poisson")
            for year, k in enumerate(counts)]
    update = reforecast(bid, prior, seen, method=method, rng=6)
    exact = stats.gamma(alpha + sum(counts), scale=1 / (rate + len(counts)))
    _check(update, exact, effective=_effective(update))


@pytest.mark.parametrize("method", ["reweight", "smc"])
def test_a_beta_success_fraction_seen_as_counts_matches_the_exact_posterior(method):
    a, b, referred, k = 3.0, 7.0, 200.0, 40
    bid = one_parameter_bid({"dist": "beta", "a": a, "b": b}, formula=f"{referred:g} * theta",
                            unit="admissions")
    prior = appraised(bid, n_draws=40_000)
    seen = Observation(LEVEL, year=0, share=1.0, value=float(k), likelihood="poisson")
    update = reforecast(bid, prior, [seen], method=method, rng=7)

    # the exact posterior on a fine grid: density, mean, sd and quantiles by the
    # trapezoid rule (errors ~1e-9, far below the Monte Carlo error)
    p = np.linspace(0.0, 1.0, 400_001)
    log_kernel = stats.beta(a, b).logpdf(p) + stats.poisson(referred * p).logpmf(k)
    density = np.exp(log_kernel - log_kernel.max())
    density /= integrate.trapezoid(density, p)
    mean = integrate.trapezoid(p * density, p)
    sd = math.sqrt(integrate.trapezoid((p - mean) ** 2 * density, p))
    cdf = integrate.cumulative_trapezoid(density, p, initial=0.0)

    theta = next(h for h in update.hypotheses if h.name == "theta")
    effective = _effective(update)
    assert theta.posterior_mean == pytest.approx(mean, abs=Z * sd / math.sqrt(effective))
    for q, found in ((0.05, theta.posterior_low), (0.95, theta.posterior_high)):
        exact = float(np.interp(q, cdf, p))
        error = math.sqrt(q * (1 - q) / effective) / float(np.interp(exact, p, density))
        assert found == pytest.approx(exact, abs=Z * error)


@pytest.mark.parametrize("method", ["reweight", "smc"])
def test_a_success_gate_and_a_parameter_together_match_the_exact_mixture(method):
    # level = delivered × theta, theta ~ N(10, 2²), delivered ~ Bernoulli(0.3), and an actual
    # y ~ N(level, 3²): delivered, y ~ N(10, 2² + 3²); not, y ~ N(0, 3²). So
    # P(delivered | y) = 0.3 N(y; 10, 13) / (0.3 N(y; 10, 13) + 0.7 N(y; 0, 9)), and given
    # delivery theta is normal-normal: E[theta | y] mixes that posterior and the prior.
    bid = small_bid(
        [{"id": "spend", "kind": "input", "formula": "1000", "measure": "cost",
          "cost_type": "revenue", "organisation": "a"},
         {"id": "run", "kind": "activity", "success": 0.3, "ramp": 0, "depends_on": ["spend"]},
         {"id": "level", "kind": "outcome", "formula": "run * theta", "measure": "metric",
          "unit": "people"}],
        {"theta": {"dist": "normal", "mean": 10, "sd": 2}}, horizon=2)
    prior = appraised(bid, n_draws=40_000)
    y = 6.0
    update = reforecast(bid, prior, [Observation(LEVEL, year=0, share=1.0, value=y,
                                                 likelihood="normal", sd=3.0)],
                        method=method, rng=8)
    on = 0.3 * stats.norm(10, math.sqrt(13)).pdf(y)
    delivered = on / (on + 0.7 * stats.norm(0, 3).pdf(y))
    theta_given_on = (10 / 4 + y / 9) / (1 / 4 + 1 / 9)
    theta_mean = delivered * theta_given_on + (1 - delivered) * 10
    effective = _effective(update)
    by_name = {h.name: h for h in update.hypotheses}
    gate = by_name["run.delivered"]
    assert gate.kind == "gate"
    assert gate.posterior_mean == pytest.approx(
        delivered, abs=Z * math.sqrt(delivered * (1 - delivered) / effective))
    assert by_name["theta"].posterior_mean == pytest.approx(theta_mean,
                                                            abs=Z * 2 / math.sqrt(effective))
