"""A bid's uncertain inputs as independent standard normal scores, and back.

The SMC moves of the re-forecast (:mod:`bpv.tracking.smc`) need one space in
which the prior of every input is the same simple law, whatever its
distribution: the *score space*, where each input is a coordinate ``z`` and
the prior is independent standard normal. The engine samples exactly this way
(:mod:`bpv.engine.block_draws`):

- an uncorrelated parameter is ``x = F⁻¹(Φ(z))`` with ``F⁻¹`` its inverse CDF
  (:func:`bpv.sampling.draws.inverse_cdf`: beta, gamma, PERT, triangular,
  uniform, normal, lognormal, fitted ``interval``/``quantiles``, and the
  steps of ``discrete`` and ``bernoulli``);
- correlated parameters are ``x_j = F_j⁻¹(Φ(c_j))`` with ``c = L z`` (the
  Gaussian copula, ``R = L Lᵀ``): ``z`` holds the *independent* normals
  before the Cholesky factor;
- an activity's success gate is ``1`` when ``Φ(z) < p``, its success
  probability (a number, or the drawn value of a parameter).

Going back from drawn values to scores, ``u = F(x)`` and ``z = Φ⁻¹(u)``; for a
value of positive probability (a discrete value, a gate) ``u`` is drawn
uniformly within that value's step of the CDF, which is the exact conditional
law of ``u`` given ``x`` for an uncorrelated input. A *correlated* discrete
parameter's score is drawn from its normal law given the other correlated
scores, truncated to its step: exact when it is the only discrete one among
the correlated, and a few Gibbs sweeps when there are several. Uniforms are kept in
``(2⁻⁵³, 1 − 2⁻⁵³)`` as the engine keeps them.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> space = ScoreSpace.from_bid(bid)
>>> space.names[-1]
'ward.delivered'
>>> values = space.to_inputs(np.zeros((1, len(space.names))))
>>> float(values["referrals"][0]), float(values["ward.delivered"][0])
(900.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from bpv.engine.block_draws import OPEN_UNIT
from bpv.engine.inputs import gate_name, gated_activities, uncertain_parameters
from bpv.sampling.draws import elementary, inverse_cdf
from bpv.spec.bid import Bid
from bpv.spec.distributions import Bernoulli, Discrete, Distribution, Fixed, Interval, Quantiles
from bpv.transform.adjustments import adjust

__all__ = ["ScoreSpace"]

FloatArray = NDArray[np.float64]
#: Gibbs sweeps over the scores of correlated discrete parameters, when there are several.
_SWEEPS = 5


@dataclass(frozen=True)
class ScoreSpace:
    """The map between a bid's inputs and independent standard normal scores.

    Attributes
    ----------
    names : tuple of str
        The inputs, one score column each, in :func:`bpv.engine.inputs.input_names` order.
    distributions : dict of str to distribution
        Each uncertain parameter's distribution, after the bid's settings'
        adjustments (as the engine samples it).
    correlated : tuple of str
        The parameters of the Gaussian copula, in its matrix's order.
    lower : ndarray
        The lower Cholesky factor of their correlation matrix.
    successes : dict of str to float or str
        Each gated activity's success: a probability, or a parameter's name.
    fixed : dict of str to float
        The fixed parameters' values (a success may name one).
    """

    names: tuple[str, ...]
    distributions: Mapping[str, Distribution]
    correlated: tuple[str, ...]
    lower: FloatArray
    successes: Mapping[str, float | str]
    fixed: Mapping[str, float]

    @classmethod
    def from_bid(cls, bid: Bid) -> ScoreSpace:
        """Return the score space of a bid (its settings' adjustments applied)."""
        effective = adjust(bid).bid
        uncertain = uncertain_parameters(effective)
        distributions = {name: effective.parameters[name].distribution for name in uncertain}
        fixed = {name: float(parameter.distribution.value)
                 for name, parameter in effective.parameters.items()
                 if isinstance(parameter.distribution, Fixed)}
        correlated: tuple[str, ...] = ()
        lower = np.eye(0)
        if effective.correlations is not None:
            names, matrix = effective.correlations.to_matrix()
            correlated = tuple(names)
            lower = np.linalg.cholesky(np.asarray(matrix, dtype=np.float64))
        successes: dict[str, float | str] = {}
        for activity in gated_activities(effective):
            success = effective.node(activity).success
            successes[activity] = success if isinstance(success, str) else float(
                1.0 if success is None else success)
        gates = tuple(gate_name(activity) for activity in successes)
        return cls(names=(*uncertain, *gates), distributions=distributions,
                   correlated=correlated, lower=lower, successes=successes, fixed=fixed)

    def to_inputs(self, scores: ArrayLike) -> dict[str, FloatArray]:
        """Return the inputs (for :func:`bpv.engine.monte_carlo.evaluate`) at given scores.

        Parameters
        ----------
        scores : array_like of shape (n, len(names))

        Returns
        -------
        dict of str to ndarray of shape (n,)
        """
        z = np.asarray(scores, dtype=np.float64)
        column = {name: j for j, name in enumerate(self.names)}
        if self.correlated:
            rows = [column[name] for name in self.correlated]
            z = z.copy()
            z[:, rows] = z[:, rows] @ self.lower.T
        every = np.clip(special.ndtr(np.ascontiguousarray(z.T)), *OPEN_UNIT)  # (d, n)
        inputs = {name: inverse_cdf(spec)(every[column[name]])
                  for name, spec in self.distributions.items()}
        for activity, success in self.successes.items():
            name = gate_name(activity)
            u_gate = every[column[name]]
            inputs[name] = (u_gate < self._probability(success, inputs)).astype(np.float64)
        return inputs

    def to_scores(self, inputs: Mapping[str, ArrayLike], rng: np.random.Generator
                  ) -> FloatArray:
        """Return scores that give the inputs: ``Φ⁻¹(F(x))``, random within a discrete step.

        Parameters
        ----------
        inputs : mapping of str to array_like of shape (n,)
            A value for every name of ``names`` (``Appraisal.inputs``).
        rng : numpy.random.Generator
            For the position within the step of a discrete value or a gate.

        Returns
        -------
        ndarray of shape (n, len(names))
        """
        values = {name: np.asarray(inputs[name], dtype=np.float64) for name in self.names}
        n = next(iter(values.values())).shape[0] if values else 0
        scores = np.empty((n, len(self.names)))
        uniforms = {name: _uniform(spec, values[name], rng)
                    for name, spec in self.distributions.items()}
        for j, name in enumerate(self.names):
            if name in uniforms and name not in self.correlated:
                scores[:, j] = special.ndtri(np.clip(uniforms[name], *OPEN_UNIT))
        if self.correlated:
            normals = special.ndtri(np.clip(
                np.column_stack([uniforms[name] for name in self.correlated]), *OPEN_UNIT))
            normals = self._discrete_scores(normals, values, rng)
            independent = np.linalg.solve(self.lower, normals.T).T
            for k, name in enumerate(self.correlated):
                scores[:, self.names.index(name)] = independent[:, k]
        for activity, success in self.successes.items():
            name = gate_name(activity)
            p = np.clip(self._probability(success, values), 0.0, 1.0)
            spread = rng.random(n)
            delivered = values[name] > 0.5
            u_gate = np.where(delivered, p * spread, p + (1.0 - p) * spread)
            scores[:, self.names.index(name)] = special.ndtri(np.clip(u_gate, *OPEN_UNIT))
        return scores

    def _discrete_scores(self, normals: FloatArray, values: Mapping[str, FloatArray],
                         rng: np.random.Generator) -> FloatArray:
        """Redraw correlated discrete parameters' scores from their law given the others'.

        Given its value, a discrete parameter's copula score ``c_j`` lies in the
        step ``[Φ⁻¹(F(x⁻)), Φ⁻¹(F(x))]``, and given the other scores it is
        normal with mean ``R_{j,−j} R_{−j,−j}⁻¹ c_{−j}`` and variance
        ``1 − R_{j,−j} R_{−j,−j}⁻¹ R_{−j,j}``: a truncated normal, drawn by
        inversion. Exact with one discrete parameter among the correlated;
        with several, :data:`_SWEEPS` Gibbs sweeps.
        """
        discrete = [j for j, name in enumerate(self.correlated)
                    if isinstance(self.distributions[name], Bernoulli | Discrete)]
        if not discrete:
            return normals
        matrix = self.lower @ self.lower.T
        normals = normals.copy()
        for _ in range(_SWEEPS if len(discrete) > 1 else 1):
            for j in discrete:
                name = self.correlated[j]
                others = [k for k in range(len(self.correlated)) if k != j]
                coefficients = np.linalg.solve(matrix[np.ix_(others, others)],
                                               matrix[others, j])
                mean = normals[:, others] @ coefficients
                sd = math.sqrt(max(1.0 - float(matrix[j, others] @ coefficients), 1e-12))
                low, high = _step(self.distributions[name], values[name])  # type: ignore[arg-type]
                lower = special.ndtr((special.ndtri(low) - mean) / sd)
                upper = special.ndtr((special.ndtri(high) - mean) / sd)
                u = np.clip(lower + (upper - lower) * rng.random(mean.shape[0]), *OPEN_UNIT)
                normals[:, j] = mean + sd * special.ndtri(u)
        return normals

    def _probability(self, success: float | str, values: Mapping[str, FloatArray]
                     ) -> FloatArray | float:
        if isinstance(success, float):
            return success
        if success in values:
            return values[success]
        return self.fixed[success]


def _uniform(spec: Distribution, x: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Return ``F(x)`` of a continuous distribution; uniform within the step of a discrete one."""
    if isinstance(spec, Bernoulli | Discrete):
        low, high = _step(spec, x)
        return np.asarray(low + (high - low) * rng.random(x.shape[0]), dtype=np.float64)
    fitted: Any = elementary(spec) if isinstance(spec, Interval | Quantiles) else spec
    return np.asarray(fitted.to_scipy().cdf(x), dtype=np.float64)


def _step(spec: Bernoulli | Discrete, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the CDF just below and at each value: the step of ``u`` that gives it."""
    values, cumulative = _steps(spec)
    index = np.clip(np.searchsorted(values, x), 0, values.size - 1)
    low = np.where(index > 0, cumulative[np.maximum(index - 1, 0)], 0.0)
    return np.clip(low, *OPEN_UNIT), np.clip(cumulative[index], *OPEN_UNIT)


def _steps(spec: Bernoulli | Discrete) -> tuple[FloatArray, FloatArray]:
    """Sorted values of positive probability and the CDF at each (as the engine inverts it)."""
    if isinstance(spec, Bernoulli):
        return np.array([0.0, 1.0]), np.array([1.0 - spec.p, 1.0])
    values = np.asarray(spec.values, dtype=np.float64)
    probabilities = np.asarray(spec.probabilities, dtype=np.float64)
    kept = probabilities > 0
    values, probabilities = values[kept], probabilities[kept] / probabilities[kept].sum()
    order = np.argsort(values, kind="stable")
    cumulative = np.minimum(np.cumsum(probabilities[order]), 1.0)
    cumulative[-1] = 1.0
    return values[order], cumulative
