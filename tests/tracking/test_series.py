"""Tracked series: which are tracked by default, and their trajectories against the ledger."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.errors import UnknownNameError
from bpv.tracking.series import SeriesKey, default_series, series_nodes, trajectories

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"


@pytest.fixture(scope="module", params=sorted(BIDS.glob("*.yaml")), ids=lambda path: path.stem)
def appraised(request):
    bid = bpv.load(request.param)
    return bid, bpv.appraise(bid, n_draws=2_000, rng=3, keep_flows=True, progress=False)


def test_every_metric_node_is_tracked_by_default(appraised):
    bid, _ = appraised
    tracked = {key.node for key in default_series(bid) if key.organisation is None}
    assert tracked == {node.id for node in bid.nodes if node.measure == "metric"}


def test_discounted_costs_and_savings_of_each_organisation_match_the_ledger(appraised):
    # The ledger's present values are computed by the engine on its own path; the
    # series, discounted here by hand, must agree draw by draw.
    bid, result = appraised
    factors = np.asarray(result.provenance["money_discount_factors"])
    for organisation in result.organisations:
        keys = [SeriesKey("costs", organisation), SeriesKey("savings", organisation)]
        values = trajectories(bid, result.flows, keys)
        base = result.organisation_base[organisation]
        np.testing.assert_allclose(values[keys[0]] @ factors, base["cost_pv"], rtol=1e-12,
                                   atol=1e-6)
        np.testing.assert_allclose(values[keys[1]] @ factors, base["cash_releasing_pv"]
                                   - base["income_pv"], rtol=1e-12, atol=1e-6)


def test_system_costs_are_the_sum_over_organisations(appraised):
    bid, result = appraised
    keys = [SeriesKey("costs", org) for org in result.organisations]
    values = trajectories(bid, result.flows, [*keys, SeriesKey("costs")])
    np.testing.assert_allclose(sum(values[key] for key in keys), values[SeriesKey("costs")])


def test_unknown_names_say_what_is_meant():
    bid = bpv.load(BIDS / "frailty_virtual_ward.yaml")
    with pytest.raises(UnknownNameError, match="did you mean 'admissions_avoided'"):
        series_nodes(bid, SeriesKey("admissions_avoid"))
    with pytest.raises(UnknownNameError, match=r"no organisation 'acue'.*'acute'"):
        series_nodes(bid, SeriesKey("costs", "acue"))
    with pytest.raises(UnknownNameError, match="is not kept by organisation"):
        series_nodes(bid, SeriesKey("patients", "acute"))
