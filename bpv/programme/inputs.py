"""From bids and a constraints file to the arrays of a portfolio problem.

Every bid is appraised with the same seed, so two bids that name a parameter
alike see the same draws of it (common random numbers, as in
:func:`bpv.compare`), and its flows are kept: a budget by year and by
capital or revenue reads the cost nodes' per-draw cash by period. Years are
financial years (2025 is 2025/26), so bids that start in different years
line up by year, and present values are discounted to the portfolio's
first year at each bid's own discount rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpv.discounting import discount_factors, resolve_rates
from bpv.engine.results import Appraisal
from bpv.errors import PortfolioError, did_you_mean
from bpv.programme.problem import CVaRRow, DrawRow, Problem, Row
from bpv.spec.bid import Bid
from bpv.spec.portfolio import Budget, PortfolioConstraints
from bpv.spec.resources import resource_by_year

__all__ = ["PortfolioInputs", "build_problem", "year_label"]

Matrix = NDArray[np.float64]


def year_label(year: int) -> str:
    """Return a financial year's label: ``2025`` is ``'2025/26'``.

    Examples
    --------
    >>> year_label(2029)
    '2029/30'
    """
    return f"{year}/{(year + 1) % 100:02d}"


@dataclass(frozen=True)
class PortfolioInputs:
    """Bids and their appraisals on common random numbers, and the per-draw amounts read off them.

    Attributes
    ----------
    bids : tuple of Bid
    appraisals : tuple of Appraisal
        With flows (``keep_flows=True``), all on the same draws.
    objective : {'npv', 'nmb'}
    threshold : float or None
        GBP per QALY for ``nmb``; None uses each bid's ``qaly_value``.
    """

    bids: tuple[Bid, ...]
    appraisals: tuple[Appraisal, ...]
    objective: str = "npv"
    threshold: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The bid ids, one a column."""
        return tuple(bid.id for bid in self.bids)

    @property
    def base_year(self) -> int:
        """The portfolio's first financial year, to which present values are discounted."""
        return min(bid.start_year for bid in self.bids)

    def npv(self) -> Matrix:
        """Per-draw system NPV of each bid, shape (n_draws, n_bids)."""
        return np.column_stack([np.asarray(a["npv"]) for a in self.appraisals])

    def values(self) -> Matrix:
        """Per-draw objective value of each bid: NPV, or NMB at the threshold."""
        if self.objective == "npv":
            return self.npv()
        if self.threshold is None:
            return np.column_stack([np.asarray(a["nmb"]) for a in self.appraisals])
        return np.column_stack([self.threshold * np.asarray(a["qalys"]) + np.asarray(a["npv"])
                                for a in self.appraisals])

    def organisation_npv(self, organisation: str) -> Matrix:
        """Per-draw NPV of one organisation in each bid (0 where a bid does not name it)."""
        n_draws = self.appraisals[0].n_draws
        return np.column_stack([
            np.asarray(a.organisation(organisation)["npv"]) if organisation in a.organisations
            else np.zeros(n_draws) for a in self.appraisals])

    def costs(self, budget: Budget) -> Matrix:
        """Per-draw cost of each bid that a budget counts, shape (n_draws, n_bids)."""
        columns = []
        for bid, appraisal in zip(self.bids, self.appraisals, strict=True):
            flows = appraisal.flows or {}
            by_period = np.zeros((appraisal.n_draws, bid.horizon))
            for node in bid.nodes:
                if node.measure == "cost" and budget.cost_type in ("all", node.cost_type):
                    by_period = by_period + flows[node.id]
            if budget.basis == "present_value":
                by_period = by_period * self._factors(bid)
            if budget.year is not None:
                t = budget.year - bid.start_year
                columns.append(by_period[:, t] if 0 <= t < bid.horizon
                               else np.zeros(appraisal.n_draws))
            else:
                columns.append(by_period.sum(axis=1))
        return np.column_stack(columns)

    def _factors(self, bid: Bid) -> Matrix:
        """Return the bid's money discount factors, counted from the portfolio's first year."""
        offset = bid.start_year - self.base_year
        settings = bid.settings
        (schedule, rate), _ = resolve_rates(settings.discounting, settings.discount_rate,
                                            settings.health_discount_rate)
        factors = discount_factors(bid.horizon + offset, rate=rate, schedule=schedule,
                                   timing=settings.timing)
        return np.asarray(factors[offset:])

    def years(self) -> list[int]:
        """Every financial year some bid covers."""
        return sorted({bid.start_year + t for bid in self.bids for t in range(bid.horizon)})


