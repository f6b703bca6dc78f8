"""The appraisal report's view of a bid's assumptions under test: correlations and scenarios.

:func:`correlation_rows` lists the correlations a bid declares between its
parameters (as the engine uses them: after any repair to the nearest valid
matrix); :func:`scenario_rows` lays out a :class:`~bpv.ScenarioTable` of the same
bid — each stress test's headline metrics and their change from the base case,
draw by draw on the same draws, with its Monte Carlo standard error.
:func:`check_scenarios_of` makes sure the table is of the bid reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bpv._utils.formatting import Form, format_probability, format_value
from bpv.analysis.scenario_table import BASE, ScenarioTable
from bpv.engine.monte_carlo import bid_hash
from bpv.errors import SpecError
from bpv.reporting._html import Cell
from bpv.spec.bid import Bid

__all__ = ["check_scenarios_of", "correlation_rows", "scenario_rows"]


def correlation_rows(bid: Bid) -> list[dict[str, Any]]:
    """Return each correlated pair of the bid's parameters with its ρ, strongest first.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> correlation_rows(bid)
    []
    """
    if bid.correlations is None:
        return []
    names, matrix = bid.correlations.to_matrix()
    stated = {frozenset(pair.between): pair.rho for pair in bid.correlations.pairs or ()}
    rows = []
    for i, first in enumerate(names):
        for j in range(i + 1, len(names)):
            rho = float(matrix[i, j])
            if rho == 0.0:
                continue
            second = names[j]
            given = stated.get(frozenset((first, second)))
            repaired = bid.correlations.repair and (given is None or abs(given - rho) > 5e-4)
            rows.append({"first": first, "second": second,
                         "rho": Cell(text=f"{rho:+.2f}".replace("-", "−"), value=rho),
                         "note": "after repair to the nearest valid matrix" if repaired else ""})
    return sorted(rows, key=lambda row: -abs(row["rho"].value))


def check_scenarios_of(scenarios: ScenarioTable, bid: Bid) -> None:
    """Refuse a scenario table that is not of ``bid`` (by id and hash)."""
    base = scenarios.appraisals.get(BASE)
    if scenarios.bid_id != bid.id or (base is not None and base.bid_hash
                                      and base.bid_hash != bid_hash(bid)):
        msg = (f"The 'scenarios' parameter of report must be a ScenarioTable of the bid reported "
               f"('{bid.id}'), from bpv.scenarios(bid, ...); it is of '{scenarios.bid_id}'"
               + ("" if scenarios.bid_id != bid.id else " as another version of the file")
               + ".")
        raise SpecError(msg)


def scenario_rows(scenarios: ScenarioTable) -> list[dict[str, Any]]:
    """Rows of the stress-test table: NPV, P(NPV > 0), QALYs and NMB with their changes."""
    rows = []
    for name in scenarios.names:
        stats = scenarios.rows[name]
        npv, positive = stats["npv"], stats["P(npv > 0)"]
        row: dict[str, Any] = {
            "name": name, "base": name == BASE,
            "description": scenarios.descriptions.get(name) or "",
            "changes": list(scenarios.changes.get(name, ())),
            "npv": Cell(text=format_value(npv["mean"], "money"), value=npv["mean"]),
            "probability": Cell(text=format_probability(positive["mean"]),
                                value=positive["mean"]),
            "qalys": Cell(text=format_value(stats["qalys"]["mean"], "quantity"),
                          value=stats["qalys"]["mean"]),
        }
        if name != BASE:
            row["npv_change"] = _change(npv["change"], npv["change_mcse"], "money")
            row["probability_change"] = Cell(
                text=(f"{100 * positive['change']:+.1f} pp ± "
                      f"{100 * positive['change_mcse']:.1f}").replace("-", "−"),
                value=positive["change"])
            row["qalys_change"] = _change(stats["qalys"]["change"],
                                          stats["qalys"]["change_mcse"], "quantity")
        rows.append(row)
    return rows


def _change(change: float, mcse: float, form: Form) -> Cell:
    sign = "+" if change > 0 else ""
    spread = format_value(mcse, form) if np.isfinite(mcse) else "—"
    return Cell(text=f"{sign}{format_value(change, form)} ± {spread}", value=change)
