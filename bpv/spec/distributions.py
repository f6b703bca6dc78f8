"""Distribution specifications: what a bid believes about each uncertain quantity.

Each distribution is a small frozen model with named arguments, tagged by
``dist``, that checks its own arguments and builds its :mod:`scipy.stats`
distribution with ``to_scipy()`` (a fresh frozen object on each call; no
scipy object is ever stored in a specification). In a bid file::

    referrals:  {dist: pert, low: 600, mode: 900, high: 1200}
    admit_rate: {dist: beta, mean: 0.35, sd: 0.05}
    admission_reduction: {dist: interval, low: 0.10, high: 0.25, shape: beta}

The twelve distributions, in the order of :data:`DISTRIBUTIONS`:

* parametric: ``normal``, ``lognormal``, ``beta``, ``gamma``;
* three-point and range: ``pert``, ``triangular``, ``uniform``;
* discrete: ``bernoulli``, ``fixed``, ``discrete``;
* elicited judgements, fitted when validated: ``interval`` ("90% sure it
  lies between 10% and 25%") and ``quantiles`` (SHELF-style quantile
  judgements).

``fixed`` and ``discrete`` become scipy ``rv_discrete`` distributions on
their own (not necessarily whole) values, with ``ppf(0)`` equal to the
smallest value rather than scipy's usual ``a - 1``, so that sampling by
inversion of a uniform draw never leaves the support.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator
from scipy import special

from bpv.errors import SpecError
from bpv.spec._base import (
    IS_NUMBER,
    MAX_DISCRETE_VALUES,
    MAX_QUANTILES,
    Float,
    Spec,
    raise_problems,
)
from bpv.spec._fitting import (
    FitShape,
    QuantileFit,
    fit_interval,
    fit_quantiles,
    fitted_distribution,
    interval_parameters,
    quick_fit_interval,
    quick_fits,
)
from bpv.spec._wording import (
    call,
    distinct,
    increasing,
    listing,
    num,
    numbers,
    percent,
    span_problems,
    three_point_problems,
)

# scipy.stats is imported inside the functions that use it, not with
# bpv: an appraisal needs only scipy.special, and importing it costs 45 MB and ~0.3 s.
__all__ = [
    "quick_fits",
    "DISTRIBUTIONS",
    "Bernoulli",
    "Beta",
    "Discrete",
    "Distribution",
    "Fixed",
    "Gamma",
    "Interval",
    "LogNormal",
    "Normal",
    "Pert",
    "QuantileFit",
    "Quantiles",
    "Triangular",
    "Uniform",
]

PositiveFloat = Annotated[float, Field(gt=0), IS_NUMBER]
Probability = Annotated[float, Field(gt=0, lt=1), IS_NUMBER]


class _Distribution(Spec):
    """Behaviour shared by every distribution specification."""

    def to_scipy(self) -> Any:
        """Return the frozen :mod:`scipy.stats` distribution this specification describes."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def describe(self) -> str:
        """Return a short human label, such as ``PERT(low=600, mode=900, high=1200)``."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def support(self) -> tuple[float, float]:
        """Return the lowest and highest values it can take (``-inf`` and ``inf`` if unbounded).

        The ends of ``to_scipy().support()``, worked out without scipy, and
        the values the sampler gives at the uniforms 0 and 1 (tested).

        Examples
        --------
        >>> Pert(low=2, mode=3, high=7).support(), LogNormal(median=1, p95=3).support()
        ((2.0, 7.0), (0.0, inf))
        >>> Interval(low=0.1, high=0.25, shape="beta").support()
        (0.0, 1.0)
        """
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def __str__(self) -> str:
        return self.describe()

    def _check(self, problems: Sequence[str]) -> None:
        """Raise every cross-field problem found at once, located at this specification."""
        given = self.model_dump(by_alias=True, exclude_unset=True)
        raise_problems(type(self).__name__, [((), problem, given) for problem in problems])


# -- parametric ------------------------------------------------------------------------


class Normal(_Distribution):
    """Normal distribution with a mean and a standard deviation.

    Parameters
    ----------
    mean : float
    sd : float
        Standard deviation, > 0.

    Examples
    --------
    >>> d = Normal(mean=2800, sd=300)
    >>> str(d), float(d.to_scipy().ppf(0.5))
    ('Normal(mean=2800, sd=300)', 2800.0)
    """

    dist: Literal["normal"] = "normal"
    mean: Float
    sd: PositiveFloat

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.norm(mean, sd)``."""
        from scipy import stats

        return stats.norm(loc=self.mean, scale=self.sd)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return -math.inf, math.inf


    def describe(self) -> str:
        """Return ``Normal(mean=..., sd=...)``."""
        return f"Normal(mean={num(self.mean)}, sd={num(self.sd)})"


