"""Fit distributions to elicited judgements: an interval, or a few quantiles.

Plain functions over numbers, so the specification models stay declarative:
:class:`~bpv.spec.distributions.Interval` and
:class:`~bpv.spec.distributions.Quantiles` call them once, when they are
validated, and keep the result.

Every fit is of one of four families, named as in a bid file and returned as
the keyword arguments of the matching :mod:`scipy.stats` distribution:

============  ==================  ===================================
shape         scipy.stats         parameters
============  ==================  ===================================
normal        ``norm``            ``loc`` (mean), ``scale`` (sd)
lognormal     ``lognorm``         ``s`` (sigma), ``scale`` (exp(mu))
gamma         ``gamma``           ``a`` (shape), ``scale``
beta          ``beta``            ``a``, ``b``
============  ==================  ===================================

Two judgements fix a two-parameter family: normal and lognormal in closed
form, gamma by a bracketed root search for its shape, beta by a 2-D root
search on ``(log a, log b)`` started from a logistic-normal approximation.
Three or more judgements are fitted as SHELF's ``fitdist`` does [1]_, by least
squares on the probability scale.

Checking a bid fits each interval with :mod:`scipy.special` and the small
solvers of :mod:`bpv.spec._roots` only (:func:`quick_fit_interval`), so that
``import bpv`` and ``bpv validate`` never load :mod:`scipy.optimize` or
:mod:`scipy.stats` for an interval. Normal, lognormal and gamma fits are then
already the fits :func:`fit_interval` gives, to the last bit; a beta's
parameters as an appraisal uses them come from :func:`fit_interval`'s own
search, run once per interval when first needed (:func:`interval_parameters`),
so that the numbers of an appraisal are those bpv has always given.

References
----------
.. [1] Oakley, J. E. and O'Hagan, A. (2019). SHELF: the Sheffield Elicitation
   Framework (version 4). School of Mathematics and Statistics, University of
   Sheffield. http://tonyohagan.co.uk/shelf
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import special

from bpv._utils.formatting import significant
from bpv.errors import SpecError
from bpv.spec._roots import RootNotFoundError, brentq, newton2

# scipy.stats and scipy.optimize are imported inside the functions that use them, not with
# bpv: checking a bid needs only scipy.special, and importing them costs tens of MB and ~0.3 s.
__all__ = [
    "quick_fits",
    "FIT_RTOL",
    "FIT_SHAPES",
    "FitShape",
    "QuantileFit",
    "fit_interval",
    "fit_quantiles",
    "fitted_distribution",
    "interval_parameters",
    "quantile_function",
    "quick_fit_interval",
]

#: The families an elicited judgement can be fitted to.
FitShape = Literal["normal", "lognormal", "beta", "gamma"]
FIT_SHAPES: tuple[str, ...] = get_args(FitShape)

#: Relative tolerance within which a fitted interval must reproduce its ends.
FIT_RTOL = 1e-6

#: How close two judgements must be reproduced, on the probability scale.
_TWO_JUDGEMENT_ATOL = 1e-8

_SCIPY_NAMES: dict[str, str] = {
    "normal": "norm",
    "lognormal": "lognorm",
    "gamma": "gamma",
    "beta": "beta",
}

# Range searched for a gamma's log shape: shapes beyond e**27.6 (about 1e12)
# are numerically a normal, and scipy's quantiles lose their accuracy there.
_GAMMA_LOG_SHAPE_MAX = math.log(1e12)
_GAMMA_LOG_SHAPE_MIN = math.log(1e-4)

Floats = NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class QuantileFit:
    """The result of fitting a distribution to quantile judgements.

    Attributes
    ----------
    parameters : dict of str to float
        Keyword arguments of the fitted :mod:`scipy.stats` distribution, e.g.
        ``{'a': 2.1, 'b': 9.7}`` for a beta.
    sum_squared_error : float
        The minimised sum over judgements of ``(F(value) - prob) ** 2``, with
        ``F`` the fitted cumulative distribution function.
    max_abs_error : float
        The largest ``|F(value) - prob|``; how far the worst judgement is
        from being reproduced, on the probability scale.

    Examples
    --------
    >>> fit = fit_quantiles([10.0, 20.0], [0.05, 0.95], "normal")
    >>> round(fit.parameters["loc"], 6), fit.max_abs_error < 1e-8
    (15.0, True)
    """

    parameters: dict[str, float]
    sum_squared_error: float
    max_abs_error: float


def fitted_distribution(shape: FitShape, parameters: dict[str, float]) -> Any:
    """Return the frozen :mod:`scipy.stats` distribution a fit describes.

    Parameters
    ----------
    shape : {'normal', 'lognormal', 'beta', 'gamma'}
    parameters : dict of str to float
        As returned by :func:`fit_interval` or in :attr:`QuantileFit.parameters`.

    Returns
    -------
    scipy.stats frozen distribution

    Examples
    --------
    >>> float(fitted_distribution("normal", {"loc": 1.0, "scale": 2.0}).mean())
    1.0
    """
    from scipy import stats
    return getattr(stats, _SCIPY_NAMES[shape])(**parameters)


def fit_interval(low: float, high: float, confidence: float, shape: FitShape) -> dict[str, float]:
    """Fit a distribution whose central interval matches a judgement.

    "I am ``confidence`` sure it lies between ``low`` and ``high``": the fitted
    distribution puts ``(1 - confidence) / 2`` of its mass below ``low`` and
    the same above ``high``.

    Parameters
    ----------
    low, high : float
        Ends of the interval, ``low < high``; both positive for lognormal and
        gamma, both in (0, 1) for beta.
    confidence : float
        Probability the interval holds the quantity, in (0, 1).
    shape : {'normal', 'lognormal', 'beta', 'gamma'}
        Family to fit.

    Returns
    -------
    dict of str to float
        Keyword arguments of the scipy distribution (see the module notes).

    Raises
    ------
    bpv.errors.SpecError
        If no member of the family reproduces both ends to a relative
        tolerance of ``FIT_RTOL``; the message says why.

    Examples
    --------
    >>> p = fit_interval(0.10, 0.25, 0.9, "beta")
    >>> dist = fitted_distribution("beta", p)
    >>> [round(float(q), 6) for q in dist.ppf([0.05, 0.95])]
    [0.1, 0.25]
    """
    return _checked_interval(low, high, confidence, shape, quick=False)


def quick_fit_interval(low: float, high: float, confidence: float,
                       shape: FitShape) -> dict[str, float]:
    """Fit an interval as :func:`fit_interval` does, with :mod:`scipy.special` only.

    The same parameters, to the last bit, for normal, lognormal and gamma; a
    beta's come from Newton's method (:func:`bpv.spec._roots.newton2`)
    rather than scipy's hybrid method, and agree with :func:`fit_interval`'s
    to about ``1e-10`` relative. Use it to check that an interval can be
    fitted; :func:`interval_parameters` gives the parameters to sample from.

    Raises
    ------
    bpv.errors.SpecError
        As :func:`fit_interval` does.

    Examples
    --------
    >>> p = quick_fit_interval(0.10, 0.25, 0.9, "beta")
    >>> [round(q, 6) for q in quantile_function("beta", p, [0.05, 0.95])]
    [0.1, 0.25]
    """
    return _checked_interval(low, high, confidence, shape, quick=True)


#: Whether :func:`interval_parameters` gives the quick fit (inside :func:`quick_fits`).
_QUICK_FITS: ContextVar[bool] = ContextVar("bpv_quick_fits", default=False)


@contextlib.contextmanager
def quick_fits() -> Iterator[None]:
    """Within the block, sample intervals from the quick fit (no :mod:`scipy.optimize`).

    For checks that draw a small sample to look for mistakes (``bpv validate``):
    a beta's parameters then differ from an appraisal's by about ``1e-10``
    relative, which no such check can see, and validating stays quick.

    Examples
    --------
    >>> checked = quick_fit_interval(0.10, 0.25, 0.9, "beta")
    >>> with quick_fits():
    ...     interval_parameters(0.10, 0.25, 0.9, "beta", checked=checked) == checked
    True
    """
    token = _QUICK_FITS.set(True)
    try:
        yield
    finally:
        _QUICK_FITS.reset(token)


def interval_parameters(low: float, high: float, confidence: float, shape: FitShape, *,
                        checked: dict[str, float]) -> dict[str, float]:
    """Return the parameters an appraisal samples an interval from.

    :func:`fit_interval`'s (computed once per interval and process, and
    kept), so an appraisal's numbers do not depend on how the bid was
    checked; ``checked``, the fit :func:`quick_fit_interval` found, where
    that search fails and this one did not.

    Examples
    --------
    >>> checked = quick_fit_interval(0.10, 0.25, 0.9, "beta")
    >>> exact = interval_parameters(0.10, 0.25, 0.9, "beta", checked=checked)
    >>> exact == fit_interval(0.10, 0.25, 0.9, "beta")
    True
    """
    if shape != "beta" or _QUICK_FITS.get():  # the quick fit is the fit, or is asked for
        return dict(checked)
    try:
        return dict(_kept_interval_fit(low, high, confidence, shape))
    except SpecError:
        return dict(checked)


@functools.lru_cache(maxsize=4096)
def _kept_interval_fit(low: float, high: float, confidence: float,
                       shape: FitShape) -> tuple[tuple[str, float], ...]:
    return tuple(fit_interval(low, high, confidence, shape).items())


def _checked_interval(low: float, high: float, confidence: float, shape: FitShape, *,
                      quick: bool) -> dict[str, float]:
    tail = (1.0 - confidence) / 2.0
    upper = (1.0 + confidence) / 2.0
    parameters = _fit_two(low, tail, high, upper, shape, quick=quick)
    found_low, found_high = quantile_function(shape, parameters, [tail, upper])
    for found, wanted in ((found_low, low), (found_high, high)):
        tolerance = max(FIT_RTOL * abs(wanted), 1e-12 * (high - low))
        if not abs(found - wanted) <= tolerance:
            msg = (
                f"the closest fit found puts its central interval at "
                f"[{significant(found_low, 7)}, {significant(found_high, 7)}]"
            )
            raise SpecError(msg)
    return parameters


def quantile_function(shape: FitShape, parameters: dict[str, float],
                      probs: Sequence[float]) -> list[float]:
    """Return the fitted distribution's quantiles at ``probs``, with :mod:`scipy.special` only.

    The same as ``fitted_distribution(shape, parameters).ppf(probs)`` (tested
    against it), without importing :mod:`scipy.stats`.

    Examples
    --------
    >>> quantile_function("normal", {"loc": 1.0, "scale": 2.0}, [0.5])
    [1.0]
    """
    q = np.asarray(probs, dtype=float)
    if shape == "normal":
        values = special.ndtri(q) * parameters["scale"] + parameters["loc"]
    elif shape == "lognormal":
        values = np.exp(parameters["s"] * special.ndtri(q)) * parameters["scale"]
    elif shape == "gamma":
        values = special.gammaincinv(parameters["a"], q) * parameters["scale"]
    else:
        values = special.betaincinv(parameters["a"], parameters["b"], q)
    return [float(value) for value in np.atleast_1d(values)]


def fit_quantiles(values: Sequence[float], probs: Sequence[float], shape: FitShape) -> QuantileFit:
    """Fit a distribution to quantile judgements by least squares, as SHELF does.

    Minimises ``sum((F(values[i]) - probs[i]) ** 2)`` over the family's
    parameters, on an unconstrained scale (logs of positive parameters),
    started from the member that reproduces the two outermost judgements
    exactly. Two judgements are reproduced exactly.

    Parameters
    ----------
    values : sequence of float
        Elicited values, strictly increasing; positive for lognormal and gamma,
        in (0, 1) for beta.
    probs : sequence of float
        Probability at or below each value, strictly increasing, in (0, 1).
    shape : {'normal', 'lognormal', 'beta', 'gamma'}
        Family to fit.

    Returns
    -------
    QuantileFit

    Raises
    ------
    bpv.errors.SpecError
        If the optimisation fails, or two judgements cannot be reproduced to
        ``1e-8`` on the probability scale.

    Examples
    --------
    >>> fit = fit_quantiles([0.1, 0.15, 0.25], [0.05, 0.5, 0.95], "beta")
    >>> sorted(fit.parameters), round(fit.max_abs_error, 3)
    (['a', 'b'], 0.04)
    """
    x = np.asarray(values, dtype=float)
    p = np.asarray(probs, dtype=float)
    to_parameters, from_parameters, cdf = _PARAMETRISATIONS[shape]
    exact_failure: SpecError | None = None
    try:
        start = from_parameters(_fit_two(float(x[0]), float(p[0]), float(x[-1]), float(p[-1]),
                                         shape))
    except SpecError as exc:
        exact_failure = exc
        start = _approximate_start(x, p, shape)

    def residuals(theta: Floats) -> Floats:
        return np.asarray(cdf(x, to_parameters(theta)) - p, dtype=float)

    theta = start
    start_residuals = residuals(start)
    if len(x) > 2 or not np.max(np.abs(start_residuals)) < _TWO_JUDGEMENT_ATOL:
        from scipy import optimize
        result = optimize.least_squares(
            residuals,
            start,
            method="lm" if len(x) > 2 else "trf",
            xtol=1e-15,
            ftol=1e-15,
            gtol=1e-15,
            max_nfev=2000,
        )
        if np.all(np.isfinite(result.x)) and np.sum(result.fun**2) <= np.sum(start_residuals**2):
            theta = result.x
    parameters = to_parameters(theta)
    if not all(math.isfinite(value) and (name == "loc" or value > 0)
               for name, value in parameters.items()):
        msg = f"the least-squares fit did not converge (parameters {_show(parameters)})"
        raise SpecError(msg)
    errors = residuals(theta)
    fit = QuantileFit(
        parameters=parameters,
        sum_squared_error=float(np.sum(errors**2)),
        max_abs_error=float(np.max(np.abs(errors))),
    )
    if len(x) == 2 and not fit.max_abs_error < _TWO_JUDGEMENT_ATOL:
        if exact_failure is not None:
            raise exact_failure
        msg = (
            f"no {shape} reproduces both judgements to 8 decimal places in probability (the "
            f"closest fit misses by {significant(fit.max_abs_error, 2)}); values this close "
            "together for their size are dominated by rounding error"
        )
        raise SpecError(msg)
    return fit


# -- two judgements --------------------------------------------------------------------


def _fit_two(x1: float, p1: float, x2: float, p2: float, shape: FitShape, *,
             quick: bool = False) -> dict[str, float]:
    """Return the member of the family with ``F(x1) = p1`` and ``F(x2) = p2``.

    Expects ``x1 < x2`` and ``0 < p1 < p2 < 1``, inside the family's support.
    ``quick`` finds a beta with :mod:`scipy.special` only (see
    :func:`quick_fit_interval`); the other families never need more.
    """
    if shape == "normal":
        sd, mean = _location_scale(x1, p1, x2, p2)
        return {"loc": mean, "scale": sd}
    if shape == "lognormal":
        sigma, mu = _location_scale(math.log(x1), p1, math.log(x2), p2)
        return {"s": sigma, "scale": math.exp(mu)}
    if shape == "gamma":
        return _gamma_two(x1, p1, x2, p2)
    return _beta_two_quick(x1, p1, x2, p2) if quick else _beta_two(x1, p1, x2, p2)


def _location_scale(x1: float, p1: float, x2: float, p2: float) -> tuple[float, float]:
    """Return the (sd, mean) of the normal with quantiles ``x1`` at ``p1``, ``x2`` at ``p2``."""
    z1, z2 = float(special.ndtri(p1)), float(special.ndtri(p2))
    sd = (x2 - x1) / (z2 - z1)
    mean = (x1 * z2 - x2 * z1) / (z2 - z1)
    return sd, mean


def _gamma_two(x1: float, p1: float, x2: float, p2: float) -> dict[str, float]:
    """Gamma through two quantiles: solve the quantile ratio for the shape, then scale.

    The ratio of the ``p2`` and ``p1`` quantiles of a gamma falls from
    infinity to 1 as its shape grows, so one bracketed root search on the log
    shape finds the only solution.
    """
    target = math.log(x2) - math.log(x1)
    upper_tail = 1.0 - p2

    def excess(log_shape: float) -> float:
        k = math.exp(log_shape)
        q1 = float(special.gammaincinv(k, p1))
        q2 = float(special.gammainccinv(k, upper_tail))
        if not (q1 > 0.0 and math.isfinite(q2)):
            return math.nan
        return math.log(q2) - math.log(q1) - target

    # Start near the answer: a gamma's log is roughly normal with variance 1/shape.
    sigma = target / float(special.ndtri(p2) - special.ndtri(p1))
    guess = min(max(-2.0 * math.log(sigma), _GAMMA_LOG_SHAPE_MIN), _GAMMA_LOG_SHAPE_MAX)
    f_guess = excess(guess)
    while math.isnan(f_guess) and guess < _GAMMA_LOG_SHAPE_MAX:
        guess = min(guess + 1.0, _GAMMA_LOG_SHAPE_MAX)
        f_guess = excess(guess)
    if f_guess > 0:  # ratio still too large: the shape is larger than the guess
        lo, f_lo = guess, f_guess
        hi = min(lo + 1.0, _GAMMA_LOG_SHAPE_MAX)
        f_hi = excess(hi)
        while f_hi > 0 and hi < _GAMMA_LOG_SHAPE_MAX:
            lo, f_lo = hi, f_hi
            hi = min(hi + 2.0, _GAMMA_LOG_SHAPE_MAX)
            f_hi = excess(hi)
    else:
        hi, f_hi = guess, f_guess
        lo = max(hi - 1.0, _GAMMA_LOG_SHAPE_MIN)
        f_lo = excess(lo)
        while f_lo < 0 and lo > _GAMMA_LOG_SHAPE_MIN:
            hi, f_hi = lo, f_lo
            lo = max(lo - 2.0, _GAMMA_LOG_SHAPE_MIN)
            f_lo = excess(lo)
    ratio = f"high/low = {significant(x2 / x1, 15)}"
    if not f_hi < 0:
        msg = (
            f"the judgements are too close together, relative to their distance from 0, for a "
            f"gamma ({ratio}); use shape normal"
        )
        raise SpecError(msg)
    if not f_lo > 0:
        msg = f"the judgements are too far apart for a gamma ({ratio}); use shape lognormal"
        raise SpecError(msg)
    log_shape = _root(excess, lo, hi)
    k = math.exp(log_shape)
    scale = x1 / float(special.gammaincinv(k, p1))
    return {"a": k, "scale": scale}


def _beta_two(x1: float, p1: float, x2: float, p2: float) -> dict[str, float]:
    """Beta through two quantiles: a 2-D root search on ``(log a, log b)``.

    The residuals are on the normal-score scale, ``ndtri(F(x)) - ndtri(p)``
    (using the upper tail above the median, for accuracy), which keeps them of
    similar size whatever the tails. The search starts from the beta matching
    a logistic-normal approximation; Powell's hybrid method usually converges
    in a few steps. When it does not (judgements that call for a U-shaped
    beta, far from the approximation), nested bracketed searches, slower but
    sure, take over.
    """
    residuals = _beta_residuals(x1, p1, x2, p2)
    start = _logistic_normal_beta(x1, p1, x2, p2)
    from scipy import optimize
    theta = optimize.root(residuals, start, method="hybr", options={"xtol": 1e-14}).x
    if not np.max(np.abs(residuals(theta))) < 1e-10:
        theta = _beta_two_nested(x1, p1, x2, p2)
    return _beta_parameters(theta)


def _beta_two_quick(x1: float, p1: float, x2: float, p2: float) -> dict[str, float]:
    """Beta through two quantiles as :func:`_beta_two` finds it, by Newton's method instead."""
    residuals = _beta_residuals(x1, p1, x2, p2)

    def pair(log_a: float, log_b: float) -> tuple[float, float]:
        first, second = residuals(np.array([log_a, log_b]))
        return float(first), float(second)

    start = _logistic_normal_beta(x1, p1, x2, p2)
    try:
        theta = np.array(newton2(pair, (float(start[0]), float(start[1])), tol=1e-12))
    except RootNotFoundError:
        theta = _beta_two_nested(x1, p1, x2, p2)
    return _beta_parameters(theta)


