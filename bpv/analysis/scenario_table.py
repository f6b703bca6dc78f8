"""Scenarios side by side: the base case and each scenario, appraised on the same draws.

:func:`scenarios` applies each of a bid's scenarios
(:func:`bpv.transform.scenarios.apply_scenario`), appraises the base case and
every scenario with one seed, and tabulates them in a :class:`ScenarioTable`.

Common random numbers: random streams are keyed by parameter name, and every
change keeps names, so the base case and each scenario see the same draws of
everything the scenario leaves alone. The change from the base case is then
measured draw by draw, and its Monte Carlo standard error (that of the paired
difference) is much smaller than that of either mean.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import (
    GLOSSARY,
    format_percent,
    format_stat,
    json_safe,
    metric_form,
    metric_label,
)
from bpv._utils.validation import check_instance
from bpv._utils.versions import stamped
from bpv.engine.budget import check_draws, check_kept, kept_bytes
from bpv.engine.long_form import PROBABILITY, LongTable, run_columns, stat_rows, unit_of
from bpv.engine.monte_carlo import DEFAULT_DRAWS, Kernel, Method, appraise
from bpv.engine.results import Appraisal, Summary
from bpv.errors import SpecError, UnknownNameError, did_you_mean
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid
from bpv.spec.scenario import Scenario
from bpv.transform.scenarios import apply_scenario, check_scenarios

__all__ = ["BASE", "SCENARIO_METRICS", "ScenarioTable", "scenarios"]

#: The name of the base case in a :class:`ScenarioTable`.
BASE = "base"
#: The metrics a scenario table shows, with their labels
#: (:func:`bpv._utils.formatting.metric_label`).
SCENARIO_METRICS: Mapping[str, str] = MappingProxyType(
    {metric: metric_label(metric) for metric in ("npv", "roi", "qalys", "nmb")})
_CONVENTION = ("change = scenario − base, draw by draw on the same draws (common random "
               "numbers); ± is the Monte Carlo standard error of that paired difference")


# -- the table ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScenarioTable(LongTable):
    """The base case and each scenario, appraised on the same draws, side by side.

    Attributes
    ----------
    bid_id : str
    n_draws : int
    method : str
    entropy : int or tuple of int
        The seed every appraisal used.
    rows : dict
        ``rows[scenario][metric]``: ``mean``, ``p5``, ``p95``, and for
        scenarios ``change`` (mean of scenario − base, draw by draw),
        ``change_sd`` and ``change_mcse`` (its Monte Carlo standard error).
        The metric ``P(npv > 0)`` has ``mean`` (the probability) and the
        change terms.
    descriptions : dict of str to str
    changes : dict of str to tuple of str
        Each scenario's changes in words.
    adjustments : dict of str to tuple of str
        The settings adjustments applied in each appraisal.
    appraisals : dict of str to Appraisal
        The appraisals themselves, by scenario (``'base'`` first).
    """

    bid_id: str
    n_draws: int
    method: str
    entropy: int | tuple[int, ...]
    rows: Mapping[str, Mapping[str, Mapping[str, float]]]
    descriptions: Mapping[str, str]
    changes: Mapping[str, tuple[str, ...]]
    adjustments: Mapping[str, tuple[str, ...]]
    appraisals: Mapping[str, Appraisal] = field(repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The base case and the scenarios, in order."""
        return tuple(self.rows)

    def __getitem__(self, name: str) -> Appraisal:
        """Return the appraisal of the base case or a scenario."""
        if name not in self.appraisals:
            msg = f"no scenario '{name}'{did_you_mean(name, self.appraisals)}"
            raise UnknownNameError(msg)
        return self.appraisals[name]

    def change(self, name: str, metric: str) -> NDArray[np.float64]:
        """Return a scenario's change from the base case, draw by draw.

        Returns
        -------
        ndarray of shape (n_draws,)
            ``scenario[metric] - base[metric]``.
        """
        return np.asarray(self[name][metric] - self[BASE][metric], dtype=np.float64)

    def __repr__(self) -> str:
        return (f"<ScenarioTable {self.bid_id!r}: {len(self.rows)} metrics, "
                f"{self.n_draws:,} draws>")

    def _repr_html_(self) -> str:
        """Return :meth:`summary` as an HTML table, for notebooks."""
        return self.summary()._repr_html_()

    def summary(self) -> Summary:
        """Return the table's numbers: a row per scenario and metric, such as ``lims_late: npv``.

        Like every result's summary, a :class:`~bpv.engine.results.Summary`;
        ``str(table)`` is the fuller text, a block per metric with each
        scenario's description and changes.

        Examples
        --------
        >>> import bpv
        >>> table = bpv.scenarios(bpv.load("examples/bids/pathology_network.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> rows = table.summary().rows
        >>> rows["lims_late: npv"]["change"] == table.rows["lims_late"]["npv"]["change"]
        True
        """
        rows = {f"{name}: {metric}": dict(stats)
                for name in self.names for metric, stats in self.rows[name].items()}
        forms = {f"{name}: {metric}": ("percent" if metric == "P(npv > 0)"
                                       else metric_form(metric))
                 for name in self.names for metric in self.rows[name]}
        return Summary(rows, title=f"Scenarios of {self.bid_id}: {self.n_draws:,} draws "
                                   f"({self.method}), seed {self.entropy}", forms=forms)

    def __str__(self) -> str:
        """Return the table as plain text: one block per metric, a row per scenario."""
        lines = [f"Scenarios of {self.bid_id}: {self.n_draws:,} draws ({self.method}), seed "
                 f"{self.entropy}, every scenario on the same draws",
                 _CONVENTION + ".", ""]
        width = max(len(name) for name in (*self.names, "scenario")) + 2
        for metric, label in [*SCENARIO_METRICS.items(), ("P(npv > 0)", "P(NPV > 0)")]:
            probability = metric == "P(npv > 0)"
            columns = (["probability", "change (pp)", "± (pp)"] if probability
                       else ["mean", "p5", "p95", "change", "±"])
            lines += [label, f"  {'scenario':<{width}}" + "".join(f"{c:>12}" for c in columns)]
            for name in self.names:
                stats = self.rows[name][metric]
                if probability:
                    cells = [format_percent(stats["mean"])]
                    if name != BASE:
                        cells += [f"{100 * stats['change']:+.1f}",
                                  f"{100 * stats['change_mcse']:.2f}"]
                else:
                    form = metric_form(metric)
                    cells = [format_stat(stats[column], form) for column in ("mean", "p5", "p95")]
                    if name != BASE:
                        cells += [format_stat(stats["change"], form, "change", signed=True),
                                  format_stat(stats["change_mcse"], form, "change_mcse")]
                lines.append(f"  {name:<{width}}" + "".join(f"{c:>12}" for c in cells))
            lines.append("")
        lines.append("Scenarios:")
        for name in self.names:
            description = self.descriptions.get(name)
            lines.append(f"  {name}: {description}" if description else f"  {name}")
            lines += [f"    - {change}" for change in self.changes.get(name, ())]
        adjustments = self.adjustments.get(BASE, ())
        lines.append("Settings adjustments, applied in every appraisal (as to the base case): "
                     + ("none" if not adjustments else f"{len(adjustments)}"))
        lines += [f"  - {statement}" for statement in adjustments]
        lines.append(f"What each column and metric means: {GLOSSARY}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as plain data (summaries, not per-draw vectors)."""
        return stamped("scenarios", {
            "bid": self.bid_id,
            "n_draws": self.n_draws,
            "method": self.method,
            "entropy": self.entropy,
            "convention": _CONVENTION,
            "scenarios": {
                name: {
                    "description": self.descriptions.get(name),
                    "changes": list(self.changes.get(name, ())),
                    "adjustments": list(self.adjustments.get(name, ())),
                    "metrics": json_safe({metric: dict(stats)
                                           for metric, stats in self.rows[name].items()}),
                }
                for name in self.names
            },
        })

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows, read off :meth:`to_dict`.

        Each scenario is a bid of its own (its own bid hash): column ``bid``
        is the bid's id for the base case and ``BID/SCENARIO`` for a
        scenario. Statistics: ``mean``, ``p5``, ``p95`` and, for a scenario,
        ``change``, ``change_sd`` and ``change_mcse`` (scenario − base, draw
        by draw). P(NPV > 0) is metric ``npv``, unit ``probability``,
        statistic ``p_above_zero`` (its change: ``p_above_zero_change`` …).

        Examples
        --------
        >>> import bpv
        >>> table = bpv.scenarios(bpv.load("examples/bids/pathology_network.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> row = next(row for row in table.long_rows() if row["metric"] == "npv"
        ...            and row["statistic"] == "change" and row["bid"].endswith("/lims_late"))
        >>> row["value"] == table.rows["lims_late"]["npv"]["change"]
        True
        """
        data = self.to_dict()
        rows: list[dict[str, Any]] = []
        for name, scenario in data["scenarios"].items():
            bid = data["bid"] if name == BASE else f"{data['bid']}/{name}"
            run = run_columns(entropy=data["entropy"], n_draws=data["n_draws"],
                              method=data["method"], bid_hash=self.appraisals[name].bid_hash)
            for metric, stats in scenario["metrics"].items():
                if metric.startswith("P("):
                    rows += stat_rows(bid=bid, scope="system", metric=metric[2:].split(" ")[0],
                                      unit="probability", run=run, stats={
                                          PROBABILITY + ("" if key == "mean" else f"_{key}"):
                                          value for key, value in stats.items()})
                else:
                    rows += stat_rows(bid=bid, scope="system", metric=metric,
                                      unit=unit_of(metric), stats=stats, run=run)
        return rows


def scenarios(
    bid: Bid,
    *,
    n_draws: int = DEFAULT_DRAWS,
    rng: Seed = None,
    method: Method = "mc",
    scenarios: Mapping[str, Scenario | Mapping[str, Any]] | None = None,
    progress: bool | None = False,
    kernel: Kernel = "auto",
) -> ScenarioTable:
    """Appraise the base case and every scenario on the same draws; tabulate them.

    Parameters
    ----------
    bid : Bid
    n_draws : int, default 100000
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Seed, as in `SPEC 7 <https://scientific-python.org/specs/spec-0007/>`_,
        normalised once: every appraisal uses the same root,
        so each scenario sees the base case's draws of what it leaves alone.
    method : {'mc', 'lhs', 'sobol'}, default 'mc'
    scenarios : mapping of str to Scenario, optional
        Scenarios by name; default: the bid's own ``scenarios``.
    progress : bool, optional
        Show a progress bar for each appraisal. Default: no.
    kernel : {'auto', 'numpy', 'compiled'}, default 'auto'
        How each appraisal is evaluated (:func:`bpv.appraise`).

    Returns
    -------
    ScenarioTable

    Raises
    ------
    SpecError
        If there is no scenario to appraise.
    BidValidationError
        If a scenario names a parameter or activity the bid does not have,
        or is otherwise invalid (every problem of every scenario at once).

    See Also
    --------
    apply_scenario : One scenario's changed bid.
    bpv.compare : Different bids on common random numbers.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> table = bpv.scenarios(bid, n_draws=2_000, rng=1, scenarios={
    ...     "tariff_down": bpv.Scenario(changes=[{"scale": "tariff", "by": 0.9}])})
    >>> table.names
    ('base', 'tariff_down')
    >>> row = table.rows["tariff_down"]["npv"]
    >>> bool(row["change"] < 0 and row["change_mcse"] < 0.1 * abs(row["change"]))
    True
    """
    check_instance(bid, Bid, name="bid", function="scenarios", expected="a bpv.Bid (use bpv.load)")
    given = bid.scenarios if scenarios is None else scenarios
    if not given:
        msg = (f"bid '{bid.id}' has no scenarios to appraise: add a 'scenarios:' section to the "
               "bid, or pass scenarios={name: bpv.Scenario(...)}")
        raise SpecError(msg)
    chosen = {str(name): s if isinstance(s, Scenario) else Scenario.model_validate(s)
              for name, s in given.items()}
    check_scenarios(bid, chosen)
    bids = {BASE: bid, **{name: apply_scenario(bid, scenario, name=name)
                          for name, scenario in chosen.items()}}
    check_draws(n_draws, function="scenarios")
    check_kept((kept_bytes(changed, n_draws=n_draws) for changed in bids.values()),
               function="scenarios", advice="scenarios keeps every draw of the base case and "
               "of each scenario, to pair them: use fewer draws or fewer scenarios at a time")
    root = root_seed(rng)
    appraisals = {name: appraise(changed, n_draws=n_draws, rng=root, method=method,
                                 progress=progress, kernel=kernel)
                  for name, changed in bids.items()}
    base = appraisals[BASE]
    rows = {name: _rows(appraisal, None if name == BASE else base)
            for name, appraisal in appraisals.items()}
    return ScenarioTable(
        bid_id=bid.id, n_draws=n_draws, method=method, entropy=base.entropy, rows=rows,
        descriptions={BASE: "the bid as written",
                      **{name: s.description or "" for name, s in chosen.items()}},
        changes={BASE: (), **{name: tuple(s.describe()) for name, s in chosen.items()}},
        adjustments={name: tuple(a["statement"] for a in appraisal.provenance.get(
            "adjustments", ())) for name, appraisal in appraisals.items()},
        appraisals=appraisals,
    )


def _rows(result: Appraisal, base: Appraisal | None) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for metric in SCENARIO_METRICS:
        values = np.asarray(result[metric], dtype=np.float64)
        finite = values[np.isfinite(values)]
        row = {"mean": float(finite.mean()) if finite.size else math.nan,
               "p5": _quantile(finite, 0.05), "p95": _quantile(finite, 0.95)}
        if base is not None:
            row |= _paired(values, np.asarray(base[metric], dtype=np.float64))
        rows[metric] = row
    positive = (np.asarray(result["npv"]) > 0).astype(np.float64)
    row = {"mean": float(positive.mean())}
    if base is not None:
        row |= _paired(positive, (np.asarray(base["npv"]) > 0).astype(np.float64))
    rows["P(npv > 0)"] = row
    return rows


def _quantile(values: NDArray[np.float64], q: float) -> float:
    return float(np.quantile(values, q)) if values.size else math.nan


def _paired(values: NDArray[np.float64], base: NDArray[np.float64]) -> dict[str, float]:
    """Mean, sd and Monte Carlo standard error of the paired difference."""
    difference = values - base
    difference = difference[np.isfinite(difference)]
    n = difference.size
    sd = float(difference.std(ddof=1)) if n > 1 else math.nan
    return {"change": float(difference.mean()) if n else math.nan, "change_sd": sd,
            "change_mcse": sd / math.sqrt(n) if n > 1 else math.nan}
