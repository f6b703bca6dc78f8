"""Tracking one bid's delivery: the plan, the actuals and their status, in one object.

:func:`track` is what ``bpv.track`` calls: it checks that the appraisal, the
bid and the actuals belong together, builds the plan (every tracked series,
and any series the actuals give besides) and returns a :class:`Tracking`.

Examples
--------
>>> import bpv
>>> from datetime import date
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> result = bpv.appraise(bid, n_draws=2_000, rng=1, keep_flows=True, progress=False)
>>> tracking = track(result, [{"node": "admissions_avoided", "period": "2025/26",
...                            "value": 30}], bid=bid, as_at=date(2026, 6, 1))
>>> row = tracking.status().rows[0]
>>> row.series, row.period, row.rag
('admissions_avoided', '2025/26', 'green')
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from bpv._utils.formatting import json_safe
from bpv._utils.validation import check_instance
from bpv._utils.versions import stamped
from bpv.engine.identity import bid_hash
from bpv.engine.long_form import LongTable, run_columns, stat_rows
from bpv.engine.results import Appraisal, Summary
from bpv.errors import SpecError
from bpv.sampling.streams import Seed
from bpv.spec.bid import Bid
from bpv.tracking.actuals import Actuals, as_at_date, read_actuals
from bpv.tracking.plan import Plan, plan, the_bid_appraised
from bpv.tracking.reforecast import Method, reforecast
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.series import SeriesKey
from bpv.tracking.status import RagRule, Status, status

__all__ = ["SUMMARY_UNITS", "Tracking", "series_rows", "track"]


@dataclass(frozen=True)
class Tracking(LongTable):
    """A bid's delivery against its plan: the plan, the actuals, and their status.

    Attributes
    ----------
    appraisal : Appraisal
        The approved appraisal (the plan), with flows.
    bid : Bid
        The bid appraised.
    plan : Plan
    actuals : Actuals
    rule : RagRule
    as_at : datetime.date
    """

    appraisal: Appraisal
    bid: Bid
    plan: Plan
    actuals: Actuals
    rule: RagRule
    as_at: date

    def status(self) -> Status:
        """Return every actual against the plan, RAG-rated by the rule (computed once)."""
        return self._status

    def reforecast(self, *, rng: Seed = None, method: Method = "auto",
                   **options: Any) -> Reforecast:
        """Re-forecast the bid from its actuals: the posterior of every input, metric and series.

        The appraisal is the prior; the actuals update it by importance
        reweighting of its draws, or by sequential Monte Carlo over the
        engine when too few draws explain them (:mod:`bpv.tracking.reforecast`,
        docs/design/reforecast.md). P(meets target) before and after is given
        for every series with actuals, against the plan's targets, for its
        latest year with an actual and every year after.

        Parameters
        ----------
        rng : seed, optional
            Seed of the SMC (an int, a SeedSequence, a Generator or None, as in
            `SPEC 7 <https://scientific-python.org/specs/spec-0007/>`_);
            reweighting draws nothing.
        method : {'auto', 'reweight', 'smc'}, default 'auto'
        **options
            Passed to :func:`bpv.tracking.reforecast.reforecast`
            (``ess_threshold``, ``n_particles``, ``n_moves``, ``target_ess``).

        Returns
        -------
        Reforecast

        Raises
        ------
        SpecError
            If the appraisal kept no inputs (appraise with ``keep_inputs=True``).
        ReforecastError
            If no draw allows the actuals.
        """
        observed: dict[SeriesKey, int] = {}
        for seen in self.actuals.observations:  # each series' latest year with an actual
            observed[seen.series] = max(seen.year, observed.get(seen.series, seen.year))
        # P(meets target) for the years still to play for: the latest observed, and after.
        targets = {key: {year: float(value) for year, value
                         in enumerate(self.plan[key].target) if year >= latest}
                   for key, latest in observed.items()}
        better = {key: self.plan[key].better for key in observed}
        return reforecast(self.bid, self.appraisal, self.actuals.observations,
                          targets=targets, better=better, rng=rng, method=method, **options)

    @cached_property
    def _status(self) -> Status:
        return status(self.plan, self.actuals, rule=self.rule)

    def __repr__(self) -> str:
        return (f"<Tracking {self.bid.id!r} as at {self.as_at.isoformat()}: "
                f"{len(self.actuals.observations)} actuals>")

    def _repr_html_(self) -> str:
        """Return :meth:`summary` (a row a series: RAG counts, totals) as HTML, for notebooks."""
        return self.summary()._repr_html_()

    def summary(self) -> Summary:
        """Return a table by series: actuals counted by RAG, totals to date, P(meets target).

        ``variance %`` is the cumulative actual against the cumulative plan;
        ``P(target)`` is the plan's probability of meeting the target of
        the latest year with an actual.
        """
        rows: dict[str, dict[str, float]] = {}
        for row in self.status().rows:
            stats = rows.setdefault(row.series, {"actuals": 0.0, "green": 0.0, "amber": 0.0,
                                                 "red": 0.0})
            stats["actuals"] += 1
            stats[row.rag] += 1
            stats["cum actual"] = row.cumulative_actual
            stats["cum plan"] = row.cumulative_plan
            stats["variance %"] = (100 * (row.cumulative_actual - row.cumulative_plan)
                                   / abs(row.cumulative_plan)) if row.cumulative_plan \
                else math.nan
            stats["P(target)"] = row.p_meets_target
        return Summary(rows, title=f"{self.bid.id}: delivery as at {self.as_at.isoformat()}; "
                       f"{self.rule.text}")

    def to_dict(self) -> dict[str, Any]:
        """Return the tracking as plain data: the plan, the actuals and the status."""
        return stamped("tracking", {"bid": self.bid.id, "bid_hash": self.plan.bid_hash,
                "as_at": self.as_at.isoformat(), "plan": self.plan.to_dict(),
                "actuals": self.actuals.to_dict()["actuals"],
                "status": self.status().to_dict(), "summary": self.summary().to_dict()})

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent, ensure_ascii=False)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows: :meth:`summary` by series, read off :meth:`to_dict`.

        Metric: the series (``admissions_avoided``, ``costs (acute)``), scope
        ``'system'``; statistics as in :meth:`summary`: ``actuals``,
        ``green``, ``amber``, ``red`` (counts), ``cum actual`` and ``cum
        plan`` (the series' unit), ``variance %`` and ``P(target)``. The run is
        the approved appraisal's.
        """
        data = self.to_dict()
        appraisal = self.appraisal
        run = run_columns(entropy=appraisal.entropy, n_draws=appraisal.n_draws,
                          method=appraisal.method, bid_hash=data["bid_hash"])
        return series_rows(data["bid"], data["summary"], run)

    def __str__(self) -> str:
        return str(self.status())


