"""Weighted draws: normalised importance weights, effective sample size, weighted summaries.

A re-forecast represents the posterior by the appraisal's draws with
weights (importance reweighting) or by equally weighted particles (SMC);
every summary it reports comes from here.

Examples
--------
>>> weights = normalise(np.log([1.0, 1.0, 2.0]))
>>> weights
array([0.25, 0.25, 0.5 ])
>>> float(effective_sample_size(weights))
2.6666666666666665
>>> float(weighted_quantile(np.array([3.0, 1.0, 2.0]), weights, 0.5))
2.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["NEGLIGIBLE", "effective_sample_size", "normalise", "support", "weighted_mean",
           "weighted_quantile", "weighted_sd"]

FloatArray = NDArray[np.float64]
#: Total weight the draws left out by :func:`support` carry at most.
NEGLIGIBLE = 1e-6


def normalise(log_weights: ArrayLike) -> FloatArray:
    """Return weights proportional to ``exp(log_weights)``, summing to 1 (log-sum-exp).

    ``-inf`` gives a weight of 0. All ``-inf`` (or none) gives NaN weights:
    the caller checks :func:`effective_sample_size` or ``log_weights`` first.

    Examples
    --------
    >>> normalise([1000.0, 1000.0, -np.inf])
    array([0.5, 0.5, 0. ])
    """
    values = np.asarray(log_weights, dtype=np.float64)
    top = np.max(values) if values.size else -np.inf
    if not np.isfinite(top):
        return np.full(values.shape, np.nan)
    weights = np.exp(values - top)
    result: FloatArray = weights / weights.sum()
    return result


def effective_sample_size(weights: ArrayLike) -> float:
    """Return Kish's effective sample size of normalised weights, ``1 / Σ wᵢ²``.

    Equal weights over n draws give n; all the weight on one draw gives 1.
    """
    values = np.asarray(weights, dtype=np.float64)
    return float(1.0 / np.sum(values * values))


def weighted_mean(values: ArrayLike, weights: ArrayLike) -> float:
    """Return ``Σ wᵢ xᵢ`` for normalised weights (0 × ±inf counts as 0)."""
    x, w = _kept(values, weights)
    return float(np.sum(x * w))


def weighted_sd(values: ArrayLike, weights: ArrayLike) -> float:
    """Return the weighted standard deviation, ``sqrt(Σ wᵢ (xᵢ − x̄)²)`` (no bias correction)."""
    x, w = _kept(values, weights)
    mean = np.sum(x * w)
    return float(np.sqrt(np.sum((x - mean) ** 2 * w)))


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: ArrayLike) -> FloatArray:
    """Return weighted quantiles: the smallest value whose cumulative weight reaches ``q``.

    The weighted form of ``np.quantile(..., method="inverted_cdf")``: with
    weights proportional to whole counts it equals ``np.quantile`` of the
    values repeated that many times.

    Parameters
    ----------
    values : array_like of shape (n,)
    weights : array_like of shape (n,)
        Non-negative, not all zero (need not sum to 1).
    q : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    ndarray
        Of the shape of ``q``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> weighted_quantile(x, [1, 2, 1], [0.25, 0.5, 0.75, 1.0])
    array([1., 2., 2., 3.])
    >>> np.quantile(np.repeat(x, [1, 2, 1]), [0.25, 0.5, 0.75, 1.0], method="inverted_cdf")
    array([1., 2., 2., 3.])
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.size and w[0] > 0 and (w == w[0]).all():  # equal weights: numpy's, without a sort
        return np.asarray(np.quantile(x, np.asarray(q, dtype=np.float64),
                                      method="inverted_cdf"), dtype=np.float64)
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(w[order])
    probabilities = np.asarray(q, dtype=np.float64)
    target = probabilities * cumulative[-1]
    index = np.searchsorted(cumulative, target, side="left")
    # skip draws of no weight at the start (q = 0 gives the smallest value of positive weight)
    first = int(np.argmax(cumulative > 0))
    index = np.clip(np.maximum(index, first), 0, x.size - 1)
    result: FloatArray = x[order][index]
    return result


def support(weights: ArrayLike, *, negligible: float = NEGLIGIBLE) -> NDArray[np.intp]:
    """Return the indices of the draws that carry all but a negligible share of the weight.

    The lightest draws whose weights add up to at most ``negligible`` are left
    out, so a weighted quantile over the rest is off by at most ``negligible``
    in probability, and is quicker to compute when most draws carry almost
    nothing (after informative actuals). Equal weights keep every draw.

    Examples
    --------
    >>> support(np.array([0.5, 1e-9, 0.3, 0.2 - 1e-9]))
    array([0, 2, 3])
    """
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(w, kind="stable")
    light = int(np.searchsorted(np.cumsum(w[order]), negligible, side="right"))
    kept: NDArray[np.intp] = np.sort(order[light:])
    return kept


def _kept(values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return the values and weights, without the draws of no weight when a value is not finite.

    Sums here avoid BLAS (``np.dot``), whose threads compete with the engine's.
    """
    x, w = np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    if np.isfinite(x).all():
        return x, w
    kept = w > 0
    return x[kept], w[kept]
