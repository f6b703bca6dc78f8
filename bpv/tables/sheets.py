"""A result as the sheets of a workbook: plain rows and columns, with their number formats.

A :class:`Sheet` is a name, its columns in order, its rows (tuples) and
how its numbers read: a format per column, or per row by the row's unit
(``GBP`` as money, ``probability`` as a percentage). It holds no library
object, so the workbook writer (:mod:`bpv.tables.workbook`) lays out any
sheet alike, and a test reads a sheet back and compares it with these rows.

:func:`appraisal_sheets` gives an appraisal's workbook: the summary, the
organisations, the metric nodes by year, the hypotheses register (when the
bid is given) and the settings and provenance, then every number in long
form. :func:`batch_sheets` gives a batch's: a row a bid, the problems, the
organisations and metric nodes of every bid, the hypotheses registers, the
settings, and the long form. Other results' sheets are in
:mod:`bpv.tables.result_sheets`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bpv._version import __version__
from bpv.batch.result import PROBLEM_COLUMNS, SUMMARY_COLUMNS, Batch
from bpv.engine.long_form import FRAME_COLUMNS, LongTable, unit_of
from bpv.engine.results import Appraisal
from bpv.spec.bid import Bid

__all__ = ["MONEY", "PERCENT", "VALUE_COLUMNS", "Sheet", "appraisal_sheets", "batch_sheets",
           "long_sheet", "register_rows", "settings_rows", "unit_format"]

#: Money: whole pounds with thousands separators, the sign before the pound.
MONEY = "£#,##0;-£#,##0"
#: A probability or a share, as a percentage.
PERCENT = "0.0%"
#: Formats by unit, for sheets whose rows carry a unit.
UNIT_FORMATS: Mapping[str, str] = {
    "GBP": MONEY, "probability": PERCENT, "share": PERCENT, "ratio": "0.00",
    "correlation": "0.00", "QALY": "#,##0.0", "years": "0.0", "count": "#,##0",
    "percent": "0.0",
}
#: A number in a unit bpv does not know (a metric node's own, such as admissions).
PLAIN = "#,##0.0"
#: Columns that are counts whatever the row's unit.
COUNTS = ("n_finite", "draws", "line", "version", "sobol_n")

#: Statistics of a summary, in the order the sheets show them.
STATISTICS = ("mean", "sd", "p5", "median", "p95", "mcse", "n_finite")


def unit_format(unit: str | None) -> str:
    """Return the number format of a number in ``unit``.

    Examples
    --------
    >>> unit_format("GBP"), unit_format("probability"), unit_format("admissions")
    ('£#,##0;-£#,##0', '0.0%', '#,##0.0')
    """
    return UNIT_FORMATS.get(unit or "", PLAIN)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a header row, then rows of values.

    Attributes
    ----------
    name : str
        At most 31 characters (Excel's limit).
    columns : tuple of str
        The header row, in order.
    rows : list of tuple
        Values in column order: str, int, float, bool or None (an empty cell).
    formats : dict of str to str
        Number format by column; it wins over the row's unit.
    unit_column : str or None
        A column whose value gives each row's number format
        (:func:`unit_format`) for the numeric columns without one of their own.
    """

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    formats: Mapping[str, str] = field(default_factory=dict)
    unit_column: str | None = None

    def number_formats(self) -> list[list[str | None]]:
        """Return each cell's number format, row by row (None: text, or Excel's default)."""
        unit_at = None if self.unit_column is None else self.columns.index(self.unit_column)
        fixed = [self.formats.get(column) or ("#,##0" if column in COUNTS else None)
                 for column in self.columns]
        out = []
        for row in self.rows:
            default = PLAIN if unit_at is None else unit_format(row[unit_at])
            out.append([fixed[i] or (default if isinstance(value, int | float)
                                     and not isinstance(value, bool) else None)
                        for i, value in enumerate(row)])
        return out


#: The columns of a workbook's Values sheet: the long form without the run's seed, draws
#: and method, which are one run's in a workbook and stand in its Settings (a batch's, in
#: its Summary too). A cell less a row makes a large batch's workbook quicker to write.
VALUE_COLUMNS = tuple(column for column in FRAME_COLUMNS
                      if column not in ("seed", "draws", "method"))


