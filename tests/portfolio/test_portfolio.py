"""bpv.portfolio on the example bids of an ICS: choices, slacks, prices, frontiers, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv._utils.formatting import format_money
from bpv.io import load_constraints
from bpv.programme.inputs import PortfolioInputs, build_problem
from bpv.programme.problem import Problem, Row, cvar, slacks, solve
from bpv.programme.selection import select
from bpv.spec.resources import resource_by_year

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "portfolio"
BID_FILES = sorted((FOLDER / "bids").glob("*.yaml"))
CONSTRAINTS = FOLDER / "constraints.yaml"


@pytest.fixture(scope="module")
def bids():
    return [bpv.load(path) for path in BID_FILES]


@pytest.fixture(scope="module")
def chosen(bids):
    return bpv.portfolio(bids, CONSTRAINTS, n_draws=1_000, rng=7, n_bootstrap=8,
                         frontier_points=4)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False, cwd=ROOT)


def test_the_example_has_eight_valid_bids_of_one_system_without_advice(bids):
    assert len(bids) == 8
    assert all(bpv.lint(bid) == [] for bid in bids)
    assert len({bid.id for bid in bids}) == 8


def test_the_chosen_set_meets_every_constraint_checked_directly(bids, chosen):
    constraints = load_constraints(CONSTRAINTS)
    assert "urgent-care-hub" in chosen.chosen
    assert not {"virtual-ward-expansion", "remote-monitoring-ward"} <= set(chosen.chosen)
    if "population-health-analytics" in chosen.chosen:
        assert "shared-care-record" in chosen.chosen
    picked = [bid for bid in bids if bid.id in chosen.chosen]
    for year in range(2025, 2030):  # capacity, from the bids' own resources:
        nurses = sum(resource_by_year(bid, "nurse_wte")[year] for bid in picked)
        assert nurses <= constraints.capacity_in("nurse_wte", year)
    # capital 2025/26 on expected cash: recomputed from fresh appraisals on the same seed
    capital = 0.0
    for bid in picked:
        result = bpv.appraise(bid, n_draws=1_000, rng=7, keep_flows=True, progress=False)
        capital += sum(np.mean(result.flows[node.id][:, 0]) for node in bid.nodes
                       if node.measure == "cost" and node.cost_type == "capital")
    assert capital <= 2_000_000
    assert chosen.slacks["budget: capital 2025/26"]["value"] == pytest.approx(capital)
    assert all(entry["slack"] >= -1e-6 for entry in chosen.slacks.values())
    assert chosen.cvar >= -2_000_000


def test_the_objective_and_its_monte_carlo_error_come_from_the_chosen_draws(bids, chosen):
    npv = np.column_stack([bpv.appraise(bid, n_draws=1_000, rng=7, progress=False)["npv"]
                           for bid in bids if bid.id in chosen.chosen]).sum(axis=1)
    assert np.allclose(chosen.draws, npv)
    assert chosen.expected_value == pytest.approx(npv.mean())
    assert chosen.mcse == pytest.approx(npv.std(ddof=1) / np.sqrt(npv.size))
    assert chosen.cvar == pytest.approx(cvar(npv, 0.1))
    assert chosen.expected_value == pytest.approx(
        sum(chosen.bid_values[bid] for bid in chosen.chosen))


def test_no_feasible_set_is_better_than_the_chosen_one(bids, chosen):
    # brute force over all 256 subsets of the same problem
    appraisals = [bpv.appraise(bid, n_draws=1_000, rng=7, keep_flows=True, progress=False)
                  for bid in bids]
    problem = build_problem(PortfolioInputs(tuple(bids), tuple(appraisals)),
                            load_constraints(CONSTRAINTS))
    best = -np.inf
    for mask in range(256):
        x = np.array([(mask >> i) & 1 for i in range(8)], dtype=bool)
        if all(entry["slack"] >= 0 for entry in slacks(problem, x).values()):
            best = max(best, float(problem.values.mean(axis=0) @ x))
    assert chosen.expected_value == pytest.approx(best)
    assert solve(problem).objective == pytest.approx(best)


def test_same_seed_same_portfolio(bids, chosen):
    again = bpv.portfolio(bids, CONSTRAINTS, n_draws=1_000, rng=7, n_bootstrap=8,
                          frontier_points=4)
    assert again.to_dict() == chosen.to_dict()


def test_frontiers_shadow_values_and_bootstrap(chosen):
    values = [p.value for p in chosen.budget_frontier if np.isfinite(p.value)]
    assert values == sorted(values)  # more budget never lowers the best value
    risk = [p for p in chosen.risk_frontier if np.isfinite(p.value)]
    assert [p.value for p in risk] == sorted((p.value for p in risk), reverse=True)
    assert all(p.cvar >= p.level - 1e-6 * max(1, abs(p.level)) for p in risk)
    assert {s.budget for s in chosen.shadow_values} == {
        name for name, entry in chosen.slacks.items() if entry["kind"] == "budget"}
    assert all(s.value_per_pound >= 0 for s in chosen.shadow_values)
    assert set(chosen.bootstrap) == set(chosen.bids)
    assert chosen.bootstrap["urgent-care-hub"] == 1.0  # mandatory in every resample
    assert all(0 <= share <= 1 for share in chosen.bootstrap.values())


def test_a_binding_budget_has_a_positive_shadow_value():
    values = np.array([[4.0, 3.0, 1.0]] * 3)
    budget = Row("budget: total", "budget", "<=", 2.0, np.array([2.0, 1.0, 1.0]))
    result = select(Problem(("a", "b", "c"), values, (budget,)), budget_step=0.5)
    # at 2 the best is a (4) or b+c (4); at 3, a+b (7): (7 - 4) / 1
    assert result.shadow_values[0].step == 1.0
    assert result.shadow_values[0].value_per_pound == pytest.approx(3.0)
    assert result.binding == ("budget: total",)


def test_json_and_text(chosen):
    data = json.loads(chosen.to_json())
    assert data["chosen"] == list(chosen.chosen)
    assert set(data["constraints"]) == set(chosen.slacks)
    text = str(chosen)
    assert f"Expected NPV: {format_money(chosen.expected_value)} " in text
    assert "budget: capital 2025/26" in text


def test_an_appraisal_without_flows_is_refused(bids):
    appraisal = bpv.appraise(bids[0], n_draws=100, rng=1, progress=False)
    with pytest.raises(bpv.SpecError, match="keep_flows=True"):
        bpv.portfolio([(bids[0], appraisal)], n_draws=100)


def test_the_nmb_objective_uses_each_bids_qaly_value(bids):
    nmb = bpv.portfolio(bids[:3], objective="nmb", n_draws=500, rng=2, n_bootstrap=0,
                        frontier_points=0)
    means = {bid.id: float(bpv.appraise(bid, n_draws=500, rng=2, progress=False)["nmb"].mean())
             for bid in bids[:3]}
    assert nmb.bid_values == pytest.approx(means)
    assert set(nmb.chosen) == {bid for bid, value in means.items() if value > 0}


def test_a_quantile_budget_holds_in_that_share_of_draws(bids):
    constraints = {"budgets": [{"name": "cash", "limit": 6_000_000, "quantile": 0.8}]}
    result = bpv.portfolio(bids, constraints, n_draws=300, rng=3, n_bootstrap=0,
                           frontier_points=0)
    entry = result.slacks["budget: cash"]
    assert entry["allowed"] == 60
    assert entry["value"] <= 60


def test_the_cli_prints_the_portfolio_and_its_json():
    common = [*map(str, BID_FILES), "--constraints", str(CONSTRAINTS), "--draws", "1000",
              "--seed", "7", "--bootstrap", "0", "--frontier", "0"]
    text = run("portfolio", *common)
    assert text.returncode == 0, text.stderr
    assert "urgent-care-hub" in text.stdout
    as_json = run("portfolio", *common, "--json")
    data = json.loads(as_json.stdout)
    direct = bpv.portfolio([bpv.load(p) for p in BID_FILES], CONSTRAINTS, n_draws=1_000, rng=7,
                           n_bootstrap=0, frontier_points=0)
    assert data["chosen"] == list(direct.chosen)
    assert data["expected_value"] == pytest.approx(direct.expected_value)


def test_the_cli_writes_output_whole_and_never_over_an_input(tmp_path):
    target = tmp_path / "portfolio.json"
    common = [*map(str, BID_FILES[:3]), "--draws", "200", "--seed", "1", "--bootstrap", "0",
              "--frontier", "0", "--json"]
    result = run("portfolio", *common, "-o", str(target))
    assert result.returncode == 0
    assert json.loads(target.read_text())["provenance"]["entropy"] == 1
    refused = run("portfolio", *common, "-o", str(BID_FILES[0]))
    assert refused.returncode == 1
    assert "one of the input files" in refused.stderr


def test_the_cli_names_the_binding_constraint_in_one_line(tmp_path):
    constraints = tmp_path / "portfolio.yaml"
    constraints.write_text("mandatory: [urgent-care-hub, community-diagnostic-hub]\n"
                           "budgets:\n  - {name: capital 2026/27, cost_type: capital, "
                           "year: 2026, limit: 1_000_000}\n", encoding="utf-8")
    result = run("portfolio", *map(str, BID_FILES), "--constraints", str(constraints),
                 "--draws", "300", "--seed", "1")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("bpv portfolio: no set of bids meets every constraint")
    assert "budget: capital 2026/27 (short by £" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_cli_lists_every_problem_of_a_constraints_file(tmp_path):
    constraints = tmp_path / "portfolio.yaml"
    constraints.write_text("budgets: [{limit: x}]\nmandatory: [a]\nfoo: 1\n", encoding="utf-8")
    result = run("portfolio", str(BID_FILES[0]), "--constraints", str(constraints))
    assert result.returncode == 1
    assert f"{constraints}:1: budgets[0].limit: expected a number" in result.stderr
    assert f"{constraints}:3: foo: unknown key 'foo'" in result.stderr


def test_unknown_names_in_constraints_are_listed_with_suggestions(bids):
    with pytest.raises(bpv.PortfolioError) as caught:
        bpv.portfolio(bids, {"mandatory": ["urgent-care-hubb"], "floors": {"acutee": 0},
                             "capacity": {"nurses": 3}}, n_draws=100)
    message = str(caught.value)
    assert "(3 problems)" in message
    assert "did you mean 'urgent-care-hub'?" in message
    assert "did you mean 'acute'?" in message
    assert "bids declare: nurse_wte, radiographer_wte" in message


def test_a_loss_probability_limit_holds_on_the_shared_draws(bids):
    free = bpv.portfolio(bids, n_draws=400, rng=5, n_bootstrap=0, frontier_points=0)
    limited = bpv.portfolio(bids, {"risk": {"loss_probability": 0.02}}, n_draws=400, rng=5,
                            n_bootstrap=0, frontier_points=0)
    assert limited.probability_of_loss <= 0.02
    assert limited.expected_value <= free.expected_value + 1e-6
    assert limited.slacks["risk: P(NPV < 0)"]["allowed"] == 8


def test_the_function_and_the_package_keep_their_own_names():
    import importlib

    assert callable(bpv.portfolio)
    assert bpv.portfolio.__module__ == "bpv.programme.selection"
    assert importlib.import_module("bpv.programme").__name__ == "bpv.programme"
    assert "portfolio" in bpv.__all__
    assert "Portfolio" in bpv.__all__


def test_appraisals_on_other_seeds_are_warned_about_and_same_seed_pairs_are_used_as_given(bids):
    pairs = [(bid, bpv.appraise(bid, n_draws=300, rng=11, keep_flows=True, progress=False))
             for bid in bids[:3]]
    given = bpv.portfolio(pairs, n_bootstrap=0, frontier_points=0)
    fresh = bpv.portfolio(bids[:3], n_draws=300, rng=11, n_bootstrap=0, frontier_points=0)
    assert given.chosen == fresh.chosen
    assert np.array_equal(given.draws, fresh.draws)
    other = (bids[3], bpv.appraise(bids[3], n_draws=300, rng=12, keep_flows=True,
                                   progress=False))
    with pytest.warns(bpv.BidWarning, match="not on common random numbers"):
        bpv.portfolio([*pairs, other], n_bootstrap=0, frontier_points=0)
