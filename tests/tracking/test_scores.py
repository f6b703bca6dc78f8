"""The inputs' normal score space: a round trip to the engine's draws, and a N(0, I) prior."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.tracking.scores import ScoreSpace
from tests.builders import small_bid

ROOT = Path(__file__).resolve().parents[2]
BIDS = [ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml",
        ROOT / "benchmarks" / "representative_bid.yaml"]
N = 20_000


def _correlated_bid() -> bpv.Bid:
    """Correlated beta, gamma and discrete parameters, and a gate whose success is a parameter."""
    return small_bid(
        [{"id": "spend", "kind": "input", "formula": "x * 1000 + y + z", "measure": "cost",
          "cost_type": "revenue", "organisation": "a"},
         {"id": "run", "kind": "activity", "success": "works", "ramp": 0,
          "depends_on": ["spend"]},
         {"id": "seen", "kind": "outcome", "formula": "run * (x + y + z)", "measure": "metric",
          "unit": "people"}],
        {"x": {"dist": "beta", "a": 2, "b": 5}, "y": {"dist": "gamma", "shape": 3, "scale": 2},
         "z": {"dist": "discrete", "values": [1, 2, 5], "weights": [0.2, 0.5, 0.3]},
         "works": {"dist": "beta", "mean": 0.7, "sd": 0.1}},
        correlations={"pairs": [{"between": ["x", "y"], "rho": 0.6},
                                {"between": ["y", "z"], "rho": -0.4}]})


@pytest.fixture(scope="module", params=[*BIDS, "correlated"], ids=lambda p: getattr(p, "stem", p))
def drawn(request):
    bid = _correlated_bid() if request.param == "correlated" else bpv.load(request.param)
    result = bpv.appraise(bid, n_draws=N, rng=5, keep_inputs=True, progress=False)
    space = ScoreSpace.from_bid(bid)
    return space, result.inputs, space.to_scores(result.inputs, np.random.default_rng(1))


def test_scores_of_the_appraisals_draws_give_back_its_draws(drawn):
    space, inputs, scores = drawn
    back = space.to_inputs(scores)
    assert set(back) == set(inputs) == set(space.names)
    for name in space.names:
        # the engine's fast inverse CDF is within 1e-9 in probability of scipy's CDF
        np.testing.assert_allclose(back[name], inputs[name], rtol=1e-7, atol=1e-9,
                                   err_msg=name)


def test_the_prior_in_score_space_is_independent_standard_normal(drawn):
    # mean, sd and pairwise correlations of N iid N(0, 1): standard errors 1/sqrt(N),
    # 1/sqrt(2N) and 1/sqrt(N); 4.5 of them allowed
    _, _, scores = drawn
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores.mean(axis=0), 0.0, atol=4.5 / math.sqrt(N))
    np.testing.assert_allclose(scores.std(axis=0), 1.0, atol=4.5 / math.sqrt(2 * N))
    correlation = np.corrcoef(scores.T) - np.eye(scores.shape[1])
    assert np.abs(correlation).max() < 4.5 / math.sqrt(N)


def test_new_scores_give_draws_of_the_prior():
    # iid normal scores mapped to inputs are distributed as the engine's draws:
    # quantiles within the MC error of two samples of N
    bid = _correlated_bid()
    space = ScoreSpace.from_bid(bid)
    fresh = space.to_inputs(np.random.default_rng(2).standard_normal((N, len(space.names))))
    engine = bpv.appraise(bid, n_draws=N, rng=6, keep_inputs=True, progress=False).inputs
    assert fresh["run.delivered"].mean() == pytest.approx(engine["run.delivered"].mean(),
                                                           abs=4.5 * math.sqrt(0.5 / N))
    assert np.corrcoef(fresh["x"], fresh["y"])[0, 1] == pytest.approx(
        np.corrcoef(engine["x"], engine["y"])[0, 1], abs=4.5 * math.sqrt(2 / N))
    for value in (1.0, 2.0, 5.0):
        assert np.mean(fresh["z"] == value) == pytest.approx(np.mean(engine["z"] == value),
                                                             abs=4.5 * math.sqrt(0.5 / N))
