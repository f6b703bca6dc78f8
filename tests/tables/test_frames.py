"""Every result's long table holds its plain data's numbers, where its docstring says.

Each table is read back into a mapping (bid, scope, metric, statistic) -> value
and compared, number for number, with ``to_dict()``; the run's columns with
the result's seed, draws and method.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings

import bpv
from bpv.engine.long_form import FRAME_COLUMNS, METRIC_UNITS, PROBABILITY
from tests.strategies import bids

# The example bids compared differ in horizon and price year, which compare warns about
# (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")


def cells(frame: pd.DataFrame) -> dict[tuple, float | None]:
    """The frame as (bid, scope, metric, statistic) -> value; each key once."""
    out: dict[tuple, float | None] = {}
    for row in frame.itertuples(index=False):
        key = (None if pd.isna(row.bid) else row.bid, row.scope, row.metric, row.statistic)
        assert key not in out, f"{key} twice"
        out[key] = None if pd.isna(row.value) else float(row.value)
    return out


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(b, float) and not math.isfinite(b)):
        return a is None and (b is None or not math.isfinite(b))
    return a == b


def check_run(frame: pd.DataFrame, *, seed, draws, method) -> None:
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert set(frame["seed"]) == {str(seed)}
    assert set(frame["draws"]) == {draws}
    assert set(frame["method"]) == {method}


def test_an_appraisal_gives_every_statistic_of_its_plain_data(frailty):
    _, result = frailty
    data, frame = result.to_dict(), result.to_frame()
    check_run(frame, seed=11, draws=2_000, method="mc")
    got = cells(frame)
    expected = {(data["bid"], "system", metric, statistic): value
                for metric, stats in data["metrics"].items() for statistic, value in stats.items()}
    expected |= {(data["bid"], organisation, metric, statistic): value
                 for organisation, metrics in data["organisations"].items()
                 for metric, stats in metrics.items() for statistic, value in stats.items()}
    expected |= {(data["bid"], "system", text.split()[0], PROBABILITY): value
                 for text, value in data["probabilities"].items()}
    expected |= {(data["bid"], "system", node, statistic): value
                 for node, entry in data["metric_nodes"].items()
                 for statistic, value in entry["total"].items()}
    assert set(got) == set(expected)
    assert all(same(got[key], value) for key, value in expected.items())
    means = frame[frame["statistic"] == "mean"]
    assert set(means.loc[means["metric"] == "npv", "unit"]) == {"GBP"}
    assert set(means.loc[means["metric"] == "qalys", "unit"]) == {"QALY"}
    assert set(frame["bid_hash"]) == {result.bid_hash}


def test_a_comparison_gives_metrics_increments_and_who_is_best(comparison):
    data, frame = comparison.to_dict(), comparison.to_frame()
    check_run(frame, seed=3, draws=2_000, method="mc")
    got = cells(frame)
    for option, entry in data["options"].items():
        for quantity, stats in entry.get("incremental", {}).items():
            for statistic, value in stats.items():
                assert same(got[(option, "system", f"incremental_{quantity}", statistic)], value)
        for metric, stats in entry.get("metrics", {}).items():
            assert same(got[(option, "system", metric, "mean")], stats["mean"])
        assert got[(option, "system", "npv", "p_best")] == data["probability_best"][option]
        for threshold, shares in data["probability_best_nmb"].items():
            assert got[(option, "system", f"nmb@{threshold}", "p_best")] == shares[option]
    for quantity, value in data["evpi"].items():
        assert same(got[(None, "system", quantity, "evpi")], value)
    hashes = frame.dropna(subset=["bid_hash"]).groupby("bid")["bid_hash"].unique()
    assert {bid: list(h) for bid, h in hashes.items()} == {
        bid: [appraisal.bid_hash] for bid, appraisal in comparison.appraisals.items()}


def test_a_comparison_gives_its_increments_draw_by_draw(comparison):
    frame = comparison.draws_frame()
    assert list(frame["draw"]) == list(range(comparison.n_draws_kept))
    for option in comparison.options:
        if option == comparison.baseline:
            continue
        for quantity in ("npv", "net_cost", "qalys", "nmb@20000"):
            assert np.array_equal(frame[f"{option}.{quantity}"].to_numpy(),
                                  comparison.incremental(option, quantity))


def test_a_sensitivity_gives_each_input_and_group(sensitivity):
    data, frame = sensitivity.to_dict(), sensitivity.to_frame()
    check_run(frame, seed=5, draws=2_000, method="mc")
    got = cells(frame)
    bid = data["bid"]
    assert got[(bid, "system", "npv", "mean")] == data["mean"]
    assert got[(bid, "system", "npv", PROBABILITY)] == data["probability_positive"]
    for name, entry in data["inputs"].items():
        for statistic, value in entry["tornado"].items():
            assert same(got[(bid, "system", name, statistic)], value)
        assert same(got[(bid, "system", name, "prcc")], entry["prcc"])
        assert same(got[(bid, "system", name, "sobol_total")], entry["sobol"]["total"])
        assert (bid, "system", name, "switching_value") not in got  # not computed: no row
    for name, group in data["groups"].items():
        assert same(got[(bid, "system", name, "variance_share")], group["variance_share"])


def test_a_scenario_table_gives_each_scenario_as_a_bid_of_its_own(scenario_table):
    data, frame = scenario_table.to_dict(), scenario_table.to_frame()
    check_run(frame, seed=7, draws=2_000, method="mc")
    got = cells(frame)
    for name, scenario in data["scenarios"].items():
        bid = data["bid"] if name == "base" else f"{data['bid']}/{name}"
        for metric, stats in scenario["metrics"].items():
            for statistic, value in stats.items():
                if metric.startswith("P("):
                    key = PROBABILITY + ("" if statistic == "mean" else f"_{statistic}")
                    assert same(got[(bid, "system", "npv", key)], value)
                else:
                    assert same(got[(bid, "system", metric, statistic)], value)
        hashes = set(frame.loc[frame["bid"] == bid, "bid_hash"])
        assert hashes == {scenario_table[name].bid_hash}


def test_a_portfolio_gives_its_bids_risk_and_every_constraint(chosen):
    data, frame = chosen.to_dict(), chosen.to_frame()
    check_run(frame, seed=1, draws=1_000, method="mc")
    got = cells(frame)
    for bid, entry in data["bids"].items():
        assert got[(bid, "system", "npv", "chosen")] == float(entry["chosen"])
        assert got[(bid, "system", "npv", "expected_value")] == entry["expected_value"]
        assert same(got[(bid, "system", "npv", "bootstrap_share")], entry["bootstrap_share"])
    assert got[(None, "system", "npv", "expected_value")] == data["expected_value"]
    assert got[(None, "system", "npv", "cvar")] == data["risk"]["cvar"]
    for name, entry in data["constraints"].items():
        for statistic in ("bound", "value", "slack"):
            assert got[(None, "system", name, statistic)] == float(entry[statistic])


def test_a_tracking_gives_its_summary_by_series(tracking):
    data, frame = tracking.to_dict(), tracking.to_frame()
    appraisal = tracking.appraisal
    check_run(frame, seed=appraisal.entropy, draws=appraisal.n_draws, method=appraisal.method)
    got = cells(frame)
    expected = {(data["bid"], "system", series, statistic): value
                for series, stats in data["summary"].items()
                for statistic, value in stats.items()}
    assert set(got) == set(expected)
    assert all(same(got[key], value) for key, value in expected.items())


def test_a_reforecast_gives_prior_and_posterior(reforecast):
    data, frame = reforecast.to_dict(), reforecast.to_frame()
    check_run(frame, seed=data["entropy"], draws=data["n_draws"], method=data["method"])
    got = cells(frame)
    bid = data["bid"]
    for scope, metrics in data["metrics"].items():
        for metric, phases in metrics.items():
            for phase, stats in phases.items():
                for statistic, value in stats.items():
                    assert same(got[(bid, scope, metric, f"{phase}_{statistic}")], value)
    for label, phases in data["probabilities"].items():
        assert got[(bid, "system", label, "posterior")] == phases["posterior"]
    for update in data["hypotheses"]:
        assert same(got[(bid, "system", update["name"], "shift")], update["shift"])


def test_a_batch_is_its_bids_tables_stacked(batch, frailty):
    frame = batch.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert len(frame) == sum(
        len(bpv.engine.long_form.appraisal_rows(record)) for record in batch.records.values())
    assert set(frame["bid"]) == set(batch.bids)


def test_draws_frame_holds_every_metric_draw_by_draw(frailty):
    _, result = frailty
    frame = result.draws_frame()
    assert len(frame) == result.n_draws
    assert list(frame["draw"]) == list(range(result.n_draws))
    for metric in result.metrics:
        assert np.array_equal(frame[metric].to_numpy(), result[metric], equal_nan=True)
    for organisation in result.organisations:
        view = result.organisation(organisation)
        for metric in view.names:
            assert np.array_equal(frame[f"{organisation}.{metric}"].to_numpy(), view[metric],
                                  equal_nan=True)
    assert len(frame.columns) == 1 + len(result.metrics) + sum(
        len(result.organisation(o).names) for o in result.organisations)


@pytest.mark.filterwarnings("ignore::bpv.errors.BPVWarning")  # generated bids warn
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bids())
def test_the_long_table_of_any_bid_reads_back_as_its_plain_data(data):
    try:
        result = bpv.appraise(bpv.Bid.model_validate(data), n_draws=64, rng=0, progress=False)
    except bpv.EvaluationError:  # amounts past the ledger's bound (docs/limits.md) are refused
        assume(False)
    record, frame = result.to_dict(), result.to_frame()
    got = cells(frame)
    for metric, stats in record["metrics"].items():
        for statistic, value in stats.items():
            assert same(got[(record["bid"], "system", metric, statistic)], value)
    for organisation, metrics in record["organisations"].items():
        for metric, stats in metrics.items():
            assert same(got[(record["bid"], organisation, metric, "mean")], stats["mean"])
    known = frame.loc[frame["metric"].isin(METRIC_UNITS) & (frame["unit"] != "probability")]
    assert (known["unit"] == known["metric"].map(METRIC_UNITS)).all()
    assert len(frame) == len(result.long_rows())


def test_to_frame_without_pandas_says_what_to_install(monkeypatch, frailty):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'bpv\[tables\]'"):
        frailty[1].to_frame()
