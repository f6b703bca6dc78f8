"""Sobol' variance-based sensitivity indices of a bid's metric, with bootstrap intervals.

The design is Saltelli's (2010): two independent input matrices A and B of
``n`` rows from one scrambled Sobol' sequence of 2d dimensions, and for each
input i the matrix AB⁽ⁱ⁾ (A with column i from B), so the bid is evaluated at
n(d + 2) points by :func:`bpv.engine.evaluate`. Uniforms become input values
through bpv's own inverse CDFs (the engine's, tabulated for beta and PERT); a
success gate is delivered where its uniform lies below the success
probability, itself a parameter's value when the bid says so.

The estimators (Saltelli 2010 for first order, Jansen for total order) and
their bootstrap confidence intervals are scipy's
(:func:`scipy.stats.sobol_indices`, given the evaluations): scipy is already a
dependency and its implementation is reviewed and tested, so SALib, which
offers the same estimators, would add a dependency for nothing here.

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
    first_interval, total_interval : (float, float)
        Bootstrap confidence intervals (95% unless asked otherwise).
    """

    input: str
    first: float
    total: float
    first_interval: tuple[float, float]
    total_interval: tuple[float, float]


def sobol_indices(bid: Bid, *, metric: str = "npv", organisation: str | None = None,
                  n: int = 4_096, rng: Seed = None, confidence: float = 0.95,
                  n_resamples: int = 999) -> tuple[SobolIndex, ...]:
    """Return each input's first- and total-order Sobol' index of a metric.

    Parameters
    ----------
    bid : Bid
    metric : str, default 'npv'
        A metric, or a metric node's id (its total over the periods).
    organisation : str, optional
        Read the metric for this organisation.
    n : int, default 4096
        Rows of each of A and B, a power of two; the bid is evaluated
        n × (inputs + 2) times. Intervals narrow as 1/√n.
    rng : seed, optional
        Seed of the scrambled Sobol' sequence (and of the bootstrap).
    confidence : float, default 0.95
        Level of the bootstrap intervals.
    n_resamples : int, default 999
        Bootstrap resamples (percentile intervals).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> indices = sobol_indices(bid, n=1_024, rng=1)
    >>> top = max(indices, key=lambda index: index.total)
    >>> top.input, top.total > 0.5
    ('ward_cost', True)
    """
    check_int(n, name="n", function="sobol_indices", low=2)
    if n & (n - 1):
        raise SpecError(parameter_message("n", "sobol_indices", "a power of two", n))
    names = input_names(bid)
    if not names:
        return ()
    check_output(evaluate(bid, _values(bid, names, np.full((1, len(names)), 0.5))),
                 metric, organisation)
    if bid.correlations is not None:
        warnings.warn(f"Sobol' indices assume independent inputs: the correlations of bid "
                      f"'{bid.id}' are ignored for them", BidWarning, stacklevel=2)
    d = len(names)
    generator = np.random.default_rng(root_seed(rng))
    from scipy import stats  # imported here, not with bpv: it costs 45 MB
    from scipy.stats import qmc

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
    result = stats.sobol_indices(func=evaluations, n=n)
    first, total = _flat(result.first_order), _flat(result.total_order)
    first_low, first_high, total_low, total_high = _percentile_intervals(
        evaluations, n, generator, confidence, n_resamples, first, total)
    return tuple(
        SobolIndex(input=name, first=float(first[i]), total=float(total[i]),
                   first_interval=(float(first_low[i]), float(first_high[i])),
                   total_interval=(float(total_low[i]), float(total_high[i])))
        for i, name in enumerate(names))


def _percentile_intervals(evaluations: dict[str, FloatArray], n: int,
                          generator: np.random.Generator, confidence: float,
                          n_resamples: int, first: FloatArray, total: FloatArray,
                          ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Percentile bootstrap over the design's rows.

    scipy's own ``SobolResult.bootstrap`` uses BCa, whose jackknife costs
    n² × d evaluations of the estimator: minutes at n = 8192. The percentile
    interval of the same resamples costs n × d per resample.
    """
    from scipy import stats

    firsts = np.empty((n_resamples, first.size))
    totals = np.empty((n_resamples, total.size))
    with np.errstate(all="ignore"):
        for r in range(n_resamples):
            rows = generator.integers(0, n, n)
            resampled = stats.sobol_indices(
                func={"f_A": evaluations["f_A"][:, rows], "f_B": evaluations["f_B"][:, rows],
                      "f_AB": evaluations["f_AB"][..., rows]}, n=n)
            firsts[r], totals[r] = _flat(resampled.first_order), _flat(resampled.total_order)
    tails = ((1 - confidence) / 2, (1 + confidence) / 2)
    first_low, first_high = np.quantile(firsts, tails, axis=0)
    total_low, total_high = np.quantile(totals, tails, axis=0)
    return (_flat(first_low, first), _flat(first_high, first),
            _flat(total_low, total), _flat(total_high, total))


def _flat(values: Any, fallback: FloatArray | None = None) -> FloatArray:
    """One value per input; NaN replaced by the fallback (or 0)."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    missing = ~np.isfinite(flat)
    flat[missing] = 0.0 if fallback is None else fallback[missing]
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
