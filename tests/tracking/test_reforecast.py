"""The re-forecast's behaviour: neutral actuals, agreement of methods, seeds, errors, money."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.engine.monte_carlo import evaluate
from bpv.errors import ReforecastError, SpecError
from bpv.tracking.observations import Observation
from bpv.tracking.reforecast import default_ess_threshold, reforecast
from bpv.tracking.series import SeriesKey, trajectories
from bpv.tracking.weighted import weighted_mean
from tests.tracking.reforecast_bids import appraised, one_parameter_bid

FRAILTY = Path(__file__).resolve().parents[2] / "examples" / "bids" / "frailty_virtual_ward.yaml"
ADMISSIONS = SeriesKey("admissions_avoided")
LEVEL = SeriesKey("level")


@pytest.fixture(scope="module")
def frailty():
    bid = bpv.load(FRAILTY)
    return bid, appraised(bid, n_draws=20_000, rng=11)


def _admissions(values, *, start=1):
    return [Observation(ADMISSIONS, year=start + i, share=1.0, value=float(v),
                        likelihood="poisson", period=f"year {start + i}")
            for i, v in enumerate(values)]


def test_actuals_at_the_plans_median_leave_the_forecast_nearly_unchanged():
    # theta is symmetric (median = mean) and NPV linear in it: an actual at the
    # median moves neither the mean of theta nor that of NPV; only the spread
    # narrows. The posterior mean's MC error is sd_post / sqrt(ESS).
    bid = one_parameter_bid({"dist": "normal", "mean": 10, "sd": 2})
    prior = appraised(bid)
    median = float(np.median(prior.flows["level"][:, 0]))
    update = reforecast(bid, prior, [Observation(LEVEL, year=0, share=1.0, value=median,
                                                 likelihood="normal", sd=2.0)], rng=1)
    npv = update.metrics["system"]["npv"]
    tolerance = 4.5 * npv["posterior"]["sd"] / math.sqrt(update.ess)
    assert npv["posterior"]["mean"] == pytest.approx(npv["prior"]["mean"], abs=tolerance)
    assert npv["posterior"]["sd"] == pytest.approx(npv["prior"]["sd"] / math.sqrt(2), rel=0.05)
    assert abs(update.hypotheses[0].shift) < 0.05
    assert not update.failing


def test_smc_and_reweighting_agree_where_both_apply(frailty):
    # Moderate evidence: admissions a little above plan in two years; the
    # importance ESS is in the thousands, so both methods are accurate.
    bid, prior = frailty
    seen = _admissions([50, 52])
    weighted = reforecast(bid, prior, seen, method="reweight", rng=3)
    moved = reforecast(bid, prior, seen, method="smc", rng=3)
    assert weighted.ess > 2_000
    assert moved.method == "smc"
    assert weighted.method == "reweight"
    effective = min(weighted.ess, moved.smc["n_particles"] / 10)
    for name in ("npv", "qalys", "nmb"):
        a, b = weighted.posterior(name), moved.posterior(name)
        se = math.hypot(a["sd"], b["sd"]) / math.sqrt(effective)
        assert b["mean"] == pytest.approx(a["mean"], abs=4.5 * se), name
    by_name = {h.name: h for h in moved.hypotheses}
    for update in weighted.hypotheses:
        other = by_name[update.name]
        se = (update.prior_high - update.prior_low) / 3.29 / math.sqrt(effective)
        assert other.posterior_mean == pytest.approx(update.posterior_mean, abs=4.5 * se)
    for label, value in weighted.probabilities.items():
        assert moved.probabilities[label]["posterior"] == pytest.approx(
            value["posterior"], abs=4.5 * 0.5 / math.sqrt(effective))


def test_auto_turns_to_smc_when_the_ess_is_low(frailty):
    bid, prior = frailty
    assert default_ess_threshold(prior.n_draws) == 1_000
    weak = reforecast(bid, prior, _admissions([45]), rng=1)
    strong = reforecast(bid, prior, _admissions([15, 14, 16, 15]), rng=1)
    assert weak.method == "reweight"
    assert weak.ess >= 1_000
    assert weak.smc == {}
    assert strong.method == "smc"
    assert strong.ess < 1_000
    assert strong.smc["temperatures"][-1] == 1.0
    assert all(0 < rate <= 1 for rate in strong.smc["acceptance"])
    assert strong.smc["distinct_particles"] > 0.5 * strong.smc["n_particles"]
    assert "SMC with" in str(strong)
    assert "importance reweighting" in str(weak)


def test_the_same_seed_gives_the_same_numbers(frailty):
    bid, prior = frailty
    seen = _admissions([15, 14])
    first = reforecast(bid, prior, seen, method="smc", n_particles=3_000, rng=42)
    again = reforecast(bid, prior, seen, method="smc", n_particles=3_000, rng=42)
    other = reforecast(bid, prior, seen, method="smc", n_particles=3_000, rng=43)
    assert first.to_dict() == again.to_dict()
    np.testing.assert_array_equal(first.inputs["admit_rate"], again.inputs["admit_rate"])
    assert first.to_dict() != other.to_dict()
    assert first.entropy == 42
    replayed = reforecast(bid, prior, seen, method="smc", n_particles=3_000,
                          rng=first.entropy)
    assert replayed.to_dict() == first.to_dict()


def test_the_chunking_of_the_appraisal_does_not_matter():
    bid = bpv.load(FRAILTY)
    seen = _admissions([15, 14])
    results = [reforecast(bid, appraised(bid, n_draws=70_000, rng=4, chunk_size=size), seen,
                          method=method, n_particles=2_000, rng=9).to_dict()
               for method in ("reweight", "smc") for size in (65_536, 140_000)]
    assert results[0] == results[1]
    assert results[2] == results[3]


def test_actuals_no_draw_allows_give_a_clear_message_naming_series_and_period():
    # the ward's first year is its ramp-up with the activity not started: a bid
    # whose metric is zero in year 0 cannot have seen 5 admissions avoided then
    bid = one_parameter_bid({"dist": "gamma", "shape": 2, "scale": 5},
                            formula="theta * (t > 0)", unit="admissions")
    prior = appraised(bid, n_draws=2_000)
    seen = Observation(LEVEL, year=0, share=1.0, value=5.0, likelihood="poisson",
                       period="2025/26", location="actuals.csv, line 3")
    with pytest.raises(ReforecastError) as error:
        reforecast(bid, prior, [seen], rng=1)
    message = str(error.value)
    assert message.startswith("the actuals for level in 2025/26 lie outside what the bid's "
                              "hypotheses allow")
    assert "expect 0" in message
    assert "actuals.csv, line 3" in message
    assert isinstance(error.value, ValueError)


def test_actuals_that_are_only_jointly_impossible_are_named_together():
    # a count in 2025/26 needs theta = 1, one in 2026/27 needs theta = 0
    bid = one_parameter_bid({"dist": "bernoulli", "p": 0.5}, unit="admissions",
                            formula="theta * (t == 0) + (1 - theta) * (t == 1)")
    prior = appraised(bid, n_draws=2_000)
    seen = [Observation(LEVEL, year=0, share=1.0, value=1.0, likelihood="poisson",
                        period="2025/26"),
            Observation(LEVEL, year=1, share=1.0, value=1.0, likelihood="poisson",
                        period="2026/27")]
    with pytest.raises(ReforecastError, match=r"level in 2025/26, level in 2026/27 .* taken "
                       r"together"):
        reforecast(bid, prior, seen, rng=1)


def test_actuals_far_beyond_the_plan_give_finite_weights_never_nan(frailty):
    bid, prior = frailty
    far = [Observation(ADMISSIONS, year=1, share=1.0, value=1e6, likelihood="normal", sd=1.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        update = reforecast(bid, prior, far, method="reweight", rng=1)
    assert update.ess == pytest.approx(1.0)
    assert np.isfinite(update.weights).all()
    assert update.weights.sum() == pytest.approx(1.0)
    assert not any(value is None for value in update.to_dict()["probabilities"]["P(npv > 0)"]
                   .values())


def test_a_hypothesis_whose_actuals_fall_far_below_plan_is_ranked_first_as_failing():
    bid = one_parameter_bid(
        {"dist": "beta", "mean": 0.6, "sd": 0.1, "hypothesis": "60% of those offered take it up",
         "owner": "Head of community services", "evidence": "weak"},
        formula="1000 * theta", unit="people",
        parameters={"running": {"dist": "normal", "mean": 1000, "sd": 100,
                                "hypothesis": "the service costs 1,000 a year"}})
    prior = appraised(bid)
    seen = [Observation(LEVEL, year=year, share=1.0, value=250.0, likelihood="poisson")
            for year in (0, 1)]
    update = reforecast(bid, prior, seen, rng=2)
    first = update.hypotheses[0]
    assert first.name == "theta"
    assert first.failing
    assert first.effect == 1
    assert first.statement == "60% of those offered take it up"
    assert first.owner == "Head of community services"
    assert first.evidence == "weak"
    assert first.posterior_mean < first.prior_low < first.prior_mean
    assert first.shift < -2
    running = update.hypotheses[1]
    assert running.name == "running"
    assert not running.failing
    assert running.effect == -1
    assert update.failing == (first,)


def test_money_uses_the_actual_spend_of_whole_years_and_says_so():
    bid = one_parameter_bid({"dist": "normal", "mean": 10, "sd": 2},
                            parameters={"running": {"dist": "normal", "mean": 1000, "sd": 100}})
    prior = appraised(bid)
    costs = SeriesKey("costs", "a")
    seen = [Observation(costs, year=0, share=1.0, value=1500.0, likelihood="normal", sd=300.0,
                        period="2025/26"),
            Observation(costs, year=1, share=0.25, value=300.0, likelihood="normal", sd=80.0,
                        period="2026/27 Q1")]
    update = reforecast(bid, prior, seen, method="reweight", rng=3)
    paths = trajectories(bid, prior.flows, [costs])[costs]
    factor = prior.provenance["money_discount_factors"][0]
    # only the whole year 2025/26 is replaced by its actual; 2026/27 is a quarter
    expected = np.asarray(prior["npv"]) + factor * (paths[:, 0] - 1500.0)
    for scope in ("system", "a"):
        assert update.metrics[scope]["npv"]["posterior"]["mean"] == pytest.approx(
            weighted_mean(expected, update.weights), rel=1e-12)
    assert update.notes == ("NPV uses the actual costs (a) for 2025/26 and the posterior for "
                            "the other years (other money metrics are the posterior's)",)
    assert update.probabilities["P(npv > 0)"]["posterior"] == pytest.approx(
        weighted_mean(expected > 0, update.weights))


def test_targets_give_the_probability_of_meeting_them_before_and_after(frailty):
    bid, prior = frailty
    seen = _admissions([30])
    update = reforecast(bid, prior, seen, rng=1, method="reweight",
                        targets={ADMISSIONS: {2: 40.0}},
                        better={ADMISSIONS: "higher"})
    path = prior.flows["admissions_avoided"][:, 2]
    label = "P(admissions_avoided 2027/28 >= 40)"
    assert update.probabilities[label]["prior"] == pytest.approx(np.mean(path >= 40))
    assert update.probabilities[label]["posterior"] == pytest.approx(
        weighted_mean(path >= 40, update.weights))
    lower = reforecast(bid, prior, seen, rng=1, method="reweight",
                       targets={ADMISSIONS: {2: 40.0}}, better={ADMISSIONS: "lower"})
    assert lower.probabilities["P(admissions_avoided 2027/28 <= 40)"]["prior"] == pytest.approx(
        np.mean(path <= 40))


def test_the_forecast_gives_every_series_by_period_with_the_observed_years_marked(frailty):
    bid, prior = frailty
    update = reforecast(bid, prior, _admissions([30, 31]), method="reweight", rng=1)
    table = update.forecast["admissions_avoided"]
    assert table["periods"] == list(prior.periods)
    assert table["observed"] == [False, True, True, False, False]
    assert table["last_observed"] == "2027/28"
    assert update.forecast["savings (acute)"]["last_observed"] is None
    for year in range(5):
        assert table["p5"][year] <= table["p25"][year] <= table["p50"][year] \
            <= table["p75"][year] <= table["p95"][year]
    assert {"savings (acute)", "costs (community)"} <= set(update.forecast)
    data = json.loads(update.to_json())
    assert data["method"] == "reweight"
    assert data["hypotheses"][0]["name"]
    assert set(data["metrics"]) == {"system", *prior.organisations}


def test_an_appraisal_without_inputs_or_flows_is_refused_with_what_to_do(frailty):
    bid, _ = frailty
    bare = bpv.appraise(bid, n_draws=500, rng=1, progress=False)
    with pytest.raises(SpecError, match=r"keep_inputs=True.*keep_flows=True"):
        reforecast(bid, bare, _admissions([30]))
    other = bpv.load(FRAILTY.with_name("diabetes_prevention.yaml"))
    with pytest.raises(SpecError, match="another bid"):
        reforecast(other, appraised(bid, n_draws=500), _admissions([30]))


@pytest.mark.parametrize(("option", "message"), [
    ({"method": "mcmc"}, "The 'method' parameter of reforecast must be one of"),
    ({"n_particles": 0}, "The 'n_particles' parameter of reforecast must be an int"),
    ({"n_moves": 0}, "The 'n_moves' parameter of reforecast must be an int"),
    ({"target_ess": 1.5}, r"The 'target_ess' parameter of reforecast must be a float in the "
                          r"range \(0, 1\)"),
    ({"ess_threshold": -1}, "The 'ess_threshold' parameter of reforecast"),
])
def test_invalid_options_are_refused_in_the_house_template(frailty, option, message):
    bid, prior = frailty
    with pytest.raises(SpecError, match=message):
        reforecast(bid, prior, _admissions([30]), **option)


def test_the_result_is_frozen_with_read_only_arrays_and_its_provenance(frailty):
    bid, prior = frailty
    update = reforecast(bid, prior, _admissions([30]), method="reweight", rng=1)
    with pytest.raises(AttributeError):
        update.method = "smc"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        update.weights[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        update.inputs["admit_rate"][0] = 1.0
    assert update.provenance["bid_hash"] == prior.bid_hash
    assert update.provenance["appraisal_entropy"] == 11


def test_npv_moves_by_minus_the_present_value_of_a_change_in_costs(frailty):
    # The identity money-with-actuals rests on: change only what a cost node spends and
    # the NPV of the system and of the paying organisation move by -Σ dₜ Δcostₜ.
    bid, prior = frailty
    inputs = {name: np.asarray(values)[:2_000] for name, values in prior.inputs.items()}
    dearer = {**inputs, "ward_cost": inputs["ward_cost"] * 1.1}
    before, after = (evaluate(bid, given, keep_flows=True) for given in (inputs, dearer))
    factors = np.asarray(prior.provenance["money_discount_factors"])
    key = SeriesKey("costs", "community")
    change = (trajectories(bid, after.flows, [key])[key]
              - trajectories(bid, before.flows, [key])[key]) @ factors
    assert np.abs(change).min() > 0
    np.testing.assert_allclose(after["npv"] - before["npv"], -change, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(after.organisation("community")["npv"]
                               - before.organisation("community")["npv"], -change,
                               rtol=1e-9, atol=1e-6)


def test_smc_from_a_small_appraisal_agrees_with_reweighting_a_large_one():
    # Where SMC is needed: four counts far below plan leave a 20,000-draw appraisal an
    # ESS of about 70. Reweighting 250,000 other draws (ESS near 900) is the reference;
    # the errors are those of the two effective sizes (SMC's taken as N / 10).
    bid = bpv.load(FRAILTY)
    seen = _admissions([15, 14, 16, 15])
    reference = reforecast(bid, appraised(bid, n_draws=250_000, rng=21), seen,
                           method="reweight", rng=1)
    moved = reforecast(bid, appraised(bid, n_draws=20_000, rng=22), seen, rng=1)
    assert moved.method == "smc"
    assert moved.ess < 200
    assert reference.ess > 500
    scale = math.sqrt(1 / reference.ess + 1 / (moved.smc["n_particles"] / 10))
    for name in ("npv", "qalys", "nmb"):
        a, b = reference.posterior(name), moved.posterior(name)
        assert b["mean"] == pytest.approx(a["mean"], abs=4.5 * a["sd"] * scale), name
    by_name = {h.name: h for h in moved.hypotheses}
    for update in reference.hypotheses:
        posterior_sd = (update.posterior_high - update.posterior_low) / 3.29
        assert by_name[update.name].posterior_mean == pytest.approx(
            update.posterior_mean, abs=4.5 * posterior_sd * scale + 1e-12), update.name
