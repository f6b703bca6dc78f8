"""A plain-text sensitivity report a reviewer can read in a terminal."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bpv.analysis.sensitivity import Sensitivity

__all__ = ["sensitivity_text"]


def sensitivity_text(result: Sensitivity) -> str:
    """Return the sensitivity of one metric as text: tornado, correlations, Sobol', EVPPI.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> text = str(bpv.sensitivity(bid, n_draws=5_000, rng=1, sobol_n=None))
    >>> "switching value" in text and "ward.delivered" in text
    True
    """
    scope = f"organisation '{result.organisation}'" if result.organisation else "system"
    lines = [
        f"Sensitivity of {result.metric} ({scope}), bid {result.bid_id}",
        f"{result.n_draws:,} draws: mean {_num(result.mean)}, P({result.metric} > 0) = "
        f"{result.probability_positive:.1%}; at centre values {_num(result.centre)}; "
        f"EVPI {_num(result.evpi)}",
        "",
    ]
    sobol = result.sobol_n is not None
    header = ["input", "role", "at p10", "at p90", "swing", "rank r", "PRCC"]
    if sobol:
        header += ["Sobol S1", "Sobol ST"]
    header += ["EVPPI", "switching value"]
    rows = []
    for item in result.inputs:
        row = [item.input, item.role, _num(item.tornado.at_low), _num(item.tornado.at_high),
               _num(item.tornado.swing), _num(item.spearman, 2), _num(item.prcc, 2)]
        if sobol:
            row += ["-" if item.sobol is None else _interval(item.sobol.first,
                                                            item.sobol.first_interval),
                    "-" if item.sobol is None else _interval(item.sobol.total,
                                                            item.sobol.total_interval)]
        row += [_num(item.evppi), "-" if item.switching is None else item.switching.describe()]
        rows.append(row)
    lines += _table(header, rows)
    lines += ["", f"Groups (by {result.group_by}): value of learning each group together"]
    lines += _table(["group", "inputs", "EVPPI", "variance share"],
                    [[group.name, ", ".join(group.inputs), _num(group.evppi),
                      f"{group.variance_share:.1%}"] for group in result.groups])
    notes = result.conventions
    if sobol:
        notes += (f" Sobol' indices from {result.sobol_n:,} × (inputs + 2) evaluations, with "
                  "95% percentile-bootstrap intervals; inputs taken as independent.")
    lines += ["", _wrap(notes)]
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    def line(cells: list[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        return "  ".join([first, *(f"{cell:>{width}}" for cell, width
                                   in zip(cells[1:], widths[1:], strict=True))]).rstrip()
    return [line(header), *(line(row) for row in rows)]


def _num(value: float, digits: int | None = None) -> str:
    if not math.isfinite(value):
        return "-"
    if digits is not None:
        return f"{value:.{digits}f}"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.2e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _interval(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _wrap(text: str, width: int = 88) -> str:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "\n".join([*lines, current])
