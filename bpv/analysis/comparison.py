"""Compare bids on common random numbers: increments over a baseline, NMB, who is best, EVPI.

Two bids that name a parameter alike see the same draws of it (see
:mod:`bpv.sampling.streams`), so appraising them with one seed pairs their
draws: a difference between them is not blurred by sampling noise in what
they share.

Comparator convention (stated in every output, because it is easy to misread):
an *incremental* value is **option − baseline**, draw by draw. The baseline is
doing nothing (zero costs and benefits) unless one of the options is named.
*Net cost* is PV costs less PV monetised benefits (so net cost = −NPV), the
effect is discounted QALYs, and NMB(λ) = λ × QALYs − net cost = λ × QALYs + NPV.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_percent, json_safe
from bpv._utils.validation import check_instance, check_real
from bpv._utils.versions import stamped
from bpv.analysis.decision import (
    FrontierRow,
    ceac,
    evpi,
    frontier,
    net_monetary_benefit,
    population_evpi,
    probability_best,
    rank_probabilities,
)
from bpv.engine.budget import check_draws, check_kept, kept_bytes
from bpv.engine.monte_carlo import DEFAULT_DRAWS, Method, appraise
from bpv.engine.results import DEFAULT_QUANTILES, Appraisal, Rendered, Summary, summarise
from bpv.errors import BidWarning, SpecError, UnknownNameError, did_you_mean
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid

__all__ = ["DEFAULT_THRESHOLDS", "DO_NOTHING", "Comparison", "compare"]

#: GBP per QALY: NICE's £20k–£30k and its £25k–£35k from April 2026, and the
#: Green Book's £70k (docs/design/metrics.md, "Thresholds for comparisons").
DEFAULT_THRESHOLDS: tuple[float, ...] = (20_000.0, 25_000.0, 30_000.0, 35_000.0, 70_000.0)
#: The name of the do-nothing option: zero costs and benefits in every draw.
DO_NOTHING = "do nothing"


@dataclass(frozen=True, kw_only=True)
class Comparison(Rendered):
    """Options appraised on the same draws, against a baseline.

    Attributes
    ----------
    options : tuple of str
        Bid ids, with :data:`DO_NOTHING` first when it is the baseline.
    baseline : str
        The option every increment is taken against.
    thresholds : tuple of float
        λ values (GBP per QALY) for net monetary benefit.
    appraisals : dict of str to Appraisal
        One per bid (not for do-nothing).
    convention : str
        Which option is subtracted from which, in words.
    """

    options: tuple[str, ...]
    baseline: str
    thresholds: tuple[float, ...]
    appraisals: Mapping[str, Appraisal]
    convention: str
    metric: str = "npv"

    # -- per-draw values --------------------------------------------------------------

    def values(self, quantity: str) -> NDArray[np.float64]:
        """Per-draw values of ``quantity`` for every option, shape (n_draws, n_options).

        ``quantity`` is any system metric (``npv``, ``qalys``, ``cost_pv`` …),
        ``net_cost`` (−NPV), or ``nmb@λ`` for net monetary benefit at λ.
        """
        if quantity.startswith("nmb@"):
            threshold = float(quantity[4:])
            return net_monetary_benefit(self.values("net_cost"), self.values("qalys"), threshold)
        return np.column_stack([self._option_values(option, quantity) for option in self.options])

    def _option_values(self, option: str, quantity: str) -> NDArray[np.float64]:
        if quantity == "net_cost":
            return -self._option_values(option, "npv")
        if option == DO_NOTHING:
            return np.zeros(self.n_draws_kept)
        appraisal = self.appraisals[option]
        if quantity not in appraisal.metrics:
            msg = f"no metric '{quantity}'{did_you_mean(quantity, appraisal.metrics)}"
            raise UnknownNameError(msg)
        return np.asarray(appraisal.subsample(quantity))

    @property
    def n_draws_kept(self) -> int:
        """Draws held per option (every draw, or the appraisals' common subsample)."""
        first = next(iter(self.appraisals.values()))
        return int(first.subsample("npv").shape[0])

    def incremental(self, option: str, quantity: str = "npv") -> NDArray[np.float64]:
        """Per-draw ``option − baseline`` of a quantity."""
        self._check_option(option)
        columns = self.values(quantity)
        index, base = self.options.index(option), self.options.index(self.baseline)
        return columns[:, index] - columns[:, base]

    def _check_option(self, option: str) -> None:
        if option not in self.options:
            msg = f"no option '{option}'{did_you_mean(option, self.options)}"
            raise UnknownNameError(msg)

    # -- decisions --------------------------------------------------------------------

    def probability_best(self, quantity: str | None = None) -> dict[str, float]:
        """P(each option has the highest ``quantity``), default the comparison's metric."""
        shares = probability_best(self.values(quantity or self.metric))
        return dict(zip(self.options, (float(p) for p in shares), strict=True))

    def ranks(self, quantity: str | None = None) -> dict[str, list[float]]:
        """P(option has rank r) for r = 1 (best) … n_options."""
        matrix = rank_probabilities(self.values(quantity or self.metric))
        return {option: [float(p) for p in matrix[i]] for i, option in enumerate(self.options)}

    def evpi(self, quantity: str | None = None, *, population: float = 1.0, years: int = 1,
             discount_rate: float = 0.0) -> float:
        """Return the expected value of perfect information, in the quantity's units.

        Per decision by default; scaled by ``population`` decisions a year over
        ``years`` years, discounted at ``discount_rate``.
        """
        per_decision = evpi(self.values(quantity or self.metric))
        return population_evpi(per_decision, population, years, discount_rate)

    def ceac(self, thresholds: Sequence[float] | None = None) -> dict[str, Any]:
        """Cost-effectiveness acceptability curves and frontier over a λ grid.

        Returns
        -------
        dict
            ``thresholds``; ``curves`` (option → probability of the highest NMB
            at each λ); ``frontier`` (at each λ, the option of highest
            *expected* NMB, and ``frontier_probability`` its probability).
        """
        grid = list(thresholds) if thresholds is not None else list(
            np.linspace(0.0, 100_000.0, 101))
        costs, effects = self.values("net_cost"), self.values("qalys")
        curves = ceac(costs, effects, grid)
        best = [int(np.argmax(net_monetary_benefit(costs, effects, lam).mean(axis=0)))
                for lam in grid]
        return {
            "thresholds": [float(lam) for lam in grid],
            "curves": {option: [float(p) for p in curves[:, i]]
                       for i, option in enumerate(self.options)},
            "frontier": [self.options[i] for i in best],
            "frontier_probability": [float(curves[k, i]) for k, i in enumerate(best)],
        }

    def frontier(self) -> list[FrontierRow]:
        """Options by expected net cost, with dominance and ICERs (GBP per QALY)."""
        return frontier(self.options, self.values("net_cost").mean(axis=0),
                        self.values("qalys").mean(axis=0))

    def ce_plane(self, option: str) -> dict[str, NDArray[np.float64]]:
        """Per-draw incremental QALYs (x) and net cost (y) of an option against the baseline."""
        return {"qalys": self.incremental(option, "qalys"),
                "net_cost": self.incremental(option, "net_cost")}

    # -- tables -----------------------------------------------------------------------

    def summary(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Incremental NPV, net cost, QALYs and NMB at each λ, option by option."""
        rows = {}
        for option in self.options:
            if option == self.baseline:
                continue
            for quantity in ("npv", "net_cost", "qalys", *self._nmb_names()):
                rows[f"{option}: Δ{quantity}"] = summarise(self.incremental(option, quantity),
                                                           quantiles=quantiles)
        return Summary(rows, title=f"Incremental values (option − {self.baseline}), per draw")

    def _nmb_names(self) -> list[str]:
        return [f"nmb@{lam:g}" for lam in self.thresholds]

    def to_dict(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> dict[str, Any]:
        """Return the comparison as plain data, with the convention stated."""
        options: dict[str, Any] = {}
        for option in self.options:
            entry: dict[str, Any] = {}
            if option in self.appraisals:
                entry["metrics"] = self.appraisals[option].summary(
                    quantiles=quantiles).to_dict()
            if option != self.baseline:
                entry["incremental"] = {
                    quantity: summarise(self.incremental(option, quantity), quantiles=quantiles)
                    for quantity in ("npv", "net_cost", "qalys", *self._nmb_names())}
            options[option] = entry
        first = next(iter(self.appraisals.values()))
        data: dict[str, Any] = json_safe(stamped("comparison", {
            "convention": self.convention,
            "baseline": self.baseline,
            "metric": self.metric,
            "thresholds": list(self.thresholds),
            "n_draws": first.n_draws,
            "method": first.method,
            "entropy": first.entropy,
            "options": options,
            "probability_best": self.probability_best(),
            "probability_best_nmb": {f"{lam:g}": self.probability_best(f"nmb@{lam:g}")
                                     for lam in self.thresholds},
            "ranks": self.ranks(),
            "evpi": {self.metric: self.evpi(),
                     **{f"nmb@{lam:g}": self.evpi(f"nmb@{lam:g}") for lam in self.thresholds}},
            "frontier": [row.__dict__ for row in self.frontier()],
        }))
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(self.to_dict(), indent=indent)

    def __str__(self) -> str:
        best = self.probability_best()
        lines = [f"Options compared on common random numbers ({self.convention}).", "",
                 f"P(best by {self.metric}): " + ", ".join(
                     f"{option} {format_percent(share)}" for option, share in best.items()),
                 f"EVPI ({self.metric}, per decision): {self.evpi():,.0f}", "",
                 str(self.summary())]
        return "\n".join(lines)


def compare(
    options: Sequence[Bid | Appraisal],
    *,
    baseline: str | None = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    metric: str = "npv",
    n_draws: int = DEFAULT_DRAWS,
    rng: Seed = None,
    method: Method = "mc",
) -> Comparison:
    """Compare bids (or their appraisals) on common random numbers.

    Parameters
    ----------
    options : sequence of Bid or Appraisal
        Bids are appraised here, all with the same seed; appraisals must share
        ``n_draws`` (and should share the seed: a warning says when not).
    baseline : str, optional
        The bid id every increment is taken against; by default doing nothing
        (zero costs and benefits), which then joins the options.
    thresholds : sequence of float
        λ in GBP per QALY for net monetary benefit; default
        :data:`DEFAULT_THRESHOLDS`.
    metric : str, default 'npv'
        What "best" means for :meth:`Comparison.probability_best` and EVPI.
    n_draws, rng, method
        As for :func:`bpv.appraise`, when bids are given.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import bpv
    >>> bids = [bpv.load(f"examples/bids/{name}.yaml")
    ...         for name in ("frailty_virtual_ward", "diabetes_prevention")]
    >>> comparison = bpv.compare(bids, n_draws=2_000, rng=1)
    >>> comparison.options
    ('do nothing', 'frailty-virtual-ward', 'diabetes-prevention-south')
    >>> round(sum(comparison.probability_best().values()), 12)
    1.0
    """
    if not options:
        msg = "compare needs at least one bid or appraisal"
        raise SpecError(msg)
    bids = [option for option in options if isinstance(option, Bid)]
    if bids:
        check_draws(n_draws, function="compare")
        check_kept((kept_bytes(bid, n_draws=n_draws) for bid in bids), function="compare",
                   advice="compare keeps every draw of every bid, to pair them: use fewer "
                   "draws or compare fewer bids at a time")
    root = root_seed(rng)
    appraisals: dict[str, Appraisal] = {}
    for option in options:
        if isinstance(option, Bid):
            result = appraise(option, n_draws=n_draws, rng=root, method=method, progress=False)
        else:
            result = check_instance(option, Appraisal, name="options", function="compare",
                                    expected="a sequence of bpv.Bid or bpv.Appraisal objects")
        if result.bid_id in appraisals:
            msg = f"two options have the id '{result.bid_id}'; give each bid its own id"
            raise SpecError(msg)
        appraisals[result.bid_id] = result
    _check_paired(appraisals)
    ids = tuple(appraisals)
    if baseline is None:
        baseline, names = DO_NOTHING, (DO_NOTHING, *ids)
    elif baseline in appraisals:
        names = ids
    else:
        msg = f"baseline '{baseline}' is not one of the options{did_you_mean(baseline, ids)}"
        raise SpecError(msg)
    for lam in thresholds:
        check_real(lam, name="thresholds", function="compare", low=0, closed="left",
                   meaning=" (GBP per QALY)")
    convention = (f"incremental = option − {baseline}; net cost = PV costs − PV monetised "
                  "benefits = −NPV; NMB(λ) = λ × QALYs − net cost")
    comparison = Comparison(options=names, baseline=baseline,
                            thresholds=tuple(float(t) for t in thresholds),
                            appraisals=appraisals, convention=convention, metric=metric)
    comparison.values(metric)  # an unknown metric fails here, not later
    return comparison


def _check_paired(appraisals: Mapping[str, Appraisal]) -> None:
    first = next(iter(appraisals.values()))
    for result in appraisals.values():
        if result.n_draws != first.n_draws:
            msg = (f"appraisals of '{first.bid_id}' and '{result.bid_id}' have different "
                   f"numbers of draws ({first.n_draws:,} and {result.n_draws:,}); "
                   "compare pairs draws, so appraise them with the same n_draws")
            raise SpecError(msg)
        same_seed = (result.entropy == first.entropy and result.method == first.method
                     and result.provenance.get("spawn_key") == first.provenance.get("spawn_key"))
        if not same_seed:
            warnings.warn(f"'{first.bid_id}' and '{result.bid_id}' were appraised with "
                          "different seeds or methods: draws are not on common random "
                          "numbers, so differences between them are noisier", BidWarning,
                          stacklevel=3)