#: The unit of each statistic of a tracking's summary (None: the series' own).
SUMMARY_UNITS = {"actuals": "count", "green": "count", "amber": "count", "red": "count",
                 "variance %": "percent", "P(target)": "probability"}


def series_rows(bid: str, summary: Mapping[str, Mapping[str, Any]], run: Mapping[str, Any]
                ) -> list[dict[str, Any]]:
    """Return a tracking's summary by series (``Tracking.summary().to_dict()``) as long rows.

    One row a statistic of a series (metric: the series' label, scope
    ``'system'``), units by :data:`SUMMARY_UNITS`; what ``Tracking.to_frame()``
    and a register's status snapshots give.
    """
    return [row for series, stats in summary.items() for statistic, value in stats.items()
            for row in stat_rows(bid=bid, scope="system", metric=series,
                                 unit=SUMMARY_UNITS.get(statistic), stats={statistic: value},
                                 run=run)]


def track(appraisal: Appraisal,
          actuals: Actuals | str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any, *,
          bid: Bid | None = None, rule: RagRule | None = None,
          as_at: date | str | None = None) -> Tracking:
    """Track a bid's delivery: its actuals against the plan its appraisal gives.

    Parameters
    ----------
    appraisal : Appraisal
        The approved appraisal, from ``bpv.appraise(bid, ..., keep_flows=True)``.
    actuals : Actuals, path, list of mappings or pandas.DataFrame
        Actuals already read (:func:`bpv.tracking.actuals.read_actuals`), or a
        source to read: a CSV file, records or a DataFrame.
    bid : Bid, optional
        The bid appraised. An appraisal holds the bid's hash, not the bid:
        give it, unless ``actuals`` were read against it already.
    rule : RagRule, optional
        The RAG rule (default: green within the 50% band or better than the
        median, amber within the 90% band).
    as_at : datetime.date or str, optional
        The date the actuals are read as at (default today). For
        :class:`Actuals`, leave it out: they were read as at a date already.

    Returns
    -------
    Tracking

    Raises
    ------
    SpecError
        If no bid is given, the bid is not the one appraised, the appraisal
        kept no flows, or the actuals were read against another bid.
    ActualsError
        If the actuals have problems.
    """
    if rule is not None:
        check_instance(rule, RagRule, name="rule", function="track",
                       expected="a bpv.RagRule")
    if bid is None and isinstance(actuals, Actuals):
        bid = actuals.bid
    if bid is None:
        msg = ("The 'bid' parameter of track is required: an appraisal holds the bid's hash, "
               "not the bid; pass the Bid given to bpv.appraise (track(result, actuals, "
               "bid=bid))")
        raise SpecError(msg)
    the_bid_appraised(appraisal, bid, function="track")
    if isinstance(actuals, Actuals):
        if as_at is not None and as_at_date(as_at, function="track") != actuals.as_at:
            msg = (f"The 'as_at' parameter of track must be the date the actuals were read as "
                   f"at ({actuals.as_at.isoformat()}), or be left out. Got {as_at!r} instead; "
                   "read them again with bpv.read_actuals(..., as_at=...)")
            raise SpecError(msg)
        if bid_hash(actuals.bid) != bid_hash(bid):
            msg = (f"The 'actuals' parameter of track must be read against the bid appraised: "
                   f"they were read against bid '{actuals.bid.id}' "
                   f"({bid_hash(actuals.bid)[:12]}…), the appraisal is of '{bid.id}' "
                   f"({bid_hash(bid)[:12]}…)")
            raise SpecError(msg)
    else:
        actuals = read_actuals(actuals, bid, as_at=as_at)
    extra = [seen.series for seen in actuals.observations]
    planned = plan(appraisal, bid, series=extra)
    return Tracking(appraisal=appraisal, bid=bid, plan=planned, actuals=actuals,
                    rule=RagRule() if rule is None else rule, as_at=actuals.as_at)
