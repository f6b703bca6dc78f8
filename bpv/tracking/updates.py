"""What a re-forecast reports, from the prior and posterior samples.

Both samples are weighted draws (:class:`Sample`): the prior is the
appraisal's draws, equally weighted; the posterior is the same draws
reweighted, or the SMC's particles, equally weighted. From them:

- every metric of the system and of each organisation: mean, sd and the 5,
  25, 50, 75 and 95% quantiles, before and after;
- headline probabilities: P(NPV > 0), P(NMB > 0), and P(meets target) of
  each series and year with a target;
- each tracked series' trajectory by period (mean, median, 50% and 90%
  bands), with the years that have actuals marked;
- each input's prior against its posterior (:func:`hypotheses`);
- money with actuals: where a whole year's actual costs or savings of an
  organisation (or the system) are recorded, the posterior NPV of each draw
  replaces that draw's present value of the series in those years by the
  actual's: ``NPVᵢ − s Σₜ dₜ xᵢₜ + s Σₜ dₜ yₜ`` (``s`` +1 for savings, −1 for
  costs, ``dₜ`` the money discount factors). Only NPV is adjusted (the
  organisation's and the system's); the notes say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import significant
from bpv.engine.inputs import gate_name
from bpv.engine.ledger import ORGANISATION_METRICS
from bpv.engine.results import Appraisal
from bpv.spec.bid import Bid
from bpv.tracking.observations import Observation
from bpv.tracking.reforecast_result import FAILING_SHIFT, HypothesisUpdate, Reforecast
from bpv.tracking.series import LEDGER_SERIES, SeriesKey
from bpv.tracking.weighted import support, weighted_mean, weighted_quantile, weighted_sd

__all__ = ["QUANTILES", "Sample", "build", "hypotheses", "metric_draws", "statistics"]

FloatArray = NDArray[np.float64]
#: The quantiles every summary gives: a 90% and a 50% band around the median.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Whole-year share: quarters adding up to a year count as a whole year.
_WHOLE = 1.0 - 1e-9


@dataclass(frozen=True)
class Sample:
    """Weighted draws: inputs, metrics by scope (``None`` the system) and series' paths."""

    weights: FloatArray
    inputs: Mapping[str, FloatArray]
    metrics: Mapping[str | None, Mapping[str, FloatArray]]
    paths: Mapping[SeriesKey, FloatArray]


def metric_draws(result: Appraisal) -> dict[str | None, dict[str, FloatArray]]:
    """Every metric's draws: the system's (key None) and each organisation's."""
    draws: dict[str | None, dict[str, FloatArray]] = {
        None: {name: np.asarray(result[name]) for name in result.metrics}}
    for organisation in result.organisations:
        view = result.organisation(organisation)
        draws[organisation] = {name: np.asarray(view[name]) for name in ORGANISATION_METRICS}
    return draws


def statistics(values: FloatArray, weights: FloatArray,
               kept: NDArray[np.intp] | None = None) -> dict[str, float]:
    """Return the weighted mean, sd and :data:`QUANTILES` (``p5`` … ``p95``).

    ``kept`` (from :func:`~bpv.tracking.weighted.support`) are the draws the
    quantiles are read from; the mean and sd use every draw.

    Examples
    --------
    >>> stats = statistics(np.arange(101.0), np.full(101, 1 / 101))
    >>> stats["mean"], stats["p50"], stats["p95"]
    (50.0, 50.0, 95.0)
    """
    with np.errstate(invalid="ignore", over="ignore"):
        result = {"mean": weighted_mean(values, weights), "sd": weighted_sd(values, weights)}
        quantiles = (weighted_quantile(values, weights, QUANTILES) if kept is None
                     else weighted_quantile(values[kept], weights[kept], QUANTILES))
    result |= {f"p{round(q * 100)}": float(x) for q, x in zip(QUANTILES, quantiles, strict=True)}
    return result


