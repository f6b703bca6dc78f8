"""bpv.sensitivity and its parts: evaluation at given inputs, tornado, correlations, Sobol',
EVPPI and switching values, each against an independent computation."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import bpv
from bpv.analysis.evppi import conditional_mean, evppi
from bpv.analysis.one_way import centre_values, switching_values, tornado
from bpv.analysis.sensitivity import input_groups
from bpv.analysis.sobol import sobol_indices
from bpv.engine.inputs import input_names
from bpv.engine.monte_carlo import evaluate
from bpv.engine.plan import SUBSAMPLE_CAP
from bpv.errors import SpecError

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def _bid(parameters, nodes, *, horizon=1, bid_id="small"):
    return bpv.Bid.model_validate({
        "id": bid_id, "title": bid_id, "start_year": 2025, "horizon": horizon,
        "organisations": [{"id": "icb", "name": "ICB"}],
        "parameters": parameters, "nodes": nodes})


def _cost(formula):
    return {"id": "spend", "kind": "input", "formula": formula, "measure": "cost",
            "cost_type": "revenue", "organisation": "icb"}


def _saving(formula, node_id="saving"):
    return {"id": node_id, "kind": "impact", "formula": formula, "measure": "cash_releasing",
            "organisation": "icb"}


#: NPV = run · referrals · rate · 1000 − cost, one period, success 0.9: E[NPV] = 2000.
SMALL = _bid(
    {"referrals": {"dist": "normal", "mean": 100, "sd": 20},
     "rate": {"dist": "beta", "mean": 0.3, "sd": 0.1},
     "cost": {"dist": "normal", "mean": 25_000, "sd": 5_000}},
    [_cost("cost"), {"id": "run", "kind": "activity", "success": 0.9},
     _saving("run * referrals * rate * 1000")])


@pytest.fixture(scope="module")
def small_sensitivity():
    return bpv.sensitivity(SMALL, n_draws=100_000, rng=5, sobol_n=None,
                           groups={"volume": ["referrals", "rate"]})


# -- evaluation at given inputs --------------------------------------------------------


def test_evaluate_at_the_sampled_inputs_reproduces_the_appraisal_bit_for_bit():
    bid = bpv.load(FRAILTY)
    result = bpv.appraise(bid, n_draws=70_000, rng=3, keep_inputs=True)
    assert set(result.inputs) == set(input_names(bid))
    again = evaluate(bid, result.inputs)
    for metric in ("npv", "qalys", "payback"):
        np.testing.assert_array_equal(again[metric], result[metric])
    np.testing.assert_array_equal(again.organisation("acute")["npv"],
                                  result.organisation("acute")["npv"])


def test_kept_inputs_follow_the_subsample_when_draws_are_thinned():
    bid = bpv.load(FRAILTY)
    full = bpv.appraise(bid, n_draws=140_000, rng=4, keep_inputs=True)
    thin = bpv.appraise(bid, n_draws=140_000, rng=4, keep_inputs=True, keep_draws=False)
    step = -(-140_000 // SUBSAMPLE_CAP)  # every k-th draw
    np.testing.assert_array_equal(thin.inputs["tariff"], full.inputs["tariff"][::step])
    np.testing.assert_array_equal(thin.subsample("npv"), full["npv"][::step])


def test_evaluate_gives_the_closed_form_npv():
    values = evaluate(SMALL, {"referrals": [100, 50], "rate": 0.3, "cost": 25_000,
                              "run.delivered": [1.0, 0.5]})
    np.testing.assert_allclose(values["npv"], [30_000 - 25_000, 0.5 * 50 * 300 - 25_000])


def test_evaluate_reports_every_bad_input_at_once():
    with pytest.raises(SpecError) as caught:
        evaluate(SMALL, {"referals": 1, "rate": [0.1, 0.2], "cost": [1.0, 2.0, 3.0]})
    message = str(caught.value)
    assert "no input 'referals' (did you mean 'referrals'?)" in message
    assert "missing values for referrals, run.delivered" in message
    assert "differ in length: [2, 3]" in message


# -- tornado ---------------------------------------------------------------------------


def test_tornado_moves_one_input_to_its_percentiles_with_the_others_at_their_centre():
    centre, bars = tornado(SMALL)
    rate = SMALL.parameters["rate"].distribution.to_scipy()
    median_rate, median_cost = rate.median(), 25_000.0
    assert centre == pytest.approx(0.9 * 100 * median_rate * 1000 - median_cost)
    by_input = {bar.input: bar for bar in bars}
    low, high = rate.ppf([0.1, 0.9])
    assert by_input["rate"].at_low == pytest.approx(0.9 * 100 * low * 1000 - median_cost)
    assert by_input["rate"].at_high == pytest.approx(0.9 * 100 * high * 1000 - median_cost)
    gate = by_input["run.delivered"]
    assert (gate.low, gate.high) == (0.0, 1.0)
    assert gate.at_low == pytest.approx(-median_cost)
    assert [bar.swing for bar in bars] == sorted((bar.swing for bar in bars), reverse=True)


def test_a_success_parameter_moves_its_gate_in_the_tornado():
    bid = _bid({"p": {"dist": "uniform", "low": 0.2, "high": 0.8}},
               [_cost("10"), {"id": "run", "kind": "activity", "success": "p"},
                _saving("run * 100")])
    assert centre_values(bid)["run.delivered"] == pytest.approx(0.5)
    _, bars = tornado(bid)
    p_bar = next(bar for bar in bars if bar.input == "p")
    assert p_bar.at_low == pytest.approx(0.26 * 100 - 10)  # p10 of U(0.2, 0.8) is 0.26
    assert p_bar.at_high == pytest.approx(0.74 * 100 - 10)


def test_user_ranges_replace_percentiles():
    _, bars = tornado(SMALL, ranges={"cost": (20_000, 30_000)})
    cost = next(bar for bar in bars if bar.input == "cost")
    assert (cost.low, cost.high) == (20_000, 30_000)
    assert cost.at_low - cost.at_high == pytest.approx(10_000)


# -- rank correlations -----------------------------------------------------------------


def test_rank_correlations_match_scipy_and_a_residual_regression(small_sensitivity):
    result = bpv.appraise(SMALL, n_draws=100_000, rng=5, keep_inputs=True)
    y = result["npv"]
    names = input_names(SMALL)
    ranks = {name: stats.rankdata(result.inputs[name]) for name in names}
    ranked_y = stats.rankdata(y)
    for name in names:
        row = small_sensitivity.input(name)
        expected = stats.spearmanr(result.inputs[name], y).statistic
        assert row.spearman == pytest.approx(expected, abs=1e-9)
        others = np.column_stack([np.ones(y.size), *(ranks[o] for o in names if o != name)])
        residual_x = ranks[name] - others @ np.linalg.lstsq(others, ranks[name], rcond=None)[0]
        residual_y = ranked_y - others @ np.linalg.lstsq(others, ranked_y, rcond=None)[0]
        assert row.prcc == pytest.approx(np.corrcoef(residual_x, residual_y)[0, 1], abs=1e-9)


# -- EVPPI -----------------------------------------------------------------------------


def test_evppi_of_one_input_matches_quadrature(small_sensitivity):
    """E[NPV | rate] = 0.9 · 100 · rate · 1000 − 25000 exactly: integrate its positive part."""
    beta = SMALL.parameters["rate"].distribution.to_scipy()
    kink = 25_000 / 90_000
    expected = integrate.quad(lambda r: (90_000 * r - 25_000) * beta.pdf(r), kink, 1)[0]
    expected -= 2_000  # max(0, E[NPV])
    assert small_sensitivity.input("rate").evppi == pytest.approx(expected, rel=0.05)


def test_group_evppi_agrees_with_nested_monte_carlo(small_sensitivity):
    """Outer draws of (referrals, rate); inner draws of the rest, through the engine."""
    rng = np.random.default_rng(11)
    outer, inner = 4_000, 500
    beta = SMALL.parameters["rate"].distribution.to_scipy()
    referrals, rate = rng.normal(100, 20, outer), beta.rvs(outer, random_state=rng)
    cost, gate = rng.normal(25_000, 5_000, inner), (rng.random(inner) < 0.9) * 1.0
    conditional = evaluate(SMALL, {
        "referrals": np.repeat(referrals, inner), "rate": np.repeat(rate, inner),
        "cost": np.tile(cost, outer), "run.delivered": np.tile(gate, outer),
    })["npv"].reshape(outer, inner).mean(axis=1)
    gain = np.maximum(conditional, 0.0)
    nested = gain.mean() - max(0.0, conditional.mean())
    standard_error = gain.std() / np.sqrt(outer)
    (group,) = small_sensitivity.groups
    assert group.inputs == ("referrals", "rate")
    assert abs(group.evppi - nested) < 3 * standard_error + 0.02 * nested


def test_evppi_of_a_sum_of_normals_has_its_closed_form():
    """NB = a + b: E[NB | a] = a + E[b] ~ N(m, s_a²), so EVPPI = m Φ(m/s) + s φ(m/s) − max(0, m)."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.5, 1.0, 200_000), rng.normal(-0.3, 2.0, 200_000)
    m, s = 0.2, 1.0
    expected = m * stats.norm.cdf(m / s) + s * stats.norm.pdf(m / s) - m
    assert evppi(a + b, a) == pytest.approx(expected, rel=0.03)


