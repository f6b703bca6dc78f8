"""Expected value of partial perfect information, by regression on the PSA sample.

The expected value of perfect information about a group of inputs θ is what a
decision maker would gain, on average, by learning θ before choosing::

    EVPPI(θ) = E_θ[ max_d E(NB_d | θ) ] − max_d E(NB_d)

The inner conditional expectations are estimated from the probabilistic
sensitivity analysis (PSA) sample alone, by regressing each option's net
benefit on θ (Strong, Oakley & Brennan 2014, *Medical Decision Making*
34(3):311-326): the fitted values stand in for E(NB_d | θ), so no nested
Monte Carlo is needed.

The regression basis, chosen for logic models, whose values are mostly sums of
products of inputs (``patients * admit_rate * reduction * tariff``):

- each input's main effect is a cubic B-spline with knots at its quantiles
  (an input with few distinct values, such as a success gate, gets one
  indicator per value instead: the exact conditional mean);
- interactions are products of the standardised inputs: every subset of two
  or more inputs of a group of up to four, and every pair in a larger group.

So a product of up to four inputs of a group is reproduced exactly, and any
smooth effect of one input is. The estimate is biased upwards by the noise of
the fit (a max over noisy values); with tens of thousands of draws and a few
dozen basis columns that bias is small against the Monte Carlo error, which is
checked against nested Monte Carlo in the tests.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv.analysis.decision import evpi

# scipy.linalg and scipy.interpolate are imported inside the functions that use them, not with
# bpv: an appraisal needs only scipy.special, and importing them costs tens of MB and ~0.3 s.
__all__ = ["conditional_mean", "evppi", "variance_share"]

FloatArray = NDArray[np.float64]

#: Inputs with at most this many distinct values get indicators, not a spline.
DISCRETE_LEVELS = 16
#: Interior knots of each input's spline (placed at its quantiles).
SPLINE_KNOTS = 6
#: Groups up to this size get every interaction; larger ones, pairs only.
FULL_INTERACTIONS = 4


def conditional_mean(y: ArrayLike, x: ArrayLike) -> FloatArray:
    """Estimate E(y | x) at each draw by regression on the basis described above.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, m)
        Outputs per draw (one column per option for several).
    x : array_like, shape (n,) or (n, k)
        The inputs conditioned on, draw by draw.

    Returns
    -------
    ndarray, the shape of ``y``
        Fitted values.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 20_000))
    >>> fitted = conditional_mean(a * b + a, np.column_stack([a, b]))
    >>> bool(np.allclose(fitted, a * b + a))
    True
    """
    outputs = np.asarray(y, dtype=np.float64)
    inputs = np.asarray(x, dtype=np.float64)
    if inputs.ndim == 1:
        inputs = inputs[:, np.newaxis]
    if inputs.ndim != 2 or inputs.shape[0] != outputs.shape[0]:
        msg = (f"x must have one row per draw of y: got x of shape {inputs.shape} "
               f"for y of shape {outputs.shape}")
        raise ValueError(msg)
    basis = _Basis(inputs)
    if basis.width <= _NARROW:
        design = basis.rows(inputs)
        from scipy import linalg
        coefficients = linalg.lstsq(design, outputs, lapack_driver="gelsy",
                                    check_finite=False)[0]
        fitted: FloatArray = design @ coefficients
        return fitted
    return _fit_wide(basis, inputs, outputs)


def evppi(net_benefit: ArrayLike, x: ArrayLike) -> float:
    """Return the EVPPI of the inputs ``x`` for a decision between options.

    Parameters
    ----------
    net_benefit : array_like, shape (n,) or (n, m)
        Net benefit of each option per draw. A single column is the decision
        to fund a scheme (its net benefit) or not (zero).
    x : array_like, shape (n,) or (n, k)
        The inputs whose value of information is wanted, draw by draw.

    Returns
    -------
    float
        In the units of the net benefit; at least 0.

    Examples
    --------
    Net benefit a + b of funding, with a ~ N(0, 1) and b ~ N(0, 1): knowing
    a is worth E[max(0, a)] = 1/√(2π) ≈ 0.399.

    >>> rng = np.random.default_rng(1)
    >>> a, b = rng.normal(size=(2, 200_000))
    >>> round(evppi(a + b, a), 1)
    0.4
    """
    return evpi(conditional_mean(net_benefit, x))


def variance_share(y: ArrayLike, fitted: ArrayLike) -> float:
    """Return Var(E(y | x)) / Var(y): the first-order share of variance x explains.

    With ``fitted`` from :func:`conditional_mean`, the regression estimate of
    a (group) first-order Sobol index, from the PSA sample alone.

    Examples
    --------
    >>> variance_share([1.0, 2.0, 3.0, 4.0], [1.5, 1.5, 3.5, 3.5])
    0.8
    """
    outputs = np.asarray(y, dtype=np.float64)
    total = float(np.var(outputs))
    if total == 0.0:
        return 0.0
    return float(np.clip(np.var(np.asarray(fitted, dtype=np.float64)) / total, 0.0, 1.0))


def _fit_wide(basis: _Basis, inputs: FloatArray, outputs: FloatArray) -> FloatArray:
    """Fit a wide basis (a large group's pairwise products) by the normal equations.

    QR of a draws × hundreds-of-columns matrix is slow and would hold it all
    in memory: the Gram matrix is accumulated over chunks of rows instead, so
    memory stays at one chunk's rows whatever the group's size. Columns are
    scaled to unit norm and a tiny ridge keeps the solve well posed.
    """
    n = inputs.shape[0]
    step = max(1_024, _CHUNK_VALUES // basis.width)
    gram = np.zeros((basis.width, basis.width))
    moment = np.zeros((basis.width, *outputs.shape[1:]))
    for start in range(0, n, step):
        design = basis.rows(inputs[start:start + step])
        gram += design.T @ design
        moment += design.T @ outputs[start:start + step]
    scale = np.sqrt(np.diag(gram))
    scale[scale == 0] = 1.0
    gram /= np.outer(scale, scale)
    gram[np.diag_indices_from(gram)] += 1e-10 * np.trace(gram) / basis.width
    from scipy import linalg
    scaled = linalg.solve(gram, (moment.T / scale).T, assume_a="pos", check_finite=False)
    coefficients = (np.asarray(scaled).T / scale).T
    fitted = np.empty_like(outputs)
    for start in range(0, n, step):
        fitted[start:start + step] = basis.rows(inputs[start:start + step]) @ coefficients
    return fitted


#: Bases up to this many columns are solved by QR on the whole design.
_NARROW = 64
#: Values of a wide design held at once (about 32 MB).
_CHUNK_VALUES = 1 << 22


class _Basis:
    """The regression basis of a group of inputs, fixed on the whole sample, built by rows.

    Columns: an intercept; each input's main effect (indicators of its levels
    but the first, or a cubic B-spline with knots at its quantiles, one
    column dropped as B-splines sum to 1); products of standardised inputs
    for every subset of two or more (a group of up to four) or every pair.
    """

    def __init__(self, inputs: FloatArray) -> None:
        k = inputs.shape[1]
        self.levels: list[FloatArray | None] = []
        self.knots: list[FloatArray | None] = []
        for j in range(k):
            column = inputs[:, j]
            levels = np.unique(column)
            if levels.size <= DISCRETE_LEVELS:
                self.levels.append(levels[1:])
                self.knots.append(None)
                continue
            low, high = float(levels[0]), float(levels[-1])
            inner = np.unique(np.quantile(column, np.linspace(0, 1, SPLINE_KNOTS + 2)[1:-1]))
            self.levels.append(None)
            self.knots.append(np.concatenate(
                [[low] * 4, inner[(inner > low) & (inner < high)], [high] * 4]))
        self.means = inputs.mean(axis=0)
        sds = inputs.std(axis=0)
        self.sds = np.where(sds > 0, sds, np.inf)  # a constant input's products are 0
        largest = k if k <= FULL_INTERACTIONS else 2
        self.subsets = [subset for size in range(2, largest + 1)
                        for subset in itertools.combinations(range(k), size)]
        # A cubic B-spline has len(knots) - 4 functions, one dropped for the intercept.
        main = 0
        for level_values, knot_values in zip(self.levels, self.knots, strict=True):
            if level_values is not None:
                main += level_values.size
            elif knot_values is not None:
                main += knot_values.size - 5
        self.width = 1 + main + len(self.subsets)

    def rows(self, inputs: FloatArray) -> FloatArray:
        """Return the design matrix of some draws (rows of ``inputs``)."""
        design = np.empty((inputs.shape[0], self.width))
        design[:, 0] = 1.0
        at = 1
        for j, (levels, knots) in enumerate(zip(self.levels, self.knots, strict=True)):
            column = inputs[:, j]
            if levels is not None:
                design[:, at:at + levels.size] = column[:, np.newaxis] == levels
                at += levels.size
            else:
                assert knots is not None  # noqa: S101 - a spline when not levels
                clipped = np.clip(column, knots[0], knots[-1])
                from scipy.interpolate import BSpline
                spline = BSpline.design_matrix(clipped, knots, 3).toarray()[:, 1:]
                design[:, at:at + spline.shape[1]] = spline
                at += spline.shape[1]
        standard = (inputs - self.means) / self.sds
        for subset in self.subsets:
            design[:, at] = np.prod(standard[:, list(subset)], axis=1)
            at += 1
        return design
