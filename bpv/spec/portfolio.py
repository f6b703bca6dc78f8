"""The constraints of a portfolio: budgets, organisations' floors, capacity, logic, risk.

Read from a ``portfolio.yaml`` (:func:`bpv.io.load_constraints`) or built in
Python; checked like a bid, every problem located. What each constraint
means, in equations, is in docs/portfolio.md::

    budgets:
      - {name: capital 2025/26, cost_type: capital, year: 2025, limit: 2_500_000}
      - {name: revenue, cost_type: revenue, basis: present_value, limit: 9_000_000}
      - {name: total cash 90%, limit: 12_000_000, quantile: 0.9}
    floors: {acute: -250_000}          # expected NPV of each organisation at least
    capacity:
      nurse_wte: 30                    # every year
      theatre_sessions: {2026: 400}    # by financial year
    mandatory: [urgent-care-hub]
    exclusive: [[virtual-ward-a, virtual-ward-b]]
    requires: {shared-care-record-analytics: [shared-care-record]}
    risk:
      cvar: {alpha: 0.1, floor: -1_000_000}
      loss_probability: 0.25           # P(portfolio NPV < 0) at most
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from bpv.spec._base import IS_NUMBER, Id, Spec, Title, raise_problems
from bpv.spec.resources import ResourceName

__all__ = ["MAX_ITEMS", "Budget", "CVaRLimit", "PortfolioConstraints", "Risk"]

_Money = Annotated[float, IS_NUMBER]
_Year = Annotated[int, Field(ge=1900, le=2300), IS_NUMBER]
_Share = Annotated[float, Field(gt=0, lt=1), IS_NUMBER]
_Capacity = Annotated[float, Field(ge=0), IS_NUMBER]
#: Most constraints of any one kind in a file.
MAX_ITEMS = 1_000


def _year_key(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


class Budget(Spec):
    """A limit on what the chosen bids spend.

    Parameters
    ----------
    name : str, optional
        How messages and slacks name it; default made from the fields
        (``'capital cash 2025/26'``).
    limit : float
        GBP; the chosen bids' cost may not exceed it.
    cost_type : {'all', 'capital', 'revenue'}, default 'all'
        Which cost nodes count (``cost_type`` of nodes with ``measure: cost``).
    year : int, optional
        A financial year (2025 is 2025/26); absent, the whole horizon.
    basis : {'cash', 'present_value'}, default 'cash'
        Undiscounted cash, or present value at each bid's own discount
        factors, discounted to the portfolio's first year.
    quantile : float, optional
        Without it the limit binds the *expected* cost. With it (0.9, say)
        the cost must be within the limit in at least that share of the
        shared draws.
    """

    name: Title | None = None
    limit: _Money
    cost_type: Literal["all", "capital", "revenue"] = "all"
    year: _Year | None = None
    basis: Literal["cash", "present_value"] = "cash"
    quantile: _Share | None = None

    @property
    def label(self) -> str:
        """The budget's name, or one made from its fields."""
        if self.name:
            return self.name
        parts = [self.cost_type if self.cost_type != "all" else "total",
                 "cash" if self.basis == "cash" else "PV"]
        parts.append(f"{self.year}/{(self.year + 1) % 100:02d}" if self.year is not None
                     else "all years")
        if self.quantile is not None:
            parts.append(f"in {self.quantile:.0%} of draws")
        return " ".join(parts)


class CVaRLimit(Spec):
    """CVaR at level alpha: the mean of the worst alpha share of draws of the portfolio's NPV."""

    alpha: _Share
    floor: _Money


class Risk(Spec):
    """Risk appetite on the shared draws of the portfolio's system NPV."""

    cvar: CVaRLimit | None = None
    loss_probability: Annotated[float, Field(ge=0, lt=1), IS_NUMBER] | None = None


class PortfolioConstraints(Spec):
    """What a chosen set of bids must satisfy (docs/portfolio.md).

    Parameters
    ----------
    budgets : list of Budget
    floors : dict of str to float
        Organisation id → the lowest expected NPV (GBP) it can live with.
    capacity : dict of str to float or dict of int to float
        Resource → what the system has each year (one number for every
        year, or by financial year); bids declare their needs in
        ``resources:``.
    mandatory : list of str
        Bids that must be chosen.
    exclusive : list of list of str
        Groups of bids of which at most one may be chosen.
    requires : dict of str to list of str
        A bid → the bids it needs; it is chosen only with all of them.
    risk : Risk, optional

    Examples
    --------
    >>> c = PortfolioConstraints(budgets=[{"limit": 1e6, "cost_type": "capital"}])
    >>> c.budgets[0].label
    'capital cash all years'
    """

    budgets: Annotated[tuple[Budget, ...], Field(max_length=MAX_ITEMS)] = ()
    floors: Annotated[dict[Id, _Money], Field(max_length=MAX_ITEMS)] = Field(default_factory=dict)
    capacity: Annotated[
        dict[ResourceName, _Capacity | dict[Annotated[_Year, BeforeValidator(_year_key)],
                                            _Capacity]],
        Field(max_length=MAX_ITEMS)] = Field(default_factory=dict)
    mandatory: Annotated[tuple[Id, ...], Field(max_length=MAX_ITEMS)] = ()
    exclusive: Annotated[tuple[Annotated[tuple[Id, ...], Field(min_length=2)], ...],
                         Field(max_length=MAX_ITEMS)] = ()
    requires: Annotated[dict[Id, Annotated[tuple[Id, ...], Field(min_length=1)]],
                        Field(max_length=MAX_ITEMS)] = Field(default_factory=dict)
    risk: Risk = Risk()

    @model_validator(mode="after")
    def _names_are_unique(self) -> PortfolioConstraints:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        seen: dict[str, int] = {}
        for i, budget in enumerate(self.budgets):
            if budget.label in seen:
                problems.append((("budgets", i), f"two budgets are named '{budget.label}' "
                                 f"(also budgets[{seen[budget.label]}]); give each its own "
                                 "name", budget.label))
            seen.setdefault(budget.label, i)
        problems.extend((("requires", bid), f"'{bid}' cannot require itself", bid)
                        for bid, needs in self.requires.items() if bid in needs)
        raise_problems("PortfolioConstraints", problems)
        return self

    def capacity_in(self, resource: str, year: int) -> float | None:
        """Return what the system has of ``resource`` in ``year``, None if unlimited."""
        limit = self.capacity.get(resource)
        if isinstance(limit, dict):
            return limit.get(year)
        return limit