def test_evppi_is_zero_when_the_input_never_changes_the_decision():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=50_000)
    assert evppi(10 + x, x) == 0.0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-1, 1))
def test_evppi_is_between_zero_and_evpi(seed, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4_000, 2))
    net_benefit = np.column_stack([x[:, 0] * x[:, 1] + shift, x[:, 0] - shift])
    from bpv.analysis.decision import evpi

    value = evppi(net_benefit, x[:, 0])
    assert 0.0 <= value <= evpi(net_benefit) + 1e-12


def test_the_regression_reproduces_products_of_up_to_four_inputs():
    rng = np.random.default_rng(4)
    x = rng.lognormal(size=(20_000, 4))
    y = x[:, 0] * x[:, 1] * x[:, 2] * x[:, 3] - 3 * x[:, 1]
    np.testing.assert_allclose(conditional_mean(y, x), y, rtol=1e-6, atol=1e-6)


def test_evpi_bounds_every_evppi(small_sensitivity):
    assert all(0 <= row.evppi <= small_sensitivity.evpi for row in small_sensitivity.inputs)
    assert all(0 <= group.evppi <= small_sensitivity.evpi for group in small_sensitivity.groups)


# -- Sobol' ----------------------------------------------------------------------------


def test_sobol_indices_of_the_g_function_match_their_analytic_values():
    """Sobol's G-function, g = Π (|4xᵢ − 2| + aᵢ) / (1 + aᵢ), xᵢ ~ U(0, 1)."""
    a = [0.0, 1.0, 4.5, 9.0]
    factors = " * ".join(f"((abs(4 * x{i} - 2) + {a_i}) / (1 + {a_i}))"
                         for i, a_i in enumerate(a))
    bid = _bid({f"x{i}": {"dist": "uniform", "low": 0, "high": 1} for i in range(4)},
               [_cost("0 * x0"), _saving("spend + " + factors)])
    partial = np.array([1 / (3 * (1 + a_i) ** 2) for a_i in a])
    total_variance = np.prod(1 + partial) - 1
    first = partial / total_variance
    total = partial * np.prod(1 + partial) / (1 + partial) / total_variance
    indices = sobol_indices(bid, n=2**14, rng=1)
    for index, s1, st_ in zip(indices, first, total, strict=True):
        assert index.first == pytest.approx(s1, abs=0.02)
        assert index.total == pytest.approx(st_, abs=0.02)
        assert index.first_interval[0] - 0.01 <= s1 <= index.first_interval[1] + 0.01
        assert index.total_interval[0] - 0.01 <= st_ <= index.total_interval[1] + 0.01


