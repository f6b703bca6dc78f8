"""The ledger: where node values land, and the metrics of docs/design/metrics.md computed from it.

Every financial result is a sum over the ledger, so a new kind of benefit is a
new node, not new code. Per draw, the engine reduces the flows of a chunk of
draws to a few *base* vectors (present values and the payback period); every
metric is a function of those, defined once in :data:`METRICS` and shared by
the system view and each organisation's view.

Definitions (periods t = 0 … horizon − 1; PV at the money discount factors
unless said):

====================== ==========================================================
``cost_pv``            PV of all ``cost`` nodes (costs are positive)
``cash_releasing_pv``  PV of ``cash_releasing`` nodes (system: transfers
                       excluded; organisation: its ``income`` included)
``benefit_pv``         PV of ``cash_releasing`` + ``non_cash_releasing``
                       (organisation: + its ``income``)
``outlay``             ``cost_pv`` (organisation: + the income it pays out, net,
                       ``max(-income_pv, 0)``; see :func:`outlay`)
``npv``                ``benefit_pv - cost_pv``
``roi``                ``npv / outlay``
``bcr``                ``(benefit_pv + income paid) / outlay`` (so ``roi = bcr - 1``)
``cash_roi``           ``(cash_releasing_pv - cost_pv) / outlay``
``payback``            first period at which the cumulative *undiscounted* net
                       cash flow (cash-releasing benefits, and for an
                       organisation its income, less costs) is ≥ 0; ``inf`` when
                       it never is within the horizon
``qalys``              PV of ``qaly`` nodes at the health discount factors
``nmb``                ``qaly_value * qalys + npv`` (net monetary benefit)
====================== ==========================================================

A ratio whose outlay is 0 is ``nan`` (no outlay: the ratio is undefined).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bpv._utils.scratch import scratch
from bpv.engine.keys import SYSTEM, OutputKey
from bpv.spec.bid import Bid

__all__ = [
    "BASE_METRICS",
    "CASH_PARTS",
    "MAX_AMOUNT",
    "SCOPE_BASE",
    "LedgerSlice",
    "METRICS",
    "ORGANISATION_BASE_METRICS",
    "ORGANISATION_METRICS",
    "LedgerPlan",
    "derive",
    "outlay",
    "payback_period",
]

Vector = NDArray[np.float64]

#: The largest size of an amount the ledger works with: a money or QALY node's value
#: in a period, a present value, a net cash flow, NMB or a ratio. Far past any real
#: bid, and far enough below the largest float (1.8e308) that means, squared
#: deviations over 10⁹ draws, increments and products at a threshold stay finite.
MAX_AMOUNT = 1e100

#: Per-draw vectors the engine keeps for the system view.
BASE_METRICS = ("cost_pv", "cash_releasing_pv", "benefit_pv", "qalys", "payback")
#: Per-draw vectors the engine keeps for each organisation.
ORGANISATION_BASE_METRICS = ("cost_pv", "cash_releasing_pv", "benefit_pv", "income_pv",
                             "payback")


#: How :meth:`LedgerPlan.steps` words each quantity.
_WORDS = {
    "cost_pv": "the present value of the costs",
    "cash_releasing_pv": "the present value of the cash-releasing benefits",
    "benefit_pv": "the present value of the benefits",
    "income_pv": "the present value of the income",
    "npv": "the net present value",
    "roi": "the return on investment",
    "bcr": "the benefit-cost ratio",
    "cash_roi": "the cash-releasing ROI",
    "nmb": "the net monetary benefit",
}
_RATIOS = ("roi", "bcr", "cash_roi")
_SYSTEM_WORDS = "the system"


def _ratio(numerator: Vector, denominator: Vector) -> Vector:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    return np.where(denominator == 0, np.nan, ratio)


def _paid(base: Mapping[str, Vector]) -> Vector | float:
    """Income paid out, net, in present value: minus ``income_pv`` where negative (else 0)."""
    return np.maximum(-base["income_pv"], 0.0) if "income_pv" in base else 0.0


def outlay(base: Mapping[str, Vector]) -> Vector:
    """Return what a scope lays out: its costs and the income it pays out, in present value.

    ``cost_pv + max(-income_pv, 0)``: an organisation that pays others (a
    commissioner paying a provider through a contract) counts what it pays,
    net of what it receives over the horizon, as an outlay beside its costs.
    For the system (no ``income_pv``; transfers cancel) it is ``cost_pv``.
    The ratios (ROI, benefit-cost ratio, cash-releasing ROI) divide by it.

    Examples
    --------
    >>> outlay({"cost_pv": np.array([0.0, 10.0]), "income_pv": np.array([-50.0, 5.0])})
    array([50., 10.])
    """
    return base["cost_pv"] + _paid(base)


_DERIVED: dict[str, Callable[[Mapping[str, Vector], float], Vector]] = {
    "npv": lambda b, _: b["benefit_pv"] - b["cost_pv"],
    "roi": lambda b, _: _ratio(b["benefit_pv"] - b["cost_pv"], outlay(b)),
    "bcr": lambda b, _: _ratio(b["benefit_pv"] + _paid(b), outlay(b)),
    "cash_roi": lambda b, _: _ratio(b["cash_releasing_pv"] - b["cost_pv"], outlay(b)),
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
    return _payback_by_period(np.asarray(net_cash_flows, dtype=np.float64).T)


def _payback_by_period(net_cash_flows: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`payback_period` of flows of shape (..., n_periods, n_draws); drops the period axis."""
    flows = np.moveaxis(net_cash_flows, -2, 0)  # a view: periods first
    cumulative = scratch("payback", flows.shape)  # by period: np.cumsum(axis=0) is slower
    if cumulative.size:
        cumulative[0] = flows[0]
    for period in range(1, cumulative.shape[0]):
        np.add(cumulative[period - 1], flows[period], out=cumulative[period])
    payback = np.full(cumulative.shape[1:], np.inf)
    # Backwards, so the earliest period at which the balance is ≥ 0 is left.
    for period in range(cumulative.shape[0] - 1, -1, -1):
        np.copyto(payback, float(period), where=cumulative[period] >= 0)
    return payback


