"""Exact streaming moments: count, mean and sum of squared deviations, merged chunk by chunk.

Used when an appraisal does not keep every draw: the mean, sd and Monte Carlo
standard error stay exact over all draws. Non-finite values are not counted.
Merging follows Chan, Golub & LeVeque (1979); blocks are merged in a fixed
order, so the result does not depend on how draws were split into chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Moments"]


@dataclass(frozen=True)
class Moments:
    """Count, mean and sum of squared deviations of finite values, per column.

    Attributes
    ----------
    count, mean, m2 : ndarray
        Of the shape of one draw (``()`` for a scalar metric, ``(n_periods,)``
        for a metric node by period).

    Examples
    --------
    >>> a = Moments.of(np.array([1.0, 2.0]))
    >>> b = Moments.of(np.array([3.0, 4.0, np.inf]))
    >>> m = a.merge(b)
    >>> float(m.mean), round(float(m.sd), 6), int(m.count)
    (2.5, 1.290994, 4)
    """

    count: NDArray[np.float64]
    mean: NDArray[np.float64]
    m2: NDArray[np.float64]

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> Moments:
        """Return the moments of ``values`` along its first axis (the draws)."""
        with np.errstate(invalid="ignore", over="ignore"):
            finite_columns = np.isfinite(values.sum(axis=0))  # any inf or nan shows here
        if finite_columns.all():  # the usual case: two passes, no masks
            mean = values.mean(axis=0)
            deviations = values - mean
            m2 = np.einsum("i...,i...->...", deviations, deviations)
            count = np.full(mean.shape, float(values.shape[0]))
            return cls(np.asarray(count), np.asarray(mean), np.asarray(m2))
        if values.ndim == 2 and finite_columns.any():  # split: masks only where needed
            clean = cls.of(values[:, finite_columns])
            dirty = cls._masked(values[:, ~finite_columns])
            parts = {}
            for name in ("count", "mean", "m2"):
                combined = np.empty(values.shape[1])
                combined[finite_columns] = getattr(clean, name)
                combined[~finite_columns] = getattr(dirty, name)
                parts[name] = combined
            return cls(parts["count"], parts["mean"], parts["m2"])
        return cls._masked(values)

    @classmethod
    def _masked(cls, values: NDArray[np.float64]) -> Moments:
        """Moments counting only the finite values."""
        finite = np.isfinite(values)
        count = finite.sum(axis=0).astype(np.float64)
        clean = np.where(finite, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, clean.sum(axis=0) / count, np.nan)
            deviations = np.where(finite, values - mean, 0.0)
        m2 = (deviations * deviations).sum(axis=0)
        return cls(np.asarray(count), np.asarray(mean), np.asarray(m2))

    def merge(self, other: Moments) -> Moments:
        """Return the moments of the union of both samples."""
        count = self.count + other.count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.nan_to_num(other.mean) - np.nan_to_num(self.mean)
            share = np.where(count > 0, other.count / count, 0.0)
            mean = np.where(count > 0, np.nan_to_num(self.mean) + delta * share, np.nan)
            m2 = self.m2 + other.m2 + np.where(
                count > 0, delta * delta * self.count * other.count / count, 0.0)
        return Moments(count, mean, m2)

    @property
    def sd(self) -> NDArray[np.float64]:
        """Sample standard deviation (ddof 1)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 1, np.sqrt(self.m2 / (self.count - 1)), np.nan)

    @property
    def mcse(self) -> NDArray[np.float64]:
        """Monte Carlo standard error of the mean, sd / sqrt(count)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 1, self.sd / np.sqrt(self.count), np.nan)

    def column(self, index: int) -> Moments:
        """Return the moments of one column (one period)."""
        return Moments(self.count[index], self.mean[index], self.m2[index])

    def scalars(self) -> tuple[float, float, float, float]:
        """Return (mean, sd, mcse, count) as floats, for a scalar metric."""
        mean, sd, mcse = float(self.mean), float(self.sd), float(self.mcse)
        return (mean if math.isfinite(mean) else math.nan, sd, mcse, float(self.count))
