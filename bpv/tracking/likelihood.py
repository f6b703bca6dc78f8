"""The likelihood of the actuals under each draw of an appraisal.

Each :class:`~bpv.tracking.observations.Observation` is a measurement of its
series in one year: draw ``i`` expects ``μᵢ = share × trajectoryᵢ[year]``,
and the actual ``y`` is modelled around it by the observation's likelihood:

``normal``
    ``y ~ Normal(μᵢ, s)`` with ``s = sd``, or ``s = cv × |μᵢ|``.
``poisson``
    ``y ~ Poisson(μᵢ)``: a whole, non-negative count. ``μᵢ = 0`` allows only
    ``y = 0`` (log-probability 0); a negative ``μᵢ`` allows nothing.
``lognormal``
    ``log y ~ Normal(log μᵢ − σ²/2, σ)``, so that ``μᵢ`` is the **mean** of
    the actual (not its median), with ``σ² = log(1 + cv²)`` for a coefficient
    of variation ``cv``, or ``σ = sd`` when ``sd`` is given (a spread on the
    log scale). ``μᵢ <= 0`` or ``y <= 0`` allows nothing.

A spread of zero (``cv`` with ``μᵢ = 0``) allows only ``y = μᵢ`` exactly,
which then gets log-density 0. Impossible values get ``-inf``, never NaN, and
no floating-point warning is raised.

Examples
--------
>>> from bpv.tracking.observations import Observation
>>> from bpv.tracking.series import SeriesKey
>>> key = SeriesKey("admissions_avoided")
>>> seen = Observation(key, year=1, share=0.25, value=9.0, likelihood="poisson")
>>> paths = {key: np.array([[0.0, 40.0], [0.0, 0.0]])}
>>> log_likelihood([seen], paths).round(4)
array([-2.0786,    -inf])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray

from bpv.errors import SpecError
from bpv.tracking.observations import Observation
from bpv.tracking.series import SeriesKey

__all__ = ["log_likelihood", "observation_log_likelihood"]

FloatArray = NDArray[np.float64]

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def log_likelihood(observations: Iterable[Observation],
                   trajectories: Mapping[SeriesKey, FloatArray]) -> FloatArray:
    """Return the log-likelihood of all the actuals under each draw: their sum.

    Parameters
    ----------
    observations : iterable of Observation
        The actuals (independent measurements given the draw).
    trajectories : mapping of SeriesKey to ndarray of shape (n_draws, n_periods)
        Each series' values by period, draw by draw
        (:func:`bpv.tracking.series.trajectories`).

    Returns
    -------
    ndarray of shape (n_draws,)
        ``Σₖ log p(yₖ | draw)``; ``-inf`` where a draw makes an actual
        impossible. Zeros when there are no observations.

    Raises
    ------
    SpecError
        If an observation's series has no trajectory, its year is outside the
        periods, or it is malformed (see :func:`observation_log_likelihood`).
    """
    observations = list(observations)
    n_draws = next(iter(trajectories.values())).shape[0] if trajectories else 0
    total = np.zeros(n_draws)
    for observation in observations:
        total += observation_log_likelihood(observation, trajectories)
    return total


def observation_log_likelihood(observation: Observation,
                               trajectories: Mapping[SeriesKey, FloatArray]) -> FloatArray:
    """Return one actual's log-likelihood under each draw, ``log p(y | μᵢ)``.

    Raises
    ------
    SpecError
        If the series has no trajectory or the year is outside its periods; a
        Poisson actual is not a whole non-negative number; a normal or
        lognormal one gives neither or both of ``sd`` and ``cv``, or a spread
        that is not positive; the value or share is not finite.

    Examples
    --------
    >>> from bpv.tracking.series import SeriesKey
    >>> key = SeriesKey("bed_days")
    >>> seen = Observation(key, year=0, share=1.0, value=110.0, likelihood="normal", sd=10.0)
    >>> observation_log_likelihood(seen, {key: np.array([[100.0], [110.0]])}).round(4)
    array([-3.7215, -3.2215])
    """
    mean = _expected(observation, trajectories)
    value = float(observation.value)
    kind = observation.likelihood
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == "poisson":
            return _poisson(value, mean, observation)
        sd, cv = _spread(observation)
        if kind == "normal":
            return _normal(value, mean, sd, cv)
        if kind == "lognormal":
            return _lognormal(value, mean, sd, cv)
    raise SpecError(f"{_where(observation)}: unknown likelihood {kind!r}; expected normal, "
                    "poisson or lognormal")


def _expected(observation: Observation, trajectories: Mapping[SeriesKey, FloatArray]
              ) -> FloatArray:
    """Return what each draw expects the actual to be: ``share × trajectory[:, year]``."""
    where = _where(observation)
    if observation.series not in trajectories:
        raise SpecError(f"{where}: no trajectory for series '{observation.series.label}'")
    values = trajectories[observation.series]
    if not 0 <= observation.year < values.shape[1]:
        raise SpecError(f"{where}: year {observation.year} is outside the plan's "
                        f"{values.shape[1]} periods")
    if not (math.isfinite(observation.share) and math.isfinite(observation.value)):
        raise SpecError(f"{where}: value and share must be finite numbers")
    result: FloatArray = observation.share * values[:, observation.year]
    return result


def _spread(observation: Observation) -> tuple[float | None, float | None]:
    """Return the observation's ``sd`` or ``cv``: exactly one of them, positive and finite."""
    sd, cv = observation.sd, observation.cv
    given = [value for value in (sd, cv) if value is not None]
    if len(given) != 1:
        raise SpecError(f"{_where(observation)}: a {observation.likelihood} actual needs "
                        f"exactly one of sd and cv, got {'both' if given else 'neither'}")
    if not (math.isfinite(given[0]) and given[0] > 0):
        raise SpecError(f"{_where(observation)}: the measurement spread must be a positive "
                        f"number, got {given[0]!r}")
    return sd, cv