def build(bid: Bid, appraisal: Appraisal, actuals: Sequence[Observation], *, prior: Sample,
          posterior: Sample, method: str, ess: float, threshold: float,
          entropy: int | tuple[int, ...], targets: Mapping[SeriesKey, Mapping[int, float]],
          better: Mapping[SeriesKey, str], notes: list[str],
          smc: Mapping[str, Any], provenance: Mapping[str, Any]) -> Reforecast:
    """Assemble the :class:`Reforecast` of a prior and a posterior sample."""
    adjusted, money_notes = _money_with_actuals(bid, appraisal, actuals, posterior)
    notes = [*money_notes, *notes]
    kept = support(posterior.weights)
    scopes = list(prior.metrics)
    metrics = {
        scope or "system": {
            name: {"prior": statistics(prior.metrics[scope][name], prior.weights),
                   "posterior": statistics(adjusted[scope][name], posterior.weights, kept)}
            for name in prior.metrics[scope]}
        for scope in scopes}
    probabilities = {
        "P(npv > 0)": _before_after(prior.metrics[None]["npv"] > 0, prior.weights,
                                    adjusted[None]["npv"] > 0, posterior.weights),
        "P(nmb > 0)": _before_after(prior.metrics[None]["nmb"] > 0, prior.weights,
                                    adjusted[None]["nmb"] > 0, posterior.weights),
    }
    periods = appraisal.periods
    for key, by_year in targets.items():
        sense = better.get(key, "higher")
        for year, target in sorted(by_year.items()):
            def meets(paths: FloatArray, year: int = year, target: float = target,
                      sense: str = sense) -> FloatArray:
                column = paths[:, year]
                return np.asarray(column >= target if sense == "higher" else column <= target,
                                  dtype=np.float64)
            label = (f"P({key.label} {periods[year]} {'>=' if sense == 'higher' else '<='} "
                     f"{significant(target, 6)})")
            probabilities[label] = _before_after(meets(prior.paths[key]), prior.weights,
                                                 meets(posterior.paths[key]), posterior.weights)
    observed: dict[SeriesKey, set[int]] = {}
    for observation in actuals:
        observed.setdefault(observation.series, set()).add(observation.year)
    forecast = {key.label: _trajectory(prior.paths[key], posterior.paths[key], prior.weights,
                                       posterior.weights, kept, periods,
                                       observed.get(key, set()))
                for key in prior.paths}
    return Reforecast(
        bid_id=bid.id, method=method, n_draws=appraisal.n_draws, n_observations=len(actuals),
        ess=ess, ess_threshold=threshold, entropy=entropy, smc=dict(smc),
        metrics=metrics, probabilities=probabilities, forecast=forecast,
        hypotheses=hypotheses(bid, prior, posterior, kept), notes=tuple(notes),
        weights=_read_only(posterior.weights),
        inputs={name: _read_only(values) for name, values in posterior.inputs.items()},
        provenance=dict(provenance))


def _read_only(values: FloatArray) -> FloatArray:
    view = np.asarray(values).view()
    view.flags.writeable = False
    return view


def _before_after(prior: Any, prior_weights: FloatArray, posterior: Any,
                  posterior_weights: FloatArray) -> dict[str, float]:
    return {"prior": weighted_mean(np.asarray(prior, dtype=np.float64), prior_weights),
            "posterior": weighted_mean(np.asarray(posterior, dtype=np.float64),
                                       posterior_weights)}


def _trajectory(prior: FloatArray, posterior: FloatArray, prior_weights: FloatArray,
                posterior_weights: FloatArray, kept: NDArray[np.intp], periods: Sequence[str],
                observed: set[int]) -> dict[str, Any]:
    """Return a series by period: prior median, posterior mean and bands, years observed."""
    table: dict[str, Any] = {"periods": list(periods),
                             "observed": [year in observed for year in range(len(periods))],
                             "last_observed": (periods[max(observed)] if observed else None),
                             "prior_p50": [], "mean": [], "p5": [], "p25": [], "p50": [],
                             "p75": [], "p95": []}
    for year in range(len(periods)):
        table["prior_p50"].append(float(weighted_quantile(prior[:, year], prior_weights, 0.5)))
        stats = statistics(posterior[:, year], posterior_weights, kept)
        for name in ("mean", "p5", "p25", "p50", "p75", "p95"):
            table[name].append(stats[name])
    return table


