"""The engine against closed forms, published figures and its own invariances."""

from __future__ import annotations

import keyword
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import bpv
from bpv.engine.plan import CASH_FLOW_CAP
from bpv.errors import EvaluationError
from bpv.formulas.compiler import RESERVED_NAMES
from tests.builders import small_bid

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def make_bid(nodes, parameters=None, horizon=6, organisations=("a",), **settings_):
    return small_bid(nodes, parameters, horizon=horizon, organisations=organisations,
                     settings=settings_)


DELIVER = {"id": "deliver", "kind": "activity"}


def cost(formula, org="a", node_id="spend"):
    return {"id": node_id, "kind": "input", "formula": formula, "measure": "cost",
            "cost_type": "capital", "organisation": org}


def test_green_book_worked_example_npv_roi_bcr_payback():
    # Flows -100, 30, 30, 30, 30, 30 in years 0-5 at 3.5%: NPV 35.4516 (docs/design/metrics.md).
    bid = make_bid([
        cost("100 * (t == 0)"), DELIVER,
        {"id": "saving", "kind": "outcome", "formula": "30 * (t >= 1) * deliver",
         "measure": "cash_releasing", "organisation": "a"},
    ])
    result = bpv.appraise(bid, n_draws=3, rng=0)
    np.testing.assert_allclose(result["npv"], 35.4516, atol=5e-5)
    np.testing.assert_allclose(result["cost_pv"], 100.0)
    np.testing.assert_allclose(result["roi"], 0.354516, atol=5e-7)
    np.testing.assert_allclose(result["bcr"], 1.354516, atol=5e-7)
    np.testing.assert_allclose(result["cash_roi"], 0.354516, atol=5e-7)
    np.testing.assert_array_equal(result["payback"], 4.0)  # cumulative -100 -70 -40 -10 +20
    np.testing.assert_allclose(result["nmb"], result["npv"])


def test_discounted_qalys_and_nmb_published_figure():
    # 1 QALY a year in years 1-10 at 1.5% is 9.2222 discounted QALYs.
    bid = make_bid([cost("0 * t"), DELIVER,
                    {"id": "gain", "kind": "outcome", "formula": "(t >= 1) * deliver",
                     "measure": "qaly"}], horizon=11, qaly_value=20_000)
    result = bpv.appraise(bid, n_draws=2, rng=0)
    np.testing.assert_allclose(result["qalys"], 9.2222, atol=5e-5)
    np.testing.assert_allclose(result["nmb"], 20_000 * result["qalys"])
    assert np.isnan(result["roi"]).all()  # no cost: the ratio is undefined


def test_green_book_declining_rate_after_year_thirty():
    bid = make_bid([cost("(t == 31)"), DELIVER], horizon=32)
    result = bpv.appraise(bid, n_draws=1, rng=0)
    np.testing.assert_allclose(result["cost_pv"], 0.34590, atol=5e-6)
    nice = make_bid([cost("(t == 31)"), DELIVER], horizon=32, discounting="nice")
    np.testing.assert_allclose(bpv.appraise(nice, n_draws=1, rng=0)["cost_pv"], 1.035 ** -31)


def test_zero_discount_rate_gives_plain_sums():
    bid = make_bid([cost("10 + t"), DELIVER], discounting="constant", discount_rate=0.0)
    assert bpv.appraise(bid, n_draws=1, rng=0)["cost_pv"][0] == sum(10 + t for t in range(6))


def test_gate_mean_is_probability_times_effect():
    bid = make_bid([cost("0 * t"), {"id": "deliver", "kind": "activity", "success": 0.3},
                    {"id": "saving", "kind": "outcome", "formula": "100 * deliver * (t == 0)",
                     "measure": "cash_releasing", "organisation": "a"}])
    result = bpv.appraise(bid, n_draws=200_000, rng=5)
    values = result["cash_releasing_pv"]
    assert set(np.unique(values)) == {0.0, 100.0}
    mcse = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - 30.0) < 4 * mcse


