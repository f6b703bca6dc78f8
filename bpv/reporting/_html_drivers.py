"""The section "What drives value" of the HTML report, from a :class:`~bpv.Sensitivity`.

:func:`drivers` turns a sensitivity into the strings and numbers that
``bpv/reporting/templates/_drivers.html.j2`` lays out: cards, plain-language readings,
a row per input, the EVPI, a row per group and the settings behind them.
:func:`driver_figures` lists its two figures (the tornado and the EVPPI of
each group). Every number shown keeps its computed value for ``data-value``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bpv import plot
from bpv._utils.formatting import (
    DASH,
    METRIC_LABELS,
    MINUS,
    Form,
    format_exact,
    format_probability,
    format_sig,
    format_value,
    metric_form,
    metric_label,
)
from bpv.analysis.one_way import SwitchingValue
from bpv.analysis.sensitivity_result import InputSensitivity, Sensitivity
from bpv.analysis.sobol import SobolIndex
from bpv.engine.results import Appraisal
from bpv.reporting._html import (
    METHODS,
    Cell,
    Figure,
    cell,
    entropy_text,
    in_pounds,
)
from bpv.spec.bid import Bid

__all__ = ["driver_figures", "drivers"]

_ROLES = {"hypothesis": "Hypothesis", "assumption": "Assumption", "delivery": "Delivery"}
_GROUPED = {"link": ("logic-model link", "by the link of the logic model each input quantifies "
                     "(the node a parameter supports, or the first that uses it)"),
            "hypothesis": ("success hypothesis", "by success hypothesis: each hypothesis and "
                           "each activity's delivery on its own, the assumptions together"),
            "custom": ("group", "in the groups given")}
#: Bars drawn in the tornado (the widest); the table has every input.
_TOP = 15
#: An input's EVPPI is worth a sentence when it is at least this share of the EVPI.
_WORTH_SAYING = 0.01


def drivers(result: Sensitivity, appraisal: Appraisal, bid: Bid) -> dict[str, Any]:
    """Return what ``_drivers.html.j2`` lays out for a sensitivity of ``bid``."""
    form = metric_form(result.metric)
    short = _short_name(result.metric, bid)
    scope = _scope(result, bid)
    group_noun, group_words = _GROUPED.get(result.group_by, _GROUPED["custom"])
    evpi = cell(math.nan if result.evpi is None else result.evpi, form)
    return {
        "short": short,
        "intro": (f"What moves the {short} of {scope}, which uncertainty is worth resolving "
                  "before deciding, and where the decision would change. The decision is "
                  f"whether to fund the bid: fund when the mean {short} is above zero."),
        "units": _units(form),
        "cards": [
            {"label": f"Mean {short}", "text": format_value(result.mean, form)},
            {"label": f"Chance the {short} is above zero",
             "text": format_probability(result.probability_positive)},
            {"label": f"{short} with every input at its centre value",
             "text": format_value(result.centre, form)},
            {"label": "Worth of perfect information (EVPI)", "text": evpi.text},
        ],
        "readings": _readings(result, short, form, group_noun),
        "sobol": result.sobol_n is not None,
        "rows": [_row(item, form, fund=result.mean > 0) for item in result.inputs],
        "evpi": evpi,
        "evpi_words": _evpi_words(result, short),
        "group_by": group_noun,
        "group_intro": (f"Inputs grouped {group_words}. A group's EVPPI is the value of "
                        "learning all its inputs together before deciding; its variance "
                        f"share, the part of the {short}'s variance it explains on its own "
                        "(first order)."),
        "groups": [{"name": group.name, "inputs": ", ".join(group.inputs),
                    "evppi": cell(math.nan if group.evppi is None else group.evppi, form),
                    "share": cell(group.variance_share, "percent")}
                   for group in result.groups],
        "settings": _settings(result, appraisal, bid, scope, group_noun),
        "conventions": result.conventions,
    }


def driver_figures(result: Sensitivity, bid: Bid) -> list[Figure]:
    """Return the figures of the section: the tornado and the EVPPI of each group."""
    money = metric_form(result.metric) == "money"
    short = _short_name(result.metric, bid)
    figures = []
    shown = min(len(result.inputs), _TOP)
    if shown:
        more = (f" The {shown} widest of {len(result.inputs)} inputs are drawn; the table has "
                "them all." if shown < len(result.inputs) else "")
        figures.append(Figure(
            section="drivers", title="Tornado",
            caption=(
                f"The {short} with each input at its 10th and 90th percentile (a success gate at "
                "not delivered and delivered), the others at their centre values; the vertical "
                f"line is the {short} with every input at its centre. Blue: the "
                "input's high value raises it; orange: lowers it. Numbers at the ends of a bar "
                f"are the input's values.{more}"),
            draw=lambda ax: _pounds_if(plot.tornado(result, top=_TOP, ax=ax), money=money),
            size=(7.5, 1.5 + 0.42 * shown)))
    if result.groups and result.evpi is not None:
        figures.append(Figure(
            section="drivers-groups", title="Value of learning each group",
            caption=(
                "EVPPI of each group of inputs: what perfect knowledge of the group would be worth "
                "to the decision to fund, with the EVPI (everything learnt) as the dashed line."),
            draw=lambda ax: _pounds_if(plot.evppi(result, groups=True, ax=ax), money=money),
            size=(7.5, 1.5 + 0.4 * len(result.groups))))
    return figures


def _pounds_if(ax: Any, *, money: bool) -> Any:
    return in_pounds(ax) if money else ax


def _short_name(metric: str, bid: Bid) -> str:
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric].short
    node = next((node for node in bid.nodes if node.id == metric), None)
    if node is not None:
        return f"total {(node.label or metric.replace('_', ' ')).lower()}"
    return metric


def _scope(result: Sensitivity, bid: Bid) -> str:
    if result.organisation is None:
        return "the whole system"
    names = {organisation.id: organisation.name for organisation in bid.organisations}
    return names.get(result.organisation, result.organisation)


def _units(form: Form) -> str:
    return {"money": "Money in £, present values; EVPPI in £ of the metric.",
            "percent": "Percentages of costs (present values).",
            "ratio": "Benefits per £1 of costs.", "years": "Years.",
            "quantity": "In the metric's own units."}[form]


# -- one row per input ---------------------------------------------------------------------


def _row(item: InputSensitivity, form: Form, *, fund: bool) -> dict[str, Any]:
    bar = item.tornado
    switching, words = _switching(item, fund=fund)
    return {
        "name": item.input,
        "role": item.role,
        "role_label": _ROLES.get(item.role, item.role),
        "link": item.link,
        "range": ("not – delivered" if item.role == "delivery"
                  else f"{format_sig(bar.low)} – {format_sig(bar.high)}"),
        "at_low": cell(bar.at_low, form),
        "at_high": cell(bar.at_high, form),
        "swing": cell(bar.swing, form),
        "spearman": Cell(text=_decimal(item.spearman), value=item.spearman),
        "prcc": Cell(text=_decimal(item.prcc), value=item.prcc),
        "first": _sobol(item.sobol, "first"),
        "total": _sobol(item.sobol, "total"),
        "share": cell(item.variance_share, "percent"),
        "evppi": cell(math.nan if item.evppi is None else item.evppi, form),
        "switching": switching,
        "switching_words": words,
    }


def _decimal(value: float, places: int = 2) -> str:
    """Write a correlation or index: ``0.61``, ``−0.07``, ``0.00`` (no minus on a zero)."""
    if math.isnan(value):
        return DASH
    text = f"{abs(value):.{places}f}"
    return (MINUS if value < 0 and float(text) != 0 else "") + text


def _sobol(index: SobolIndex | None, order: str) -> dict[str, Any]:
    if index is None:
        return {"value": math.nan, "text": DASH, "interval": "", "interval_text": ""}
    value = index.first if order == "first" else index.total
    interval = index.first_interval if order == "first" else index.total_interval
    if interval is None:
        return {"value": value, "text": _decimal(value), "interval": "", "interval_text": ""}
    low, high = interval
    return {"value": value, "text": _decimal(value), "interval": f"{low} {high}",
            "interval_text": f"[{_decimal(low)}, {_decimal(high)}]"}


def _exact(value: float) -> str:
    """Write a switching value to four significant figures, with a true minus sign."""
    return (MINUS if value < 0 else "") + format_exact(abs(value))


def _switching(item: InputSensitivity, *, fund: bool) -> tuple[Cell, str]:
    """Return the switching value as a cell, and what it means for the decision in words."""
    value = item.switching
    if value is None:
        return Cell(text="not computed", value=math.nan), ""
    if value.value is None:
        where = ("at any chance of delivery" if item.role == "delivery"
                 else f"anywhere in {format_sig(value.low)} – {format_sig(value.high)} "
                      "(1st to 99th percentile)")
        return Cell(text="none", value=math.nan), f"does not flip {where}"
    if item.role == "delivery":
        text, subject = f"{value.value:.2f}", "the chance it is delivered"
    else:
        text, subject = _exact(value.value), "it"
    other = "not funding" if fund else "funding"
    return Cell(text=text, value=value.value), (f"flips to {other} if {subject} "
                                     f"{_direction(value, fund=fund)} {text}")


def _direction(value: SwitchingValue, *, fund: bool) -> str:
    """'falls below' when the decision differs at the input's low end, else 'rises above'."""
    return "falls below" if (value.mean_at_low > 0) != fund else "rises above"