def test_sobol_indices_see_an_interaction_that_first_order_misses():
    """NPV = a + b·c with a, b, c ~ N(0, 1): S_a = 0.5, S_b = S_c = 0, every total 0.5."""
    normal = {"dist": "normal", "mean": 0, "sd": 1}
    bid = _bid({"a": normal, "b": normal, "c": normal},
               [_cost("0 * a"), _saving("spend + a + b * c")])
    indices = {index.input: index for index in sobol_indices(bid, n=2**13, rng=2)}
    assert indices["a"].first == pytest.approx(0.5, abs=0.03)
    assert indices["b"].first == pytest.approx(0.0, abs=0.03)
    for name in "abc":
        assert indices[name].total == pytest.approx(0.5, abs=0.03)


def test_sobol_needs_a_power_of_two():
    with pytest.raises(SpecError, match="power of two"):
        sobol_indices(SMALL, n=1000)


# -- switching values ------------------------------------------------------------------


def test_a_switching_value_gives_a_mean_of_zero_when_substituted():
    result = bpv.appraise(SMALL, n_draws=8_000, rng=6, keep_inputs=True)
    for value in switching_values(SMALL, result.inputs, names=["rate", "cost", "referrals"]):
        assert value.value is not None, value
        fixed = {**result.inputs, value.input: value.value}
        mean = evaluate(SMALL, fixed)["npv"].mean()
        assert abs(mean) < 1e-6 * 25_000


