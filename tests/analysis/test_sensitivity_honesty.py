"""Sensitivity figures that say how sure they are: Sobol' intervals and switching-value errors
match the spread of their estimates over independent seeds; EVPI only where it means money."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import bpv
from bpv.analysis.one_way import switching_values
from bpv.analysis.sobol import sobol_indices
from bpv.errors import SpecError

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def _bid(parameters, nodes):
    return bpv.Bid.model_validate({
        "id": "small", "title": "small", "start_year": 2025, "horizon": 1,
        "organisations": [{"id": "icb", "name": "ICB"}],
        "parameters": parameters, "nodes": nodes})


def _cost(formula):
    return {"id": "spend", "kind": "input", "formula": formula, "measure": "cost",
            "cost_type": "revenue", "organisation": "icb"}


def _saving(formula):
    return {"id": "saving", "kind": "impact", "formula": formula, "measure": "cash_releasing",
            "organisation": "icb"}


NORMAL = {"dist": "normal", "mean": 0, "sd": 1}
#: NPV = a + b·c + 0.5·d: S_a = 1/2.25, S_d = 0.25/2.25, S_b = S_c = 0, ST_b = ST_c = 1/2.25.
INTERACTING = _bid({"a": NORMAL, "b": NORMAL, "c": NORMAL, "d": NORMAL},
                   [_cost("0 * a"), _saving("spend + a + b * c + 0.5 * d")])

#: NPV = run · referrals · rate · 1000 − cost, success 0.9: the switching values are near the
#: centre of each range.
SMALL = _bid(
    {"referrals": {"dist": "normal", "mean": 100, "sd": 20},
     "rate": {"dist": "beta", "mean": 0.3, "sd": 0.1},
     "cost": {"dist": "normal", "mean": 25_000, "sd": 5_000}},
    [_cost("cost"), {"id": "run", "kind": "activity", "success": 0.9},
     _saving("run * referrals * rate * 1000")])


def test_sobol_intervals_are_as_wide_as_the_spread_of_estimates_over_seeds():
    # The replicate interval's half-width / t is its own estimate of the standard error of
    # the index; over 16 independent seeds the estimates' standard deviation is the truth.
    # A row bootstrap of one quasi-random design overstates it many times over.
    seeds = range(16)
    runs = [{index.input: index for index in sobol_indices(INTERACTING, n=1_024, rng=seed)}
            for seed in seeds]
    t = stats.t.ppf(0.975, 7)
    for name in "abcd":
        for order in ("first", "total"):
            values = np.array([getattr(run[name], order) for run in runs])
            claimed = np.mean([np.diff(getattr(run[name], f"{order}_interval"))[0] / 2 / t
                               for run in runs])
            spread = values.std(ddof=1)
            if spread < 1e-6:  # an index estimated exactly (S_b = 0 by symmetry)
                continue
            assert 0.4 < claimed / spread < 2.5, (name, order, claimed, spread)


def test_sobol_intervals_cover_the_analytic_indices():
    truth = {"a": (1 / 2.25, 1 / 2.25), "b": (0.0, 1 / 2.25), "c": (0.0, 1 / 2.25),
             "d": (0.25 / 2.25, 0.25 / 2.25)}
    covered = total = 0
    for seed in range(12):
        for index in sobol_indices(INTERACTING, n=1_024, rng=100 + seed):
            first, whole = truth[index.input]
            for value, (low, high) in ((first, index.first_interval),
                                       (whole, index.total_interval)):
                covered += low - 1e-9 <= value <= high + 1e-9
                total += 1
    # 95% intervals: over 96 of them, at least 80 cover (binomial tail far below 1e-3).
    assert covered >= 80, f"{covered} of {total}"


def test_sobol_without_intervals_uses_one_design_and_gives_none():
    indices = {index.input: index
               for index in sobol_indices(INTERACTING, n=4_096, rng=3, intervals=False)}
    assert all(index.first_interval is None and index.total_interval is None
               for index in indices.values())
    assert indices["a"].first == pytest.approx(1 / 2.25, abs=0.03)
    again = sobol_indices(INTERACTING, n=4_096, rng=3, intervals=False)
    assert [index.first for index in again] == [indices[index.input].first for index in again]


def test_replicates_must_divide_the_rows_as_powers_of_two():
    with pytest.raises(SpecError, match="replicates"):
        sobol_indices(INTERACTING, n=1_024, replicates=6)
    with pytest.raises(SpecError, match="replicates"):
        sobol_indices(INTERACTING, n=8, replicates=8)


@pytest.mark.parametrize("name", ["cost", "rate", "run.delivered"])
def test_switching_value_errors_match_their_spread_over_independent_draws(name):
    values, errors = [], []
    for seed in range(20):
        draws = bpv.appraise(SMALL, n_draws=2_000, rng=seed, keep_inputs=True).inputs
        found = switching_values(SMALL, draws, names=[name])[0]
        assert found.value is not None
        assert found.standard_error is not None
        values.append(found.value)
        errors.append(found.standard_error)
    ratio = np.mean(errors) / np.std(values, ddof=1)
    assert 0.6 < ratio < 1.6, ratio


def test_evpi_and_evppi_are_given_for_money_only():
    bid = bpv.load(FRAILTY)
    qalys = bpv.sensitivity(bid, metric="qalys", n_draws=5_000, rng=1, sobol_n=None,
                            switching=False)
    assert qalys.evpi is None
    assert all(row.evppi is None for row in qalys.inputs)
    assert all(group.evppi is None for group in qalys.groups)
    shares = [group.variance_share for group in qalys.groups]
    assert shares == sorted(shares, reverse=True)
    data = json.loads(qalys.to_json())
    assert data["evpi"] is None
    assert "EVPPI" not in str(qalys).split("\n")[3]  # the table's header
    with pytest.raises(SpecError, match="npv and nmb only"):
        bpv.plot.evppi(qalys)
    nmb = bpv.sensitivity(bid, metric="nmb", n_draws=5_000, rng=1, sobol_n=None,
                          switching=False)
    assert nmb.evpi is not None
    assert nmb.evpi >= max(row.evppi for row in nmb.inputs)


def test_gate_rows_say_not_delivered_and_delivered():
    out = subprocess.run([sys.executable, "-m", "bpv", "sensitivity", FRAILTY, "--draws",
                          "5000", "--seed", "1", "--sobol", "0", "--no-switching"],
                         capture_output=True, text=True, check=True).stdout
    row = next(line for line in out.splitlines() if line.startswith("ward.delivered"))
    assert "not delivered – delivered" in row


def test_the_command_can_skip_the_intervals():
    out = subprocess.run([sys.executable, "-m", "bpv", "sensitivity", FRAILTY, "--draws",
                          "5000", "--seed", "1", "--sobol", "256", "--no-intervals",
                          "--no-switching", "--json"],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert all(row["sobol"]["first_interval"] is None for row in data["inputs"].values())
