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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_percent, format_stat, json_safe, metric_form
from bpv._utils.frames import columns_frame
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
from bpv.engine.long_form import LongTable, run_columns, stat_rows, unit_of
from bpv.engine.monte_carlo import DEFAULT_DRAWS, Kernel, Method, appraise
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
class Comparison(Rendered, LongTable):
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
    metric : str
        What "best" means for :meth:`probability_best` and EVPI.
    notices : tuple of str
        Settings in which the bids differ (start year, horizon, price year,
        discounting, value of a QALY): each was also issued as a
        :class:`~bpv.errors.BidWarning`, and stays here for the JSON and the report.
    """

    options: tuple[str, ...]
    baseline: str
    thresholds: tuple[float, ...]
    appraisals: Mapping[str, Appraisal]
    convention: str
    metric: str = "npv"
    notices: tuple[str, ...] = ()

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

    def incremental_by_organisation(self, option: str, organisation: str,
                                    quantity: str = "npv") -> NDArray[np.float64]:
        """Per-draw ``option − baseline`` of an organisation's ``quantity``.

        An organisation absent from a bid (or the do-nothing option) counts zero there.
        """
        self._check_option(option)
        return (self._organisation_values(option, organisation, quantity)
                - self._organisation_values(self.baseline, organisation, quantity))

    def _organisation_values(self, option: str, organisation: str,
                             quantity: str) -> NDArray[np.float64]:
        appraisal = self.appraisals.get(option)
        if appraisal is None or organisation not in appraisal.organisations:
            return np.zeros(self.n_draws_kept)
        return np.asarray(appraisal.organisation(organisation).subsample(quantity))

    @property
    def organisations(self) -> tuple[str, ...]:
        """Every organisation named by any option, in the order they first appear."""
        return tuple(dict.fromkeys(org for appraisal in self.appraisals.values()
                                   for org in appraisal.organisations))

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
        rows, forms = {}, {}
        for option in self.options:
            if option == self.baseline:
                continue
            for quantity in ("npv", "net_cost", "qalys", *self._nmb_names()):
                rows[f"{option}: Δ{quantity}"] = summarise(self.incremental(option, quantity),
                                                           quantiles=quantiles)
                forms[f"{option}: Δ{quantity}"] = metric_form(quantity)
        return Summary(rows, title=f"Incremental values (option − {self.baseline}), per draw",
                       forms=forms)

    def by_organisation(self, quantity: str = "npv", *,
                        quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Incremental ``quantity`` (default NPV) of each organisation, option by option.

        Examples
        --------
        >>> import bpv
        >>> bids = [bpv.load(f"examples/portfolio/bids/{name}.yaml")
        ...         for name in ("falls_prevention", "virtual_ward_expansion")]
        >>> comparison = bpv.compare(bids, n_draws=2_000, rng=1)
        >>> list(comparison.by_organisation().rows)[:2]
        ['falls-prevention: council', 'falls-prevention: acute']
        """
        rows = {f"{option}: {org}": summarise(
                    self.incremental_by_organisation(option, org, quantity), quantiles=quantiles)
                for option in self.options if option != self.baseline
                for org in self.organisations
                if org in self._organisations_of(option, self.baseline)}
        return Summary(rows, title=f"Incremental {quantity} by organisation "
                       f"(option − {self.baseline}), per draw", forms=metric_form(quantity))

    def _organisations_of(self, *options: str) -> set[str]:
        return {org for option in options if option in self.appraisals
                for org in self.appraisals[option].organisations}

    def metric_nodes(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Each option's metric nodes (admissions avoided …): totals over its horizon.

        These are natural units as each bid counts them, not increments over the baseline.
        """
        rows = {}
        for option, appraisal in self.appraisals.items():
            for node_id, node in appraisal.metric_nodes.items():
                unit = f" ({node.unit:.24})" if node.unit else ""
                unit = unit if len(node.unit or "") <= 24 else unit[:-1] + "…)"
                rows[f"{option}: {node_id}{unit}"] = node.total_summary(quantiles=quantiles)
        return Summary(rows, title="Metric nodes, total over each bid's horizon "
                       "(natural units, undiscounted)", forms="quantity")

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
            if option in self.appraisals:
                entry["organisations"] = {
                    org: {"incremental": {
                        quantity: summarise(self.incremental_by_organisation(option, org, quantity),
                                            quantiles=quantiles)
                        for quantity in ("npv", "cost_pv", "cash_releasing_pv")}}
                    for org in self.appraisals[option].organisations}
                entry["metric_nodes"] = {
                    node_id: {"unit": node.unit, "total": node.total_summary(quantiles=quantiles)}
                    for node_id, node in self.appraisals[option].metric_nodes.items()}
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
            "notices": list(self.notices),
        }))
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(self.to_dict(), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows, read off :meth:`to_dict`.

        For each option (column ``bid``, scope ``'system'``): its metrics'
        statistics; ``incremental_Q`` for each quantity Q (``npv``,
        ``net_cost``, ``qalys``, ``nmb@L``): the statistics of option −
        baseline, draw by draw; the same for each organisation (scope its
        id; Q in ``npv``, ``cost_pv``, ``cash_releasing_pv``); and
        ``p_best`` (unit ``probability``) under
        the comparison's metric and each ``nmb@L``. EVPI of each quantity
        (statistic ``evpi``) belongs to the decision, not to a bid: its
        ``bid`` is empty.

        Examples
        --------
        >>> import bpv
        >>> bids = [bpv.load(f"examples/portfolio/bids/{name}.yaml")
        ...         for name in ("falls_prevention", "virtual_ward_expansion")]
        >>> result = bpv.compare(bids, n_draws=1_000, rng=1)
        >>> row = next(row for row in result.long_rows() if row["statistic"] == "p_best"
        ...            and row["bid"] == "falls-prevention" and row["metric"] == "npv")
        >>> row["value"] == result.probability_best()["falls-prevention"]
        True
        """
        data = self.to_dict()
        rows: list[dict[str, Any]] = []

        def run(option: str | None) -> dict[str, Any]:
            appraisal = self.appraisals.get(option or "")
            return run_columns(entropy=data["entropy"], n_draws=data["n_draws"],
                               method=data["method"],
                               bid_hash=None if appraisal is None else appraisal.bid_hash)

        for option, entry in data["options"].items():
            for metric, stats in entry.get("metrics", {}).items():
                rows += stat_rows(bid=option, scope="system", metric=metric,
                                  unit=unit_of(metric), stats=stats, run=run(option))
            for quantity, stats in entry.get("incremental", {}).items():
                rows += stat_rows(bid=option, scope="system", metric=f"incremental_{quantity}",
                                  unit=unit_of(quantity), stats=stats, run=run(option))
            for organisation, values in entry.get("organisations", {}).items():
                for quantity, stats in values["incremental"].items():
                    rows += stat_rows(bid=option, scope=organisation,
                                      metric=f"incremental_{quantity}", unit=unit_of(quantity),
                                      stats=stats, run=run(option))
            best = {data["metric"]: data["probability_best"]} | {
                f"nmb@{threshold}": shares
                for threshold, shares in data["probability_best_nmb"].items()}
            for quantity, shares in best.items():
                rows += stat_rows(bid=option, scope="system", metric=quantity,
                                  unit="probability", stats={"p_best": shares[option]},
                                  run=run(option))
        for quantity, value in data["evpi"].items():
            rows += stat_rows(bid=None, scope="system", metric=quantity, unit=unit_of(quantity),
                              stats={"evpi": value}, run=run(None))
        return rows

    def draws_frame(self) -> Any:
        """Return each option's increments over the baseline, draw by draw: a row a draw.

        Columns: ``draw``, then ``OPTION.Q`` for each option other than the
        baseline and each quantity Q of :meth:`summary` (``npv``,
        ``net_cost``, ``qalys``, ``nmb@L``): :meth:`incremental`. Memory: 8
        bytes × draws kept × options × (3 + thresholds). Needs pandas.

        Examples
        --------
        >>> import bpv
        >>> bids = [bpv.load(f"examples/portfolio/bids/{name}.yaml")
        ...         for name in ("falls_prevention", "virtual_ward_expansion")]
        >>> result = bpv.compare(bids, n_draws=1_000, rng=1)
        >>> frame = result.draws_frame()
        >>> len(frame), bool((frame["virtual-ward-expansion.npv"]
        ...                   == result.incremental("virtual-ward-expansion")).all())
        (1000, True)
        """
        columns: dict[str, Any] = {"draw": np.arange(self.n_draws_kept)}
        for option in self.options:
            if option != self.baseline:
                columns |= {f"{option}.{quantity}": self.incremental(option, quantity)
                            for quantity in ("npv", "net_cost", "qalys", *self._nmb_names())}
        return columns_frame(columns)

    def __str__(self) -> str:
        best = self.probability_best()
        lines = [f"Options compared on common random numbers ({self.convention}).", "",
                 f"P(best by {self.metric}): " + ", ".join(
                     f"{option} {format_percent(share)}" for option, share in best.items()),
                 f"EVPI ({self.metric}, per decision): "
                 f"{format_stat(self.evpi(), metric_form(self.metric))}", "",
                 str(self.summary())]
        if self.organisations:
            lines += ["", str(self.by_organisation())]
        if any(appraisal.metric_nodes for appraisal in self.appraisals.values()):
            lines += ["", str(self.metric_nodes())]
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
    kernel: Kernel = "auto",
    progress: bool | None = False,
) -> Comparison:
    """Compare bids (or their appraisals) on common random numbers.

    Parameters
    ----------
    options : sequence of Bid or Appraisal
        Bids are appraised here, all with the same seed; appraisals must share
        ``n_draws`` (and should share the seed: a warning says when not).
    baseline : str, optional
        The bid id every increment is taken against; by default doing nothing
        (zero costs and benefits). Doing nothing stays an option either way, so
        P(best) and EVPI range over every choice the panel has.
    thresholds : sequence of float
        λ in GBP per QALY for net monetary benefit; default
        :data:`DEFAULT_THRESHOLDS`.
    metric : str, default 'npv'
        What "best" means for :meth:`Comparison.probability_best` and EVPI.
    n_draws, rng, method, kernel
        As for :func:`bpv.appraise`, when bids are given.
    progress : bool, optional
        A progress bar for each bid's appraisal. Default: no.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import bpv
    >>> bids = [bpv.load(f"examples/portfolio/bids/{name}.yaml")
    ...         for name in ("falls_prevention", "virtual_ward_expansion")]
    >>> comparison = bpv.compare(bids, n_draws=2_000, rng=1)
    >>> comparison.options
    ('do nothing', 'falls-prevention', 'virtual-ward-expansion')
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
            result = appraise(option, n_draws=n_draws, rng=root, method=method,
                              kernel=kernel, progress=progress)
        else:
            result = check_instance(option, Appraisal, name="options", function="compare",
                                    expected="a sequence of bpv.Bid or bpv.Appraisal objects")
        if result.bid_id in appraisals:
            msg = f"two options have the id '{result.bid_id}'; give each bid its own id"
            raise SpecError(msg)
        appraisals[result.bid_id] = result
    _check_paired(appraisals)
    ids = tuple(appraisals)
    names = (DO_NOTHING, *ids)
    if baseline is None:
        baseline = DO_NOTHING
    elif baseline not in appraisals and baseline != DO_NOTHING:
        msg = f"baseline '{baseline}' is not one of the options{did_you_mean(baseline, ids)}"
        raise SpecError(msg)
    for lam in thresholds:
        check_real(lam, name="thresholds", function="compare", low=0, closed="left",
                   meaning=" (GBP per QALY)")
    convention = (f"incremental = option − {baseline}; net cost = PV costs − PV monetised "
                  "benefits = −NPV; NMB(λ) = λ × QALYs − net cost")
    notices = _settings_notices(appraisals)
    for notice in notices:
        warnings.warn(notice, BidWarning, stacklevel=2)
    comparison = Comparison(options=names, baseline=baseline,
                            thresholds=tuple(float(t) for t in thresholds),
                            appraisals=appraisals, convention=convention, metric=metric,
                            notices=notices)
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


#: Settings that must match for two bids' values to be on one footing, and how to read each.
_SETTINGS: tuple[tuple[str, Callable[[Appraisal], object]], ...] = (
    ("start year", lambda result: result.periods[0] if result.periods else None),
    ("horizon", lambda result: len(result.periods)),
    ("price year", lambda result: result.provenance.get("price_year")),
)


def _settings_notices(appraisals: Mapping[str, Appraisal]) -> tuple[str, ...]:
    """Say where bids differ in a setting that changes what their values mean."""
    first, *others = appraisals.values()
    notices = []
    for result in others:
        differ = [f"{name} ({_setting(read(first))} and {_setting(read(result))})"
                  for name, read in _SETTINGS if read(first) != read(result)]
        if _discounting_differs(first, result):
            differ.append("discounting")
        qaly_values = (first.provenance.get("qaly_value"), result.provenance.get("qaly_value"))
        if qaly_values[0] != qaly_values[1]:
            differ.append(f"value of a QALY ({_setting(qaly_values[0])} and "
                          f"{_setting(qaly_values[1])})")
        if differ:
            notices.append(f"'{first.bid_id}' and '{result.bid_id}' differ in "
                           f"{', '.join(differ)}: their values are not on one footing; "
                           "restate one bid's settings to match the other's before reading "
                           "the differences")
    return tuple(notices)


def _setting(value: object) -> str:
    return "not given" if value is None else f"{value!s:.40}"


def _discounting_differs(first: Appraisal, second: Appraisal) -> bool:
    """Whether the convention, timing or factors differ over the years both bids have."""
    one, other = first.provenance, second.provenance
    if (one.get("discounting"), one.get("timing")) != (other.get("discounting"),
                                                       other.get("timing")):
        return True
    for key in ("money_discount_factors", "health_discount_factors"):
        mine, theirs = np.asarray(one.get(key, ())), np.asarray(other.get(key, ()))
        common = min(mine.size, theirs.size)
        if not np.allclose(mine[:common], theirs[:common], rtol=1e-12, atol=0.0):
            return True
    return False
