"""bpv.compare: paired draws, the comparator convention, decisions and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpv
from bpv.analysis.comparison import DEFAULT_THRESHOLDS, DO_NOTHING
from bpv.analysis.decision import evpi, frontier, probability_best

# The example bids differ in horizon (5, 6 and 10 years) and price year, which compare
# warns about (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

BIDS = [f"examples/bids/{name}.yaml"
        for name in ("frailty_virtual_ward", "pathology_network", "diabetes_prevention")]


@pytest.fixture(scope="module")
def bids():
    return [bpv.load(path) for path in BIDS]


@pytest.fixture(scope="module")
def comparison(bids):
    return bpv.compare(bids, n_draws=4_000, rng=7)


def _scheme(effect_mean, name="scheme"):
    """A bid whose saving rests on a shared 'demand' parameter and its own effect."""
    return bpv.Bid.model_validate({
        "id": name, "title": name, "start_year": 2025, "horizon": 3,
        "organisations": [{"id": "icb", "name": "ICB"}],
        "parameters": {"demand": {"dist": "lognormal", "median": 1000, "p95": 3000},
                       f"{name}_effect": {"dist": "normal", "mean": effect_mean, "sd": 0.01}},
        "nodes": [
            {"id": "spend", "kind": "input", "formula": "50_000 * (t == 0)", "measure": "cost",
             "cost_type": "capital", "organisation": "icb"},
            {"id": "run", "kind": "activity"},
            {"id": "saving", "kind": "impact",
             "formula": f"run * demand * {name}_effect * 400", "measure": "cash_releasing",
             "organisation": "icb"},
        ],
    })


def test_do_nothing_is_the_default_baseline_and_increments_are_option_minus_it(comparison):
    assert comparison.baseline == DO_NOTHING
    assert comparison.options[0] == DO_NOTHING
    assert "incremental = option − do nothing" in comparison.convention
    for option, appraisal in comparison.appraisals.items():
        np.testing.assert_array_equal(comparison.incremental(option, "npv"), appraisal["npv"])
        np.testing.assert_array_equal(comparison.incremental(option, "net_cost"),
                                      -appraisal["npv"])


def test_a_named_baseline_is_subtracted_draw_by_draw(bids):
    named = bpv.compare(bids, baseline="frailty-virtual-ward", n_draws=2_000, rng=3)
    other = named.appraisals["pathology-network-west"]
    base = named.appraisals["frailty-virtual-ward"]
    np.testing.assert_array_equal(named.incremental("pathology-network-west", "qalys"),
                                  other["qalys"] - base["qalys"])
    assert "option − frailty-virtual-ward" in named.convention


def test_naming_a_baseline_keeps_doing_nothing_among_the_choices(bids):
    default = bpv.compare(bids, n_draws=2_000, rng=3)
    named = bpv.compare(bids, baseline="pathology-network-west", n_draws=2_000, rng=3)
    assert named.options == default.options
    assert named.options[0] == DO_NOTHING
    # Who is best, and what perfect information is worth, do not depend on the baseline.
    assert named.probability_best() == default.probability_best()
    assert named.evpi() == pytest.approx(default.evpi(), rel=1e-12)
    np.testing.assert_array_equal(named.incremental(DO_NOTHING, "npv"),
                                  -named.appraisals["pathology-network-west"]["npv"])


def test_organisations_are_compared_option_minus_baseline(bids):
    named = bpv.compare(bids, baseline="frailty-virtual-ward", n_draws=2_000, rng=3)
    option, base = named.appraisals["diabetes-prevention-south"], named.appraisals[
        "frailty-virtual-ward"]
    both = set(option.organisations) & set(base.organisations)
    assert both  # the examples share organisations ('icb', 'acute', ...)
    for org in set(option.organisations) | set(base.organisations):
        mine = option.organisation(org)["npv"] if org in option.organisations else 0.0
        theirs = base.organisation(org)["npv"] if org in base.organisations else 0.0
        np.testing.assert_allclose(
            named.incremental_by_organisation("diabetes-prevention-south", org), mine - theirs)
    rows, shared = named.by_organisation().rows, sorted(both)[0]
    assert rows[f"diabetes-prevention-south: {shared}"]["mean"] == pytest.approx(float(np.mean(
        option.organisation(shared)["npv"] - base.organisation(shared)["npv"])))
    assert not any(row.startswith("frailty-virtual-ward:") for row in rows)


def test_the_organisations_add_up_to_the_system_when_transfers_balance(comparison):
    for option, appraisal in comparison.appraisals.items():
        total = sum(comparison.incremental_by_organisation(option, org)
                    for org in appraisal.organisations)
        np.testing.assert_allclose(total, comparison.incremental(option, "npv"),
                                   rtol=1e-9, atol=1e-6)


def test_metric_nodes_are_each_bids_totals_in_natural_units(comparison):
    rows = comparison.metric_nodes().rows
    node = comparison.appraisals["frailty-virtual-ward"].metric_node("admissions_avoided")
    assert rows["frailty-virtual-ward: admissions_avoided (admissions)"]["mean"] == (
        pytest.approx(float(node.values.sum(axis=1).mean())))
    data = comparison.to_dict()
    entry = data["options"]["frailty-virtual-ward"]
    assert entry["metric_nodes"]["admissions_avoided"]["unit"] == "admissions"
    assert entry["organisations"]["acute"]["incremental"]["npv"]["mean"] == pytest.approx(
        float(comparison.appraisals["frailty-virtual-ward"].organisation("acute")["npv"].mean()))
    text = str(comparison)
    assert "Incremental npv by organisation" in text
    assert "admissions_avoided" in text


def _with_settings(name, **settings):
    bid = _scheme(0.2, name).model_dump(exclude_unset=True)
    return bpv.Bid.model_validate({**bid, "settings": settings})


def test_bids_on_different_settings_are_named_with_their_values():
    a = _with_settings("a", qaly_value=70_000, price_year=2024)
    b = _with_settings("b", qaly_value=20_000, price_year=2025, discounting="nice")
    with pytest.warns(bpv.BidWarning) as caught:
        comparison = bpv.compare([a, b], n_draws=200, rng=1)
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("'a' and 'b' differ in price year (2024 and 2025), discounting, "
                              "value of a QALY (70000.0 and 20000.0)")
    assert comparison.notices == (message,)
    assert comparison.to_dict()["notices"] == [message]


def test_bids_on_the_same_settings_draw_no_warning(recwarn):
    comparison = bpv.compare([_scheme(0.2, "a"), _scheme(0.3, "b")], n_draws=200, rng=1)
    assert comparison.notices == ()
    assert not [w for w in recwarn if issubclass(w.category, bpv.BidWarning)]


def test_a_longer_horizon_is_named(bids):
    with pytest.warns(bpv.BidWarning, match=r"differ in horizon \(5 and 10\)"):
        bpv.compare(bids[:2], n_draws=100, rng=1)


def test_nmb_at_a_threshold_is_lambda_times_qalys_plus_npv(comparison):
    for option, appraisal in comparison.appraisals.items():
        column = comparison.options.index(option)
        np.testing.assert_allclose(comparison.values("nmb@30000")[:, column],
                                   30_000 * appraisal["qalys"] + appraisal["npv"])
        if appraisal.qaly_value == 70_000:
            np.testing.assert_allclose(comparison.values("nmb@70000")[:, column],
                                       appraisal["nmb"])


def test_decisions_are_those_of_the_paired_matrix(comparison):
    npv = comparison.values("npv")
    assert list(comparison.probability_best().values()) == pytest.approx(
        list(probability_best(npv)))
    assert comparison.evpi() == pytest.approx(evpi(npv))
    assert comparison.evpi() >= 0
    assert comparison.evpi(population=10, years=2, discount_rate=0.0) == pytest.approx(
        20 * comparison.evpi())
    rows = comparison.frontier()
    expected = frontier(comparison.options, -npv.mean(axis=0),
                        comparison.values("qalys").mean(axis=0))
    assert rows == expected
    curves = comparison.ceac([0.0, 20_000.0, 70_000.0])
    totals = np.sum([curves["curves"][o] for o in comparison.options], axis=0)
    np.testing.assert_allclose(totals, 1.0)
    ranks = comparison.ranks()
    np.testing.assert_allclose([ranks[o][0] for o in comparison.options],
                               list(comparison.probability_best().values()), atol=0.01)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_common_random_numbers_make_differences_less_noisy(seed):
    a, b = _scheme(0.10, "a"), _scheme(0.12, "b")
    paired = bpv.compare([a, b], n_draws=4_000, rng=seed)
    difference = paired.incremental("b", "npv") - paired.incremental("a", "npv")
    apart = [bpv.appraise(a, n_draws=4_000, rng=seed), bpv.appraise(b, n_draws=4_000,
                                                                   rng=seed + 1)]
    with pytest.warns(bpv.BidWarning, match="not on common random numbers"):
        independent = bpv.compare(apart)
    noisy = independent.incremental("b", "npv") - independent.incremental("a", "npv")
    assert difference.var() < noisy.var() / 4


def test_appraisals_must_share_the_number_of_draws(bids):
    results = [bpv.appraise(bids[0], n_draws=100, rng=1), bpv.appraise(bids[1], n_draws=200,
                                                                       rng=1)]
    with pytest.raises(bpv.SpecError, match="different numbers of draws"):
        bpv.compare(results)


def test_bad_baseline_metric_and_thresholds_are_clear(bids):
    with pytest.raises(bpv.SpecError, match="did you mean 'frailty-virtual-ward'"):
        bpv.compare(bids, baseline="frailty-virtual-war", n_draws=50, rng=1)
    with pytest.raises(KeyError, match="no metric 'nvp'"):
        bpv.compare(bids, metric="nvp", n_draws=50, rng=1)
    with pytest.raises(bpv.SpecError, match="thresholds"):
        bpv.compare(bids, thresholds=[-1.0], n_draws=50, rng=1)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False)


def test_command_line_json_has_options_probability_best_and_evpi():
    done = run("compare", *BIDS, "--draws", "2000", "--seed", "4", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    appraised = json.loads(run("appraise", BIDS[0], "--draws", "2000", "--seed", "4",
                               "--json").stdout)
    frailty = data["options"]["frailty-virtual-ward"]
    assert set(frailty["metrics"]) == set(appraised["metrics"])
    for field in ("mean", "sd", "median", "p5", "p95", "mcse"):
        assert field in frailty["metrics"]["npv"]
    assert sum(data["probability_best"].values()) == pytest.approx(1.0)
    assert set(data["probability_best"]) == {DO_NOTHING, "frailty-virtual-ward",
                                             "pathology-network-west",
                                             "diabetes-prevention-south"}
    assert data["evpi"]["npv"] >= 0
    assert data["thresholds"] == list(DEFAULT_THRESHOLDS)
    assert data["convention"].startswith("incremental = option − do nothing")


def test_command_line_text_states_the_convention_and_refuses_bad_input(tmp_path):
    done = run("compare", *BIDS[:2], "--draws", "500", "--seed", "1", "--threshold", "30000")
    assert done.returncode == 0, done.stderr
    assert "incremental = option − do nothing" in done.stdout
    assert "nmb@30000" in done.stdout
    assert "frontier" in done.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n")
    done = run("compare", BIDS[0], str(broken), "--draws", "100")
    assert done.returncode == 1
    assert "broken.yaml" in done.stderr
    assert "Traceback" not in done.stderr
    done = run("compare", *BIDS[:2], "--baseline", "nope", "--draws", "100")
    assert done.returncode == 1
    assert "not one of the options" in done.stderr
