"""Decision rules on a sample: which option is best, how sure, what certainty is worth.

Every function here takes per-draw values of several options, one column per
option (shape (n_draws, n_options)), drawn on common random numbers so the
draws of a row belong together. Higher is better (net benefit, NPV, NMB);
costs and effects go through :func:`net_monetary_benefit` first.

Definitions follow the health-economics literature (e.g. BCEA, dampack):

- probability best: the share of draws in which an option has the highest
  value (ties shared equally);
- EVPI = E[max_j NB_j] − max_j E[NB_j] ≥ 0, zero when one option wins in
  every draw (the value of resolving all uncertainty before deciding);
- the cost-effectiveness frontier on expected costs and effects, with strong
  and extended dominance and ICERs between neighbours on the frontier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FrontierRow",
    "ceac",
    "evpi",
    "frontier",
    "net_monetary_benefit",
    "population_evpi",
    "probability_best",
    "rank_probabilities",
]

Matrix = NDArray[np.float64]


def _matrix(values: ArrayLike) -> Matrix:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] == 0:
        msg = f"expected values of shape (n_draws, n_options), got shape {array.shape}"
        raise ValueError(msg)
    return array


def net_monetary_benefit(costs: ArrayLike, effects: ArrayLike, threshold: float) -> Matrix:
    """Return NMB = λ × effects − costs, per draw and option.

    Examples
    --------
    >>> net_monetary_benefit([[0.0, 100.0]], [[0.0, 0.01]], 20_000)
    array([[  0., 100.]])
    """
    nmb: Matrix = threshold * np.asarray(effects, dtype=np.float64) - np.asarray(
        costs, dtype=np.float64)
    return nmb


def probability_best(values: ArrayLike) -> NDArray[np.float64]:
    """Return each option's probability of having the highest value; ties are shared.

    Examples
    --------
    >>> probability_best([[1.0, 2.0], [3.0, 0.0], [1.0, 1.0], [0.0, 5.0]])
    array([0.375, 0.625])
    """
    matrix = _matrix(values)
    winners = matrix == matrix.max(axis=1, keepdims=True)
    shares: NDArray[np.float64] = (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)
    return shares


def rank_probabilities(values: ArrayLike) -> NDArray[np.float64]:
    """Return P(option i has rank r), shape (n_options, n_options); rank 0 is best.

    Ties go to the option listed first.

    Examples
    --------
    >>> rank_probabilities([[1.0, 2.0], [3.0, 0.0]])
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    matrix = _matrix(values)
    n_draws, n_options = matrix.shape
    order = np.argsort(-matrix, axis=1, kind="stable")  # order[d, r]: option ranked r
    shares = np.zeros((n_options, n_options))
    for rank in range(n_options):
        shares[:, rank] = np.bincount(order[:, rank], minlength=n_options) / n_draws
    return shares


def evpi(values: ArrayLike) -> float:
    """Return the expected value of perfect information, E[max_j NB_j] − max_j E[NB_j].

    The one implementation of EVPI in bpv: comparisons, EVPPI
    (:func:`bpv.analysis.evppi.evppi`, the EVPI of the conditional means) and
    :func:`bpv.sensitivity` all call it. Computed as the mean regret of the
    option chosen on expected value, which is the same quantity: never
    negative, and exactly zero when that option is best in every draw.

    Parameters
    ----------
    values : array_like, shape (n_draws, n_options) or (n_draws,)
        Net benefit of each option per draw. A single column is the decision
        to fund a scheme of that net benefit or not (zero).

    Examples
    --------
    >>> evpi([[10.0, 0.0], [0.0, 20.0]])   # E[max] = 15, max E = 10
    5.0
    >>> evpi([-1.0, 3.0])   # fund or not: E[max(0, NB)] − max(0, E[NB])
    0.5
    """
    matrix = _options(values)
    chosen = int(np.argmax(matrix.mean(axis=0)))
    return float((matrix.max(axis=1) - matrix[:, chosen]).mean())


