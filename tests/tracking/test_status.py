"""Status: variance, cumulative totals, probabilities and RAG at the band edges, by hand."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpv
from bpv.errors import SpecError
from bpv.tracking.actuals import read_actuals
from bpv.tracking.periods import parse_period
from bpv.tracking.plan import plan
from bpv.tracking.status import RagRule, status

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"
AS_AT = date(2030, 6, 30)
QUARTERS = [f"{year}/{(year + 1) % 100:02d} Q{q}" for year in range(2025, 2030)
            for q in range(1, 5)]

def delivered(result, node_id):
    """A node's flows in the draws where the ward was delivered: the plan's draws.

    The success gate is read from the inputs the engine kept, independently of how
    the plan finds the delivered draws (from the activity's own values).
    """
    return result.flows[node_id][result.inputs["ward.delivered"] == 1]



@pytest.fixture(scope="module")
def appraised():
    bid = bpv.load(BIDS / "frailty_virtual_ward.yaml")
    result = bpv.appraise(bid, n_draws=3_000, rng=11, keep_flows=True, keep_inputs=True,
                             progress=False)
    return bid, result, plan(result, bid)


def edge(draws, period, level):
    """The band edge at a quantile, scaled to the period as status scales it."""
    found = parse_period(period, start_year=2025, horizon=5, as_at=AS_AT)
    return found.share * np.quantile(draws[:, found.year], [level])[0], found


def rate(bid, planned, rows, rule=None):
    actuals = read_actuals(rows, bid, as_at=AS_AT)
    return status(planned, actuals, rule=rule)


def test_rag_at_exactly_the_band_edges_when_higher_is_better(appraised):
    bid, result, planned = appraised
    draws = delivered(result, "acute_cost_saved")
    cases = [  # (level of the band edge, nudge, expected RAG)
        (0.25, 0, "green"), (0.25, -1, "amber"), (0.05, 0, "amber"), (0.05, -1, "red"),
        (0.5, 1, "green"), (0.75, 1, "green"), (0.95, 1, "green"), (0.10, 0, "amber"),
    ]
    rows = []
    for (level, nudge, _), period in zip(cases, QUARTERS[4:], strict=False):
        value, _ = edge(draws, period, level)
        value = np.nextafter(value, math.inf * nudge) if nudge else value
        rows.append({"node": "savings", "organisation": "acute", "period": period,
                     "value": float(value)})
    got = [row.rag for row in rate(bid, planned, rows).rows]
    assert got == [expected for _, _, expected in cases]


def test_rag_at_exactly_the_band_edges_when_lower_is_better(appraised):
    bid, result, planned = appraised
    draws = delivered(result, "funding")  # the community trust's costs
    cases = [(0.75, 0, "green"), (0.75, 1, "amber"), (0.95, 0, "amber"), (0.95, 1, "red"),
             (0.5, -1, "green"), (0.05, -1, "green"), (0.25, 0, "green"), (0.9, 0, "amber")]
    rows = []
    for (level, nudge, _), period in zip(cases, QUARTERS, strict=False):
        value, _ = edge(draws, period, level)
        value = np.nextafter(value, math.inf * nudge) if nudge else value
        rows.append({"node": "costs", "organisation": "community", "period": period,
                     "value": float(value)})
    got = [row.rag for row in rate(bid, planned, rows).rows]
    assert got == [expected for _, _, expected in cases]


def test_a_wider_rule_moves_the_edges(appraised):
    bid, result, planned = appraised
    draws = delivered(result, "acute_cost_saved")
    value, _ = edge(draws, "2026/27", 0.15)  # inside the 90% band, below the 50%
    rows = [{"node": "savings", "organisation": "acute", "period": "2026/27", "value": value}]
    assert rate(bid, planned, rows).rows[0].rag == "amber"
    assert rate(bid, planned, rows, RagRule(green=0.8, amber=0.95)).rows[0].rag == "green"
    assert rate(bid, planned, rows, RagRule(green=0.2, amber=0.6)).rows[0].rag == "red"


def test_variance_cumulative_totals_and_probabilities_by_hand(appraised):
    bid, result, planned = appraised
    draws = delivered(result, "admissions_avoided")
    given = [("2026/27 Q1", 9), ("2025/26", 20), ("2026/27 Q2", 14)]
    rows = [{"node": "admissions_avoided", "period": p, "value": v} for p, v in given]
    table = rate(bid, planned, rows).rows
    assert [row.period for row in table] == ["2025/26", "2026/27 Q1", "2026/27 Q2"]  # by date
    planned_to_date = np.zeros(draws.shape[0])
    actual_to_date = 0.0
    for row, (period, value) in zip(table, sorted(given, key=lambda g: g[0][:7] + g[0][-1:]),
                                    strict=True):
        found = parse_period(period, start_year=2025, horizon=5, as_at=AS_AT)
        year_draws = found.share * draws[:, found.year]
        median = found.share * np.median(draws[:, found.year])
        assert row.share == found.share
        assert row.median == pytest.approx(median, rel=1e-12)
        assert row.mean == pytest.approx(year_draws.mean(), rel=1e-12)
        assert row.variance == pytest.approx(value - median, rel=1e-12)
        assert row.variance_pct == pytest.approx(100 * (value - median) / median, rel=1e-12)
        planned_to_date += year_draws
        actual_to_date += value
        assert row.cumulative_actual == actual_to_date
        assert row.cumulative_plan == pytest.approx(np.median(planned_to_date), rel=1e-12)
        assert row.p_actual_or_better == (year_draws >= value).mean()
        assert row.p_meets_target == (draws[:, found.year] >= np.median(
            draws[:, found.year])).mean()
        assert row.target == pytest.approx(median, rel=1e-12)
        lo, hi = found.share * np.quantile(draws[:, found.year], [0.25, 0.75])
        assert row.band_50 == pytest.approx((lo, hi), rel=1e-12)


def test_a_declared_target_is_met_or_not_under_the_plan(appraised):
    bid, _, _ = appraised
    data = bid.to_dict()
    data["tracking"] = {"admissions_avoided": {"targets": {"2026/27": 60}}}
    tracked = bpv.loads(json.dumps(data), format="json")
    tracked_result = bpv.appraise(tracked, n_draws=3_000, rng=11, keep_flows=True, keep_inputs=True,
                                  progress=False)
    planned = plan(tracked_result, tracked)
    rows = [{"node": "admissions_avoided", "period": "2026/27 Q1", "value": 12}]
    row = status(planned, read_actuals(rows, tracked, as_at=AS_AT)).rows[0]
    draws = delivered(tracked_result, "admissions_avoided")[:, 1]
    assert row.p_meets_target == (draws >= 60).mean()
    assert row.target == pytest.approx(60 * row.share)


def test_the_rule_is_printed_beside_the_table_and_kept_in_the_data(appraised):
    bid, _, planned = appraised
    rows = [{"node": "admissions_avoided", "period": "2025/26", "value": 20}]
    table = rate(bid, planned, rows)
    text = str(table)
    assert RagRule().text in text
    assert text.splitlines()[-1] == RagRule().text
    assert "RAG: green within the plan's 50% band or better than its median; amber within " \
           "its 90% band; red beyond it on the worse side" in text
    data = json.loads(table.to_json())
    assert data["rule"] == {"green": 0.5, "amber": 0.9, "text": RagRule().text}
    assert data["counts"]["green"] + data["counts"]["amber"] + data["counts"]["red"] == 1
    assert data["rows"][0]["series"] == "admissions_avoided"


@pytest.mark.parametrize(("green", "amber"), [(0.9, 0.5), (0.0, 0.9), (0.5, 1.0), (0.5, 0.5)])
def test_a_rule_must_nest_its_bands(green, amber):
    with pytest.raises(SpecError, match="RagRule"):
        RagRule(green=green, amber=amber)


_ORDER = {"red": 0, "amber": 1, "green": 2}
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=5, max_size=5), finite, finite,
       st.sampled_from(["higher", "lower"]))
def test_a_better_actual_never_rates_worse(edges, a, b, better):
    # Bands nested around the median, as quantiles are: p5 <= p25 <= median <= p75 <= p95.
    low_amber, low_green, median, high_green, high_amber = sorted(edges)
    rule = RagRule()
    bands = {"lower_green": low_green, "upper_green": high_green, "lower_amber": low_amber,
             "upper_amber": high_amber, "median": median, "better": better}
    worse, best = sorted((a, b)) if better == "higher" else sorted((a, b), reverse=True)
    assert _ORDER[rule.rate(worse, **bands)] <= _ORDER[rule.rate(best, **bands)]
    # With nested bands the rule is one-sided: only the worse-side edges matter.
    for actual in (a, b):
        if better == "higher":
            expected = "green" if actual >= low_green else \
                "amber" if actual >= low_amber else "red"
        else:
            expected = "green" if actual <= high_green else \
                "amber" if actual <= high_amber else "red"
        assert rule.rate(actual, **bands) == expected
