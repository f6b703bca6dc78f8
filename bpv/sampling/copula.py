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
Spearman's ρ_s = (6/π) asin(ρ/2) and Kendall's τ = (2/π) asin(ρ) [3]_, whatever
their distributions: slightly smaller in magnitude than ρ (by at most about
0.018 for Spearman's). To give a Spearman correlation ρ_s instead, use
ρ = 2 sin(π ρ_s / 6).

A correlation matrix must be positive definite. One that is not (stated
pairwise correlations that cannot all hold together) can be replaced by the
nearest valid one with :func:`bpv._utils.linalg.nearest_correlation` [1]_
(``repair: true`` in a bid's ``correlations:``). Iman and Conover [2]_
induce rank correlation the same way, from correlated normal scores, but
reorder fixed draws by them; here the scores are drawn and each parameter's
inverse CDF is applied to them.

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

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from bpv._utils.formatting import significant
from bpv._utils.linalg import Shown, smallest_eigenvalue, square_matrix
from bpv._utils.validation import parameter_message
from bpv.errors import SpecError

__all__ = ["correlate_normals", "to_normal", "to_uniform"]


def correlate_normals(z: ArrayLike, matrix: ArrayLike) -> NDArray[np.float64]:
    """Give independent standard normal scores a target correlation.

    Parameters
    ----------
    z : array_like of shape (n_draws, k)
        Independent standard normal scores, one column per parameter. Not
        changed.
    matrix : array_like of shape (k, k)
        The target correlation matrix: symmetric, unit diagonal, positive
        definite (see :func:`bpv._utils.linalg.nearest_correlation`).

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
    target = square_matrix(matrix, name="matrix", function="correlate_normals")
    k = target.shape[0]
    if scores.ndim != 2 or scores.shape[1] != k:
        raise SpecError(parameter_message(
            "z", "correlate_normals",
            f"an array of shape (n_draws, {k}), one column per row of 'matrix'",
            Shown(f"shape {scores.shape}")))
    if not np.allclose(np.diag(target), 1.0, rtol=0, atol=1e-12):
        raise SpecError(parameter_message(
            "matrix", "correlate_normals", "a correlation matrix, with a diagonal of 1",
            Shown(f"diagonal {np.diag(target).tolist()}")))
    try:
        lower = np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        raise SpecError(parameter_message(
            "matrix", "correlate_normals",
            "positive definite (repair it with nearest_correlation)",
            Shown(f"a matrix with smallest eigenvalue "
                  f"{significant(smallest_eigenvalue(target), 2)}"))
            ) from None
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


def to_normal(u: ArrayLike) -> NDArray[np.float64]:
    """Map uniforms to standard normal scores by the inverse standard normal CDF.

    The inverse of :func:`to_uniform`: for Latin hypercube or Sobol uniforms
    of correlated parameters, whose normal scores :func:`correlate_normals`
    then correlates.

    Parameters
    ----------
    u : array_like of any shape
        Uniforms in (0, 1); 0 and 1 map to -inf and inf.

    Returns
    -------
    ndarray of the same shape
        Φ⁻¹(u).

    Examples
    --------
    >>> to_normal(np.array([0.5, 0.025])).round(6)
    array([ 0.      , -1.959964])
    """
    result: NDArray[np.float64] = special.ndtri(np.asarray(u, dtype=np.float64))
    return result


# -- helpers ----------------------------------------------------------------------------


