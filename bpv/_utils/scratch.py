"""Reusable scratch buffers, one set per thread.

Allocating a large numpy array maps fresh memory that the kernel must fault in
and zero page by page; for the engine's slice-sized temporaries that costs more
than the arithmetic on them. A buffer kept per thread and per purpose is
allocated once and reused for every slice.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.typing import NDArray

__all__ = ["scratch"]

_local = threading.local()


def scratch(purpose: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Return an uninitialised float64 array of ``shape``, reused by later calls.

    The array is valid until the next call with the same ``purpose`` in the
    same thread: callers must copy whatever they keep.

    Examples
    --------
    >>> a = scratch("doc", (2, 3))
    >>> b = scratch("doc", (3, 2))
    >>> np.shares_memory(a, b), b.shape
    (True, (3, 2))
    """
    buffers: dict[str, NDArray[np.float64]] = _local.__dict__.setdefault("buffers", {})
    size = math.prod(shape)
    buffer = buffers.get(purpose)
    if buffer is None or buffer.size < size:
        buffer = buffers[purpose] = np.empty(size)
    return buffer[:size].reshape(shape)
