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
    n_draws, n_periods = net_cash_flows.shape
    cumulative = np.zeros(n_draws)
    payback = np.full(n_draws, np.inf)
    # A loop over the few periods, each step vectorised over every draw: much
    # faster than cumsum along the short, strided period axis.
    for period in range(n_periods):
        cumulative += net_cash_flows[:, period]
        payback[(cumulative >= 0) & np.isinf(payback)] = period
    return payback


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

    def _nodes(self, measures: tuple[str, ...], organisation: str | None) -> list[str]:
        return [node_id for (kind, owner), node_ids in self.by_measure.items()
                if kind in measures and (organisation is None or owner == organisation)
                for node_id in node_ids]

    def reduce(
        self,
        values: Mapping[str, NDArray[np.float64]],
        money_factors: NDArray[np.float64],
        health_factors: NDArray[np.float64],
    ) -> tuple[dict[str, Vector], dict[str, dict[str, Vector]], float]:
        """Reduce a chunk's node values to the base vectors of the system and each organisation.

        Each ledger node is discounted once; the system's and organisations'
        present values are sums of those per-draw vectors. Only the payback
        needs per-period sums, and only of cash flows.

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
        n_draws = next(iter(values.values())).shape[0] if values else 0
        shape = (n_draws, len(money_factors))
        present = {node_id: values[node_id] @ money_factors
                   for node_ids in self.by_measure.values() for node_id in node_ids}

        def pv(measures: tuple[str, ...], organisation: str | None) -> Vector:
            total = np.zeros(n_draws)
            for node_id in self._nodes(measures, organisation):
                total += present[node_id]
            return total

        def net_cash(organisation: str | None, measures: tuple[str, ...]) -> NDArray[np.float64]:
            net = np.zeros(shape)
            for node_id in self._nodes(measures, organisation):
                net += values[node_id]
            for node_id in self._nodes(("cost",), organisation):
                net -= values[node_id]
            return net

        organisations: dict[str, dict[str, Vector]] = {}
        for organisation in self.organisations:
            cash = pv(("cash_releasing", "income"), organisation)
            organisations[organisation] = {
                "cost_pv": pv(("cost",), organisation),
                "cash_releasing_pv": cash,
                "benefit_pv": cash + pv(("non_cash_releasing",), organisation),
                "income_pv": pv(("income",), organisation),
                "payback": payback_period(net_cash(organisation, ("cash_releasing", "income"))),
            }
        qalys = np.zeros(n_draws)
        for node_id in self.qaly_nodes:
            qalys += values[node_id] @ health_factors
        system = {
            "cost_pv": pv(("cost",), None),
            "cash_releasing_pv": pv(("cash_releasing",), None),
            "benefit_pv": pv(("cash_releasing", "non_cash_releasing"), None),
            "qalys": qalys,
            "payback": payback_period(net_cash(None, ("cash_releasing",))),
        }
        income_nodes = self._nodes(("income",), None)
        if not income_nodes:
            return system, organisations, 0.0
        income = np.zeros(shape)
        largest = 0.0
        for node_id in income_nodes:
            income += values[node_id]
            largest = max(largest, float(np.abs(values[node_id]).max(initial=0)))
        imbalance = float(np.abs(income).max(initial=0))
        return system, organisations, imbalance / largest if largest > 0 else 0.0