def test_switching_values_on_a_linear_bid_have_closed_forms():
    """NPV = run · 100 · rate − 40 with run delivered with probability 0.8."""
    bid = _bid({"rate": {"dist": "uniform", "low": 0.2, "high": 0.8}},
               [_cost("40"), {"id": "run", "kind": "activity", "success": 0.8},
                _saving("run * 100 * rate")])
    result = bpv.appraise(bid, n_draws=20_000, rng=1, keep_inputs=True)
    draws = result.inputs
    rate, gate = switching_values(bid, draws)
    delivered = draws["run.delivered"].mean()
    assert rate.value == pytest.approx(40 / (100 * delivered), rel=1e-7)
    # mean NPV with success p is p · 100 · E[rate] − 40 (the mean of the rate draws)
    assert gate.value == pytest.approx(40 / (100 * draws["rate"].mean()), rel=1e-7)


def test_no_switching_value_is_reported_as_none_in_range():
    bid = _bid({"rate": {"dist": "uniform", "low": 0.2, "high": 0.8}},
               [_cost("1"), _saving("spend * 0 + 100 * rate")])
    result = bpv.appraise(bid, n_draws=1_000, rng=1, keep_inputs=True)
    (value,) = switching_values(bid, result.inputs)
    assert value.value is None
    assert value.describe().startswith("none in 0.206 – 0.794")


# -- the whole analysis ----------------------------------------------------------------


def test_an_appraisal_with_its_bid_gives_the_same_analysis_as_the_bid():
    bid = bpv.load(FRAILTY)
    appraisal = bpv.appraise(bid, n_draws=20_000, rng=9, keep_inputs=True)
    from_appraisal = bpv.sensitivity(appraisal, bid=bid, metric="nmb", sobol_n=None)
    from_bid = bpv.sensitivity(bid, metric="nmb", n_draws=20_000, rng=9, sobol_n=None)
    assert from_appraisal.to_dict() == from_bid.to_dict()


@pytest.mark.parametrize(("call", "message"), [
    (lambda bid, a: bpv.sensitivity(a), "needs its bid too"),
    (lambda bid, a: bpv.sensitivity(bpv.appraise(bid, n_draws=100, rng=1), bid=bid),
     "kept no inputs"),
    (lambda bid, a: bpv.sensitivity(a, bid=SMALL), "not of this bid"),
    (lambda bid, a: bpv.sensitivity(bid, metric="npvv", n_draws=100), "did you mean 'npv'"),
    (lambda bid, a: bpv.sensitivity(bid, metric="payback", n_draws=2_000, sobol_n=None),
     "not finite"),
    (lambda bid, a: bpv.sensitivity(bid, organisation="acutee", n_draws=100), "acute"),
])
def test_misuse_gets_a_clear_error(call, message):
    bid = bpv.load(FRAILTY)
    appraisal = bpv.appraise(bid, n_draws=100, rng=1, keep_inputs=True)
    with pytest.raises(SpecError, match=message):
        call(bid, appraisal)