def long_sheet(result: LongTable, name: str = "Values") -> Sheet:
    """Return every number of a result in long form (:data:`VALUE_COLUMNS`), one a row."""
    rows = [tuple(row[column] for column in VALUE_COLUMNS) for row in result.long_rows()]
    return Sheet(name, VALUE_COLUMNS, rows, unit_column="unit")


def _stat_cells(stats: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(stats.get(statistic) for statistic in STATISTICS)


def _summary_rows(record: Mapping[str, Any], bid: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    rows = [(*bid, metric, unit_of(metric), *_stat_cells(stats))
            for metric, stats in record["metrics"].items()]
    rows += [(*bid, f"P({text})", "probability", value, *([None] * (len(STATISTICS) - 1)))
             for text, value in record["probabilities"].items()]
    return rows


def _organisation_rows(record: Mapping[str, Any], bid: tuple[str, ...] = ()
                       ) -> list[tuple[Any, ...]]:
    return [(*bid, organisation, metric, unit_of(metric), *_stat_cells(stats))
            for organisation, metrics in record["organisations"].items()
            for metric, stats in metrics.items()]


def _node_rows(record: Mapping[str, Any], periods: Sequence[str], bid: tuple[str, ...] = ()
               ) -> list[tuple[Any, ...]]:
    rows = []
    for node_id, node in record["metric_nodes"].items():
        by_year = dict(zip(node["periods"], range(len(node["periods"])), strict=True))
        for statistic, values in node["by_period"].items():
            if statistic == "n_finite":
                continue
            cells = [values[by_year[period]] if period in by_year else None
                     for period in periods]
            rows.append((*bid, node_id, node["unit"], statistic, node["total"][statistic],
                         *cells))
    return rows


def _periods(records: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        for node in record["metric_nodes"].values():
            seen |= dict.fromkeys(node["periods"])
    return sorted(seen)


def register_rows(bid: Bid) -> list[tuple[Any, ...]]:
    """Return the hypotheses register of a bid: a row a parameter, hypotheses first.

    Columns: ``REGISTER_COLUMNS``.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> rows = register_rows(bid)
    >>> len(rows) == len(bid.parameters), rows[0][1]
    (True, True)
    """
    items = sorted(bid.parameters.items(), key=lambda item: not item[1].is_hypothesis)
    return [(name, parameter.is_hypothesis,
             parameter.hypothesis or parameter.description or "", parameter.supports or "",
             parameter.unit or "", parameter.distribution.describe(), parameter.evidence or "",
             parameter.sms, parameter.source or "", parameter.owner or "")
            for name, parameter in items]


#: The columns of the hypotheses register.
REGISTER_COLUMNS = ("parameter", "hypothesis", "statement", "supports", "unit", "distribution",
                    "evidence", "sms", "source", "owner")


def settings_rows(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten settings to (key, value) rows: nested keys dotted, lists as text.

    Examples
    --------
    >>> settings_rows({"seed": 1, "run": {"draws": 10, "factors": [1.0, 0.5]}})
    [('seed', 1), ('run.draws', 10), ('run.factors', '1.0, 0.5')]
    """
    rows: list[tuple[str, Any]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += settings_rows(value, f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(str(item) for item in value)))
        elif value is None or isinstance(value, str | int | float | bool):
            rows.append((name, value))
        else:
            rows.append((name, str(value)))
    return rows


def _settings_sheet(values: Mapping[str, Any]) -> Sheet:
    rows = [(key, value if not isinstance(value, int) or abs(value) < 2**53 else str(value))
            for key, value in settings_rows(values)]
    return Sheet("Settings", ("setting", "value"), rows, formats={"value": "General"})


def _bid_settings(bid: Bid) -> dict[str, Any]:
    return {"title": bid.title, "settings": bid.settings.model_dump(mode="json")}


_SUMMARY = ("metric", "unit", *STATISTICS)
_ORGANISATIONS = ("organisation", "metric", "unit", *STATISTICS)
_NODES = ("node", "unit", "statistic", "total")


def appraisal_sheets(result: Appraisal, *, bid: Bid | None = None) -> list[Sheet]:
    """Return an appraisal's workbook, sheet by sheet.

    The sheets: Summary, Organisations, Metric nodes by year, Hypotheses
    register (with ``bid``), Settings, Values. Every number is
    :meth:`bpv.Appraisal.to_dict`'s: the summary's statistics of each system
    metric and P(NPV > 0), P(NMB > 0) (in the ``mean`` column); each
    organisation's; each metric node's total and value by year (a column a
    year); the settings and provenance, flattened; and the long form
    (:meth:`bpv.Appraisal.to_frame`).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> sheets = appraisal_sheets(bpv.appraise(bid, n_draws=1_000, rng=1), bid=bid)
    >>> [sheet.name for sheet in sheets][2:]
    ['Metric nodes by year', 'Hypotheses register', 'Settings', 'Values']
    """
    record = result.to_dict()
    periods = _periods([record])
    sheets = [
        Sheet("Summary", _SUMMARY, _summary_rows(record), unit_column="unit"),
        Sheet("Organisations", _ORGANISATIONS, _organisation_rows(record), unit_column="unit"),
        Sheet("Metric nodes by year", (*_NODES, *periods), _node_rows(record, periods),
              unit_column="unit"),
    ]
    if bid is not None:
        sheets.append(Sheet("Hypotheses register", REGISTER_COLUMNS, register_rows(bid)))
    settings = {"bid": record["bid"], **(_bid_settings(bid) if bid is not None else {}),
                "provenance": record["provenance"]}
    sheets += [_settings_sheet(settings), long_sheet(result)]
    return sheets


#: Number formats of a batch's summary columns.
SUMMARY_FORMATS: Mapping[str, str] = {
    **dict.fromkeys(("mean_npv", "mcse_npv", "p5_npv", "p95_npv", "mean_cost_pv",
                     "mean_benefit_pv", "mean_nmb"), MONEY),
    "p_npv_positive": PERCENT, "p_nmb_positive": PERCENT, "mean_qalys": "#,##0.0",
    "mean_roi": "0.00", "draws": "#,##0",
}


def batch_sheets(batch: Batch, *, bids: Mapping[str, Bid] | None = None) -> list[Sheet]:
    """Return a batch's workbook, sheet by sheet.

    The sheets: Summary (a row a bid), Problems (the inputs not appraised,
    each problem located), Organisations, Metric nodes by year, Hypotheses
    register (of the bids in ``bids``), Settings, Values (the long form).

    Examples
    --------
    >>> import bpv
    >>> batch = bpv.appraise_many(["examples/bids/frailty_virtual_ward.yaml"], n_draws=1_000,
    ...                           rng=1, progress=False)
    >>> sheets = batch_sheets(batch)
    >>> [sheet.name for sheet in sheets][:2], len(sheets[0].rows)
    (['Summary', 'Problems'], 1)
    """
    records = batch.records
    periods = _periods(records.values())
    summary = batch.summary().rows
    sheets = [
        Sheet("Summary", SUMMARY_COLUMNS,
              [tuple(row[column] for column in SUMMARY_COLUMNS) for row in summary],
              formats=SUMMARY_FORMATS),
        Sheet("Problems", PROBLEM_COLUMNS,
              [(p.source, p.line, p.location, p.message) for p in batch.problems]),
        Sheet("Organisations", ("bid", *_ORGANISATIONS),
              [row for bid, record in records.items()
               for row in _organisation_rows(record, (bid,))], unit_column="unit"),
        Sheet("Metric nodes by year", ("bid", *_NODES, *periods),
              [row for bid, record in records.items()
               for row in _node_rows(record, periods, (bid,))], unit_column="unit"),
    ]
    if bids:
        sheets.append(Sheet("Hypotheses register", ("bid", *REGISTER_COLUMNS),
                            [(bid_id, *row) for bid_id, bid in bids.items()
                             for row in register_rows(bid)]))
    settings = {"bids appraised": len(records), "problems": len(batch.problems),
                "n_draws": batch.n_draws, "method": batch.method, "kernel": batch.kernel,
                "entropy": str(batch.entropy), "spawn_key": list(batch.spawn_key),
                "bpv_version": __version__}
    sheets += [_settings_sheet(settings), long_sheet(batch)]
    return sheets