# -- sentences -------------------------------------------------------------------------


def _what(item: InputSensitivity) -> str:
    if item.role == "delivery":
        return f"whether ‘{item.input.removesuffix('.delivered')}’ will be delivered"
    return f"the {item.role} ‘{item.input}’"


def _flip(item: InputSensitivity, *, fund: bool) -> str | None:
    """Say when the decision flips: "‘x’ falls below 0.0079", or None when it never does."""
    value = item.switching
    if value is None or value.value is None:
        return None
    direction = _direction(value, fund=fund)
    if item.role == "delivery":
        return (f"the chance that ‘{item.input.removesuffix('.delivered')}’ is delivered "
                f"{direction} {value.value:.2f}")
    return (f"‘{item.input}’ {direction} {_exact(value.value)} (its 10th to 90th "
            f"percentiles are {format_sig(item.tornado.low)} and {format_sig(item.tornado.high)})")


def _readings(result: Sensitivity, short: str, form: Form, group_noun: str) -> list[str]:
    """Plain-language readings of the section, most important first."""
    fund = result.mean > 0
    readings = [f"On the mean the decision is {'to fund' if fund else 'not to fund'} the bid: "
                f"its mean {short} is {format_value(result.mean, form)}, and it is above zero in "
                f"{format_probability(result.probability_positive)} of the "
                f"{result.n_draws:,} draws."]
    inputs = list(result.inputs)
    if inputs:
        top = inputs[0]
        bar = top.tornado
        if top.role == "delivery":
            ends = "when it is not delivered and when it is"
        else:
            ends = (f"with it at its 10th percentile ({format_sig(bar.low)}) and its 90th "
                    f"({format_sig(bar.high)})")
        readings.append(f"{_what(top)[0].upper()}{_what(top)[1:]} moves the {short} most: "
                        f"{format_value(bar.at_low, form)} and "
                        f"{format_value(bar.at_high, form)} {ends}, the other inputs at their "
                        "centre values.")
    spread = max(inputs, key=lambda item: item.variance_share, default=None)
    if spread is not None and spread.variance_share > 0:
        interactions = ("" if spread.sobol is None else
                        f" ({format_value(spread.sobol.total, 'percent')} with its "
                        "interactions, by its total Sobol' index)")
        readings.append(f"{_what(spread)[0].upper()}{_what(spread)[1:]} explains "
                        f"{format_value(spread.variance_share, 'percent')} of the variance "
                        f"of the {short} on its own{interactions}.")
    evpi = result.evpi or 0.0
    worth = [item for item in sorted(inputs, key=lambda item: -(item.evppi or 0.0))
             if evpi > 0 and (item.evppi or 0.0) >= _WORTH_SAYING * evpi][:3]
    for item in worth:
        flip = _flip(item, fund=fund)
        value = format_value(item.evppi or 0.0, form)
        readings.append(f"Learning {_what(item)} before deciding is worth up to {value}"
                        + (f"; the decision flips if {flip}." if flip else "."))
    if (spread is not None and spread not in worth and spread.variance_share >= 0.2
            and spread.evppi is not None):
        never = format_value(spread.evppi, form) == format_value(0.0, form)
        readings.append(f"{_what(spread)[0].upper()}{_what(spread)[1:]} drives much of the "
                        "spread, yet learning it is worth only "
                        f"{format_value(spread.evppi, form)}: "
                        f"however it turns out, the decision would {'not' if never else 'rarely'}"
                        " change.")
    readings += [f"The decision also flips if {_flip(item, fund=fund)}."
                 for item in inputs if item not in worth and _flip(item, fund=fund)][:3]
    steady = sum(1 for item in inputs if item.switching is not None
                 and item.switching.value is None)
    if steady:
        readings.append(f"For {steady} of the {len(inputs)} inputs the decision does not flip "
                        "anywhere in the input's plausible range (its 1st to 99th percentile).")
    if result.groups and (result.groups[0].evppi or 0.0) > 0:
        group = result.groups[0]
        readings.append(f"Of the groups by {group_noun}, ‘{group.name}’ "
                        f"({', '.join(group.inputs)}) is worth most to learn: "
                        f"{format_value(group.evppi or 0.0, form)}, explaining "
                        f"{format_value(group.variance_share, 'percent')} of the variance.")
    return readings


