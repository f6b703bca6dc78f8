"""Pictures of bids and appraisals, with matplotlib.

Every function takes data and an optional ``ax`` (a new figure is made when it
is None), draws, and returns the Axes; none calls ``show`` or ``savefig``.
matplotlib is imported inside the functions only, so computing never loads it.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> result = bpv.appraise(bid, n_draws=2_000, rng=1)
>>> ax = bpv.plot.distribution(result, "nmb")
>>> ax.get_xlabel()
'Net monetary benefit'

Metrics are named as in every text and report (:func:`bpv._utils.formatting.metric_label`).
Each function is named after what it draws: ``bpv.plot.ceac`` draws
``Comparison.ceac()``, ``bpv.plot.ranks`` ``Comparison.ranks()`` and
``bpv.plot.cash_flow`` ``Appraisal.cash_flow()`` (also under their earlier
names ``acceptability``, ``rank_probabilities`` and ``cash_flow_fan``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_number, format_percent, format_value, metric_label
from bpv.engine.results import Appraisal
from bpv.errors import SpecError
from bpv.spec.bid import Bid
from bpv.spec.graph import KIND_RANK
from bpv.spec.graph import logic_model as _logic_model_graph

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from bpv.analysis.comparison import Comparison
    from bpv.analysis.sensitivity_result import Sensitivity
    from bpv.programme.result import Portfolio
    from bpv.tracking.reforecast_result import Reforecast
    from bpv.tracking.result import Tracking

__all__ = [
    "KIND_COLOURS",
    "acceptability",
    "cash_flow",
    "cash_flow_fan",
    "ce_plane",
    "ceac",
    "distribution",
    "evppi",
    "frontier",
    "hypothesis_update",
    "logic_model",
    "metric_node",
    "organisations",
    "portfolio",
    "rank_probabilities",
    "ranks",
    "tornado",
    "tracking",
]

#: Fill colour of each kind of node (colour-blind safe, Okabe-Ito).
KIND_COLOURS: dict[str, str] = {
    "input": "#E69F00",
    "activity": "#56B4E9",
    "output": "#009E73",
    "outcome": "#F0E442",
    "impact": "#CC79A7",
}
_EDGE_STYLES = {"formula": "solid", "success": "dotted", "depends_on": "dashed"}


def _axes(ax: Axes | None, **figure: Any) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    new: Axes
    _, new = plt.subplots(**figure)
    return new


def logic_model(bid: Bid, *, ax: Axes | None = None) -> Axes:
    """Draw the logic model as layers, inputs on the left to impacts on the right.

    Nodes are coloured by kind; an edge is solid where a formula uses the node,
    dotted for an activity's success parameter, dashed for a drawn-only
    ``depends_on`` link; an edge between two nodes of the same kind runs as a
    bracket beside their column, so the boxes between do not hide it. Nodes that carry
    a success hypothesis (a parameter with ``supports`` naming them) are
    outlined in black.

    Parameters
    ----------
    bid : Bid
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    graph = _logic_model_graph(bid)
    layers: dict[int, list[str]] = {}
    for node in bid.nodes:
        layers.setdefault(KIND_RANK[node.kind], []).append(node.id)
    tallest = max(len(ids) for ids in layers.values())
    ax = _axes(ax, figsize=(2.6 * len(KIND_RANK), max(3.0, 0.6 * tallest)))
    position = {
        node_id: (rank, (len(ids) - 1) / 2 - row)
        for rank, ids in layers.items() for row, node_id in enumerate(ids)
    }
    supported = {p.supports for p in bid.parameters.values() if p.is_hypothesis}
    brackets = dict.fromkeys(layers, 0)  # edges within each column so far: each its own lane
    for upstream, downstream, data in graph.edges(data=True):
        (x0, y0), (x1, y1) = position[upstream], position[downstream]
        style: dict[str, Any] = {"connectionstyle": "arc3", "shrinkA": 14, "shrinkB": 14}
        if x0 == x1:
            style = _bracket(bid, layers[int(x0)], upstream, downstream, lane=brackets[int(x0)])
            brackets[int(x0)] += 1
        edge = ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={
            "arrowstyle": "->", "linestyle": _EDGE_STYLES.get(data.get("via", ""), "solid"),
            "color": "0.35", **style})
        if edge.arrow_patch is not None:
            edge.arrow_patch.set_gid(f"{upstream}->{downstream}")
    for node in bid.nodes:
        x, y = position[node.id]
        ax.text(x, y, node.label or node.id, ha="center", va="center", fontsize=8,
                gid=node.id, bbox={
                    "boxstyle": "round,pad=0.35", "facecolor": KIND_COLOURS[node.kind],
                    "edgecolor": "black" if node.id in supported else "0.6",
                    "linewidth": 1.6 if node.id in supported else 0.6,
                    "linestyle": "dashed" if node.is_qualitative else "solid"})
    ax.set_xticks(range(len(KIND_RANK)), list(KIND_RANK))
    ax.set_xlim(-0.6, len(KIND_RANK) - 0.4)
    ax.set_ylim(-tallest / 2 - 0.2, tallest / 2 + 0.2)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(bid.title)
    return ax


