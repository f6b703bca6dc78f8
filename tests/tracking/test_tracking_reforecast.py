"""Tracking.reforecast: the examples' stories, told by the posterior."""

from __future__ import annotations

from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parents[2]
AS_AT = "2026-12-07"


def tracked(name, **appraise):
    bid = bpv.load(ROOT / "examples" / "bids" / f"{name}.yaml")
    result = bpv.appraise(bid, n_draws=20_000, rng=2025, keep_flows=True, progress=False,
                          **appraise)
    return bpv.track(result, ROOT / "examples" / "tracking" / f"{name}_actuals.csv", bid=bid,
                     as_at=AS_AT)


@pytest.fixture(scope="module")
def diabetes():
    return tracked("diabetes_prevention", keep_inputs=True).reforecast(rng=1)


def test_the_failing_uptake_hypothesis_is_ranked_first_and_named(diabetes):
    first = diabetes.hypotheses[0]
    assert first.name == "uptake"
    assert first.failing
    assert first.posterior_mean < first.prior_low  # far below what the bid believed
    assert "start the programme" in (first.statement or "")


def test_the_forecast_falls_with_the_evidence(diabetes):
    npv = diabetes.metrics["system"]["npv"]
    assert npv["posterior"]["mean"] != npv["prior"]["mean"]
    qalys = diabetes.metrics["system"]["qalys"]
    assert qalys["posterior"]["mean"] < 0.6 * qalys["prior"]["mean"]
    # the participants series still to come is forecast well below its plan's target
    forecast = diabetes.forecast["participants"]
    assert forecast["p50"][-1] < 0.6 * forecast["prior_p50"][-1]


def test_targets_are_those_still_to_play_for(diabetes):
    names = [name for name in diabetes.probabilities if name.startswith("P(participants")]
    assert len(names) == 5  # 2026/27, the latest year with actuals, to 2030/31
    assert all(diabetes.probabilities[name]["posterior"] < 0.01 for name in names)


def test_a_tracking_without_inputs_says_how_to_appraise():
    tracking = tracked("frailty_virtual_ward")
    with pytest.raises(bpv.SpecError, match="keep_inputs=True"):
        tracking.reforecast(rng=1)