def _evpi_words(result: Sensitivity, short: str) -> str:
    form = metric_form(result.metric)
    if result.evpi is None:
        return (f"The value of information is given for net values in pounds (NPV, net "
                f"monetary benefit), whose sign is the decision to fund; the {short} is not one.")
    if format_value(result.evpi, form) in {format_value(0.0, form), DASH}:
        return (f"Learning everything is worth nothing to this decision: the {short} is on "
                "the same side of zero in (nearly) every draw, so no evidence could change "
                "the decision.")
    return ("The most that perfect knowledge of every input would be worth to the decision "
            "to fund, per decision: an upper bound on what any further evidence, research or "
            "piloting could be worth. Every input's EVPPI lies between zero and it.")


def _settings(result: Sensitivity, appraisal: Appraisal, bid: Bid, scope: str,
              group_noun: str) -> list[tuple[str, str]]:
    provenance = result.provenance
    entropy = provenance.get("entropy")
    method = str(provenance.get("method", ""))
    same = (entropy == appraisal.entropy and method == appraisal.method
            and provenance.get("n_draws") == appraisal.n_draws)
    label = (metric_label(result.metric, "report") if result.metric in METRIC_LABELS
             else _short_name(result.metric, bid))
    rows = [("Metric", f"{label} ({result.metric}), {scope}"),
            ("Draws", f"{result.n_draws:,}" + (": the appraisal's own draws" if same else
                                                ": a run of its own, not the appraisal's"))]
    if isinstance(entropy, int | Sequence):
        rows.append(("Seed entropy", entropy_text(entropy)))
    if method:
        rows.append(("Sampling method", f"{METHODS.get(method, method)} ({method})"))
    switching = int(provenance.get("switching_draws", 0) or 0)
    has_switching = any(item.switching is not None for item in result.inputs)
    rows.append(("Switching values", f"the mean over the first {switching:,} draws of the "
                 "other inputs" if has_switching else "not computed"))
    intervals = any(item.sobol is not None and item.sobol.first_interval is not None
                    for item in result.inputs)
    rows.append(("Sobol' indices",
                 f"{result.sobol_n:,} rows of the design matrices in all, "
                 f"{result.sobol_n * (len(result.inputs) + 2):,} evaluations; "
                 + ("95% intervals from 8 independently scrambled replicate designs"
                    if intervals else "no intervals") if result.sobol_n is not None
                 else "not computed"))
    rows.append(("Groups", f"by {group_noun}"))
    return rows
