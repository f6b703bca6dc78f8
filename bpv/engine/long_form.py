"""Results as long-form rows: one number a row, with the run it came from.

Every result's tidy table (``to_frame()``) is built by one mechanism: the
result says where its numbers are in its plain data (``to_dict()``), as
blocks of statistics for a bid, a scope and a metric, and :func:`stat_rows`
turns each block into rows of :data:`FRAME_COLUMNS`; :class:`LongTable`
gives every result ``to_frame()`` from those rows. A batch that kept only
each appraisal's plain data therefore gives the same table as the appraisals
themselves.

Columns, in order (:data:`FRAME_COLUMNS`):

- ``bid``: the bid's id (empty for a number that belongs to no one bid, such
  as a comparison's EVPI or a portfolio's budget slack);
- ``scope``: ``'system'`` or an organisation's id;
- ``metric``: a metric (``npv``), a metric node, or what the result measures;
- ``unit``: ``GBP``, ``QALY``, ``ratio``, ``years``, ``probability`` … (empty
  when the number is in a unit bpv does not know, such as an input's own);
- ``statistic``: ``mean``, ``sd``, ``mcse``, ``p5``, ``median``, ``p95`` … or
  what the result computed (``p_best``, ``swing``, ``slack``);
- ``value``: the number (missing when not finite);
- ``seed``, ``draws``, ``method``, ``bid_hash``: the run, so each row can be
  replayed (``seed`` as text: it may be a 128-bit number).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bpv._utils.frames import records_frame

__all__ = ["FRAME_COLUMNS", "METRIC_UNITS", "PROBABILITY", "LongTable", "appraisal_rows",
           "run_columns", "stat_rows", "unit_of"]

#: The columns of a long-form table of results, in order.
FRAME_COLUMNS = ("bid", "scope", "metric", "unit", "statistic", "value", "seed", "draws",
                 "method", "bid_hash")

#: The unit of each metric (design/metrics.md): present values in pounds, ratios,
#: payback as a period index (years from the start), QALYs.
METRIC_UNITS: dict[str, str] = {
    "npv": "GBP", "roi": "ratio", "bcr": "ratio", "cash_roi": "ratio", "payback": "years",
    "cost_pv": "GBP", "benefit_pv": "GBP", "cash_releasing_pv": "GBP", "qalys": "QALY",
    "nmb": "GBP", "income_pv": "GBP", "net_cost": "GBP",
}

#: The statistic (and unit) of the rows holding P(metric > 0), exact over every draw.
PROBABILITY = "p_above_zero"


def unit_of(metric: str) -> str | None:
    """Return the unit of a metric or quantity (``nmb@20000`` is GBP); None if not known.

    Examples
    --------
    >>> unit_of("npv"), unit_of("nmb@20000"), unit_of("admissions_avoided")
    ('GBP', 'GBP', None)
    """
    return METRIC_UNITS.get(metric.split("@", 1)[0])


def run_columns(*, entropy: Any, n_draws: int | None, method: str | None,
                bid_hash: str | None) -> dict[str, Any]:
    """Return the run's columns of a row: seed (as text), draws, method and bid hash.

    Examples
    --------
    >>> run_columns(entropy=12, n_draws=1_000, method="mc", bid_hash="ab")
    {'seed': '12', 'draws': 1000, 'method': 'mc', 'bid_hash': 'ab'}
    """
    return {"seed": None if entropy is None else str(entropy), "draws": n_draws,
            "method": method, "bid_hash": bid_hash}


def stat_rows(*, bid: str | None, scope: str, metric: str, unit: str | None,
              stats: Mapping[str, Any], run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return a row of :data:`FRAME_COLUMNS` for each numeric statistic of ``stats``.

    A value that is not a number (a constraint's kind, a list) is left out;
    True and False are 1.0 and 0.0; a number that is not finite, or None, is
    a missing value (None).

    Parameters
    ----------
    bid, scope, metric, unit : str or None
        The row's identity: whose number, for whom, of what, in what unit.
    stats : mapping of str to value
        Statistic name to value, each a row.
    run : mapping
        :func:`run_columns` of the run.

    Examples
    --------
    >>> run = run_columns(entropy=1, n_draws=10, method="mc", bid_hash=None)
    >>> rows = stat_rows(bid="b", scope="system", metric="npv", unit="GBP",
    ...                  stats={"mean": 2.0, "sd": float("nan"), "kind": "budget"}, run=run)
    >>> [(row["statistic"], row["value"]) for row in rows]
    [('mean', 2.0), ('sd', None)]
    """
    rows = []
    for statistic, value in stats.items():
        if value is not None and not isinstance(value, int | float):
            continue
        number = None if value is None else float(value)
        if number is not None and not math.isfinite(number):
            number = None
        rows.append({"bid": bid, "scope": scope, "metric": metric, "unit": unit,
                     "statistic": statistic, "value": number, **run})
    return rows


class LongTable:
    """What gives a result its tidy table: ``to_frame()`` from the result's ``long_rows()``.

    A result defines :meth:`long_rows` (its numbers as rows of
    :data:`FRAME_COLUMNS`, read off its ``to_dict()`` with :func:`stat_rows`);
    ``to_frame()`` is the same for every result.
    """

    def long_rows(self) -> list[dict[str, Any]]:
        """Return the result's numbers as rows of :data:`FRAME_COLUMNS`."""
        raise NotImplementedError

    def to_frame(self) -> Any:
        """Return the result as a long pandas DataFrame: one number a row.

        Columns, in order: bid, scope (``'system'`` or an organisation id),
        metric, unit, statistic, value, seed, draws, method, bid_hash (see
        :mod:`bpv.engine.long_form`). Needs pandas (``pip install
        'bpv[tables]'``), imported only here.
        """
        return records_frame(self.long_rows(), FRAME_COLUMNS)


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
    run = run_columns(entropy=provenance["entropy"], n_draws=provenance["n_draws"],
                      method=provenance["method"], bid_hash=provenance["bid_hash"])
    bid = record["bid"]
    rows: list[dict[str, Any]] = []
    for metric, stats in record["metrics"].items():
        rows += stat_rows(bid=bid, scope="system", metric=metric, unit=unit_of(metric),
                          stats=stats, run=run)
    for text, value in record["probabilities"].items():
        rows += stat_rows(bid=bid, scope="system", metric=text.split(" ", 1)[0],
                          unit="probability", stats={PROBABILITY: value}, run=run)
    for organisation, metrics in record["organisations"].items():
        for metric, stats in metrics.items():
            rows += stat_rows(bid=bid, scope=organisation, metric=metric, unit=unit_of(metric),
                              stats=stats, run=run)
    for node_id, node in record["metric_nodes"].items():
        rows += stat_rows(bid=bid, scope="system", metric=node_id, unit=node["unit"],
                          stats=node["total"], run=run)
    return rows
