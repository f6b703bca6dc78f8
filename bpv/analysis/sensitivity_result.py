"""What a sensitivity analysis found, as plain data and as text a reviewer can read.

:class:`Sensitivity` holds, for one metric of one bid, every input's tornado
bar, rank correlations, Sobol' indices, EVPPI and switching value
(:class:`InputSensitivity`), and each group's EVPPI (:class:`GroupValue`);
:func:`bpv.sensitivity` (:mod:`bpv.analysis.sensitivity`) computes it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bpv._utils.formatting import (
    GLOSSARY,
    format_money,
    format_number,
    format_percent,
    format_sig,
    format_stat,
    json_safe,
    metric_form,
    text_table,
    wrap,
)
from bpv._utils.versions import stamped
from bpv.analysis.one_way import SwitchingValue, TornadoBar
from bpv.analysis.sobol import SobolIndex
from bpv.engine.long_form import PROBABILITY, LongTable, run_columns, stat_rows, unit_of
from bpv.engine.results import Rendered, Summary
from bpv.errors import UnknownNameError, did_you_mean

__all__ = ["CONVENTIONS", "GroupValue", "InputSensitivity", "Sensitivity", "sensitivity_text"]

#: How every figure is defined, in words; printed with every result.
CONVENTIONS = (
    "Tornado: each input at its 10th and 90th percentile (a success gate not delivered and "
    "delivered), the others at their centre values (medians; probabilities for Bernoulli "
    "inputs and gates). Rank correlations and EVPPI come from the Monte Carlo sample. EVPPI "
    "and EVPI value the decision to fund (mean metric > 0) or not, in pounds: they are "
    "given for npv and nmb only. A switching value is the input's value at which the mean "
    "metric over the other inputs' draws crosses zero, searched between its 1st and 99th "
    "percentiles (for a gate, the success probability at which it crosses), ± its Monte "
    "Carlo standard error.")



@dataclass(frozen=True, kw_only=True)
class InputSensitivity:
    """Everything measured about one input.

    Attributes
    ----------
    input : str
    role : {'hypothesis', 'assumption', 'delivery'}
        A success hypothesis, an assumption, or an activity's success gate.
    link : str
        The node whose link the input quantifies (see
        :func:`~bpv.analysis.sensitivity.input_groups`).
    tornado : TornadoBar
    spearman, prcc : float
        Rank and partial rank correlation with the metric (NaN when the input
        does not vary in the sample).
    evppi : float or None
        Expected value of perfect information about this input alone (None
        unless the metric is npv or nmb).
    variance_share : float
        Var(E(metric | input)) / Var(metric), from the same regression: the
        first-order share of variance.
    switching : SwitchingValue or None
    sobol : SobolIndex or None
    """

    input: str
    role: str
    link: str
    tornado: TornadoBar
    spearman: float
    prcc: float
    evppi: float | None
    variance_share: float
    switching: SwitchingValue | None = None
    sobol: SobolIndex | None = None


@dataclass(frozen=True, kw_only=True)
class GroupValue:
    """EVPPI and first-order variance share of a group of inputs."""

    name: str
    inputs: tuple[str, ...]
    evppi: float | None
    variance_share: float


@dataclass(frozen=True, kw_only=True)
class Sensitivity(Rendered, LongTable):
    """The sensitivity of one metric of one bid.

    Attributes
    ----------
    bid_id, metric : str
    organisation : str or None
        The organisation whose metric it is; None for the system.
    n_draws : int
        Monte Carlo draws behind the correlations and EVPPI.
    mean : float
        Mean of the metric over those draws.
    probability_positive : float
        Share of draws where it is above zero.
    centre : float
        The metric with every input at its centre value (the tornado's axis).
    evpi : float or None
        Expected value of perfect information about every input; None unless
        the metric is npv or nmb (:data:`bpv.analysis.sensitivity.VALUE_METRICS`).
    inputs : tuple of InputSensitivity
        One per input, widest tornado bar first.
    groups : tuple of GroupValue
    group_by : str
        'link', 'hypothesis' or 'custom'.
    sobol_n : int or None
        Rows of the Sobol' design matrices in all (None when not computed).
    conventions : str
    """

    bid_id: str
    metric: str
    organisation: str | None
    n_draws: int
    mean: float
    probability_positive: float
    centre: float
    evpi: float | None
    inputs: tuple[InputSensitivity, ...]
    groups: tuple[GroupValue, ...]
    group_by: str
    sobol_n: int | None = None
    conventions: str = CONVENTIONS
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def input(self, name: str) -> InputSensitivity:
        """Return one input's row.

        Raises
        ------
        KeyError
            If there is no such input; the message suggests close names.
        """
        for row in self.inputs:
            if row.input == name:
                return row
        names = [row.input for row in self.inputs]
        raise UnknownNameError(f"no input '{name}'{did_you_mean(name, names)}")

    def summary(self) -> Summary:
        """Return a row of numbers per input, widest tornado bar first.

        Columns: the metric at the input's low and high value and the swing,
        rank and partial rank correlations, EVPPI, variance share, and the
        Sobol' indices when computed.

        Examples
        --------
        >>> import bpv
        >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
        >>> result = bpv.sensitivity(bid, n_draws=2_000, rng=1, sobol_n=None, switching=False)
        >>> table = result.summary()
        >>> list(table.rows) == [row.input for row in result.inputs]
        True
        >>> table.rows["ward_cost"]["evppi"] == result.input("ward_cost").evppi
        True
        """
        rows = {}
        for item in self.inputs:
            row = {"at_low": item.tornado.at_low, "at_high": item.tornado.at_high,
                   "swing": item.tornado.swing, "spearman": item.spearman, "prcc": item.prcc,
                   **({} if item.evppi is None else {"evppi": item.evppi}),
                   "variance_share": item.variance_share}
            if self.sobol_n is not None:
                row |= {"sobol_first": math.nan if item.sobol is None else item.sobol.first,
                        "sobol_total": math.nan if item.sobol is None else item.sobol.total}
            rows[item.input] = row
        scope = f"organisation '{self.organisation}'" if self.organisation else "system"
        return Summary(rows, title=f"Sensitivity of {self.metric} ({scope}), bid {self.bid_id}")

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (JSON-ready)."""
        def row(item: InputSensitivity) -> dict[str, Any]:
            sobol = item.sobol
            switching = item.switching
            return {
                "role": item.role, "link": item.link,
                "tornado": {"low": item.tornado.low, "high": item.tornado.high,
                            "at_low": item.tornado.at_low, "at_high": item.tornado.at_high,
                            "swing": item.tornado.swing},
                "spearman": item.spearman, "prcc": item.prcc,
                "evppi": item.evppi, "variance_share": item.variance_share,
                "switching_value": None if switching is None else {
                    "value": switching.value, "standard_error": switching.standard_error,
                    "low": switching.low, "high": switching.high,
                    "mean_at_low": switching.mean_at_low,
                    "mean_at_high": switching.mean_at_high},
                "sobol": None if sobol is None else {
                    "first": sobol.first, "first_interval": _listed(sobol.first_interval),
                    "total": sobol.total, "total_interval": _listed(sobol.total_interval)},
            }
        data: dict[str, Any] = json_safe(stamped("sensitivity", {
            "bid": self.bid_id, "metric": self.metric, "organisation": self.organisation,
            "n_draws": self.n_draws, "mean": self.mean,
            "probability_positive": self.probability_positive, "centre": self.centre,
            "evpi": self.evpi, "group_by": self.group_by, "sobol_n": self.sobol_n,
            "conventions": self.conventions,
            "inputs": {item.input: row(item) for item in self.inputs},
            "groups": {group.name: {"inputs": list(group.inputs), "evppi": group.evppi,
                                    "variance_share": group.variance_share}
                       for group in self.groups},
            "provenance": dict(self.provenance),
        }))
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows, read off :meth:`to_dict`.

        Scope: the organisation analysed, or ``'system'``. The metric's own
        rows (metric: the metric analysed): ``mean``, ``p_above_zero``,
        ``centre`` and ``evpi``. Each input's rows (metric: the input's
        name): ``low`` and ``high`` (its 10th and 90th percentiles, in its own
        unit), ``at_low``, ``at_high`` and ``swing`` (the metric there, in the
        metric's unit), ``spearman`` and ``prcc`` (unit ``correlation``),
        ``evppi``, ``variance_share``, ``sobol_first`` and ``sobol_total``
        (unit ``share``) and ``switching_value`` (in the input's unit). Each
        group's rows (metric: the group's name): ``evppi``, ``variance_share``.
        A number not computed (Sobol' indices with ``sobol_n=None``) has no row.

        Examples
        --------
        >>> import bpv
        >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
        >>> result = bpv.sensitivity(bid, n_draws=2_000, rng=1, sobol_n=None, switching=False)
        >>> row = next(row for row in result.long_rows()
        ...            if row["metric"] == "ward_cost" and row["statistic"] == "swing")
        >>> row["value"] == result.input("ward_cost").tornado.swing, row["unit"]
        (True, 'GBP')
        """
        data = self.to_dict()
        provenance = data["provenance"]
        run = run_columns(entropy=provenance.get("entropy"),
                          n_draws=provenance.get("n_draws", data["n_draws"]),
                          method=provenance.get("method"), bid_hash=provenance.get("bid_hash"))
        scope = data["organisation"] or "system"
        unit = unit_of(data["metric"])
        units = {"low": None, "high": None, "at_low": unit, "at_high": unit, "swing": unit,
                 "spearman": "correlation", "prcc": "correlation", "evppi": unit,
                 "variance_share": "share", "sobol_first": "share", "sobol_total": "share",
                 "switching_value": None}

        def rows(metric: str, stats: dict[str, Any]) -> list[dict[str, Any]]:
            return [row for statistic, value in stats.items() if value is not None
                    for row in stat_rows(bid=data["bid"], scope=scope, metric=metric,
                                         unit=units.get(statistic, unit),
                                         stats={statistic: value}, run=run)]

        out = rows(data["metric"], {"mean": data["mean"], "centre": data["centre"],
                                    "evpi": data["evpi"]})
        out += stat_rows(bid=data["bid"], scope=scope, metric=data["metric"],
                         unit="probability", stats={PROBABILITY: data["probability_positive"]},
                         run=run)
        for name, entry in data["inputs"].items():
            sobol = entry["sobol"] or {}
            switching = entry["switching_value"] or {}
            out += rows(name, {**entry["tornado"], "spearman": entry["spearman"],
                               "prcc": entry["prcc"], "evppi": entry["evppi"],
                               "variance_share": entry["variance_share"],
                               "sobol_first": sobol.get("first"),
                               "sobol_total": sobol.get("total"),
                               "switching_value": switching.get("value")})
        for name, group in data["groups"].items():
            out += rows(name, {"evppi": group["evppi"],
                               "variance_share": group["variance_share"]})
        return out

    def __str__(self) -> str:
        return sensitivity_text(self)


def sensitivity_text(result: Sensitivity) -> str:
    """Return the sensitivity of one metric as text: tornado, correlations, Sobol', EVPPI.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> text = str(bpv.sensitivity(bid, n_draws=5_000, rng=1, sobol_n=None))
    >>> "switching value" in text and "ward.delivered" in text
    True
    """
    scope = f"organisation '{result.organisation}'" if result.organisation else "system"
    form = metric_form(result.metric)
    mean, centre = (format_stat(value, form) for value in (result.mean, result.centre))
    valued = result.evpi is not None
    worth = (f"; EVPI {format_money(result.evpi)}" if result.evpi is not None
             else f" (no EVPI: {result.metric} is not a net value in pounds)")
    lines = [
        f"Sensitivity of {result.metric} ({scope}), bid {result.bid_id}",
        f"{result.n_draws:,} draws: mean {mean}, P({result.metric} > 0) = "
        f"{format_percent(result.probability_positive)}; at centre values {centre}{worth}",
        "",
    ]
    sobol = result.sobol_n is not None
    header = ["input", "role", "low – high", "at low", "at high", "swing", "rank r", "PRCC"]
    if sobol:
        header += ["Sobol S1", "Sobol ST"]
    header += ["EVPPI"] if valued else []
    header += ["switching value"]
    rows = []
    for item in result.inputs:
        bar = item.tornado
        moved = ("not delivered – delivered" if item.role == "delivery"
                 else f"{format_sig(bar.low)} – {format_sig(bar.high)}")
        row = [item.input, item.role, moved,
               *(format_stat(value, form) for value in (bar.at_low, bar.at_high, bar.swing)),
               format_number(item.spearman, digits=2), format_number(item.prcc, digits=2)]
        if sobol:
            row += ["-" if item.sobol is None else _interval(item.sobol.first,
                                                            item.sobol.first_interval),
                    "-" if item.sobol is None else _interval(item.sobol.total,
                                                            item.sobol.total_interval)]
        row += [format_money(item.evppi)] if item.evppi is not None else []
        row += ["-" if item.switching is None else item.switching.describe()]
        rows.append(row)
    lines += text_table(header, rows)
    groups_header = ["group", "inputs", *(["EVPPI"] if valued else []), "variance share"]
    lines += ["", f"Groups (by {result.group_by}): "
              + ("value of learning each group together" if valued
                 else "share of the variance each group explains")]
    lines += text_table(groups_header,
                        [[group.name, ", ".join(group.inputs),
                          *([format_money(group.evppi)] if group.evppi is not None
                            else []),
                          format_percent(group.variance_share)] for group in result.groups])
    notes = result.conventions
    if sobol:
        with_intervals = any(item.sobol is not None and item.sobol.first_interval is not None
                             for item in result.inputs)
        notes += (f" Sobol' indices from {result.sobol_n:,} × (inputs + 2) evaluations"
                  + (", with 95% intervals from 8 independently scrambled replicate designs"
                     if with_intervals else ", without intervals")
                  + "; inputs taken as independent.")
    lines += ["", wrap(f"{notes} What each column means: {GLOSSARY}.")]
    return "\n".join(lines)


def _interval(value: float, interval: tuple[float, float] | None) -> str:
    if interval is None:
        return f"{value:.2f}"
    return f"{value:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _listed(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else list(interval)
