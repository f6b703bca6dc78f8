"""Status: each actual against the plan, its variance, and a RAG rating by a declared rule.

For every actual (a series in a period), the status gives the plan scaled to
the period (the year's median and mean times the share of the year the
actual covers), the variance from the scaled median (absolute, and as a
percentage of it), the cumulative actual and plan to date, the probability
under the plan of a value at least as good as the actual, the probability of
meeting the year's target, and a RAG rating.

**The rule** (:class:`RagRule`, default ``green=0.5, amber=0.9``): *green*
within the plan's central 50% band or better than its median; *amber*
within its central 90% band; *red* beyond it on the worse side. Beyond the
band on the better side is green. The band's edges count as inside. For an
actual covering part of a year, the bands are the year's bands times the
share (the plan is flat within a year).

Examples
--------
>>> rule = RagRule()
>>> rule.rate(10.0, lower_green=8.0, upper_green=12.0, lower_amber=4.0,
...           upper_amber=16.0, median=10.0, better="higher")
'green'
>>> rule.rate(5.0, lower_green=8.0, upper_green=12.0, lower_amber=4.0,
...           upper_amber=16.0, median=10.0, better="higher")
'amber'
>>> rule.rate(17.0, lower_green=8.0, upper_green=12.0, lower_amber=4.0,
...           upper_amber=16.0, median=10.0, better="lower")
'red'
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from bpv._utils.formatting import format_number, format_percent, json_safe
from bpv._utils.validation import check_real
from bpv.errors import SpecError
from bpv.spec.tracking import Better
from bpv.tracking.actuals import Actuals
from bpv.tracking.plan import Plan

__all__ = ["Rag", "RagRule", "Status", "StatusRow", "status"]

Rag = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class RagRule:
    """A declared RAG rule: the central bands of the plan that are green and amber.

    Parameters
    ----------
    green : float, default 0.5
        Width of the central band (as a probability) inside which an actual
        is green; so is any actual better than the median.
    amber : float, default 0.9
        Width of the central band inside which an actual is amber when not
        green; beyond it on the worse side is red, on the better side green.

    Raises
    ------
    SpecError
        Unless ``0 < green < amber < 1``.

    Examples
    --------
    >>> RagRule(green=0.5, amber=0.9).levels
    (0.05, 0.25, 0.75, 0.95)
    >>> print(RagRule().text)
    RAG: green within the plan's 50% band or better than its median; amber within its 90% band; red beyond it on the worse side (a part-year actual against the year's bands times its share)
    """  # noqa: E501

    green: float = 0.5
    amber: float = 0.9

    def __post_init__(self) -> None:
        check_real(self.green, name="green", function="RagRule", low=0, high=1,
                   closed="neither")
        check_real(self.amber, name="amber", function="RagRule", low=0, high=1,
                   closed="neither")
        if not self.green < self.amber:
            msg = (f"The 'green' parameter of RagRule must be less than 'amber' (green is a "
                   f"narrower band than amber). Got green={self.green}, amber={self.amber} "
                   "instead.")
            raise SpecError(msg)

    @property
    def levels(self) -> tuple[float, float, float, float]:
        """The quantiles at the bands' edges: amber low, green low, green high, amber high."""
        return (round((1 - self.amber) / 2, 12), round((1 - self.green) / 2, 12),
                round((1 + self.green) / 2, 12), round((1 + self.amber) / 2, 12))

    @property
    def text(self) -> str:
        """The rule in words, printed beside every status table."""
        return (f"RAG: green within the plan's {self.green:.0%} band or better than its "
                f"median; amber within its {self.amber:.0%} band; red beyond it on the worse "
                "side (a part-year actual against the year's bands times its share)")

    def rate(self, actual: float, *, lower_green: float, upper_green: float,
             lower_amber: float, upper_amber: float, median: float, better: Better) -> Rag:
        """Rate one actual against its (already scaled) bands and median."""
        better_than_median = actual > median if better == "higher" else actual < median
        beyond_on_good_side = actual > upper_amber if better == "higher" \
            else actual < lower_amber
        if lower_green <= actual <= upper_green or better_than_median or beyond_on_good_side:
            return "green"
        if lower_amber <= actual <= upper_amber:
            return "amber"
        return "red"


@dataclass(frozen=True)
class StatusRow:
    """One actual against the plan.

    Attributes
    ----------
    series : str
        The series' label (``'costs (community)'``).
    period : str
        The period's label (``'2026/27 Q1'``).
    year : int
    share : float
        Share of the year the actual covers.
    unit : str
    better : {'higher', 'lower'}
    actual : float
    median, mean : float
        The year's planned median and mean, times the share.
    variance : float
        ``actual - median``.
    variance_pct : float
        ``100 * variance / |median|`` (NaN when the median is 0).
    cumulative_actual : float
        The series' actuals summed to this period (in order of their first day).
    cumulative_plan : float
        The median over the draws of the planned values, times their shares,
        summed over the same periods.
    band_50, band_90 : tuple of float
        The rule's green and amber bands, times the share.
    target : float
        The year's target (declared, or the median) times the share.
    p_actual_or_better : float
        P(the plan's value for the period is at least as good as the actual).
    p_meets_target : float
        P(the plan meets the year's target), over the draws.
    rag : {'green', 'amber', 'red'}
    location : str
        Where the actual came from.
    """

    series: str
    period: str
    year: int
    share: float
    unit: str
    better: Better
    actual: float
    median: float
    mean: float
    variance: float
    variance_pct: float
    cumulative_actual: float
    cumulative_plan: float
    band_50: tuple[float, float]
    band_90: tuple[float, float]
    target: float
    p_actual_or_better: float
    p_meets_target: float
    rag: Rag
    location: str = ""


