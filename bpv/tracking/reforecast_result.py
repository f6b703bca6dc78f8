"""The result of a re-forecast: metrics, probabilities, trajectories and hypotheses, updated.

:class:`Reforecast` is frozen plain data with the posterior's representation
kept beside it (``weights`` over ``inputs``: the appraisal's draws and their
importance weights, or the SMC particles, equally weighted), so any other
summary can be computed from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_number, format_stat, json_safe, metric_form
from bpv._utils.versions import stamped
from bpv.engine.long_form import LongTable, run_columns, stat_rows, unit_of
from bpv.engine.results import Summary

__all__ = ["FAILING_SHIFT", "HypothesisUpdate", "Reforecast"]

#: A hypothesis is failing when the actuals moved it against value by more than
#: this many prior standard deviations.
FAILING_SHIFT = 0.25


@dataclass(frozen=True)
class HypothesisUpdate:
    """One uncertain input (a parameter or a success gate): its prior against its posterior.

    Attributes
    ----------
    name : str
        The parameter, or the gate ``'<activity>.delivered'`` (its mean is
        the probability of delivery).
    kind : {'parameter', 'gate'}
    statement, owner, evidence : str or None
        From the bid's parameter (for a gate, the parameter its success
        names, if any).
    prior_mean, prior_low, prior_high : float
        Mean and 90% interval (5% and 95% quantiles) before the actuals.
    posterior_mean, posterior_low, posterior_high : float
        The same after.
    shift : float
        ``(posterior mean − prior mean) / prior sd``: how far the evidence
        moved it, in prior standard deviations (the ranking uses ``|shift|``).
    effect : {-1, 0, 1}
        The sign of its correlation with the NMB over the prior draws: which
        way is good for value.
    failing : bool
        ``effect × shift < −FAILING_SHIFT``: moved to the bad side for value.
    """

    name: str
    kind: str
    statement: str | None
    owner: str | None
    evidence: str | None
    prior_mean: float
    prior_low: float
    prior_high: float
    posterior_mean: float
    posterior_low: float
    posterior_high: float
    shift: float
    effect: int
    failing: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the update as plain data."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reforecast(LongTable):
    """A bid's forecast updated with its actuals.

    Attributes
    ----------
    bid_id : str
    method : {'reweight', 'smc'}
        How the posterior was computed.
    n_draws : int
        Draws of the appraisal (the prior).
    n_observations : int
    ess : float
        Effective sample size of the importance weights of the appraisal's
        draws, ``1 / Σ wᵢ²`` (decides ``method='auto'``).
    ess_threshold : float
    entropy : int or tuple of int
        The root seed's entropy: ``rng=entropy`` replays the re-forecast.
    smc : dict
        For SMC: particles, temperatures, acceptance rates, step sizes,
        evaluations of the bid, distinct particles at the end; else empty.
    metrics : dict
        ``metrics[scope][metric]["prior" | "posterior"]`` (scope ``'system'``
        or an organisation): mean, sd, p5, p25, p50, p75, p95.
    probabilities : dict
        ``'P(npv > 0)'``, ``'P(nmb > 0)'`` and each target's
        ``'P(series period >= target)'``: ``{"prior": …, "posterior": …}``.
    forecast : dict
        By series label: ``periods``, ``observed`` (bool per period),
        ``last_observed`` (the last period with an actual, or None: the
        periods after it are the forecast beyond today), ``prior_p50``, and
        the posterior ``mean``, ``p5`` … ``p95`` per period.
    hypotheses : tuple of HypothesisUpdate
        Ranked by how far the actuals moved each (``|shift|``).
    notes : tuple of str
        What else to know (money using actuals, a low ESS).
    weights : ndarray of shape (n,)
        The posterior weights of ``inputs``' rows (summing to 1), read-only.
    inputs : dict of str to ndarray of shape (n,)
        The posterior's draws of every input, read-only: the appraisal's
        (n its draws) or the SMC's particles (n the particles).
    provenance : dict
        The appraisal's bid hash, entropy and method, and the bpv version.
    """

    bid_id: str
    method: str
    n_draws: int
    n_observations: int
    ess: float
    ess_threshold: float
    entropy: int | tuple[int, ...]
    smc: Mapping[str, Any]
    metrics: Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]]
    probabilities: Mapping[str, Mapping[str, float]]
    forecast: Mapping[str, Mapping[str, Any]]
    hypotheses: tuple[HypothesisUpdate, ...]
    notes: tuple[str, ...]
    weights: NDArray[np.float64] = field(repr=False)
    inputs: Mapping[str, NDArray[np.float64]] = field(repr=False)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failing(self) -> tuple[HypothesisUpdate, ...]:
        """The hypotheses the actuals moved against value, most moved first."""
        return tuple(update for update in self.hypotheses if update.failing)

    def posterior(self, metric: str, scope: str = "system") -> Mapping[str, float]:
        """Return a metric's posterior summary (mean, sd, p5 … p95)."""
        return self.metrics[scope][metric]["posterior"]

    def to_dict(self) -> dict[str, Any]:
        """Return the re-forecast as plain data (summaries, not the per-draw arrays)."""
        data: dict[str, Any] = json_safe(stamped("reforecast", {
            "bid": self.bid_id, "method": self.method, "n_draws": self.n_draws,
            "n_observations": self.n_observations, "ess": self.ess,
            "ess_threshold": self.ess_threshold, "entropy": self.entropy,
            "smc": {key: list(value) if isinstance(value, tuple) else value
                    for key, value in self.smc.items()},
            "metrics": self.metrics, "probabilities": self.probabilities,
            "forecast": self.forecast,
            "hypotheses": [update.to_dict() for update in self.hypotheses],
            "notes": list(self.notes), "provenance": self.provenance}))
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(self.to_dict(), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows, read off :meth:`to_dict`.

        Each metric of each scope: ``prior_mean``, ``posterior_mean``,
        ``prior_p5`` … (``prior_`` or ``posterior_`` and the statistic). Each
        probability (metric: its label, such as ``P(npv > 0)``; unit
        ``probability``): ``prior`` and ``posterior``. Each hypothesis
        (metric: its name): ``prior_mean``, ``prior_low``, ``prior_high``,
        the same for the posterior, and ``shift`` (in prior sds). The run is
        the re-forecast's: its seed, the appraisal's draws, the method
        (``reweight`` or ``smc``) and the bid's hash.
        """
        data = self.to_dict()
        run = run_columns(entropy=data["entropy"], n_draws=data["n_draws"],
                          method=data["method"], bid_hash=data["provenance"].get("bid_hash"))
        rows: list[dict[str, Any]] = []
        for scope, metrics in data["metrics"].items():
            for metric, phases in metrics.items():
                rows += stat_rows(bid=data["bid"], scope=scope, metric=metric,
                                  unit=unit_of(metric), run=run,
                                  stats={f"{phase}_{statistic}": value
                                         for phase, stats in phases.items()
                                         for statistic, value in stats.items()})
        for label, phases in data["probabilities"].items():
            rows += stat_rows(bid=data["bid"], scope="system", metric=label,
                              unit="probability", stats=phases, run=run)
        for update in data["hypotheses"]:
            rows += stat_rows(bid=data["bid"], scope="system", metric=update["name"], unit=None,
                              run=run, stats={key: update[key] for key in (
                                  "prior_mean", "prior_low", "prior_high", "posterior_mean",
                                  "posterior_low", "posterior_high", "shift")})
        return rows

    def __repr__(self) -> str:
        return (f"<Reforecast {self.bid_id!r}: {self.method}, ESS {self.ess:,.0f} of "
                f"{self.n_draws:,}>")

    def _repr_html_(self) -> str:
        """Return each system metric before and after the evidence as HTML, for notebooks."""
        rows = {name: {"prior mean": values["prior"]["mean"],
                       "posterior mean": values["posterior"]["mean"],
                       "posterior p5": values["posterior"]["p5"],
                       "posterior p95": values["posterior"]["p95"]}
                for name, values in self.metrics.get("system", {}).items()}
        rows |= {name: {"prior mean": value["prior"], "posterior mean": value["posterior"]}
                 for name, value in self.probabilities.items() if name.startswith("P(npv")}
        title = f"Re-forecast of {self.bid_id} ({self.method}, ESS {self.ess:,.0f})"
        return Summary(rows, title=title)._repr_html_()

    def summary(self) -> str:
        """Return a short text summary: method, headline metrics, probabilities, hypotheses."""
        lines = [f"Re-forecast of {self.bid_id}: {self.n_observations} actuals, "
                 f"{self._how()}"]
        lines.append(f"{'':<22}{'prior mean':>16}{'posterior mean':>16}{'posterior 90%':>30}")
        for name in ("npv", "roi", "qalys", "nmb"):
            if name in self.metrics.get("system", {}):
                before = self.metrics["system"][name]["prior"]
                after = self.metrics["system"][name]["posterior"]
                form = metric_form(name)
                band = f"[{format_stat(after['p5'], form)}, {format_stat(after['p95'], form)}]"
                lines.append(f"{name:<22}{format_stat(before['mean'], form):>16}"
                             f"{format_stat(after['mean'], form):>16}{band:>30}")
        for label, value in self.probabilities.items():
            lines.append(f"{label:<38}{value['prior']:>8.1%} -> {value['posterior']:.1%}")
        if self.hypotheses:
            lines.append("Hypotheses, most moved first (shift in prior sds):")
            for update in self.hypotheses[:5]:
                flag = "  FAILING" if update.failing else ""
                lines.append(f"  {update.name:<28}{format_number(update.prior_mean):>12} -> "
                             f"{format_number(update.posterior_mean):<12}{update.shift:+6.2f}"
                             f"{flag}")
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)

    def _how(self) -> str:
        if self.method == "smc":
            below = (f", below {self.ess_threshold:,.0f}" if self.ess < self.ess_threshold
                     else "")
            return (f"SMC with {self.smc.get('n_particles', 0):,} particles in "
                    f"{len(self.smc.get('temperatures', ())):,} steps (importance ESS "
                    f"{self.ess:,.0f} of {self.n_draws:,} draws{below})")
        return f"importance reweighting of {self.n_draws:,} draws, ESS {self.ess:,.0f}"

    def __str__(self) -> str:
        return self.summary()
