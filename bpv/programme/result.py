"""The chosen portfolio: the set, its value and error, slacks, shadow values, frontiers, stability.

A :class:`Portfolio` is plain, frozen data computed once by
:func:`bpv.portfolio`; :mod:`bpv.plot` draws its frontier and chosen set.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import (
    format_money,
    format_number,
    format_percent,
    json_safe,
    text_table,
)
from bpv._utils.versions import stamped
from bpv.engine.long_form import LongTable, run_columns, stat_rows
from bpv.engine.results import Summary
from bpv.programme.problem import cvar

__all__ = ["FrontierPoint", "Portfolio", "ShadowValue"]


@dataclass(frozen=True)
class FrontierPoint:
    """One point of an efficient frontier: a budget scale or a risk level, and the best set there.

    Attributes
    ----------
    level : float
        Budget frontier: the factor every budget's limit was multiplied by
        (1 is the constraints as given). Risk frontier: the CVaR floor (GBP).
    scale : float
        Budgets: the same factor; risk: 1.
    value : float
        Expected value of the best set (nan where no set is feasible).
    cvar : float
        CVaR of the best set's system NPV at the portfolio's alpha (nan if none).
    chosen : tuple of str
    """

    level: float
    scale: float
    value: float
    cvar: float
    chosen: tuple[str, ...]


@dataclass(frozen=True)
class ShadowValue:
    """What one more pound of a budget is worth, from a re-solve with the budget raised by ``step``.

    Attributes
    ----------
    budget : str
    step : float
        Δ in GBP: the re-solve's budget is the limit + Δ.
    value_per_pound : float
        (best value at limit + Δ − best value at limit) / Δ.
    chosen : tuple of str
        The best set with the larger budget.
    """

    budget: str
    step: float
    value_per_pound: float
    chosen: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Portfolio(LongTable):
    """The set of bids chosen to maximise expected system value within the constraints.

    Attributes
    ----------
    bids : tuple of str
        Every bid considered.
    chosen : tuple of str
        The bids funded.
    objective : {'npv', 'nmb'}
        What is maximised: expected system NPV, or net monetary benefit.
    expected_value : float
        The chosen set's expected value (GBP).
    mcse : float
        Its Monte Carlo standard error: sd of the set's per-draw value / √S.
    draws : ndarray of shape (n_draws,)
        The chosen set's per-draw value (read-only).
    npv_draws : ndarray of shape (n_draws,)
        The chosen set's per-draw system NPV (read-only), on which risk is measured.
    bid_values : dict of str to float
        Each bid's expected value alone.
    slacks : dict of str to dict
        Every constraint by name: its kind, sense, bound, the chosen set's
        value and the slack (positive: room to spare; 0: binding), in its unit.
    shadow_values : tuple of ShadowValue
        One per budget.
    budget_frontier, risk_frontier : tuple of FrontierPoint
        Best expected value as every budget is scaled, and as the CVaR floor rises.
    bootstrap : dict of str to float
        Share of bootstrap resamples of the draws in which each bid is chosen.
    n_bootstrap : int
        Resamples made (those with no feasible set are left out of the shares; see
        ``bootstrap_infeasible``).
    bootstrap_infeasible : int
    alpha : float
        The CVaR level risk is reported at.
    n_draws, method, entropy
        As for :class:`bpv.Appraisal`: ``bpv.portfolio(..., rng=entropy)`` replays it.
    """

    bids: tuple[str, ...]
    chosen: tuple[str, ...]
    objective: str
    expected_value: float
    mcse: float
    draws: NDArray[np.float64]
    npv_draws: NDArray[np.float64]
    bid_values: Mapping[str, float]
    slacks: Mapping[str, Mapping[str, Any]]
    shadow_values: tuple[ShadowValue, ...] = ()
    budget_frontier: tuple[FrontierPoint, ...] = ()
    risk_frontier: tuple[FrontierPoint, ...] = ()
    bootstrap: Mapping[str, float] = field(default_factory=dict)
    n_bootstrap: int = 0
    bootstrap_infeasible: int = 0
    alpha: float = 0.1
    n_draws: int = 0
    method: str = "mc"
    entropy: int | tuple[int, ...] = 0

    @property
    def cvar(self) -> float:
        """CVaR at ``alpha`` of the chosen set's system NPV: the mean of its worst alpha share."""
        return cvar(self.npv_draws, self.alpha)

    @property
    def probability_of_loss(self) -> float:
        """P(the chosen set's system NPV < 0), on the shared draws."""
        return float(np.mean(self.npv_draws < 0))

    @property
    def binding(self) -> tuple[str, ...]:
        """Names of the constraints the chosen set meets with no room to spare."""
        return tuple(name for name, entry in self.slacks.items()
                     if abs(float(entry["slack"])) <= 1e-6 * max(1.0, abs(float(entry["bound"]))))

    def __repr__(self) -> str:
        return (f"<Portfolio: {len(self.chosen)} of {len(self.bids)} bids chosen, "
                f"expected {self.objective} {self.expected_value:,.0f}>")

    def _repr_html_(self) -> str:
        """Return :meth:`summary` as an HTML table, for notebooks."""
        return self.summary()._repr_html_()

    def summary(self) -> Summary:
        """Each bid: chosen (1 or 0), its expected value alone, and its bootstrap share."""
        return Summary({bid: {"chosen": float(bid in self.chosen),
                              "expected_value": float(self.bid_values[bid]),
                              "bootstrap_share": float(self.bootstrap.get(bid, math.nan))}
                        for bid in self.bids},
                       title=f"Portfolio: {len(self.chosen)} of {len(self.bids)} bids chosen")

    def to_dict(self) -> dict[str, Any]:
        """Return the portfolio as plain data (JSON-ready; no per-draw vectors)."""
        data: dict[str, Any] = stamped("portfolio", {
            "objective": self.objective,
            "chosen": list(self.chosen),
            "bids": {bid: {"chosen": bid in self.chosen, "expected_value": self.bid_values[bid],
                           "bootstrap_share": self.bootstrap.get(bid)} for bid in self.bids},
            "expected_value": self.expected_value,
            "mcse": self.mcse,
            "risk": {"alpha": self.alpha, "cvar": self.cvar,
                     "probability_of_loss": self.probability_of_loss},
            "constraints": {name: dict(entry) for name, entry in self.slacks.items()},
            "binding": list(self.binding),
            "shadow_values": [point.__dict__ | {"chosen": list(point.chosen)}
                              for point in self.shadow_values],
            "frontier": {"budget": [_point(p) for p in self.budget_frontier],
                         "risk": [_point(p) for p in self.risk_frontier]},
            "bootstrap": {"resamples": self.n_bootstrap,
                          "infeasible": self.bootstrap_infeasible,
                          "shares": dict(self.bootstrap)},
            "provenance": {"n_draws": self.n_draws, "method": self.method,
                           "entropy": self.entropy},
        })
        return json_safe(data)  # type: ignore[no-any-return]

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(self.to_dict(), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows, read off :meth:`to_dict` (scope ``'system'``).

        Each bid (metric: the objective): ``chosen`` (1 or 0),
        ``expected_value`` (GBP) and ``bootstrap_share``. The chosen set's
        (``bid`` empty): ``expected_value`` and ``mcse`` of the objective,
        ``cvar`` and ``probability_of_loss`` of its NPV; each constraint's
        ``bound``, ``value`` and ``slack`` (metric: its name, unit: its
        own); each budget's ``value_per_pound`` (metric: the budget). The
        portfolio keeps no bid hashes: ``bid_hash`` is empty.
        """
        data = self.to_dict()
        provenance = data["provenance"]
        run = run_columns(entropy=provenance["entropy"], n_draws=provenance["n_draws"],
                          method=provenance["method"], bid_hash=None)
        objective = data["objective"]
        rows: list[dict[str, Any]] = []
        for bid, entry in data["bids"].items():
            rows += stat_rows(bid=bid, scope="system", metric=objective, unit=None,
                              stats={"chosen": entry["chosen"]}, run=run)
            rows += stat_rows(bid=bid, scope="system", metric=objective, unit="GBP",
                              stats={"expected_value": entry["expected_value"]}, run=run)
            rows += stat_rows(bid=bid, scope="system", metric=objective, unit="share",
                              stats={"bootstrap_share": entry["bootstrap_share"]}, run=run)
        rows += stat_rows(bid=None, scope="system", metric=objective, unit="GBP", run=run,
                          stats={"expected_value": data["expected_value"],
                                 "mcse": data["mcse"]})
        rows += stat_rows(bid=None, scope="system", metric="npv", unit="GBP", run=run,
                          stats={"cvar": data["risk"]["cvar"]})
        rows += stat_rows(bid=None, scope="system", metric="npv", unit="probability", run=run,
                          stats={"probability_of_loss": data["risk"]["probability_of_loss"]})
        for name, entry in data["constraints"].items():
            rows += stat_rows(bid=None, scope="system", metric=name, unit=entry.get("unit"),
                              run=run, stats={key: entry[key] for key in
                                              ("bound", "value", "slack")})
        for point in data["shadow_values"]:
            rows += stat_rows(bid=None, scope="system", metric=point["budget"], unit="ratio",
                              run=run, stats={"value_per_pound": point["value_per_pound"]})
        return rows

    def __str__(self) -> str:
        lines = [f"Portfolio: {len(self.chosen)} of {len(self.bids)} bids chosen, maximising "
                 f"expected system {self.objective.upper()} on {self.n_draws:,} shared draws "
                 f"(seed {self.entropy}).", "",
                 f"Expected {self.objective.upper()}: {format_money(self.expected_value)} "
                 f"(Monte Carlo error {format_money(self.mcse)})",
                 f"CVaR{self.alpha:g} of NPV (mean of the worst {format_percent(self.alpha, 0)}"
                 f" of draws): {format_money(self.cvar)}; P(NPV < 0): "
                 f"{format_percent(self.probability_of_loss)}", ""]
        rows = [[bid, "yes" if bid in self.chosen else "", format_money(self.bid_values[bid]),
                 format_percent(self.bootstrap[bid], 0) if bid in self.bootstrap else "-"]
                for bid in self.bids]
        lines += text_table(["bid", "chosen", f"expected {self.objective.upper()}",
                             "chosen in resamples"], rows)
        lines += ["", "Constraints (slack: room to spare; 0 binds):"]
        lines += text_table(["constraint", "limit", "chosen set", "slack"],
                            [_slack_cells(name, entry) for name, entry in self.slacks.items()])
        if self.shadow_values:
            lines += ["", "One more pound of budget (re-solved with the budget raised by Δ):"]
            lines += text_table(["budget", "Δ", "value per £"],
                                [[point.budget, format_money(point.step),
                                  f"{point.value_per_pound:.2f}"] for point in self.shadow_values])
        if self.budget_frontier:
            lines += ["", "Efficient frontier, value against budget (every budget scaled):"]
            lines += text_table(["budgets ×", f"best expected {self.objective.upper()}",
                                 "bids"], [[f"{p.level:.2f}", format_money(p.value),
                                            str(len(p.chosen))] for p in self.budget_frontier])
        if self.risk_frontier:
            lines += ["", f"Efficient frontier, value against risk (floor on CVaR{self.alpha:g} "
                      "of NPV):"]
            lines += text_table(["CVaR floor", f"best expected {self.objective.upper()}",
                                 "CVaR reached"],
                                [[format_money(x) for x in (p.level, p.value, p.cvar)]
                                 for p in self.risk_frontier])
        return "\n".join(lines)


def _point(point: FrontierPoint) -> dict[str, Any]:
    return {"level": point.level, "scale": point.scale, "value": point.value, "cvar": point.cvar,
            "chosen": list(point.chosen)}


def _slack_cells(name: str, entry: Mapping[str, Any]) -> list[str]:
    if entry["unit"] == "draws":  # a row that must hold in all but `allowed` draws
        bound = (format_money(entry["bound"]) if entry["kind"] == "budget" else
                 f"NPV >= {format_money(-entry['bound'])}")
        return [name, f"{bound} but in {entry['allowed']:,} draws",
                f"broken in {entry['value']:,}", f"{entry['slack']:,} draws"]
    return [name, _amount(entry["bound"], entry), _amount(entry["value"], entry),
            _amount(entry["slack"], entry)]


def _amount(value: float, entry: Mapping[str, Any]) -> str:
    unit = entry["unit"]
    if unit == "GBP":
        return format_money(value)
    if unit == "draws":
        return f"{value:,.0f} draws"
    if unit == "bids":
        return format_number(value, "plain")
    return f"{format_number(value, 'plain')} {unit}"
