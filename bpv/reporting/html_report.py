"""The HTML appraisal report: one self-contained file a panel can read, print or archive.

:func:`report` lays out a bid and its appraisal with a jinja2 template
(``bpv/reporting/templates/report.html.j2``, autoescaped, so text from a bid file is
always shown as text): the bid and its settings, the headline results, the
logic model, the hypotheses register, each organisation's net position, what
drives value (given a :class:`~bpv.Sensitivity`; see :mod:`bpv._html_drivers`),
the figures of :mod:`bpv.plot`, the Monte Carlo settings with the Monte Carlo
standard error of each mean, and the provenance needed to replay the numbers.

The file has no scripts, no web fonts and no links out: figures are SVG
embedded as ``data:`` URIs and the style sheet is inline, with print rules.
This module prepares plain strings and numbers; the template only lays them
out. matplotlib is imported inside the functions that draw. What the reports
share (the page, numbers in words, figures, the atomic write) is in
:mod:`bpv._html`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpv import plot
from bpv._utils.formatting import (
    DASH,
    GLOSSARY,
    Form,
    format_exact,
    format_money,
    format_probability,
    format_rate,
    format_sig,
    format_stat,
    format_value,
    metric_form,
    metric_label,
)
from bpv._utils.output import write_whole
from bpv._utils.validation import check_instance
from bpv._version import __version__
from bpv.analysis.scenario_table import ScenarioTable
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.discounting import DISCOUNTING, resolve_rates
from bpv.engine.cash_view import CASH_ROWS
from bpv.engine.monte_carlo import bid_hash
from bpv.engine.results import Appraisal, OrganisationResult
from bpv.errors import SpecError
from bpv.reporting._html import (
    Cell,
    Figure,
    environment,
    in_pounds,
    numbered,
    plain,
    replayable_from_command_line,
    sampling_rows,
    seed_argument,
    svg_uri,
)
from bpv.reporting._html_assumptions import check_scenarios_of, correlation_rows, scenario_rows
from bpv.reporting._html_drivers import driver_figures, drivers
from bpv.reporting.text import npv_nmb_note
from bpv.spec.bid import Bid
from bpv.spec.distributions import (
    Bernoulli,
    Discrete,
    Distribution,
    Fixed,
    Interval,
    Pert,
    Quantiles,
    Triangular,
    Uniform,
)
from bpv.spec.graph import KIND_RANK
from bpv.spec.node import Node
from bpv.spec.parameter import Parameter

__all__ = ["report"]

TEMPLATE = "report.html.j2"

#: Groups of the headline table; metric nodes join the first, other metrics the last.
_GROUPS = (
    ("Quality benefit", ("qalys",)),
    ("Return", ("npv", "roi", "bcr", "cash_roi", "payback")),
    ("Money in detail (present values)", ("cost_pv", "benefit_pv", "cash_releasing_pv", "nmb")),
)

#: The sections of the page, in order; "drivers" only with a sensitivity.
_SECTIONS = (("bid", "The bid"), ("headline", "Headline results"),
             ("logic-model", "Logic model"), ("hypotheses", "Hypotheses register"),
             ("organisations", "Organisations"), ("scenarios", "Stress tests"),
             ("drivers", "What drives value"),
             ("figures", "Figures"), ("monte-carlo", "Monte Carlo"),
             ("provenance", "Provenance"))
_TIMING = {"end": "at the end of each period (the first period is not discounted)",
           "mid": "in the middle of each period, on average"}
_SCHEDULES = {"constant": "constant", "green_book": "Green Book declining schedule",
              "green_book_health": "Green Book declining schedule for health"}
_EVIDENCE = {"very_weak": "Very weak", "weak": "Weak", "moderate": "Moderate",
             "strong": "Strong", "very_strong": "Very strong"}
_SMS = {1: "1 – before and after, no comparison", 2: "2 – with a comparison group",
        3: "3 – comparison with controls for difference", 4: "4 – quasi-random variation",
        5: "5 – randomised trial"}


def report(appraisal: Appraisal, path: str | os.PathLike[str] | None = None, *,
           bid: Bid | None = None, sensitivity: Sensitivity | None = None,
           scenarios: ScenarioTable | None = None) -> str:
    """Return the appraisal as one self-contained HTML page, and write it to ``path`` if given.

    The page holds the bid's identity and settings; the headline metrics
    (mean, median, 90% interval and the chance of a positive result); the
    logic model; the hypotheses register (every parameter with its
    hypothesis, distribution in words, evidence grade, Maryland SMS level,
    source and owner); each organisation's net position; the figures of
    :mod:`bpv.plot`; the Monte Carlo settings with the MCSE of each mean; and
    the provenance (bpv version, bid hash, discount factors). Text from the
    bid is escaped, so markup in a title or hypothesis shows as text.

    Given a ``sensitivity`` of the same bid, the page gains a section "What
    drives value" after the organisations: the tornado, a table of every
    input (tornado values and swing, rank correlations, Sobol' indices,
    variance share, EVPPI, switching value), the EVPI, the EVPPI of each
    group of inputs, and plain-language readings of them. Given the
    ``scenarios`` of the same bid, a section "Stress tests" shows each
    scenario's NPV, chance of a positive NPV and QALYs, with their change from
    the base case on the same draws. Correlations the bid declares between its
    parameters are listed under the hypotheses register.

    An :class:`~bpv.Appraisal` does not hold the bid, so pass the one that
    was appraised as ``bid``; it is checked against the appraisal's bid hash.

    Parameters
    ----------
    appraisal : Appraisal
        The result of :func:`bpv.appraise` (any ``keep_draws``).
    path : str or path-like, optional
        Where to write the page (UTF-8). The file is written whole or not at
        all: to a temporary file beside it, then renamed.
    bid : Bid
        The bid that was appraised (keyword only). Required: an Appraisal
        records the bid's hash, not the bid.
    sensitivity : Sensitivity, optional
        The result of :func:`bpv.sensitivity` for the same bid (checked by id
        and hash), for the section "What drives value".
    scenarios : ScenarioTable, optional
        The result of :func:`bpv.scenarios` for the same bid (checked by id
        and hash), for the section "Stress tests"; ``bpv report`` runs the
        bid's declared scenarios on the appraisal's seed and draws.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    SpecError
        If ``appraisal`` is not an Appraisal, ``bid`` is missing or is not
        the bid that was appraised, or ``sensitivity`` is not a Sensitivity
        of that bid, or ``scenarios`` is not a ScenarioTable of it.
    OSError
        If ``path`` cannot be written.

    See Also
    --------
    bpv.plot : the figures, one function each.
    bpv.report_comparison : the report of several bids compared.
    bpv.reporting.text.appraisal_text : a plain-text summary for a terminal.

    References
    ----------
    HM Treasury, *The Green Book: appraisal and evaluation in central
    government* (2022). What Works Centre for Local Economic Growth, *The
    Maryland Scientific Methods Scale* (2016).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.appraise(bid, n_draws=2_000, rng=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "report.html"
    ...     html = bpv.report(result, path, bid=bid)
    ...     path.read_text(encoding="utf-8") == html
    True
    >>> html.startswith("<!DOCTYPE html>"), "Hypotheses register" in html
    (True, True)
    >>> drivers = bpv.sensitivity(bid, n_draws=2_000, rng=1, sobol_n=None)
    >>> "What drives value" in bpv.report(result, bid=bid, sensitivity=drivers)
    True
    """
    check_instance(appraisal, Appraisal, name="appraisal", function="report",
                   expected="a bpv.Appraisal (use bpv.appraise)")
    bid = _the_bid(appraisal, bid)
    if sensitivity is not None:
        _check_sensitivity(sensitivity, appraisal, bid)
    if scenarios is not None:
        check_instance(scenarios, ScenarioTable, name="scenarios", function="report",
                       expected="a bpv.ScenarioTable (use bpv.scenarios)")
        check_scenarios_of(scenarios, bid)
    context = _context(appraisal, bid, sensitivity, scenarios)
    html = environment().get_template(TEMPLATE).render(context)
    if path is not None:
        write_whole(path, html)
    return html


def _the_bid(appraisal: Appraisal, bid: Bid | None) -> Bid:
    """Return the bid that was appraised, checked against the appraisal's hash."""
    bid = check_instance(bid, Bid, name="bid", function="report",
                         expected="the bpv.Bid that was appraised (report(result, bid=bid))")
    if appraisal.bid_hash:
        given = bid_hash(bid)
        if given != appraisal.bid_hash:
            msg = (f"The 'bid' parameter of report must be the bid that was appraised: bid "
                   f"'{bid.id}' hashes to {given[:12]}…, the appraisal of '{appraisal.bid_id}' "
                   f"to {appraisal.bid_hash[:12]}…. Pass the Bid given to bpv.appraise.")
            raise SpecError(msg)
    return bid


def _check_sensitivity(sensitivity: Sensitivity, appraisal: Appraisal, bid: Bid) -> None:
    """Refuse a sensitivity that is not a Sensitivity of the bid appraised."""
    check_instance(sensitivity, Sensitivity, name="sensitivity", function="report",
                   expected="a bpv.Sensitivity (use bpv.sensitivity)")
    recorded = sensitivity.provenance.get("bid_hash")
    if sensitivity.bid_id != bid.id or (recorded and appraisal.bid_hash
                                        and recorded != appraisal.bid_hash):
        msg = (f"The 'sensitivity' parameter of report must be of the bid appraised, "
               f"'{bid.id}'. Got a sensitivity of bid '{sensitivity.bid_id}'"
               f"{' with another hash' if sensitivity.bid_id == bid.id else ''} instead; "
               "run bpv.sensitivity on the same bid.")
        raise SpecError(msg)


# -- the context the template lays out ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Row:
    key: str
    label: str
    note: str
    cells: dict[str, Cell]
    probability_label: str
    probability: Cell


@dataclass(frozen=True, kw_only=True)
class _Group:
    title: str
    rows: list[_Row] = field(default_factory=list)


def _figures(appraisal: Appraisal, bid: Bid,
             sensitivity: Sensitivity | None = None) -> tuple[Figure, ...]:
    """Return every figure of the report, in order: the one list to extend."""
    names = {organisation.id: organisation.name for organisation in bid.organisations}
    figures = [
        Figure(section="logic_model", title="Logic model",
               caption=(
                   "Inputs on the left to impacts on the right, coloured by kind. Solid arrows: a "
                   "formula uses the node; dotted: an activity's success parameter; dashed: a "
                   "drawn-only link. A black outline marks a node a success hypothesis supports; "
                   "a dashed box, a qualitative node."),
               draw=lambda ax: plot.logic_model(bid, ax=ax), size=_logic_model_size(bid)),
        Figure(section="results", title="Net present value",
               caption=(
                   "Distribution of the system's net present value over the draws, with its mean, "
                   "median and 90% interval."),
               draw=lambda ax: in_pounds(plot.distribution(appraisal, "npv", ax=ax))),
        Figure(section="results", title="Cumulative net cash flow",
               caption=("The system's cash-releasing benefits less costs, undiscounted, added up "
                        "year by year: median with 50% and 90% bands. It pays back where it "
                        "crosses zero."),
               draw=lambda ax: in_pounds(plot.cash_flow(appraisal, ax=ax), axis="y")),
        Figure(section="results", title="Who gains and who pays",
               caption="Each organisation's net present value, income transfers included: mean and "
                       "90% interval.",
               draw=lambda ax: in_pounds(plot.organisations(appraisal, ax=ax, names=names)),
               size=(7.5, max(2.4, 0.8 + 0.45 * len(appraisal.organisations)))),
    ]
    figures += [_metric_node_figure(appraisal, bid, node_id) for node_id in appraisal.metric_nodes]
    if sensitivity is not None:
        figures += driver_figures(sensitivity, bid)
    return tuple(figures)


def _metric_node_figure(appraisal: Appraisal, bid: Bid, node_id: str) -> Figure:
    return Figure(section="results", title=f"{_node_label(bid, node_id)} by year",
                  caption=(
                      f"The planned trajectory of '{node_id}' (not discounted): mean with 50% and "
                      "90% bands: what bpv track compares actuals with."),
                  draw=lambda ax: plot.metric_node(appraisal, node_id, ax=ax))


def _logic_model_size(bid: Bid) -> tuple[float, float]:
    """Return a size for the logic model: a column per kind, a row per node of the tallest."""
    tallest = max(sum(node.kind == kind for node in bid.nodes) for kind in KIND_RANK)
    return 2.0 * len(KIND_RANK), max(2.6, 0.55 * tallest)


def _node_label(bid: Bid, node_id: str) -> str:
    return bid.node(node_id).label or node_id.replace("_", " ").capitalize()


def _context(appraisal: Appraisal, bid: Bid, sensitivity: Sensitivity | None,
             scenarios: ScenarioTable | None) -> dict[str, Any]:
    figures = [{"section": figure.section, "title": figure.title, "caption": figure.caption,
                "uri": svg_uri(figure)} for figure in _figures(appraisal, bid, sensitivity)]
    left_out = {"drivers"} if sensitivity is None else set()
    left_out |= {"scenarios"} if scenarios is None else set()
    return {
        **numbered([pair for pair in _SECTIONS if pair[0] not in left_out]),
        "scenarios": None if scenarios is None else {
            "rows": scenario_rows(scenarios), "draws": f"{scenarios.n_draws:,}"},
        "correlations": correlation_rows(bid),
        "drivers": None if sensitivity is None else drivers(sensitivity, appraisal, bid),
        "bid": _identity(bid),
        "organisations_listed": [{"id": o.id, "name": o.name, "role": o.role.replace("_", " ")}
                                 for o in bid.organisations],
        "settings": [*_settings(bid), *_adjustments(appraisal)],
        "key_figures": _key_figures(appraisal),
        "headline": _headline(appraisal, bid),
        "nodes": _nodes(bid),
        "register": [_register_row(name, parameter)
                     for name, parameter in _hypotheses_first(bid.parameters)],
        "organisations": _organisations(appraisal, bid),
        "cash_by_year": _cash_by_year(appraisal, bid),
        "npv_nmb_note": _npv_nmb_note(appraisal, bid),
        "glossary": GLOSSARY,
        "figures": figures,
        "monte_carlo": _monte_carlo(appraisal),
        "mcse": _mcse(appraisal),
        "provenance": _provenance(appraisal),
        "discount_factors": _discount_factors(appraisal),
        "version": __version__,
    }


def _identity(bid: Bid) -> dict[str, Any]:
    last = bid.period_labels[-1]
    rows = [("Bid id", bid.id), ("Title", bid.title), ("Sponsor", bid.sponsor),
            ("Footprint", bid.footprint),
            ("Start", f"{bid.period_labels[0]} (financial year)"),
            ("Horizon", f"{bid.horizon} year{'s' * (bid.horizon != 1)}, "
                        f"{bid.period_labels[0]} to {last}"),
            ("Population covered", None if bid.population is None else f"{bid.population:,}")]
    return {"id": bid.id, "title": bid.title, "description": bid.description,
            "sponsor": bid.sponsor,
            "rows": [(label, value) for label, value in rows if value is not None]}


def _settings(bid: Bid) -> list[tuple[str, str]]:
    settings = bid.settings
    policy = DISCOUNTING[settings.discounting]
    money, health = resolve_rates(settings.discounting, settings.discount_rate,
                                  settings.health_discount_rate)
    return [
        ("Discounting", f"{policy.title} ({settings.discounting})"),
        ("Discount rate, money", f"{format_rate(money.rate)} a year, "
                                 f"{_SCHEDULES.get(money.schedule, money.schedule)}"),
        ("Discount rate, health", f"{format_rate(health.rate)} a year, "
                                  f"{_SCHEDULES.get(health.schedule, health.schedule)}"),
        ("Timing of flows", _TIMING[settings.timing]),
        ("Value of a QALY", f"{format_value(settings.qaly_value, 'money')}"),
        ("Price year", (f"{settings.price_year}/{(settings.price_year + 1) % 100:02d} prices"
                        if settings.price_year is not None else "not stated")),
        ("Source of the rates", policy.source),
    ]


def _adjustments(appraisal: Appraisal) -> list[tuple[str, str]]:
    """Return a row per settings adjustment applied (optimism bias, evidence ...), or none."""
    statements = [str(adjustment.get("statement", adjustment.get("policy", "")))
                  for adjustment in appraisal.provenance.get("adjustments", ())]
    return [("Adjustment", statement) for statement in statements] or [("Adjustments", "none")]


def _key_figures(appraisal: Appraisal) -> list[dict[str, str]]:
    system = appraisal.summary().rows
    cards = []
    if "npv" in system:
        cards += [
            {"label": "Net present value, mean",
             "text": format_value(system["npv"]["mean"], "money")},
            {"label": "Chance the NPV is positive",
             "text": format_probability(appraisal.probability("npv", ">", 0))},
        ]
    if "qalys" in system:
        cards.append({"label": "QALYs gained, mean", "text": format_value(system["qalys"]["mean"],
                                                                 "quantity")})
    if "nmb" in system:
        cards.append({"label": "Net monetary benefit, mean",
                      "text": format_value(system["nmb"]["mean"], "money")})
    return cards


def _stat_cells(stats: Mapping[str, float], form: Form) -> dict[str, Cell]:
    return {name: Cell(text=format_value(stats[name], form), value=stats[name])
            for name in ("mean", "median", "p5", "p95")}


def _headline(appraisal: Appraisal, bid: Bid) -> list[_Group]:
    system = appraisal.summary().rows
    groups = [_Group(title=title) for title, _ in _GROUPS]
    placed = {name for _, names in _GROUPS for name in names}
    for group, (_, names) in zip(groups, _GROUPS, strict=True):
        group.rows.extend(_metric_row(appraisal, name, system[name])
                          for name in names if name in system)
    for node_id, node in appraisal.metric_nodes.items():
        unit = f"{node.unit}, " if node.unit else ""
        total = node.total_summary()
        share = float(np.mean(node.total > 0)) if node.total.size else math.nan
        groups[0].rows.append(_Row(
            key=f"node:{node_id}", label=_node_label(bid, node_id),
            note=f"{unit}total over {len(node.periods)} years, not discounted",
            cells=_stat_cells(total, "quantity"), probability_label="P(> 0)",
            probability=Cell(text=format_probability(share), value=share)))
    groups[-1].rows.extend(_metric_row(appraisal, name, system[name])
                           for name in appraisal.metrics if name not in placed)
    return [group for group in groups if group.rows]


def _metric_row(appraisal: Appraisal | OrganisationResult, name: str,
                stats: Mapping[str, float]) -> _Row:
    label, form = metric_label(name, "report"), metric_form(name)
    if form == "years":
        label_p, share = "P(pays back)", appraisal.probability(name, "<", math.inf)
    elif form == "ratio":
        label_p, share = "P(> 1)", appraisal.probability(name, ">", 1)
    elif name == "cost_pv":  # costs are positive by construction: P(> 0) says nothing
        label_p, share = "", math.nan
    else:
        label_p, share = "P(> 0)", appraisal.probability(name, ">", 0)
    note = {"money": "£, present value", "percent": "of costs, present values",
            "ratio": "benefits per £1 of costs", "years": "0: within the first year",
            "quantity": ""}[form]
    cells = _stat_cells(stats, form)
    if form == "years":
        # The mean of the draws that pay back; say how many do, and "never" for none.
        paid, total = int(stats["n_finite"]), appraisal.n_represented
        note = f"paid back in {paid:,} of {total:,} draws; 0: within the first year"
        if paid == 0:
            cells["mean"] = Cell(text="never", value=stats["mean"])
    return _Row(key=name, label=label, note=note, cells=cells,
                probability_label=label_p,
                probability=Cell(text=format_probability(share) if label_p else "", value=share))


def _nodes(bid: Bid) -> list[dict[str, str]]:
    names = {organisation.id: organisation.name for organisation in bid.organisations}
    return [{"id": node.id, "label": node.label or "", "kind": node.kind,
             "measure": (node.measure or "").replace("_", "-"),
             "organisation": names.get(node.organisation or "", ""),
             "formula": node.formula or "", "delivery": _delivery(node), "unit": node.unit or "",
             "description": node.description or ""}
            for node in bid.nodes]


def _delivery(node: Node) -> str:
    """Words for a node without a formula: qualitative, or an activity's delivery."""
    if node.formula is not None:
        return ""
    if node.is_qualitative:
        return "qualitative: drawn, not computed"
    parts = [f"success {node.success if node.success is not None else 1}"]
    parts += [f"{key} {value}" for key, value in (("start", node.start), ("ramp", node.ramp),
                                                  ("ramp shape", node.ramp_shape),
                                                  ("decay", node.decay),
                                                  ("duration", node.duration))
              if value is not None]
    return "delivery: " + ", ".join(parts)


def _hypotheses_first(parameters: Mapping[str, Parameter]) -> list[tuple[str, Parameter]]:
    items = list(parameters.items())
    return ([item for item in items if item[1].is_hypothesis]
            + [item for item in items if not item[1].is_hypothesis])


def _register_row(name: str, parameter: Parameter) -> dict[str, Any]:
    return {
        "name": name,
        "is_hypothesis": parameter.is_hypothesis,
        "statement": parameter.hypothesis or parameter.description or "",
        "supports": parameter.supports or "",
        "unit": parameter.unit or "",
        "words": _in_words(parameter.distribution),
        "range": _range(parameter.distribution),
        "spec": ("" if isinstance(parameter.distribution, Fixed)
                 else parameter.distribution.describe()),
        "evidence": _EVIDENCE.get(parameter.evidence or "", ""),
        "evidence_key": parameter.evidence or "none",
        "sms": _SMS.get(parameter.sms or 0, ""),
        "source": parameter.source or "",
        "owner": parameter.owner or "",
    }


def _in_words(distribution: Distribution) -> str:
    """Say what a distribution believes, in words a panel reads.

    Examples
    --------
    >>> from bpv.spec.distributions import Pert
    >>> _in_words(Pert(low=350000, mode=400000, high=520000))
    'Most likely 400,000; between 350,000 and 520,000 (PERT)'
    """
    d = distribution
    if isinstance(d, Fixed):
        return f"Fixed at {format_exact(d.value)}"
    if isinstance(d, Bernoulli):
        return f"Happens with probability {format_exact(d.p * 100)}%, else not"
    if isinstance(d, Pert | Triangular):
        shape = "PERT" if isinstance(d, Pert) else "triangular"
        return (f"Most likely {format_exact(d.mode)}; between {format_exact(d.low)} and "
                f"{format_exact(d.high)} ({shape})")
    if isinstance(d, Uniform):
        return f"Anywhere from {format_exact(d.low)} to {format_exact(d.high)}, equally likely"
    if isinstance(d, Interval):
        return (f"{format_exact(d.confidence * 100)}% sure it lies between "
                f"{format_exact(d.low)} and {format_exact(d.high)} ({d.shape} shape)")
    if isinstance(d, Discrete):
        weights = d.probabilities
        return "One of " + ", ".join(f"{format_exact(v)} ({w:.0%})"
                                     for v, w in zip(d.values, weights, strict=True))
    if isinstance(d, Quantiles):
        pairs = ", ".join(f"{format_exact(p * 100)}% below {format_exact(v)}"
                          for p, v in zip(d.probs, d.values, strict=True))
        return f"{pairs} ({d.shape} shape)"
    return f"{d.dist.capitalize()} distribution"


def _range(distribution: Distribution) -> str:
    """Return the median and 90% range a distribution implies ('' if it adds nothing)."""
    if isinstance(distribution, Fixed | Bernoulli | Discrete):
        return ""
    low, median, high = (float(x) for x in distribution.to_scipy().ppf([0.05, 0.5, 0.95]))
    return f"median {format_sig(median)}; 90% between {format_sig(low)} and {format_sig(high)}"


def _organisations(appraisal: Appraisal, bid: Bid) -> list[dict[str, Any]]:
    names = {organisation.id: organisation for organisation in bid.organisations}
    rows = []
    for org_id in appraisal.organisations:
        view = appraisal.organisation(org_id)
        stats = view.summary().rows
        organisation = names.get(org_id)
        share = view.probability("npv", ">", 0)
        rows.append({
            "id": org_id,
            "name": organisation.name if organisation else org_id,
            "role": organisation.role.replace("_", " ") if organisation else "",
            "npv": _stat_cells(stats["npv"], "money"),
            "probability": Cell(text=format_probability(share), value=share),
            "money": {name: Cell(text=format_value(stats[name]["mean"], "money"),
                                 value=stats[name]["mean"])
                      for name in ("cost_pv", "benefit_pv", "income_pv") if name in stats},
        })
    return rows


def _cash_by_year(appraisal: Appraisal, bid: Bid) -> dict[str, Any]:
    """Return the cash view of the system and each organisation: rows not £0 throughout."""
    names = {organisation.id: organisation.name for organisation in bid.organisations}
    views = [("System", appraisal.cash_by_year())]
    views += [(names.get(org, org), appraisal.cash_by_year(org)) for org in appraisal.organisations]
    rows = []
    for name, view in views:
        first = True
        for row, label in CASH_ROWS.items():
            values = (*view.mean(row), view.totals[row]["mean"])
            if row != "net" and all(format_money(v) == "£0" for v in values):
                continue
            rows.append({"scope": name if first else "", "label": label, "key": row,
                         "cells": [Cell(text=format_money(v), value=v) for v in values]})
            first = False
    return {"periods": list(appraisal.periods), "rows": rows,
            "draws": f"{views[0][1].n_draws:,}"}


def _npv_nmb_note(appraisal: Appraisal, bid: Bid) -> str | None:
    stats = appraisal.summary(metrics=["npv", "nmb", "qalys"]).rows
    return npv_nmb_note(npv=stats["npv"]["mean"], nmb=stats["nmb"]["mean"],
                        qalys=stats["qalys"]["mean"], qaly_value=bid.settings.qaly_value)


def _monte_carlo(appraisal: Appraisal) -> dict[str, Any]:
    replay = (f"bpv.appraise(bid, n_draws={appraisal.n_draws}, rng={seed_argument(appraisal)}, "
              f"method={appraisal.method!r})")
    command = (f"bpv report BID_FILE --draws {appraisal.n_draws} --seed {appraisal.entropy} "
               f"--method {appraisal.method} -o report.html"
               if replayable_from_command_line(appraisal) else "")
    return {"rows": sampling_rows(appraisal), "replay": replay, "command": command,
            "sobol": appraisal.method == "sobol", "draws": f"{appraisal.n_draws:,}"}


def _mcse(appraisal: Appraisal) -> list[dict[str, Any]]:
    rows = []
    for name, stats in appraisal.summary().rows.items():
        form = metric_form(name)
        mean, mcse = stats["mean"], stats["mcse"]
        relative = mcse / abs(mean) if math.isfinite(mcse) and mean else math.nan
        rows.append({"key": name, "label": metric_label(name, "report"),
                     "mean": Cell(text=format_value(mean, form), value=mean),
                     "mcse": Cell(text=_mcse_text(mcse, form), value=mcse),
                     "relative": Cell(text=DASH if math.isnan(relative) else f"{relative:.2%}",
                                      value=relative),
                     "counted": f"{int(stats['n_finite']):,}"})
    return rows


def _mcse_text(mcse: float, form: Form) -> str:
    if math.isnan(mcse):
        return DASH
    if form == "money":
        return format_value(mcse, "money")
    return format_stat(mcse, form, "mcse")


def _provenance(appraisal: Appraisal) -> list[tuple[str, str]]:
    shown = {"bpv_version", "money_discount_factors", "health_discount_factors", "spawn_key",
             "qaly_value", "discounting", "timing"}
    rows = [("Appraised with bpv", str(appraisal.provenance.get("bpv_version", "unknown"))),
            ("Report made with bpv", __version__),
            ("Bid", appraisal.bid_id),
            ("Bid hash (SHA-256)", appraisal.bid_hash or "not recorded")]
    rows += [(key.replace("_", " ").capitalize(), plain(value))
             for key, value in appraisal.provenance.items() if key not in shown]
    return rows


def _discount_factors(appraisal: Appraisal) -> list[tuple[str, str, str]]:
    money: Sequence[float] = appraisal.provenance.get("money_discount_factors") or ()
    health: Sequence[float] = appraisal.provenance.get("health_discount_factors") or ()
    return [(period, f"{m:.6f}", f"{h:.6f}")
            for period, m, h in zip(appraisal.periods, money, health, strict=False)]