_COLUMNS = (("series", 22), ("period", 12), ("actual", 11), ("plan", 11), ("variance", 11),
            ("var %", 8), ("cum actual", 12), ("cum plan", 12), ("P(as good)", 11), ("RAG", 6))


@dataclass(frozen=True)
class Status:
    """Every actual against the plan, with the rule that rated them.

    Attributes
    ----------
    rows : tuple of StatusRow
        Series by series (in the plan's order), then by period.
    rule : RagRule
    as_at : datetime.date
    bid_id : str
    """

    rows: tuple[StatusRow, ...]
    rule: RagRule
    as_at: date
    bid_id: str = ""

    def counts(self) -> dict[str, int]:
        """Return how many actuals are green, amber and red."""
        counted = dict.fromkeys(("green", "amber", "red"), 0)
        for row in self.rows:
            counted[row.rag] += 1
        return counted

    def to_dict(self) -> dict[str, Any]:
        """Return the status as plain data, with the rule's text and parameters."""
        return {"bid": self.bid_id, "as_at": self.as_at.isoformat(),
                "rule": {"green": self.rule.green, "amber": self.rule.amber,
                         "text": self.rule.text},
                "counts": self.counts(),
                "rows": [{**asdict(row), "band_50": list(row.band_50),
                          "band_90": list(row.band_90)} for row in self.rows]}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def __str__(self) -> str:
        title = f"Delivery against plan of {self.bid_id}, as at {self.as_at.isoformat()}"
        header = "".join(f"{name:<{width}}" if index < 2 else f"{name:>{width}}"
                         for index, (name, width) in enumerate(_COLUMNS))
        lines = [title, header]
        for row in self.rows:
            pct = "" if math.isnan(row.variance_pct) else f"{row.variance_pct:+.0f}%"
            cells = (row.series, row.period, format_number(row.actual),
                     format_number(row.median), format_number(row.variance), pct,
                     format_number(row.cumulative_actual), format_number(row.cumulative_plan),
                     format_percent(row.p_actual_or_better, 0), row.rag)
            lines.append("".join(
                f"{_clip(cell, width):<{width}}" if index < 2 else f"{cell:>{width}}"
                for index, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))))
        lines.append("plan: the year's median times the share of the year the actual covers; "
                     "variance: actual - plan")
        lines.append(self.rule.text)
        return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) < width else text[:width - 2] + "…"


def status(plan: Plan, actuals: Actuals, *, rule: RagRule | None = None) -> Status:
    """Return every actual against the plan, rated by a rule.

    Parameters
    ----------
    plan : Plan
        The plan of the bid the actuals are of; it must track every series
        the actuals give (:func:`bpv.tracking.plan.plan` with ``series=``).
    actuals : Actuals
    rule : RagRule, optional
        Default ``RagRule()``: green 50%, amber 90%.

    Returns
    -------
    Status

    Raises
    ------
    SpecError
        If the actuals are of another bid than the plan's.
    """
    rule = RagRule() if rule is None else rule
    if actuals.bid.id != plan.bid_id:
        msg = (f"the actuals are of bid '{actuals.bid.id}' but the plan is of "
               f"'{plan.bid_id}'")
        raise SpecError(msg)
    by_series: dict[Any, list[int]] = defaultdict(list)
    for index, seen in enumerate(actuals.observations):
        by_series[seen.series].append(index)
    order = [key for key in plan.series if key in by_series]
    order += [key for key in by_series if key not in plan.series]
    rows: list[StatusRow] = []
    for key in order:
        series_plan = plan[key]
        # the rule's band edges and P(meets target) of every year, once per series
        edges = np.quantile(series_plan.draws, list(rule.levels), axis=0)
        meets = series_plan.p_meets_target
        indices = sorted(by_series[key], key=lambda i: (actuals.periods[i].first, i))
        planned_to_date = np.zeros(series_plan.draws.shape[0])
        actual_to_date = 0.0
        for index in indices:
            seen = actuals.observations[index]
            year, share = seen.year, seen.share
            planned_to_date += share * series_plan.draws[:, year]
            actual_to_date += seen.value
            low_amber, low_green, high_green, high_amber = (float(v) for v in
                                                            share * edges[:, year])
            median = share * float(series_plan.median[year])
            variance = seen.value - median
            rows.append(StatusRow(
                series=key.label, period=seen.period, year=year, share=share,
                unit=series_plan.unit, better=series_plan.better, actual=seen.value,
                median=median, mean=share * float(series_plan.mean[year]), variance=variance,
                variance_pct=100 * variance / abs(median) if median else math.nan,
                cumulative_actual=actual_to_date,
                cumulative_plan=float(np.median(planned_to_date)),
                band_50=(low_green, high_green), band_90=(low_amber, high_amber),
                target=share * float(series_plan.target[year]),
                p_actual_or_better=float(series_plan.at_least_as_good(
                    seen.value, year, share).mean()),
                p_meets_target=float(meets[year]),
                rag=rule.rate(seen.value, lower_green=low_green, upper_green=high_green,
                              lower_amber=low_amber, upper_amber=high_amber, median=median,
                              better=series_plan.better),
                location=seen.location))
    return Status(rows=tuple(rows), rule=rule, as_at=actuals.as_at, bid_id=plan.bid_id)

