"""The ledger: where node values land, and the metrics of DESIGN.md §4 computed from it.

Every financial result is a sum over the ledger, so a new kind of benefit is a
new node, not new code. Per draw, the engine reduces the flows of a chunk of
draws to a few *base* vectors (present values and the payback period); every
metric is a function of those, defined once in :data:`METRICS` and shared by
the system view and each organisation's view.

Definitions (periods t = 0 … horizon − 1; PV at the money discount factors
unless said):

==================== ==========================================================
``cost_pv``          PV of all ``cost`` nodes (costs are positive)
``cash_releasing_pv`` PV of ``cash_releasing`` nodes (system: transfers
                     excluded; organisation: its ``income`` included)
``benefit_pv``       PV of ``cash_releasing`` + ``non_cash_releasing``
                     (organisation: + its ``income``)
``npv``              ``benefit_pv - cost_pv``
``roi``              ``npv / cost_pv``
``bcr``              ``benefit_pv / cost_pv``
``cash_roi``         ``(cash_releasing_pv - cost_pv) / cost_pv``
``payback``          first period at which the cumulative *undiscounted* net
                     cash flow (cash-releasing benefits, and for an
                     organisation its income, less costs) is ≥ 0; ``inf`` when
                     it never is within the horizon
``qalys``            PV of ``qaly`` nodes at the health discount factors
``nmb``              ``qaly_value * qalys + npv`` (net monetary benefit)
==================== ==========================================================

A ratio whose ``cost_pv`` is 0 is ``nan`` (no cost: the ratio is undefined).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bpv.spec.bid import Bid

__all__ = [
    "BASE_METRICS",
    "METRICS",
    "ORGANISATION_BASE_METRICS",
    "ORGANISATION_METRICS",
    "LedgerPlan",
    "derive",
    "payback_period",
]

Vector = NDArray[np.float64]

#: Per-draw vectors the engine keeps for the system view.
BASE_METRICS = ("cost_pv", "cash_releasing_pv", "benefit_pv", "qalys", "payback")
#: Per-draw vectors the engine keeps for each organisation.
ORGANISATION_BASE_METRICS = ("cost_pv", "cash_releasing_pv", "benefit_pv", "income_pv",
                             "payback")


def _ratio(numerator: Vector, denominator: Vector) -> Vector:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    return np.where(denominator == 0, np.nan, ratio)


_DERIVED: dict[str, Callable[[Mapping[str, Vector], float], Vector]] = {
    "npv": lambda b, _: b["benefit_pv"] - b["cost_pv"],
    "roi": lambda b, _: _ratio(b["benefit_pv"] - b["cost_pv"], b["cost_pv"]),
    "bcr": lambda b, _: _ratio(b["benefit_pv"], b["cost_pv"]),
    "cash_roi": lambda b, _: _ratio(b["cash_releasing_pv"] - b["cost_pv"], b["cost_pv"]),
    "nmb": lambda b, qaly_value: qaly_value * b["qalys"] + b["benefit_pv"] - b["cost_pv"],
}

#: Every system metric, in reporting order.
METRICS = ("npv", "roi", "bcr", "cash_roi", "payback", "cost_pv", "benefit_pv",
           "cash_releasing_pv", "qalys", "nmb")
#: Every organisation metric, in reporting order.
ORGANISATION_METRICS = ("npv", "roi", "bcr", "cash_roi", "payback", "cost_pv", "benefit_pv",
                        "cash_releasing_pv", "income_pv")


def derive(name: str, base: Mapping[str, Vector], qaly_value: float = 0.0) -> Vector:
    """Return metric ``name`` from base vectors.

    Parameters
    ----------
    name : str
        A base metric or one of ``npv``, ``roi``, ``bcr``, ``cash_roi``, ``nmb``.
    base : mapping of str to ndarray of shape (n_draws,)
    qaly_value : float
        GBP per QALY, for ``nmb``.

    Examples
    --------
    >>> base = {"cost_pv": np.array([100.0, 0.0]), "benefit_pv": np.array([150.0, 10.0]),
    ...         "cash_releasing_pv": np.array([50.0, 0.0])}
    >>> derive("npv", base), derive("roi", base), derive("cash_roi", base)
    (array([50., 10.]), array([0.5, nan]), array([-0.5,  nan]))
    """
    if name in base:
        return base[name]
    return _DERIVED[name](base, qaly_value)


def payback_period(net_cash_flows: NDArray[np.float64]) -> Vector:
    """Return the first period whose cumulative net cash flow is ≥ 0, per draw.

    Parameters
    ----------
    net_cash_flows : ndarray of shape (n_draws, n_periods)
        Undiscounted.

    Returns
    -------
    ndarray of shape (n_draws,)
        Period index (0 for the first period), ``inf`` where the cumulative
        flow stays negative through the horizon.

    Examples
    --------
    >>> payback_period(np.array([[-100.0, 30, 30, 30, 30, 30], [-1.0, -1, -1, 0, 0, 0]]))
    array([ 4., inf])
    """
    reached = np.cumsum(net_cash_flows, axis=1) >= 0
    first = np.argmax(reached, axis=1).astype(np.float64)
    return np.where(reached.any(axis=1), first, np.inf)


@dataclass(frozen=True)
class LedgerPlan:
    """Which nodes land where: built once per bid, used for every chunk.

    Attributes
    ----------
    by_measure : dict of (measure, organisation) to tuple of node ids
        Money nodes by measure and organisation.
    qaly_nodes : tuple of str
    metric_nodes : tuple of str
    organisations : tuple of str
    """

    by_measure: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    qaly_nodes: tuple[str, ...] = ()
    metric_nodes: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()

    @classmethod
    def from_bid(cls, bid: Bid) -> LedgerPlan:
        """Sort the bid's nodes into the ledger."""
        by_measure: dict[tuple[str, str], list[str]] = {}
        for node in bid.nodes:
            if node.measure in {"cost", "cash_releasing", "non_cash_releasing", "income"}:
                assert node.organisation is not None  # noqa: S101 - the spec guarantees it
                by_measure.setdefault((node.measure, node.organisation), []).append(node.id)
        return cls(
            by_measure={key: tuple(ids) for key, ids in by_measure.items()},
            qaly_nodes=tuple(n.id for n in bid.nodes if n.measure == "qaly"),
            metric_nodes=tuple(n.id for n in bid.nodes if n.measure == "metric"),
            organisations=tuple(o.id for o in bid.organisations),
        )

    def flow(
        self, values: Mapping[str, NDArray[np.float64]], measure: str, organisation: str | None,
        shape: tuple[int, int],
    ) -> NDArray[np.float64]:
        """Sum the flows of one measure, for one organisation or (None) all of them."""
        total = np.zeros(shape)
        for (kind, owner), ids in self.by_measure.items():
            if kind == measure and (organisation is None or owner == organisation):
                for node_id in ids:
                    total += values[node_id]
        return total

    def reduce(
        self,
        values: Mapping[str, NDArray[np.float64]],
        money_factors: NDArray[np.float64],
        health_factors: NDArray[np.float64],
    ) -> tuple[dict[str, Vector], dict[str, dict[str, Vector]], float]:
        """Reduce a chunk's node values to the base vectors of the system and each organisation.

        Parameters
        ----------
        values : mapping of node id to ndarray of shape (n_draws, n_periods)
        money_factors, health_factors : ndarray of shape (n_periods,)

        Returns
        -------
        system : dict of str to ndarray of shape (n_draws,)
            :data:`BASE_METRICS`.
        organisations : dict of str to dict of str to ndarray
            :data:`ORGANISATION_BASE_METRICS` for each organisation.
        imbalance : float
            Largest absolute sum of ``income`` over organisations in any draw
            and period, relative to the largest income flow (0 when balanced).
        """
        shape = (len(money_factors), 0)
        any_values = next(iter(values.values()), None)
        n_draws = 0 if any_values is None else any_values.shape[0]
        shape = (n_draws, len(money_factors))
        organisations: dict[str, dict[str, Vector]] = {}
        totals = {m: np.zeros(shape) for m in ("cost", "cash_releasing", "non_cash_releasing",
                                               "income")}
        largest_income = 0.0
        for organisation in self.organisations:
            flows = {m: self.flow(values, m, organisation, shape) for m in totals}
            for measure, flow in flows.items():
                totals[measure] += flow
            largest_income = max(largest_income, float(np.abs(flows["income"]).max(initial=0)))
            cash = flows["cash_releasing"] + flows["income"]
            organisations[organisation] = {
                "cost_pv": flows["cost"] @ money_factors,
                "cash_releasing_pv": cash @ money_factors,
                "benefit_pv": (cash + flows["non_cash_releasing"]) @ money_factors,
                "income_pv": flows["income"] @ money_factors,
                "payback": payback_period(cash - flows["cost"]),
            }
        qaly = np.zeros(shape)
        for node_id in self.qaly_nodes:
            qaly += values[node_id]
        system = {
            "cost_pv": totals["cost"] @ money_factors,
            "cash_releasing_pv": totals["cash_releasing"] @ money_factors,
            "benefit_pv": (totals["cash_releasing"] + totals["non_cash_releasing"])
            @ money_factors,
            "qalys": qaly @ health_factors,
            "payback": payback_period(totals["cash_releasing"] - totals["cost"]),
        }
        imbalance = float(np.abs(totals["income"]).max(initial=0))
        relative = imbalance / largest_income if largest_income > 0 else 0.0
        return system, organisations, relative