def _beta_residuals(x1: float, p1: float, x2: float, p2: float) -> Callable[[Floats], Floats]:
    """Return the normal-score residuals of a beta at ``theta = (log a, log b)``."""
    xs = np.array([x1, x2])
    ps = np.array([p1, p2])
    upper = ps > 0.5
    target = np.where(upper, -special.ndtri(1.0 - ps), special.ndtri(ps))

    def residuals(theta: Floats) -> Floats:
        a, b = np.exp(np.clip(theta, -700.0, 700.0))
        below = special.betainc(a, b, xs)
        above = special.betaincc(a, b, xs)
        score = np.where(upper, -special.ndtri(above), special.ndtri(below))
        return np.asarray(np.clip(score, -50.0, 50.0) - target, dtype=float)

    return residuals


def _beta_parameters(theta: Floats) -> dict[str, float]:
    a, b = (float(v) for v in np.exp(theta))
    if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
        msg = f"the search for a beta diverged (a={a:.3g}, b={b:.3g})"
        raise SpecError(msg)
    return {"a": a, "b": b}


def _beta_two_nested(x1: float, p1: float, x2: float, p2: float) -> Floats:
    """Find a beta through two quantiles the slow, sure way: nested bracketed searches.

    For each ``a``, ``F(x1)`` rises from 0 to 1 as ``b`` grows (a beta moves to
    the left as ``b`` grows), so one ``b(a)`` meets the first judgement. Along
    that curve ``F(x2)`` tends to ``p1 < p2`` as ``a`` and ``b`` shrink towards
    two point masses at 0 and 1, and to 1 as they grow and the beta
    concentrates at ``x1``; a root in ``log a`` is bracketed between the two.
    """

    def below(a: float, b: float, x: float, p: float) -> float:
        """Sign-correct ``F(x) - p``, computed in the smaller tail for accuracy."""
        if p > 0.5:
            value = float((1.0 - p) - special.betaincc(a, b, x))
        else:
            value = float(special.betainc(a, b, x) - p)
        if math.isnan(value):
            msg = f"the search for a beta failed numerically (a={a:.3g}, b={b:.3g})"
            raise SpecError(msg)
        return value

    def log_b_for(log_a: float) -> float:
        a = math.exp(log_a)

        def first(log_b: float) -> float:
            return below(a, math.exp(log_b), x1, p1)

        lo, hi = _bracket(first, log_a, increasing=True)
        return _root(first, lo, hi)

    def second(log_a: float) -> float:
        return below(math.exp(log_a), math.exp(log_b_for(log_a)), x2, p2)

    lo, hi = _bracket(second, 0.0, increasing=True)
    log_a = _root(second, lo, hi)
    return np.array([log_a, log_b_for(log_a)])


