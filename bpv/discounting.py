"""Discounting: discount factors, present values and the named discounting policies.

Periods are t = 0 … n−1 and period 0 is the present, never discounted
(docs/design/metrics.md). A discount factor ``DF(t)`` turns a flow in period t into its
present value; :func:`present_value` applies a vector of factors to flows
whose last axis is the period.

Three schedules:

* ``"constant"``: one rate throughout, DF(t) = (1 + r)^−t;
* ``"green_book"``: HM Treasury's declining long-term discount rate for
  money [1]_, 3.5% for years 0–30, then 3.0% (31–75), 2.5% (76–125), 2.0%
  (126–200), 1.5% (201–300) and 1.0% (301 onwards);
* ``"green_book_health"``: the Green Book rate for health effects [1]_, 1.5%
  for years 0–30, then 1.29%, 1.07%, 0.86%, 0.64% and 0.43% over the same
  bands.

The declining schedules compound piecewise: each year is discounted at the
rate of its own band, DF(t) = DF(t−1) / (1 + r_t), so
DF(31) = DF(30) / 1.03 (not 1.03^−31).

Three named policies (:data:`DISCOUNTING`) decide the schedules and rates of
money and of health for a bid: ``"green_book"``, ``"nice"`` (the NICE
reference case [3]_) and ``"constant"``; :func:`resolve_rates` applies one to
the rates a bid gives.

The tables are those of the Green Book 2022 edition. They are versioned as
:data:`DISCOUNTING_VERSION`, which appraisals should record: HM Treasury
published a revised Green Book on 5 February 2026 [2]_ and a review of the
discount rate may change them; a change of defaults will change this
version.

References
----------
.. [1] HM Treasury (2022). *The Green Book: Central Government Guidance on
   Appraisal and Evaluation*, Annex A6 "Discounting": the social time
   preference rate of 3.5% (0.5% pure time preference + 1% catastrophic
   risk + 1 × 2% growth of consumption), the declining long-term discount
   rate for money and the 1.5% health discount rate with its declining
   schedule.
.. [2] HM Treasury (5 February 2026). *The Green Book* (revised edition).
   Not yet reflected in the defaults here; see :data:`DISCOUNTING_VERSION`.
.. [3] NICE (2022, updated). *NICE health technology evaluations: the
   manual* (PMG36), section 4.5 "Discounting": the reference case discounts
   costs and health effects alike at 3.5% a year.

Examples
--------
>>> factors = discount_factors(6, rate=0.035)
>>> round(float(present_value(np.array([-100.0, 30, 30, 30, 30, 30]), factors)), 4)
35.4516
>>> resolve_rates("green_book", None, None)
(RateSchedule(schedule='green_book', rate=0.035), RateSchedule(schedule='green_book_health', rate=0.015))
"""  # noqa: E501

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, cast, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv._utils.validation import check_choice, check_int, check_real, parameter_message
from bpv.errors import SpecError

__all__ = [
    # factors and present values
    "Schedule",
    "Timing",
    "SCHEDULES",
    "TIMINGS",
    "discount_factors",
    "present_value",
    # named policies
    "DiscountingName",
    "DiscountingPolicy",
    "RateSchedule",
    "DISCOUNTING",
    "DISCOUNTING_VERSION",
    "resolve_rates",
]

#: How the rate changes with time.
Schedule = Literal["constant", "green_book", "green_book_health"]
#: When in its period a flow happens.
Timing = Literal["end", "mid"]
#: The names of the discounting policies of :data:`DISCOUNTING`.
DiscountingName = Literal["green_book", "nice", "constant"]

SCHEDULES: Final[tuple[str, ...]] = get_args(Schedule)
TIMINGS: Final[tuple[str, ...]] = get_args(Timing)

#: Version of the default rates and tables; record it with every appraisal.
DISCOUNTING_VERSION: Final = "green-book-2022"

#: First year of each band of the declining schedules (years 0–30, 31–75, …).
_BAND_STARTS: Final = np.array([0, 31, 76, 126, 201, 301])
#: Rates of each band, as published.
_BAND_RATES: Final[dict[str, NDArray[np.float64]]] = {
    "green_book": np.array([0.035, 0.030, 0.025, 0.020, 0.015, 0.010]),
    "green_book_health": np.array([0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043]),
}
#: The rate a schedule uses when none is given: its published first band.
_BASE_RATES: Final[dict[str, float]] = {
    "constant": 0.035,
    "green_book": 0.035,
    "green_book_health": 0.015,
}


