"""The plan: each tracked series' planned trajectory by financial year, with bands and targets.

An approved appraisal is the plan. For every tracked series (the default
series of :func:`bpv.tracking.series.default_series` and those the bid's
``tracking:`` section names) and every year, the plan gives the mean, the
median, the 50% band (25th to 75th percentile) and the 90% band (5th to 95th)
of the series' value over the appraisal's draws, the target (declared, or
the median) and the probability of meeting it. Percentiles are numpy's
``quantile`` (linear interpolation) of the draws, year by year.

**The plan is the scheme delivered.** An approved bid is tracked on the
assumption that it goes ahead: the draws in which an activity's success gate
failed (the activity delivers nothing, so everything downstream of it is
zero) are left out of the plan. Otherwise a bid whose activities might not be
delivered has a plan whose 90% band reaches zero, and an actual far below
plan could never be red. The chance of failure stays in the appraisal, and
the re-forecast weighs the actuals against every draw, delivered or not.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> result = bpv.appraise(bid, n_draws=2_000, rng=1, keep_flows=True, progress=False)
>>> planned = plan(result, bid)
>>> row = planned["admissions_avoided"]
>>> row.better, row.unit, row.periods[:2]
('higher', 'admissions', ('2025/26', '2026/27'))
>>> bool(row.p5[1] <= row.p25[1] <= row.median[1] <= row.p75[1] <= row.p95[1])
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_number, json_safe
from bpv._utils.validation import check_instance
from bpv.engine.identity import bid_hash
from bpv.engine.results import Appraisal
from bpv.errors import SpecError, UnknownNameError, did_you_mean
from bpv.spec.bid import Bid
from bpv.spec.tracking import Better, split_series_key
from bpv.tracking.series import SeriesKey, default_series, trajectories
from bpv.tracking.settings import SeriesSettings, series_settings

__all__ = ["Plan", "SeriesPlan", "delivered_draws", "plan", "plan_series", "the_bid_appraised",
           "tracked_series"]

Vector = NDArray[np.float64]
_STATISTICS = ("mean", "median", "p5", "p25", "p75", "p95", "target", "p_meets_target")


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class SeriesPlan:
    """One series' plan by financial year.

    Attributes
    ----------
    key : SeriesKey
    settings : SeriesSettings
        Unit, which way is better, declared targets, how actuals are measured.
    periods : tuple of str
        The financial years, ``('2025/26', ...)``.
    draws : ndarray of shape (n_draws, n_periods)
        The series' value in each year, draw by draw (read-only).
    mean, median, p5, p25, p75, p95 : ndarray of shape (n_periods,)
        Over the draws, year by year.
    target : ndarray of shape (n_periods,)
        The declared target of each year, or the median where none is declared.
    """

    key: SeriesKey
    settings: SeriesSettings
    periods: tuple[str, ...]
    draws: Vector
    mean: Vector
    median: Vector
    p5: Vector
    p25: Vector
    p75: Vector
    p95: Vector
    target: Vector

    @property
    def label(self) -> str:
        """The series' name in tables: ``'admissions_avoided'``, ``'costs (community)'``."""
        return self.key.label

    @property
    def better(self) -> Better:
        """Which way is better: ``'higher'`` or ``'lower'``."""
        return self.settings.better

    @property
    def unit(self) -> str:
        """The series' unit (empty when the node has none)."""
        return self.settings.unit

    def quantiles(self, year: int, levels: Iterable[float]) -> Vector:
        """Return quantiles of one year's planned value over the draws."""
        return np.quantile(self.draws[:, year], list(levels))

    def at_least_as_good(self, values: Vector | float, year: int,
                         share: float = 1.0) -> Vector:
        """Return, per draw, whether ``share`` times the year's value is as good as ``values``."""
        planned = share * self.draws[:, year]
        if self.better == "higher":
            return np.asarray(planned >= values)
        return np.asarray(planned <= values)

    @property
    def p_meets_target(self) -> Vector:
        """P(the year's value meets its target) under the plan, by year.

        Meeting is reaching the target or doing better: at or above it when
        higher is better, at or below it when lower is.
        """
        met = self.draws >= self.target if self.better == "higher" else self.draws <= self.target
        return _read_only(met.mean(axis=0))

    def to_dict(self) -> dict[str, Any]:
        """Return the series' plan as plain data: statistics as lists by period."""
        meets = self.p_meets_target
        return {
            "series": self.key.node, "organisation": self.key.organisation,
            "label": self.label, "unit": self.unit, "better": self.better,
            "periods": list(self.periods),
            "targets_declared": [self.periods[year] for year in sorted(self.settings.targets)],
            **{name: [float(value) for value in getattr(self, name)]
               for name in _STATISTICS if name != "p_meets_target"},
            "p_meets_target": [float(value) for value in meets],
        }

    def __str__(self) -> str:
        unit = f"{self.unit}; " if self.unit else ""
        lines = [f"{self.label} ({unit}{self.better} is better)"]
        headers = ("period", "mean", "median", "p5", "p25", "p75", "p95", "target",
                   "P(meets)")
        lines.append(f"{headers[0]:<10}" + "".join(f"{name:>12}" for name in headers[1:]))
        meets = self.p_meets_target
        for year, period in enumerate(self.periods):
            cells = [getattr(self, name)[year] for name in _STATISTICS[:-1]]
            text = "".join(f"{format_number(float(value)):>12}" for value in cells)
            declared = "*" if year in self.settings.targets else " "
            lines.append(f"{period:<10}{text}{declared}{meets[year]:>11.2f}")
        return "\n".join(lines)