#: Points per character of a node's label at its font size (8 pt), and the box's padding.
_POINTS_PER_CHARACTER, _BOX_PADDING = 4.9, 4.0


def _bracket(bid: Bid, column: list[str], upstream: str, downstream: str, *,
             lane: int) -> dict[str, Any]:
    """Route an edge within one column as a bracket beside it, clear of the boxes between.

    A straight edge would run up the column behind the boxes; this one leaves the
    upstream box to the right, runs beside the widest box it passes (in its own
    ``lane``, 7 points further out than the last) and comes back.
    """
    def half_width(node_id: str) -> float:
        node = bid.node(node_id)
        return len(node.label or node.id) * _POINTS_PER_CHARACTER / 2 + _BOX_PADDING

    low, high = sorted((column.index(upstream), column.index(downstream)))
    arm = max(half_width(node_id) for node_id in column[low:high + 1]) + 10 + 7 * lane
    return {"connectionstyle": f"arc,angleA=0,angleB=0,armA={arm:.0f},armB={arm:.0f},rad=6",
            "shrinkA": half_width(upstream), "shrinkB": half_width(downstream)}


def distribution(appraisal: Appraisal, metric: str = "npv", *, ax: Axes | None = None,
                 bins: int = 60) -> Axes:
    """Draw the distribution of a metric with its mean, median, 90% interval and P(> 0).

    Parameters
    ----------
    appraisal : Appraisal
    metric : str, default 'npv'
    ax : matplotlib Axes, optional
    bins : int, default 60

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    draws = np.asarray(appraisal.subsample(metric))
    finite = draws[np.isfinite(draws)]
    stats = appraisal.summary(metrics=[metric]).rows[metric]
    ax.hist(finite, bins=bins, color="#56B4E9", edgecolor="white", linewidth=0.3)
    ax.axvspan(stats["p5"], stats["p95"], color="0.85", zorder=0, label="90% interval")
    ax.axvline(stats["mean"], color="black", label="mean")
    ax.axvline(stats["median"], color="black", linestyle="dashed", label="median")
    if finite.size and finite.min() < 0 < finite.max():
        ax.axvline(0.0, color="#D55E00", linewidth=0.8)
    share = appraisal.probability(metric, ">", 0)
    ax.set_title(f"{metric_label(metric, 'short')}: P(> 0) = {format_percent(share)}")
    ax.set_xlabel(metric_label(metric))
    ax.set_ylabel("draws")
    ax.legend(frameon=False, fontsize=8)
    return ax


def organisations(appraisal: Appraisal, metric: str = "npv", *, ax: Axes | None = None,
                  names: dict[str, str] | None = None) -> Axes:
    """Draw who gains and who pays: each organisation's mean with its 90% interval.

    Parameters
    ----------
    appraisal : Appraisal
    metric : str, default 'npv'
    ax : matplotlib Axes, optional
    names : dict of str to str, optional
        Display names by organisation id.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    ids = list(appraisal.organisations)
    rows = [appraisal.organisation(org).summary(metrics=[metric]).rows[metric] for org in ids]
    means = np.array([row["mean"] for row in rows])
    # A quantile can fall a rounding error past the mean when a scope has no spread
    # (every flow fixed); an error bar is a distance, so it is at least 0.
    low = np.maximum(means - np.array([row["p5"] for row in rows]), 0.0)
    high = np.maximum(np.array([row["p95"] for row in rows]) - means, 0.0)
    colours = ["#009E73" if mean >= 0 else "#D55E00" for mean in means]
    positions = np.arange(len(ids))
    ax.barh(positions, means, color=colours, xerr=[low, high], capsize=3)
    ax.set_yticks(positions, [(names or {}).get(org, org) for org in ids])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(f"{metric_label(metric)}: mean, 90% interval")
    ax.set_title("Who gains and who pays")
    return ax