#: Base vectors kept for every scope (the system first, then each organisation),
#: as rows of one (n_scopes, n_draws) array each. ``income_pv`` is 0 for the
#: system, whose view ignores transfers.
SCOPE_BASE = ("cost_pv", "cash_releasing_pv", "benefit_pv", "income_pv", "payback")

#: Which measures add (+1) or subtract (−1) in each base quantity:
#: ``(for the system, for an organisation)``; an organisation counts its own nodes only.
_WEIGHTS: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "cost_pv": ({"cost": 1.0}, {"cost": 1.0}),
    "cash_releasing_pv": ({"cash_releasing": 1.0}, {"cash_releasing": 1.0, "income": 1.0}),
    "benefit_pv": ({"cash_releasing": 1.0, "non_cash_releasing": 1.0},
                   {"cash_releasing": 1.0, "non_cash_releasing": 1.0, "income": 1.0}),
    "income_pv": ({}, {"income": 1.0}),
    "net_cash": ({"cash_releasing": 1.0, "cost": -1.0},
                 {"cash_releasing": 1.0, "income": 1.0, "cost": -1.0}),
    # The parts of the net cash flow, for the cash view (undiscounted, by period); a cost
    # node counts as "cost:<its cost_type>" where its measure has no weight.
    "capital": ({"cost:capital": 1.0}, {"cost:capital": 1.0}),
    "revenue": ({"cost:revenue": 1.0}, {"cost:revenue": 1.0}),
    "saving": ({"cash_releasing": 1.0}, {"cash_releasing": 1.0}),
    "income": ({}, {"income": 1.0}),
}

#: The parts of a scope's net cash flow kept by period for the cash view, each a signed
#: sum of the money nodes (weights of the same name): capital and revenue costs,
#: cash-releasing savings and income, so ``net = saving + income - capital - revenue``.
#: The system's income is 0 (transfers cancel); an organisation's is what it receives
#: less what it pays.
CASH_PARTS = ("capital", "revenue", "saving", "income")