def build_problem(inputs: PortfolioInputs, constraints: PortfolioConstraints) -> Problem:
    """Turn the constraints into rows over the bids' per-draw amounts.

    Raises
    ------
    PortfolioError
        If the constraints name a bid, an organisation or a resource that no
        bid has; every such name is listed, with the closest valid ones.
    """
    _check_names(inputs, constraints)
    rows: list[Row] = []
    draw_rows: list[DrawRow] = []
    for budget in constraints.budgets:
        draws = inputs.costs(budget)
        if budget.quantile is None:
            rows.append(Row(f"budget: {budget.label}", "budget", "<=", budget.limit,
                            draws.mean(axis=0), draws))
        else:
            draw_rows.append(DrawRow(f"budget: {budget.label}", "budget", draws, budget.limit,
                                     1.0 - budget.quantile))
    for organisation, floor in constraints.floors.items():
        draws = inputs.organisation_npv(organisation)
        rows.append(Row(f"floor: {organisation}", "floor", ">=", floor, draws.mean(axis=0),
                        draws))
    rows.extend(_capacity_rows(inputs, constraints))
    rows.extend(_logic_rows(inputs.names, constraints))
    npv = inputs.npv()
    cvar_rows = []
    if constraints.risk.cvar is not None:
        limit = constraints.risk.cvar
        cvar_rows.append(CVaRRow(f"risk: CVaR{limit.alpha:g} of NPV", npv, limit.alpha,
                                 limit.floor))
    if constraints.risk.loss_probability is not None:
        draw_rows.append(DrawRow("risk: P(NPV < 0)", "risk", -npv, 0.0,
                                 constraints.risk.loss_probability, unit="draws"))
    return Problem(inputs.names, inputs.values(), tuple(rows), tuple(draw_rows),
                   tuple(cvar_rows))


def _capacity_rows(inputs: PortfolioInputs, constraints: PortfolioConstraints) -> list[Row]:
    rows = []
    for resource in constraints.capacity:
        needs = [resource_by_year(bid, resource) for bid in inputs.bids]
        for year in inputs.years():
            limit = constraints.capacity_in(resource, year)
            amounts = np.array([need.get(year, 0.0) for need in needs])
            if limit is not None and amounts.any():
                rows.append(Row(f"capacity: {resource} {year_label(year)}", "capacity", "<=",
                                limit, amounts, unit=resource))
    return rows


def _logic_rows(names: Sequence[str], constraints: PortfolioConstraints) -> list[Row]:
    def unit(*ids: str, signs: Sequence[float] = ()) -> NDArray[np.float64]:
        vector = np.zeros(len(names))
        for k, bid in enumerate(ids):
            vector[names.index(bid)] = signs[k] if signs else 1.0
        return vector

    rows = [Row(f"mandatory: {bid}", "mandatory", ">=", 1.0, unit(bid), unit="bids")
            for bid in constraints.mandatory]
    rows.extend(Row(f"exclusive: {' | '.join(group)}", "exclusive", "<=", 1.0, unit(*group),
                    unit="bids") for group in constraints.exclusive)
    rows.extend(Row(f"requires: {bid} needs {need}", "requires", "<=", 0.0,
                    unit(bid, need, signs=(1.0, -1.0)), unit="bids")
                for bid, needs in constraints.requires.items() for need in needs)
    return rows


def _check_names(inputs: PortfolioInputs, constraints: PortfolioConstraints) -> None:
    names = inputs.names
    organisations = sorted({org.id for bid in inputs.bids for org in bid.organisations})
    resources = sorted({name for bid in inputs.bids for name in bid.resources})
    problems = []
    mentioned = [("mandatory", bid) for bid in constraints.mandatory]
    mentioned += [("exclusive", bid) for group in constraints.exclusive for bid in group]
    mentioned += [("requires", bid) for bid, needs in constraints.requires.items()
                  for bid in (bid, *needs)]
    problems += [f"{where}: no bid '{bid}'{did_you_mean(bid, names)}"
                 for where, bid in dict.fromkeys(mentioned) if bid not in names]
    problems += [f"floors: no organisation '{org}' in any bid{did_you_mean(org, organisations)}"
                 for org in constraints.floors if org not in organisations]
    declared = f"bids declare: {', '.join(resources)}" if resources else "no bid declares any"
    problems += [f"capacity: no bid declares the resource '{name}' in its resources:"
                 f"{did_you_mean(name, resources) or f' ({declared})'}"
                 for name in constraints.capacity if name not in resources]
    if len(set(names)) < len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        problems.append(f"two bids have the id '{twice[0]}'; give each bid its own id")
    if problems:
        msg = ("the constraints do not fit the bids: " if len(problems) == 1 else
               f"the constraints do not fit the bids ({len(problems)} problems): ")
        raise PortfolioError(msg + "; ".join(problems))
