"""Evaluating one slice of draws: every node, the ledger's reduction and the moments.

Values are laid out periods by draws, shape (H, n): a parameter is a row
(1, n) and the period index a column (H, 1), so every broadcast operation runs
along the long, contiguous draw axis. Every node's compiled formula runs once
per slice on those arrays: no per-draw Python loop. With the compiled kernel
(:mod:`bpv.engine.compiled_kernel`) the whole bid runs instead as one numba
loop over the slice's draws. Once per slice, vectorised, every amount of the
ledger is checked to be finite and within :data:`~bpv.engine.ledger.MAX_AMOUNT`
(docs/limits.md); a slice that fails is evaluated again by numpy, which names
the parameter, node or sum of the ledger where it first arises, and the draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpv._utils.scratch import scratch
from bpv.engine.compiled_kernel import row_moments
from bpv.engine.keys import OutputKey
from bpv.engine.ledger import MAX_AMOUNT, METRICS, ORGANISATION_METRICS, LedgerSlice, derive
from bpv.engine.moments import Moments
from bpv.engine.plan import EvaluationPlan
from bpv.errors import EvaluationError
from bpv.spec.bid import Bid

__all__ = ["SliceResult", "evaluate_slice", "slice_moments", "split_moments"]

Arrays = dict[str, NDArray[np.float64]]


@dataclass(frozen=True, kw_only=True)
class SliceResult:
    """What a slice of draws evaluates to.

    Attributes
    ----------
    outputs : dict of OutputKey to ndarray
        The per-draw outputs to keep, each with draws on its last axis.
    ledger : LedgerSlice
    rows : ndarray or None
        From the compiled kernel, the rows of
        :meth:`~bpv.engine.ledger.LedgerPlan.moment_keys`; None from numpy,
        which leaves them to :func:`slice_moments`.
    cash : ndarray of shape ((1 + len(CASH_PARTS)) * n_scopes, n_periods, n_kept)
        A copy of the net cash flows of the draws kept for the fan chart and
        the cash view (one in ``plan.cash_thinning``, by their place in the
        run), every scope's, then every scope's :data:`~bpv.engine.ledger.CASH_PARTS`.
    """

    outputs: dict[OutputKey, NDArray[np.float64]]
    ledger: LedgerSlice
    rows: NDArray[np.float64] | None
    cash: NDArray[np.float64]


def evaluate_slice(plan: EvaluationPlan, parameters: Arrays, gates: Arrays, *,
                   first_draw: int, n: int) -> SliceResult:
    """Evaluate every node on a slice of ``n`` draws and reduce it with the ledger.

    Parameters
    ----------
    plan : EvaluationPlan
    parameters : dict of str to ndarray of shape (n,)
        Every parameter's draws.
    gates : dict of str to ndarray of shape (1, n)
        Every success gate's draws.
    first_draw : int
        The place in the run of the slice's first draw.
    n : int

    Returns
    -------
    SliceResult
    """
    cash_first = (-first_draw) % plan.cash_thinning
    if plan.model is not None:
        kept, reduced, rows, finite = plan.model(
            parameters, gates, plan.money_factors, plan.health_factors,
            keep_flows=plan.keep_flows, placed=plan.placed, cash_every=plan.cash_thinning,
            cash_first=cash_first, n=n)
        if finite:  # the model stores only the kept draws' cash flows
            assert reduced.cash_parts is not None  # noqa: S101 - the kernel writes them
            return SliceResult(outputs=_slice_outputs(plan, kept, reduced), ledger=reduced,
                               rows=rows, cash=np.concatenate([reduced.net_cash,
                                                               reduced.cash_parts]))
        # Not finite somewhere: the numpy kernel finds the node and draw to name.
    values, ledger = _numpy_kernel(plan, parameters, gates, n)
    if not _ledger_within_bounds(plan, values, ledger):
        _raise_out_of_bounds(plan, values, first_draw)
    thinned = slice(cash_first, None, plan.cash_thinning)
    kept_cash = np.concatenate([ledger.net_cash[..., thinned],
                                plan.ledger.cash_parts(values, thinned, plan.bid.horizon)])
    return SliceResult(outputs=_slice_outputs(plan, values, ledger), ledger=ledger, rows=None,
                       cash=kept_cash)


def _numpy_kernel(plan: EvaluationPlan, parameters: Arrays, gates: Arrays,
                  n: int) -> tuple[Arrays, LedgerSlice]:
    """Every node's values by numpy, shape (H, n), and the ledger's reduction of them."""
    horizon = plan.bid.horizon
    t = np.arange(horizon, dtype=np.float64)[:, np.newaxis]
    values: Arrays = {name: row[np.newaxis, :] for name, row in parameters.items()}
    with np.errstate(all="ignore"):
        for node in plan.order:
            # Each node's values go to this thread's buffer for it, reused slice
            # after slice: a fresh array would cost more in page faults than the
            # arithmetic on it.
            value = scratch(f"node {node.id}", (horizon, n))
            if node.kind == "activity":
                np.multiply(node.delivery_profile(horizon)[:, np.newaxis],
                            gates.get(node.id, 1.0), out=value)
                if node.compiled is not None:
                    value *= node.compiled.evaluate(values, t)
            else:
                assert node.compiled is not None  # noqa: S101 - qualitative nodes are skipped
                node.compiled.evaluate(values, t, out=value)
            values[node.id] = value
        ledger = plan.ledger.reduce(values, plan.money_factors, plan.health_factors)
    return values, ledger


def _slice_outputs(plan: EvaluationPlan, values: Mapping[str, NDArray[np.float64]],
                   ledger: LedgerSlice) -> dict[OutputKey, NDArray[np.float64]]:
    """Return the per-draw outputs of a slice to keep, each with draws on its last axis."""
    out = {OutputKey("base", name): array for name, array in ledger.base.items()}
    out[OutputKey("base", "qalys")] = ledger.qalys
    out |= {OutputKey("node", node_id): values[node_id] for node_id in plan.ledger.metric_nodes}
    if plan.keep_flows:
        out |= {OutputKey("flow", node.id): values[node.id] for node in plan.order}
    return out


def slice_moments(plan: EvaluationPlan, result: SliceResult) -> tuple[list[OutputKey], Moments]:
    """Exact moments of every reported quantity over a slice of draws.

    Every quantity is a row of one matrix (draws along rows), so one
    vectorised pass computes them all and one merge combines slices; each
    metric is derived once for every scope at a time. Returns the row keys
    (the same for every slice of a run) and the moments; a metric node's
    periods take one row each. The compiled kernel has computed the rows
    already (``result.rows``).
    """
    keys = plan.ledger.moment_keys(plan.bid.horizon)
    if result.rows is not None:
        return keys, row_moments(result.rows)
    ledger, out = result.ledger, result.outputs
    base = {**ledger.base, "qalys": ledger.qalys[np.newaxis, :]}
    table = {name: derive(name, base, plan.bid.settings.qaly_value)
             for name in dict.fromkeys(METRICS + ORGANISATION_METRICS)}
    pieces = [table[name][:1] for name in METRICS]
    pieces += [table[name][1:] for name in ORGANISATION_METRICS]
    # Exact probabilities of gain: P(npv > 0) of every scope and P(nmb > 0).
    pieces += [(table["npv"] > 0).astype(np.float64), (table["nmb"][:1] > 0).astype(np.float64)]
    nodes = [OutputKey("node", node_id) for node_id in plan.ledger.metric_nodes]
    pieces += [out[key].sum(axis=0, keepdims=True) for key in nodes]
    pieces += [out[key] for key in nodes]
    n = ledger.qalys.shape[0]
    rows = np.concatenate(pieces, axis=0,
                          out=scratch("moment rows", (len(keys), n)))
    return keys, Moments.of_rows(rows, overwrite=True)


def split_moments(keys: list[OutputKey], stacked: Moments) -> dict[OutputKey, Moments]:
    """Give each quantity its moments; a metric node's periods become one array."""
    moments: dict[OutputKey, Moments] = {}
    periods: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key.kind == "node":
            periods.setdefault(key.name, []).append(index)
        else:
            moments[key] = stacked.column(index)
    for node_id, indices in periods.items():
        moments[OutputKey("node", node_id)] = Moments(count=stacked.count[indices],
                                                      mean=stacked.mean[indices],
                                                      m2=stacked.m2[indices])
    return moments


