"""The compiled transform of :mod:`bpv.sampling.compiled`, as numba functions.

Imported only when the compiled kernel runs (it imports numba). The same for
every bid, so numba keeps its machine code on disk where it can
(:func:`bpv._utils.kernel_cache.jit`: in ``__pycache__`` beside this file or,
where that is read-only, numba's own cache folder) and a new process loads
it instead of compiling it again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bpv._utils.kernel_cache import jit
from bpv.sampling.transform_codes import BERNOULLI, NORMAL, ONE_BITS, TABLE, TRIANGULAR, UNIFORM

__all__ = ["transform"]

def _invert(u: Any, values: Any, table: Any, shift: int, mask: int, base: int, half: int,
            offset: int) -> int:  # pragma: no cover - compiled by numba
    # _evaluate_tables, value by value: the same operations in the same order.
    outside = 0
    for j in range(u.shape[0]):
        x = u[j]
        q = min(x, 1.0 - x)
        bits = np.float64(q).view(np.int64)
        row = (bits >> shift) - base
        if row < 0 or row >= half:  # q < 2**-40, or x outside [0, 1]
            values[j] = np.nan
            outside += 1
            continue
        if x > 0.5:
            row += half
        position = np.int64((bits & mask) | ONE_BITS).view(np.float64) - 1.0
        c = table[row + offset]
        value = c[5]
        value = value * position + c[4]
        value = value * position + c[3]
        value = value * position + c[2]
        value = value * position + c[1]
        values[j] = value * position + c[0]
    return outside


_invert = jit(_invert, nogil=True, error_model="numpy", boundscheck=False, inline="always")


def transform(raw: Any, out: Any, targets: Any, kinds: Any, constants: Any, table: Any,
              layouts: Any) -> int:  # pragma: no cover - compiled by numba
    """Turn each row of ``raw`` into values in row ``targets[i]`` of ``out``.

    Returns how many values fell outside the tables (left NaN).
    """
    outside = 0
    n = raw.shape[1]
    for i in range(raw.shape[0]):
        u, values, kind = raw[i], out[targets[i]], kinds[i]
        c0, c1, c2, c3, c4 = constants[i]
        if kind == TABLE:
            shift, mask, base, half, offset = layouts[int(c0)]
            outside += _invert(u, values, table, shift, mask, base, half, offset)
        elif kind == TRIANGULAR:
            for j in range(n):
                x = u[j]
                if x <= c2:
                    values[j] = c0 + math.sqrt(x * c3)
                else:
                    values[j] = c1 - math.sqrt((1.0 - x) * c4)
        elif kind == UNIFORM:
            for j in range(n):
                values[j] = c0 + c1 * u[j]
        elif kind == BERNOULLI:
            for j in range(n):
                values[j] = 1.0 if u[j] < c0 else 0.0
        elif kind == NORMAL:
            for j in range(n):
                values[j] = c0 + c1 * u[j]
        else:  # LOGNORMAL
            for j in range(n):
                values[j] = math.exp(c0 + c1 * u[j])
    return outside


transform = jit(transform, nogil=True, error_model="numpy", boundscheck=False)