def plan_series(key: SeriesKey, settings: SeriesSettings, draws: Vector,
                periods: tuple[str, ...]) -> SeriesPlan:
    """Return one series' plan from its draws (shape (n_draws, n_periods))."""
    p5, p25, median, p75, p95 = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    target = median.copy()
    for year, value in settings.targets.items():
        target[year] = value
    return SeriesPlan(key=key, settings=settings, periods=periods, draws=_read_only(draws),
                      mean=_read_only(draws.mean(axis=0)), median=_read_only(median),
                      p5=_read_only(p5), p25=_read_only(p25), p75=_read_only(p75),
                      p95=_read_only(p95), target=_read_only(target))


@dataclass(frozen=True)
class Plan:
    """Every tracked series' plan, by financial year.

    Index it by a :class:`SeriesKey` or by label (``plan["admissions_avoided"]``,
    ``plan["costs (community)"]``).

    Attributes
    ----------
    bid_id, bid_hash : str
        The bid planned, and its hash (that of the appraisal).
    periods : tuple of str
    n_draws : int
        Draws of the plan: the appraisal's draws in which every activity was
        delivered.
    series : dict of SeriesKey to SeriesPlan
    n_appraised : int
        Draws of the appraisal (``n_draws`` of them delivered every activity).
    """

    bid_id: str
    bid_hash: str
    periods: tuple[str, ...]
    n_draws: int
    series: Mapping[SeriesKey, SeriesPlan]
    n_appraised: int = 0

    def __getitem__(self, key: SeriesKey | str) -> SeriesPlan:
        if isinstance(key, SeriesKey) and key in self.series:
            return self.series[key]
        labels = {plan.label: plan for plan in self.series.values()}
        if isinstance(key, str) and key in labels:
            return labels[key]
        name = key.label if isinstance(key, SeriesKey) else key
        msg = f"the plan tracks no series '{name}'{did_you_mean(name, labels)}"
        raise UnknownNameError(msg)

    def __contains__(self, key: object) -> bool:
        return key in self.series or key in {plan.label for plan in self.series.values()}

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (statistics by period, not draws)."""
        return {"bid": self.bid_id, "bid_hash": self.bid_hash, "n_draws": self.n_draws,
                "n_appraised": self.n_appraised, "periods": list(self.periods),
                "series": [plan.to_dict() for plan in self.series.values()]}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def __str__(self) -> str:
        head = (f"Plan of {self.bid_id} ({self.n_draws:,} draws of {self.n_appraised:,} "
                "appraised: those in which every activity is delivered): each series by "
                "financial year; bands are the 50% (p25-p75) and 90% (p5-p95) of the draws; "
                "* marks a declared target (otherwise the target is the median)")
        return "\n\n".join([head, *(str(plan) for plan in self.series.values())])


def the_bid_appraised(appraisal: Appraisal, bid: Bid, *, function: str) -> None:
    """Refuse a bid that is not the one appraised, and an appraisal without flows.

    Raises
    ------
    SpecError
        If the appraisal kept no flows, or its recorded hash is not the bid's.
    """
    check_instance(appraisal, Appraisal, name="appraisal", function=function,
                   expected="a bpv.Appraisal")
    check_instance(bid, Bid, name="bid", function=function,
                   expected="the bpv.Bid that was appraised")
    if appraisal.bid_hash and appraisal.bid_hash != bid_hash(bid):
        msg = (f"The 'bid' parameter of {function} must be the bid that was appraised: bid "
               f"'{bid.id}' hashes to {bid_hash(bid)[:12]}…, the appraisal of "
               f"'{appraisal.bid_id}' to {appraisal.bid_hash[:12]}…. Pass the Bid given to "
               "bpv.appraise.")
        raise SpecError(msg)
    if not appraisal.flows:
        msg = (f"{function} needs the appraisal's per-period values of every node: appraise "
               "with keep_flows=True (bpv.appraise(bid, ..., keep_flows=True))")
        raise SpecError(msg)


def tracked_series(bid: Bid) -> tuple[SeriesKey, ...]:
    """Return the default series, then those ``tracking:`` adds (in the section's order)."""
    keys = list(default_series(bid))
    for name in bid.tracking:
        head, organisation = split_series_key(name)
        if head in bid.node_ids:
            keys.append(SeriesKey(head))
        elif organisation is not None:
            keys.append(SeriesKey(head, organisation))
    return tuple(dict.fromkeys(keys))


def plan(appraisal: Appraisal, bid: Bid, *, series: Iterable[SeriesKey] = ()) -> Plan:
    """Return the plan of an appraisal: every tracked series by financial year.

    Parameters
    ----------
    appraisal : Appraisal
        An appraisal of ``bid`` with ``keep_flows=True``.
    bid : Bid
        The bid appraised (its hash must be the appraisal's).
    series : iterable of SeriesKey, optional
        Series to plan besides those tracked by default and those the bid's
        ``tracking:`` section names (the system's costs, say).

    Returns
    -------
    Plan

    Raises
    ------
    SpecError
        If the appraisal kept no flows, or is not of this bid.
    UnknownNameError
        If a series names no node or organisation of the bid.
    """
    the_bid_appraised(appraisal, bid, function="plan")
    assert appraisal.flows is not None  # noqa: S101 - checked just above
    keys = tuple(dict.fromkeys([*tracked_series(bid), *series]))
    values = trajectories(bid, appraisal.flows, keys)
    delivered = delivered_draws(bid, appraisal.flows)
    periods = tuple(appraisal.periods) or bid.period_labels
    plans = {key: plan_series(key, series_settings(bid, key), values[key][delivered], periods)
             for key in keys}
    return Plan(bid_id=bid.id, bid_hash=appraisal.bid_hash, periods=periods,
                n_draws=int(delivered.sum()), series=plans, n_appraised=delivered.size)


def delivered_draws(bid: Bid, flows: Mapping[str, Vector]) -> NDArray[np.bool_]:
    """Return which draws delivered every activity whose success is uncertain.

    An activity's values are its delivery profile times its success gate, so
    a draw whose gate failed has the activity at zero in every period. An
    activity whose profile is zero throughout the horizon (it starts after
    it) cannot tell, and does not count. When no draw delivered everything,
    every draw is kept.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")  # success 0.8
    >>> result = bpv.appraise(bid, n_draws=10_000, rng=1, keep_flows=True, keep_inputs=True,
    ...                       progress=False)
    >>> delivered = delivered_draws(bid, result.flows)
    >>> bool((delivered == (result.inputs["ward.delivered"] == 1)).all())
    True
    """
    n_draws = next(iter(flows.values())).shape[0]
    delivered = np.ones(n_draws, dtype=bool)
    for node in bid.nodes:
        if node.kind != "activity" or node.success is None or node.success == 1:
            continue
        active = np.any(flows[node.id] != 0, axis=1)
        if active.any():
            delivered &= active
    return delivered if delivered.any() else np.ones(n_draws, dtype=bool)