def _options(values: ArrayLike) -> Matrix:
    """Return the options' values; one column ``v`` becomes the pair (not fund: 0, fund: v)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = np.column_stack([np.zeros_like(array), array])
    return _matrix(array)


def population_evpi(per_decision: float, population: float = 1.0, years: int = 1,
                    discount_rate: float = 0.0) -> float:
    """Scale EVPI to a population over years, discounted at the end of each year after the first.

    ``per_decision × population × Σ_{t=0}^{years-1} (1 + r)^-t``.

    Examples
    --------
    >>> round(population_evpi(100.0, population=10, years=2, discount_rate=0.035), 2)
    1966.18
    """
    annuity = sum((1.0 + discount_rate) ** -t for t in range(years))
    return per_decision * population * annuity


def ceac(costs: ArrayLike, effects: ArrayLike, thresholds: Sequence[float]) -> Matrix:
    """Return the acceptability curves: P(option has the highest NMB) at each λ.

    Returns
    -------
    ndarray of shape (n_thresholds, n_options)
        Each row sums to 1.
    """
    cost_matrix, effect_matrix = _matrix(costs), _matrix(effects)
    return np.vstack([probability_best(net_monetary_benefit(cost_matrix, effect_matrix, lam))
                      for lam in thresholds])


@dataclass(frozen=True, kw_only=True)
class FrontierRow:
    """One option on the cost-effectiveness plane, by expected cost and effect.

    Attributes
    ----------
    option : str
    cost, effect : float
        Expected (net) cost and effect.
    status : {'frontier', 'dominated', 'extendedly dominated', 'tied'}
        ``'tied'``: the same expected cost and effect as ``compared_with``, an
        option before it, so no ICER can be computed between them (0 / 0).
    icer : float or None
        Incremental cost per unit of effect against ``compared_with``, the
        previous option on the frontier (None for the first, for a tie, and for
        options off the frontier).
    compared_with : str or None
    """

    option: str
    cost: float
    effect: float
    status: str
    icer: float | None = None
    compared_with: str | None = None


def frontier(options: Sequence[str], costs: ArrayLike, effects: ArrayLike) -> list[FrontierRow]:
    """Return the options ordered by cost with dominance and ICERs along the frontier.

    An option is *dominated* when another costs no more and gives no less
    effect (one of them strictly); *extendedly dominated* when a mix of its
    neighbours would beat it, which shows as ICERs that fall along the
    frontier. ICERs are computed between successive options left on it.

    Examples
    --------
    >>> for row in frontier(["a", "b", "c", "d"], [0, 10, 35, 30], [0, 0.5, 2.5, 3]):
    ...     print(row.option, row.status, row.icer, row.compared_with)
    a frontier None None
    b extendedly dominated None None
    d frontier 10.0 a
    c dominated None None
    """
    cost = np.asarray(costs, dtype=np.float64).ravel()
    effect = np.asarray(effects, dtype=np.float64).ravel()
    order = sorted(range(len(options)), key=lambda i: (cost[i], -effect[i]))
    status = dict.fromkeys(order, "frontier")
    tied_with: dict[int, int] = {}
    for place, i in enumerate(order):
        for j in order:
            if j != i and cost[j] <= cost[i] and effect[j] >= effect[i] \
                    and (cost[j] < cost[i] or effect[j] > effect[i]):
                status[i] = "dominated"
                break
        else:
            # The same expected cost and effect as an option before it: a tie, which has
            # no ICER (0 / 0); the frontier goes on from the first of the tied options.
            earlier = [j for j in order[:place] if cost[j] == cost[i] and effect[j] == effect[i]]
            if earlier:
                status[i] = "tied"
                tied_with[i] = earlier[0]
    on = [i for i in order if status[i] == "frontier"]
    changed = True
    while changed and len(on) > 2:
        changed = False
        icers = [(cost[on[k]] - cost[on[k - 1]]) / (effect[on[k]] - effect[on[k - 1]])
                 for k in range(1, len(on))]
        for k in range(len(icers) - 1):
            if icers[k] > icers[k + 1]:
                status[on[k + 1]] = "extendedly dominated"
                del on[k + 1]
                changed = True
                break
    rows = []
    previous: int | None = None
    for i in order:
        icer = compared = None
        if status[i] == "tied":
            compared = options[tied_with[i]]
        elif status[i] == "frontier":
            if previous is not None:
                icer = float((cost[i] - cost[previous]) / (effect[i] - effect[previous]))
                compared = options[previous]
            previous = i
        rows.append(FrontierRow(option=options[i], cost=float(cost[i]),
                                effect=float(effect[i]), status=status[i], icer=icer,
                                compared_with=compared))
    return rows
