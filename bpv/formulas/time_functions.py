"""The functions over time, ``lag(x, k)`` and ``cumulative(x)``: along the period axis.

Every other function of the language works value by value; these two read
other periods of their argument, so they must know which axis is the
period's. It is the axis that the period index ``t`` runs along: the engine
lays values out periods by draws, ``t`` of shape (H, 1), a parameter a row
(1, n) and a node (H, n), so the periods are the first axis. In general ``t``
must hold its periods on its first axis, shape (H,) or (H, 1, …), and the
period axis of an argument is where numpy broadcasting puts that axis of
``t``; an argument that does not vary by period (a parameter, a number) is
broadcast over the periods first.

The number of periods ``k`` of a lag is part of the formula's text: a whole
number, 0 or more, written as a number (``lag(x, 1)``), so that a formula's
dependence on earlier periods is fixed when it is read, and the same in every
draw. It is read here, for both the numpy compiler and the compiled kernel's
writer.
"""

from __future__ import annotations

import ast
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv.errors import FormulaError
from bpv.formulas.reading import shorten

__all__ = ["cumulative", "lag", "lag_periods"]


def _along_periods(x: ArrayLike, t: ArrayLike) -> tuple[NDArray[np.float64], int]:
    """Return ``x`` broadcast over the periods of ``t``, and the index of its period axis."""
    periods = np.asarray(t)
    if periods.ndim == 0 or any(size != 1 for size in periods.shape[1:]):
        msg = ("lag and cumulative need the period index t with its periods on its first "
               f"axis, of shape (n_periods,) or (n_periods, 1); got shape {periods.shape}")
        raise ValueError(msg)
    value = np.asarray(x, dtype=np.float64)
    shape = np.broadcast_shapes(value.shape, periods.shape)
    return np.broadcast_to(value, shape), len(shape) - periods.ndim


def lag(x: ArrayLike, k: int, t: ArrayLike) -> NDArray[np.float64]:
    """Return ``x`` of ``k`` periods earlier: ``x[p - k]`` in period ``p``, 0 when ``p < k``.

    Parameters
    ----------
    x : array_like
        The values, broadcast against ``t``.
    k : int
        Periods to look back, 0 or more.
    t : array_like
        The period index, with its periods on its first axis.

    Returns
    -------
    ndarray
        A new array, of the broadcast shape of ``x`` and ``t``.

    Examples
    --------
    >>> lag(np.array([1.0, 2.0, 3.0, 4.0]), 1, t=np.arange(4.0))
    array([0., 1., 2., 3.])
    >>> lag(np.array([[10.0, 20.0]]), 2, t=np.arange(3.0)[:, np.newaxis])  # periods by draws
    array([[ 0.,  0.],
           [ 0.,  0.],
           [10., 20.]])
    """
    value, axis = _along_periods(x, t)
    out = np.zeros(value.shape)
    n_periods = value.shape[axis]
    if k < n_periods:
        np.moveaxis(out, axis, 0)[k:] = np.moveaxis(value, axis, 0)[:n_periods - k]
    return out


def cumulative(x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """Return the running total of ``x`` over periods, from the first to each period.

    Period by period, ``total[p] = total[p - 1] + x[p]`` in float64, the
    additions in the order a loop over periods makes them (as
    :func:`numpy.cumsum`).

    Parameters
    ----------
    x : array_like
        The values, broadcast against ``t``.
    t : array_like
        The period index, with its periods on its first axis.

    Returns
    -------
    ndarray
        A new array, of the broadcast shape of ``x`` and ``t``.

    Examples
    --------
    >>> cumulative(np.array([1.0, 2.0, 3.0]), t=np.arange(3.0))
    array([1., 3., 6.])
    >>> cumulative(5.0, t=np.arange(3.0)[:, np.newaxis])  # a constant, over three periods
    array([[ 5.],
           [10.],
           [15.]])
    """
    value, axis = _along_periods(x, t)
    out = np.empty(value.shape)
    totals, values = np.moveaxis(out, axis, 0), np.moveaxis(value, axis, 0)
    totals[:1] = values[:1]
    # Period by period (each step one pass over the draws) rather than
    # np.cumsum along the first axis, which is slower; the same additions.
    for period in range(1, value.shape[axis]):
        np.add(totals[period - 1:period], values[period:period + 1],
               out=totals[period:period + 1])
    return out


def lag_periods(node: ast.expr, source: str) -> int:
    """Read the ``k`` of ``lag(x, k)``: a whole number, 0 or more, written as a number.

    Parameters
    ----------
    node : ast.expr
        The second argument of the call, from the formula's tree.
    source : str
        The text the tree was parsed from, to quote in a message.

    Raises
    ------
    FormulaError
        If the argument is not a number written out, is negative or is not
        whole.

    Examples
    --------
    >>> lag_periods(ast.parse("2", mode="eval").body, "2")
    2
    >>> lag_periods(ast.parse("-1", mode="eval").body, "-1")
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: lag(x, k) looks back k periods, so k must be 0 or more; got -1
    """
    written = shorten(ast.get_source_segment(source, node) or ast.unparse(node))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int | float) \
            and not isinstance(node.operand.value, bool) and node.operand.value != 0:
        msg = f"lag(x, k) looks back k periods, so k must be 0 or more; got {written}"
        raise FormulaError(msg)
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = (f"the periods k of lag(x, k) must be written as a whole number, such as "
               f"lag(x, 1), the same in every draw; got {written!r}")
        raise FormulaError(msg)
    if not (math.isfinite(value) and float(value).is_integer()):
        msg = f"the periods k of lag(x, k) must be a whole number, such as 1 or 2; got {written}"
        raise FormulaError(msg)
    return int(value)
