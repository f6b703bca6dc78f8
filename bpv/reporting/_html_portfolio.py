"""The portfolio section of the comparison report: the chosen set, slacks, prices, frontiers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bpv import plot
from bpv._utils.formatting import format_number, format_percent, format_value
from bpv.programme.result import Portfolio
from bpv.reporting._html import Figure, in_pounds

__all__ = ["portfolio_context", "portfolio_figures"]


def portfolio_context(portfolio: Portfolio) -> dict[str, Any]:
    """Return what the template's portfolio section shows, as text ready to print."""
    objective = portfolio.objective.upper()
    return {
        "objective": objective,
        "summary": (f"{len(portfolio.chosen)} of {len(portfolio.bids)} bids chosen on "
                    f"{portfolio.n_draws:,} shared draws, maximising "
                    f"expected system {objective}: {_money(portfolio.expected_value)} (Monte "
                    f"Carlo error {_money(portfolio.mcse)}); CVaR{portfolio.alpha:g} of NPV "
                    f"{_money(portfolio.cvar)}; P(NPV < 0) "
                    f"{format_percent(portfolio.probability_of_loss)}."),
        "bids": [{"id": bid, "chosen": bid in portfolio.chosen,
                  "value": _money(portfolio.bid_values[bid]),
                  "bootstrap": (format_percent(portfolio.bootstrap[bid], 0)
                                if bid in portfolio.bootstrap
                                and math.isfinite(portfolio.bootstrap[bid]) else "–")}
                 for bid in portfolio.bids],
        "constraints": [{"name": name, "kind": entry["kind"], "bound": _amount(entry, "bound"),
                         "value": _amount(entry, "value"), "slack": _amount(entry, "slack"),
                         "binding": name in portfolio.binding}
                        for name, entry in portfolio.slacks.items()],
        "shadow_values": [{"budget": s.budget, "step": _money(s.step),
                           "value": f"{s.value_per_pound:.2f}"} for s in portfolio.shadow_values],
        "resamples": portfolio.n_bootstrap,
    }


def portfolio_figures(portfolio: Portfolio) -> list[Figure]:
    """Return the section's figures: the chosen set, and each frontier that was traced."""
    figures = [Figure(
        section="portfolio", title="The chosen set",
        caption=(f"Each bid's expected system {portfolio.objective.upper()} on its own; the "
                 "chosen bids in blue, with the share of bootstrap resamples of the draws in "
                 "which each is chosen."),
        draw=lambda ax: in_pounds(plot.portfolio(portfolio, ax=ax)),
        size=(7.5, 0.45 * len(portfolio.bids) + 1.2))]
    if portfolio.budget_frontier:
        figures.append(Figure(
            section="portfolio", title="Value against budget",
            caption="The best expected value with every budget scaled alike (1 is as given); "
                    "the star is the chosen portfolio.",
            draw=lambda ax: in_pounds(plot.frontier(portfolio, ax=ax), axis="y")))
    if portfolio.risk_frontier:
        figures.append(Figure(
            section="portfolio", title="Value against risk",
            caption=f"The best expected value as the floor on CVaR{portfolio.alpha:g} of the "
                    "portfolio's NPV rises; the star is the chosen portfolio.",
            draw=lambda ax: in_pounds(in_pounds(plot.frontier(portfolio, "risk", ax=ax)),
                                      axis="y")))
    return figures


def _money(value: float) -> str:
    """Pounds in full for the report: ``£1,234,567``."""
    return format_value(value, "money") if math.isfinite(value) else "-"


def _amount(entry: Mapping[str, Any], key: str) -> str:
    value = entry[key]
    if entry["unit"] == "draws" and key != "bound":
        return f"{value:,.0f} draws"
    if entry["unit"] in ("GBP", "draws"):
        return _money(value)
    if entry["unit"] == "bids":
        return f"{value:g}"
    return f"{format_number(value, 'plain')} {entry['unit']}"
