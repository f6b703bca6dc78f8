"""Appraisal results: plain, frozen data with summaries. Plots live elsewhere.

An :class:`Appraisal` holds the per-draw base vectors of one evaluation (see
:mod:`bpv.engine.ledger`), for the system and each organisation, per-period values
of every ``metric`` node, optionally every node's flows, and the provenance
needed to replay the run: bpv version, seed entropy, number of draws,
sampling method and a hash of the bid.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import METRIC_LABELS, Form, format_number, format_stat, json_safe
from bpv._utils.frames import columns_frame, records_frame
from bpv._utils.validation import check_choice
from bpv._utils.versions import stamped
from bpv.engine.cash_view import CashByYear, cash_by_year
from bpv.engine.keys import OutputKey
from bpv.engine.ledger import ORGANISATION_METRICS, derive
from bpv.engine.long_form import FRAME_COLUMNS, LongTable, appraisal_rows
from bpv.engine.moments import Moments
from bpv.errors import UnknownNameError, did_you_mean

__all__ = ["Appraisal", "CashFlowResult", "MetricNodeResult", "OrganisationResult", "Rendered",
           "Summary", "sorted_quantiles", "summarise"]

Vector = NDArray[np.float64]
Comparison = Literal[">", ">=", "<", "<=", "==", "!="]
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "==": operator.eq, "!=": operator.ne,
}
DEFAULT_QUANTILES = (0.05, 0.5, 0.95)


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    array = np.asarray(array)
    array.flags.writeable = False
    return array


def summarise(
    draws: Vector, *, quantiles: Sequence[float] = DEFAULT_QUANTILES,
    moments: Moments | None = None,
) -> dict[str, float]:
    """Return mean, sd, quantiles and the Monte Carlo standard error of the mean.

    Non-finite draws (a ``payback`` of ``inf``, a ratio of ``nan``) are left
    out of the mean, sd and MCSE; ``n_finite`` says how many counted.
    Quantiles use every non-NaN draw (as order statistics when some are
    infinite), so a median payback of ``inf`` means most draws never pay back.
    With ``moments`` (exact over more draws than ``draws`` holds), the mean,
    sd, MCSE and count come from them.

    Examples
    --------
    >>> s = summarise(np.array([1.0, 2.0, 3.0, 4.0]), quantiles=(0.5,))
    >>> s["mean"], s["median"], round(s["mcse"], 4)
    (2.5, 2.5, 0.6455)
    """
    # The draws sorted (a copy; NaN sorts last): every quantile is then read off
    # the order statistics at once, in a fraction of the time numpy's quantile
    # takes to partition the draws for each summary, with the same numbers; and
    # when both ends are finite, so is every draw, and no mask is needed.
    ordered = np.sort(draws)
    if ordered.size and np.isnan(ordered[-1]):
        ordered = ordered[:ordered.size - np.count_nonzero(np.isnan(ordered))]
    if moments is not None:
        mean, sd, mcse, count = moments.scalars()
        result = {"mean": mean, "sd": sd, "mcse": mcse, "n_finite": count}
    else:
        every = (ordered.size == draws.size and draws.flags.c_contiguous
                 and (not ordered.size or (np.isfinite(ordered[0]) and np.isfinite(ordered[-1]))))
        finite = draws if every else draws[np.isfinite(draws)]
        n = finite.size
        mean = float(finite.mean()) if n else math.nan
        sd = float(finite.std(ddof=1)) if n > 1 else math.nan
        result = {"mean": mean, "sd": sd, "mcse": sd / math.sqrt(n) if n > 1 else math.nan,
                  "n_finite": float(n)}
    values = sorted_quantiles(ordered, quantiles)
    for q, value in zip(quantiles, values, strict=True):
        result[_quantile_name(q)] = float(value)
    return result


def sorted_quantiles(ordered: Vector, quantiles: Sequence[float]) -> list[float]:
    """Return the quantiles of sorted draws, as ``numpy.quantile`` gives them, bit for bit.

    Linear interpolation between order statistics (numpy's default method,
    its own arithmetic: index ``(n - 1) q``, then its two-sided ``lerp``);
    when any draw is infinite, interpolating would give nan, so the order
    statistics themselves (``method='inverted_cdf'``, by numpy). NaN when
    there are no draws.

    Parameters
    ----------
    ordered : ndarray of shape (n,)
        Sorted ascending, without NaN.
    quantiles : sequence of float
        Each in [0, 1].

    Examples
    --------
    >>> draws = np.array([4.0, 1.0, 3.0, 2.0])
    >>> sorted_quantiles(np.sort(draws), (0.05, 0.5)) == [float(v) for v in np.quantile(
    ...     draws, [0.05, 0.5])]
    True
    """
    n = ordered.size
    if n == 0:
        return [math.nan] * len(quantiles)
    if np.isinf(ordered[0]) or np.isinf(ordered[-1]):
        return [float(v) for v in np.quantile(ordered, list(quantiles), method="inverted_cdf")]
    virtual = (n - 1) * np.asarray(quantiles, dtype=np.float64)
    previous = np.floor(virtual)
    following = previous + 1
    last = virtual >= n - 1  # numpy takes the largest draw there
    previous[last] = -1
    following[last] = -1
    low = ordered[previous.astype(np.intp)]
    high = ordered[following.astype(np.intp)]
    gamma = virtual - previous
    difference = high - low
    values = low + difference * gamma
    np.subtract(high, difference * (1 - gamma), out=values, where=gamma >= 0.5)
    return [float(v) for v in values]


def _quantile_name(q: float) -> str:
    if q == 0.5:
        return "median"
    return f"p{q * 100:g}"


@dataclass(frozen=True)
class Summary:
    """A table of metrics by statistic, printable and convertible to plain data.

    Numbers are written as their metric's :data:`~bpv._utils.formatting.Form`
    says (money briefly, shares as percentages: see
    :func:`~bpv._utils.formatting.format_stat`); :meth:`to_dict` keeps them whole.

    Attributes
    ----------
    rows : dict of str to dict of str to float
        ``rows[metric][statistic]``.
    title : str
    forms : str or dict of str to str, optional
        How each row's numbers are written: one form for every row (``'money'``)
        or a form by row name. By default a row named after a metric of
        :data:`~bpv._utils.formatting.METRIC_LABELS` takes its form; any other
        row is written as a plain number.

    Examples
    --------
    >>> print(Summary({"npv": {"mean": -1_726_725.0, "mcse": 4_372.0},
    ...                "roi": {"mean": -0.897, "mcse": 0.00162}}))
               mean      mcse
    npv     −£1.73m    £4.37k
    roi      −89.7%   0.16 pp
    """

    rows: dict[str, dict[str, float]]
    title: str = ""
    forms: str | Mapping[str, str] | None = None

    def form(self, row: str) -> Form | None:
        """Return how a row's numbers are written: its form, or None for a plain number."""
        if isinstance(self.forms, str):
            return self.forms  # type: ignore[return-value]
        if self.forms is not None and row in self.forms:
            return self.forms[row]  # type: ignore[return-value]
        if row.startswith("nmb@"):
            return "money"
        known = METRIC_LABELS.get(row)
        return None if known is None else known.form

    def cell(self, row: str, statistic: str) -> str:
        """Return one number of the table as ``str()`` writes it."""
        return _cell(self.rows[row].get(statistic), self.form(row), statistic)

    def to_dict(self) -> dict[str, dict[str, float | None]]:
        """Return the table as plain data; non-finite numbers become None (JSON has none)."""
        return {name: {k: (v if math.isfinite(v) else None) for k, v in stats.items()}
                for name, stats in self.rows.items()}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON."""
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self) -> Summary:
        """Return the table itself: a Summary is its own summary."""
        return self

    def __repr__(self) -> str:
        columns = len(next(iter(self.rows.values()))) if self.rows else 0
        title = f" {self.title!r}" if self.title else ""
        return f"<Summary{title}: {len(self.rows)} rows × {columns} columns>"

    def _repr_html_(self) -> str:
        """Return the table as HTML for notebooks: the same rows and numbers as ``str()``.

        Examples
        --------
        >>> table = Summary({"npv": {"mean": 1234.5, "p5": -10.0}}, title="a <b> test")
        >>> html = table._repr_html_()
        >>> "<caption>a &lt;b&gt; test</caption>" in html, "<td>£1.23k</td>" in html.replace(
        ...     ' style="text-align: right"', "")
        (True, True)
        """
        caption = f"<caption>{escape(self.title)}</caption>" if self.title else ""
        if not self.rows:
            return f"<table>{caption}</table>"
        columns = [c for c in next(iter(self.rows.values())) if c != "n_finite"]
        right = ' style="text-align: right"'
        head = "".join(f"<th{right}>{escape(c)}</th>" for c in columns)
        body = "".join(
            f"<tr><th>{escape(name)}</th>"
            + "".join(f"<td{right}>{escape(self.cell(name, c))}</td>" for c in columns)
            + "</tr>" for name in self.rows)
        return (f"<table>{caption}<thead><tr><th></th>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    def __str__(self) -> str:
        if not self.rows:
            return self.title
        columns = [c for c in next(iter(self.rows.values())) if c != "n_finite"]
        width = max(len(name) for name in self.rows) + 2
        cells = {name: [self.cell(name, c) for c in columns] for name in self.rows}
        widths = [max(len(c), *(len(row[i]) for row in cells.values())) + 3
                  for i, c in enumerate(columns)]
        lines = [self.title] if self.title else []
        lines.append((" " * width + "".join(f"{c:>{w}}" for c, w in zip(columns, widths,
                                                                       strict=True))).rstrip())
        for name, row in cells.items():
            lines.append(f"{name:<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(row, widths,
                                                                                  strict=True)))
        return "\n".join(lines)


class Rendered:
    """How every result reads: ``summary()``, ``to_dict()``, ``to_json()`` and ``str()``.

    ``summary()`` returns a :class:`Summary`. A result defines it; the rest
    follow from it unless the result says more (an :class:`Appraisal`'s
    ``to_dict`` holds its provenance too).

    Examples
    --------
    >>> import bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> view = result.organisation("acute")
    >>> str(view) == str(view.summary()), set(view.to_dict()) == set(view.names)
    (True, True)
    """

    def summary(self) -> Summary:
        """Return the result's table of numbers."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (JSON-ready)."""
        return dict(self.summary().to_dict())

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        """Return :meth:`summary` as an HTML table, for notebooks."""
        return self.summary()._repr_html_()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A short repr, set before @dataclass runs so that it keeps it: the generated one
        # prints every array of the result.
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Rendered._short_repr  # type: ignore[method-assign, assignment]

    def _short_repr(self) -> str:
        names = ("bid_id", "id", "metric", "n_draws")
        parts = [f"{name}={getattr(self, name)!r}" for name in names
                 if getattr(self, name, None) not in (None, "")]
        return f"<{type(self).__name__} {' '.join(parts)}>".replace(" >", ">")


