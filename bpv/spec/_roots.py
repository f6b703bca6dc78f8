"""Root finding for the fits of elicited judgements, in plain Python over floats.

Fitting an interval needs only a bracketed root search for a gamma's shape
and a two-dimensional root search for a beta's shapes. Importing
:mod:`scipy.optimize` for them costs more than checking a whole bid (it loads
most of scipy), so these two small solvers keep ``bpv validate`` quick.

:func:`brentq` is Brent's method [1]_ taking, step by step, the same
arithmetic as :func:`scipy.optimize.brentq` (inverse quadratic
extrapolation, secant interpolation or bisection, with the same tolerance
``(xtol + rtol * |x|) / 2``), so it returns the same root to the last bit;
the tests check it does. :func:`newton2` is Newton's method in two
dimensions with a finite-difference Jacobian and step halving.

References
----------
.. [1] Brent, R. P. (1973). Algorithms for Minimization without Derivatives,
   chapter 4. Prentice-Hall, Englewood Cliffs, NJ.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["RootNotFoundError", "brentq", "newton2"]


class RootNotFoundError(ArithmeticError):
    """A root search did not converge, or its function gave NaN."""


def brentq(f: Callable[[float], float], a: float, b: float, *, xtol: float, rtol: float,
           maxiter: int) -> float:
    """Return a root of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` differ in sign.

    Parameters
    ----------
    f : callable
        A continuous function of one float.
    a, b : float
        Ends of the bracket.
    xtol, rtol : float
        The root is returned once it is known to within
        ``xtol + rtol * |root|``.
    maxiter : int
        Most iterations.

    Returns
    -------
    float

    Raises
    ------
    RootNotFoundError
        If ``f(a)`` and ``f(b)`` have the same sign, ``f`` gives NaN, or the
        search has not converged after ``maxiter`` iterations.

    Examples
    --------
    >>> round(brentq(lambda x: x * x - 2.0, 0.0, 2.0, xtol=1e-14, rtol=1e-15, maxiter=100), 12)
    1.414213562373
    """
    previous, current = a, b
    f_previous, f_current = _value(f, previous), _value(f, current)
    if f_previous == 0:
        return previous
    if f_current == 0:
        return current
    if not _opposite(f_previous, f_current):
        msg = "f(a) and f(b) have the same sign"
        raise RootNotFoundError(msg)
    # `block` is the other end of the bracket; `step` the last step, `before` the one before.
    block = f_block = before = step = 0.0
    for _ in range(maxiter):
        if f_previous != 0 and f_current != 0 and _opposite(f_previous, f_current):
            block, f_block = previous, f_previous
            before = step = current - previous
        if abs(f_block) < abs(f_current):  # keep the best estimate in `current`
            previous, current, block = current, block, current
            f_previous, f_current, f_block = f_current, f_block, f_current
        tolerance = (xtol + rtol * abs(current)) / 2
        half = (block - current) / 2
        if f_current == 0 or abs(half) < tolerance:
            return current
        before, step = _next_step(previous, current, block, f_previous, f_current, f_block,
                                  before, step, half, tolerance)
        previous, f_previous = current, f_current
        if abs(step) > tolerance:
            current += step
        else:
            current += tolerance if half > 0 else -tolerance
        f_current = _value(f, current)
    msg = f"no convergence in {maxiter} iterations"
    raise RootNotFoundError(msg)


def _next_step(previous: float, current: float, block: float, f_previous: float,
               f_current: float, f_block: float, before: float, step: float, half: float,
               tolerance: float) -> tuple[float, float]:
    """Return Brent's next (step before, step): interpolation when it is safe, else bisection."""
    if abs(before) > tolerance and abs(f_current) < abs(f_previous):
        if previous == block:  # secant
            trial = -f_current * (current - previous) / (f_current - f_previous)
        else:  # inverse quadratic
            slope_previous = (f_previous - f_current) / (previous - current)
            slope_block = (f_block - f_current) / (block - current)
            trial = (-f_current * (f_block * slope_block - f_previous * slope_previous)
                     / (slope_block * slope_previous * (f_block - f_previous)))
        if 2 * abs(trial) < min(abs(before), 3 * abs(half) - tolerance):
            return step, trial
    return half, half


def _opposite(first: float, second: float) -> bool:
    """Whether two values differ in sign, by their sign bits (a product may underflow to 0)."""
    return math.copysign(1.0, first) != math.copysign(1.0, second)


def _value(f: Callable[[float], float], x: float) -> float:
    value = float(f(x))
    if math.isnan(value):
        msg = f"the function is NaN at {x!r}"
        raise RootNotFoundError(msg)
    return value


def newton2(f: Callable[[float, float], tuple[float, float]], start: tuple[float, float], *,
            tol: float, maxiter: int = 100) -> tuple[float, float]:
    """Return ``(x, y)`` with both components of ``f(x, y)`` within ``tol`` of 0.

    Newton's method from ``start``; the Jacobian by central differences, each
    step halved (up to 30 times) until the residuals' largest component falls.

    Raises
    ------
    RootNotFoundError
        If no step lowers the residuals, ``f`` gives NaN, or ``maxiter`` steps
        do not reach ``tol``.

    Examples
    --------
    >>> x, y = newton2(lambda x, y: (x * y - 2.0, x - y - 1.0), (1.0, 1.0), tol=1e-14)
    >>> round(x, 12), round(y, 12)
    (2.0, 1.0)
    """
    x, y = start
    r = _residuals(f, x, y)
    for _ in range(maxiter):
        size = max(abs(r[0]), abs(r[1]))
        if size < tol:
            return x, y
        hx, hy = 1e-6 * max(1.0, abs(x)), 1e-6 * max(1.0, abs(y))
        ax, bx = _residuals(f, x + hx, y), _residuals(f, x - hx, y)
        ay, by = _residuals(f, x, y + hy), _residuals(f, x, y - hy)
        j11, j21 = (ax[0] - bx[0]) / (2 * hx), (ax[1] - bx[1]) / (2 * hx)
        j12, j22 = (ay[0] - by[0]) / (2 * hy), (ay[1] - by[1]) / (2 * hy)
        determinant = j11 * j22 - j12 * j21
        if determinant == 0 or not math.isfinite(determinant):
            msg = "the Jacobian is singular"
            raise RootNotFoundError(msg)
        dx = (j22 * r[0] - j12 * r[1]) / determinant
        dy = (j11 * r[1] - j21 * r[0]) / determinant
        scale = 1.0
        for _ in range(30):
            trial = _residuals(f, x - scale * dx, y - scale * dy)
            if max(abs(trial[0]), abs(trial[1])) < size:
                break
            scale /= 2
        else:
            msg = "no step lowers the residuals"
            raise RootNotFoundError(msg)
        x, y, r = x - scale * dx, y - scale * dy, trial
    if max(abs(r[0]), abs(r[1])) < tol:
        return x, y
    msg = f"no convergence in {maxiter} iterations"
    raise RootNotFoundError(msg)


def _residuals(f: Callable[[float, float], tuple[float, float]], x: float,
               y: float) -> tuple[float, float]:
    first, second = f(x, y)
    if math.isnan(first) or math.isnan(second):
        msg = f"the function is NaN at ({x!r}, {y!r})"
        raise RootNotFoundError(msg)
    return float(first), float(second)