@pytest.mark.parametrize(
    ("spec", "mean"),
    [
        ({"dist": "lognormal", "mu": 1.0, "sigma": 0.5}, np.exp(1.0 + 0.5**2 / 2)),
        ({"dist": "beta", "a": 2.0, "b": 5.0}, 2 / 7),
        ({"dist": "pert", "low": 0.0, "mode": 3.0, "high": 10.0}, (0 + 4 * 3 + 10) / 6),
        ({"dist": "gamma", "shape": 3.0, "scale": 2.0}, 6.0),
    ],
    ids=["lognormal", "beta", "pert", "gamma"],
)
@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_uncertain_effects_match_analytic_means(spec, mean, method):
    bid = make_bid([cost("0 * t"), DELIVER,
                    {"id": "saving", "kind": "outcome", "formula": "x * deliver * (t == 0)",
                     "measure": "cash_releasing", "organisation": "a"}],
                   parameters={"x": spec})
    values = bpv.appraise(bid, n_draws=131_072, rng=11, method=method)["cash_releasing_pv"]
    mcse = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - mean) < 4 * mcse


def test_draws_follow_the_parameter_distribution():
    bid = make_bid([cost("x * (t == 0)"), DELIVER],
                   parameters={"x": {"dist": "beta", "mean": 0.35, "sd": 0.05}})
    draws = bpv.appraise(bid, n_draws=50_000, rng=2)["cost_pv"]
    assert stats.kstest(draws, stats.beta(*_beta_ab(0.35, 0.05)).cdf).pvalue > 1e-3


def _beta_ab(mean, sd):
    k = mean * (1 - mean) / sd**2 - 1
    return mean * k, (1 - mean) * k


def test_start_and_ramp_shift_flows_exactly():
    bid = make_bid([cost("0 * t"), {"id": "deliver", "kind": "activity", "start": 1, "ramp": 2},
                    {"id": "n", "kind": "output", "formula": "10 * deliver", "measure": "metric"}],
                   horizon=5)
    result = bpv.appraise(bid, n_draws=4, rng=0, keep_flows=True)
    np.testing.assert_array_equal(result.flows["deliver"], [[0, 0.5, 1, 1, 1]] * 4)
    np.testing.assert_array_equal(result.metric_node("n").values, [[0, 5, 10, 10, 10]] * 4)
    np.testing.assert_array_equal(result.metric_node("n").total, 35.0)


def test_organisations_add_up_to_the_system():
    result = bpv.appraise(bpv.load(FRAILTY), n_draws=20_000, rng=4)
    total = sum(result.organisation(org)["npv"] for org in result.organisations)
    np.testing.assert_allclose(total, result["npv"], rtol=1e-9, atol=1e-6)
    # The commissioner gains the tariff, the acute trust loses it but sheds marginal cost.
    icb, acute = result.organisation("icb"), result.organisation("acute")
    assert (icb["npv"] >= 0).all()
    assert (acute["npv"] <= 0).all()
    np.testing.assert_allclose(icb["income_pv"], -acute["income_pv"])


def test_unbalanced_transfers_are_warned_about():
    bid = make_bid([cost("1 + 0 * t"), DELIVER,
                    {"id": "paid", "kind": "outcome", "formula": "5 * deliver",
                     "measure": "income", "organisation": "a"}])
    with pytest.warns(bpv.BidWarning, match="do not balance"):
        bpv.appraise(bid, n_draws=2, rng=0)


def test_non_finite_values_are_located_by_draw_and_period():
    bid = make_bid([cost("1 / (t - 2)"), DELIVER])
    with pytest.raises(EvaluationError,
                       match=r"\(inf\) in 1,000 draws of this slice, first at draw 0, period 2"):
        bpv.appraise(bid, n_draws=1_000, rng=0)


def test_non_finite_values_are_a_clear_error():
    bid = make_bid([cost("log(x)"), DELIVER],
                   parameters={"x": {"dist": "uniform", "low": -1, "high": 1}})
    with pytest.raises(EvaluationError, match=r"nodes\[0\] 'spend' gives values that are not"):
        bpv.appraise(bid, n_draws=100, rng=0)