def _cell(value: Any, form: Form | None = None, statistic: str = "mean") -> str:
    """Write one value of a table as ``str()`` does (text as it is), in its form if known."""
    if isinstance(value, str):
        return value
    if value is None:
        return "-"
    if form is not None:
        return format_stat(float(value), form, statistic)
    return format_number(value)


@dataclass(frozen=True)
class _MetricView(Rendered):
    """Shared behaviour of the system and organisation views: metrics from base vectors."""

    base: Mapping[str, Vector]
    names: tuple[str, ...]
    qaly_value: float
    moments: Mapping[OutputKey, Moments] | None = None
    n_represented: int = 0
    scope: str = "system"

    @property
    def is_subsample(self) -> bool:
        """Whether the draws kept are a subsample (``keep_draws`` False or an int)."""
        return self.moments is not None and self._draws_kept < self.n_represented

    @property
    def _draws_kept(self) -> int:
        return next(iter(self.base.values())).shape[0] if self.base else 0

    def __getitem__(self, name: str) -> Vector:
        if self.is_subsample:
            msg = (f"appraise(..., keep_draws=...) kept a systematic subsample of "
                   f"{self._draws_kept:,} of {self.n_represented:,} draws, not every draw; use "
                   f".subsample({name!r}) for those, or keep_draws=True for all")
            raise KeyError(msg)
        return self.subsample(name)

    def subsample(self, name: str) -> Vector:
        """Return the kept draws of a metric: every draw, or the subsample when thinned."""
        if name not in self.names:
            msg = f"no metric '{name}'{did_you_mean(name, self.names)}; metrics are: " \
                  f"{', '.join(self.names)}"
            raise UnknownNameError(msg)
        return _read_only(derive(name, self.base, self.qaly_value))

    def probability(self, metric: str, op: Comparison, value: float) -> float:
        """Return the share of draws in which ``metric op value`` holds, e.g. P(npv > 0).

        Exact over all draws; when only a subsample was kept, exact for
        ``npv > 0`` and ``nmb > 0`` and estimated from the subsample otherwise.
        """
        check_choice(op, _OPERATORS, name="op", function="probability")
        exact = (self.moments or {}).get(OutputKey("above_zero", metric, scope=self.scope))
        if exact is not None and op == ">" and value == 0:
            return float(exact.mean)
        return float(np.mean(_OPERATORS[op](self.subsample(metric), value)))

    def summary(
        self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES,
        metrics: Iterable[str] | None = None, title: str = "",
    ) -> Summary:
        """Return mean, sd, quantiles and MCSE of each metric."""
        names = tuple(metrics) if metrics is not None else self.names
        return Summary({
            name: summarise(self.subsample(name), quantiles=quantiles,
                            moments=(self.moments or {}).get(
                                OutputKey("metric", name, scope=self.scope)))
            for name in names}, title=title)