def _root(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Brent's root of ``f`` in ``[lo, hi]`` to ``1e-14``, as ``scipy.optimize.brentq`` finds it."""
    try:
        return brentq(f, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
    except RootNotFoundError as exc:
        msg = f"the root search failed ({exc})"
        raise SpecError(msg) from exc


def _bracket(
    f: Callable[[float], float], start: float, *, increasing: bool, limit: float = 300.0
) -> tuple[float, float]:
    """Return ``(lo, hi)`` with ``f(lo) < 0 < f(hi)`` (for increasing ``f``), searching out."""
    sign = 1.0 if increasing else -1.0
    lo = hi = start
    step = 1.0
    while sign * f(lo) >= 0:
        if lo <= -limit:
            msg = "no beta meets both judgements (the search ran out of range)"
            raise SpecError(msg)
        hi, lo, step = lo, max(lo - step, -limit), step * 2
    while sign * f(hi) <= 0:
        if hi >= limit:
            msg = "no beta meets both judgements (the search ran out of range)"
            raise SpecError(msg)
        lo, hi, step = hi, min(hi + step, limit), step * 2
    return lo, hi


def _logistic_normal_beta(x1: float, p1: float, x2: float, p2: float) -> Floats:
    """Return ``(log a, log b)`` of the beta whose logit matches a fitted normal.

    If ``logit(X)`` is normal with mean ``m`` and sd ``s``, a beta with
    ``a = (1 + e**m) / s**2`` and ``b = (1 + e**-m) / s**2`` has about the same
    logit mean (``log(a/b)``) and variance (``1/a + 1/b``).
    """
    s, m = _location_scale(float(special.logit(x1)), p1, float(special.logit(x2)), p2)
    m = min(max(m, -700.0), 700.0)
    log_s2 = 2.0 * math.log(s)
    return np.array(
        [np.logaddexp(0.0, m) - log_s2, np.logaddexp(0.0, -m) - log_s2], dtype=float
    )


# -- least squares on an unconstrained scale -------------------------------------------

ToParameters = Callable[[Floats], dict[str, float]]
FromParameters = Callable[[dict[str, float]], Floats]
Cdf = Callable[[Floats, dict[str, float]], Floats]


def _normal_parameters(theta: Floats) -> dict[str, float]:
    return {"loc": float(theta[0]), "scale": float(np.exp(theta[1]))}


def _normal_theta(parameters: dict[str, float]) -> Floats:
    return np.array([parameters["loc"], math.log(parameters["scale"])])


def _normal_cdf(x: Floats, parameters: dict[str, float]) -> Floats:
    return np.asarray(special.ndtr((x - parameters["loc"]) / parameters["scale"]), dtype=float)


def _lognormal_parameters(theta: Floats) -> dict[str, float]:
    return {"s": float(np.exp(theta[1])), "scale": float(np.exp(theta[0]))}


def _lognormal_theta(parameters: dict[str, float]) -> Floats:
    return np.array([math.log(parameters["scale"]), math.log(parameters["s"])])


def _lognormal_cdf(x: Floats, parameters: dict[str, float]) -> Floats:
    z = (np.log(x) - math.log(parameters["scale"])) / parameters["s"]
    return np.asarray(special.ndtr(z), dtype=float)


def _positive_parameters(names: tuple[str, str]) -> ToParameters:
    def to_parameters(theta: Floats) -> dict[str, float]:
        clipped = np.clip(theta, -700.0, 700.0)
        return {names[0]: float(np.exp(clipped[0])), names[1]: float(np.exp(clipped[1]))}

    return to_parameters


def _positive_theta(names: tuple[str, str]) -> FromParameters:
    def from_parameters(parameters: dict[str, float]) -> Floats:
        return np.log([parameters[names[0]], parameters[names[1]]])

    return from_parameters


def _gamma_cdf(x: Floats, parameters: dict[str, float]) -> Floats:
    return np.asarray(special.gammainc(parameters["a"], x / parameters["scale"]), dtype=float)


def _beta_cdf(x: Floats, parameters: dict[str, float]) -> Floats:
    return np.asarray(special.betainc(parameters["a"], parameters["b"], x), dtype=float)


_PARAMETRISATIONS: dict[str, tuple[ToParameters, FromParameters, Cdf]] = {
    "normal": (_normal_parameters, _normal_theta, _normal_cdf),
    "lognormal": (_lognormal_parameters, _lognormal_theta, _lognormal_cdf),
    "gamma": (_positive_parameters(("a", "scale")), _positive_theta(("a", "scale")), _gamma_cdf),
    "beta": (_positive_parameters(("a", "b")), _positive_theta(("a", "b")), _beta_cdf),
}


def _approximate_start(x: Floats, p: Floats, shape: FitShape) -> Floats:
    """Return a rough start when the two outermost judgements cannot be fitted exactly."""
    x1, p1, x2, p2 = float(x[0]), float(p[0]), float(x[-1]), float(p[-1])
    if shape == "beta":
        return _logistic_normal_beta(x1, p1, x2, p2)
    # gamma: match the mean and sd of the lognormal through the outer judgements
    sigma, mu = _location_scale(math.log(x1), p1, math.log(x2), p2)
    variance = min(sigma**2, 700.0)
    log_shape = -math.log(math.expm1(variance))
    theta = np.array([log_shape, mu + variance / 2.0 - log_shape], dtype=float)
    return np.asarray(np.clip(theta, -700.0, 700.0), dtype=float)


def _show(parameters: dict[str, float]) -> str:
    return ", ".join(f"{name}={significant(value, 4)}" for name, value in parameters.items())
