"""Correlation matrices: how far from singular one is, and the nearest valid one.

Used by the bid's ``correlations:`` (:mod:`bpv.spec.correlations`), which
checks and repairs its matrix, and by the Gaussian copula
(:mod:`bpv.sampling.copula`), which applies it.

References
----------
.. [1] Higham, N. J. (2002). Computing the nearest correlation matrix — a
   problem from finance. *IMA Journal of Numerical Analysis* 22(3), 329–343.
"""

from __future__ import annotations

import math
import warnings
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv._utils.validation import check_int, check_real, parameter_message
from bpv.errors import BPVWarning, SpecError

__all__ = ["EIGENVALUE_FLOOR", "nearest_correlation", "smallest_eigenvalue", "square_matrix"]

#: Smallest eigenvalue a correlation matrix must have to be used: below it a
#: matrix counts as not positive definite (singular or nearly so), and
#: :func:`nearest_correlation` returns matrices at least this far from singular.
EIGENVALUE_FLOOR: Final = 1e-8

#: How far above the floor a repaired matrix is placed, so rounding cannot
#: take its smallest eigenvalue below the floor.
_FLOOR_MARGIN: Final = 1.001


def smallest_eigenvalue(matrix: ArrayLike) -> float:
    """Return the smallest eigenvalue of a symmetric matrix.

    Parameters
    ----------
    matrix : array_like of shape (k, k)
        A symmetric matrix; only its lower triangle is read.

    Returns
    -------
    float
        ``inf`` for an empty matrix.

    Examples
    --------
    >>> round(smallest_eigenvalue([[1, 0.5], [0.5, 1]]), 12)
    0.5
    """
    array = np.asarray(matrix, dtype=np.float64)
    if array.size == 0:
        return math.inf
    return float(np.linalg.eigvalsh(array)[0])