def _bands(ax: Axes, values: NDArray[np.float64], labels: Sequence[str],
           colour: str) -> NDArray[np.intp]:
    """Shade the 90% and 50% bands of per-draw values by period; label the periods.

    Returns the period positions on the x axis.
    """
    periods = np.arange(len(labels))
    low, quarter, three_quarters, high = np.quantile(values, [0.05, 0.25, 0.75, 0.95], axis=0)
    ax.fill_between(periods, low, high, color=colour, alpha=0.3, label="90%")
    ax.fill_between(periods, quarter, three_quarters, color=colour, alpha=0.6, label="50%")
    ax.set_xticks(periods, labels)
    return periods


def metric_node(appraisal: Appraisal, node_id: str, *, ax: Axes | None = None) -> Axes:
    """Draw a metric node's values by period: the mean with 50% and 90% bands.

    This is the planned trajectory that delivery will be tracked against.

    Parameters
    ----------
    appraisal : Appraisal
    node_id : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    node = appraisal.metric_node(node_id)
    periods = _bands(ax, node.values, node.periods, "#56B4E9")
    mean = node.by_period().rows
    ax.plot(periods, [mean[p]["mean"] for p in node.periods], color="black", marker="o",
            label="mean")
    ax.set_ylabel(node.unit or node_id)
    ax.set_title(node_id)
    ax.legend(frameon=False, fontsize=8)
    return ax


def cash_flow(appraisal: Appraisal, organisation: str | None = None, *,
              ax: Axes | None = None) -> Axes:
    """Draw cumulative net cash flow by period: the median with 50% and 90% bands.

    Net cash flow is cash-releasing benefit (and an organisation's income)
    less cost, undiscounted, as for the payback period; the line crosses 0
    where the investment has paid back. Bands come from the appraisal's
    subsample of net cash flows (every draw of a run of up to 32,768).

    Parameters
    ----------
    appraisal : Appraisal
    organisation : str, optional
        An organisation id; the system when None.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> cash_flow(result, "acute").get_title()
    'Cumulative net cash flow: acute'
    """
    ax = _axes(ax)
    flow = appraisal.cash_flow(organisation)
    cumulative = flow.cumulative
    periods = _bands(ax, cumulative, flow.periods, "#E69F00")
    ax.plot(periods, np.median(cumulative, axis=0), color="black", marker="o", label="median")
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_ylabel("cumulative net cash flow (GBP, undiscounted)")
    ax.set_title(f"Cumulative net cash flow: {flow.scope}")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return ax


def ce_plane(comparison: Comparison, *, ax: Axes | None = None, threshold: float | None = None,
             max_points: int = 4_000) -> Axes:
    """Draw the cost-effectiveness plane: incremental QALYs against incremental net cost.

    One cloud per option against the comparison's baseline (option − baseline,
    as the axis labels say), each option's mean as a larger marker, and the
    line of a willingness-to-pay threshold (default the first of the
    comparison's thresholds): options below it are cost-effective at it.

    Parameters
    ----------
    comparison : Comparison
    ax : matplotlib Axes, optional
    threshold : float, optional
        GBP per QALY for the threshold line.
    max_points : int, default 4000
        Draws shown per option (every k-th draw), to keep the picture light.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    for index, option in enumerate(o for o in comparison.options if o != comparison.baseline):
        plane = comparison.ce_plane(option)
        step = max(1, plane["qalys"].size // max_points)
        colour = f"C{index}"
        ax.scatter(plane["qalys"][::step], plane["net_cost"][::step], s=3, alpha=0.25,
                   color=colour, linewidths=0)
        ax.scatter([plane["qalys"].mean()], [plane["net_cost"].mean()], s=60, color=colour,
                   edgecolors="black", label=option, zorder=3)
    lam = comparison.thresholds[0] if threshold is None else threshold
    left, right = ax.get_xlim()
    ax.plot([left, right], [lam * left, lam * right], color="0.3", linestyle="dashed",
            label=f"{format_value(lam, 'money')} per QALY")
    ax.set_xlim(left, right)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel(f"incremental QALYs (option − {comparison.baseline})")
    ax.set_ylabel(f"incremental net cost, GBP (option − {comparison.baseline})")
    ax.set_title("Cost-effectiveness plane")
    ax.legend(frameon=False, fontsize=8)
    return ax


def ceac(comparison: Comparison, *, thresholds: Sequence[float] | None = None,
         ax: Axes | None = None) -> Axes:
    """Draw the acceptability curves (CEAC) of every option and the frontier (CEAF).

    Each curve is the probability that the option has the highest net
    monetary benefit at λ; the frontier, drawn thick, follows the option with
    the highest *expected* net monetary benefit.

    Parameters
    ----------
    comparison : Comparison
    thresholds : sequence of float, optional
        λ grid, GBP per QALY (default 0 to 100,000 in steps of 1,000).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> comparison = bpv.compare([bpv.load("examples/bids/frailty_virtual_ward.yaml")],
    ...                          n_draws=1_000, rng=1)
    >>> len(ceac(comparison, thresholds=[0, 20_000, 40_000]).get_lines())
    3
    """
    ax = _axes(ax)
    data = comparison.ceac(thresholds)
    grid = np.asarray(data["thresholds"])
    for index, option in enumerate(comparison.options):
        ax.plot(grid, data["curves"][option], color=f"C{index}", label=option)
    ax.plot(grid, data["frontier_probability"], color="black", linewidth=3, alpha=0.35,
            label="frontier (CEAF)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("willingness to pay, GBP per QALY")
    ax.set_ylabel("probability of the highest net monetary benefit")
    ax.set_title("Acceptability curves and frontier")
    ax.legend(frameon=False, fontsize=8)
    return ax


def ranks(comparison: Comparison, quantity: str | None = None, *,
          ax: Axes | None = None) -> Axes:
    """Draw each option's probability of each rank (1 = best) by a quantity, as stacked bars.

    Parameters
    ----------
    comparison : Comparison
    quantity : str, optional
        Default the comparison's metric (``npv``); ``nmb@30000`` and the like work.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> comparison = bpv.compare([bpv.load("examples/bids/frailty_virtual_ward.yaml")],
    ...                          n_draws=1_000, rng=1)
    >>> ranks(comparison).get_title()
    'Ranks by NPV (1 = best)'
    """
    ax = _axes(ax)
    shares_by_option = comparison.ranks(quantity)
    options = list(comparison.options)
    positions = np.arange(len(options))
    bottom = np.zeros(len(options))
    for rank in range(len(options)):
        shares = np.array([shares_by_option[option][rank] for option in options])
        ax.bar(positions, shares, bottom=bottom, label=f"rank {rank + 1}",
               color=f"C{rank}")
        bottom += shares
    ax.set_xticks(positions, options, rotation=20, ha="right")
    ax.set_ylabel("probability")
    ax.set_title(f"Ranks by {metric_label(quantity or comparison.metric, 'short')} (1 = best)")
    ax.legend(frameon=False, fontsize=8)
    return ax


def tornado(sensitivity: Sensitivity, *, top: int | None = 15, ax: Axes | None = None) -> Axes:
    """Draw the one-way tornado: each input's bar from the metric at its low to its high value.

    Bars start at the metric with every input at its centre value (the
    vertical line); the widest bar is at the top. A bar's colour says whether
    the input's high value raises (blue) or lowers (orange) the metric.

    Parameters
    ----------
    sensitivity : Sensitivity
        From :func:`bpv.sensitivity`.
    top : int or None, default 15
        Draw only this many of the widest bars (None for all).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.sensitivity(bid, n_draws=2_000, rng=1, sobol_n=None, switching=False)
    >>> ax = tornado(result)
    >>> len(ax.patches) == len(result.inputs)
    True
    """
    rows = list(sensitivity.inputs[:top] if top is not None else sensitivity.inputs)
    ax = _axes(ax, figsize=(7.0, 0.45 * len(rows) + 1.5))
    centre = sensitivity.centre
    positions = np.arange(len(rows))[::-1]
    for position, row in zip(positions, rows, strict=True):
        bar = row.tornado
        left = min(bar.at_low, bar.at_high)
        colour = "#0072B2" if bar.at_high >= bar.at_low else "#D55E00"
        ax.barh(position, bar.swing, left=left, color=colour, height=0.6)
        # Each end is labelled with the input's value, outside the bar.
        left_end, right_end = sorted(((bar.at_low, bar.low), (bar.at_high, bar.high)),
                                     key=lambda end: end[0])
        for (at, value), side in ((left_end, -1), (right_end, 1)):
            ax.annotate(format_number(value, "short"), (at, position), textcoords="offset points",
                        xytext=(3 * side, 0), va="center",
                        ha="left" if side > 0 else "right", fontsize=7)
    ax.axvline(centre, color="black", linewidth=0.8)
    ax.set_yticks(positions, [row.input for row in rows])
    ax.set_xlabel(f"{metric_label(sensitivity.metric)}: input at its p10 and p90, the rest at "
                  "the centre")
    ax.set_title(f"Tornado: {metric_label(sensitivity.metric, 'short')} of {sensitivity.bid_id}")
    ax.margins(x=0.15)
    return ax


def evppi(sensitivity: Sensitivity, *, groups: bool = False, ax: Axes | None = None) -> Axes:
    """Draw the EVPPI of each input (or each group) as bars, with the EVPI as a line.

    Parameters
    ----------
    sensitivity : Sensitivity
    groups : bool, default False
        Bars for the groups (by link or hypothesis) instead of single inputs.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.sensitivity(bid, metric="nmb", n_draws=2_000, rng=1, sobol_n=None,
    ...                          switching=False)
    >>> ax = evppi(result, groups=True)
    >>> len(ax.patches) == len(result.groups)
    True
    """
    if sensitivity.evpi is None:
        msg = (f"no EVPPI for metric '{sensitivity.metric}': the value of information is given "
               "for npv and nmb only (net values in pounds whose sign is the decision to fund)")
        raise SpecError(msg)
    named = ([(group.name, group.evppi or 0.0) for group in sensitivity.groups] if groups else
             sorted(((row.input, row.evppi or 0.0) for row in sensitivity.inputs),
                    key=lambda pair: -pair[1]))
    ax = _axes(ax, figsize=(7.0, 0.4 * len(named) + 1.5))
    positions = np.arange(len(named))[::-1]
    ax.barh(positions, [value for _, value in named], color="#009E73", height=0.6)
    ax.axvline(sensitivity.evpi, color="black", linestyle="dashed", linewidth=0.8,
               label=f"EVPI {format_number(sensitivity.evpi, 'short')}")
    ax.set_yticks(positions, [name for name, _ in named])
    what = f"groups by {sensitivity.group_by}" if groups else "inputs"
    ax.set_xlabel(f"EVPPI, {metric_label(sensitivity.metric)}: value of learning it before "
                  "deciding")
    ax.set_title(f"Value of information, {what}: {sensitivity.bid_id}")
    ax.legend(frameon=False, fontsize=8)
    return ax


# The earlier names of three plots, from before each was named after the result it
# draws (Appraisal.cash_flow, Comparison.ceac, the comparison's ranks); documented
# and used in notebooks, so they stay.
cash_flow_fan = cash_flow
acceptability = ceac
rank_probabilities = ranks


#: RAG colours (colour-blind safe: Okabe-Ito green, orange, vermillion).
RAG_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00"}


def tracking(tracked: Tracking, series: str, *, reforecast: Reforecast | None = None,
             ax: Axes | None = None) -> Axes:
    """Draw one series' plan by year as a fan, its actuals as points, and the re-forecast.

    The plan's 90% and 50% bands and its median are drawn by financial year;
    each actual is drawn at its year as an annual rate (its value divided by
    the share of the year it covers), coloured by its RAG rating, hollow when
    it covers part of a year. With ``reforecast``, the posterior's median and
    90% band are drawn over them, dashed.

    Parameters
    ----------
    tracked : Tracking
        ``bpv.track(...)``.
    series : str
        A series label: ``'admissions_avoided'``, ``'costs (community)'``.
    reforecast : Reforecast, optional
        ``tracked.reforecast()``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.appraise(bid, n_draws=2_000, rng=1, keep_flows=True, progress=False)
    >>> tracked = bpv.track(result, "examples/tracking/frailty_virtual_ward_actuals.csv",
    ...                     bid=bid, as_at="2026-12-07")
    >>> tracking(tracked, "costs (community)").get_title()
    'costs (community): plan, actuals and RAG'
    """
    ax = _axes(ax, figsize=(7.5, 4.0))
    planned = tracked.plan[series]
    years = np.arange(len(planned.periods))
    ax.fill_between(years, planned.p5, planned.p95, color="#56B4E9", alpha=0.25, linewidth=0,
                    label="plan, 90% band")
    ax.fill_between(years, planned.p25, planned.p75, color="#56B4E9", alpha=0.45, linewidth=0,
                    label="plan, 50% band")
    ax.plot(years, planned.median, color="#0072B2", label="plan, median")
    rows = [row for row in tracked.status().rows if row.series == planned.label]
    for rag, colour in RAG_COLOURS.items():
        chosen = [row for row in rows if row.rag == rag]
        if not chosen:
            continue
        label: str | None = f"actual, {rag}"
        for whole in (True, False):
            group = [row for row in chosen if (row.share >= 1) == whole]
            if group:
                ax.scatter([row.year for row in group],
                           [row.actual / row.share for row in group], s=36, zorder=3,
                           edgecolors=colour, facecolors=colour if whole else "none",
                           linewidths=1.5, label=label)
                label = None
    if reforecast is not None and planned.label in reforecast.forecast:
        path = reforecast.forecast[planned.label]
        ax.plot(years, path["p50"], color="black", linestyle="dashed",
                label="re-forecast, median")
        ax.fill_between(years, path["p5"], path["p95"], facecolor="none", edgecolor="black",
                        hatch="//", linewidth=0, alpha=0.35, label="re-forecast, 90% band")
    ax.set_xticks(years, planned.periods)
    ax.set_ylabel(f"{planned.unit or series} a year" if planned.unit else series)
    ax.set_title(f"{planned.label}: plan, actuals and RAG")
    ax.legend(frameon=False, fontsize=8)
    return ax


def hypothesis_update(reforecast: Reforecast, *, top: int | None = 10,
                      ax: Axes | None = None) -> Axes:
    """Draw each hypothesis's prior and posterior 90% intervals, the most moved first.

    Each row is drawn on its own prior's scale, so rows of different units
    compare: 0 and 1 are the ends of the prior's 90% interval. The posterior's
    interval and mean are drawn over it, in vermillion when the hypothesis is
    failing (moved to the side that lowers value).

    Parameters
    ----------
    reforecast : Reforecast
    top : int or None, default 10
        Rows drawn (the most moved); None draws all.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    rows = list(reforecast.hypotheses)[:top] if top is not None else list(reforecast.hypotheses)
    ax = _axes(ax, figsize=(7.5, 1.2 + 0.45 * max(len(rows), 1)))
    positions = np.arange(len(rows))[::-1]
    for position, row in zip(positions, rows, strict=True):
        low, high = row.prior_low, row.prior_high
        width = (high - low) or 1.0

        def scaled(value: float, low: float = low, width: float = width) -> float:
            return (value - low) / width

        ax.plot([0, 1], [position + 0.12] * 2, color="#56B4E9", linewidth=5,
                solid_capstyle="butt", label="prior 90%" if position == positions[0] else None)
        ax.plot([scaled(row.prior_mean)], [position + 0.12], marker="|", color="#0072B2",
                markersize=10)
        colour = RAG_COLOURS["red"] if row.failing else "black"
        ax.plot([scaled(row.posterior_low), scaled(row.posterior_high)], [position - 0.12] * 2,
                color=colour, linewidth=3, solid_capstyle="butt",
                label="posterior 90%" if position == positions[0] else None)
        ax.plot([scaled(row.posterior_mean)], [position - 0.12], marker="o", color=colour,
                markersize=5)
    ax.set_yticks(positions, [f"{row.name}{' (failing)' if row.failing else ''}"
                              for row in rows])
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.axvline(1, color="grey", linewidth=0.5)
    ax.set_xlabel("position in the prior's 90% interval (0 = its 5th percentile, 1 = its 95th)")
    ax.set_title(f"What the actuals say of each hypothesis: {reforecast.bid_id}")
    ax.legend(frameon=False, fontsize=8)
    return ax


def frontier(portfolio: Portfolio, kind: str = "budget", *, ax: Axes | None = None) -> Axes:
    """Draw an efficient frontier of a portfolio: the best expected value at each budget or risk.

    Parameters
    ----------
    portfolio : Portfolio
        From :func:`bpv.portfolio`, with ``frontier_points`` > 0.
    kind : {'budget', 'risk'}, default 'budget'
        ``budget``: every budget scaled together (1 is as given). ``risk``:
        the floor on the CVaR of the portfolio's NPV.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line through the points (where some set is feasible), the chosen
        portfolio marked.
    """
    if kind not in ("budget", "risk"):
        msg = f"kind must be 'budget' or 'risk', got {kind!r}"
        raise ValueError(msg)
    ax = _axes(ax)
    points = portfolio.budget_frontier if kind == "budget" else portfolio.risk_frontier
    feasible = [p for p in points if np.isfinite(p.value)]
    ax.plot([p.level for p in feasible], [p.value for p in feasible], marker="o",
            color="#0072B2", drawstyle="steps-post" if kind == "budget" else "default",
            label="best expected value")
    here = 1.0 if kind == "budget" else portfolio.cvar
    ax.plot([here], [portfolio.expected_value], marker="*", markersize=14, color="#D55E00",
            linestyle="none", label="chosen portfolio")
    objective = portfolio.objective.upper()
    ax.set_ylabel(f"Expected system {objective} (GBP)")
    ax.set_xlabel("Every budget scaled by (1 = as given)" if kind == "budget" else
                  f"Floor on CVaR{portfolio.alpha:g} of portfolio NPV (GBP)")
    ax.set_title("Efficient frontier: value against budget" if kind == "budget" else
                 "Efficient frontier: value against risk")
    ax.legend(loc="best")
    return ax


def portfolio(portfolio: Portfolio, *, ax: Axes | None = None) -> Axes:
    """Draw the bids: each one's expected value, the chosen ones coloured, with bootstrap shares.

    Parameters
    ----------
    portfolio : Portfolio
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        A bar per bid (chosen: blue; not: grey), labelled with the share of
        bootstrap resamples in which it is chosen.
    """
    ax = _axes(ax)
    bids = list(portfolio.bids)
    values = np.array([portfolio.bid_values[bid] for bid in bids])
    colours = ["#0072B2" if bid in portfolio.chosen else "#BBBBBB" for bid in bids]
    positions = np.arange(len(bids))
    bars = ax.barh(positions, values, color=colours)
    for bar, bid in zip(bars, bids, strict=True):
        share = portfolio.bootstrap.get(bid)
        if share is not None and np.isfinite(share):
            ax.annotate(f"chosen in {format_percent(share, 0)}", (bar.get_width(), bar.get_y()
                        + bar.get_height() / 2), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8)
    ax.set_yticks(positions, bids)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Expected system {portfolio.objective.upper()} of each bid alone (GBP)")
    ax.set_title(f"Chosen: {len(portfolio.chosen)} of {len(bids)} bids")
    return ax