def _signed_sum(weights: NDArray[np.float64],
                terms: Sequence[NDArray[np.float64]] | NDArray[np.float64],
                out: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fill ``out`` with ``weights @ terms`` (terms stacked on a first axis), weights 0 or ±1.

    Adding and subtracting whole rows beats a matrix product here: the
    matrices are tiny (scopes × money nodes) and the rows long.
    """
    out[...] = 0.0
    for row, column in zip(*np.nonzero(weights), strict=True):
        if weights[row, column] > 0:
            out[row] += terms[column]
        else:
            out[row] -= terms[column]
    return out


@dataclass(frozen=True, kw_only=True)
class LedgerSlice:
    """A slice of draws reduced by the ledger.

    Attributes
    ----------
    base : dict of str to ndarray of shape (n_scopes, n_draws)
        :data:`SCOPE_BASE` for the system (row 0) and each organisation.
    qalys : ndarray of shape (n_draws,)
        Discounted QALYs (system only: health gains are not an organisation's).
    net_cash : ndarray of shape (n_scopes, n_periods, n_draws)
        Undiscounted net cash flow by period, for the cash-flow fan chart.
    imbalance : float
        Largest absolute sum of ``income`` over organisations in any draw and
        period, relative to the largest income flow (0 when balanced).
    cash_parts : ndarray of shape (len(CASH_PARTS) * n_scopes, n_periods, n_kept), optional
        From the compiled kernel, the :data:`CASH_PARTS` of the draws whose net
        cash flow it kept (part by part, each for every scope); None from numpy,
        which leaves them to :meth:`LedgerPlan.cash_parts`.
    """

    base: dict[str, NDArray[np.float64]]
    qalys: Vector
    net_cash: NDArray[np.float64]
    imbalance: float
    cash_parts: NDArray[np.float64] | None = None


@dataclass(frozen=True, kw_only=True)
class LedgerPlan:
    """Which nodes land where: built once per bid, used for every slice of draws.

    Every base quantity of every scope is a signed sum of the money nodes'
    values, so it is one small matrix of weights (scopes × money nodes),
    applied with one matrix product per quantity.

    Attributes
    ----------
    money_nodes : tuple of str
        Nodes with a money measure, in bid order.
    weights : dict of str to ndarray of shape (n_scopes, n_money_nodes)
        For each of :data:`SCOPE_BASE` (but payback) and ``net_cash``.
    qaly_nodes, metric_nodes, organisations : tuple of str
    income_nodes : tuple of str
    """

    money_nodes: tuple[str, ...] = ()
    weights: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    qaly_nodes: tuple[str, ...] = ()
    metric_nodes: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    income_nodes: tuple[str, ...] = ()

    @property
    def scopes(self) -> tuple[str, ...]:
        """``'system'`` then each organisation id: the rows of every base array."""
        return (SYSTEM, *self.organisations)

    @classmethod
    def from_bid(cls, bid: Bid) -> LedgerPlan:
        """Sort the bid's nodes into the ledger."""
        money = [n for n in bid.nodes
                 if n.measure in {"cost", "cash_releasing", "non_cash_releasing", "income"}]
        organisations = tuple(o.id for o in bid.organisations)
        weights = {}
        for name, (system, organisation) in _WEIGHTS.items():
            matrix = np.zeros((1 + len(organisations), len(money)))
            for column, node in enumerate(money):
                assert node.measure is not None  # noqa: S101 - the spec guarantees it
                kind = f"{node.measure}:{node.cost_type}"
                matrix[0, column] = system.get(node.measure, system.get(kind, 0.0))
                row = 1 + organisations.index(str(node.organisation))
                matrix[row, column] = organisation.get(node.measure, organisation.get(kind, 0.0))
            weights[name] = matrix
        return cls(
            money_nodes=tuple(n.id for n in money),
            weights=weights,
            qaly_nodes=tuple(n.id for n in bid.nodes if n.measure == "qaly"),
            metric_nodes=tuple(n.id for n in bid.nodes if n.measure == "metric"),
            organisations=organisations,
            income_nodes=tuple(n.id for n in money if n.measure == "income"),
        )

    def moment_keys(self, horizon: int) -> list[OutputKey]:
        """Every quantity whose moments an appraisal keeps, in the engine's row order.

        Each system metric, each organisation metric (organisations in order
        within a metric), whether each scope's NPV and the system's NMB are
        above zero, each metric node's total over periods, then each metric
        node's periods (``OutputKey("node", node_id, period=t)``).

        Examples
        --------
        >>> plan = LedgerPlan(metric_nodes=("admissions",), organisations=("icb",))
        >>> keys = plan.moment_keys(horizon=2)
        >>> keys[0]
        OutputKey(kind='metric', name='npv', scope='system', period=None)
        >>> keys[len(METRICS)]
        OutputKey(kind='metric', name='npv', scope='icb', period=None)
        >>> keys[-1]
        OutputKey(kind='node', name='admissions', scope='system', period=1)
        """
        keys = [OutputKey("metric", name) for name in METRICS]
        for name in ORGANISATION_METRICS:
            keys += [OutputKey("metric", name, scope=org) for org in self.organisations]
        keys += [OutputKey("above_zero", "npv", scope=scope) for scope in self.scopes]
        keys.append(OutputKey("above_zero", "nmb"))
        keys += [OutputKey("node_total", node_id) for node_id in self.metric_nodes]
        for node_id in self.metric_nodes:
            keys += [OutputKey("node", node_id, period=period) for period in range(horizon)]
        return keys

    def reduce(
        self,
        values: Mapping[str, NDArray[np.float64]],
        money_factors: NDArray[np.float64],
        health_factors: NDArray[np.float64],
    ) -> LedgerSlice:
        """Reduce a slice's node values to the base vectors of the system and each organisation.

        Each money node is discounted once; every scope's present values are
        weighted sums of those per-draw vectors. Only the payback needs
        per-period sums, and only of cash flows.

        Parameters
        ----------
        values : mapping of node id to ndarray of shape (n_periods, n_draws)
            Periods by draws: each period's values are contiguous.
        money_factors, health_factors : ndarray of shape (n_periods,)

        Returns
        -------
        LedgerSlice
        """
        n_periods = len(money_factors)
        n_scopes = 1 + len(self.organisations)
        n_draws = next(iter(values.values())).shape[1] if values else 0
        flows = [values[node_id] for node_id in self.money_nodes]
        present = scratch("ledger present values", (len(flows), n_draws))
        for index, flow in enumerate(flows):
            np.matmul(money_factors, flow, out=present[index])
        base = {name: _signed_sum(self.weights[name], present, np.empty((n_scopes, n_draws)))
                for name in SCOPE_BASE if name != "payback"}
        net_cash = _signed_sum(self.weights["net_cash"], flows,
                               scratch("ledger net cash", (n_scopes, n_periods, n_draws)))
        base["payback"] = _payback_by_period(net_cash)
        qalys = np.zeros(n_draws)
        for node_id in self.qaly_nodes:
            qalys += health_factors @ values[node_id]
        return LedgerSlice(base=base, qalys=qalys, net_cash=net_cash,
                           imbalance=self._imbalance(values, (n_periods, n_draws)))

    def cash_parts(self, values: Mapping[str, NDArray[np.float64]], kept: slice,
                   n_periods: int) -> NDArray[np.float64]:
        """Return the :data:`CASH_PARTS` of the draws ``kept``, undiscounted, by period.

        Parameters
        ----------
        values : mapping of node id to ndarray of shape (n_periods, n_draws)
        kept : slice
            Which draws (columns) to keep.
        n_periods : int

        Returns
        -------
        ndarray of shape (len(CASH_PARTS) * n_scopes, n_periods, n_kept)
            Part by part, each for the system then every organisation.

        Examples
        --------
        >>> plan = LedgerPlan(money_nodes=("cost", "tariff"), organisations=("icb",),
        ...                   weights={"capital": np.array([[1.0, 0], [1, 0]]),
        ...                            "revenue": np.zeros((2, 2)), "saving": np.zeros((2, 2)),
        ...                            "income": np.array([[0.0, 0], [0, 1]])})
        >>> parts = plan.cash_parts({"cost": np.array([[5.0, 6.0]]),
        ...                          "tariff": np.array([[-2.0, -3.0]])}, slice(None, None, 2), 1)
        >>> parts[:, 0, 0].tolist()  # capital, revenue, saving, income; each for system, icb
        [5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0]
        """
        flows = [values[node_id][:, kept] for node_id in self.money_nodes]
        n_draws = next(iter(values.values())).shape[-1] if values else 0
        shape = (len(self.scopes), n_periods, len(range(n_draws)[kept]))
        return np.concatenate([_signed_sum(self.weights[part], flows, np.empty(shape))
                               for part in CASH_PARTS])

    def steps(
        self,
        values: Mapping[str, NDArray[np.float64]],
        money_factors: NDArray[np.float64],
        health_factors: NDArray[np.float64],
        qaly_value: float,
    ) -> Iterator[tuple[str, str | None, NDArray[np.float64]]]:
        """Yield every amount of :meth:`reduce`, one at a time, in the order they arise.

        For finding where an amount first overflows: slow, and used only after a
        slice has failed its check. Each step is ``(what, node_id, array)``: a
        description (``"the present value of node 'ward_cost'"``), the node it
        belongs to (None for a sum over nodes), and an array of shape (n_draws,)
        or, by period, (n_periods, n_draws).
        """
        scopes = [_SYSTEM_WORDS] + [f"organisation '{org}'" for org in self.organisations]
        n_draws = next(iter(values.values())).shape[-1] if values else 0
        nodes = (*self.money_nodes, *self.qaly_nodes, *self.metric_nodes)
        for node_id in nodes:
            yield f"node '{node_id}'", node_id, values[node_id]
        present = np.zeros((len(self.money_nodes), n_draws))
        for index, node_id in enumerate(self.money_nodes):
            present[index] = money_factors @ values[node_id]
            yield f"the present value of node '{node_id}'", node_id, present[index]
        qalys = np.zeros(n_draws)
        for node_id in self.qaly_nodes:
            discounted = health_factors @ values[node_id]
            yield f"the discounted QALYs of node '{node_id}'", node_id, discounted
            qalys += discounted
        for node_id in self.metric_nodes:
            yield (f"the total over periods of node '{node_id}'", node_id,
                   values[node_id].sum(axis=0))
        base: dict[str, Vector] = {}
        for name in SCOPE_BASE:
            if name != "payback":
                base[name] = _signed_sum(self.weights[name], present,
                                         np.empty((len(scopes), n_draws)))
                yield from ((f"{_WORDS[name]} of {scope}", None, row)
                            for scope, row in zip(scopes, base[name], strict=True))
        net_cash = _signed_sum(self.weights["net_cash"],
                               [values[node_id] for node_id in self.money_nodes],
                               np.empty((len(scopes), len(money_factors), n_draws)))
        yield from ((f"the net cash flow of {scope}", None, flows)
                    for scope, flows in zip(scopes, net_cash, strict=True))
        yield "the discounted QALYs of the system", None, qalys
        base["qalys"] = qalys
        # NPV is the difference of two amounts in bounds: not checked on its own.
        for name in ("roi", "bcr", "cash_roi", "nmb"):
            metric = derive(name, base, qaly_value)
            if name in _RATIOS:  # nan where there is no cost: undefined, not an overflow
                metric = np.where(np.isnan(metric), 0.0, metric)
            for scope, row in zip(scopes[:1] if name == "nmb" else scopes, metric, strict=False):
                yield f"{_WORDS[name]} of {scope}", None, row

    def _imbalance(self, values: Mapping[str, NDArray[np.float64]],
                   shape: tuple[int, int]) -> float:
        if not self.income_nodes:
            return 0.0
        income = np.zeros(shape)
        largest = 0.0
        for node_id in self.income_nodes:
            income += values[node_id]
            largest = max(largest, float(np.abs(values[node_id]).max(initial=0)))
        imbalance = float(np.abs(income).max(initial=0))
        return imbalance / largest if largest > 0 else 0.0
