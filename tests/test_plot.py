"""Plots render with the Agg backend; assertions are on the artists' data, not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import bpv

# The example bids differ in horizon (5, 6 and 10 years) and price year, which compare
# warns about (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


@pytest.fixture(scope="module")
def bid():
    return bpv.load(FRAILTY)


@pytest.fixture(scope="module")
def result(bid):
    return bpv.appraise(bid, n_draws=20_000, rng=3)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_logic_model_places_nodes_by_kind_and_draws_every_edge(bid):
    ax = bpv.plot.logic_model(bid)
    boxes = {text.get_gid(): text for text in ax.texts if text.get_gid()}
    assert set(boxes) == set(bid.node_ids)
    for node in bid.nodes:
        x, _ = boxes[node.id].get_position()
        assert x == list(bpv.plot.KIND_COLOURS).index(node.kind)
        assert boxes[node.id].get_bbox_patch().get_facecolor()[:3] == pytest.approx(
            matplotlib.colors.to_rgb(bpv.plot.KIND_COLOURS[node.kind]))
    arrows = [child for child in ax.get_children()
              if isinstance(child, matplotlib.text.Annotation) and child.arrow_patch]
    assert len(arrows) == bpv.logic_model(bid).number_of_edges()
    ax.figure.canvas.draw()


def test_an_edge_between_nodes_of_one_kind_bows_out_beside_their_column():
    diabetes = bpv.load("examples/bids/diabetes_prevention.yaml")
    layers: dict[str, list[str]] = {}
    for node in diabetes.nodes:
        layers.setdefault(node.kind, []).append(node.id)
    kinds = {node.id: node.kind for node in diabetes.nodes}
    ax = bpv.plot.logic_model(diabetes)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = {text.get_gid(): text.get_bbox_patch().get_window_extent(renderer)
             for text in ax.texts if text.get_gid()}
    edges = {text.arrow_patch.get_gid(): text.arrow_patch.get_path().vertices
             for text in ax.texts if getattr(text, "arrow_patch", None) is not None}
    skipping = 0
    for upstream, downstream in bpv.logic_model(diabetes).edges:
        column = layers[kinds[upstream]]
        if kinds[downstream] != kinds[upstream]:
            continue
        low, high = sorted((column.index(upstream), column.index(downstream)))
        between = [boxes[node_id] for node_id in column[low + 1:high]]
        skipping += bool(between)
        xs = edges[f"{upstream}->{downstream}"][:, 0]  # display coordinates
        for box in between:  # the edge leaves the column's boxes, so they cannot hide it
            assert xs.min() < box.x0 or xs.max() > box.x1, (upstream, downstream)
    assert skipping == 2  # referrals -> practice_time, participants -> places


def test_logic_model_outlines_the_nodes_success_hypotheses_support():
    pathology = bpv.load("examples/bids/pathology_network.yaml")
    ax = bpv.plot.logic_model(pathology)
    boxes = {text.get_gid(): text for text in ax.texts if text.get_gid()}
    supported = {p.supports for p in pathology.parameters.values() if p.is_hypothesis}
    assert "consolidation" in supported
    for node_id, box in boxes.items():
        black = box.get_bbox_patch().get_edgecolor()[:3] == (0.0, 0.0, 0.0)
        assert black == (node_id in supported)


def test_distribution_marks_mean_median_interval_and_probability(result):
    ax = bpv.plot.distribution(result, "nmb")
    stats = result.summary(metrics=["nmb"]).rows["nmb"]
    lines = {line.get_label(): line.get_xdata()[0] for line in ax.get_lines()}
    assert lines["mean"] == pytest.approx(stats["mean"])
    assert lines["median"] == pytest.approx(stats["median"])
    counts = sum(patch.get_height() for patch in ax.patches if patch.get_height() > 0
                 and patch.get_label() != "90% interval")
    assert counts == result.n_draws
    assert f"{result.probability('nmb', '>', 0):.1%}" in ax.get_title()
    ax.figure.canvas.draw()


def test_organisations_show_each_mean_and_interval(result):
    ax = bpv.plot.organisations(result, names={"icb": "North ICB"})
    bars = list(ax.patches)
    assert len(bars) == len(result.organisations)
    for bar, org in zip(bars, result.organisations, strict=True):
        assert bar.get_width() == pytest.approx(float(result.organisation(org)["npv"].mean()))
    assert ax.get_yticklabels()[0].get_text() == "North ICB"
    ax.figure.canvas.draw()


def test_metric_node_trajectory_follows_the_mean_by_period(result):
    ax = bpv.plot.metric_node(result, "admissions_avoided")
    (mean_line,) = [line for line in ax.get_lines() if line.get_label() == "mean"]
    expected = result.metric_node("admissions_avoided").values.mean(axis=0)
    np.testing.assert_allclose(mean_line.get_ydata(), expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(result.periods)
    ax.figure.canvas.draw()


@pytest.mark.parametrize("organisation", [None, "acute"])
def test_cash_flow_shows_cumulative_net_cash_with_bands(result, organisation):
    ax = bpv.plot.cash_flow(result, organisation)
    cumulative = np.cumsum(result.cash_flow(organisation).net, axis=1)
    (median,) = [line for line in ax.get_lines() if line.get_label() == "median"]
    np.testing.assert_allclose(median.get_ydata(), np.median(cumulative, axis=0))
    bands = {c.get_label(): c for c in ax.collections}
    for label, (low, high) in {"90%": (0.05, 0.95), "50%": (0.25, 0.75)}.items():
        vertices = bands[label].get_paths()[0].vertices[:, 1]
        assert np.isclose(vertices, np.quantile(cumulative[:, -1], low)).any()
        assert np.isclose(vertices, np.quantile(cumulative[:, -1], high)).any()
    assert (organisation or "system") in ax.get_title()
    ax.figure.canvas.draw()


def test_plots_draw_on_given_axes_and_never_show(result, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show called"))
    _, axes = plt.subplots(1, 2)
    assert bpv.plot.distribution(result, ax=axes[0]) is axes[0]
    assert bpv.plot.organisations(result, ax=axes[1]) is axes[1]
    assert len(plt.get_fignums()) == 1


@pytest.fixture(scope="module")
def comparison():
    paths = ["examples/bids/frailty_virtual_ward.yaml", "examples/bids/diabetes_prevention.yaml"]
    return bpv.compare([bpv.load(p) for p in paths], n_draws=3_000, rng=2)


def test_ce_plane_plots_increments_against_the_baseline(comparison):
    ax = bpv.plot.ce_plane(comparison, threshold=30_000)
    means = {c.get_label(): c.get_offsets()[0] for c in ax.collections
             if c.get_label() in comparison.options}
    for option, (x, y) in means.items():
        assert x == pytest.approx(comparison.incremental(option, "qalys").mean())
        assert y == pytest.approx(comparison.incremental(option, "net_cost").mean())
    assert set(means) == set(comparison.options) - {comparison.baseline}
    (line,) = [ln for ln in ax.get_lines() if "per QALY" in ln.get_label()]
    x, y = line.get_data()
    np.testing.assert_allclose(np.asarray(y), 30_000 * np.asarray(x))
    assert "option − do nothing" in ax.get_xlabel()
    ax.figure.canvas.draw()


def test_acceptability_curves_add_up_and_follow_the_frontier(comparison):
    grid = [0.0, 20_000.0, 50_000.0, 100_000.0]
    ax = bpv.plot.ceac(comparison, thresholds=grid)
    curves = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    np.testing.assert_allclose(sum(curves[o] for o in comparison.options), 1.0)
    np.testing.assert_allclose(curves["frontier (CEAF)"],
                               comparison.ceac(grid)["frontier_probability"])
    ax.figure.canvas.draw()


def test_ranks_stack_to_one(comparison):
    ax = bpv.plot.ranks(comparison)
    heights = np.zeros(len(comparison.options))
    for bar_container in ax.containers:
        heights += [patch.get_height() for patch in bar_container]
    np.testing.assert_allclose(heights, 1.0)
    first = [patch.get_height() for patch in ax.containers[0]]
    np.testing.assert_allclose(first, [comparison.ranks()[o][0] for o in comparison.options])
    ax.figure.canvas.draw()


@pytest.fixture(scope="module")
def sensitivity(bid):
    return bpv.sensitivity(bid, metric="nmb", n_draws=5_000, rng=2, sobol_n=None,
                           switching=False)


def test_tornado_bars_span_the_metric_at_each_inputs_low_and_high(sensitivity):
    ax = bpv.plot.tornado(sensitivity, top=None)
    bars = ax.patches
    assert len(bars) == len(sensitivity.inputs)
    labels = dict(zip(ax.get_yticks(), (tick.get_text() for tick in ax.get_yticklabels()),
                      strict=True))
    for bar, row in zip(bars, sensitivity.inputs, strict=True):
        low, high = sorted((row.tornado.at_low, row.tornado.at_high))
        assert bar.get_x() == pytest.approx(low)
        assert bar.get_width() == pytest.approx(high - low)
        assert labels[bar.get_y() + bar.get_height() / 2] == row.input
    assert bars[0].get_y() == max(bar.get_y() for bar in bars)  # the widest at the top
    centre_line = ax.lines[0]
    assert centre_line.get_xdata()[0] == pytest.approx(sensitivity.centre)


def test_evppi_bars_are_the_values_and_the_evpi_line_bounds_them(sensitivity):
    ax = bpv.plot.evppi(sensitivity, groups=True)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == pytest.approx([group.evppi for group in sensitivity.groups])
    assert ax.lines[0].get_xdata()[0] == pytest.approx(sensitivity.evpi)
    assert max(widths) <= sensitivity.evpi


def test_each_plot_is_named_after_the_result_attribute_it_draws(result, comparison, sensitivity):
    # bpv.plot.<name> draws <result>.<name>; the earlier names still draw the same.
    pairs = {"ceac": comparison, "ranks": comparison, "ce_plane": comparison,
             "cash_flow": result, "organisations": result, "metric_node": result,
             "tornado": sensitivity.inputs[0], "evppi": sensitivity.inputs[0]}
    for name, subject in pairs.items():
        assert name in bpv.plot.__all__
        assert hasattr(subject, name), name
    for old, new, subject in (("acceptability", "ceac", comparison),
                              ("rank_probabilities", "ranks", comparison),
                              ("cash_flow_fan", "cash_flow", result)):
        assert old in bpv.plot.__all__
        assert getattr(bpv.plot, old) is getattr(bpv.plot, new)
        assert hasattr(subject, new), new


def test_plots_name_metrics_as_text_and_reports_do(result):
    from bpv._utils.formatting import metric_label

    assert bpv.plot.distribution(result, "qalys").get_xlabel() == "QALYs, discounted"
    assert bpv.plot.organisations(result).get_xlabel().startswith(metric_label("npv"))


# -- tracking ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diabetes_tracking():
    bid = bpv.load("examples/bids/diabetes_prevention.yaml")
    result = bpv.appraise(bid, n_draws=5_000, rng=2025, keep_flows=True, keep_inputs=True,
                          progress=False)
    tracked = bpv.track(result, "examples/tracking/diabetes_prevention_actuals.csv", bid=bid,
                        as_at="2026-12-07")
    return tracked, tracked.reforecast(rng=1)


def test_the_tracking_plot_draws_every_actual_as_an_annual_rate(diabetes_tracking):
    tracked, update = diabetes_tracking
    ax = bpv.plot.tracking(tracked, "participants", reforecast=update)
    rows = [row for row in tracked.status().rows if row.series == "participants"]
    points = np.concatenate([collection.get_offsets() for collection in ax.collections
                             if hasattr(collection, "get_offsets")
                             and len(collection.get_offsets())
                             and collection.get_label().startswith("actual")])
    assert sorted(points[:, 1]) == pytest.approx(sorted(row.actual / row.share for row in rows))
    median = next(line for line in ax.get_lines() if line.get_label() == "plan, median")
    np.testing.assert_allclose(median.get_ydata(), tracked.plan["participants"].median)
    again = next(line for line in ax.get_lines() if line.get_label() == "re-forecast, median")
    np.testing.assert_allclose(again.get_ydata(), update.forecast["participants"]["p50"])


def test_the_hypothesis_plot_puts_the_prior_interval_at_0_to_1(diabetes_tracking):
    _, update = diabetes_tracking
    ax = bpv.plot.hypothesis_update(update, top=3)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels[0] == "uptake (failing)"  # the most moved is drawn at the top
    assert len(labels) == 3
    first = update.hypotheses[0]
    posterior = next(line for line in ax.get_lines() if line.get_label() == "posterior 90%")
    low, high = posterior.get_xdata()
    width = first.prior_high - first.prior_low
    assert low == pytest.approx((first.posterior_low - first.prior_low) / width)
    assert high == pytest.approx((first.posterior_high - first.prior_low) / width)


# -- portfolio --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chosen_portfolio():
    from pathlib import Path
    bids = [bpv.load(path) for path in sorted(Path("examples/portfolio/bids").glob("*.yaml"))]
    return bpv.portfolio(bids, "examples/portfolio/constraints.yaml", n_draws=500, rng=1,
                         n_bootstrap=4, frontier_points=5)


def test_the_budget_frontier_draws_every_feasible_point_and_the_chosen_set(chosen_portfolio):
    ax = bpv.plot.frontier(chosen_portfolio)
    line, star = ax.lines
    feasible = [p for p in chosen_portfolio.budget_frontier if np.isfinite(p.value)]
    assert list(line.get_xdata()) == [p.level for p in feasible]
    assert list(line.get_ydata()) == [p.value for p in feasible]
    assert list(star.get_xdata()) == [1.0]
    assert list(star.get_ydata()) == [chosen_portfolio.expected_value]


def test_the_risk_frontier_puts_the_chosen_set_at_its_cvar(chosen_portfolio):
    ax = bpv.plot.frontier(chosen_portfolio, "risk")
    assert list(ax.lines[1].get_xdata()) == [chosen_portfolio.cvar]
    assert "CVaR0.1" in ax.get_xlabel()
    with pytest.raises(ValueError, match="'budget' or 'risk'"):
        bpv.plot.frontier(chosen_portfolio, "cost")


def test_the_portfolio_plot_colours_the_chosen_bids(chosen_portfolio):
    ax = bpv.plot.portfolio(chosen_portfolio)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [chosen_portfolio.bid_values[bid] for bid in chosen_portfolio.bids]
    blue = matplotlib.colors.to_rgba("#0072B2")
    chosen = {bid for bid, bar in zip(chosen_portfolio.bids, ax.patches, strict=True)
              if bar.get_facecolor() == blue}
    assert chosen == set(chosen_portfolio.chosen)
    assert len(ax.texts) == len(chosen_portfolio.bids)
