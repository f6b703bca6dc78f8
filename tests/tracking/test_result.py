"""bpv.track: the appraisal, the bid and the actuals must belong together; the Tracking reads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.errors import SpecError
from bpv.tracking.actuals import read_actuals
from bpv.tracking.result import Tracking

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"
AS_AT = date(2026, 12, 7)
ROWS = [{"node": "admissions_avoided", "period": "2025/26", "value": 20},
        {"node": "admissions_avoided", "period": "2026/27 Q1", "value": 12},
        {"node": "costs", "period": "2025/26", "value": 450_000},  # the system's costs
        {"node": "costs", "organisation": "community", "period": "2025/26", "value": 450_000}]

def delivered(result, node_id):
    """A node's flows in the draws where the ward was delivered: the plan's draws.

    The success gate is read from the inputs the engine kept, independently of how
    the plan finds the delivered draws (from the activity's own values).
    """
    return result.flows[node_id][result.inputs["ward.delivered"] == 1]



@pytest.fixture(scope="module")
def appraised():
    bid = bpv.load(BIDS / "frailty_virtual_ward.yaml")
    return bid, bpv.appraise(bid, n_draws=2_000, rng=5, keep_flows=True, keep_inputs=True,
                             progress=False)


def test_track_reads_plans_and_rates(appraised):
    bid, result = appraised
    tracking = bpv.track(result, ROWS, bid=bid, as_at=AS_AT)
    assert isinstance(tracking, Tracking)
    assert tracking.as_at == AS_AT
    # the system's costs are not tracked by default; the actuals add them to the plan
    np.testing.assert_array_equal(tracking.plan["costs"].draws, delivered(result, "funding"))
    table = tracking.status()
    assert [row.series for row in table.rows] == [
        "admissions_avoided", "admissions_avoided", "costs (community)", "costs"]
    summary = tracking.summary()
    assert summary.rows["admissions_avoided"]["actuals"] == 2
    assert summary.rows["admissions_avoided"]["cum actual"] == 32
    assert tracking.rule.text in summary.title
    data = json.loads(tracking.to_json())
    assert set(data) == {"schema_version", "bid", "bid_hash", "as_at", "plan", "actuals", "status",
                         "summary"}
    assert data["bid_hash"] == result.bid_hash
    assert str(tracking) == str(table)


def test_actuals_already_read_carry_their_bid(appraised):
    bid, result = appraised
    actuals = read_actuals(ROWS, bid, as_at=AS_AT)
    tracking = bpv.track(result, actuals, rule=bpv.RagRule(green=0.6, amber=0.8))
    assert tracking.actuals is actuals
    assert tracking.rule.green == 0.6
    assert bpv.track(result, actuals, as_at=AS_AT).as_at == AS_AT
    with pytest.raises(SpecError, match="the date the actuals were read as at"):
        bpv.track(result, actuals, as_at="2027-01-01")


def test_the_pieces_must_belong_together(appraised):
    bid, result = appraised
    with pytest.raises(SpecError, match="'bid' parameter of track is required"):
        bpv.track(result, ROWS)
    other = bpv.load(BIDS / "pathology_network.yaml")
    with pytest.raises(SpecError, match="must be the bid that was appraised"):
        bpv.track(result, ROWS, bid=other)
    with pytest.raises(SpecError, match="must be read against the bid appraised"):
        bpv.track(result, read_actuals([], other), bid=bid)
    without = bpv.appraise(bid, n_draws=100, rng=5, progress=False)
    with pytest.raises(SpecError, match="keep_flows=True"):
        bpv.track(without, ROWS, bid=bid)
    with pytest.raises(SpecError, match="'rule' parameter of track"):
        bpv.track(result, ROWS, bid=bid, rule=0.5)
    with pytest.raises(bpv.ActualsError, match="unknown node"):
        bpv.track(result, [{"node": "x", "period": "2025/26", "value": 1}], bid=bid,
                  as_at=AS_AT)