def hypotheses(bid: Bid, prior: Sample, posterior: Sample,
               kept: NDArray[np.intp] | None = None) -> tuple[HypothesisUpdate, ...]:
    """Each input's prior against its posterior, ranked by how far the actuals moved it.

    The shift is ``(posterior mean − prior mean) / prior sd``. The input's
    effect on value is the sign of its correlation with the system's NMB
    over the prior draws (NPV when NMB does not vary); an input is
    *failing* when the actuals moved it against value by more than
    :data:`~bpv.tracking.reforecast_result.FAILING_SHIFT` prior sds.
    """
    value = prior.metrics[None]["nmb"]
    if np.ptp(value) == 0:
        value = prior.metrics[None]["npv"]
    updates = []
    gates = {gate_name(node.id): node for node in bid.nodes if node.kind == "activity"}
    for name, drawn in prior.inputs.items():
        x = np.asarray(drawn, dtype=np.float64)
        before = statistics(x, prior.weights)
        after = statistics(np.asarray(posterior.inputs[name]), posterior.weights, kept)
        spread = before["sd"]
        shift = (after["mean"] - before["mean"]) / spread if spread > 0 else 0.0
        effect = _effect(x, value)
        statement, owner, evidence, kind = None, None, None, "parameter"
        source = name
        if name in gates:
            kind, success = "gate", gates[name].success
            source = success if isinstance(success, str) else ""
            statement = f"activity '{gates[name].id}' is delivered"
        if source in bid.parameters:
            parameter = bid.parameters[source]
            statement = parameter.hypothesis or statement
            owner, evidence = parameter.owner, parameter.evidence
        updates.append(HypothesisUpdate(
            name=name, kind=kind, statement=statement, owner=owner, evidence=evidence,
            prior_mean=before["mean"], prior_low=before["p5"], prior_high=before["p95"],
            posterior_mean=after["mean"], posterior_low=after["p5"],
            posterior_high=after["p95"], shift=float(shift), effect=effect,
            failing=bool(effect * shift < -FAILING_SHIFT)))
    return tuple(sorted(updates, key=lambda update: -abs(update.shift)))


def _effect(x: FloatArray, value: FloatArray) -> int:
    """Return the sign of an input's correlation with value over the prior draws (or 0)."""
    if np.ptp(x) == 0 or np.ptp(value) == 0 or not np.isfinite(value).all():
        return 0
    correlation = np.corrcoef(x, value)[0, 1]
    return int(np.sign(correlation)) if abs(correlation) > 1e-3 else 0


def _money_with_actuals(bid: Bid, appraisal: Appraisal, actuals: Sequence[Observation],
                        posterior: Sample) -> tuple[dict[str | None, dict[str, FloatArray]],
                                                    list[str]]:
    """Return the posterior metrics with NPV using actual costs and savings of whole years."""
    metrics = {scope: dict(draws) for scope, draws in posterior.metrics.items()}
    factors = np.asarray(appraisal.provenance.get("money_discount_factors", ()), dtype=float)
    whole: dict[SeriesKey, dict[int, list[Observation]]] = {}
    for observation in actuals:
        key = observation.series
        if key.node in LEDGER_SERIES and key.node not in bid.node_ids:
            whole.setdefault(key, {}).setdefault(observation.year, []).append(observation)
    notes = []
    for key, by_year in whole.items():
        years = sorted(year for year, seen in by_year.items()
                       if sum(o.share for o in seen) >= _WHOLE and year < factors.size)
        if not years:
            continue
        sign = 1.0 if key.node == "savings" else -1.0
        paths = posterior.paths[key]
        change = sum(factors[year] * (sum(o.value for o in by_year[year]) - paths[:, year])
                     for year in years)
        for scope in (None, key.organisation) if key.organisation else (None,):
            metrics[scope]["npv"] = metrics[scope]["npv"] + sign * change
        periods = ", ".join(appraisal.periods[year] for year in years)
        notes.append(f"NPV uses the actual {key.label} for {periods} and the posterior for "
                     "the other years (other money metrics are the posterior's)")
    return metrics, notes
