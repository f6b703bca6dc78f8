"""The HTML comparison report: several bids compared on common random numbers, in one file.

:func:`report_comparison` lays out a :class:`~bpv.Comparison` with the
jinja2 template ``bpv/reporting/templates/comparison.html.j2`` (autoescaped, like the
appraisal report, whose page, style sheet and helpers it shares through
:mod:`bpv._html`): the options and the comparator convention, stated before
anything else; the increments over the baseline; the probability each option
is best, the distribution of ranks and the EVPI; the cost-effectiveness
frontier with dominance and ICERs, the cost-effectiveness plane and the
acceptability curves; each bid's own headline results; the Monte Carlo
settings and the provenance (seed, draws, bpv version, each bid's hash).

The file has no scripts and no links out; it is written whole or not at all.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from bpv import plot
from bpv._utils.formatting import (
    Form,
    format_pounds,
    format_probability,
    format_value,
    metric_form,
    metric_label,
)
from bpv._utils.output import write_whole
from bpv._utils.validation import check_instance
from bpv._version import __version__
from bpv.analysis.comparison import DEFAULT_THRESHOLDS, DO_NOTHING, Comparison
from bpv.analysis.decision import FrontierRow
from bpv.discounting import DISCOUNTING
from bpv.engine.monte_carlo import bid_hash
from bpv.engine.results import Appraisal
from bpv.errors import SpecError
from bpv.programme.result import Portfolio
from bpv.reporting._html import (
    Cell,
    Figure,
    Setting,
    cell,
    entropy_text,
    environment,
    in_pounds,
    numbered,
    replayable_from_command_line,
    sampling_rows,
    seed_argument,
    svg_uri,
)
from bpv.reporting._html_portfolio import portfolio_context, portfolio_figures
from bpv.spec.bid import Bid

__all__ = ["report_comparison"]

TEMPLATE = "comparison.html.j2"

_SECTIONS = (("options", "The options"), ("incremental", "Increments over the baseline"),
             ("organisations", "Each organisation and the natural units"),
             ("best", "Which is best"), ("cost-effectiveness", "Cost-effectiveness"),
             ("bids", "Each bid on its own"), ("monte-carlo", "Monte Carlo"),
             ("provenance", "Provenance"))
#: Increments shown for each option, before NMB at each threshold.
_QUANTITIES = (("npv", "Δ net present value", "positive: adds value over the baseline"),
               ("net_cost", "Δ net cost", "PV costs − PV benefits; positive: costs more"),
               ("qalys", "Δ QALYs gained", "discounted"))
_STATUS = {"frontier": "On the frontier", "dominated": "Dominated",
           "extendedly dominated": "Extendedly dominated", "tied": "Tied"}


def report_comparison(comparison: Comparison, path: str | os.PathLike[str] | None = None, *,
                      bids: Sequence[Bid] | None = None,
                      portfolio: Portfolio | None = None) -> str:
    """Return a comparison of bids as one self-contained HTML page, and write it if asked.

    The page states the comparator convention (which option is subtracted
    from which) before anything else, then holds: the options; each option's
    increments over the baseline (NPV, net cost, QALYs and net monetary
    benefit at each threshold: mean, median, 90% interval and P(> 0)); the
    probability each option is best, by the comparison's metric and by NMB
    at each threshold, the probability of each rank, and the EVPI; the
    cost-effectiveness frontier with dominance, extended dominance and ICERs;
    the cost-effectiveness plane, the acceptability curves with the frontier
    (CEAC, CEAF) and the rank probabilities as figures; each bid's own
    headline results; the Monte Carlo settings; and the provenance (bpv
    version, seed, draws, each bid's hash). Text from the bids is escaped.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`bpv.compare`.
    path : str or path-like, optional
        Where to write the page (UTF-8), whole or not at all: to a temporary
        file beside it, then renamed.
    bids : sequence of Bid
        The bids compared (keyword only), one per appraisal of the
        comparison, each checked against its appraisal's bid hash. Required:
        a Comparison holds appraisals, not bids.
    portfolio : Portfolio, optional
        The portfolio chosen from the same bids (:func:`bpv.portfolio`): adds
        a section with the chosen set, every constraint's slack, the value
        of more budget, the frontiers and the bootstrap shares.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    SpecError
        If ``comparison`` is not a Comparison, or ``bids`` are missing, lack
        one of the options, hold one that is not an option, or one is not the
        bid that was appraised.
    OSError
        If ``path`` cannot be written.

    See Also
    --------
    bpv.compare : the comparison itself.
    bpv.report : the report of one bid.

    References
    ----------
    G. Baio, A. Berardi and A. Heath, *Bayesian Cost-Effectiveness Analysis
    with the R package BCEA* (Springer, 2017). NICE, *NICE health technology
    evaluations: the manual* (PMG36, 2022), section 4.

    Examples
    --------
    >>> import bpv
    >>> bids = [bpv.load(f"examples/portfolio/bids/{name}.yaml")
    ...         for name in ("falls_prevention", "virtual_ward_expansion")]
    >>> comparison = bpv.compare(bids, n_draws=2_000, rng=1)
    >>> html = bpv.report_comparison(comparison, bids=bids)
    >>> "option − do nothing" in html, "Cost-effectiveness frontier" in html
    (True, True)
    """
    check_instance(comparison, Comparison, name="comparison", function="report_comparison",
                   expected="a bpv.Comparison (use bpv.compare)")
    by_id = _the_bids(comparison, bids)
    context = {**_context(comparison, by_id), "portfolio": None}
    if portfolio is not None:
        check_instance(portfolio, Portfolio, name="portfolio", function="report_comparison",
                       expected="a bpv.Portfolio (use bpv.portfolio)")
        if set(portfolio.bids) != set(by_id):
            msg = ("the portfolio was chosen from other bids than those compared: "
                   f"{', '.join(sorted(set(portfolio.bids) ^ set(by_id)))}")
            raise SpecError(msg)
        sections = [*_SECTIONS]
        sections.insert(sections.index(("bids", "Each bid on its own")),
                        ("portfolio", "The portfolio"))
        context |= numbered(sections)
        context["portfolio"] = portfolio_context(portfolio)
        context["figures"] += [{"section": f.section, "title": f.title, "caption": f.caption,
                                "uri": svg_uri(f)} for f in portfolio_figures(portfolio)]
    html = environment().get_template(TEMPLATE).render(context)
    if path is not None:
        write_whole(path, html)
    return html


def _the_bids(comparison: Comparison, bids: Sequence[Bid] | None) -> dict[str, Bid]:
    """Return the bids by id, checked against the comparison's appraisals."""
    expected = ("the list of bpv.Bid objects that were compared "
                "(report_comparison(comparison, bids=bids))")
    if isinstance(bids, str) or not isinstance(bids, Sequence):
        check_instance(bids, (list, tuple), name="bids", function="report_comparison",
                       expected=expected)
    assert bids is not None  # noqa: S101 - None is not a Sequence
    for bid in bids:
        check_instance(bid, Bid, name="bids", function="report_comparison", expected=expected)
    by_id = {bid.id: bid for bid in bids}
    missing = [option for option in comparison.appraisals if option not in by_id]
    extra = [bid_id for bid_id in by_id if bid_id not in comparison.appraisals]
    if missing or extra:
        problem = (f"lacks {', '.join(repr(m) for m in missing)}" if missing
                   else f"has {', '.join(repr(e) for e in extra)}, not compared")
        msg = (f"The 'bids' parameter of report_comparison must hold each bid compared, "
               f"{', '.join(repr(o) for o in comparison.appraisals)}; it {problem}.")
        raise SpecError(msg)
    for bid_id, appraisal in comparison.appraisals.items():
        given = bid_hash(by_id[bid_id])
        if appraisal.bid_hash and given != appraisal.bid_hash:
            msg = (f"The 'bids' parameter of report_comparison must hold the bids that were "
                   f"compared: bid '{bid_id}' hashes to {given[:12]}…, its appraisal to "
                   f"{appraisal.bid_hash[:12]}…. Pass the Bids given to bpv.compare.")
            raise SpecError(msg)
    return {option: by_id[option] for option in comparison.appraisals}


# -- the context the template lays out ---------------------------------------------------


def _context(comparison: Comparison, bids: dict[str, Bid]) -> dict[str, Any]:
    figures = [{"section": figure.section, "title": figure.title, "caption": figure.caption,
                "uri": svg_uri(figure)} for figure in _figures(comparison)]
    first = next(iter(comparison.appraisals.values()))
    means = comparison.values(comparison.metric).mean(axis=0)
    best = comparison.options[int(np.argmax(means))]
    shares = comparison.probability_best()
    likely = max(shares, key=lambda option: shares[option])
    metric = _name(comparison.metric)
    return {
        **numbered(_SECTIONS),
        "version": __version__,
        "n_bids": len(bids),
        "draws": f"{first.n_draws:,}",
        "baseline": comparison.baseline,
        "baseline_words": _baseline_words(comparison, bids),
        "convention": comparison.convention,
        "thresholds": ", ".join(format_value(lam, "money") for lam in comparison.thresholds),
        "metric": metric,
        "key_figures": [
            {"label": f"Highest expected {metric}", "text": best, "name": True},
            {"label": f"Most often best by {metric}: {format_probability(shares[likely])} of draws",
             "text": likely, "name": True},
            {"label": f"Worth of perfect information (EVPI, {metric}, per decision)",
             "text": format_value(comparison.evpi(), metric_form(comparison.metric))},
        ],
        "options": _options(comparison, bids),
        "incremental": _incremental(comparison),
        "notices": list(comparison.notices),
        "by_organisation": _by_organisation(comparison),
        "metric_nodes": _metric_nodes(comparison),
        "best": _best(comparison),
        "best_readings": _best_readings(comparison, best, shares),
        "ranks": _ranks(comparison),
        "evpi": _evpi(comparison),
        "frontier": [_frontier_row(row, comparison.thresholds) for row in comparison.frontier()],
        "headlines": [_headline(option, comparison.appraisals[option], bids[option])
                      for option in bids],
        "monte_carlo": _monte_carlo(comparison),
        "provenance": _provenance(comparison, bids),
        "figures": figures,
    }


def _name(quantity: str) -> str:
    """Name a quantity for a reader: ``NPV``, ``NMB at £30,000 per QALY``."""
    return metric_label(quantity, "short")


def _baseline_words(comparison: Comparison, bids: dict[str, Bid]) -> str:
    if comparison.baseline == DO_NOTHING:
        return ("The baseline is doing nothing: zero costs and zero benefits in every draw, so "
                "an increment over it is the option's own value.")
    return (f"The baseline is the bid ‘{comparison.baseline}’ "
            f"({bids[comparison.baseline].title}): every other option is measured against it.")


def _figures(comparison: Comparison) -> list[Figure]:
    others = [option for option in comparison.options if option != comparison.baseline]
    figures = [Figure(
        section="best", title="Rank probabilities",
        caption=f"The probability of each rank by {_name(comparison.metric)} (rank 1 = best), "
                "option by option, over the same draws.",
        draw=lambda ax: plot.ranks(comparison, ax=ax),
        size=(7.5, 3.6))]
    if others:
        lam = comparison.thresholds[0] if comparison.thresholds else 20_000.0
        figures += [
            Figure(section="cost-effectiveness", title="Cost-effectiveness plane",
                   caption=(
                       f"Each draw of each option's incremental QALYs (across) and incremental net "
                       f"cost (up), option − {comparison.baseline}; the large markers are the "
                       f"means. Below the dashed line ({format_value(lam, 'money')} per QALY) an "
                       "option is cost-effective at that threshold."),
                   draw=lambda ax: in_pounds(plot.ce_plane(comparison, ax=ax, threshold=lam),
                                             axis="y"), size=(7.5, 4.2)),
            Figure(section="cost-effectiveness", title="Acceptability curves and frontier",
                   caption=(
                       "For each willingness to pay per QALY, the probability that each option has "
                       "the highest net monetary benefit (CEAC); the thick grey line follows the "
                       "option of highest expected net monetary benefit (CEAF)."),
                   draw=lambda ax: plot.ceac(comparison, ax=ax), size=(7.5, 3.6)),
        ]
    return figures


def _options(comparison: Comparison, bids: dict[str, Bid]) -> list[dict[str, Any]]:
    rows = []
    for option in comparison.options:
        bid = bids.get(option)
        row: dict[str, Any] = {"id": option, "baseline": option == comparison.baseline,
                               "title": "Zero costs and benefits in every draw",
                               "sponsor": "", "horizon": "", "discounting": "",
                               "qaly_value": ""}
        if bid is not None:
            settings = bid.settings
            row.update(title=bid.title, sponsor=bid.sponsor or "",
                       horizon=(f"{bid.horizon} year{'s' * (bid.horizon != 1)} from "
                                f"{bid.period_labels[0]}"),
                       discounting=DISCOUNTING[settings.discounting].title,
                       qaly_value=format_value(settings.qaly_value, "money"))
        rows.append(row)
    return rows


def _incremental(comparison: Comparison) -> list[dict[str, Any]]:
    """Rows of increments, option by option; keys are those of ``comparison.summary()``."""
    summary = comparison.summary().rows
    quantities = [*_QUANTITIES, *((f"nmb@{lam:g}", f"Δ {metric_label(f'nmb@{lam:g}', 'short')}",
                                   "λ × ΔQALYs − Δnet cost") for lam in comparison.thresholds)]
    groups = []
    for option in comparison.options:
        if option == comparison.baseline:
            continue
        rows = []
        for quantity, label, note in quantities:
            key = f"{option}: Δ{quantity}"
            stats = summary[key]
            form: Form = "quantity" if quantity == "qalys" else "money"
            share = float(np.mean(comparison.incremental(option, quantity) > 0))
            rows.append({"key": key, "label": label, "note": note,
                         "cells": [cell(stats[name], form)
                                   for name in ("mean", "median", "p5", "p95")],
                         "probability": Cell(text=format_probability(share), value=share)})
        groups.append({"option": option, "rows": rows})
    return groups


def _by_organisation(comparison: Comparison) -> list[dict[str, Any]]:
    """Rows of incremental NPV by organisation; keys are ``comparison.by_organisation()``'s."""
    summary = comparison.by_organisation().rows
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, stats in summary.items():
        option, organisation = key.split(": ", 1)
        share = float(np.mean(comparison.incremental_by_organisation(option, organisation) > 0))
        groups.setdefault(option, []).append({
            "key": key, "label": organisation,
            "cells": [cell(stats[name], "money") for name in ("mean", "p5", "p95")],
            "probability": Cell(text=format_probability(share), value=share)})
    return [{"option": option, "rows": rows} for option, rows in groups.items()]


def _metric_nodes(comparison: Comparison) -> list[dict[str, Any]]:
    """Each bid's metric nodes, totals over its horizon in natural units."""
    rows = []
    for option, appraisal in comparison.appraisals.items():
        for node_id, node in appraisal.metric_nodes.items():
            stats = node.total_summary()
            rows.append({"option": option, "node": node_id, "unit": node.unit or "",
                         "cells": [cell(stats[name], "quantity")
                                   for name in ("mean", "p5", "p95")]})
    return rows


def _best(comparison: Comparison) -> dict[str, Any]:
    """P(best) by the metric and by NMB at each λ; the best on expectation marked."""
    columns = [comparison.metric, *(f"nmb@{lam:g}" for lam in comparison.thresholds)]
    chosen = {quantity: comparison.options[int(np.argmax(
        comparison.values(quantity).mean(axis=0)))] for quantity in columns}
    shares = {quantity: comparison.probability_best(quantity) for quantity in columns}
    return {
        "metric": _name(comparison.metric),
        "thresholds": [format_pounds(lam, "threshold") for lam in comparison.thresholds],
        "rows": [{"option": option,
                  "cells": [{"value": shares[q][option],
                             "text": format_probability(shares[q][option]),
                             "best": chosen[q] == option} for q in columns]}
                 for option in comparison.options],
    }


def _best_readings(comparison: Comparison, best: str, shares: dict[str, float]) -> list[str]:
    metric = _name(comparison.metric)
    form = metric_form(comparison.metric)
    means = dict(zip(comparison.options, comparison.values(comparison.metric).mean(axis=0),
                     strict=True))
    readings = [f"On expected {metric}, ‘{best}’ is the best use of the money "
                f"({format_value(float(means[best]), form)}); it has the highest {metric} in "
                f"{format_probability(shares[best])} of the draws."]
    rivals = [option for option in comparison.options
              if option != best and shares[option] >= 0.05]
    readings += [f"‘{option}’ would have been the better choice in "
                 f"{format_probability(shares[option])} of the draws." for option in rivals]
    evpi = comparison.evpi()
    if format_value(evpi, form) == format_value(0.0, form):
        readings.append(f"Perfect information is worth nothing here: ‘{best}’ is best in "
                        "(nearly) every draw, so no further evidence could change the choice.")
    else:
        readings.append(f"Perfect information would be worth up to {format_value(evpi, form)} of "
                        f"{metric} per decision (EVPI): the regret expected from choosing on "
                        "today's evidence, and an upper bound on what further evidence could "
                        "be worth.")
    return readings


def _ranks(comparison: Comparison) -> dict[str, Any]:
    ranks = comparison.ranks()
    return {"n": len(comparison.options),
            "rows": [{"option": option,
                      "cells": [Cell(text=format_probability(p), value=p) for p in shares]}
                     for option, shares in ranks.items()]}


def _evpi(comparison: Comparison) -> list[dict[str, Any]]:
    quantities = [comparison.metric, *(f"nmb@{lam:g}" for lam in comparison.thresholds)]
    return [{"key": quantity, "label": _name(quantity),
             "value": cell(comparison.evpi(quantity), metric_form(quantity))}
            for quantity in quantities]


def _frontier_row(row: FrontierRow, thresholds: Sequence[float]) -> dict[str, Any]:
    if row.status == "dominated":
        reading = "another option costs no more and gives at least as many QALYs"
    elif row.status == "extendedly dominated":
        reading = ("a mix of its neighbours on the frontier would give more QALYs for the "
                   "same money")
    elif row.status == "tied":
        reading = (f"the same expected net cost and QALYs as ‘{row.compared_with}’: a tie, "
                   "with no ICER between them")
    elif row.icer is None:
        reading = "the least costly option on the frontier: where it starts"
    else:
        yes = [lam for lam in thresholds if row.icer <= lam]
        no = [lam for lam in thresholds if row.icer > lam]
        reading = (f"each extra QALY over ‘{row.compared_with}’ costs "
                   f"{format_value(row.icer, 'money')}: ")
        if yes and no:
            reading += (f"cost-effective at {_pounds_list(yes)} per QALY, not at "
                        f"{_pounds_list(no, 'or')}")
        else:
            reading += ("cost-effective at every threshold" if yes
                        else "cost-effective at none of the thresholds")
    return {"option": row.option, "cost": cell(row.cost, "money"),
            "effect": cell(row.effect, "quantity"), "status": _STATUS.get(row.status, row.status),
            "status_key": row.status.replace(" ", "-"),
            "icer": Cell(text=format_value(row.icer, "money") if row.icer is not None else "",
                         value=row.icer if row.icer is not None else math.nan),
            "compared_with": row.compared_with or "", "reading": reading}


def _pounds_list(values: Sequence[float], last: str = "and") -> str:
    words = [format_value(value, "money") for value in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _headline(option: str, appraisal: Appraisal, bid: Bid) -> dict[str, Any]:
    stats = appraisal.summary().rows
    npv = stats["npv"]
    share = appraisal.probability("npv", ">", 0)

    def mean(name: str) -> Cell:
        return (cell(stats[name]["mean"], metric_form(name)) if name in stats
                else Cell(text="—", value=math.nan))

    return {"option": option, "title": bid.title,
            "cells": [cell(npv["mean"], "money"), cell(npv["p5"], "money"),
                      cell(npv["p95"], "money"), Cell(text=format_probability(share), value=share),
                      mean("qalys"), mean("roi"), mean("cost_pv")]}


def _monte_carlo(comparison: Comparison) -> dict[str, Any]:
    appraisals = list(comparison.appraisals.values())
    first = appraisals[0]
    paired = all(a.entropy == first.entropy and a.method == first.method
                 and a.provenance.get("spawn_key") == first.provenance.get("spawn_key")
                 for a in appraisals)
    rows = sampling_rows(first) if paired else [
        Setting(label="Draws", value=f"{first.n_draws:,}")]
    rows.append(Setting(
        label="Common random numbers",
        value="yes: every bid drawn from the same seed, so a parameter two bids share takes "
              "the same value in the same draw of each" if paired else
              "no: the bids were appraised with different seeds or methods (see the "
              "provenance), so differences between them are noisier"))
    rows.append(Setting(label="Thresholds",
                        value=", ".join(format_value(lam, "money") for lam in comparison.thresholds)
                        + " per QALY"))
    rows.append(Setting(label="Metric for 'best' and EVPI", value=_name(comparison.metric)))
    arguments = [f"n_draws={first.n_draws}", f"rng={seed_argument(first)}",
                 f"method={first.method!r}"]
    flags = [f"--draws {first.n_draws}", f"--seed {first.entropy}", f"--method {first.method}"]
    if comparison.baseline in comparison.appraisals:
        arguments.append(f"baseline={comparison.baseline!r}")
        flags.append(f"--baseline {comparison.baseline}")
    if comparison.thresholds != DEFAULT_THRESHOLDS:
        arguments.append("thresholds=(" + ", ".join(f"{lam:g}" for lam in comparison.thresholds)
                         + ("," if len(comparison.thresholds) == 1 else "") + ")")
        flags += [f"--threshold {lam:g}" for lam in comparison.thresholds]
    if comparison.metric != "npv":
        arguments.append(f"metric={comparison.metric!r}")
        flags.append(f"--metric {comparison.metric}")
    replay = ("bids = [bpv.load(path) for path in BID_FILES]   # in the order compared\n"
              f"bpv.compare(bids, {', '.join(arguments)})") if paired else ""
    command = (f"bpv report BID_FILE ... {' '.join(flags)} -o comparison.html"
               if paired and replayable_from_command_line(first) else "")
    return {"rows": rows, "replay": replay, "command": command}


def _provenance(comparison: Comparison, bids: dict[str, Bid]) -> dict[str, Any]:
    versions = sorted({str(a.provenance.get("bpv_version", "unknown"))
                       for a in comparison.appraisals.values()})
    return {
        "rows": [("Appraised with bpv", ", ".join(versions)),
                 ("Report made with bpv", __version__),
                 ("Comparator convention", comparison.convention)],
        "bids": [{"option": option, "title": bids[option].title,
                  "hash": appraisal.bid_hash or "not recorded",
                  "seed": entropy_text(appraisal.entropy), "method": appraisal.method,
                  "draws": f"{appraisal.n_draws:,}"}
                 for option, appraisal in comparison.appraisals.items()],
    }
