"""The register's delivery status (``bpv track status``) as a result with tables.

The register returns each bid's latest status snapshot as plain data
(:meth:`bpv.Register.status`); :class:`DeliveryStatus` holds them so that
``bpv track status`` writes CSV, Excel and Parquet as every other command
does: the long form is each bid's summary by series
(:func:`bpv.tracking.result.series_rows`), its RAG counts and, when it was
re-forecast, the metrics and probabilities before and after.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bpv._utils.formatting import json_safe
from bpv._utils.versions import stamped
from bpv.engine.long_form import LongTable, run_columns, stat_rows, unit_of
from bpv.tables.sheets import MONEY, PERCENT, Sheet
from bpv.tracking.result import series_rows

__all__ = ["STATUS_COLUMNS", "DeliveryStatus", "status_sheets"]

#: The columns of the status workbook's summary: a row a bid.
STATUS_COLUMNS = ("bid", "as_at", "reporting_date", "bid_version", "green", "amber", "red",
                  "npv_plan", "npv_reforecast", "p_npv_positive_plan", "p_npv_positive_now",
                  "reforecast_method", "failing")


@dataclass(frozen=True)
class DeliveryStatus(LongTable):
    """Each bid's latest status snapshot in a register, as at a date.

    Attributes
    ----------
    register : str
        The register's name.
    as_at : str or None
        The date asked for (None: now).
    bids : tuple of dict
        Each bid's snapshot, as :meth:`bpv.Register.status` returns it.
    """

    register: str
    as_at: str | None
    bids: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return what ``bpv track status --json`` prints: register, as_at and the snapshots."""
        return stamped("track-status", {"register": self.register, "as_at": self.as_at,
                                        "bids": list(self.bids)})

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def long_rows(self) -> list[dict[str, Any]]:
        """Return each bid's status in long form (the run's columns hold the re-forecast method).

        Per bid: its summary by series (as ``Tracking.to_frame()``), its RAG
        counts (metric ``rag``, unit ``count``) and, when re-forecast, each
        headline metric's ``prior_mean`` and ``posterior_mean`` and each
        probability's ``prior`` and ``posterior``.
        """
        rows: list[dict[str, Any]] = []
        for payload in self.bids:
            bid = payload.get("bid", "")
            forecast = payload.get("reforecast") or {}
            run = run_columns(entropy=None, n_draws=None, method=forecast.get("method"),
                              bid_hash=None)
            rows += series_rows(bid, payload.get("summary", {}), run)
            rows += stat_rows(bid=bid, scope="system", metric="rag", unit="count",
                              stats=payload.get("counts", {}), run=run)
            for metric, values in forecast.get("metrics", {}).items():
                rows += stat_rows(bid=bid, scope="system", metric=metric, unit=unit_of(metric),
                                  stats={"prior_mean": values.get("prior"),
                                         "posterior_mean": values.get("posterior")}, run=run)
            for label, values in forecast.get("probabilities", {}).items():
                rows += stat_rows(bid=bid, scope="system", metric=label, unit="probability",
                                  stats=values, run=run)
        return rows


def status_sheets(status: DeliveryStatus) -> list[Sheet]:
    """Return the status workbook: Summary (a row a bid), Status (every actual), Settings."""
    summary = []
    actuals = []
    columns = ("series", "period", "unit", "actual", "plan_p50", "cumulative_actual",
               "cumulative_plan", "rag", "p_meets_target")
    for payload in status.bids:
        counts = payload.get("counts", {})
        forecast = payload.get("reforecast") or {}
        npv = forecast.get("metrics", {}).get("npv", {})
        chance = forecast.get("probabilities", {}).get("P(npv > 0)", {})
        summary.append((payload.get("bid"), payload.get("as_at"), payload.get("reporting_date"),
                        payload.get("bid_version"), counts.get("green"), counts.get("amber"),
                        counts.get("red"), npv.get("prior"), npv.get("posterior"),
                        chance.get("prior"), chance.get("posterior"), forecast.get("method"),
                        ", ".join(forecast.get("failing", []))))
        actuals += [(payload.get("bid"), *(row.get(column) for column in columns))
                    for row in payload.get("status", {}).get("rows", [])]
    return [
        Sheet("Summary", STATUS_COLUMNS, summary,
              formats={"npv_plan": MONEY, "npv_reforecast": MONEY,
                       "p_npv_positive_plan": PERCENT, "p_npv_positive_now": PERCENT,
                       "green": "#,##0", "amber": "#,##0", "red": "#,##0"}),
        Sheet("Status", ("bid", *columns), actuals, formats={"p_meets_target": PERCENT},
              unit_column="unit"),
        Sheet("Settings", ("setting", "value"),
              [("register", status.register), ("as_at", status.as_at or "now")]),
    ]
