"""The Bayesian re-forecast: a bid's uncertain inputs and metrics given its actuals.

The appraisal's draws are a sample of the prior over the bid's uncertain
inputs ``θ`` (parameters and success gates). The actuals ``y`` update it:
``p(θ | y) ∝ p(θ) p(y | θ)``, the likelihood being that of
:mod:`bpv.tracking.likelihood` at the draw's trajectories.

- **Importance reweighting** (``method="reweight"``). Draw ``i`` of the
  appraisal gets the weight ``wᵢ = p(y | θᵢ) / Σⱼ p(y | θⱼ)`` (computed
  from log-likelihoods by log-sum-exp); every posterior summary is the
  weighted one. Its effective sample size ``ESS = 1 / Σ wᵢ²`` says how many
  equally weighted draws it is worth.
- **Sequential Monte Carlo** (``method="smc"``), when the actuals are
  informative enough that the ESS falls below a threshold (by default
  ``min(1,000, 10% of the draws)``): particles taken from the appraisal's
  draws are moved to the posterior through tempered likelihoods with
  systematic resampling and preconditioned Crank–Nicolson moves in the
  inputs' standard normal score space, each move re-evaluating the bid on all
  particles at once (:mod:`bpv.tracking.smc`, :mod:`bpv.tracking.scores`).

See docs/design/reforecast.md for the formulas, the defaults and why the
SMC is written over the engine rather than taken from emcee or particles.

Examples
--------
>>> import bpv
>>> from bpv.tracking.observations import Observation
>>> from bpv.tracking.series import SeriesKey
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> prior = bpv.appraise(bid, n_draws=4_000, rng=1, keep_inputs=True, keep_flows=True,
...                      progress=False)
>>> seen = Observation(SeriesKey("admissions_avoided"), year=1, share=1.0, value=20.0,
...                    likelihood="poisson", period="2026/27")
>>> update = reforecast(bid, prior, [seen], rng=2)
>>> update.method, round(update.ess, -1)   # below min(1,000, 10% of 4,000): SMC
('smc', 210.0)
>>> top = update.hypotheses[0]
>>> top.name, top.failing
('admission_reduction', True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_number
from bpv._utils.validation import check_choice, check_instance, check_int, check_real
from bpv.engine.identity import bid_hash
from bpv.engine.monte_carlo import evaluate
from bpv.engine.results import Appraisal
from bpv.errors import BidWarning, ReforecastError, SpecError
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid
from bpv.tracking.likelihood import log_likelihood, observation_log_likelihood
from bpv.tracking.observations import Observation
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.scores import ScoreSpace
from bpv.tracking.series import SeriesKey, default_series, trajectories
from bpv.tracking.smc import temper
from bpv.tracking.updates import Sample, build, metric_draws
from bpv.tracking.weighted import effective_sample_size, normalise

__all__ = ["DEFAULT_PARTICLES", "METHODS", "Method", "default_ess_threshold", "reforecast"]

Method = Literal["auto", "reweight", "smc"]
METHODS: tuple[Method, ...] = get_args(Method)
FloatArray = NDArray[np.float64]

#: Particles of the SMC at most (the appraisal's draws, subsampled when there are more).
DEFAULT_PARTICLES = 20_000


def default_ess_threshold(n_draws: int) -> float:
    """Return the default ESS below which ``method="auto"`` turns to SMC: min(1,000, 10%).

    Examples
    --------
    >>> default_ess_threshold(100_000), default_ess_threshold(2_000)
    (1000.0, 200.0)
    """
    return float(min(1_000.0, 0.1 * n_draws))


def reforecast(
    bid: Bid,
    appraisal: Appraisal,
    observations: Iterable[Observation],
    *,
    targets: Mapping[SeriesKey, Mapping[int, float]] | None = None,
    better: Mapping[SeriesKey, Literal["higher", "lower"]] | None = None,
    rng: Seed = None,
    method: Method = "auto",
    ess_threshold: float | None = None,
    n_particles: int | None = None,
    n_moves: int = 8,
    target_ess: float = 0.5,
) -> Reforecast:
    """Update a bid's forecast with its actuals: posterior inputs, metrics and trajectories.

    Parameters
    ----------
    bid : Bid
        The bid that was appraised.
    appraisal : Appraisal
        Its appraisal, made with ``keep_inputs=True, keep_flows=True`` and every
        draw kept (the prior).
    observations : iterable of Observation
        The actuals, resolved against the plan.
    targets : mapping of SeriesKey to mapping of int to float, optional
        Targets by series and year index; the result gives P(meets target)
        before and after for each.
    better : mapping of SeriesKey to {'higher', 'lower'}, optional
        Which way is better for each series with targets (default higher).
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Seed of the SMC and of the scores of discrete inputs, as in
        `SPEC 7 <https://scientific-python.org/specs/spec-0007/>`_; its
        entropy is kept in ``result.entropy``.
    method : {'auto', 'reweight', 'smc'}, default 'auto'
        Importance reweighting, SMC, or reweighting unless its ESS falls
        below ``ess_threshold``.
    ess_threshold : float, optional
        Default :func:`default_ess_threshold`: min(1,000, 10% of the draws).
    n_particles : int, optional
        SMC particles: default min(draws, :data:`DEFAULT_PARTICLES`).
    n_moves : int, default 8
        pCN moves after each resampling of the SMC.
    target_ess : float, default 0.5
        Share of the particles each SMC step's ESS is kept at.

    Returns
    -------
    Reforecast

    Raises
    ------
    SpecError
        If the appraisal lacks its inputs or flows, is not of this bid, or
        an argument or actual is invalid.
    ReforecastError
        If no draw of the appraisal allows the actuals (the message names
        the series and period).

    See Also
    --------
    bpv.tracking.likelihood.log_likelihood : The likelihood of the actuals.
    bpv.tracking.smc.temper : The SMC.

    Examples
    --------
    >>> import bpv
    >>> from bpv.tracking.observations import Observation
    >>> from bpv.tracking.series import SeriesKey
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> prior = bpv.appraise(bid, n_draws=2_000, rng=1, keep_inputs=True, keep_flows=True,
    ...                      progress=False)
    >>> spend = Observation(SeriesKey("costs", "community"), year=0, share=1.0,
    ...                     value=450_000.0, likelihood="normal", cv=0.05, period="2025/26")
    >>> update = reforecast(bid, prior, [spend], rng=1)
    >>> update.method, update.hypotheses[0].name
    ('reweight', 'ward_cost')
    >>> print(update.notes[0])
    NPV uses the actual costs (community) for 2025/26 and the posterior for the other years (other money metrics are the posterior's)
    """  # noqa: E501 (doctest output is one line)
    check_instance(bid, Bid, name="bid", function="reforecast",
                   expected="a bpv.Bid (use bpv.load)")
    check_instance(appraisal, Appraisal, name="appraisal", function="reforecast",
                   expected="a bpv.Appraisal (use bpv.appraise)")
    check_choice(method, METHODS, name="method", function="reforecast")
    check_int(n_moves, name="n_moves", function="reforecast", low=1)
    check_real(target_ess, name="target_ess", function="reforecast", low=0.0, high=1.0)
    if ess_threshold is not None:
        check_real(ess_threshold, name="ess_threshold", function="reforecast", low=0.0,
                   closed="left")
    if n_particles is not None:
        check_int(n_particles, name="n_particles", function="reforecast", low=2)
    _check_appraisal(bid, appraisal)
    actuals = tuple(observations)
    root = root_seed(rng)
    generator = np.random.default_rng(root)
    n_draws = appraisal.n_draws
    threshold = (float(ess_threshold) if ess_threshold is not None
                 else default_ess_threshold(n_draws))
    keys = _keys(bid, actuals, targets)
    prior_paths = trajectories(bid, appraisal.flows or {}, keys)
    log_l = log_likelihood(actuals, prior_paths)
    _check_possible(actuals, prior_paths, log_l)
    weights = normalise(log_l)
    ess = effective_sample_size(weights)
    prior = Sample(weights=np.full(n_draws, 1.0 / n_draws),
                   inputs={name: np.asarray(v) for name, v in (appraisal.inputs or {}).items()},
                   metrics=metric_draws(appraisal), paths=prior_paths)
    chosen = method if method != "auto" else ("reweight" if ess >= threshold else "smc")
    notes: list[str] = []
    smc_record: dict[str, object] = {}
    if chosen == "reweight":
        posterior = Sample(weights=weights, inputs=prior.inputs, metrics=prior.metrics,
                           paths=prior_paths)
        if ess < threshold:
            notes.append(f"the effective sample size {ess:,.0f} is below {threshold:,.0f}: "
                         "the reweighted estimates are noisy (use method='smc')")
    else:
        particles = min(n_draws, DEFAULT_PARTICLES if n_particles is None else n_particles)
        posterior, smc_record = _smc(bid, appraisal, actuals, keys, log_l, generator,
                                     n_particles=particles, n_moves=n_moves, target=target_ess)
    provenance = {"bid_hash": appraisal.bid_hash, "appraisal_entropy": appraisal.entropy,
                  "appraisal_method": appraisal.method,
                  "bpv_version": appraisal.provenance.get("bpv_version", "")}
    return build(bid, appraisal, actuals, prior=prior, posterior=posterior, provenance=provenance,
                 method=chosen, ess=ess, threshold=threshold, entropy=_entropy(root),
                 targets=targets or {}, better=better or {}, notes=notes, smc=smc_record)


def _entropy(root: np.random.SeedSequence) -> int | tuple[int, ...]:
    entropy = root.entropy
    return entropy if isinstance(entropy, int) else tuple(int(e) for e in entropy or ())


def _check_appraisal(bid: Bid, appraisal: Appraisal) -> None:
    problems = []
    if appraisal.inputs is None:
        problems.append("it has no inputs (appraise with keep_inputs=True)")
    if not appraisal.flows:
        problems.append("it has no flows (appraise with keep_flows=True)")
    if appraisal.is_subsample:
        problems.append("it kept a subsample of the draws (appraise with keep_draws=True)")
    if appraisal.bid_hash and appraisal.bid_hash != bid_hash(bid):
        problems.append(f"it is an appraisal of another bid or version ('{appraisal.bid_id}')")
    if problems:
        raise SpecError("reforecast needs the appraisal's every draw, inputs and flows: "
                        + "; ".join(problems))


def _keys(bid: Bid, actuals: Sequence[Observation],
          targets: Mapping[SeriesKey, Mapping[int, float]] | None) -> list[SeriesKey]:
    """Series to follow: those observed, those with targets, then the default ones."""
    keys = [observation.series for observation in actuals]
    keys += list(targets or {})
    keys += list(default_series(bid))
    return list(dict.fromkeys(keys))


def _check_possible(actuals: Sequence[Observation], paths: Mapping[SeriesKey, FloatArray],
                    log_l: FloatArray) -> None:
    """Raise ReforecastError when no draw allows the actuals, naming the first culprit."""
    if np.isfinite(log_l).any():
        return
    if not actuals:  # pragma: no cover - no actuals give a log-likelihood of 0
        return
    for observation in actuals:
        alone = observation_log_likelihood(observation, paths)
        if not np.isfinite(alone).any():
            expected = observation.share * paths[observation.series][:, observation.year]
            raise ReforecastError(
                f"the actuals for {observation.series.label} in {_period(observation)} lie "
                f"outside what the bid's hypotheses allow: "
                f"{format_number(observation.value, 'plain')} "
                f"({observation.likelihood}) has no chance under any of the "
                f"{expected.size:,} draws, which expect {_range(expected)}"
                f"{' (' + observation.location + ')' if observation.location else ''}; "
                "check the actual and its unit, or revisit the hypotheses behind it")
    labels = ", ".join(dict.fromkeys(
        f"{observation.series.label} in {_period(observation)}" for observation in actuals))
    raise ReforecastError(
        f"the actuals for {labels} lie outside what the bid's hypotheses allow taken together: "
        "each has a chance under some draws, but no draw allows them all")


def _period(observation: Observation) -> str:
    return observation.period or f"year {observation.year}"


def _range(values: FloatArray) -> str:
    low, high = float(np.min(values)), float(np.max(values))
    if low == high:
        return format_number(low, "plain")
    return f"from {format_number(low, 'plain')} to {format_number(high, 'plain')}"


def _smc(bid: Bid, appraisal: Appraisal, actuals: Sequence[Observation],
         keys: Sequence[SeriesKey], log_l: FloatArray, generator: np.random.Generator, *,
         n_particles: int, n_moves: int, target: float) -> tuple[Sample, dict[str, object]]:
    """Run the SMC from a subsample of the appraisal's draws; return the particles."""
    space = ScoreSpace.from_bid(bid)
    inputs = appraisal.inputs or {}
    n_draws = appraisal.n_draws
    finite = np.flatnonzero(np.isfinite(log_l))
    pick = (np.arange(n_draws) if n_particles >= n_draws
            else np.sort(generator.choice(n_draws, n_particles, replace=False)))
    if not np.isfinite(log_l[pick]).any():  # keep one draw that allows the actuals
        pick[0] = finite[0]
    start = {name: np.asarray(inputs[name])[pick] for name in space.names}
    observed = list(dict.fromkeys(observation.series for observation in actuals))
    # metric nodes' values come with every evaluation; other series need every node's flows
    metric_only = all(key.organisation is None and key.node in bid.node_ids
                      and bid.node(key.node).measure == "metric" for key in observed)

    def function(scores: FloatArray) -> tuple[FloatArray, dict[str, FloatArray]]:
        proposal = space.to_inputs(scores)
        result = _evaluate(bid, proposal, keep_flows=not metric_only)
        paths = ({key: np.asarray(result.metric_node(key.node).values) for key in observed}
                 if metric_only else trajectories(bid, result.flows or {}, observed))
        return log_likelihood(actuals, paths), proposal

    run = temper(space.to_scores(start, generator), log_l[pick], function, rng=generator,
                 target=target, n_moves=n_moves, extra=start,
                 take=lambda extra, index: {k: v[index] for k, v in extra.items()},
                 join=lambda old, new, accepted: {k: np.where(accepted, new[k], old[k])
                                                  for k in old})
    final = _evaluate(bid, run.extra)
    sample = Sample(weights=np.full(len(pick), 1.0 / len(pick)), inputs=dict(run.extra),
                    metrics=metric_draws(final),
                    paths=trajectories(bid, final.flows or {}, keys))
    record: dict[str, object] = {
        "n_particles": len(pick), "n_moves": n_moves, "target_ess": target,
        "temperatures": run.temperatures, "acceptance": run.acceptance,
        "step_sizes": run.step_sizes, "evaluations": run.evaluations + 1,
        "distinct_particles": int(np.unique(run.scores, axis=0).shape[0]),
    }
    if not math.isclose(run.temperatures[-1], 1.0):  # pragma: no cover - temper ends at 1
        raise AssertionError(run.temperatures)
    return sample, record


def _evaluate(bid: Bid, inputs: Mapping[str, FloatArray], *, keep_flows: bool = True
              ) -> Appraisal:
    """Evaluate the bid at the particles' inputs (its warnings were given by the appraisal)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BidWarning)
        return evaluate(bid, inputs, keep_flows=keep_flows)
