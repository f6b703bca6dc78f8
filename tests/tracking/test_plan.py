"""The plan: bands and targets of every tracked series, checked against the draws by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.errors import SpecError, UnknownNameError
from bpv.tracking.plan import plan
from bpv.tracking.series import SeriesKey

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"
N_DRAWS = 4_000

def delivered(result, node_id):
    """A node's flows in the draws where the ward was delivered: the plan's draws.

    The success gate is read from the inputs the engine kept, independently of how
    the plan finds the delivered draws (from the activity's own values).
    """
    return result.flows[node_id][result.inputs["ward.delivered"] == 1]



@pytest.fixture(scope="module")
def frailty():
    data = bpv.load(BIDS / "frailty_virtual_ward.yaml").to_dict()
    data["tracking"] = {"admissions_avoided": {"targets": {"2026/27": 50, "2027/28": 40}},
                        "patients": {}}
    bid = bpv.loads(json.dumps(data), format="json")
    return bid, bpv.appraise(bid, n_draws=N_DRAWS, rng=7, keep_flows=True, keep_inputs=True,
                             progress=False)


def test_bands_are_the_quantiles_of_the_series_draws(frailty):
    bid, result = frailty
    planned = plan(result, bid)
    # Each series summed by hand from the nodes' flows: the frailty bid has one
    # cost node (the community trust's funding) and one cash-releasing node.
    by_hand = {
        "admissions_avoided": delivered(result, "admissions_avoided"),
        "patients": delivered(result, "patients"),
        "costs (community)": delivered(result, "funding"),
        "savings (acute)": delivered(result, "acute_cost_saved"),
    }
    assert [series.label for series in planned.series.values()] == [
        "admissions_avoided", "savings (acute)", "costs (community)", "patients"]
    for label, draws in by_hand.items():
        series = planned[label]
        np.testing.assert_array_equal(series.draws, draws)
        np.testing.assert_allclose(series.mean, draws.mean(axis=0))
        for name, q in [("p5", 0.05), ("p25", 0.25), ("median", 0.5), ("p75", 0.75),
                        ("p95", 0.95)]:
            np.testing.assert_allclose(getattr(series, name), np.quantile(draws, q, axis=0))


def test_targets_are_declared_or_the_median_and_meeting_them_counts_draws(frailty):
    bid, result = frailty
    series = plan(result, bid)["admissions_avoided"]
    draws = delivered(result, "admissions_avoided")
    expected = np.median(draws, axis=0)
    expected[1], expected[2] = 50, 40
    np.testing.assert_allclose(series.target, expected)
    np.testing.assert_allclose(series.p_meets_target, (draws >= expected).mean(axis=0))
    costs = plan(result, bid)["costs (community)"]  # lower is better: at or below
    np.testing.assert_allclose(costs.p_meets_target,
                               (delivered(result, "funding") <= costs.median).mean(axis=0))


def test_the_plan_of_a_pert_cost_has_the_pert_mean(frailty):
    # ward_cost ~ PERT(350k, 400k, 520k), every year: mean (a + 4m + b) / 6 and
    # variance (mean - a)(b - mean) / 7.
    bid, result = frailty
    mean = (350_000 + 4 * 400_000 + 520_000) / 6
    sd = math.sqrt((mean - 350_000) * (520_000 - mean) / 7)
    costs = plan(result, bid)[SeriesKey("costs", "community")]
    assert np.all(np.abs(costs.mean - mean) < 4 * sd / math.sqrt(N_DRAWS))


def test_extra_series_are_planned_and_unknown_ones_named(frailty):
    bid, result = frailty
    planned = plan(result, bid, series=[SeriesKey("costs")])
    np.testing.assert_array_equal(planned["costs"].draws, delivered(result, "funding"))
    with pytest.raises(UnknownNameError, match="did you mean 'patients'"):
        planned["patient"]
    with pytest.raises(UnknownNameError, match="did you mean 'admissions_avoided'"):
        plan(result, bid, series=[SeriesKey("admissions_avoid")])


def test_the_plan_needs_flows_and_the_bid_appraised(frailty):
    bid, result = frailty
    without = bpv.appraise(bid, n_draws=100, rng=7, progress=False)
    with pytest.raises(SpecError, match="keep_flows=True"):
        plan(without, bid)
    other = bpv.load(BIDS / "frailty_virtual_ward.yaml")  # without the tracking section
    with pytest.raises(SpecError, match="must be the bid that was appraised"):
        plan(result, other)


def test_plain_data_and_text(frailty):
    bid, result = frailty
    planned = plan(result, bid)
    data = json.loads(planned.to_json())
    assert data["periods"] == list(bid.period_labels)
    admissions = data["series"][0]
    assert admissions["label"] == "admissions_avoided"
    assert admissions["targets_declared"] == ["2026/27", "2027/28"]
    assert admissions["p25"] == pytest.approx(list(planned["admissions_avoided"].p25))
    text = str(planned)
    assert "admissions_avoided (admissions; higher is better)" in text
    assert "costs (community) (GBP; lower is better)" in text
    assert text.count("*") == 2 + 1  # the two declared targets, and the header's mention