def _within_bounds(array: NDArray[np.float64]) -> bool:
    """Return whether every value is within ±:data:`MAX_AMOUNT` (nan is not)."""
    return array.size == 0 or bool(array.max() <= MAX_AMOUNT and array.min() >= -MAX_AMOUNT)


def _surely_within_bounds(array: NDArray[np.float64]) -> bool:
    """Return True only for arrays :func:`_within_bounds` passes, in one pass.

    The sum of squares is at most ``MAX_AMOUNT**2`` only if every value is within
    the bound (nan and inf make it nan or inf). It also fails arrays of many values
    just under the bound (above about 1e97): the exact test then decides.
    """
    flat = array.reshape(-1)
    # In pieces that fit in a core's cache: BLAS runs one piece at a time, on this
    # thread, where on a whole large array it starts threads of its own.
    total = 0.0
    for start in range(0, flat.size, _PIECE):
        piece = flat[start:start + _PIECE]
        total += float(np.dot(piece, piece))
    return total <= _MAX_SQUARE


_MAX_SQUARE = MAX_AMOUNT * MAX_AMOUNT
_PIECE = 8_192


def _ledger_within_bounds(plan: EvaluationPlan, values: Mapping[str, NDArray[np.float64]],
                          ledger: LedgerSlice) -> bool:
    """Check, once per slice and vectorised, that every amount the ledger keeps is in bounds.

    Present values of every scope, QALYs, net cash flows by period (so the
    cumulative flows of the payback stay finite), NMB, each metric node's
    values and the ratios; NPV is the difference of two amounts in bounds.
    A slice that fails this quick test is looked at value by value
    (:func:`_raise_out_of_bounds`), which raises only for a value past the bound.
    """
    base = ledger.base
    arrays = [base[name] for name in ("cost_pv", "cash_releasing_pv", "benefit_pv", "income_pv")]
    arrays += [ledger.qalys, ledger.net_cash]
    arrays += [values[node_id] for node_id in plan.ledger.metric_nodes]
    with np.errstate(all="ignore"):
        if not all(_surely_within_bounds(array) for array in arrays):
            return False
        qaly_value = plan.bid.settings.qaly_value
        nmb = qaly_value * ledger.qalys + base["benefit_pv"][0] - base["cost_pv"][0]
        if not _surely_within_bounds(nmb):
            return False
        # A ratio passes the bound only where its outlay is small (numerators are in bounds).
        cost, paid = base["cost_pv"], np.maximum(-base["income_pv"], 0.0)
        spent = cost + paid
        small = (np.abs(spent) < 2.0) & (spent != 0.0)
        if small.any():
            for numerator in (base["benefit_pv"] - cost, base["benefit_pv"] + paid,
                              base["cash_releasing_pv"] - cost):
                if not _within_bounds(numerator[small] / spent[small]):
                    return False
    return True


