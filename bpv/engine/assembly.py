"""Assembling a run: its chunks of blocks, in block order, joined into an Appraisal."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpv._version import __version__
from bpv.engine.evaluation import split_moments
from bpv.engine.keys import OutputKey
from bpv.engine.ledger import BASE_METRICS, CASH_PARTS, METRICS, ORGANISATION_BASE_METRICS
from bpv.engine.moments import Moments
from bpv.engine.plan import Plan
from bpv.engine.results import Appraisal, CashFlowResult, MetricNodeResult
from bpv.engine.schedule import Chunk
from bpv.errors import BidWarning, Finding
from bpv.sampling.streams import BLOCK_SIZE
from bpv.spec.bid import Bid
from bpv.spec.sanity import node_location

__all__ = ["IMBALANCE_TOLERANCE", "assemble", "imbalance_finding", "warn_imbalance"]

_CASH = OutputKey("cash", "net_cash")


class _Collector:
    """Preallocated per-draw outputs (draws on the last axis), filled part by part in order."""

    def __init__(self, n_draws: int) -> None:
        self.n_draws = n_draws
        self.arrays: dict[OutputKey, NDArray[np.float64]] = {}
        self.filled: dict[OutputKey, int] = {}

    def put(self, key: OutputKey, values: NDArray[np.float64]) -> None:
        if key not in self.arrays:
            self.arrays[key] = np.empty((*values.shape[:-1], self.n_draws))
            self.filled[key] = 0
        start = self.filled[key]
        self.arrays[key][..., start:start + values.shape[-1]] = values
        self.filled[key] = start + values.shape[-1]

    def get(self, key: OutputKey) -> NDArray[np.float64]:
        array = self.arrays[key]
        array.flags.writeable = False
        return array

    def of_kind(self, kind: str) -> dict[str, NDArray[np.float64]]:
        """Return the arrays of one kind of output, by name, in the order they came."""
        return {key.name: self.get(key) for key in self.arrays if key.kind == kind}


@dataclass(frozen=True, kw_only=True)
class _Collected:
    """Every chunk of a run joined: kept draws, kept cash flows, moments and imbalance."""

    out: _Collector
    cash: NDArray[np.float64]
    moments: dict[OutputKey, Moments]
    imbalance: float


def assemble(plan: Plan, chunks: Iterable[Chunk]) -> tuple[Appraisal, float]:
    """Join a run's chunks, in block order, into its Appraisal; also return the imbalance.

    The imbalance is the largest relative sum of income transfers over
    organisations in any draw (:func:`warn_imbalance`).
    """
    collected = _collect(plan, chunks)
    return _appraisal(plan, collected), collected.imbalance


def _collect(plan: Plan, chunks: Iterable[Chunk]) -> _Collected:
    evaluation = plan.evaluation
    out = _Collector(evaluation.n_kept)
    cash_out = _Collector(math.ceil(plan.n_draws / evaluation.cash_thinning))
    total: Moments | None = None
    column_keys: list[OutputKey] = []
    imbalance = 0.0
    for chunk in chunks:
        for key, parts in chunk.vectors.items():
            for part in parts:
                out.put(key, part)
        for part in chunk.cash:
            cash_out.put(_CASH, part)
        for keys, block in chunk.moments:  # blocks in order: merging ignores chunking
            total = block if total is None else total.merge(block)
            column_keys = keys
        imbalance = max(imbalance, chunk.imbalance)
    merged = {} if total is None else split_moments(column_keys, total)
    return _Collected(out=out, cash=cash_out.get(_CASH), moments=merged, imbalance=imbalance)


def _appraisal(plan: Plan, collected: _Collected) -> Appraisal:
    bid, evaluation, out, merged = plan.bid, plan.evaluation, collected.out, collected.moments
    base = out.of_kind("base")
    system = {name: base[name][0] for name in BASE_METRICS if name != "qalys"}
    system["qalys"] = base["qalys"]
    organisations = {org: {name: base[name][index] for name in ORGANISATION_BASE_METRICS}
                     for index, org in enumerate(evaluation.ledger.organisations, start=1)}
    # Users read per-draw, per-period values as draws by periods: transposed views.
    # (Units looked up once by id: bid.node searches, and a bid may have 10,000 nodes.)
    units, periods = {node.id: node.unit for node in bid.nodes}, bid.period_labels
    metric_nodes = {
        node_id: MetricNodeResult(
            node_id, units[node_id], periods, values.T,
            by_period_moments=merged.get(OutputKey("node", node_id)),
            total_moments=merged.get(OutputKey("node_total", node_id)))
        for node_id, values in out.of_kind("node").items()
    }
    flows = ({node_id: values.T for node_id, values in out.of_kind("flow").items()}
             if evaluation.keep_flows else None)
    inputs = out.of_kind("input") if evaluation.keep_inputs else None
    scopes = evaluation.ledger.scopes
    cash_flows = {(None if index == 0 else scope): CashFlowResult(
                      scope, bid.period_labels, collected.cash[index].T,
                      n_represented=plan.n_draws,
                      parts={part: collected.cash[(1 + p) * len(scopes) + index].T
                             for p, part in enumerate(CASH_PARTS)})
                  for index, scope in enumerate(scopes)}
    entropy = plan.sampling.root.entropy
    return Appraisal(
        base=system,
        names=METRICS,
        qaly_value=bid.settings.qaly_value,
        moments=merged or None,
        n_represented=plan.n_draws,
        bid_id=bid.id,
        n_draws=plan.n_draws,
        method=plan.sampling.method,
        entropy=entropy if isinstance(entropy, int) else tuple(int(e) for e in entropy or ()),
        bid_hash=plan.bid_hash,
        periods=bid.period_labels,
        organisation_base=organisations,
        metric_nodes=metric_nodes,
        flows=flows,
        inputs=inputs,
        cash_flows=cash_flows,
        provenance=_provenance(plan),
    )


def _provenance(plan: Plan) -> dict[str, object]:
    """How the numbers were made: version, seed, block size, kernel, discounting, adjustments."""
    bid, evaluation = plan.bid, plan.evaluation
    return {
        "bpv_version": __version__,
        "spawn_key": list(plan.sampling.root.spawn_key),
        "block_size": BLOCK_SIZE,
        "kernel": "numpy" if evaluation.model is None else "compiled",
        "discounting": bid.settings.discounting,
        "timing": bid.settings.timing,
        "money_discount_factors": [float(x) for x in evaluation.money_factors],
        "health_discount_factors": [float(x) for x in evaluation.health_factors],
        "qaly_value": bid.settings.qaly_value,
        "price_year": bid.settings.price_year,
        "adjustments": [dict(adjustment) for adjustment in plan.adjustments],
    }


#: Largest imbalance of income transfers, relative to the largest transfer, that passes.
IMBALANCE_TOLERANCE = 1e-9


def imbalance_finding(bid: Bid, imbalance: float) -> Finding | None:
    """Say that income transfers do not balance (by more than :data:`IMBALANCE_TOLERANCE`).

    The one check of balance: :func:`bpv.appraise` warns with it, and
    ``bpv validate`` reports it (:mod:`bpv.engine.sanity`).
    """
    if imbalance <= IMBALANCE_TOLERANCE:
        return None
    income = ", ".join(node_location(node.id) for node in bid.nodes if node.measure == "income")
    return Finding(income or "nodes", f"income transfers in bid '{bid.id}' do not balance: what "
                   f"organisations receive and pay differs by up to {imbalance:.1%} of the "
                   "largest transfer; the system view ignores transfers, but per-organisation "
                   "results will not add up to it", check="unbalanced-transfers")


def warn_imbalance(bid: Bid, imbalance: float, *, stacklevel: int) -> None:
    """Warn when income transfers do not balance (:func:`imbalance_finding`)."""
    finding = imbalance_finding(bid, imbalance)
    if finding is not None:
        warnings.warn(finding.message, BidWarning, stacklevel=stacklevel + 1)