def test_same_seed_same_numbers_and_entropy_replays():
    bid = bpv.load(FRAILTY)
    first = bpv.appraise(bid, n_draws=5_000, rng=None)
    again = bpv.appraise(bid, n_draws=5_000, rng=first.entropy)
    np.testing.assert_array_equal(first["npv"], again["npv"])
    assert not np.array_equal(first["npv"], bpv.appraise(bid, n_draws=5_000, rng=1)["npv"])


def _all_vectors(result):
    vectors = {f"system.{m}": result[m] for m in result.metrics}
    for org in result.organisations:
        vectors |= {f"{org}.{m}": result.organisation(org)[m] for m in ("npv", "payback")}
    return vectors


@pytest.mark.filterwarnings("ignore:Sobol points are balanced:bpv.errors.BidWarning")
@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_bit_identical_across_chunk_sizes_and_executors(method):
    bid = bpv.load(FRAILTY)
    n = 3 * 65_536 + 123
    reference = _all_vectors(bpv.appraise(bid, n_draws=n, rng=9, method=method, chunk_size=1))
    runs = [
        {"chunk_size": 2 * 65_536},
        {"chunk_size": 10**9},
        {"executor": ThreadPoolExecutor(max_workers=3)},
    ]
    if method == "mc":
        runs.append({"executor": ProcessPoolExecutor(max_workers=2)})
    for options in runs:
        other = _all_vectors(bpv.appraise(bid, n_draws=n, rng=9, method=method, **options))
        for name, vector in reference.items():
            np.testing.assert_array_equal(vector, other[name], err_msg=f"{name} {options}")


