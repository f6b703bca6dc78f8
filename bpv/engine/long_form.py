"""An appraisal as long-form rows: one number a row, with the run it came from.

The tidy table of :meth:`bpv.Appraisal.to_frame` and of a batch
(:meth:`bpv.batch.result.Batch.to_frame`) is built here from an appraisal's
plain data (:meth:`bpv.Appraisal.to_dict`), so a batch that kept only that
plain data gives the same table as the appraisals themselves. Columns, in
order, are :data:`FRAME_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FRAME_COLUMNS", "METRIC_UNITS", "PROBABILITY", "appraisal_rows"]

#: The columns of a long-form table of results, in order.
FRAME_COLUMNS = ("bid", "scope", "metric", "unit", "statistic", "value", "seed", "draws",
                 "method", "bid_hash")

#: The unit of each metric (design/metrics.md): present values in pounds, ratios,
#: payback as a period index (years from the start), QALYs.
METRIC_UNITS: dict[str, str] = {
    "npv": "GBP", "roi": "ratio", "bcr": "ratio", "cash_roi": "ratio", "payback": "years",
    "cost_pv": "GBP", "benefit_pv": "GBP", "cash_releasing_pv": "GBP", "qalys": "QALY",
    "nmb": "GBP", "income_pv": "GBP",
}

#: The statistic (and unit) of the rows holding P(metric > 0), exact over every draw.
PROBABILITY = "p_above_zero"


def appraisal_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one row per number of an appraisal's plain data, in :data:`FRAME_COLUMNS`.

    Rows: every statistic of every system metric (scope ``'system'``), P(NPV
    > 0) and P(NMB > 0) (statistic :data:`PROBABILITY`, unit
    ``'probability'``), every statistic of every organisation's metrics
    (scope: the organisation's id) and of each metric node's total over the
    horizon (metric: the node's id, unit: its own). A statistic that is not
    finite (the mean payback of a bid that never pays back) is a missing
    value. ``seed`` is the run's root entropy written as text (it may be a
    128-bit number).

    Parameters
    ----------
    record : mapping
        :meth:`bpv.Appraisal.to_dict` of the appraisal.

    Examples
    --------
    >>> import bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> rows = appraisal_rows(result.to_dict())
    >>> row = next(r for r in rows if r["metric"] == "npv" and r["statistic"] == "mean")
    >>> row["scope"], row["unit"], row["value"] == result.summary().rows["npv"]["mean"]
    ('system', 'GBP', True)
    """
    provenance = record["provenance"]
    run = {"seed": str(provenance["entropy"]), "draws": provenance["n_draws"],
           "method": provenance["method"], "bid_hash": provenance["bid_hash"]}
    rows: list[dict[str, Any]] = []

    def add(scope: str, metric: str, unit: str | None, stats: Mapping[str, Any]) -> None:
        for statistic, value in stats.items():
            rows.append({"bid": record["bid"], "scope": scope, "metric": metric, "unit": unit,
                         "statistic": statistic, "value": value, **run})

    for metric, stats in record["metrics"].items():
        add("system", metric, METRIC_UNITS.get(metric), stats)
    for text, value in record["probabilities"].items():
        add("system", text.split(" ", 1)[0], "probability", {PROBABILITY: value})
    for organisation, metrics in record["organisations"].items():
        for metric, stats in metrics.items():
            add(organisation, metric, METRIC_UNITS.get(metric), stats)
    for node_id, node in record["metric_nodes"].items():
        add("system", node_id, node["unit"], node["total"])
    return rows
