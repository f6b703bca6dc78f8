"""Settings policies: optimism bias, evidence and additionality, against published figures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpv
from bpv.engine.identity import bid_hash
from bpv.engine.monte_carlo import evaluate
from bpv.spec.policies import (
    ADDITIONALITY_PARAMETERS,
    DEFAULT_EVIDENCE_POLICY,
    OPTIMISM_BIAS_BOUNDS,
    PROJECT_TYPES,
    Additionality,
    OptimismBias,
)
from bpv.transform.adjustments import adjust
from tests.builders import CONSTANT_RATE, small_bid

ROOT = Path(__file__).resolve().parents[2]
PATHOLOGY = "examples/bids/pathology_network.yaml"
FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def make_bid(nodes, parameters=None, horizon=4, **settings_):
    return small_bid(nodes, parameters, horizon=horizon, settings=CONSTANT_RATE | settings_)


def node(node_id, kind, formula, measure=None, cost_type=None, **extra):
    data = {"id": node_id, "kind": kind, "formula": formula, **extra}
    if measure is not None:
        data["measure"] = measure
        if measure != "metric" and measure != "qaly":
            data["organisation"] = "a"
    if cost_type is not None:
        data["cost_type"] = cost_type
    return data


def errors_of(data):
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(json.dumps(data), format="json")
    return {problem.location: problem.message for problem in caught.value.problems}


# -- optimism bias: the published worked examples --------------------------------------------


def test_combined_building_project_gives_the_published_32_1_and_14_5_percent():
    # Green Book supplementary guidance: 30% non-standard + 70% standard buildings.
    uplifts = OptimismBias(project_type={"non_standard_buildings": 0.3,
                                         "standard_buildings": 0.7}).uplifts()
    assert uplifts.capital == pytest.approx(0.321, abs=1e-12)
    assert uplifts.duration == pytest.approx(0.145, abs=1e-12)
    assert uplifts.operating == 0


def test_92_percent_mitigation_of_51_leaves_about_4_percent():
    uplifts = OptimismBias(project_type="non_standard_buildings", mitigation=0.92).uplifts()
    assert uplifts.capital == pytest.approx(0.08 * 0.51, abs=1e-12)
    assert round(100 * uplifts.capital) == 4
    assert round(100 * (1 + uplifts.capital)) == 104  # GBP 100m becomes about GBP 104m


@given(project_type=st.sampled_from([t for t in PROJECT_TYPES if t != "outsourcing"]),
       mitigation=st.floats(0, 1))
def test_ob_is_one_minus_mitigation_times_the_upper_bound(project_type, mitigation):
    bounds = OPTIMISM_BIAS_BOUNDS[project_type]
    uplifts = OptimismBias(project_type=project_type, mitigation=mitigation).uplifts()
    assert uplifts.capital == pytest.approx((1 - mitigation) * bounds.cost_upper, abs=1e-12)
    assert uplifts.duration == pytest.approx((1 - mitigation) * bounds.duration_upper,
                                             abs=1e-12)


@given(share=st.floats(0.01, 0.99), mitigation=st.floats(0, 1))
def test_combined_projects_weight_the_bounds_by_cost_share(share, mitigation):
    a, b = OPTIMISM_BIAS_BOUNDS["equipment_development"], OPTIMISM_BIAS_BOUNDS[
        "standard_civil_engineering"]
    uplifts = OptimismBias(project_type={"equipment_development": share,
                                         "standard_civil_engineering": 1 - share},
                           mitigation=mitigation).uplifts()
    expected = (1 - mitigation) * (share * a.cost_upper + (1 - share) * b.cost_upper)
    assert uplifts.capital == pytest.approx(expected, abs=1e-12)


def test_outsourcing_raises_operating_costs_only():
    uplifts = OptimismBias(project_type="outsourcing", mitigation=0.5).uplifts()
    assert (uplifts.capital, uplifts.duration) == (0, 0)
    assert uplifts.operating == pytest.approx(0.205)


def test_the_table_is_the_green_books():
    # Upper / lower bounds, %: works duration, then capital (operating for outsourcing).
    table = {"standard_buildings": (4, 1, 24, 2), "non_standard_buildings": (39, 2, 51, 4),
             "standard_civil_engineering": (20, 1, 44, 3),
             "non_standard_civil_engineering": (25, 3, 66, 6),
             "equipment_development": (54, 10, 200, 10)}
    for name, (du, dl, cu, cl) in table.items():
        bounds = OPTIMISM_BIAS_BOUNDS[name]
        assert (bounds.duration_upper, bounds.duration_lower, bounds.cost_upper,
                bounds.cost_lower) == pytest.approx((du / 100, dl / 100, cu / 100, cl / 100))
    assert OPTIMISM_BIAS_BOUNDS["outsourcing"].applies_to == "operating"
    assert OPTIMISM_BIAS_BOUNDS["outsourcing"].cost_upper == 0.41


@pytest.mark.parametrize(("policy", "message"), [
    ({"project_type": {"standard_buildings": 0.5, "non_standard_buildings": 0.4}},
     "the cost shares add up to 0.9; they must add up to 1"),
    ({"project_type": "non_standard_bildings"}, "did you mean 'non_standard_buildings'"),
    ({"project_type": "standard_buildings", "capital": 0.1}, "not both"),
    ({"capital": 0.2, "mitigation": 0.5}, "give them already mitigated"),
    ({"capital": 32.1}, "uplifts are decimals (write 32.1% as 0.321)"),
    ({"mitigation": 0.5}, "give project_type"),
    ({"project_type": {"outsourcing": 0.5, "standard_buildings": 0.5}}, "not mixed"),
])
def test_bad_optimism_bias_settings_are_located_errors(policy, message):
    data = bpv.load(FRAILTY).to_dict()
    data["settings"]["optimism_bias"] = policy
    errors = errors_of(data)
    assert any(location.startswith("settings.optimism_bias") and message in text
               for location, text in errors.items()), errors


# -- the effective bid ------------------------------------------------------------------------


BUILD = node("build", "input", "1000 * (t == 0)", "cost", "capital")
CONTINGENCY = node("contingency", "input", "0.1 * build", "cost", "capital")
RUNNING = node("running", "input", "100", "cost", "revenue")
SERVICE = {"id": "service", "kind": "activity", "start": 1}
SAVING = node("saving", "outcome", "500 * service", "cash_releasing")
HEALTH = node("health", "outcome", "2 * service", "qaly")
COUNT = node("seen", "output", "40 * service", "metric", unit="patients")
NODES = [BUILD, CONTINGENCY, RUNNING, SERVICE, SAVING, HEALTH, COUNT]
MIX = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}


def test_default_settings_apply_nothing_and_change_no_result():
    bid = bpv.load(FRAILTY)
    adjusted = adjust(bid)
    assert adjusted.bid is bid
    assert adjusted.applied == ()
    result = bpv.appraise(bid, n_draws=500, rng=2)
    assert result.provenance["adjustments"] == []
    assert result.bid_hash == bid_hash(bid)


def test_an_all_fixed_bid_gives_the_hand_computed_npv():
    bid = make_bid(NODES, optimism_bias={"project_type": MIX},
                   additionality={"deadweight": 0.2, "displacement": 0.25, "leakage": 0.1})
    result = bpv.appraise(bid, n_draws=2, rng=0)
    # By hand. Capital 1000 and its 10% contingency, both × 1.321, in year 0; running
    # costs 100 a year. The service starts in period 1, full at once (ramp 0 counts
    # as 1): stretched by 1.145 it reaches (t + 1 − 1.145) / 1.145 by the end of
    # period t: 0, 0.855/1.145, 1, 1. Savings of 500 × that, net of additionality 0.54.
    df = [1.035 ** -t for t in range(4)]
    delivered = [0.0, 0.855 / 1.145, 1.0, 1.0]
    costs = [1100 * 1.321 + 100, 100, 100, 100]
    savings = [500 * d * 0.54 for d in delivered]
    npv = sum(f * (s - c) for f, s, c in zip(df, savings, costs, strict=True))
    np.testing.assert_allclose(result["npv"], npv, rtol=1e-12)
    health_df = [1.015 ** -t for t in range(4)]  # constant: the health rate's default
    qalys = sum(f * 2 * d * 0.54 for f, d in zip(health_df, delivered, strict=True))
    np.testing.assert_allclose(result["qalys"], qalys, rtol=1e-12)
    # metric nodes stay gross: natural units of activity, not netted
    np.testing.assert_allclose(result.metric_node("seen").values[0],
                               [40 * d for d in delivered], rtol=1e-12)


def test_a_node_computed_from_an_adjusted_node_is_not_adjusted_twice():
    adjusted = adjust(make_bid(NODES, optimism_bias={"project_type": MIX}))
    assert adjusted.bid.node("build").formula == "(1000 * (t == 0)) * 1.321"
    assert adjusted.bid.node("contingency").formula == "0.1 * build"
    assert adjusted.bid.node("running").formula == "100"  # revenue: not a building's bound
    capital = next(a for a in adjusted.applied if a.what == "capital costs")
    assert capital.targets == ("build",)
    assert "contingency inherits it" in capital.statement


def test_the_effective_bid_is_valid_readable_and_adjusting_it_again_changes_nothing():
    bid = make_bid(NODES, optimism_bias={"project_type": MIX}, evidence_policy="default",
                   additionality={"deadweight": {"dist": "beta", "mean": 0.2, "sd": 0.05}})
    effective = adjust(bid).bid
    again = bpv.loads(effective.to_yaml())
    assert again == effective
    assert adjust(effective).applied == ()
    assert adjust(effective).bid is effective
    assert effective.node("saving").formula == "(500 * service) * (1 - additionality_deadweight)"
    assert effective.node("service").start == pytest.approx(1.145)
    assert effective.node("service").ramp == pytest.approx(1.145)


def test_appraisal_records_adjustments_and_the_hash_of_the_bid_as_given(tmp_path):
    bid = bpv.load(PATHOLOGY)
    result = bpv.appraise(bid, n_draws=1_000, rng=1)
    recorded = result.provenance["adjustments"]
    assert [a["what"] for a in recorded] == ["capital costs", "delivery time"]
    assert recorded[0]["targets"] == ["lims", "analysers"]
    assert recorded[0]["factor"] == pytest.approx(1 + 0.2 * (0.42 * 2.0 + 0.58 * 0.24))
    assert "Mott MacDonald" in recorded[0]["source"]
    assert result.bid_hash == bid_hash(bid)  # the bid as given, not the effective one
    json.loads(result.to_json())  # the provenance stays plain data
    bpv.report(result, tmp_path / "report.html", bid=bid)  # the report accepts it


def test_the_pathology_example_states_its_figures_truly():
    # The example's comment says capital rises by 19.6% and delivery takes 5% longer.
    uplifts = bpv.load(PATHOLOGY).settings.optimism_bias.uplifts()
    assert round(100 * uplifts.capital, 1) == 19.6
    assert round(100 * uplifts.duration, 1) == 5.0


def test_an_activity_stretched_past_the_horizon_delivers_nothing():
    late = {"id": "service", "kind": "activity", "start": 3}
    bid = make_bid([BUILD, late, SAVING], optimism_bias={"project_type": "equipment_development"})
    effective = adjust(bid).bid
    assert effective.node("service").formula == "0"
    result = bpv.appraise(bid, n_draws=1, rng=0, keep_flows=True)
    assert not result.flows["saving"].any()


def test_stretching_evaluates_the_planned_ramp_at_a_later_time():
    factor = 1.3
    planned = bpv.Node(id="a", kind="activity", start=2, ramp=3)
    stretched = bpv.Node(id="a", kind="activity", start=2 * factor, ramp=3 * factor)
    end_of_period = np.arange(1, 11)
    expected = np.clip((end_of_period / factor - 2) / 3, 0, 1)
    np.testing.assert_allclose(stretched.delivery_profile(10), expected, rtol=1e-12)
    np.testing.assert_allclose(planned.delivery_profile(10),
                               np.clip((end_of_period - 2) / 3, 0, 1))


def test_outsourcing_uplifts_revenue_costs():
    bid = make_bid(NODES, optimism_bias={"project_type": "outsourcing"})
    effective = adjust(bid).bid
    assert effective.node("running").formula == "100 * 1.41"
    assert effective.node("build").formula == "1000 * (t == 0)"


# -- evidence -----------------------------------------------------------------------------------


EVIDENCE_PARAMETERS = {
    "uptake": {"dist": "uniform", "low": 0.2, "high": 0.4},  # an assumption
    "effect": {"dist": "beta", "mean": 0.3, "sd": 0.05, "hypothesis": "it works",
               "evidence": "moderate"},
    "reach": {"dist": "normal", "mean": 10, "sd": 1, "hypothesis": "people come", "sms": 4},
    "hope": {"dist": "normal", "mean": 5, "sd": 1, "hypothesis": "ungraded hope"},
}
EVIDENCE_NODES = [
    BUILD, SERVICE,
    node("assumed", "output", "uptake * service * 100", "metric"),
    node("claimed", "outcome", "(effect * reach * 1000 + hope * 10) * service",
         "cash_releasing"),
    node("effect_only", "outcome", "effect * service", "metric"),
    node("reach_only", "outcome", "reach * service", "metric"),
    node("hope_only", "outcome", "hope * service", "metric"),
]


def test_the_evidence_policy_multiplies_exactly_the_hypotheses():
    base = make_bid(EVIDENCE_NODES, EVIDENCE_PARAMETERS)
    graded = make_bid(EVIDENCE_NODES, EVIDENCE_PARAMETERS, evidence_policy="default")
    effective = adjust(graded).bid
    assert effective.node("claimed").formula == \
        "((effect * 0.75) * (reach * 0.9) * 1000 + (hope * 0.5) * 10) * service"
    assert effective.node("assumed").formula == "uptake * service * 100"
    applied = {x.targets[0]: x.factor for x in adjust(graded).applied}
    # moderate; strong by its SMS level 4; ungraded counts as very weak
    assert applied == {"effect": 0.75, "reach": 0.9, "hope": 0.5}
    a = bpv.appraise(base, n_draws=3_000, rng=5, keep_flows=True)
    b = bpv.appraise(graded, n_draws=3_000, rng=5, keep_flows=True)
    # the same draws, each hypothesis times its multiplier; the assumption untouched
    np.testing.assert_array_equal(a.flows["assumed"], b.flows["assumed"])
    for name, factor in applied.items():
        np.testing.assert_allclose(b.flows[f"{name}_only"], factor * a.flows[f"{name}_only"],
                                   rtol=1e-12)


def test_a_bid_can_declare_its_own_evidence_policy():
    policy = {"very_weak": 0.1, "weak": 0.2, "moderate": 0.3, "strong": 0.4, "very_strong": 1}
    effective = adjust(make_bid(EVIDENCE_NODES, EVIDENCE_PARAMETERS,
                                evidence_policy=policy)).bid
    assert effective.node("claimed").formula == \
        "((effect * 0.3) * (reach * 0.4) * 1000 + (hope * 0.1) * 10) * service"


def test_a_scaled_success_hypothesis_gates_its_activity_independently():
    bid = bpv.load(PATHOLOGY)
    data = bid.to_dict()
    data["settings"] = {"evidence_policy": "default"}
    graded = bpv.Bid.model_validate(data)
    effective = adjust(graded).bid
    gate = effective.parameters["evidence_gate_consolidation"].distribution
    assert gate.p == 0.6  # lims_goes_live has weak evidence
    results = [bpv.appraise(b, n_draws=20_000, rng=3, keep_flows=True) for b in (bid, graded)]
    delivered = [r.flows["consolidation"][:, -1] > 0 for r in results]
    # P(delivered) = 0.6 × E[lims_goes_live] = 0.6 × 0.85, within sampling error
    assert delivered[1].mean() == pytest.approx(0.6 * 0.85, abs=0.015)
    assert delivered[0].mean() == pytest.approx(0.85, abs=0.015)


def test_the_default_evidence_policy_is_printed_in_the_docs_as_a_declared_choice():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for grade, multiplier in DEFAULT_EVIDENCE_POLICY.table().items():
        assert re.search(rf"\| `{grade}` \|[^|\n]*\| {multiplier:g} \|", text), grade
    assert "not a published table" in text


# -- additionality ------------------------------------------------------------------------------


def test_common_additionality_defaults_give_0_54():
    policy = Additionality(deadweight=0.20, displacement=0.25, leakage=0.10)
    assert policy.net_share() == pytest.approx(0.54, abs=1e-15)
    with_substitution = Additionality(deadweight=0.2, displacement=0.25, leakage=0.1,
                                      substitution=0.5)
    assert with_substitution.net_share() == pytest.approx(0.27)


def test_additionality_factors_are_shares_and_names_are_reserved():
    data = make_bid(NODES).to_dict()
    data["settings"]["additionality"] = {"deadweight": 1.2, "leakage": {"dist": "normal",
                                                                       "mean": 0.1, "sd": 1}}
    data["parameters"]["additionality_deadweight"] = 3
    errors = errors_of(data)
    assert "is 1.2" in errors["settings.additionality.deadweight"]
    assert "can take values in [-inf, inf]" in errors["settings.additionality.leakage"]
    assert "reserved" in errors["parameters.additionality_deadweight"]


def test_uncertain_additionality_is_drawn_on_its_own_named_stream():
    deadweight = {"dist": "beta", "mean": 0.3, "sd": 0.1}
    one = make_bid(NODES, additionality={"deadweight": deadweight})
    other = make_bid([*NODES, node("extra", "output", "7 * service", "metric")],
                     {"unrelated": {"dist": "normal", "mean": 0, "sd": 1}},
                     additionality={"deadweight": deadweight})
    flows = [bpv.appraise(b, n_draws=2_000, rng=9, keep_flows=True).flows["saving"]
             for b in (one, other)]
    np.testing.assert_array_equal(flows[0], flows[1])
    share = flows[0][:, -1] / 500
    assert share.std() > 0.05  # uncertain, drawn per draw
    assert (1 - share).mean() == pytest.approx(0.3, abs=0.01)
    assert ADDITIONALITY_PARAMETERS["deadweight"] in adjust(one).bid.parameters


def test_evaluating_at_given_inputs_sets_added_parameters_at_their_means():
    bid = make_bid(NODES, additionality={"deadweight": {"dist": "beta", "mean": 0.3,
                                                        "sd": 0.1}})
    result = evaluate(bid, {})
    gross = make_bid(NODES)
    net_npv, gross_npv = result["npv"][0], evaluate(gross, {})["npv"][0]
    costs = evaluate(make_bid([BUILD, CONTINGENCY, RUNNING, SERVICE]), {})["npv"][0]
    assert net_npv - costs == pytest.approx(0.7 * (gross_npv - costs), rel=1e-9)


# -- command line -------------------------------------------------------------------------------


def test_appraise_text_states_the_adjustments_applied():
    def run(path):
        return subprocess.run([sys.executable, "-m", "bpv", "appraise", path, "--draws", "500",
                               "--seed", "1", "--quiet"], capture_output=True, text=True,
                              check=True).stdout

    assert "\nadjustments: none\n" in run(FRAILTY)
    line = next(x for x in run(PATHOLOGY).splitlines() if x.startswith("adjustments:"))
    assert "optimism bias: capital costs × 1.19584 (lims, analysers)" in line
    assert "delivery time" in line
