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


@dataclass(frozen=True, kw_only=True)
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
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            one = cls.of_rows(values[np.newaxis, :])
            return cls(count=one.count[0], mean=one.mean[0], m2=one.m2[0])
        flat = values.reshape(values.shape[0], -1)
        rows = cls.of_rows(flat.T)  # one row per quantity: reductions run along memory
        shape = values.shape[1:]
        return cls(count=rows.count.reshape(shape), mean=rows.mean.reshape(shape),
                   m2=rows.m2.reshape(shape))

    @classmethod
    def of_rows(cls, rows: NDArray[np.float64], *, overwrite: bool = False) -> Moments:
        """Return the moments of each row (draws along the last axis), finite values only.

        With ``overwrite=True`` the rows are used as scratch space (their
        values are lost), which saves allocating a copy of them.
        """
        work = rows if overwrite else np.array(rows, dtype=np.float64)
        n = work.shape[1]
        with np.errstate(invalid="ignore", over="ignore"):
            sums = work.sum(axis=1)
        count = np.full(work.shape[0], float(n))
        # An inf or nan anywhere in a row shows in its sum; such rows (a payback
        # that never comes, a ratio without a cost) count their finite values only.
        masks = {}
        for index in np.flatnonzero(~np.isfinite(sums)):
            row = work[index]
            missing = ~np.isfinite(row)
            row[missing] = 0.0
            count[index] = n - np.count_nonzero(missing)
            sums[index] = row.sum()
            masks[index] = missing
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, sums / count, np.nan)
            np.subtract(work, mean[:, np.newaxis], out=work)
        for index, missing in masks.items():
            work[index, missing] = 0.0
            if count[index] == 0:
                work[index] = 0.0
        m2 = np.einsum("ij,ij->i", work, work)
        return cls(count=count, mean=mean, m2=m2)

    def merge(self, other: Moments) -> Moments:
        """Return the moments of the union of both samples."""
        count = self.count + other.count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.nan_to_num(other.mean) - np.nan_to_num(self.mean)
            share = np.where(count > 0, other.count / count, 0.0)
            mean = np.where(count > 0, np.nan_to_num(self.mean) + delta * share, np.nan)
            m2 = self.m2 + other.m2 + np.where(
                count > 0, delta * delta * self.count * other.count / count, 0.0)
        return Moments(count=count, mean=mean, m2=m2)

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
        return Moments(count=self.count[index], mean=self.mean[index], m2=self.m2[index])

    def scalars(self) -> tuple[float, float, float, float]:
        """Return (mean, sd, mcse, count) as floats, for a scalar metric."""
        mean, sd, mcse = float(self.mean), float(self.sd), float(self.mcse)
        return (mean if math.isfinite(mean) else math.nan, sd, mcse, float(self.count))
