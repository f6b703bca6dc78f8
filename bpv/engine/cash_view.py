"""The cash view: undiscounted cash by year for the system or one organisation.

What a finance director asks of a bid before its present values: how much is
spent each year, how much cash it releases, what passes between organisations
and what is left. The engine keeps the parts of every scope's net cash flow by
period (:data:`~bpv.engine.ledger.CASH_PARTS`) for the same bounded subsample
of draws as the cash-flow fan chart; :class:`CashByYear` summarises them.

Rows (each by period, undiscounted, in pounds):

==================== =============================================================
``capital``          every ``cost`` node of the scope with ``cost_type: capital``
``revenue``          every ``cost`` node of the scope with ``cost_type: revenue``
``cash_releasing``   every ``cash_releasing`` node of the scope (cash-releasing
                     savings)
``income_received``  what the organisation receives from others in the period:
                     its ``income`` nodes' sum where positive (for the system,
                     every organisation's)
``income_paid``      what the organisation pays to others: minus its ``income``
                     nodes' sum where negative (for the system, every
                     organisation's)
``net``              ``cash_releasing + income_received - income_paid - capital
                     - revenue``; for the system transfers cancel (when they
                     balance), so ``cash_releasing - capital - revenue``
==================== =============================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_money, json_safe, text_table

__all__ = ["CASH_ROWS", "CashByYear", "cash_by_year", "cash_table"]

#: The rows of the cash view, in order, and how a table names them.
CASH_ROWS: Mapping[str, str] = {
    "capital": "capital spend",
    "revenue": "revenue spend",
    "cash_releasing": "cash-releasing savings",
    "income_received": "income received",
    "income_paid": "income paid",
    "net": "net cash",
}
_STATISTICS = ("mean", "p5", "p95")


@dataclass(frozen=True, kw_only=True)
class CashByYear:
    """Undiscounted cash by year of the system or one organisation: means and 90% intervals.

    Summaries come from the subsample of draws the appraisal keeps for its cash
    flows (at most 32,768, every draw of a smaller run).

    Attributes
    ----------
    scope : str
        ``'system'`` or an organisation id.
    periods : tuple of str
        Financial-year labels.
    rows : dict of str to dict of str to tuple of float
        ``rows[row][statistic]``: each of :data:`CASH_ROWS`, its ``mean``,
        ``p5`` and ``p95`` by period.
    totals : dict of str to dict of str to float
        ``totals[row][statistic]``: the same over the whole horizon.
    n_draws : int
        Draws summarised.
    n_represented : int
        Draws of the appraisal they stand for.
    """

    scope: str
    periods: tuple[str, ...]
    rows: Mapping[str, Mapping[str, tuple[float, ...]]]
    totals: Mapping[str, Mapping[str, float]]
    n_draws: int
    n_represented: int

    def mean(self, row: str) -> tuple[float, ...]:
        """Return a row's mean by period (``'capital'``, ``'net'``, ...)."""
        return tuple(self.rows[row]["mean"])

    def to_dict(self) -> dict[str, Any]:
        """Return the cash view as plain data: by period and in total, for every row."""
        data: dict[str, Any] = json_safe({
            "scope": self.scope, "periods": list(self.periods), "draws": self.n_draws,
            "undiscounted": True,
            "rows": {row: {**{stat: list(values) for stat, values in stats.items()},
                           "total": dict(self.totals[row])}
                     for row, stats in self.rows.items()},
        })
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(self.to_dict(), indent=indent)

    def lines(self, *, skip_zero: bool = False) -> list[tuple[str, list[str]]]:
        """Return each row's name and its means by period and in total, written as money.

        With ``skip_zero``, rows whose every mean rounds to £0 are left out (``net`` never).
        """
        found = []
        for row, name in CASH_ROWS.items():
            cells = [format_money(v) for v in (*self.mean(row), self.totals[row]["mean"])]
            if skip_zero and row != "net" and all(cell == "£0" for cell in cells):
                continue
            found.append((name, cells))
        return found

    def title(self) -> str:
        """Return the table's title: whose cash, undiscounted, over how many draws."""
        return (f"{self.scope}: cash by year, undiscounted (means of {self.n_draws:,} draws)")

    def __str__(self) -> str:
        header = ["", *self.periods, "total"]
        return "\n".join([self.title(), *text_table(header, [[name, *cells] for name, cells
                                                             in self.lines()])])

    def __repr__(self) -> str:
        return f"<CashByYear {self.scope!r}: {len(self.periods)} periods, {self.n_draws:,} draws>"

    def _repr_html_(self) -> str:
        """Return the means as an HTML table for notebooks, the same numbers as ``str()``."""
        right = ' style="text-align: right"'
        head = "".join(f"<th{right}>{escape(p)}</th>" for p in (*self.periods, "total"))
        body = "".join(f"<tr><th>{escape(name)}</th>"
                       + "".join(f"<td{right}>{escape(cell)}</td>" for cell in cells) + "</tr>"
                       for name, cells in self.lines())
        return (f"<table><caption>{escape(self.title())}</caption><thead><tr><th></th>{head}"
                f"</tr></thead><tbody>{body}</tbody></table>")


