"""The portfolio as a mixed-integer linear programme over shared draws, solved by HiGHS.

Everything here works on arrays, not bids: ``values`` of shape
(n_draws, n_bids) holds each bid's per-draw contribution to the objective,
and each constraint is a row of coefficients, a matrix of per-draw amounts,
or a risk limit on per-draw amounts. :mod:`bpv.programme.inputs` turns bids
and a constraints file into a :class:`Problem`; tests build one directly and
check it against brute force. The formulation, in equations, is in
docs/portfolio.md:

- choose x_i ∈ {0, 1} to maximise (1/S) Σ_j Σ_i x_i v_ij;
- a :class:`Row` is Σ_i a_i x_i ≤ b (or ≥ b), a_i an expected amount or a fixed
  one (capacity, logic);
- a :class:`DrawRow` is Σ_i a_ij x_i ≤ b in all but ⌊pS⌋ draws: binary z_j
  with Σ_i a_ij x_i − M_j z_j ≤ b and Σ_j z_j ≤ ⌊pS⌋, where
  M_j = max(0, Σ_i max(a_ij, 0) − b) is the most the row can exceed b in draw
  j, so z_j = 1 always suffices and never cuts a portfolio off;
- a :class:`CVaRRow` is CVaR_α(Y) ≥ L for Y_j = Σ_i x_i a_ij, the mean of the
  worst α share of draws, linearised after Rockafellar and Uryasev (2000)
  for the lower tail: CVaR_α(Y) = max_η {η − (1/(αS)) Σ_j (η − Y_j)⁺}, so with
  a free η and s_j ≥ 0, s_j ≥ η − Σ_i x_i a_ij, the constraint
  η − (1/(αS)) Σ_j s_j ≥ L holds for some η, s exactly when CVaR_α(Y) ≥ L.

Each row is scaled by its largest amount before solving, so the solver's
tolerances mean the same for pounds and for staff; slacks are computed again
from the chosen set on the original numbers, never read off the solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from bpv._utils.formatting import format_money, format_number, significant
from bpv.errors import InfeasibleError

__all__ = ["CVaRRow", "DrawRow", "Problem", "Row", "Solution", "cvar", "slacks", "solve"]

Matrix = NDArray[np.float64]
Sense = Literal["<=", ">="]
#: Relaxations smaller than this (in a row's scaled units) count as none.
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Row:
    """Σ_i a_i x_i ≤ bound (or ≥): a budget on expected cost, a floor, capacity, logic.

    Attributes
    ----------
    name, kind : str
        How messages name it, and its group (``budget``, ``floor``, ...).
    sense : {'<=', '>='}
    bound : float
    coefficients : ndarray of shape (n_bids,)
        The amounts; when ``draws`` is given, their mean over the draws.
    draws : ndarray of shape (n_draws, n_bids), optional
        Per-draw amounts of an expected-value row (resampled by the bootstrap).
    unit : str
    """

    name: str
    kind: str
    sense: Sense
    bound: float
    coefficients: Matrix
    draws: Matrix | None = None
    unit: str = "GBP"


@dataclass(frozen=True)
class DrawRow:
    """Σ_i a_ij x_i ≤ bound in all but a share ``max_share`` of the draws j."""

    name: str
    kind: str
    draws: Matrix
    bound: float
    max_share: float
    unit: str = "GBP"

    @property
    def allowed(self) -> int:
        """Draws allowed to break the row: ⌊max_share × S⌋."""
        allowed: int = math.floor(self.max_share * self.draws.shape[0] + 1e-9)
        return allowed


@dataclass(frozen=True)
class CVaRRow:
    """CVaR_α of Y_j = Σ_i x_i a_ij, the mean of its worst α share of draws, at least ``floor``."""

    name: str
    draws: Matrix
    alpha: float
    floor: float
    kind: str = "risk"
    unit: str = "GBP"


@dataclass(frozen=True)
class Problem:
    """A portfolio problem on arrays.

    Attributes
    ----------
    names : tuple of str
        The bids, one a column.
    values : ndarray of shape (n_draws, n_bids)
        Per-draw objective value of each bid; the objective is its mean.
    rows, draw_rows, cvar_rows : tuples of Row, DrawRow, CVaRRow
    """

    names: tuple[str, ...]
    values: Matrix
    rows: tuple[Row, ...] = ()
    draw_rows: tuple[DrawRow, ...] = ()
    cvar_rows: tuple[CVaRRow, ...] = ()

    @property
    def constraint_names(self) -> tuple[str, ...]:
        """Every constraint's name, rows first."""
        return (*(r.name for r in self.rows), *(r.name for r in self.draw_rows),
                *(r.name for r in self.cvar_rows))

    def resample(self, index: NDArray[np.integer[Any]]) -> Problem:
        """Return the problem on the draws ``index`` (a bootstrap resample)."""
        rows = tuple(row if row.draws is None else replace(
            row, draws=row.draws[index], coefficients=row.draws[index].mean(axis=0))
            for row in self.rows)
        return Problem(self.names, self.values[index], rows,
                       tuple(replace(r, draws=r.draws[index]) for r in self.draw_rows),
                       tuple(replace(r, draws=r.draws[index]) for r in self.cvar_rows))

    def with_bounds(self, bounds: dict[str, float]) -> Problem:
        """Return the problem with the bounds (or CVaR floors) of the named constraints changed."""
        return Problem(
            self.names, self.values,
            tuple(replace(r, bound=bounds.get(r.name, r.bound)) for r in self.rows),
            tuple(replace(r, bound=bounds.get(r.name, r.bound)) for r in self.draw_rows),
            tuple(replace(r, floor=bounds.get(r.name, r.floor)) for r in self.cvar_rows))


