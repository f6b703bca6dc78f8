"""Sequential Monte Carlo over the engine: tempering, resampling and pCN moves in score space.

The posterior ``π(z) ∝ N(z; 0, I) · L(z)`` over the inputs' standard normal
scores (:mod:`bpv.tracking.scores`) is reached through the tempered laws
``π_φ(z) ∝ N(z; 0, I) · L(z)^φ``, ``0 = φ₀ < φ₁ < … < φ_T = 1``. Each step:

1. **Temperature.** The next ``φ'`` is the largest in ``(φ, 1]`` whose
   incremental weights ``wᵢ ∝ exp((φ' − φ) ℓᵢ)`` (ℓ the log-likelihood) keep
   an effective sample size ``1 / Σ wᵢ²`` of at least ``target × N``; found by
   bisection on ``φ' − φ`` (the ESS falls as it grows).
2. **Resampling.** Systematic: ``N`` points ``(U + k) / N`` on the weights'
   cumulative sum, one ``U ~ Uniform(0, 1)`` a step.
3. **Moves.** ``n_moves`` preconditioned Crank–Nicolson proposals
   ``z' = sqrt(1 − β²) z + β ξ``, ``ξ ~ N(0, I)``, every particle at once;
   the bid is evaluated for all proposals in one call. The proposal is
   reversible for the prior ``N(0, I)``, so a move is accepted with
   probability ``min(1, exp(φ' (ℓ(z') − ℓ(z))))``: the tempered likelihood
   ratio alone. ``β`` (``0 < β <= 1``; 1 proposes a fresh prior draw) is
   adapted after every move towards an acceptance rate of 0.3:
   ``β ← β · exp(2 (rate − 0.3))``.

Examples
--------
>>> log_l = lambda z: -0.5 * ((z[:, 0] - 1.0) / 0.5) ** 2   # y = 1 seen with sd 0.5
>>> z0 = np.random.default_rng(0).standard_normal((4_000, 1))
>>> run = temper(z0, log_l(z0), lambda z: (log_l(z), None), rng=np.random.default_rng(1))
>>> run.temperatures[-1]
1.0
>>> round(float(run.scores[:, 0].mean()), 1)   # N(0, 1) prior: posterior mean 0.8
0.8
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv.tracking.weighted import effective_sample_size, normalise

__all__ = ["TARGET_ACCEPTANCE", "Tempered", "resample_systematic", "temper"]

FloatArray = NDArray[np.float64]
#: The log-likelihood of a batch of scores (n, d), with anything else the caller keeps per row.
LogLikelihood = Callable[[FloatArray], tuple[FloatArray, Any]]

#: Acceptance rate the pCN step size is tuned towards.
TARGET_ACCEPTANCE = 0.3
#: Bisection steps for each temperature (the increment is found to 2**-50 of what is left).
_BISECTIONS = 50


@dataclass(frozen=True)
class Tempered:
    """The particles at temperature 1, and how they got there.

    Attributes
    ----------
    scores : ndarray of shape (N, d)
        The particles, equally weighted.
    log_likelihood : ndarray of shape (N,)
    extra : list
        What the log-likelihood function returned beside each particle's
        value, carried with the particle (row indices into the batches, see
        :func:`temper`).
    temperatures : tuple of float
        ``φ₁ … φ_T`` (ends with 1.0).
    acceptance : tuple of float
        The mean acceptance rate of the moves of each step.
    step_sizes : tuple of float
        The pCN ``β`` at the end of each step.
    evaluations : int
        Calls of the log-likelihood function (each on all N particles).
    """

    scores: FloatArray
    log_likelihood: FloatArray
    extra: Any
    temperatures: tuple[float, ...]
    acceptance: tuple[float, ...]
    step_sizes: tuple[float, ...]
    evaluations: int


def temper(scores: FloatArray, log_likelihood: FloatArray, function: LogLikelihood, *,
           rng: np.random.Generator, target: float = 0.5, n_moves: int = 8,
           step_size: float = 0.5, extra: Any = None,
           join: Callable[[Any, Any, NDArray[np.bool_]], Any] | None = None,
           take: Callable[[Any, NDArray[np.intp]], Any] | None = None) -> Tempered:
    """Move prior particles to the posterior by adaptive tempering and pCN moves.

    Parameters
    ----------
    scores : ndarray of shape (N, d)
        Particles from the prior ``N(0, I)``.
    log_likelihood : ndarray of shape (N,)
        Their log-likelihoods (``-inf`` allowed; not all).
    function : callable
        ``function(scores) -> (log_likelihood, extra)`` for a batch of scores.
    rng : numpy.random.Generator
    target : float, default 0.5
        Share of N that each step's effective sample size is kept at.
    n_moves : int, default 8
        pCN moves after each resampling.
    step_size : float, default 0.5
        The first ``β``.
    extra, join, take : optional
        Per-particle data carried along (the inputs, say):
        ``take(extra, index)`` selects rows when resampling and
        ``join(old, new, accepted)`` keeps the accepted proposals' rows.

    Returns
    -------
    Tempered
    """
    z = np.array(scores, dtype=np.float64)
    log_l = np.array(log_likelihood, dtype=np.float64)
    n = z.shape[0]
    phi, beta = 0.0, float(step_size)
    temperatures: list[float] = []
    acceptance: list[float] = []
    steps: list[float] = []
    evaluations = 0
    while phi < 1.0:
        step = _next_increment(log_l, 1.0 - phi, target * n)
        weights = normalise(step * log_l)
        phi = 1.0 if step >= 1.0 - phi else phi + step
        index = resample_systematic(weights, rng)
        z, log_l = z[index], log_l[index]
        if take is not None:
            extra = take(extra, index)
        rates = []
        for _ in range(n_moves):
            proposal = np.sqrt(1.0 - beta**2) * z + beta * rng.standard_normal(z.shape)
            proposed_l, proposed_extra = function(proposal)
            evaluations += 1
            with np.errstate(invalid="ignore"):
                log_ratio = phi * (proposed_l - log_l)
            log_ratio = np.where(np.isnan(log_ratio) | (proposed_l == -np.inf),
                                 -np.inf, log_ratio)
            accepted = np.log(rng.random(n)) < log_ratio
            z = np.where(accepted[:, np.newaxis], proposal, z)
            log_l = np.where(accepted, proposed_l, log_l)
            if join is not None:
                extra = join(extra, proposed_extra, accepted)
            rate = float(accepted.mean())
            rates.append(rate)
            beta = float(np.clip(beta * np.exp(2.0 * (rate - TARGET_ACCEPTANCE)), 1e-3, 1.0))
        temperatures.append(phi)
        acceptance.append(float(np.mean(rates)) if rates else float("nan"))
        steps.append(beta)
    return Tempered(scores=z, log_likelihood=log_l, extra=extra,
                    temperatures=tuple(temperatures), acceptance=tuple(acceptance),
                    step_sizes=tuple(steps), evaluations=evaluations)


def _next_increment(log_l: FloatArray, remaining: float, wanted: float) -> float:
    """Return the largest increment in (0, remaining] whose weights keep an ESS of ``wanted``."""
    def ess(step: float) -> float:
        return effective_sample_size(normalise(step * log_l))

    if ess(remaining) >= wanted:
        return remaining
    low, high = 0.0, remaining
    for _ in range(_BISECTIONS):
        middle = 0.5 * (low + high)
        if ess(middle) >= wanted:
            low = middle
        else:
            high = middle
    # Particles of zero likelihood leave the ESS below ``wanted`` at any increment:
    # take the smallest step, which drops them.
    return low if low > 0 else high


def resample_systematic(weights: FloatArray, rng: np.random.Generator) -> NDArray[np.intp]:
    """Return the indices of systematic resampling: ``N`` points ``(U + k) / N`` on the CDF.

    Examples
    --------
    >>> resample_systematic(np.array([0.5, 0.0, 0.25, 0.25]), np.random.default_rng(0))
    array([0, 0, 2, 3])
    """
    n = weights.shape[0]
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    positions = (rng.random() + np.arange(n)) / n
    index: NDArray[np.intp] = np.minimum(np.searchsorted(cumulative, positions, side="right"),
                                         n - 1)
    return index