@dataclass(frozen=True)
class OrganisationResult(_MetricView):
    """One organisation's view of an appraisal: the ledger restricted to it, income included."""

    id: str = ""


@dataclass(frozen=True)
class MetricNodeResult(Rendered):
    """A tracked ``metric`` node: its natural-unit values by period.

    Attributes
    ----------
    id, unit : str
    periods : tuple of str
        Financial-year labels.
    values : ndarray of shape (n_draws, n_periods)
        Read-only; undiscounted.
    """

    id: str
    unit: str | None
    periods: tuple[str, ...]
    values: NDArray[np.float64]
    by_period_moments: Moments | None = None
    total_moments: Moments | None = None

    @property
    def total(self) -> Vector:
        """Per-draw total over the horizon (not discounted)."""
        return _read_only(self.values.sum(axis=1))

    def total_summary(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> dict[str, float]:
        """Return the summary of the total over the horizon."""
        return summarise(self.total, quantiles=quantiles, moments=self.total_moments)

    def summary(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Return the summary of each period's values (:meth:`by_period`)."""
        return self.by_period(quantiles=quantiles)

    def by_period(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Return the summary of each period's values."""
        moments = self.by_period_moments
        return Summary({label: summarise(self.values[:, i], quantiles=quantiles,
                                         moments=None if moments is None else moments.column(i))
                        for i, label in enumerate(self.periods)},
                       title=f"{self.id}" + (f" ({self.unit})" if self.unit else ""))


@dataclass(frozen=True)
class CashFlowResult(Rendered):
    """Net cash flow by period, for the system or one organisation: the cash-flow fan chart's data.

    Net cash flow is what :mod:`bpv.engine.ledger` counts for the payback period:
    cash-releasing benefits (and, for an organisation, its income) less costs,
    undiscounted. It is kept for a systematic subsample of at most 32,768
    draws (every k-th draw; every draw of a smaller run), so its memory is
    bounded whatever ``n_draws``; summaries of it are estimates from that
    subsample.

    Attributes
    ----------
    scope : str
        ``'system'`` or an organisation id.
    periods : tuple of str
        Financial-year labels.
    net : ndarray of shape (n_subsample, n_periods)
        Read-only.
    n_represented : int
        Draws of the appraisal the subsample stands for.
    parts : dict of str to ndarray of shape (n_subsample, n_periods)
        The parts of the net cash flow of the same draws: ``capital``,
        ``revenue``, ``saving`` and ``income`` (:data:`~bpv.engine.ledger.CASH_PARTS`), for the cash
        view (:meth:`Appraisal.cash_by_year`).
    """

    scope: str
    periods: tuple[str, ...]
    net: NDArray[np.float64]
    n_represented: int = 0
    parts: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def cumulative(self) -> NDArray[np.float64]:
        """Cumulative net cash flow to the end of each period, per draw."""
        # Summed period by period along the draws' rows, as the engine lays them out (net
        # is a transposed view): the same sums, each period's draws side by side in memory.
        return _read_only(np.cumsum(self.net.T, axis=0).T)

    def by_period(self, *, cumulative: bool = True,
                  quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Return the summary of each period's (cumulative, by default) net cash flow."""
        values = self.cumulative if cumulative else self.net
        what = "cumulative net cash flow" if cumulative else "net cash flow"
        return Summary({label: summarise(values[:, i], quantiles=quantiles)
                        for i, label in enumerate(self.periods)},
                       title=f"{self.scope}: {what} by period, GBP undiscounted")

    def summary(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
        """Return the summary of each period's cumulative net cash flow (:meth:`by_period`)."""
        return self.by_period(quantiles=quantiles)


@dataclass(frozen=True)
class Appraisal(_MetricView, LongTable):
    """The result of appraising one bid.

    Index it by metric name for per-draw read-only vectors
    (``appraisal["npv"]``); see :mod:`bpv.engine.ledger` for the definitions.

    Attributes
    ----------
    bid_id : str
    n_draws : int
    method : {'mc', 'lhs', 'sobol'}
    entropy : int or tuple of int
        Root seed entropy: ``appraise(bid, rng=entropy, ...)`` replays the run
        (with ``provenance["spawn_key"]`` when a spawned SeedSequence was given).
    bid_hash : str
        SHA-256 of the bid's canonical JSON.
    periods : tuple of str
    organisation_base : dict
        Per-organisation base vectors.
    metric_nodes : dict of str to MetricNodeResult
    flows : dict of str to ndarray, or None
        Every node's values, shape (n_draws, n_periods), with ``keep_flows=True``.
    inputs : dict of str to ndarray, or None
        The drawn value of every uncertain parameter and success gate
        (``'<activity>.delivered'``), draw by draw like the metrics, with
        ``keep_inputs=True``.
    cash_flows : dict of str or None to CashFlowResult
        Net cash flow by period of the system (key None) and each organisation;
        see :meth:`cash_flow`.
    provenance : dict
        bpv version, settings, discount factors and anything else needed to
        reproduce the numbers.
    """

    bid_id: str = ""
    n_draws: int = 0
    method: str = "mc"
    entropy: int | tuple[int, ...] = 0
    bid_hash: str = ""
    periods: tuple[str, ...] = ()
    organisation_base: Mapping[str, Mapping[str, Vector]] = field(default_factory=dict)
    metric_nodes: Mapping[str, MetricNodeResult] = field(default_factory=dict)
    flows: Mapping[str, NDArray[np.float64]] | None = None
    inputs: Mapping[str, Vector] | None = None
    cash_flows: Mapping[str | None, CashFlowResult] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> tuple[str, ...]:
        """Names of the system metrics."""
        return self.names

    @property
    def organisations(self) -> tuple[str, ...]:
        """Ids of the organisations."""
        return tuple(self.organisation_base)

    def organisation(self, organisation_id: str) -> OrganisationResult:
        """Return one organisation's view (the same metrics, its own ledger)."""
        if organisation_id not in self.organisation_base:
            msg = (f"no organisation '{organisation_id}'"
                   f"{did_you_mean(organisation_id, self.organisation_base)}")
            raise UnknownNameError(msg)
        return OrganisationResult(self.organisation_base[organisation_id], ORGANISATION_METRICS,
                                  self.qaly_value, moments=self.moments,
                                  n_represented=self.n_represented, scope=organisation_id,
                                  id=organisation_id)

    def cash_flow(self, organisation: str | None = None) -> CashFlowResult:
        """Return net cash flow by period of the system (default) or one organisation.

        Examples
        --------
        >>> import bpv
        >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> flow = result.cash_flow("acute")
        >>> flow.net.shape == (1_000, len(result.periods))
        True
        """
        if organisation not in self.cash_flows:
            names = [key for key in self.cash_flows if key is not None]
            msg = f"no organisation '{organisation}'{did_you_mean(str(organisation), names)}"
            raise UnknownNameError(msg)
        return self.cash_flows[organisation]

    def cash_by_year(self, organisation: str | None = None) -> CashByYear:
        """Return undiscounted cash by year of the system (default) or one organisation.

        Capital and revenue spend, cash-releasing savings, income received and
        paid, and net cash,
        by period and in total: means and 90% intervals over the draws kept for
        cash flows (see :mod:`bpv.engine.cash_view`). For the system, income
        received and paid are every organisation's; they cancel in its net.

        Examples
        --------
        >>> import bpv
        >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> icb = result.cash_by_year("icb")
        >>> icb.periods == result.periods, sorted(icb.rows)
        (True, ['capital', 'cash_releasing', 'income_paid', 'income_received', 'net', 'revenue'])
        >>> print(result.cash_by_year())  # doctest: +ELLIPSIS
        system: cash by year, undiscounted (means of 1,000 draws)
                                2025/26  2026/27  2027/28  2028/29  2029/30    total
        capital spend                £0       £0       £0       £0       £0       £0
        revenue spend             £411k    £411k    £411k    £411k    £411k   £2.05m
        ...
        net cash                 −£387k   −£364k   −£364k   −£364k   −£364k  −£1.84m
        """
        flow = self.cash_flow(organisation)
        incomes = ([flow.parts["income"]] if organisation is not None else
                   [self.cash_flows[org].parts["income"] for org in self.organisations])
        return cash_by_year(flow.scope, flow.periods, flow.parts, incomes,
                            n_represented=flow.n_represented)

    def metric_node(self, node_id: str) -> MetricNodeResult:
        """Return a ``metric`` node's values by period."""
        if node_id not in self.metric_nodes:
            msg = f"no metric node '{node_id}'{did_you_mean(node_id, self.metric_nodes)}"
            raise UnknownNameError(msg)
        return self.metric_nodes[node_id]

    def summary(
        self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES,
        metrics: Iterable[str] | None = None, title: str = "",
    ) -> Summary:
        """Return mean, sd, quantiles and MCSE of each system metric.

        The MCSE is sd / sqrt(n): exact for plain Monte Carlo, conservative for
        Latin hypercube, and not meaningful for Sobol points (compare runs
        with different seeds instead).
        """
        return super().summary(quantiles=quantiles, metrics=metrics,
                               title=title or f"{self.bid_id}: {self.n_draws:,} draws "
                               f"({self.method}), GBP present values")

    def to_dict(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> dict[str, Any]:
        """Return the results as plain data (summaries, not per-draw vectors)."""
        organisations = {
            org: self.organisation(org).summary(quantiles=quantiles).to_dict()
            for org in self.organisations
        }
        metric_nodes = {}
        for node_id, node in self.metric_nodes.items():
            by_period = node.by_period(quantiles=quantiles).to_dict()
            metric_nodes[node_id] = {
                "unit": node.unit,
                "periods": list(node.periods),
                "total": node.total_summary(quantiles=quantiles),
                "by_period": {stat: [by_period[p][stat] for p in node.periods]
                              for stat in next(iter(by_period.values()))},
            }
        cash_flow = {}
        for scope, flow in self.cash_flows.items():
            by_period = flow.by_period(quantiles=quantiles).to_dict()
            cash_flow[scope or "system"] = {
                "cumulative": {stat: [by_period[p][stat] for p in flow.periods]
                               for stat in next(iter(by_period.values()))},
            }
        cash_by_year = ({scope or "system": self.cash_by_year(scope).to_dict()["rows"]
                         for scope in self.cash_flows}
                        if all(flow.parts for flow in self.cash_flows.values()) else {})
        return stamped("appraisal", {
            "bid": self.bid_id,
            "provenance": {"n_draws": self.n_draws, "method": self.method,
                           "draws_kept": self._draws_kept,
                           "entropy": self.entropy, "bid_hash": self.bid_hash,
                           **self.provenance},
            "metrics": self.summary(quantiles=quantiles).to_dict(),
            "probabilities": {"npv > 0": self.probability("npv", ">", 0),
                              "nmb > 0": self.probability("nmb", ">", 0)},
            "organisations": organisations,
            "metric_nodes": json_safe(metric_nodes),
            "cash_flow": json_safe({"periods": list(self.periods),
                                     "draws": min((f.net.shape[0]
                                                   for f in self.cash_flows.values()), default=0),
                                     **cash_flow}),
            **({"cash_by_year": {"periods": list(self.periods), "undiscounted": True,
                                 "draws": min(f.net.shape[0] for f in self.cash_flows.values()),
                                 **cash_by_year}} if cash_by_year else {}),
        })

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def to_frame(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Any:
        """Return the results as a long pandas DataFrame: one number a row.

        Columns, in order: bid, scope (``'system'`` or an organisation id),
        metric, unit, statistic, value, seed, draws, method, bid_hash (see
        :func:`bpv.engine.long_form.appraisal_rows` for the rows). Needs pandas
        (``pip install 'bpv[tables]'``), imported only here.

        Examples
        --------
        >>> import bpv
        >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> frame = result.to_frame()
        >>> list(frame.columns[:6])
        ['bid', 'scope', 'metric', 'unit', 'statistic', 'value']
        >>> mean = frame.query("scope == 'acute' and metric == 'npv' and statistic == 'mean'")
        >>> acute = result.organisation("acute").summary().rows
        >>> float(mean["value"].iloc[0]) == acute["npv"]["mean"]
        True
        """
        return records_frame(self.long_rows(quantiles=quantiles), FRAME_COLUMNS)

    def long_rows(self, *, quantiles: Sequence[float] = DEFAULT_QUANTILES
                  ) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows (:func:`bpv.engine.long_form.appraisal_rows`)."""
        return appraisal_rows(self.to_dict(quantiles=quantiles))

    def draws_frame(self) -> Any:
        """Return the per-draw values of every metric as a pandas DataFrame: a row a draw.

        Columns: ``draw`` (the draw's index), each system metric by name
        (``npv``, ``roi`` …), then each organisation's as ``ORG.METRIC``
        (``acute.npv``). When the appraisal kept a subsample of its draws
        (``keep_draws``), the rows are that subsample, in order. Needs pandas
        (``pip install 'bpv[tables]'``).

        Memory: 8 bytes a number, so about 8 × draws kept × metrics ×
        (1 + organisations) bytes: 100,000 draws of 11 metrics for the system
        and three organisations is about 35 MB. Every column is a new array
        (metrics such as ROI are derived draw by draw).

        Examples
        --------
        >>> import bpv
        >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
        ...                       n_draws=1_000, rng=1)
        >>> frame = result.draws_frame()
        >>> len(frame), float(frame["npv"].mean()) == float(result["npv"].mean())
        (1000, True)
        >>> bool((frame["acute.npv"] == result.organisation("acute")["npv"]).all())
        True
        """
        kept = self._draws_kept
        columns: dict[str, Any] = {"draw": np.arange(kept)}
        columns |= {name: self.subsample(name) for name in self.names}
        for organisation in self.organisations:
            view = self.organisation(organisation)
            columns |= {f"{organisation}.{name}": view.subsample(name) for name in view.names}
        return columns_frame(columns)