@dataclass(frozen=True)
class Solution:
    """The chosen set and its expected value (the mean of its per-draw values)."""

    chosen: NDArray[np.bool_]
    objective: float
    extra: dict[str, Any] = field(default_factory=dict)


def cvar(values: NDArray[np.float64], alpha: float) -> float:
    """Return the lower-tail CVaR: the mean of the worst ``alpha`` share of ``values``.

    With k = αS not whole, the draw at the boundary counts with weight
    k − ⌊k⌋, which is what the Rockafellar–Uryasev programme gives.

    Examples
    --------
    >>> cvar(np.array([5.0, -10.0, 0.0, 20.0]), 0.5)
    -5.0
    >>> cvar(np.array([5.0, -10.0, 0.0, 20.0]), 0.375)  # worst draw, and half the next
    -6.666666666666667
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    k = alpha * ordered.size
    whole = min(math.floor(k + 1e-12), ordered.size)
    total = ordered[:whole].sum()
    if whole < ordered.size and k - whole > 1e-12:
        total += (k - whole) * ordered[whole]
    return float(total / k)


def slacks(problem: Problem, chosen: NDArray[np.bool_]) -> dict[str, dict[str, Any]]:
    """Return every constraint's slack for a chosen set, on the original numbers.

    A slack is how far the chosen set is from breaking the constraint, in
    its unit (positive: met with room; zero: binding); for a draw row it is
    in draws (allowed less broken).
    """
    x = chosen.astype(float)
    out: dict[str, dict[str, Any]] = {}
    for row in problem.rows:
        value = float(row.coefficients @ x)
        gap = row.bound - value if row.sense == "<=" else value - row.bound
        out[row.name] = {"kind": row.kind, "sense": row.sense, "bound": row.bound,
                         "value": value, "slack": gap, "unit": row.unit}
    for draw_row in problem.draw_rows:
        broken = int(np.count_nonzero(draw_row.draws @ x > draw_row.bound + 1e-9))
        out[draw_row.name] = {"kind": draw_row.kind, "sense": "<=", "bound": draw_row.bound,
                              "value": broken, "slack": draw_row.allowed - broken,
                              "unit": "draws", "allowed": draw_row.allowed}
    for cvar_row in problem.cvar_rows:
        value = cvar(cvar_row.draws @ x, cvar_row.alpha)
        out[cvar_row.name] = {"kind": cvar_row.kind, "sense": ">=", "bound": cvar_row.floor,
                              "value": value, "slack": value - cvar_row.floor,
                              "unit": cvar_row.unit, "alpha": cvar_row.alpha}
    return out


CVaRMethod = Literal["cuts", "linearised"]
#: Rounds of cuts before giving up (each adds at least one new face of the CVaR polytope).
_MAX_CUT_ROUNDS = 1_000


def solve(problem: Problem, *, objective: Literal["value", "cvar"] = "value",
          alpha: float = 0.1, risk: Matrix | None = None,
          cvar_method: CVaRMethod = "cuts") -> Solution:
    """Choose the bids that maximise the expected value (or a CVaR) under the constraints.

    Parameters
    ----------
    problem : Problem
    objective : {'value', 'cvar'}, default 'value'
        Maximise the mean of ``problem.values`` of the chosen set, or the
        lower-tail CVaR at ``alpha`` of ``risk @ x`` (``risk`` of shape
        (n_draws, n_bids); default the values).
    alpha : float, default 0.1
    risk : ndarray, optional
    cvar_method : {'cuts', 'linearised'}, default 'cuts'
        How CVaR rows enter the programme. ``linearised``: Rockafellar and
        Uryasev's auxiliary η and s_j ≥ 0 per draw, all at once. ``cuts``: the
        same constraint in its dual form, CVaR_α(Y) = min over draw sets K
        of αS draws of the mean of Y over K, added one violated K at a time
        (the worst αS draws of the current choice) until the choice meets
        it; exact, and far smaller to solve with thousands of draws.

    Returns
    -------
    Solution

    Raises
    ------
    InfeasibleError
        When no set of bids meets every constraint; the message names the
        constraints an elastic re-solve had to relax, and by how much.

    Examples
    --------
    >>> values = np.array([[3.0, 2.0, 2.0], [5.0, 2.0, 2.0]])
    >>> budget = Row("budget", "budget", "<=", 2.0, np.array([2.0, 1.0, 1.0]))
    >>> solve(Problem(("a", "b", "c"), values, (budget,))).chosen.tolist()
    [False, True, True]
    """
    model, result = _run(problem, objective=objective, alpha=alpha, risk=risk,
                         method=cvar_method)
    if result.status == 0 and result.x is not None:
        chosen = np.asarray(result.x[: len(problem.names)] > 0.5)
        value = float(problem.values.mean(axis=0) @ chosen) if problem.names else 0.0
        return Solution(chosen, value, {"solver_objective": float(-result.fun),
                                        "cuts": model.n_cuts})
    if result.status == 2:
        raise _infeasible(problem, cvar_method)
    msg = f"the portfolio could not be solved: {result.message}"  # pragma: no cover
    raise InfeasibleError(msg)  # pragma: no cover


def _run(problem: Problem, *, objective: str = "value", alpha: float = 0.1,
         risk: Matrix | None = None, method: CVaRMethod = "cuts", elastic: bool = False
         ) -> tuple[_Model, Any]:
    """Build and solve the model; with cuts, add the worst-draws cut of each CVaR it breaks."""
    if method == "linearised":
        model = _Model(problem, objective=objective, alpha=alpha, risk=risk, elastic=elastic)
        return model, model.run()
    risks = [(r.draws, r.alpha) for r in problem.cvar_rows]
    if objective == "cvar":
        risks.append((problem.values if risk is None else risk, alpha))
    cuts = [[draws.mean(axis=0)] for draws, _ in risks]  # E[Y] >= CVaR(Y): a valid first cut
    for _ in range(_MAX_CUT_ROUNDS):
        model = _Model(problem, objective=objective, alpha=alpha, risk=risk, elastic=elastic,
                       cuts=cuts)
        result = model.run()
        if result.status != 0 or result.x is None:
            return model, result
        chosen = (result.x[: len(problem.names)] > 0.5).astype(float)
        added = False
        for k, (draws, level) in enumerate(risks):
            y = draws @ chosen
            target, scale = model.target(k, result.x)
            if cvar(y, level) < target - 1e-9 * scale:
                cuts[k].append(_worst_cut(draws, y, level))
                added = True
        if not added:
            return model, result
    msg = "the CVaR cuts did not converge"  # pragma: no cover
    raise InfeasibleError(msg)  # pragma: no cover


def _worst_cut(draws: Matrix, y: NDArray[np.float64], alpha: float) -> NDArray[np.float64]:
    """Return the weights of Y's worst α share of draws applied to each bid: a CVaR cut."""
    n_draws = y.size
    k = alpha * n_draws
    order = np.argsort(y, kind="stable")
    whole = min(math.floor(k + 1e-12), n_draws)
    weights = np.zeros(n_draws)
    weights[order[:whole]] = 1.0 / k
    if whole < n_draws and k - whole > 1e-12:
        weights[order[whole]] = (k - whole) / k
    return np.asarray(weights @ draws)