#: The largest mu whose exp(mu) is a float.
_LARGEST_LOG = math.log(sys.float_info.max)

_LOGNORMAL_TAILS: dict[str, float] = {"p90": 0.90, "p95": 0.95, "p99": 0.99}


class LogNormal(_Distribution):
    """Lognormal distribution, given in one of three ways.

    Give exactly one of: ``mu`` and ``sigma`` (mean and sd of the log);
    ``mean`` and ``sd`` (of the quantity itself); or ``median`` and one upper
    percentile, ``p90``, ``p95`` or ``p99`` ("typically 0.02, and 95% sure it
    is below 0.05").

    Parameters
    ----------
    mu : float, optional
    sigma : float, optional
        > 0.
    mean, sd : float, optional
        > 0.
    median : float, optional
        > 0.
    p90, p95, p99 : float, optional
        Above the median.

    Examples
    --------
    >>> d = LogNormal(median=0.02, p95=0.05)
    >>> [round(float(q), 6) for q in d.to_scipy().ppf([0.5, 0.95])]
    [0.02, 0.05]
    >>> round(float(LogNormal(mean=10, sd=2).to_scipy().std()), 9)
    2.0
    """

    dist: Literal["lognormal"] = "lognormal"
    mu: Float | None = None
    sigma: PositiveFloat | None = None
    mean: PositiveFloat | None = None
    sd: PositiveFloat | None = None
    median: PositiveFloat | None = None
    p90: PositiveFloat | None = None
    p95: PositiveFloat | None = None
    p99: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check_arguments(self) -> LogNormal:
        given = self._given()
        forms = ({"mu", "sigma"}, {"mean", "sd"}, *({"median", p} for p in _LOGNORMAL_TAILS))
        if set(given) not in forms:
            self._check([
                "lognormal needs exactly one of: mu and sigma; mean and sd; median and one of "
                f"p90, p95, p99 (got {listing(given)})"
            ])
        tail = self._tail()
        if tail is not None and self.median is not None and not tail[1] > self.median:
            self._check([
                f"lognormal needs {tail[0]} > median (got median={num(self.median)}, "
                f"{tail[0]}={num(tail[1])})"
            ])
        if self.mu is not None and not self.mu <= _LARGEST_LOG:
            self._check([
                f"lognormal needs mu <= {_LARGEST_LOG:.6g} (got mu={num(self.mu)}): its median, "
                "exp(mu), is past the largest number (about 1.8e308)"
            ])
        return self

    def _given(self) -> list[str]:
        return [name for name in type(self).model_fields if name != "dist"
                and getattr(self, name) is not None]

    def _tail(self) -> tuple[str, float] | None:
        for name in _LOGNORMAL_TAILS:
            value = getattr(self, name)
            if value is not None:
                return name, value
        return None

    @property
    def log_parameters(self) -> tuple[float, float]:
        """Mean and standard deviation of the log of the quantity, ``(mu, sigma)``."""
        if self.mu is not None and self.sigma is not None:
            return self.mu, self.sigma
        if self.mean is not None and self.sd is not None:
            spread = self.sd / self.mean
            # log(1 + r²) = 2 log r + log(1 + 1/r²), for an r whose square overflows.
            sigma2 = (math.log1p(spread ** 2) if spread < 1e150
                      else 2.0 * math.log(spread) + math.log1p(spread ** -2))
            return math.log(self.mean) - sigma2 / 2.0, math.sqrt(sigma2)
        tail = self._tail()
        if self.median is None or tail is None:  # pragma: no cover - validation forbids it
            msg = "lognormal has no complete set of arguments"
            raise SpecError(msg)
        z = float(special.ndtri(_LOGNORMAL_TAILS[tail[0]]))
        return math.log(self.median), (math.log(tail[1]) - math.log(self.median)) / z

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.lognorm(s=sigma, scale=exp(mu))``."""
        mu, sigma = self.log_parameters
        from scipy import stats

        return stats.lognorm(s=sigma, scale=math.exp(mu))

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return 0.0, math.inf


    def describe(self) -> str:
        """Return ``LogNormal(...)`` with the arguments as given."""
        return call("LogNormal", {name: getattr(self, name) for name in self._given()})


class Beta(_Distribution):
    """Beta distribution on [0, 1], by its shapes or by its mean and sd.

    Give exactly one of: ``a`` and ``b``; or ``mean`` (in (0, 1)) and ``sd``,
    with ``sd**2 < mean * (1 - mean)``, the largest variance a beta with that
    mean can have.

    Parameters
    ----------
    a, b : float, optional
        Shape parameters, > 0.
    mean : float, optional
        In (0, 1).
    sd : float, optional
        > 0.

    Examples
    --------
    >>> d = Beta(mean=0.35, sd=0.05)
    >>> str(d), round(float(d.to_scipy().mean()), 12), round(float(d.to_scipy().std()), 12)
    ('Beta(mean=0.35, sd=0.05)', 0.35, 0.05)
    >>> Beta(a=2, b=5).shapes
    (2.0, 5.0)
    """

    dist: Literal["beta"] = "beta"
    a: PositiveFloat | None = None
    b: PositiveFloat | None = None
    mean: Probability | None = None
    sd: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check_arguments(self) -> Beta:
        given = [name for name in ("a", "b", "mean", "sd") if getattr(self, name) is not None]
        if set(given) not in ({"a", "b"}, {"mean", "sd"}):
            self._check([
                f"beta needs exactly one of: a and b; mean and sd (got {listing(given)})"
            ])
        if self.mean is not None and self.sd is not None:
            limit = math.sqrt(self.mean * (1.0 - self.mean))
            if not self.sd < limit:
                bound, found = distinct(limit, self.sd)
                self._check([
                    f"beta with mean {num(self.mean)} needs sd < {bound} (got sd={found}); "
                    "sd**2 must be below mean * (1 - mean)"
                ])
        return self

    @property
    def shapes(self) -> tuple[float, float]:
        """The shape parameters ``(a, b)``, however the beta was given."""
        if self.a is not None and self.b is not None:
            return self.a, self.b
        mean, sd = self.mean, self.sd
        if mean is None or sd is None:  # pragma: no cover - validation forbids it
            msg = "beta has no complete set of arguments"
            raise SpecError(msg)
        concentration = mean * (1.0 - mean) / sd**2 - 1.0
        return mean * concentration, (1.0 - mean) * concentration

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.beta(a, b)``."""
        a, b = self.shapes
        from scipy import stats

        return stats.beta(a, b)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return 0.0, 1.0


    def describe(self) -> str:
        """Return ``Beta(a=..., b=...)`` or ``Beta(mean=..., sd=...)``."""
        if self.a is not None:
            return call("Beta", {"a": self.a, "b": self.b})
        return call("Beta", {"mean": self.mean, "sd": self.sd})


