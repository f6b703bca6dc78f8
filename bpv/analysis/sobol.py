"""Sobol' variance-based sensitivity indices of a bid's metric, with replicate intervals.

The design is Saltelli's (2010): two independent input matrices A and B of
``n`` rows from one scrambled Sobol' sequence of 2d dimensions, and for each
input i the matrix AB⁽ⁱ⁾ (A with column i from B), so the bid is evaluated at
n(d + 2) points by :func:`bpv.engine.evaluate`. Uniforms become input values
through bpv's own inverse CDFs (the engine's, tabulated for beta and PERT); a
success gate is delivered where its uniform lies below the success
probability, itself a parameter's value when the bid says so.

The estimators (Saltelli 2010 for first order, Jansen for total order) are
scipy's (:func:`scipy.stats.sobol_indices`, given the evaluations): scipy is
already a dependency and its implementation is reviewed and tested, so SALib,
which offers the same estimators, would add a dependency for nothing here.

**Intervals come from independent scramblings** (randomised quasi-Monte
Carlo; Owen 1997, L'Ecuyer & Lemieux 2002): the n rows are split into R
replicate designs of n/R rows, each from its own scrambling; each replicate
gives an unbiased estimate, the index is their mean, and its interval is the
mean ± t₍R−1₎ · sd / √R. A bootstrap over the rows of one design treats them
as independent draws, which quasi-random points are not: its intervals were
20 to 90 times wider than the spread of the estimates over seeds. With
``intervals=False`` one design of n rows is used and no interval is given.

Sobol' indices assume independent inputs: a bid's correlations are ignored
here, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import check_int, parameter_message
from bpv.analysis._selection import check_output, output_draws
from bpv.analysis.one_way import gate_successes
from bpv.engine.monte_carlo import evaluate, input_names
from bpv.errors import BidWarning, SpecError
from bpv.sampling.draws import inverse_cdf
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid

__all__ = ["SobolIndex", "sobol_indices"]

FloatArray = NDArray[np.float64]

#: Uniforms kept inside (0, 1), as in the engine.
_OPEN_UNIT = (2.0**-53, 1.0 - 2.0**-53)


@dataclass(frozen=True, kw_only=True)
class SobolIndex:
    """First- and total-order Sobol' indices of one input, with confidence intervals.

    Attributes
    ----------
    input : str
    first, total : float
        Share of the metric's variance due to the input alone, and to the
        input with all its interactions.
    first_interval, total_interval : (float, float) or None
        Confidence intervals from independent replicate designs (95% unless
        asked otherwise); None when computed without intervals.
    """

    input: str
    first: float
    total: float
    first_interval: tuple[float, float] | None = None
    total_interval: tuple[float, float] | None = None


def sobol_indices(bid: Bid, *, metric: str = "npv", organisation: str | None = None,
                  n: int = 4_096, rng: Seed = None, confidence: float = 0.95,
                  intervals: bool = True, replicates: int = 8) -> tuple[SobolIndex, ...]:
    """Return each input's first- and total-order Sobol' index of a metric.

    Parameters
    ----------
    bid : Bid
    metric : str, default 'npv'
        A metric, or a metric node's id (its total over the periods).
    organisation : str, optional
        Read the metric for this organisation.
    n : int, default 4096
        Rows of A and B in all (a power of two); the bid is evaluated
        n × (inputs + 2) times whether or not intervals are asked for.
    rng : seed, optional
        Seed of the scrambling.
    confidence : float, default 0.95
        Level of the intervals.
    intervals : bool, default True
        Split the rows into ``replicates`` independently scrambled designs and
        give each index a Student-t interval from their spread; False uses one
        design of ``n`` rows and gives no interval.
    replicates : int, default 8
        Replicate designs (a power of two, at least 2, with ``n / replicates``
        at least 2).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> indices = sobol_indices(bid, n=1_024, rng=1)
    >>> top = max(indices, key=lambda index: index.total)
    >>> top.input, top.total > 0.5, top.total_interval[0] < top.total < top.total_interval[1]
    ('ward_cost', True, True)
    """
    check_int(n, name="n", function="sobol_indices", low=2)
    if n & (n - 1):
        raise SpecError(parameter_message("n", "sobol_indices", "a power of two", n))
    if intervals:
        check_int(replicates, name="replicates", function="sobol_indices", low=2, high=n // 2)
        if replicates & (replicates - 1):
            raise SpecError(parameter_message("replicates", "sobol_indices", "a power of two",
                                              replicates))
    names = input_names(bid)
    if not names:
        return ()
    check_output(evaluate(bid, _values(bid, names, np.full((1, len(names)), 0.5))),
                 metric, organisation)
    if bid.correlations is not None:
        warnings.warn(f"Sobol' indices assume independent inputs: the correlations of bid "
                      f"'{bid.id}' are ignored for them", BidWarning, stacklevel=2)
    root = root_seed(rng)
    if not intervals:
        first, total = _estimate(bid, names, metric, organisation, n,
                                 np.random.default_rng(root))
        return tuple(SobolIndex(input=name, first=float(first[i]), total=float(total[i]))
                     for i, name in enumerate(names))
    estimates = [_estimate(bid, names, metric, organisation, n // replicates,
                           np.random.default_rng(seed)) for seed in root.spawn(replicates)]
    firsts = np.array([first for first, _ in estimates])
    totals = np.array([total for _, total in estimates])
    from scipy import stats  # imported here, not with bpv: it costs 45 MB

    spread = stats.t.ppf((1 + confidence) / 2, replicates - 1) / np.sqrt(replicates)
    first, total = firsts.mean(axis=0), totals.mean(axis=0)
    first_half = spread * firsts.std(axis=0, ddof=1)
    total_half = spread * totals.std(axis=0, ddof=1)
    return tuple(
        SobolIndex(input=name, first=float(first[i]), total=float(total[i]),
                   first_interval=(float(first[i] - first_half[i]),
                                   float(first[i] + first_half[i])),
                   total_interval=(float(total[i] - total_half[i]),
                                   float(total[i] + total_half[i])))
        for i, name in enumerate(names))


def _estimate(bid: Bid, names: tuple[str, ...], metric: str, organisation: str | None,
              n: int, generator: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """First- and total-order indices from one scrambled design of n rows."""
    from scipy import stats
    from scipy.stats import qmc

    d = len(names)
    points = qmc.Sobol(2 * d, scramble=True, rng=generator).random(n)
    a, b = np.clip(points[:, :d], *_OPEN_UNIT), np.clip(points[:, d:], *_OPEN_UNIT)
    # The design is A, B, then each A with its i-th column from B: evaluated a
    # matrix at a time, keeping only the metric, so memory stays that of n rows.
    values = np.concatenate([
        output_draws(evaluate(bid, _values(bid, names, matrix)), metric, organisation)
        for matrix in _design(a, b)])
    if not np.isfinite(values).all():
        msg = f"metric '{metric}' is not finite at every design point; Sobol' indices need it"
        raise SpecError(msg)
    evaluations = {"f_A": values[:n][np.newaxis], "f_B": values[n:2 * n][np.newaxis],
                   "f_AB": values[2 * n:].reshape(d, 1, n)}
    if d == 1:
        # scipy's estimator squeezes one input's arrays to scalars and fails. A phantom
        # second input that changes nothing (its f_AB is f_A) keeps the shapes, and the
        # real input's estimates are unchanged: each uses only f_A, f_B and its own f_AB.
        evaluations["f_AB"] = np.concatenate([evaluations["f_AB"],
                                              evaluations["f_A"][np.newaxis]])
    with np.errstate(all="ignore"):  # a metric without variance: NaN, read as 0 by _flat
        result = stats.sobol_indices(func=evaluations, n=n)
    return _flat(result.first_order)[:d], _flat(result.total_order)[:d]


def _flat(values: Any) -> FloatArray:
    """One value per input; NaN (a metric without variance) read as 0."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1).copy()
    flat[~np.isfinite(flat)] = 0.0
    return flat


def _design(a: FloatArray, b: FloatArray) -> Iterator[FloatArray]:
    """Saltelli's design matrix by matrix: A, B, then A with column i taken from B, each i."""
    yield a
    yield b
    for i in range(a.shape[1]):
        mixed = a.copy()
        mixed[:, i] = b[:, i]
        yield mixed


def _values(bid: Bid, names: tuple[str, ...], uniforms: FloatArray) -> dict[str, FloatArray]:
    """Input values from uniforms, one column per input: inverse CDFs, and gates by threshold."""
    values = {name: inverse_cdf(bid.parameters[name].distribution)(uniforms[:, j])
              for j, name in enumerate(names) if name in bid.parameters}
    for gate, success in gate_successes(bid).items():
        u = uniforms[:, names.index(gate)]
        probability = values[success] if isinstance(success, str) else success
        values[gate] = (u < probability).astype(np.float64)
    return values