def test_groups_by_link_and_by_hypothesis():
    bid = bpv.load(FRAILTY)
    by_link = input_groups(bid, "link")
    assert by_link["ward"] == ("ward.delivered",)
    assert by_link["admissions_avoided"] == ("admit_rate", "admission_reduction")
    assert sorted(name for group in by_link.values() for name in group) == sorted(
        input_names(bid))
    by_hypothesis = input_groups(bid, "hypothesis")
    assert by_hypothesis["admission_reduction"] == ("admission_reduction",)
    assert "tariff" in by_hypothesis["assumptions"]
    with pytest.raises(SpecError, match="unknown inputs in groups: tarif"):
        input_groups(bid, {"money": ["tarif"]})


def test_an_organisation_metric_and_a_metric_node_can_be_analysed():
    bid = bpv.load(FRAILTY)
    acute = bpv.sensitivity(bid, metric="npv", organisation="acute", n_draws=5_000, rng=1,
                            sobol_n=None, switching=False)
    # The acute trust never pays for the ward: its NPV does not depend on the ward's cost.
    assert acute.input("ward_cost").tornado.swing == 0
    admissions = bpv.sensitivity(bid, metric="admissions_avoided", n_draws=5_000, rng=1,
                                 sobol_n=None, switching=False)
    assert admissions.input("admission_reduction").spearman > 0.3


# -- command line ----------------------------------------------------------------------


def _bpv(*args):
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True,
                          text=True, check=False)


def test_the_command_prints_a_table_and_json():
    text = _bpv("sensitivity", FRAILTY, "--metric", "nmb", "--draws", "5000", "--seed", "1",
                "--sobol", "0")
    assert text.returncode == 0, text.stderr
    assert "Sensitivity of nmb (system)" in text.stdout
    assert "switching value" in text.stdout
    data = json.loads(_bpv("sensitivity", FRAILTY, "--draws", "5000", "--seed", "1",
                           "--sobol", "1024", "--json").stdout)
    assert data["metric"] == "npv"
    assert set(data["inputs"]) == set(input_names(bpv.load(FRAILTY)))
    assert data["inputs"]["ward_cost"]["sobol"]["total"] > 0.5
    assert data["conventions"].startswith("Tornado")


def test_the_command_rejects_a_bad_metric_in_one_line():
    run = _bpv("sensitivity", FRAILTY, "--metric", "npvv", "--draws", "100")
    assert run.returncode != 0
    assert "did you mean 'npv'" in run.stderr
    assert "Traceback" not in run.stderr


def test_uncertain_additionality_is_an_input_of_the_analysis():
    """Settings policies are applied before the analysis: a distributed deadweight is analysed."""
    data = SMALL.to_dict()
    data["settings"] = {"additionality": {"deadweight": {"dist": "uniform", "low": 0.1,
                                                         "high": 0.5}}}
    bid = bpv.Bid.model_validate(data)
    result = bpv.sensitivity(bid, n_draws=20_000, rng=3, sobol_n=None)
    deadweight = result.input("additionality_deadweight")
    # NPV = (1 − d) · run · referrals · rate · 1000 − cost: less saved as deadweight rises.
    assert deadweight.tornado.at_high < deadweight.tornado.at_low
    assert deadweight.spearman < 0
    saving = 0.9 * 100 * 0.3 * 1000
    assert deadweight.tornado.at_low - deadweight.tornado.at_high == pytest.approx(
        saving * (0.46 - 0.14) * SMALL.parameters["rate"].distribution.to_scipy().median() / 0.3,
        rel=1e-9)
