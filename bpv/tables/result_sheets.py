"""The sheets of a comparison, sensitivity, scenario table, portfolio, tracking or re-forecast.

Each result's workbook is its summary (the numbers its text shows, one row a
row of ``summary()``), the tables it has besides (a portfolio's
constraints and frontiers, a tracking's status by period, a re-forecast's
hypotheses), its settings, and every number in long form (``to_frame()``).
An appraisal's and a batch's are in :mod:`bpv.tables.sheets`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bpv.analysis.comparison import Comparison
from bpv.analysis.scenario_table import ScenarioTable
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.engine.long_form import LongTable, unit_of
from bpv.engine.results import Summary
from bpv.programme.result import Portfolio
from bpv.tables.sheets import MONEY, PERCENT, Sheet, long_sheet, settings_rows, unit_format
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.result import Tracking

__all__ = ["result_sheets"]

UnitOf = Callable[[str], str | None]


def summary_sheet(summary: Summary, *, first: str, unit: UnitOf | None = None,
                  formats: Mapping[str, str] | None = None, name: str = "Summary") -> Sheet:
    """Return a :class:`~bpv.engine.results.Summary` as a sheet: a row a row, a column a statistic.

    With ``unit``, a ``unit`` column (the unit of each row, from its name)
    gives the row's number format.
    """
    columns: dict[str, None] = {}
    for stats in summary.rows.values():
        columns |= dict.fromkeys(stats)
    head = (first, "unit") if unit is not None else (first,)
    rows = [(label, *((unit(label),) if unit is not None else ()),
             *(stats.get(column) for column in columns))
            for label, stats in summary.rows.items()]
    return Sheet(name, (*head, *columns), rows, formats=dict(formats or {}),
                 unit_column="unit" if unit is not None else None)


def _after_colon(label: str) -> str:
    return label.rsplit(": ", 1)[-1]


def _comparison(result: Comparison) -> list[Sheet]:
    def unit(label: str) -> str | None:
        return unit_of(_after_colon(label).lstrip("Δ"))

    frontier = [(row.option, row.cost, row.effect, row.status, row.compared_with, row.icer)
                for row in result.frontier()]
    return [summary_sheet(result.summary(), first="option: increment", unit=unit),
            Sheet("Frontier", ("option", "net_cost", "qalys", "status", "compared_with",
                               "icer"), frontier,
                  formats={"net_cost": MONEY, "qalys": "#,##0.0", "icer": MONEY})]


def _sensitivity(result: Sensitivity) -> list[Sheet]:
    value = unit_format(unit_of(result.metric))
    formats = {**dict.fromkeys(("at_low", "at_high", "swing", "evppi"), value),
               "spearman": "0.00", "prcc": "0.00",
               **dict.fromkeys(("variance_share", "sobol_first", "sobol_total"), PERCENT)}
    return [summary_sheet(result.summary(), first="input", formats=formats)]


def _scenarios(result: ScenarioTable) -> list[Sheet]:
    def unit(label: str) -> str | None:
        metric = _after_colon(label)
        return "probability" if metric.startswith("P(") else unit_of(metric)

    return [summary_sheet(result.summary(), first="scenario: metric", unit=unit)]


def _portfolio(result: Portfolio) -> list[Sheet]:
    data = result.to_dict()
    constraints = [(name, entry.get("kind"), entry.get("sense"), entry.get("unit"),
                    entry.get("bound"), entry.get("value"), entry.get("slack"),
                    name in data["binding"])
                   for name, entry in data["constraints"].items()]
    frontier = [(kind, point["level"], point["scale"], point["value"], point["cvar"],
                 ", ".join(point["chosen"]))
                for kind, points in data["frontier"].items() for point in points]
    return [summary_sheet(result.summary(), first="bid",
                          formats={"chosen": "0", "expected_value": MONEY,
                                   "bootstrap_share": PERCENT}),
            Sheet("Constraints", ("constraint", "kind", "sense", "unit", "bound", "value",
                                  "slack", "binding"), constraints, unit_column="unit"),
            Sheet("Frontier", ("frontier", "level", "scale", "value", "cvar", "chosen"),
                  frontier, formats={"level": "#,##0.00", "scale": "0.00", "value": MONEY,
                                     "cvar": MONEY})]


def _tracking(result: Tracking) -> list[Sheet]:
    status = result.status().to_dict()
    columns = ("series", "period", "unit", "actual", "plan_p50", "cumulative_actual",
               "cumulative_plan", "rag", "p_meets_target")
    rows = [tuple(row.get(column) for column in columns) for row in status["rows"]]
    formats = {"actuals": "#,##0", "green": "#,##0", "amber": "#,##0", "red": "#,##0",
               "variance %": "0.0", "P(target)": PERCENT}
    return [summary_sheet(result.summary(), first="series", formats=formats),
            Sheet("Status", columns, rows, formats={"p_meets_target": PERCENT},
                  unit_column="unit")]


def _reforecast(result: Reforecast) -> list[Sheet]:
    data = result.to_dict()
    metrics = [(scope, metric, unit_of(metric), phases["prior"].get("mean"),
                phases["posterior"].get("mean"), phases["posterior"].get("p5"),
                phases["posterior"].get("p95"))
               for scope, by_metric in data["metrics"].items()
               for metric, phases in by_metric.items()]
    metrics += [("system", label, "probability", value["prior"], value["posterior"], None,
                 None) for label, value in data["probabilities"].items()]
    columns = ("name", "kind", "statement", "owner", "prior_mean", "prior_low", "prior_high",
               "posterior_mean", "posterior_low", "posterior_high", "shift", "failing")
    hypotheses = [tuple(update.get(column) for column in columns)
                  for update in data["hypotheses"]]
    return [Sheet("Summary", ("scope", "metric", "unit", "prior_mean", "posterior_mean",
                              "posterior_p5", "posterior_p95"), metrics, unit_column="unit"),
            Sheet("Hypotheses", columns, hypotheses, formats={"shift": "0.00"})]


_SHEETS: tuple[tuple[type, Callable[[Any], list[Sheet]]], ...] = (
    (Comparison, _comparison), (Sensitivity, _sensitivity), (ScenarioTable, _scenarios),
    (Portfolio, _portfolio), (Tracking, _tracking), (Reforecast, _reforecast))


def result_sheets(result: LongTable) -> list[Sheet]:
    """Return a result's workbook: its summary, its other tables, Settings and Values.

    Settings are the plain data's top-level settings (numbers and text, and
    the provenance); Values is every number in long form (``to_frame()``).

    Examples
    --------
    >>> import bpv
    >>> table = bpv.scenarios(bpv.load("examples/bids/pathology_network.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> [sheet.name for sheet in result_sheets(table)]
    ['Summary', 'Settings', 'Values']
    """
    for kind, sheets_of in _SHEETS:
        if isinstance(result, kind):
            sheets = sheets_of(result)
            break
    else:
        msg = f"no workbook for a {type(result).__name__}"
        raise TypeError(msg)
    data = result.to_dict()  # type: ignore[attr-defined]
    settings = {key: value for key, value in data.items()
                if key == "provenance" or isinstance(value, str | int | float | bool)
                or value is None}
    rows = [(key, value if not isinstance(value, int) or abs(value) < 2**53 else str(value))
            for key, value in settings_rows(settings)]
    return [*sheets, Sheet("Settings", ("setting", "value"), rows,
                           formats={"value": "General"}), long_sheet(result)]