def _infeasible(problem: Problem, method: CVaRMethod) -> InfeasibleError:
    """Relax every constraint by a penalised slack, and name those that needed it."""
    model, result = _run(problem, method=method, elastic=True)
    if result.status != 0 or result.x is None:
        # Seen with a CVaR limit (in cuts) beside a mandatory bid: the elastic re-solve
        # found nothing either, so no constraint can be named as the one that binds.
        return InfeasibleError("no set of bids meets every constraint, and relaxing them one "
                               "by one did not find which binds: check the mandatory, "
                               "exclusive and dependent bids and the risk limits together")
    relaxed = model.relaxations(result.x)
    parts = [f"{name} (short by {amount})" for name, amount in relaxed]
    names = [name for name, _ in relaxed]
    msg = ("no set of bids meets every constraint; the least relaxation that finds one "
           f"(each constraint weighed against its own size) relaxes {len(parts)} "
           f"constraint{'s' if len(parts) != 1 else ''}: " + "; ".join(parts))
    return InfeasibleError(msg, binding=names)


class _Model:
    """The MILP's arrays: columns x, then z per draw row, (η, s) per CVaR row, then slacks."""

    def __init__(self, problem: Problem, *, objective: str = "value", alpha: float = 0.1,
                 risk: Matrix | None = None, elastic: bool = False,
                 cuts: list[list[NDArray[np.float64]]] | None = None) -> None:
        n, n_draws = len(problem.names), problem.values.shape[0]
        self.n, self.elastic = n, elastic
        self.n_cuts = sum(len(c) for c in cuts) if cuts is not None else 0
        #: per risk (CVaR rows, then the objective's): floor or None, scale, column of t,
        #: index of its relaxable entry
        self.targets: list[tuple[float | None, float, int, int]] = []
        self.entries: list[tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.columns: list[tuple[float, float, int]] = [(0.0, 1.0, 1)] * n
        self.cost: list[float] = [0.0] * n
        #: name, scale, unit, row indices and sign of each constraint a slack may relax
        self.relaxable: list[tuple[str, float, str, list[int], int]] = []
        if objective == "value" and n:
            means = problem.values.mean(axis=0)
            self.cost = list(-means / _scale(means))
        for row in problem.rows:
            scale = _scale(row.coefficients, row.bound)
            bound = row.bound / scale
            index = self._rows(np.arange(n)[None, :], row.coefficients[None, :] / scale,
                               [-np.inf if row.sense == "<=" else bound],
                               [bound if row.sense == "<=" else np.inf])
            self.relaxable.append((row.name, scale, row.unit, [index],
                                   -1 if row.sense == "<=" else 1))
        for draw_row in problem.draw_rows:
            scale = _scale(draw_row.draws, draw_row.bound)
            a, bound = draw_row.draws / scale, draw_row.bound / scale
            big_m = np.maximum(0.0, np.clip(a, 0, None).sum(axis=1) - bound)
            z = self._columns([(0.0, 1.0 if m > 0 else 0.0, 1) for m in big_m])
            # a_j x - M_j z_j <= b
            self._rows(np.column_stack([np.tile(np.arange(n), (n_draws, 1)), z[:, None]]),
                       np.column_stack([a, -big_m]), np.full(n_draws, -np.inf),
                       np.full(n_draws, bound))
            # the count as a share of the draws, so a slack is weighed against S
            index = self._rows(z[None, :], np.full((1, n_draws), 1.0 / n_draws), [-np.inf],
                               [draw_row.allowed / n_draws])
            self.relaxable.append((draw_row.name, float(n_draws), "draws", [index], -1))
        risk_rows: list[tuple[Matrix, float, float | None, str]] = [
            (r.draws, r.alpha, r.floor, r.name) for r in problem.cvar_rows]
        if objective == "cvar":
            risk_rows.append((problem.values if risk is None else risk, alpha, None, ""))
        for k, (draws, level, floor, name) in enumerate(risk_rows):
            scale = _scale(draws, 0.0 if floor is None else floor)
            if cuts is not None:
                self._cuts(cuts[k], scale, floor, name)
                continue
            eta = self._columns([(-np.inf, np.inf, 0)])
            s = self._columns([(0.0, np.inf, 0)] * n_draws)
            # s_j >= eta - a_j x   <=>   -a_j x + eta - s_j <= 0
            first = self._rows(np.column_stack([np.tile(np.arange(n), (n_draws, 1)),
                                                np.full(n_draws, eta[0])]),
                               np.column_stack([-draws / scale, np.ones(n_draws)]),
                               np.full(n_draws, -np.inf), np.zeros(n_draws))
            self.entries.append((np.arange(first, first + n_draws), s, -np.ones(n_draws)))
            weights = np.concatenate([[1.0], np.full(n_draws, -1.0 / (level * n_draws))])
            columns = np.concatenate([eta, s])
            if floor is None:  # the objective: maximise eta - sum(s) / (alpha S)
                for column, weight in zip(columns, weights, strict=True):
                    self.cost[column] = -weight
                continue
            index = self._rows(columns[None, :], weights[None, :], [floor / scale], [np.inf])
            self.relaxable.append((name, scale, "GBP", [index], 1))
        self.n_slack_start = len(self.columns)
        if elastic:
            self.cost = [0.0] * len(self.cost)
            for _, _, _, indices, sign in self.relaxable:
                column = self._columns([(0.0, np.inf, 0)])
                self.cost[column[0]] = 1.0
                self.entries.append((np.array(indices), np.full(len(indices), column[0]),
                                     np.full(len(indices), float(sign))))

    def _cuts(self, cuts: list[NDArray[np.float64]], scale: float, floor: float | None,
              name: str) -> None:
        """Add a CVaR's cuts: c_K x >= floor for each, or t <= c_K x when it is the objective."""
        n = self.n
        matrix = np.array(cuts) / scale
        if floor is not None:
            first = self._rows(np.tile(np.arange(n), (len(cuts), 1)), matrix,
                               np.full(len(cuts), floor / scale), np.full(len(cuts), np.inf))
            self.targets.append((floor, scale, -1, len(self.relaxable)))
            self.relaxable.append((name, scale, "GBP", list(range(first, first + len(cuts))),
                                   1))
            return
        t = self._columns([(-np.inf, np.inf, 0)])
        self.cost[t[0]] = -1.0
        self._rows(np.column_stack([np.tile(np.arange(n), (len(cuts), 1)),
                                    np.full(len(cuts), t[0])]),
                   np.column_stack([-matrix, np.ones(len(cuts))]),
                   np.full(len(cuts), -np.inf), np.zeros(len(cuts)))
        self.targets.append((None, scale, int(t[0]), -1))

    def target(self, k: int, x: NDArray[np.float64]) -> tuple[float, float]:
        """Return what risk ``k``'s CVaR must reach at ``x``, and the risk's scale.

        That is its floor less any elastic slack, or t when it is the objective.
        """
        floor, scale, column, relax = self.targets[k]
        if floor is None:
            return float(x[column]) * scale, scale
        if self.elastic:
            return floor - float(x[self.n_slack_start + relax]) * scale, scale
        return floor, scale

    def _columns(self, specs: list[tuple[float, float, int]]) -> NDArray[np.intp]:
        first = len(self.columns)
        self.columns.extend(specs)
        self.cost.extend([0.0] * len(specs))
        return np.arange(first, first + len(specs))

    def _rows(self, columns: NDArray[Any], values: NDArray[np.float64],
              lower: Any, upper: Any) -> int:
        """Add rows: ``columns[k]`` and ``values[k]`` are row k's entries; return the first row."""
        first = len(self.lower)
        rows = np.repeat(np.arange(first, first + values.shape[0]), values.shape[1])
        self.entries.append((rows, np.asarray(columns).ravel(), np.asarray(values).ravel()))
        self.lower.extend(float(v) for v in lower)
        self.upper.extend(float(v) for v in upper)
        return first

    def run(self) -> Any:
        from scipy import sparse
        from scipy.optimize import Bounds, LinearConstraint, milp

        width = len(self.columns)
        bounds = Bounds(np.array([c[0] for c in self.columns], dtype=float),
                        np.array([c[1] for c in self.columns], dtype=float))
        integrality = np.array([c[2] for c in self.columns])
        constraints = None
        if self.lower:
            rows, columns, values = (np.concatenate(parts) for parts in zip(*self.entries,
                                                                             strict=True))
            keep = values != 0
            matrix = sparse.csr_matrix((values[keep], (rows[keep], columns[keep])),
                                       shape=(len(self.lower), width))
            constraints = LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))
        return milp(np.array(self.cost), integrality=integrality, bounds=bounds,
                    constraints=constraints, options={"disp": False, "mip_rel_gap": 1e-7})

    def relaxations(self, x: NDArray[np.float64]) -> list[tuple[str, str]]:
        """Name each constraint whose slack the elastic solve used, with the amount."""
        out = []
        for k, (name, scale, unit, _, _) in enumerate(self.relaxable):  # slacks in this order
            amount = float(x[self.n_slack_start + k])
            if amount > _TOLERANCE:
                out.append((name, _amount(amount * scale, unit)))
        return out


def _amount(value: float, unit: str) -> str:
    if unit == "GBP":
        return format_money(value)
    if unit == "draws":
        return f"{math.ceil(value - 1e-6):,} draws"
    if unit == "bids":
        return f"{significant(value, 2)} of a bid"
    return f"{format_number(value, 'plain')} {unit}"


def _scale(amounts: NDArray[np.float64], *bounds: float) -> float:
    """Return the largest magnitude among the amounts and bounds (1 if all are zero)."""
    largest = max([float(np.max(np.abs(amounts))) if np.size(amounts) else 0.0,
                   *(abs(b) for b in bounds if math.isfinite(b))])
    return largest if largest > 0 else 1.0