def _poisson(value: float, mean: FloatArray, observation: Observation) -> FloatArray:
    if value < 0 or value != math.floor(value):
        raise SpecError(f"{_where(observation)}: a Poisson actual is a count, a whole "
                        f"non-negative number, got {value!r}")
    result = value * np.log(mean) - mean - math.lgamma(value + 1.0)
    if value == 0:  # 0 log 0 is 0: a draw expecting none allows no count but zero
        result = np.where(mean == 0, 0.0, result)
    result = np.where(mean >= 0, result, -np.inf)
    return np.asarray(np.where(np.isnan(result), -np.inf, result), dtype=np.float64)


def _normal(value: float, mean: FloatArray, sd: float | None, cv: float | None) -> FloatArray:
    scale = np.full(mean.shape, sd) if sd is not None else cv * np.abs(mean)
    residual = value - mean
    result = -0.5 * (residual / scale) ** 2 - np.log(scale) - _HALF_LOG_TWO_PI
    return _degenerate(result, residual, scale)


def _lognormal(value: float, mean: FloatArray, sd: float | None, cv: float | None
               ) -> FloatArray:
    sigma = sd if sd is not None else math.sqrt(math.log1p(cv**2))  # type: ignore[operator]
    if value <= 0:
        return np.full(mean.shape, -np.inf)
    location = np.log(mean) - 0.5 * sigma**2
    log_value = math.log(value)
    result = (-0.5 * ((log_value - location) / sigma) ** 2 - math.log(sigma) - log_value
              - _HALF_LOG_TWO_PI)
    result = np.where(mean > 0, result, -np.inf)
    return np.asarray(np.where(np.isnan(result), -np.inf, result), dtype=np.float64)


def _degenerate(result: FloatArray, residual: FloatArray, scale: FloatArray) -> FloatArray:
    """Zero spread: log-density 0 where the actual is exactly expected, else -inf."""
    zero = scale == 0
    if zero.any():
        result = np.where(zero, np.where(residual == 0, 0.0, -np.inf), result)
    return np.asarray(np.where(np.isnan(result), -np.inf, result), dtype=np.float64)


def _where(observation: Observation) -> str:
    """How a message names an actual: its location, or its series and period."""
    if observation.location:
        return observation.location
    period = observation.period or f"year {observation.year}"
    return f"actual for {observation.series.label} in {period}"