def test_shared_parameters_see_identical_draws_across_bids():
    a = make_bid([cost("tariff * (t == 0)"), DELIVER],
                 parameters={"tariff": {"dist": "normal", "mean": 2800, "sd": 300},
                             "other": {"dist": "beta", "a": 2, "b": 3}})
    b = make_bid([cost("tariff * (t == 0)"), DELIVER],
                 parameters={"extra": {"dist": "gamma", "shape": 2, "scale": 1},
                             "tariff": {"dist": "normal", "mean": 2800, "sd": 300}})
    np.testing.assert_array_equal(bpv.appraise(a, n_draws=70_000, rng=3)["cost_pv"],
                                  bpv.appraise(b, n_draws=70_000, rng=3)["cost_pv"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A cost of 0 or at least a thousandth of a pound: a cost of 1e-300 gives a return on
# investment past bpv.engine.ledger.MAX_AMOUNT, refused (tests/hostile/test_overflow.py).
@given(low=st.one_of(st.just(0.0), st.floats(1e-3, 1e6)), extra=st.floats(1, 1e6),
       seed=st.integers(0, 2**32))
def test_npv_falls_as_a_cost_parameter_rises(low, extra, seed):
    def npv(ward_cost):
        data = bpv.load(FRAILTY).to_dict()
        data["parameters"]["ward_cost"] = ward_cost
        return bpv.appraise(bpv.Bid.model_validate(data), n_draws=500, rng=seed)["npv"]

    assert (npv(low + extra) < npv(low)).all()


def test_lhs_and_sobol_beat_plain_monte_carlo_on_a_smooth_bid():
    bid = bpv.load(FRAILTY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bpv.BidWarning)
        spread = {
            method: np.std([bpv.appraise(bid, n_draws=4096, rng=seed, method=method)["qalys"]
                            .mean() for seed in range(12)])
            for method in ("mc", "lhs", "sobol")
        }
    assert spread["lhs"] < spread["mc"]
    assert spread["sobol"] < spread["mc"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_draws": 0}, "'n_draws' parameter of appraise must be an int in the range"),
     ({"method": "quasi"}, "'method' parameter of appraise must be one of"),
     ({"rng": -1}, "'rng' parameter must be"),
     ({"chunk_size": 0}, "'chunk_size' parameter")],
)
def test_bad_arguments_are_refused_at_the_boundary(kwargs, message):
    with pytest.raises(bpv.SpecError, match=message):
        bpv.appraise(bpv.load(FRAILTY), **kwargs)


def test_results_are_read_only():
    result = bpv.appraise(bpv.load(FRAILTY), n_draws=100, rng=0)
    with pytest.raises(ValueError, match="read-only"):
        result["npv"][0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        result.metric_node("admissions_avoided").values[0, 0] = 1.0


def test_streaming_summaries_are_exact_and_chunk_invariant():
    bid = bpv.load(FRAILTY)
    n = 300_000  # more than the subsample cap: quantiles come from every 3rd draw
    full = bpv.appraise(bid, n_draws=n, rng=8)
    streamed = bpv.appraise(bid, n_draws=n, rng=8, keep_draws=False)
    assert streamed.is_subsample
    assert streamed.subsample("npv").shape == (100_000,)
    np.testing.assert_array_equal(streamed.subsample("npv"), full["npv"][::3])
    for name in full.metrics:
        exact, stream = full.summary().rows[name], streamed.summary().rows[name]
        for stat in ("mean", "sd", "mcse", "n_finite"):
            np.testing.assert_allclose(stream[stat], exact[stat], rtol=1e-10, err_msg=name)
    # Exact over all draws, not the subsample (which would differ in the 3rd decimal).
    assert 0.5 < full.probability("nmb", ">", 0) < 0.95
    assert streamed.probability("nmb", ">", 0) == pytest.approx(
        full.probability("nmb", ">", 0), abs=1e-12)
    assert streamed.organisation("icb").probability("npv", ">", 0) == pytest.approx(
        full.organisation("icb").probability("npv", ">", 0), abs=1e-12)
    assert streamed.probability("nmb", ">", 0) != np.mean(streamed.subsample("nmb") > 0)
    by_period = streamed.metric_node("admissions_avoided").by_period().rows
    exact_by_period = full.metric_node("admissions_avoided").by_period().rows
    for period, stats_ in exact_by_period.items():
        np.testing.assert_allclose(by_period[period]["mean"], stats_["mean"], rtol=1e-10)
    with pytest.raises(KeyError, match="kept a systematic subsample"):
        streamed["npv"]
    other = bpv.appraise(bid, n_draws=n, rng=8, keep_draws=False, chunk_size=10**9,
                         executor=ThreadPoolExecutor(max_workers=3))
    assert other.to_dict() == streamed.to_dict()


def test_streaming_below_the_cap_keeps_every_draw():
    bid = bpv.load(FRAILTY)
    streamed = bpv.appraise(bid, n_draws=5_000, rng=2, keep_draws=False)
    assert not streamed.is_subsample
    full = bpv.appraise(bid, n_draws=5_000, rng=2)
    np.testing.assert_array_equal(streamed["npv"], full["npv"])
    # Nothing is thinned, so nothing needs streaming moments: the same result exactly.
    assert streamed.to_dict() == full.to_dict()


def test_an_int_keep_draws_keeps_at_most_that_many_and_the_moments_stay_exact():
    bid = bpv.load(FRAILTY)
    n = 50_000
    full = bpv.appraise(bid, n_draws=n, rng=4)
    lean = bpv.appraise(bid, n_draws=n, rng=4, keep_draws=1_000)  # every 50th draw
    assert lean.is_subsample
    np.testing.assert_array_equal(lean.subsample("npv"), full["npv"][::50])
    np.testing.assert_array_equal(lean.metric_node("admissions_avoided").values,
                                  full.metric_node("admissions_avoided").values[::50])
    for name in full.metrics:
        exact, kept = full.summary().rows[name], lean.summary().rows[name]
        for stat in ("mean", "sd", "mcse"):
            np.testing.assert_allclose(kept[stat], exact[stat], rtol=1e-10, err_msg=name)
    # A cap of at least n_draws keeps every draw: the same result as keep_draws=True.
    assert bpv.appraise(bid, n_draws=n, rng=4, keep_draws=n).to_dict() == full.to_dict()


@pytest.mark.parametrize("keep_draws", [0, -3, 2.5, "all", None])
def test_keep_draws_must_be_a_bool_or_a_positive_int(keep_draws):
    with pytest.raises(bpv.SpecError, match="'keep_draws' parameter of appraise must be True, "
                                        "False or an int"):
        bpv.appraise(bpv.load(FRAILTY), n_draws=10, keep_draws=keep_draws)


def test_streaming_moments_match_numpy_with_infinite_draws():
    from bpv.engine.moments import Moments

    rng = np.random.default_rng(0)
    values = rng.normal(size=(1000, 3))
    values[::7, 1] = np.inf
    values[::5, 2] = np.nan
    halves = Moments.of(values[:400]).merge(Moments.of(values[400:]))
    for column in range(3):
        finite = values[:, column][np.isfinite(values[:, column])]
        assert halves.count[column] == finite.size
        np.testing.assert_allclose(halves.mean[column], finite.mean(), rtol=1e-12)
        np.testing.assert_allclose(halves.sd[column], finite.std(ddof=1), rtol=1e-12)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_correlated_parameters_have_the_target_rank_correlation(method):
    rho = 0.6
    bid = make_bid(
        [cost("0 * t"), DELIVER,
         {"id": "x_value", "kind": "output", "formula": "x * deliver", "measure": "metric"},
         {"id": "y_value", "kind": "output", "formula": "y * deliver", "measure": "metric"}],
        parameters={"x": {"dist": "beta", "a": 2, "b": 5},
                    "y": {"dist": "lognormal", "median": 10, "p95": 30}},
        horizon=1)
    data = bid.to_dict()
    data["correlations"] = {"pairs": [{"between": ["x", "y"], "rho": rho}]}
    result = bpv.appraise(bpv.Bid.model_validate(data), n_draws=65_536, rng=1, method=method)
    x = result.metric_node("x_value").values[:, 0]
    y = result.metric_node("y_value").values[:, 0]
    spearman = stats.spearmanr(x, y).statistic
    assert abs(spearman - 6 / np.pi * np.arcsin(rho / 2)) < 0.01
    assert stats.kstest(x, stats.beta(2, 5).cdf).pvalue > 1e-3
    uncorrelated = bpv.appraise(bid, n_draws=65_536, rng=1, method=method)
    assert abs(stats.spearmanr(uncorrelated.metric_node("x_value").values[:, 0],
                               uncorrelated.metric_node("y_value").values[:, 0]).statistic) < 0.02


def test_bid_hash_ignores_how_the_bid_was_written():
    from bpv.engine.identity import bid_hash

    bid = bpv.load(FRAILTY)
    explicit = bid.to_dict()
    explicit["settings"]["timing"] = "end"  # the default, now written out
    same = bpv.Bid.model_validate(explicit)
    assert bid_hash(same) == bid_hash(bid)
    explicit["settings"]["timing"] = "mid"
    assert bid_hash(bpv.Bid.model_validate(explicit)) != bid_hash(bid)


def test_a_spawned_seed_sequence_is_recorded_for_replay():
    seed = np.random.SeedSequence(5).spawn(2)[1]
    bid = bpv.load(FRAILTY)
    result = bpv.appraise(bid, n_draws=1_000, rng=seed)
    replay = np.random.SeedSequence(result.entropy, spawn_key=result.provenance["spawn_key"])
    np.testing.assert_array_equal(bpv.appraise(bid, n_draws=1_000, rng=replay)["npv"],
                                  result["npv"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_draws=st.integers(1, 3 * 65_536), chunk_size=st.integers(1, 4 * 65_536),
       seed=st.integers(0, 2**63),
       keep_draws=st.one_of(st.booleans(), st.integers(1, 4 * 65_536)))
def test_chunking_never_changes_the_numbers(n_draws, chunk_size, seed, keep_draws):
    bid = bpv.load(FRAILTY)
    one = bpv.appraise(bid, n_draws=n_draws, rng=seed, keep_draws=keep_draws)
    other = bpv.appraise(bid, n_draws=n_draws, rng=seed, keep_draws=keep_draws,
                         chunk_size=chunk_size, executor=ThreadPoolExecutor(max_workers=2))
    assert one.to_dict() == other.to_dict()
    np.testing.assert_array_equal(one.subsample("npv"), other.subsample("npv"))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
           lambda s: s not in RESERVED_NAMES and s != "zz_other"
           and not keyword.iskeyword(s) and not keyword.issoftkeyword(s)),
       spec=st.sampled_from([{"dist": "normal", "mean": 5, "sd": 2},
                             {"dist": "pert", "low": 1, "mode": 2, "high": 9},
                             {"dist": "beta", "a": 0.5, "b": 3}]),
       seed=st.integers(0, 2**32))
def test_any_shared_parameter_sees_the_same_draws(name, spec, seed):
    def bid_with(extra):
        return make_bid([cost(f"{name} * (t == 0)"), DELIVER],
                        parameters={**extra, name: spec})

    a = bid_with({"zz_other": {"dist": "gamma", "shape": 2, "scale": 1}})
    b = bid_with({})
    np.testing.assert_array_equal(bpv.appraise(a, n_draws=1_000, rng=seed)["cost_pv"],
                                  bpv.appraise(b, n_draws=1_000, rng=seed)["cost_pv"])


def _net_cash_by_hand(bid, flows, organisation=None):
    """Net cash flow by period from every node's kept flows, as bpv.ledger defines it."""
    measures = {"cash_releasing": 1.0, "cost": -1.0}
    if organisation is not None:
        measures["income"] = 1.0
    net = 0.0
    for node in bid.nodes:
        if node.measure in measures and organisation in (None, node.organisation):
            net = net + measures[node.measure] * flows[node.id]
    return net


def test_cash_flows_are_the_ledgers_net_cash_by_period():
    bid = bpv.load(FRAILTY)
    result = bpv.appraise(bid, n_draws=3_000, rng=2, keep_flows=True)
    for organisation in (None, *result.organisations):
        flow = result.cash_flow(organisation)
        np.testing.assert_allclose(flow.net, _net_cash_by_hand(bid, result.flows, organisation),
                                   rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(flow.cumulative, np.cumsum(flow.net, axis=1))
        # The payback is the first period whose cumulative net cash flow is ≥ 0.
        view = result if organisation is None else result.organisation(organisation)
        reached = flow.cumulative >= 0
        expected = np.where(reached.any(axis=1), reached.argmax(axis=1), np.inf)
        np.testing.assert_array_equal(view["payback"], expected)
    assert result.cash_flow().scope == "system"
    with pytest.raises(KeyError, match="did you mean 'acute'"):
        result.cash_flow("acut")


def test_an_unknown_name_is_a_key_error_and_a_bpv_error_worded_without_quotes():
    result = bpv.appraise(bpv.load(FRAILTY), n_draws=100, rng=1, progress=False)
    with pytest.raises(bpv.UnknownNameError) as caught:
        result.organisation("acut")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, bpv.BPVError)
    # A plain KeyError would print its message in quotes, as a key.
    assert str(caught.value) == caught.value.args[0]
    assert str(caught.value).startswith("no organisation 'acut'")


def test_cash_flows_are_a_bounded_systematic_subsample():
    bid = bpv.load(FRAILTY)
    n_draws = 300_000
    result = bpv.appraise(bid, n_draws=n_draws, rng=5, keep_draws=True, progress=False)
    flow = result.cash_flow()
    thinning = -(-n_draws // CASH_FLOW_CAP)
    assert flow.net.shape == (-(-n_draws // thinning), bid.horizon)
    assert flow.n_represented == n_draws
    # Every k-th draw: the same draws whatever the chunking.
    again = bpv.appraise(bid, n_draws=n_draws, rng=5, keep_draws=False, chunk_size=200_000,
                         progress=False)
    np.testing.assert_array_equal(again.cash_flow().net, flow.net)
    summary = flow.by_period().rows
    assert list(summary) == list(bid.period_labels)
    np.testing.assert_allclose(summary[bid.period_labels[-1]]["mean"],
                               flow.cumulative[:, -1].mean())


def test_appraising_a_bid_imports_neither_scipy_stats_nor_optimize():
    # They cost ~70 MB of memory and ~0.3 s of start-up; sampling and the
    # engine need only scipy.special. (Fitting an elicited judgement does use
    # scipy.optimize, and Sobol' points scipy.stats.qmc: those bids pay.)
    import subprocess
    import sys
    from pathlib import Path

    bid = Path(__file__).parents[2] / "benchmarks" / "representative_bid.yaml"
    code = (f"import sys, bpv; bid = bpv.load({str(bid)!r}); "
            "[bpv.appraise(bid, n_draws=2_000, rng=0, method=m) for m in ('mc', 'lhs')]; "
            "print(sorted(m for m in sys.modules if m.startswith(('scipy.stats', "
            "'scipy.optimize', 'scipy.interpolate'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_every_kept_moment_is_named_by_one_typed_key():
    # The ledger names the moment rows; the engine, the compiled kernel and the
    # results read them by the same OutputKey.
    from bpv.engine.keys import OutputKey
    from bpv.engine.ledger import METRICS, ORGANISATION_METRICS, LedgerPlan

    bid = bpv.load(FRAILTY)
    ledger = LedgerPlan.from_bid(bid)
    keys = ledger.moment_keys(bid.horizon)
    assert all(isinstance(key, OutputKey) for key in keys)
    assert len(set(keys)) == len(keys)
    n_organisations = len(ledger.organisations)
    assert len(keys) == (len(METRICS) + n_organisations * len(ORGANISATION_METRICS)
                         + (1 + n_organisations) + 1
                         + len(ledger.metric_nodes) * (1 + bid.horizon))
    result = bpv.appraise(bid, n_draws=2_000, rng=3, keep_draws=100)
    assert result.moments is not None
    periods = {key for key in keys if key.kind == "node"}
    assert set(result.moments) == ({key for key in keys if key not in periods}
                                   | {OutputKey("node", node_id)
                                      for node_id in ledger.metric_nodes})
    assert result.moments[OutputKey("metric", "npv")].count == 2_000
    assert result.moments[OutputKey("node", "admissions_avoided")].mean.shape == (bid.horizon,)


def test_the_plan_splits_into_sampling_and_evaluation_and_pickles():
    import pickle

    from bpv.engine.identity import bid_hash
    from bpv.engine.plan import SUBSAMPLE_CAP, make_plan

    bid = bpv.load(FRAILTY)
    plan = make_plan(bid, np.random.SeedSequence(1), n_draws=3 * SUBSAMPLE_CAP, method="lhs",
                     keep_flows=False, keep_draws=False, keep_inputs=True)
    assert plan.sampling.bid is plan.evaluation.bid is plan.bid
    assert plan.sampling.method == "lhs"
    assert plan.sampling.gates == ("ward",)
    assert plan.evaluation.thinning == 3
    assert plan.evaluation.n_kept == SUBSAMPLE_CAP
    assert plan.bid_hash == bid_hash(bid)
    copy = pickle.loads(pickle.dumps(plan))  # noqa: S301 - our own plan, as workers get it
    assert copy.sampling.uncertain == plan.sampling.uncertain
    np.testing.assert_array_equal(copy.evaluation.money_factors, plan.evaluation.money_factors)
    with pytest.raises(TypeError):
        make_plan(bid, np.random.SeedSequence(1), 10, "mc", False, True, False)  # type: ignore[misc]


def test_chunks_are_whole_blocks_and_the_bar_shows_only_when_asked_or_long():
    from bpv.engine.schedule import block_ranges, show_progress
    from bpv.sampling.streams import BLOCK_SIZE

    assert block_ranges(1, None) == [(0, 1)]
    assert block_ranges(5 * BLOCK_SIZE, 2 * BLOCK_SIZE - 1) == [(0, 2), (2, 4), (4, 5)]
    assert show_progress(1, progress=True)
    assert not show_progress(100, progress=False)
    assert not show_progress(4, progress=None)  # few chunks: never, terminal or not