def discount_factors(
    n_periods: int,
    *,
    rate: float | None = None,
    schedule: Schedule = "constant",
    timing: Timing = "end",
) -> NDArray[np.float64]:
    """Return the discount factor of each period.

    Period t = 0 is the present and is never discounted.

    Parameters
    ----------
    n_periods : int
        Number of periods (years), at least 0.
    rate : float, optional
        Annual real discount rate, greater than −1. For ``"constant"`` it is
        the rate itself. For the two Green Book schedules it is the rate of
        the first band (years 0–30), and every later band is scaled in
        proportion (``rate / first band``), so the published table is used
        exactly at its own base rate and another base rate (a sensitivity
        test at 3% or 5%, say) keeps the declining shape. By default the
        schedule's published base rate: 0.035 for ``"constant"`` and
        ``"green_book"``, 0.015 for ``"green_book_health"``.
    schedule : {'constant', 'green_book', 'green_book_health'}, default 'constant'
        How the rate changes with time (see the module notes). The
        declining schedules compound piecewise: DF(t) = DF(t−1) / (1 + r_t)
        with r_t the rate of the band year t falls in.
    timing : {'end', 'mid'}, default 'end'
        When a period's flow happens. ``"end"``: at the end of the period,
        the Green Book convention, so period t is discounted over t years
        (exponent t). ``"mid"``: spread evenly over the period, so on
        average half a period earlier, exponent max(t − 0.5, 0); under a
        declining schedule the last half year is discounted at the rate of
        year t's band, DF_mid(t) = DF(t−1) / (1 + r_t)^0.5. Period 0 is the
        present under both conventions and is never discounted.

    Returns
    -------
    ndarray of shape (n_periods,)
        Discount factors; ``DF(0) = 1``. They are positive, and
        non-increasing when the rate is not negative.

    Raises
    ------
    bpv.errors.SpecError
        If ``n_periods`` is not a whole number at least 0, ``rate`` is not a
        finite number greater than −1, or ``schedule`` or ``timing`` is not
        one of the names above.

    See Also
    --------
    present_value : Apply the factors to flows.
    resolve_rates : The schedules and rates of a named discounting policy.

    References
    ----------
    HM Treasury (2022), *The Green Book*, Annex A6, tables of the declining
    long-term discount rate for money and for health.

    Examples
    --------
    >>> discount_factors(3, rate=0.05)
    array([1.        , 0.95238095, 0.90702948])
    >>> discount_factors(3, rate=0.05, timing="mid")
    array([1.        , 0.97590007, 0.92942864])
    >>> df = discount_factors(32, schedule="green_book")
    >>> round(float(df[30]), 5), round(float(df[31]), 5)
    (0.35628, 0.3459)
    >>> round(float(df[31] * 1.03 / df[30]), 12)
    1.0
    """
    n = _check_count("n_periods", n_periods)
    schedule = cast(Schedule, check_choice(schedule, SCHEDULES, name="schedule"))
    timing = cast(Timing, check_choice(timing, TIMINGS, name="timing"))
    base = _BASE_RATES[schedule] if rate is None else _check_rate("rate", rate)

    t = np.arange(n, dtype=np.float64)
    if schedule == "constant":
        exponent = t if timing == "end" else np.maximum(t - 0.5, 0.0)
        return np.power(1.0 + base, -exponent)

    # Rate of each year's band, scaled so the first band is the base rate.
    table = _BAND_RATES[schedule] * (base / _BAND_RATES[schedule][0])
    band = np.searchsorted(_BAND_STARTS, np.arange(n), side="right") - 1
    log_growth: NDArray[np.float64] = np.log1p(table[band])
    log_growth[:1] = 0.0  # year 0 is the present
    log_df: NDArray[np.float64] = -np.cumsum(log_growth)
    if timing == "mid":
        log_df = log_df + 0.5 * log_growth
    return np.exp(log_df)


def present_value(flows: ArrayLike, factors: ArrayLike) -> NDArray[np.float64]:
    """Return the present value of flows along their last axis.

    Parameters
    ----------
    flows : array_like of shape (..., n_periods)
        Flows by period, period last; typically (n_draws, n_periods). Not
        copied (beyond what the matrix product itself needs) nor changed.
    factors : array_like of shape (n_periods,)
        Discount factors, from :func:`discount_factors`.

    Returns
    -------
    ndarray of shape flows.shape[:-1]
        Σ_t flows[..., t] × factors[t]; a 0-d array when ``flows`` is 1-d.

    Raises
    ------
    bpv.errors.SpecError
        If ``factors`` is not 1-d or its length differs from the last axis
        of ``flows``.

    Examples
    --------
    >>> factors = discount_factors(11, rate=0.015)
    >>> qalys = np.r_[0.0, np.ones(10)]    # one QALY a year in years 1-10
    >>> round(float(present_value(qalys, factors)), 4)
    9.2222
    >>> present_value(np.ones((2, 3)), np.array([1.0, 0.5, 0.25]))
    array([1.75, 1.75])
    """
    flows_array = np.asarray(flows)
    factors_array = np.asarray(factors, dtype=np.float64)
    if factors_array.ndim != 1:
        raise SpecError(parameter_message("factors", "present_value",
                                          "1-d, one factor a period", _Shape(factors_array)))
    if flows_array.ndim == 0 or flows_array.shape[-1] != factors_array.shape[0]:
        expected = (f"an array with the periods on its last axis, {factors_array.shape[0]} of "
                    "them to match 'factors'")
        raise SpecError(parameter_message("flows", "present_value", expected,
                                          _Shape(flows_array)))
    return np.asarray(np.matmul(flows_array, factors_array), dtype=np.float64)