class Gamma(_Distribution):
    """Gamma distribution on (0, inf), by shape and scale or by mean and sd.

    Parameters
    ----------
    shape, scale : float, optional
        > 0; the mean is ``shape * scale``.
    mean, sd : float, optional
        > 0; then ``shape = (mean / sd)**2`` and ``scale = sd**2 / mean``.

    Examples
    --------
    >>> d = Gamma(mean=12, sd=4)
    >>> d.shape_scale, float(d.to_scipy().mean())
    ((9.0, 1.3333333333333333), 12.0)
    """

    dist: Literal["gamma"] = "gamma"
    shape: PositiveFloat | None = None
    scale: PositiveFloat | None = None
    mean: PositiveFloat | None = None
    sd: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check_arguments(self) -> Gamma:
        given = [name for name in ("shape", "scale", "mean", "sd")
                 if getattr(self, name) is not None]
        if set(given) not in ({"shape", "scale"}, {"mean", "sd"}):
            self._check([
                "gamma needs exactly one of: shape and scale; mean and sd "
                f"(got {listing(given)})"
            ])
        return self

    @property
    def shape_scale(self) -> tuple[float, float]:
        """The ``(shape, scale)`` parameters, however the gamma was given."""
        if self.shape is not None and self.scale is not None:
            return self.shape, self.scale
        if self.mean is None or self.sd is None:  # pragma: no cover - validation forbids it
            msg = "gamma has no complete set of arguments"
            raise SpecError(msg)
        return (self.mean / self.sd) ** 2, self.sd**2 / self.mean

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.gamma(shape, scale=scale)``."""
        shape, scale = self.shape_scale
        from scipy import stats

        return stats.gamma(shape, scale=scale)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return 0.0, math.inf


    def describe(self) -> str:
        """Return ``Gamma(shape=..., scale=...)`` or ``Gamma(mean=..., sd=...)``."""
        if self.shape is not None:
            return call("Gamma", {"shape": self.shape, "scale": self.scale})
        return call("Gamma", {"mean": self.mean, "sd": self.sd})


# -- three-point and range -------------------------------------------------------------


class Pert(_Distribution):
    """PERT distribution: a beta on [low, high] with the given most likely value.

    ``alpha = 1 + lambda * (mode - low) / (high - low)`` and
    ``beta = 1 + lambda * (high - mode) / (high - low)``, so the mean is
    ``(low + lambda * mode + high) / (lambda + 2)``.

    Parameters
    ----------
    low, mode, high : float
        ``low <= mode <= high`` and ``low < high``.
    lambda : float, default 4
        Weight of the mode (python name ``lamb``); > 0. Larger is more peaked.

    Examples
    --------
    >>> d = Pert(low=600, mode=900, high=1200)
    >>> str(d), float(d.to_scipy().mean())
    ('PERT(low=600, mode=900, high=1200)', 900.0)
    >>> Pert.model_validate({"low": 0, "mode": 1, "high": 4, "lambda": 6}).lamb
    6.0
    """

    dist: Literal["pert"] = "pert"
    low: Float
    mode: Float
    high: Float
    lamb: Annotated[float, Field(gt=0), IS_NUMBER] = Field(4.0, alias="lambda")

    @model_validator(mode="after")
    def _check_arguments(self) -> Pert:
        self._check(three_point_problems("pert", self.low, self.mode, self.high))
        return self

    @property
    def shapes(self) -> tuple[float, float]:
        """The beta shapes ``(alpha, beta)`` on [low, high]."""
        width = self.high - self.low
        return (1.0 + self.lamb * (self.mode - self.low) / width,
                1.0 + self.lamb * (self.high - self.mode) / width)

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.beta(alpha, beta, loc=low, scale=high - low)``."""
        alpha, beta = self.shapes
        from scipy import stats

        return stats.beta(alpha, beta, loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return float(self.low), float(self.high)


    def describe(self) -> str:
        """Return ``PERT(low=..., mode=..., high=...)``, with ``lambda`` when not 4."""
        arguments: dict[str, Any] = {"low": self.low, "mode": self.mode, "high": self.high}
        if self.lamb != 4.0:
            arguments["lambda"] = self.lamb
        return call("PERT", arguments)


class Triangular(_Distribution):
    """Triangular distribution on [low, high] peaking at mode.

    Parameters
    ----------
    low, mode, high : float
        ``low <= mode <= high`` and ``low < high``.

    Examples
    --------
    >>> float(Triangular(low=0, mode=3, high=6).to_scipy().mean())
    3.0
    """

    dist: Literal["triangular"] = "triangular"
    low: Float
    mode: Float
    high: Float

    @model_validator(mode="after")
    def _check_arguments(self) -> Triangular:
        self._check(three_point_problems("triangular", self.low, self.mode, self.high))
        return self

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.triang(c, loc=low, scale=high - low)``."""
        width = self.high - self.low
        from scipy import stats

        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return float(self.low), float(self.high)


    def describe(self) -> str:
        """Return ``Triangular(low=..., mode=..., high=...)``."""
        return call("Triangular", {"low": self.low, "mode": self.mode, "high": self.high})


class Uniform(_Distribution):
    """Uniform distribution on [low, high].

    Parameters
    ----------
    low, high : float
        ``low < high``.

    Examples
    --------
    >>> d = Uniform(low=0.3, high=0.5)
    >>> str(d), round(float(d.to_scipy().mean()), 12)
    ('Uniform(low=0.3, high=0.5)', 0.4)
    """

    dist: Literal["uniform"] = "uniform"
    low: Float
    high: Float

    @model_validator(mode="after")
    def _check_arguments(self) -> Uniform:
        if not self.low < self.high:
            self._check([
                f"uniform needs low < high (got low={num(self.low)}, high={num(self.high)})"
            ])
        self._check(span_problems("uniform", self.low, self.high))
        return self

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.uniform(loc=low, scale=high - low)``."""
        from scipy import stats

        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return float(self.low), float(self.high)


    def describe(self) -> str:
        """Return ``Uniform(low=..., high=...)``."""
        return call("Uniform", {"low": self.low, "high": self.high})


# -- discrete --------------------------------------------------------------------------


class Bernoulli(_Distribution):
    """One with probability ``p``, else zero: whether something happens at all.

    Parameters
    ----------
    p : float
        In [0, 1].

    Examples
    --------
    >>> float(Bernoulli(p=0.8).to_scipy().mean())
    0.8
    """

    dist: Literal["bernoulli"] = "bernoulli"
    p: Annotated[float, Field(ge=0, le=1), IS_NUMBER]

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.bernoulli(p)``."""
        from scipy import stats

        return stats.bernoulli(self.p)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return 0.0, 1.0


    def describe(self) -> str:
        """Return ``Bernoulli(p=...)``."""
        return f"Bernoulli(p={num(self.p)})"


class Fixed(_Distribution):
    """A known value: no uncertainty.

    A bare number in a bid file is a ``fixed`` distribution. Its scipy object
    returns the value from ``ppf`` at every probability in [0, 1] and from
    ``rvs``.

    Parameters
    ----------
    value : float

    Examples
    --------
    >>> d = Fixed(value=400000)
    >>> str(d), float(d.to_scipy().ppf(0.0)), float(d.to_scipy().std())
    ('Fixed(400000)', 400000.0, 0.0)
    """

    dist: Literal["fixed"] = "fixed"
    value: Float

    def to_scipy(self) -> Any:
        """Return a one-point ``rv_discrete`` at the value."""
        from bpv.spec._finite_discrete import FiniteDiscrete

        return FiniteDiscrete(values=([self.value], [1.0]))()

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return float(self.value), float(self.value)


    def describe(self) -> str:
        """Return ``Fixed(value)``."""
        return f"Fixed({num(self.value)})"


class Discrete(_Distribution):
    """A finite set of values with weights (an empirical distribution).

    Parameters
    ----------
    values : sequence of float
        At least one, all different (any real numbers, not only integers).
    weights : sequence of float, optional
        One per value, each >= 0, summing to more than 0; normalised to
        probabilities. Equal weights when omitted.

    Notes
    -----
    Values of zero weight are kept in the specification but are not part of
    the scipy distribution's support.

    Examples
    --------
    >>> d = Discrete(values=[350000, 400000, 450000], weights=[1, 2, 1])
    >>> d.probabilities
    (0.25, 0.5, 0.25)
    >>> float(d.to_scipy().mean()), float(d.to_scipy().ppf(0.3))
    (400000.0, 400000.0)
    """

    dist: Literal["discrete"] = "discrete"
    values: Annotated[tuple[Float, ...], Field(max_length=MAX_DISCRETE_VALUES)]
    weights: Annotated[tuple[Annotated[float, Field(ge=0), IS_NUMBER], ...],
                       Field(max_length=MAX_DISCRETE_VALUES)] | None = None

    @model_validator(mode="after")
    def _check_arguments(self) -> Discrete:
        problems = []
        if not self.values:
            problems.append("discrete needs at least one value (got none)")
        duplicated = sorted(v for v, n in Counter(self.values).items() if n > 1)
        if duplicated:
            problems.append(
                f"discrete needs distinct values (got {', '.join(map(num, duplicated))} "
                "more than once)"
            )
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                problems.append(
                    f"discrete needs one weight per value (got {len(self.values)} values and "
                    f"{len(self.weights)} weights)"
                )
            elif not sum(self.weights) > 0:
                problems.append("discrete needs weights that sum to more than 0 (got all 0)")
        self._check(problems)
        return self

    @property
    def probabilities(self) -> tuple[float, ...]:
        """The weights normalised to sum to 1, one per value."""
        if self.weights is None:
            return tuple(1.0 / len(self.values) for _ in self.values)
        total = math.fsum(self.weights)
        return tuple(weight / total for weight in self.weights)

    def to_scipy(self) -> Any:
        """Return an ``rv_discrete`` on the values of positive weight."""
        kept = [(v, p) for v, p in zip(self.values, self.probabilities, strict=True) if p > 0]
        values = [v for v, _ in kept]
        total = math.fsum(p for _, p in kept)
        from bpv.spec._finite_discrete import FiniteDiscrete

        return FiniteDiscrete(values=(values, [p / total for _, p in kept]))()

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        possible = [value for value, probability
                    in zip(self.values, self.probabilities, strict=True) if probability > 0]
        return float(min(possible)), float(max(possible))


    def describe(self) -> str:
        """Return ``Discrete(values=[...], weights=[...])``, shortened when long."""
        if len(self.values) > 6:
            return (f"Discrete({len(self.values)} values in "
                    f"[{num(min(self.values))}, {num(max(self.values))}])")
        text = f"Discrete(values=[{', '.join(num(v) for v in self.values)}]"
        if self.weights is not None:
            text += f", weights=[{', '.join(num(w) for w in self.weights)}]"
        return text + ")"


# -- elicited judgements ---------------------------------------------------------------


#: The support of each shape an elicited judgement is fitted to.
_SHAPE_SUPPORT: dict[str, tuple[float, float]] = {
    "normal": (-math.inf, math.inf), "lognormal": (0.0, math.inf), "beta": (0.0, 1.0),
    "gamma": (0.0, math.inf),
}


class Interval(_Distribution):
    """A credible interval: "I am ``confidence`` sure it lies between low and high".

    Fitted, when validated, to the distribution of the given ``shape`` whose
    central ``confidence`` interval is [low, high] (to a relative tolerance of
    1e-6): ``(1 - confidence) / 2`` of its mass below ``low``, as much above
    ``high``. Normal and lognormal are fitted in closed form, gamma by a root
    search for its shape, beta by a 2-D root search.

    Parameters
    ----------
    low, high : float
        ``low < high``; ``low > 0`` for lognormal and gamma; ``0 < low < high < 1``
        for beta.
    confidence : float, default 0.9
        In (0, 1).
    shape : {'normal', 'lognormal', 'beta', 'gamma'}, default 'normal'
        Family of the fitted distribution.

    Attributes
    ----------
    fitted : dict of str to float
        Keyword arguments of the fitted :mod:`scipy.stats` distribution
        (``loc``/``scale`` for normal, ``s``/``scale`` for lognormal,
        ``a``/``scale`` for gamma, ``a``/``b`` for beta).

    Examples
    --------
    >>> d = Interval(low=0.10, high=0.25, confidence=0.9, shape="beta")
    >>> str(d)
    'Interval(90% in [0.1, 0.25], beta)'
    >>> [round(float(q), 6) for q in d.to_scipy().ppf([0.05, 0.95])]
    [0.1, 0.25]
    >>> sorted(d.fitted)
    ['a', 'b']
    """

    dist: Literal["interval"] = "interval"
    low: Float
    high: Float
    confidence: Annotated[float, Field(gt=0, lt=1), IS_NUMBER] = 0.9
    shape: FitShape = "normal"

    _fitted: dict[str, float] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_and_fit(self) -> Interval:
        low, high = num(self.low), num(self.high)
        problems = []
        if not self.low < self.high:
            problems.append(f"interval needs low < high (got low={low}, high={high})")
        if self.shape == "beta" and not (self.low > 0 and self.high < 1):
            problems.append(
                f"interval with shape beta needs 0 < low < high < 1 (got low={low}, "
                f"high={high})"
            )
        if self.shape in ("lognormal", "gamma") and not self.low > 0:
            problems.append(f"interval with shape {self.shape} needs low > 0 (got low={low})")
        self._check(problems)
        try:
            try:  # scipy.special only: checking a bid stays quick
                self._fitted = quick_fit_interval(self.low, self.high, self.confidence,
                                                  self.shape)
            except SpecError:  # the full search decides (and gives the reason)
                self._fitted = fit_interval(self.low, self.high, self.confidence, self.shape)
        except SpecError as exc:
            self._check([
                f"interval could not fit a {self.shape} with {percent(self.confidence)} in "
                f"[{low}, {high}]: {exc}"
            ])
        return self

    @property
    def fitted(self) -> dict[str, float]:
        """Keyword arguments of the fitted scipy distribution (a copy).

        A beta's are found on first use by the same search as always (see
        :func:`bpv.spec._fitting.interval_parameters`), so appraisals give the
        numbers they always have; checking the bid used a quicker search.
        """
        return interval_parameters(self.low, self.high, self.confidence, self.shape,
                                   checked=self._fitted)

    def to_scipy(self) -> Any:
        """Return the fitted ``scipy.stats`` distribution (norm, lognorm, beta or gamma)."""
        return fitted_distribution(self.shape, self.fitted)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return _SHAPE_SUPPORT[self.shape]


    def describe(self) -> str:
        """Return ``Interval(90% in [low, high], shape)``."""
        return (f"Interval({percent(self.confidence)} in [{num(self.low)}, "
                f"{num(self.high)}], {self.shape})")


class Quantiles(_Distribution):
    """Quantile judgements ("50% sure it is below 0.15, 95% below 0.3"), fitted as SHELF does.

    Fitted, when validated, to the distribution of the given ``shape`` that
    minimises the sum of squared differences between ``probs`` and its
    cumulative distribution function at ``values`` (SHELF's ``fitdist``).
    Two judgements are reproduced exactly; with more, :attr:`fit` says how
    close the fit comes.

    Parameters
    ----------
    probs : sequence of float
        At least two, strictly increasing, each in (0, 1).
    values : sequence of float
        One per probability, strictly increasing: the value the quantity is
        below with that probability. Positive for lognormal and gamma, in
        (0, 1) for beta.
    shape : {'normal', 'lognormal', 'beta', 'gamma'}, default 'normal'

    Attributes
    ----------
    fit : QuantileFit
        Fitted parameters and how well they reproduce the judgements.

    Examples
    --------
    >>> d = Quantiles(probs=[0.05, 0.5, 0.95], values=[0.1, 0.15, 0.25], shape="beta")
    >>> str(d)
    'Quantiles(5%: 0.1, 50%: 0.15, 95%: 0.25; beta)'
    >>> round(d.fit.max_abs_error, 3)  # the judgements are not quite consistent
    0.04
    """

    dist: Literal["quantiles"] = "quantiles"
    probs: Annotated[tuple[Float, ...], Field(max_length=MAX_QUANTILES)]
    values: Annotated[tuple[Float, ...], Field(max_length=MAX_QUANTILES)]
    shape: FitShape = "normal"

    _fit: QuantileFit = PrivateAttr()

    @model_validator(mode="after")
    def _check_and_fit(self) -> Quantiles:
        probs, values = numbers(self.probs), numbers(self.values)
        problems = []
        if len(self.probs) < 2:
            problems.append(
                f"quantiles needs at least two judgements (got {len(self.probs)} probs)"
            )
        if len(self.probs) != len(self.values):
            problems.append(
                f"quantiles needs one value per probability (got {len(self.probs)} probs and "
                f"{len(self.values)} values)"
            )
        if not all(0 < p < 1 for p in self.probs):
            problems.append(f"quantiles needs probs strictly between 0 and 1 (got {probs})")
        if not increasing(self.probs):
            problems.append(f"quantiles needs strictly increasing probs (got {probs})")
        if not increasing(self.values):
            problems.append(
                f"quantiles needs values that are strictly increasing, like probs (got {values})"
            )
        if self.shape == "beta" and not all(0 < v < 1 for v in self.values):
            problems.append(f"quantiles with shape beta needs values in (0, 1) (got {values})")
        if self.shape in ("lognormal", "gamma") and not all(v > 0 for v in self.values):
            problems.append(
                f"quantiles with shape {self.shape} needs values > 0 (got {values})"
            )
        self._check(problems)
        try:
            self._fit = fit_quantiles(self.values, self.probs, self.shape)
        except SpecError as exc:
            self._check([f"quantiles could not fit a {self.shape}: {exc}"])
        return self

    @property
    def fit(self) -> QuantileFit:
        """The fitted parameters and how closely they reproduce the judgements."""
        return self._fit

    @property
    def fitted(self) -> dict[str, float]:
        """Keyword arguments of the fitted scipy distribution (a copy)."""
        return dict(self._fit.parameters)

    def to_scipy(self) -> Any:
        """Return the fitted ``scipy.stats`` distribution (norm, lognorm, beta or gamma)."""
        return fitted_distribution(self.shape, self._fit.parameters)

    def support(self) -> tuple[float, float]:  # noqa: D102 - documented on the base
        return _SHAPE_SUPPORT[self.shape]


    def describe(self) -> str:
        """Return ``Quantiles(5%: v1, 50%: v2, ...; shape)``."""
        pairs = ", ".join(f"{percent(p)}: {num(v)}"
                          for p, v in zip(self.probs, self.values, strict=True))
        return f"Quantiles({pairs}; {self.shape})"


#: A distribution specification, told apart by its ``dist`` tag.
Distribution = Annotated[
    Normal
    | LogNormal
    | Beta
    | Gamma
    | Pert
    | Triangular
    | Uniform
    | Bernoulli
    | Fixed
    | Discrete
    | Interval
    | Quantiles,
    Field(discriminator="dist"),
]

#: Every distribution by its ``dist`` tag, in documentation order: parametric
#: (normal, lognormal, beta, gamma), three-point and range (pert, triangular,
#: uniform), discrete (bernoulli, fixed, discrete), elicited (interval, quantiles).
DISTRIBUTIONS: dict[str, type[_Distribution]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "beta": Beta,
    "gamma": Gamma,
    "pert": Pert,
    "triangular": Triangular,
    "uniform": Uniform,
    "bernoulli": Bernoulli,
    "fixed": Fixed,
    "discrete": Discrete,
    "interval": Interval,
    "quantiles": Quantiles,
}