def _raise_out_of_bounds(plan: EvaluationPlan, values: Mapping[str, NDArray[np.float64]],
                         first_draw: int) -> None:
    """Name the first node, or the first sum of the ledger, whose values are out of bounds.

    Nodes are looked at in evaluation order, then the ledger's amounts in the
    order they arise (:meth:`~bpv.engine.ledger.LedgerPlan.steps`). Raises
    :class:`~bpv.errors.EvaluationError`; returns if nothing is found (the
    compiled kernel's sums can round past a bound that numpy's do not).
    """
    bid = plan.bid
    for name, parameter in bid.parameters.items():
        draws = values[name].reshape(-1)
        if not np.isfinite(draws).all():
            bad = ~np.isfinite(draws)
            draw = int(np.argmax(bad))
            msg = (f"parameters.{name}: {parameter.distribution.describe()} draws values past "
                   f"the largest number, about 1.8e308 ({draws[draw]}), in "
                   f"{int(bad.sum()):,} draws of this slice, first at draw "
                   f"{first_draw + draw:,}; narrow its distribution")
            raise EvaluationError(msg)
    for node in plan.order:
        if not np.isfinite(values[node.id]).all():
            _raise_not_finite(bid, node.id, values[node.id], first_draw)
    with np.errstate(all="ignore"):
        for what, node_id, array in plan.ledger.steps(values, plan.money_factors,
                                                      plan.health_factors,
                                                      bid.settings.qaly_value):
            if _within_bounds(array):
                continue
            by_draw = np.atleast_2d(array).T  # draws by periods
            bad = ~(np.abs(by_draw) <= MAX_AMOUNT)
            draw, period = (int(i) for i in np.argwhere(bad)[0])
            when = f", period {period} ({bid.period_labels[period]})" if array.ndim == 2 else ""
            if node_id is not None:
                index = bid.node_ids.index(node_id)
                what = what.replace(f"node '{node_id}'", f"nodes[{index}] '{node_id}'")
                advice = (f"check its formula '{bid.node(node_id).formula}' and the parameters "
                          "it uses")
            else:
                advice = "check the formulas of the nodes it sums and the parameters they use"
            msg = (f"{what} reaches {by_draw[draw, period]:.6g} in "
                   f"{int(bad.any(axis=1).sum()):,} draws of this slice, first at draw "
                   f"{first_draw + draw:,}{when}: beyond "
                   f"±{MAX_AMOUNT:.0e}, the largest amount bpv works with (docs/limits.md); "
                   f"{advice}")
            raise EvaluationError(msg)


def _raise_not_finite(bid: Bid, node_id: str, value: NDArray[np.float64],
                      first_draw: int) -> None:
    bad = ~np.isfinite(value.T)  # values are periods by draws; read them draw by draw
    draw, period = (int(i) for i in np.argwhere(bad)[0])
    value = value.T
    index = bid.node_ids.index(node_id)
    msg = (f"nodes[{index}] '{node_id}' gives values that are not finite "
           f"({value[draw, period]}) in {int(bad.any(axis=1).sum()):,} draws of this slice, "
           f"first at draw {first_draw + draw:,}, period {period}: check its formula "
           f"'{bid.node(node_id).formula}' for division by zero, log or sqrt of values that can "
           "be 0 or negative, or a parameter whose distribution reaches such values")
    raise EvaluationError(msg)