def nearest_correlation(
    matrix: ArrayLike,
    *,
    tol: float = 1e-10,
    max_iterations: int = 10_000,
    eigenvalue_floor: float = EIGENVALUE_FLOOR,
) -> NDArray[np.float64]:
    """Return the nearest correlation matrix, by Higham's alternating projections.

    Nearest in the Frobenius norm, among symmetric matrices with unit
    diagonal whose eigenvalues are all at least ``eigenvalue_floor`` (so
    that a Cholesky factorisation succeeds). Higham's (2002) method
    alternates the projections onto the two convex sets — clip the
    eigenvalues at the floor; set the diagonal to 1 — with Dykstra's
    correction, which makes the limit the nearest point of their
    intersection, not merely a point of it.

    A matrix that is already a valid correlation matrix (symmetric, unit
    diagonal, smallest eigenvalue at least the floor) is returned unchanged,
    so the function is idempotent. A non-symmetric input is replaced by its
    symmetric part ``(A + Aᵀ)/2``, whose nearest correlation matrix is also
    that of ``A``; the input's diagonal does not matter.

    Parameters
    ----------
    matrix : array_like of shape (k, k)
        A square matrix of finite numbers, typically stated correlations that
        are not positive definite. Not changed.
    tol : float, default 1e-10
        Convergence tolerance on the relative change of the iterates (in the
        Frobenius norm) and on the relative distance between the two
        projections.
    max_iterations : int, default 10000
        Iterations allowed. If the tolerance is not met by then, a
        :class:`bpv.errors.BPVWarning` says so; the result is still a valid
        correlation matrix, only possibly not quite the nearest.
    eigenvalue_floor : float, default EIGENVALUE_FLOOR (1e-8)
        Smallest eigenvalue of the result, a small positive number.

    Returns
    -------
    ndarray of shape (k, k)
        A new array: exactly symmetric, with a diagonal of exactly 1 and
        smallest eigenvalue at least ``eigenvalue_floor``.

    Raises
    ------
    bpv.errors.SpecError
        If ``matrix`` is not square or holds non-finite numbers, or ``tol``,
        ``max_iterations`` or ``eigenvalue_floor`` is out of range.

    Warns
    -----
    bpv.errors.BPVWarning
        If the iterations did not converge to ``tol``.

    See Also
    --------
    smallest_eigenvalue : Whether a matrix needs repair.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix — a
    problem from finance. *IMA Journal of Numerical Analysis* 22(3), 329–343,
    Algorithm 3.3 with unit weights.

    Examples
    --------
    Higham's (2002) example, the tridiagonal matrix (−1, 2, −1):

    >>> a = np.array([[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
    >>> nearest_correlation(a).round(4)
    array([[ 1.    , -0.8084,  0.1916,  0.1068],
           [-0.8084,  1.    , -0.6562,  0.1916],
           [ 0.1916, -0.6562,  1.    , -0.8084],
           [ 0.1068,  0.1916, -0.8084,  1.    ]])

    Three correlations of 0.9 in magnitude that cannot hold together:

    >>> bad = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    >>> smallest_eigenvalue(bad) < 0
    True
    >>> fixed = nearest_correlation(bad)
    >>> smallest_eigenvalue(fixed) >= EIGENVALUE_FLOOR
    True
    >>> bool((np.diag(fixed) == 1).all())
    True
    """
    a = square_matrix(matrix)
    tol = check_real(tol, name="tol", function="nearest_correlation", low=0, high=1)
    max_iterations = check_int(max_iterations, name="max_iterations",
                               function="nearest_correlation", low=1)
    eigenvalue_floor = check_real(eigenvalue_floor, name="eigenvalue_floor",
                                  function="nearest_correlation", low=0, high=0.5)

    y = _symmetric_unit_diagonal(a)
    if np.array_equal(y, a) and smallest_eigenvalue(y) >= eigenvalue_floor:
        return y  # already valid: unchanged, so the repair is idempotent

    y = (a + a.T) / 2
    x = y
    correction = np.zeros_like(y)
    converged = False
    for _ in range(max_iterations):
        r = y - correction
        x_new = _clip_eigenvalues(r, eigenvalue_floor)
        correction = x_new - r
        y_new = x_new.copy()
        np.fill_diagonal(y_new, 1.0)
        norm_y = np.linalg.norm(y_new)
        converged = (
            np.linalg.norm(x_new - x) <= tol * np.linalg.norm(x_new)
            and np.linalg.norm(y_new - y) <= tol * norm_y
            and np.linalg.norm(y_new - x_new) <= tol * norm_y
        )
        x, y = x_new, y_new
        if converged:
            break
    if not converged:
        msg = (f"nearest_correlation did not converge to tol={tol:g} in {max_iterations} "
               f"iterations; the result is a valid correlation matrix but may not be the "
               f"nearest; raise max_iterations or tol")
        warnings.warn(msg, BPVWarning, stacklevel=2)

    # y has a unit diagonal; its smallest eigenvalue is at the floor up to the
    # tolerance. Shrink towards the identity just enough to be sure.
    smallest = smallest_eigenvalue(y)
    target = eigenvalue_floor * _FLOOR_MARGIN
    if smallest < target:
        weight = (target - smallest) / (1.0 - smallest)
        y = (1.0 - weight) * y + weight * np.eye(len(y))
    return _symmetric_unit_diagonal(y)


def square_matrix(
    matrix: ArrayLike, *, name: str = "matrix", function: str = "nearest_correlation"
) -> NDArray[np.float64]:
    """Return ``matrix`` as a float array, checking it is square and finite."""
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise SpecError(parameter_message(name, function, "a square matrix",
                                          Shown(f"shape {array.shape}")))
    if not np.isfinite(array).all():
        raise SpecError(parameter_message(name, function, "a matrix of finite numbers",
                                          Shown("a matrix with NaN or infinite entries")))
    return array


def _symmetric_unit_diagonal(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return a new, exactly symmetric copy of ``matrix`` with a diagonal of 1."""
    result = (matrix + matrix.T) / 2
    np.fill_diagonal(result, 1.0)
    return result


def _clip_eigenvalues(matrix: NDArray[np.float64], floor: float) -> NDArray[np.float64]:
    """Project a symmetric matrix onto those with every eigenvalue at least ``floor``."""
    values, vectors = np.linalg.eigh(matrix)
    clipped: NDArray[np.float64] = (vectors * np.maximum(values, floor)) @ vectors.T
    return (clipped + clipped.T) / 2


class Shown:
    """A description shown as itself in a check's message (``Got shape (3,) instead``).

    For :func:`bpv._utils.validation.parameter_message`, which shows a value by its repr.

    Examples
    --------
    >>> Shown("shape (3,)")
    shape (3,)
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text
