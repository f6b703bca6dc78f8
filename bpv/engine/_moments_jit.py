""":func:`bpv.engine.compiled_kernel.row_moments` as numba functions.

Imported only when the compiled kernel runs (it imports numba). The same for
every bid, so numba keeps its machine code on disk where it can
(:func:`bpv._utils.kernel_cache.jit`) and a new process loads it instead of
compiling it again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bpv._utils.kernel_cache import jit

__all__ = ["moments"]


def _total(row: Any, shift: float, square: bool) -> float:  # pragma: no cover - numba
    # Four running sums, of values or squared deviations: one sum's
    # additions wait on each other, four do not.
    a = b = c = d = 0.0
    n = row.shape[0]
    stop = n - n % 4
    for j in range(0, stop, 4):
        w, x, y, z = row[j] - shift, row[j + 1] - shift, row[j + 2] - shift, row[j + 3] - shift
        if square:
            w, x, y, z = w * w, x * x, y * y, z * z
        a += w
        b += x
        c += y
        d += z
    for j in range(stop, n):
        w = row[j] - shift
        a += w * w if square else w
    return (a + b) + (c + d)


_total = jit(_total, nogil=True, error_model="numpy", inline="always")


def moments(rows: Any, count: Any, mean: Any, m2: Any) -> None:  # pragma: no cover - numba
    """Fill ``count``, ``mean`` and ``m2`` with each row's finite values' moments."""
    n = rows.shape[1]
    for i in range(rows.shape[0]):
        row = rows[i]
        whole = _total(row, 0.0, False)
        if np.isfinite(whole):
            finite = n
        else:  # a payback that never comes, a ratio without a cost: finite values only
            whole = 0.0
            finite = 0
            for j in range(n):
                if np.isfinite(row[j]):
                    whole += row[j]
                    finite += 1
        average = whole / finite if finite > 0 else np.nan
        if finite == n:
            squares = _total(row, average, True)
        else:
            squares = 0.0
            for j in range(n):
                if np.isfinite(row[j]):
                    squares += (row[j] - average) ** 2
        count[i] = finite
        mean[i] = average
        m2[i] = squares


moments = jit(moments, nogil=True, error_model="numpy")
