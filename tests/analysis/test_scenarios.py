"""Scenarios: each change against a closed form, common random numbers, errors, the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv
from bpv.analysis.scenario_table import BASE
from bpv.transform.scenarios import apply_scenario
from tests.builders import CONSTANT_RATE, small_bid
from tests.strategies import bids, distributions

PATHOLOGY = "examples/bids/pathology_network.yaml"
FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def make_bid(nodes, parameters=None, horizon=6, **sections):
    return small_bid(nodes, parameters, horizon=horizon, settings=CONSTANT_RATE, **sections)


CAPEX = {"id": "capex", "kind": "input", "formula": "1000 * (t == 0)", "measure": "cost",
         "cost_type": "capital", "organisation": "a"}
RUNNING = {"id": "running", "kind": "input", "formula": "50", "measure": "cost",
           "cost_type": "revenue", "organisation": "a"}
SERVICE = {"id": "service", "kind": "activity", "start": 0, "ramp": 2}
SAVING = {"id": "saving", "kind": "outcome", "formula": "400 * service",
          "measure": "cash_releasing", "organisation": "a"}


def scenario(*changes, description=None):
    return bpv.Scenario(description=description, changes=list(changes))


# -- each change ----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_delaying_an_activity_shifts_its_flows_by_exactly_k_periods(k):
    bid = make_bid([CAPEX, SERVICE, SAVING])
    changed = apply_scenario(bid, scenario({"delay": "service", "by": k}))
    base = bpv.appraise(bid, n_draws=2, rng=0, keep_flows=True).flows["saving"][0]
    late = bpv.appraise(changed, n_draws=2, rng=0, keep_flows=True)
    np.testing.assert_array_equal(base, [200, 400, 400, 400, 400, 400])  # ramp: 0.5, 1, ...
    np.testing.assert_array_equal(late.flows["saving"][0], [0] * k + list(base[: 6 - k]))
    npv = sum(400 * min(1, (t - k + 1) / 2) * 1.035 ** -t for t in range(k, 6)) - 1000
    np.testing.assert_allclose(late["npv"], npv, rtol=1e-12)


def test_a_delay_past_the_horizon_delivers_nothing():
    changed = apply_scenario(make_bid([CAPEX, SERVICE, SAVING]),
                             scenario({"delay": "service", "by": 6}))
    assert not bpv.appraise(changed, n_draws=1, rng=0, keep_flows=True).flows["saving"].any()


@given(k=st.floats(0, 5))
@settings(max_examples=25, deadline=None)
def test_scaling_a_parameter_scales_what_is_linear_in_it(k):
    parameters = {"demand": {"dist": "lognormal", "median": 100, "p95": 300},
                  "price": {"dist": "normal", "mean": 20, "sd": 2}}
    income = {"id": "saving", "kind": "outcome", "formula": "demand * price * service",
              "measure": "cash_releasing", "organisation": "a"}
    bid = make_bid([CAPEX, SERVICE, income], parameters)
    changed = apply_scenario(bid, scenario({"scale": "demand", "by": k}))
    assert changed.node("saving").formula == f"(demand * {k:.12g}) * price * service"
    base = bpv.appraise(bid, n_draws=500, rng=4, keep_flows=True)
    scaled = bpv.appraise(changed, n_draws=500, rng=4, keep_flows=True)
    np.testing.assert_allclose(scaled.flows["saving"], float(f"{k:.12g}") * base.flows["saving"],
                               rtol=1e-12, atol=1e-9)


def test_scaling_a_fixed_parameter_changes_its_value():
    bid = make_bid([CAPEX, SERVICE, SAVING | {"formula": "unit * service"}], {"unit": 400})
    changed = apply_scenario(bid, scenario({"scale": "unit", "by": 0.5}))
    assert changed.parameters["unit"].distribution.value == 200
    assert changed.node("saving").formula == "unit * service"


def test_replacing_a_parameter_keeps_its_metadata_and_leaves_correlations_when_fixed():
    bid = bpv.load(FRAILTY)
    data = bid.to_dict()
    data["correlations"] = {"pairs": [{"between": ["admit_rate", "admission_reduction"],
                                       "rho": 0.3}]}
    correlated = bpv.Bid.model_validate(data)
    fixed = apply_scenario(correlated, scenario({"replace": "admission_reduction",
                                                 "with": 0.05}))
    assert fixed.parameters["admission_reduction"].distribution.value == 0.05
    assert fixed.parameters["admission_reduction"].evidence == "moderate"
    assert fixed.correlations is None
    wider = apply_scenario(correlated, scenario(
        {"replace": "admission_reduction", "with": {"dist": "uniform", "low": 0, "high": 0.3}}))
    assert wider.correlations == correlated.correlations


def test_uplifting_costs_multiplies_only_the_chosen_cost_type():
    bid = make_bid([CAPEX, RUNNING, SERVICE, SAVING])
    changed = apply_scenario(bid, scenario({"uplift_costs": "capital", "by": 0.2}))
    base = bpv.appraise(bid, n_draws=1, rng=0, keep_flows=True).flows
    dear = bpv.appraise(changed, n_draws=1, rng=0, keep_flows=True).flows
    np.testing.assert_allclose(dear["capex"], 1.2 * base["capex"])
    np.testing.assert_array_equal(dear["running"], base["running"])
    everything = apply_scenario(bid, scenario({"uplift_costs": "all", "by": -0.5}))
    assert everything.node("running").formula == "50 * 0.5"


def test_setting_and_scaling_a_success_probability():
    gated = SERVICE | {"success": 0.8}
    bid = make_bid([CAPEX, gated, SAVING])
    base = bpv.appraise(bid, n_draws=20_000, rng=1, keep_flows=True)
    lower = bpv.appraise(apply_scenario(bid, scenario({"success": "service", "by": 0.5})),
                         n_draws=20_000, rng=1, keep_flows=True)
    set_to = apply_scenario(bid, scenario({"success": "service", "to": 0.25}))
    assert set_to.node("service").success == 0.25
    delivered = [r.flows["service"][:, -1] > 0 for r in (base, lower)]
    # the same gate stream: every draw that fails in the base case fails here too
    assert not (delivered[1] & ~delivered[0]).any()
    assert delivered[1].mean() == pytest.approx(0.4, abs=0.01)


def test_scaling_an_uncertain_success_parameter_adds_an_independent_gate():
    bid = bpv.load(PATHOLOGY)
    changed = apply_scenario(bid, "go_live_at_risk")
    assert changed.parameters["scenario_gate_consolidation"].distribution.p == 0.7
    result = bpv.appraise(changed, n_draws=20_000, rng=2, keep_flows=True)
    assert (result.flows["consolidation"][:, -1] > 0).mean() == pytest.approx(0.7 * 0.85,
                                                                               abs=0.015)


def test_a_scenario_applies_on_top_of_the_settings_adjustments():
    bid = bpv.load(PATHOLOGY)
    changed = apply_scenario(bid, "capital_overrun")
    assert changed.settings.optimism_bias == bid.settings.optimism_bias
    assert changed.scenarios == {}
    result = bpv.appraise(changed, n_draws=1_000, rng=1, keep_flows=True)
    base = bpv.appraise(bid, n_draws=1_000, rng=1, keep_flows=True)
    np.testing.assert_allclose(result.flows["lims"], 1.3 * base.flows["lims"], rtol=1e-12)
    assert result.provenance["adjustments"] == base.provenance["adjustments"]


# -- common random numbers ------------------------------------------------------------------


def test_scenario_and_base_share_draws_and_the_paired_difference_is_tight():
    bid = bpv.load(FRAILTY)
    late = {"tariff_down": scenario({"scale": "tariff", "by": 0.9})}
    table = bpv.scenarios(bid, n_draws=4_000, rng=11, scenarios=late)
    base, changed = table[BASE], table["tariff_down"]
    # qalys do not involve the tariff: identical draw by draw
    np.testing.assert_array_equal(base["qalys"], changed["qalys"])
    paired_sd = table.rows["tariff_down"]["npv"]["change_sd"]
    independent = bpv.appraise(apply_scenario(bid, late["tariff_down"]), n_draws=4_000, rng=12)
    assert paired_sd < 0.1 * float(np.std(independent["npv"] - base["npv"], ddof=1))
    np.testing.assert_allclose(table.change("tariff_down", "npv"),
                               changed["npv"] - base["npv"])
    row = table.rows["tariff_down"]["npv"]
    assert row["change_mcse"] == pytest.approx(row["change_sd"] / math.sqrt(4_000))
    assert row["change"] == pytest.approx(row["mean"] - table.rows[BASE]["npv"]["mean"])


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=10, deadline=None)
def test_paired_differences_beat_independent_ones(seed):
    bid = bpv.load(FRAILTY)
    changed = apply_scenario(bid, scenario({"scale": "admission_reduction", "by": 0.8}))
    base = bpv.appraise(bid, n_draws=2_000, rng=seed)["npv"]
    paired = bpv.appraise(changed, n_draws=2_000, rng=seed)["npv"] - base
    independent = bpv.appraise(changed, n_draws=2_000, rng=seed + 1)["npv"] - base
    assert paired.std() < independent.std()


# -- errors ---------------------------------------------------------------------------------------


def test_unknown_names_are_located_errors_all_at_once():
    bid = bpv.load(FRAILTY)
    bad = scenario({"scale": "tarif", "by": 0.9}, {"delay": "wrd", "by": 1},
                   {"success": "patients", "to": 0.5}, {"replace": "refferals", "with": 3},
                   {"uplift_costs": "capital", "by": 0.1})
    with pytest.raises(bpv.BidValidationError) as caught:
        apply_scenario(bid, bad, name="stress")
    problems = {p.location: p.message for p in caught.value.problems}
    assert problems == {
        "scenarios.stress.changes[0].scale": "unknown parameter 'tarif' (did you mean "
                                             "'tariff'?)",
        "scenarios.stress.changes[1].delay": "unknown activity 'wrd' (did you mean 'ward'?)",
        "scenarios.stress.changes[2].success": "'patients' is an output, not an activity",
        "scenarios.stress.changes[3].replace": "unknown parameter 'refferals' (did you mean "
                                               "'referrals'?)",
        "scenarios.stress.changes[4].uplift_costs": "the bid has no capital cost nodes to "
                                                    "uplift",
    }


def test_a_bad_scenario_in_a_file_is_reported_with_its_line():
    text = bpv.load(FRAILTY).to_yaml() + (
        "scenarios:\n"
        "  late:\n"
        "    changes:\n"
        "      - {delay: wrd, by: 1}\n"
        "      - {scael: tariff, by: 0.9}\n"
        "      - {success: ward, by: 2}\n"
        "  base:\n"
        "    changes: [{scale: tariff, by: 2}]\n")
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(text)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 4
    assert any("scenarios.late.changes[0].delay: unknown activity 'wrd'" in x for x in lines)
    assert any("scenarios.late.changes[1]: a change starts with one of: replace, scale" in x
               for x in lines)
    assert any("0.8 × 2 = 1.6 is not a probability" in x for x in lines)
    assert any("scenarios.base: 'base' is the name of the base case" in x for x in lines)


def test_an_uncertain_success_parameter_cannot_be_scaled_up():
    with pytest.raises(bpv.BidValidationError, match="can be scaled down"):
        apply_scenario(bpv.load(PATHOLOGY), scenario({"scale": "lims_goes_live", "by": 1.1}))


def test_a_bid_without_scenarios_says_so():
    with pytest.raises(bpv.SpecError, match="has no scenarios to appraise"):
        bpv.scenarios(bpv.load(FRAILTY), n_draws=10, rng=0)
    with pytest.raises(KeyError, match="did you mean 'lims_late'"):
        apply_scenario(bpv.load(PATHOLOGY), "lims_lat")


# -- files ----------------------------------------------------------------------------------------


@st.composite
def bids_with_scenarios(draw):
    data = draw(bids())
    names = sorted(data["parameters"])
    changes = draw(st.lists(st.one_of(
        st.builds(lambda p, k: {"scale": p, "by": k}, st.sampled_from(names),
                  st.floats(0, 1)),
        st.builds(lambda p, d: {"replace": p, "with": d}, st.sampled_from(names),
                  distributions()),
        st.builds(lambda k: {"delay": "deliver", "by": k}, st.integers(0, 15)),
        st.builds(lambda p: {"success": "deliver", "to": p}, st.floats(0, 1)),
        st.builds(lambda u: {"uplift_costs": "all", "by": u}, st.floats(-0.5, 2)),
    ), min_size=1, max_size=4))
    data["scenarios"] = {"stress": {"description": "generated", "changes": changes}}
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bids_with_scenarios())
def test_scenarios_round_trip_through_yaml_and_give_valid_bids(data):
    bid = bpv.Bid.model_validate(data)
    assert bpv.loads(bid.to_yaml()) == bid
    assert bpv.loads(bid.to_json(), format="json") == bid
    changed = apply_scenario(bid, "stress")
    assert bpv.loads(changed.to_yaml()) == changed


def test_the_example_scenarios_are_valid_and_in_the_schema():
    import jsonschema

    bid = bpv.load(PATHOLOGY)
    assert set(bid.scenarios) == {"lims_late", "savings_halved", "capital_overrun",
                                  "go_live_at_risk", "no_space_released"}
    jsonschema.validate(bid.to_dict(), bpv.bid_schema())
    for name in bid.scenarios:
        apply_scenario(bid, name)


# -- the table and the command line -----------------------------------------------------------


def test_the_table_as_text_and_json():
    table = bpv.scenarios(bpv.load(PATHOLOGY), n_draws=2_000, rng=1)
    text = str(table)
    assert text.startswith("Scenarios of pathology-network-west: 2,000 draws (mc), seed 1")
    for name in ("base", *bpv.load(PATHOLOGY).scenarios):
        assert f"\n  {name} " in text
    assert "change = scenario − base" in text
    assert "Optimism bias: capital costs raised by 19.6%" in text
    document = json.loads(table.to_json())
    late = document["scenarios"]["lims_late"]
    assert late["changes"] == ["consolidation starts 1 period later", "transition_cost × 1.5"]
    assert set(late["metrics"]) == {"npv", "roi", "qalys", "nmb", "P(npv > 0)"}
    assert set(late["metrics"]["npv"]) == {"mean", "p5", "p95", "change", "change_sd",
                                           "change_mcse"}
    assert late["metrics"]["npv"]["change"] < 0
    # Its summary is a Summary, as every result's is: the same numbers, row by row.
    summary = table.summary()
    assert summary.rows["lims_late: npv"] == late["metrics"]["npv"]
    assert set(summary.rows) == {f"{name}: {metric}" for name in document["scenarios"]
                                 for metric in late["metrics"]}


def run(*args):
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False)


def test_cli_prints_the_table_and_json():
    result = run("scenarios", PATHOLOGY, "--draws", "2000", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "Net present value\n" in result.stdout
    assert "£" in result.stdout
    assert "  savings_halved " in result.stdout
    as_json = run("scenarios", PATHOLOGY, "--draws", "2000", "--seed", "3", "--json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["entropy"] == 3
    assert next(iter(document["scenarios"])) == "base"


def test_cli_bad_scenarios_fail_in_one_line_each_without_traceback(tmp_path):
    path = tmp_path / "bid.yaml"
    path.write_text(bpv.load(FRAILTY).to_yaml()
                    + "scenarios:\n  late:\n    changes: [{delay: wrd, by: 1}]\n")
    result = run("scenarios", str(path), "--draws", "100")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "scenarios.late.changes[0].delay: unknown activity 'wrd' (did you mean 'ward'?)" \
        in result.stderr
    assert "Traceback" not in result.stderr
    none = run("scenarios", FRAILTY, "--draws", "100")
    assert none.returncode == 1
    assert "has no scenarios to appraise" in none.stderr
    assert none.stderr.strip().count("\n") == 0