# -- named policies ---------------------------------------------------------------------


class RateSchedule(NamedTuple):
    """A schedule and its base rate, as :func:`discount_factors` takes them.

    Attributes
    ----------
    schedule : {'constant', 'green_book', 'green_book_health'}
    rate : float
    """

    schedule: Schedule
    rate: float


@dataclass(frozen=True, slots=True)
class DiscountingPolicy:
    """A named way to discount money and health.

    Attributes
    ----------
    name : str
        The name a bid uses.
    title : str
        A label for messages and reports.
    money, health : RateSchedule
        Schedule and default base rate for money and for health effects.
    fixed : bool
        Whether the rates are part of the policy, so that a bid may not give
        others (NICE's reference case); otherwise the bid's rates replace
        the defaults and the schedules stay.
    source : str
        Where the policy comes from.
    """

    name: str
    title: str
    money: RateSchedule
    health: RateSchedule
    fixed: bool
    source: str


#: The named discounting policies, by name (read-only).
DISCOUNTING: Final[Mapping[str, DiscountingPolicy]] = MappingProxyType({
    "green_book": DiscountingPolicy(
        name="green_book",
        title="HM Treasury Green Book",
        money=RateSchedule("green_book", 0.035),
        health=RateSchedule("green_book_health", 0.015),
        fixed=False,
        source="HM Treasury Green Book (2022), Annex A6: declining schedules for money and "
        "health",
    ),
    "nice": DiscountingPolicy(
        name="nice",
        title="NICE reference case",
        money=RateSchedule("constant", 0.035),
        health=RateSchedule("constant", 0.035),
        fixed=True,
        source="NICE health technology evaluations manual (PMG36, 2022), 4.5: 3.5% for "
        "costs and health effects",
    ),
    "constant": DiscountingPolicy(
        name="constant",
        title="constant rates",
        money=RateSchedule("constant", 0.035),
        health=RateSchedule("constant", 0.015),
        fixed=False,
        source="the bid's own constant rates (defaults: the Green Book's 3.5% and 1.5%)",
    ),
})


def resolve_rates(
    discounting: str,
    discount_rate: float | None,
    health_discount_rate: float | None,
) -> tuple[RateSchedule, RateSchedule]:
    """Return the schedules and rates for money and health under a named policy.

    Parameters
    ----------
    discounting : {'green_book', 'nice', 'constant'}
        The policy, a key of :data:`DISCOUNTING`.
    discount_rate, health_discount_rate : float or None
        The rates the bid gives for money and for health, or None for the
        policy's default. Under ``"green_book"`` a rate given is the base
        rate of the declining schedule (years 0–30), which is scaled in
        proportion; under ``"constant"`` it is the rate; ``"nice"`` fixes
        both at 3.5%, and a rate given must equal it.

    Returns
    -------
    (RateSchedule, RateSchedule)
        For money and for health, in that order.

    Raises
    ------
    bpv.errors.SpecError
        If the policy is unknown, a rate is not a finite number greater than
        −1, or a rate contradicts a policy that fixes it.

    Examples
    --------
    >>> resolve_rates("constant", 0.05, None)
    (RateSchedule(schedule='constant', rate=0.05), RateSchedule(schedule='constant', rate=0.015))
    >>> resolve_rates("nice", None, 0.015)
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: health_discount_rate is 0.015, but discounting 'nice' (NICE reference case) fixes it at 0.035; remove health_discount_rate or choose discounting 'green_book' or 'constant'
    """  # noqa: E501
    name = check_choice(discounting, tuple(DISCOUNTING), name="discounting")
    policy = DISCOUNTING[name]
    resolved: list[RateSchedule] = []
    for key, given, default in (
        ("discount_rate", discount_rate, policy.money),
        ("health_discount_rate", health_discount_rate, policy.health),
    ):
        if given is None:
            resolved.append(default)
            continue
        rate = _check_rate(key, given)
        if policy.fixed and not math.isclose(rate, default.rate, rel_tol=0, abs_tol=1e-12):
            others = " or ".join(f"'{other}'" for other in DISCOUNTING if other != name)
            msg = (f"{key} is {rate:g}, but discounting '{name}' ({policy.title}) fixes it "
                   f"at {default.rate:g}; remove {key} or choose discounting {others}")
            raise SpecError(msg)
        resolved.append(RateSchedule(default.schedule, rate))
    return resolved[0], resolved[1]


# -- argument checks --------------------------------------------------------------------


def _check_count(name: str, value: object) -> int:
    """Return ``value`` as an int if it is a whole number at least 0."""
    return check_int(value, name=name)


def _check_rate(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite rate greater than −1."""
    return check_real(value, name=name, low=-1, meaning=", an annual rate such as 0.035")


class _Shape:
    """Shows an array by its shape in a message (``Got shape (2, 3) instead``)."""

    def __init__(self, array: NDArray[np.generic]) -> None:
        self.shape = array.shape

    def __repr__(self) -> str:
        return f"shape {self.shape}"
