"""Gaussian copula: correlated parameters from independent normal scores.

Parameters are correlated on the normal-score scale. The engine draws
independent standard normal scores ``z`` of shape (n_draws, k), one column
per correlated parameter; :func:`correlate_normals` gives them the target
correlation matrix R (``z @ L.T`` with R = L Lᵀ the Cholesky factorisation);
:func:`to_uniform` maps them to uniforms by the standard normal CDF Φ; and
each parameter's inverse CDF turns its uniforms into draws. Each parameter
keeps its own distribution exactly, whatever the correlations.

The correlation a user states is the Pearson correlation ρ of the normal
scores. The rank correlations of the parameters themselves are then
Spearman's ρ_s = (6/π) asin(ρ/2) and Kendall's τ = (2/π) asin(ρ), whatever
their distributions: slightly smaller in magnitude than ρ (by at most about
0.018 for Spearman's). To give a Spearman correlation ρ_s instead, use
ρ = 2 sin(π ρ_s / 6).

A correlation matrix must be positive definite. One that is not (stated
pairwise correlations that cannot all hold together) can be replaced by the
nearest valid one with :func:`nearest_correlation`.

Every function here is pure and deterministic: the engine supplies the
random draws.

References
----------
.. [1] Higham, N. J. (2002). Computing the nearest correlation matrix — a
   problem from finance. *IMA Journal of Numerical Analysis* 22(3), 329–343.
.. [2] Iman, R. L. & Conover, W. J. (1982). A distribution-free approach to
   inducing rank correlation among input variables. *Communications in
   Statistics — Simulation and Computation* 11(3), 311–334.
.. [3] Kruskal, W. H. (1958). Ordinal measures of association. *JASA*
   53(284), 814–861 (Spearman's and Kendall's correlations of a bivariate
   normal).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> z = correlate_normals(rng.standard_normal((100_000, 2)), np.array([[1, 0.6], [0.6, 1]]))
>>> round(float(np.corrcoef(z.T)[0, 1]), 2)
0.6
>>> u = to_uniform(z)
>>> bool(((u > 0) & (u < 1)).all())
True
"""

from __future__ import annotations

import math
import warnings
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from bpv.errors import BPVWarning, SpecError

__all__ = [
    "EIGENVALUE_FLOOR",
    "correlate_normals",
    "nearest_correlation",
    "smallest_eigenvalue",
    "to_uniform",
]

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
    a = _square_matrix(matrix)
    if not (isinstance(tol, (int, float)) and 0 < tol < 1):
        msg = (f"The 'tol' parameter of nearest_correlation must be a float in the range "
               f"(0, 1). Got {tol!r} instead.")
        raise SpecError(msg)
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) \
            or max_iterations < 1:
        msg = (f"The 'max_iterations' parameter of nearest_correlation must be an int in the "
               f"range [1, inf). Got {max_iterations!r} instead.")
        raise SpecError(msg)
    if not (isinstance(eigenvalue_floor, (int, float)) and 0 < eigenvalue_floor < 0.5):
        msg = (f"The 'eigenvalue_floor' parameter of nearest_correlation must be a float in the "
               f"range (0, 0.5). Got {eigenvalue_floor!r} instead.")
        raise SpecError(msg)

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


def correlate_normals(z: ArrayLike, matrix: ArrayLike) -> NDArray[np.float64]:
    """Give independent standard normal scores a target correlation.

    Parameters
    ----------
    z : array_like of shape (n_draws, k)
        Independent standard normal scores, one column per parameter. Not
        changed.
    matrix : array_like of shape (k, k)
        The target correlation matrix: symmetric, unit diagonal, positive
        definite (see :func:`nearest_correlation`).

    Returns
    -------
    ndarray of shape (n_draws, k)
        ``z @ L.T`` where ``L`` is the lower Cholesky factor of ``matrix``;
        each column is still standard normal and the columns have
        correlation ``matrix``. Row i depends only on row i of ``z``, so
        results do not depend on how the draws are split into chunks.

    Raises
    ------
    bpv.errors.SpecError
        If the shapes do not match, the diagonal is not 1, or the matrix is
        not positive definite.

    Examples
    --------
    >>> z = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> correlate_normals(z, np.array([[1.0, 0.6], [0.6, 1.0]]))
    array([[1. , 0.6],
           [0. , 0.8]])
    """
    scores = np.asarray(z, dtype=np.float64)
    target = _square_matrix(matrix, name="matrix", function="correlate_normals")
    k = target.shape[0]
    if scores.ndim != 2 or scores.shape[1] != k:
        msg = (f"The 'z' parameter of correlate_normals must have shape (n_draws, {k}), one "
               f"column per row of 'matrix'. Got shape {scores.shape} instead.")
        raise SpecError(msg)
    if not np.allclose(np.diag(target), 1.0, rtol=0, atol=1e-12):
        msg = (f"The 'matrix' parameter of correlate_normals must have a diagonal of 1, a "
               f"correlation matrix. Got diagonal {np.diag(target).tolist()} instead.")
        raise SpecError(msg)
    try:
        lower = np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        msg = (f"The 'matrix' parameter of correlate_normals must be positive definite. Got a "
               f"matrix with smallest eigenvalue {smallest_eigenvalue(target):.2g} instead; "
               f"repair it with nearest_correlation.")
        raise SpecError(msg) from None
    result: NDArray[np.float64] = scores @ lower.T
    return result


def to_uniform(z: ArrayLike) -> NDArray[np.float64]:
    """Map standard normal scores to uniforms by the standard normal CDF.

    Parameters
    ----------
    z : array_like of shape (n_draws, k) or any shape
        Normal scores.

    Returns
    -------
    ndarray of the same shape
        Φ(z), in [0, 1]. In double precision Φ(z) rounds to exactly 1 for
        z above about 8.3 (probability about 5e-17 a draw) and to exactly 0
        for z below about −38; inverting an unbounded distribution's CDF
        there gives an infinite draw.

    Examples
    --------
    >>> to_uniform(np.array([0.0, -1.959963984540054]))
    array([0.5  , 0.025])
    """
    result: NDArray[np.float64] = special.ndtr(np.asarray(z, dtype=np.float64))
    return result


# -- helpers ----------------------------------------------------------------------------


def _square_matrix(
    matrix: ArrayLike, *, name: str = "matrix", function: str = "nearest_correlation"
) -> NDArray[np.float64]:
    """Return ``matrix`` as a float array, checking it is square and finite."""
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        msg = (f"The '{name}' parameter of {function} must be a square matrix. "
               f"Got shape {array.shape} instead.")
        raise SpecError(msg)
    if not np.isfinite(array).all():
        msg = (f"The '{name}' parameter of {function} must hold finite numbers. "
               f"Got a matrix with NaN or infinite entries instead.")
        raise SpecError(msg)
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
