"""One input at a time: the tornado and switching values.

Both move one input and hold the rest, and both are evaluated exactly by
:func:`bpv.engine.evaluate` — no sampling noise in the tornado, and switching
values found on fixed draws, so substituting one back gives its mean metric
of zero up to the root finder's tolerance.

Conventions (stated in every output):

- **Centre values**: each parameter at its median; a Bernoulli parameter at its
  probability; a success gate at its activity's success probability (the
  expected share delivered), which follows a success parameter when that
  parameter is moved.
- **Tornado**: each input at its 10th and 90th percentile (or a user range)
  with the others at their centre values; a gate at 0 (not delivered) and
  1 (delivered).
- **Switching value** (Green Book): the value of one input at which the mean
  of the metric over the other inputs' draws crosses zero, i.e. at which the
  decision to fund changes; searched within the input's plausible range (its
  1st to 99th percentile). For a gate it is the success probability
  p* = m₀ / (m₀ − m₁) from the means when never and always delivered. The
  other inputs keep their drawn values: with correlated inputs the values are
  not conditioned on the one fixed. Its **Monte Carlo standard error** is the
  delta method's: the standard error of the mean metric at the switching
  value over the slope of the mean there, ``sd(m(x*)) / (√n |m̄′(x*)|)``; for a
  gate, the gradient of m̄₀ / (m̄₀ − m̄₁) with the draws' covariance of m₀ and
  m₁. A value whose error is large next to its range needs more draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_exact
from bpv.analysis._selection import output_draws
from bpv.engine.monte_carlo import evaluate, gate_name, input_names
from bpv.spec.bid import Bid
from bpv.spec.distributions import Bernoulli

__all__ = ["SwitchingValue", "TornadoBar", "centre_values", "gate_successes",
           "switching_values", "tornado"]

FloatArray = NDArray[np.float64]

#: Points of the first scan for a sign change of the mean, before the root finder.
_SCAN = 9


@dataclass(frozen=True, kw_only=True)
class TornadoBar:
    """One input moved from its low to its high value, the others at their centre.

    Attributes
    ----------
    input : str
        Parameter name, or ``'<activity>.delivered'`` for a success gate.
    low, high : float
        The input's values (percentiles or the user's range).
    at_low, at_high : float
        The metric with the input at ``low`` and at ``high``.
    swing : float
        ``abs(at_high - at_low)``; bars are sorted by it, widest first.
    """

    input: str
    low: float
    high: float
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        """Width of the bar: ``abs(at_high - at_low)``."""
        return abs(self.at_high - self.at_low)


@dataclass(frozen=True, kw_only=True)
class SwitchingValue:
    """The value of one input at which the mean metric crosses zero, if any in range.

    Attributes
    ----------
    input : str
    value : float or None
        The switching value; None when the mean keeps its sign over the range.
    low, high : float
        The range searched (the input's 1st and 99th percentiles, or [0, 1]
        for a success probability).
    mean_at_low, mean_at_high : float
        The mean metric with the input fixed at ``low`` and at ``high``.
    standard_error : float or None
        Monte Carlo standard error of ``value`` over the draws it was found
        on (delta method; see the module's conventions); None with no value.
    """

    input: str
    value: float | None
    low: float
    high: float
    mean_at_low: float
    mean_at_high: float
    standard_error: float | None = None

    def describe(self) -> str:
        """Say it in words, e.g. ``'0.1432 ± 0.0021'`` or ``'none in 357,201 – 486,301'``.

        Examples
        --------
        >>> SwitchingValue(input="x", value=0.007908, low=0, high=1, mean_at_low=-1,
        ...                mean_at_high=1, standard_error=4.7e-05).describe()
        '0.007908 ± 0.000047'
        >>> SwitchingValue(input="x", value=None, low=357_200.6, high=486_300.2,
        ...                mean_at_low=-1, mean_at_high=-2).describe()
        'none in 357,201 – 486,300'
        """
        if self.value is None:
            return f"none in {format_exact(self.low)} – {format_exact(self.high)}"
        if not self.standard_error:
            return format_exact(self.value)
        # The error to two significant figures, and the value to the same decimal place.
        places = max(0, 1 - math.floor(math.log10(self.standard_error)))
        return f"{self.value:,.{places}f} ± {self.standard_error:,.{places}f}" if places \
            else f"{self.value:,.0f} ± {self.standard_error:,.0f}"


def gate_successes(bid: Bid) -> dict[str, float | str]:
    """Return each gated activity's success, a probability or a parameter name, by gate name."""
    return {gate_name(node.id): node.success for node in bid.nodes
            if node.kind == "activity" and node.success is not None and node.success != 1}


def centre_values(bid: Bid) -> dict[str, float]:
    """Return the centre value of every input (see the module's conventions).

    Examples
    --------
    >>> import bpv
    >>> centre = centre_values(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    >>> centre["ward.delivered"], round(centre["tariff"])
    (0.8, 2800)
    """
    values: dict[str, float] = {}
    for name in input_names(bid):
        if name in bid.parameters:
            spec = bid.parameters[name].distribution
            values[name] = (spec.p if isinstance(spec, Bernoulli)
                            else float(spec.to_scipy().median()))
    for gate, success in gate_successes(bid).items():
        values[gate] = values[success] if isinstance(success, str) else float(success)
    return values


def input_range(bid: Bid, name: str, quantiles: tuple[float, float]) -> tuple[float, float]:
    """Return an input's values at two quantiles; a gate's are 0 and 1."""
    if name not in bid.parameters:
        return 0.0, 1.0
    ppf = bid.parameters[name].distribution.to_scipy().ppf
    return float(ppf(quantiles[0])), float(ppf(quantiles[1]))


def tornado(bid: Bid, *, metric: str = "npv", organisation: str | None = None,
            quantiles: tuple[float, float] = (0.1, 0.9),
            ranges: Mapping[str, tuple[float, float]] | None = None,
            ) -> tuple[float, tuple[TornadoBar, ...]]:
    """Return the metric at the centre values and one bar per input, widest first.

    Parameters
    ----------
    bid : Bid
    metric : str, default 'npv'
        A metric, or a metric node's id (its total over the periods).
    organisation : str, optional
        Read the metric for this organisation instead of the system.
    quantiles : (float, float), default (0.1, 0.9)
        Percentiles each input is moved to.
    ranges : mapping of str to (float, float), optional
        Low and high values for some inputs, instead of percentiles.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> centre, bars = tornado(bid)
    >>> len(bars), bars[0].swing >= bars[-1].swing
    (8, True)
    """
    names = input_names(bid)
    centre = centre_values(bid)
    ranges = dict(ranges or {})
    bounds = {name: ranges.get(name) or input_range(bid, name, quantiles) for name in names}
    rows = [centre, *(_moved(bid, centre, name, value)
                      for name in names for value in bounds[name])]
    table = {name: np.array([row[name] for row in rows]) for name in names}
    values = output_draws(evaluate(bid, table), metric, organisation)
    bars = [TornadoBar(input=name, low=bounds[name][0], high=bounds[name][1],
                       at_low=float(values[1 + 2 * i]), at_high=float(values[2 + 2 * i]))
            for i, name in enumerate(names)]
    bars.sort(key=lambda bar: -bar.swing)
    return float(values[0]), tuple(bars)


def switching_values(bid: Bid, draws: Mapping[str, FloatArray], *, metric: str = "npv",
                     organisation: str | None = None,
                     quantiles: tuple[float, float] = (0.01, 0.99),
                     names: Sequence[str] | None = None,
                     xtol: float = 1e-9) -> tuple[SwitchingValue, ...]:
    """Return each input's switching value on fixed draws of the others.

    Parameters
    ----------
    bid : Bid
    draws : mapping of str to ndarray
        Draws of every input (``Appraisal.inputs`` from
        ``appraise(..., keep_inputs=True)``); each input in turn is fixed and
        the rest keep these draws. A few thousand draws are enough for the
        mean; more give a steadier value.
    metric, organisation : str
        As in :func:`tornado`.
    quantiles : (float, float), default (0.01, 0.99)
        The plausible range searched, as percentiles of each input.
    names : sequence of str, optional
        Inputs to search; default all.
    xtol : float
        Relative tolerance of the root.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.appraise(bid, n_draws=4_096, rng=1, keep_inputs=True)
    >>> tariff = switching_values(bid, result.inputs, names=["tariff"])[0]
    >>> tariff.value is None or tariff.low <= tariff.value <= tariff.high
    True
    """
    successes = gate_successes(bid)
    chosen = input_names(bid) if names is None else tuple(names)
    found = []
    for name in chosen:
        if name in successes:
            found.append(_gate_switch(bid, draws, name, metric, organisation))
            continue
        low, high = input_range(bid, name, quantiles)

        def mean_at(values: FloatArray, name: str = name) -> FloatArray:
            return _mean_with(bid, draws, name, values, metric, organisation)

        value = _find_root(name, low, high, mean_at, xtol)
        if value.value is not None and next(iter(draws.values())).shape[0] > 1:
            step = 1e-4 * (high - low)
            value = replace(value, standard_error=_root_error(
                bid, draws, name, value.value, step, metric, organisation))
        found.append(value)
    return tuple(found)


def _moved(bid: Bid, centre: Mapping[str, float], name: str, value: float) -> dict[str, float]:
    """Centre values with one input moved; gates whose success it is follow it."""
    row = dict(centre)
    for moved in (name, *_gates_following(bid, name)):
        row[moved] = value
    return row


def _gates_following(bid: Bid, name: str) -> list[str]:
    """Return the gates whose success probability is the parameter ``name``."""
    return [gate for gate, success in gate_successes(bid).items() if success == name]


def _metric_with(bid: Bid, draws: Mapping[str, FloatArray], name: str, values: FloatArray,
                 metric: str, organisation: str | None) -> FloatArray:
    """Return the metric per draw (columns) with input ``name`` at each of ``values`` (rows)."""
    n = next(iter(draws.values())).shape[0]
    k = values.shape[0]
    table = {key: np.tile(np.asarray(array), k) for key, array in draws.items()}
    table[name] = np.repeat(values, n)
    for gate in _gates_following(bid, name):  # expected delivery at the fixed probability
        table[gate] = table[name]
    return np.asarray(output_draws(evaluate(bid, table), metric, organisation)).reshape(k, n)


def _mean_with(bid: Bid, draws: Mapping[str, FloatArray], name: str, values: FloatArray,
               metric: str, organisation: str | None) -> FloatArray:
    """Mean metric over the draws with input ``name`` fixed at each of ``values``."""
    return np.asarray(_metric_with(bid, draws, name, values, metric, organisation).mean(axis=1))


def _root_error(bid: Bid, draws: Mapping[str, FloatArray], name: str, root: float,
                step: float, metric: str, organisation: str | None) -> float | None:
    """Return the delta-method standard error of a switching value: sd(m(x*)) / (√n |m̄′(x*)|)."""
    at = _metric_with(bid, draws, name, np.array([root, root - step, root + step]),
                      metric, organisation)
    slope = (at[2].mean() - at[1].mean()) / (2 * step)
    if not np.isfinite(slope) or slope == 0:
        return None
    return float(at[0].std(ddof=1) / np.sqrt(at.shape[1]) / abs(slope))


def _find_root(name: str, low: float, high: float,
               mean_at: Callable[[FloatArray], FloatArray], xtol: float) -> SwitchingValue:
    grid = np.linspace(low, high, _SCAN)
    means = mean_at(grid)
    crossings = np.flatnonzero(np.sign(means[:-1]) * np.sign(means[1:]) <= 0)
    if low == high or crossings.size == 0:
        return SwitchingValue(input=name, value=None, low=low, high=high,
                              mean_at_low=float(means[0]), mean_at_high=float(means[-1]))
    i = int(crossings[0]) if crossings.size == 1 else int(
        crossings[np.argmin(np.abs(grid[crossings] - (low + high) / 2))])
    a, b = float(grid[i]), float(grid[i + 1])
    if means[i] == 0:
        root = a
    elif means[i + 1] == 0:
        root = b
    else:
        from scipy import optimize
        root = float(optimize.brentq(lambda v: float(mean_at(np.array([v]))[0]), a, b,
                                     xtol=xtol * max(abs(a), abs(b), 1e-300), rtol=1e-12))
    return SwitchingValue(input=name, value=root, low=low, high=high,
                          mean_at_low=float(means[0]), mean_at_high=float(means[-1]))


def _gate_switch(bid: Bid, draws: Mapping[str, FloatArray], gate: str, metric: str,
                 organisation: str | None) -> SwitchingValue:
    """Find a gate's switching success probability from the means never and always delivered."""
    per_draw = _metric_with(bid, draws, gate, np.array([0.0, 1.0]), metric, organisation)
    never, always = per_draw.mean(axis=1)
    value = error = None
    if never != always:
        p = never / (never - always)
        if 0.0 <= p <= 1.0:
            value = float(p) + 0.0  # no negative zero
            n = per_draw.shape[1]
            if n > 1:  # delta method: the gradient of m0 / (m0 - m1) in (m0, m1)
                gradient = np.array([-always, never]) / (never - always) ** 2
                error = float(np.sqrt(gradient @ np.cov(per_draw) @ gradient / n))
    return SwitchingValue(input=gate, value=value, low=0.0, high=1.0,
                          mean_at_low=float(never), mean_at_high=float(always),
                          standard_error=error)