def cash_by_year(scope: str, periods: Sequence[str], parts: Mapping[str, NDArray[np.float64]],
                 incomes: Sequence[NDArray[np.float64]], *,
                 n_represented: int) -> CashByYear:
    """Summarise the parts of a scope's net cash flow into its cash view.

    Parameters
    ----------
    scope : str
    periods : sequence of str
    parts : mapping of str to ndarray of shape (n_draws, n_periods)
        The scope's ``capital``, ``revenue``, ``saving`` and ``income`` (see
        :data:`~bpv.engine.ledger.CASH_PARTS`), undiscounted.
    incomes : sequence of ndarray of shape (n_draws, n_periods)
        Whose income is split into received and paid: the organisation's own
        (its ``parts["income"]``), or every organisation's for the system.
    n_represented : int

    Examples
    --------
    >>> spend, saving = np.full((4, 2), 100.0), np.full((4, 2), 30.0)
    >>> income = np.array([[50.0, -20.0]] * 4)
    >>> view = cash_by_year("icb", ("2025/26", "2026/27"),
    ...                     {"capital": spend, "revenue": 0 * spend, "saving": saving,
    ...                      "income": income}, [income], n_represented=4)
    >>> view.mean("income_received"), view.mean("income_paid"), view.mean("net")
    ((50.0, 0.0), (0.0, 20.0), (-20.0, -90.0))
    """
    zero = np.zeros_like(parts["capital"])
    received = sum((np.maximum(income, 0.0) for income in incomes), zero)
    paid = sum((np.maximum(-income, 0.0) for income in incomes), zero)
    values = {"capital": parts["capital"], "revenue": parts["revenue"],
              "cash_releasing": parts["saving"], "income_received": received,
              "income_paid": paid,
              "net": parts["saving"] + parts["income"] - parts["capital"] - parts["revenue"]}
    rows, totals = {}, {}
    for row, by_period in values.items():
        rows[row] = _statistics(by_period)
        totals[row] = {stat: values[0] for stat, values
                       in _statistics(by_period.sum(axis=1, keepdims=True)).items()}
    return CashByYear(scope=scope, periods=tuple(periods), rows=rows, totals=totals,
                      n_draws=int(parts["capital"].shape[0]), n_represented=n_represented)


def _statistics(values: NDArray[np.float64]) -> dict[str, tuple[float, ...]]:
    """Mean, p5 and p95 of each column (a period), over the draws (rows)."""
    if values.shape[0] == 0:
        nan = tuple(float("nan") for _ in range(values.shape[1]))
        return dict.fromkeys(_STATISTICS, nan)
    low, high = np.quantile(values, [0.05, 0.95], axis=0)
    return {"mean": tuple(map(float, values.mean(axis=0))), "p5": tuple(map(float, low)),
            "p95": tuple(map(float, high))}


def cash_table(views: Sequence[tuple[str, CashByYear]]) -> list[str]:
    r"""Return the lines of one table of several cash views: each named, its non-zero rows.

    Examples
    --------
    >>> zero = np.zeros((3, 2))
    >>> view = cash_by_year("system", ("2025/26", "2026/27"),
    ...                     {"capital": zero, "revenue": np.full((3, 2), 420e3), "saving": zero,
    ...                      "income": zero}, [], n_represented=3)
    >>> print("\n".join(cash_table([("System", view)])))
                            2025/26   2026/27    total
    System  revenue spend     £420k     £420k    £840k
            net cash         −£420k    −£420k   −£840k
    """
    if not views:
        return []
    rows = []
    for name, view in views:
        for index, (row, cells) in enumerate(view.lines(skip_zero=True)):
            rows.append([name if index == 0 else "", row, *cells])
    header = ["", "", *views[0][1].periods, "total"]
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]
    return [("  ".join([f"{cells[0]:<{widths[0]}}", f"{cells[1]:<{widths[1]}}",
                        *(f"{cell:>{width + 1}}" for cell, width
                          in zip(cells[2:], widths[2:], strict=True))])).rstrip()
            for cells in (header, *rows)]
