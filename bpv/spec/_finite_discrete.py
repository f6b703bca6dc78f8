"""A scipy distribution on finitely many real values, for ``fixed`` and ``discrete``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["FiniteDiscrete"]

# ``rv_discrete(values=...)`` dispatches to scipy's private ``rv_sample``, which
# already handles non-integer values (``cdf``, ``rvs``, moments). It is reached
# through an instance so no private module path is imported.
_RvSample: Any = type(stats.rv_discrete(values=([0.0], [1.0])))


class FiniteDiscrete(_RvSample):  # type: ignore[misc]
    """``rv_discrete`` on finitely many real values, with a few repairs.

    * ``ppf(0)`` is the smallest value, not scipy's ``a - 1`` for integer
      distributions, so inversion sampling stays on the support;
    * the cumulative probabilities end at exactly 1, so ``ppf`` of a
      probability just below 1 cannot fall off the end;
    * ``ppf``, ``cdf`` and ``pmf`` use binary search, so an empirical
      distribution of thousands of values samples quickly;
    * moments are computed about the mean, which keeps the variance of values
      far from zero accurate.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # rv_discrete.__new__ would dispatch to scipy's own rv_sample class.
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.qvals[-1] = 1.0

    def ppf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        output = super().ppf(q, *args, **kwds)
        _, loc, _ = self._parse_args(*args, **kwds)
        return np.where(np.asarray(q) == 0, self.a + loc, output)[()]

    # scipy compares every point with every value (memory n_points * n_values);
    # binary search does the same in n_points * log(n_values).

    def _ppf(self, q: Any) -> Any:
        index = np.searchsorted(self.qvals, q, side="left")
        return self.xk[np.minimum(index, len(self.xk) - 1)]

    def _cdf(self, x: Any) -> Any:
        return self.qvals[np.searchsorted(self.xk, x, side="right") - 1]

    def _pmf(self, x: Any) -> Any:
        index = np.minimum(np.searchsorted(self.xk, x, side="left"), len(self.xk) - 1)
        return np.where(self.xk[index] == x, self.pk[index], 0.0)

    def _stats(self) -> tuple[float, float, float, float]:
        mean = float(np.sum(self.xk * self.pk))
        centred = self.xk - mean
        variance = float(np.sum(centred**2 * self.pk))
        if variance == 0.0:
            return mean, 0.0, math.nan, math.nan
        standard = centred / math.sqrt(variance)
        with np.errstate(over="ignore"):  # a tiny weight far out: the kurtosis is huge
            skewness = float(np.sum(standard**3 * self.pk))
            kurtosis = float(np.sum(standard**4 * self.pk)) - 3.0
        return mean, variance, skewness, kurtosis
