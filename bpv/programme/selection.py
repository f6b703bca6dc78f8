"""``bpv.portfolio``: choose the bids to fund, within budgets, floors, capacity, logic and risk.

The steps: appraise every bid on one seed (common random numbers, flows
kept), turn the constraints into a :class:`~bpv.programme.problem.Problem`,
solve it, then re-solve it to price budgets (shadow values), trace the
efficient frontiers, and test how stable the choice is on bootstrap
resamples of the draws.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import check_choice, check_int, check_real, parameter_message
from bpv.engine.budget import check_draws, check_kept, kept_bytes
from bpv.engine.monte_carlo import Kernel, Method, appraise
from bpv.engine.results import Appraisal
from bpv.errors import BidWarning, InfeasibleError, SpecError
from bpv.io import load_constraints
from bpv.programme.inputs import PortfolioInputs, build_problem
from bpv.programme.problem import CVaRRow, Problem, Solution, cvar, slacks, solve
from bpv.programme.result import FrontierPoint, Portfolio, ShadowValue
from bpv.sampling.streams import Seed, block_generator, root_seed
from bpv.spec.bid import Bid
from bpv.spec.portfolio import PortfolioConstraints

__all__ = ["OBJECTIVES", "portfolio", "select"]

Objective = Literal["npv", "nmb"]
OBJECTIVES: tuple[Objective, ...] = ("npv", "nmb")
#: The default CVaR level of the risk frontier when the constraints set none.
DEFAULT_ALPHA = 0.1


def portfolio(
    bids: Sequence[Bid | tuple[Bid, Appraisal]],
    constraints: PortfolioConstraints | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    *,
    objective: Objective = "npv",
    threshold: float | None = None,
    n_draws: int = 5_000,
    rng: Seed = None,
    method: Method = "mc",
    n_bootstrap: int = 50,
    frontier_points: int = 11,
    budget_step: float = 0.05,
    kernel: Kernel = "auto",
    progress: bool | None = False,
) -> Portfolio:
    """Choose the bids to fund that maximise expected system value within the constraints.

    Parameters
    ----------
    bids : sequence of Bid, or of (Bid, Appraisal) pairs
        Bids are appraised here on one seed, so shared parameters see the
        same draws (common random numbers). A pair gives an appraisal made
        already, with ``keep_flows=True``; all must share their draws.
    constraints : PortfolioConstraints, mapping, or path of a ``portfolio.yaml``
        Budgets, organisations' floors, capacity, mandatory, exclusive and
        dependent bids, risk (docs/portfolio.md). None: no constraints.
    objective : {'npv', 'nmb'}, default 'npv'
        Maximise expected system NPV, or net monetary benefit.
    threshold : float, optional
        GBP per QALY for ``nmb``; default each bid's ``qaly_value``.
    n_draws, rng, method
        As for :func:`bpv.appraise`.
    n_bootstrap : int, default 50
        Bootstrap resamples of the draws, each solved again, to say how
        often each bid is chosen (0 skips).
    frontier_points : int, default 11
        Points of each efficient frontier (0 skips): every budget scaled from
        0.1 to 2 times its limit, and the CVaR floor from the CVaR of the
        best set without a risk limit to the highest CVaR any set reaches.
    budget_step : float, default 0.05
        Δ, as a share of each budget, for the value of one more pound.
    kernel : {'auto', 'numpy', 'compiled'}, default 'auto'
        How each bid is evaluated (:func:`bpv.appraise`).
    progress : bool, optional
        A progress bar for each bid's appraisal. Default: no.

    Returns
    -------
    Portfolio

    Raises
    ------
    InfeasibleError
        If no set of bids meets every constraint: the message names the
        constraints that had to be relaxed, found by an elastic re-solve.
    PortfolioError
        If the constraints name bids, organisations or resources the bids lack.

    See Also
    --------
    bpv.compare : bids side by side on the same draws.

    References
    ----------
    R. T. Rockafellar and S. Uryasev, "Optimization of conditional
    value-at-risk", Journal of Risk 2(3), 2000.

    Examples
    --------
    >>> import bpv
    >>> from pathlib import Path
    >>> bids = [bpv.load(path) for path in sorted(Path("examples/portfolio/bids").glob("*.yaml"))]
    >>> chosen = bpv.portfolio(bids, "examples/portfolio/constraints.yaml", n_draws=1_000, rng=1,
    ...                        n_bootstrap=0, frontier_points=0)
    >>> "urgent-care-hub" in chosen.chosen  # mandatory
    True
    >>> all(entry["slack"] >= -1e-6 for entry in chosen.slacks.values())
    True
    """
    check_choice(objective, OBJECTIVES, name="objective", function="portfolio")
    if threshold is not None:
        check_real(threshold, name="threshold", function="portfolio", low=0, closed="left")
    check_int(n_bootstrap, name="n_bootstrap", function="portfolio")
    check_int(frontier_points, name="frontier_points", function="portfolio")
    check_real(budget_step, name="budget_step", function="portfolio", low=0, high=1,
               closed="right")
    rules = _constraints(constraints)
    root = root_seed(rng)
    inputs = PortfolioInputs(tuple(_bids(bids)),
                             tuple(_appraise(bids, n_draws, root, method, kernel, progress)),
                             objective, threshold)
    problem = build_problem(inputs, rules)
    alpha = rules.risk.cvar.alpha if rules.risk.cvar is not None else DEFAULT_ALPHA
    return select(problem, npv=inputs.npv(), objective=objective, alpha=alpha,
                  n_bootstrap=n_bootstrap, frontier_points=frontier_points,
                  budget_step=budget_step, rng=block_generator(root, "portfolio:bootstrap", 0),
                  provenance={"n_draws": inputs.appraisals[0].n_draws, "method": method,
                              "entropy": inputs.appraisals[0].entropy})


def select(problem: Problem, *, npv: NDArray[np.float64] | None = None, objective: str = "npv",
           alpha: float = DEFAULT_ALPHA, n_bootstrap: int = 0, frontier_points: int = 0,
           budget_step: float = 0.05, rng: Seed = None,
           provenance: Mapping[str, Any] | None = None) -> Portfolio:
    """Solve a portfolio problem on arrays and measure the answer (:func:`portfolio` without bids).

    Parameters
    ----------
    problem : Problem
    npv : ndarray of shape (n_draws, n_bids), optional
        Per-draw system NPV, for risk; default ``problem.values``.
    objective : str
        Its name, for the result.
    alpha, n_bootstrap, frontier_points, budget_step
        As for :func:`portfolio`.
    rng : seed
        For the bootstrap (:func:`portfolio` gives it the run's own stream
        ``'portfolio:bootstrap'``, keyed like every stream of
        :mod:`bpv.sampling.streams`, so the root seed is not consumed).
    provenance : mapping, optional
        ``n_draws``, ``method`` and ``entropy`` of the draws.

    Returns
    -------
    Portfolio

    Examples
    --------
    >>> from bpv.programme.problem import Row
    >>> values = np.array([[3.0, 2.0, 2.0], [5.0, 2.0, 2.0]])
    >>> budget = Row("budget", "budget", "<=", 2.0, np.array([2.0, 1.0, 1.0]))
    >>> select(Problem(("a", "b", "c"), values, (budget,))).chosen
    ('b', 'c')
    """
    npv = problem.values if npv is None else npv
    solution = solve(problem)
    value_draws = problem.values @ solution.chosen
    n_draws = problem.values.shape[0]
    generator = np.random.default_rng(rng)
    shares, infeasible = _bootstrap(problem, n_bootstrap, generator)
    info = dict(provenance or {})
    return Portfolio(
        bids=problem.names, chosen=_names(problem, solution), objective=objective,
        expected_value=float(value_draws.mean()),
        mcse=float(value_draws.std(ddof=1) / math.sqrt(n_draws)) if n_draws > 1 else math.nan,
        draws=_read_only(value_draws), npv_draws=_read_only(npv @ solution.chosen),
        bid_values=dict(zip(problem.names, (float(v) for v in problem.values.mean(axis=0)),
                            strict=True)),
        slacks=slacks(problem, solution.chosen),
        shadow_values=_shadow_values(problem, solution, budget_step),
        budget_frontier=_budget_frontier(problem, npv, alpha, frontier_points),
        risk_frontier=_risk_frontier(problem, npv, alpha, frontier_points),
        bootstrap=shares, n_bootstrap=n_bootstrap, bootstrap_infeasible=infeasible, alpha=alpha,
        n_draws=int(info.get("n_draws") or n_draws), method=str(info.get("method", "given")),
        entropy=info.get("entropy", 0))


def _constraints(value: Any) -> PortfolioConstraints:
    if value is None:
        return PortfolioConstraints()
    if isinstance(value, PortfolioConstraints):
        return value
    if isinstance(value, str | os.PathLike):
        return load_constraints(Path(value))
    if isinstance(value, Mapping):
        return PortfolioConstraints.model_validate(dict(value))
    msg = parameter_message("constraints", "portfolio", "a PortfolioConstraints, a mapping or "
                            "the path of a constraints file", value)
    raise SpecError(msg)


def _bids(items: Sequence[Bid | tuple[Bid, Appraisal]]) -> list[Bid]:
    if not items:
        msg = "portfolio needs at least one bid"
        raise SpecError(msg)
    out = []
    for item in items:
        bid: Any = item[0] if isinstance(item, tuple) else item
        if not isinstance(bid, Bid):
            msg = parameter_message("bids", "portfolio", "a sequence of bpv.Bid or (Bid, "
                                    "Appraisal) pairs", item)
            raise SpecError(msg)
        out.append(bid)
    return out


def _appraise(items: Sequence[Bid | tuple[Bid, Appraisal]], n_draws: int,
              root: np.random.SeedSequence, method: Method, kernel: Kernel,
              progress: bool | None) -> list[Appraisal]:
    fresh = [item for item in items if isinstance(item, Bid)]
    if fresh:
        check_draws(n_draws, function="portfolio")
        check_kept((kept_bytes(bid, n_draws=n_draws, keep_flows=True) for bid in fresh),
                   function="portfolio", advice="a portfolio keeps every draw of every bid's "
                   "flows: use fewer draws")
    appraisals = []
    for item in items:
        if isinstance(item, tuple):
            bid, appraisal = item
            if appraisal.flows is None or appraisal.bid_id != bid.id:
                msg = (f"the appraisal given with bid '{bid.id}' must be of that bid, made "
                       "with keep_flows=True")
                raise SpecError(msg)
        else:
            appraisal = appraise(item, n_draws=n_draws, rng=root, method=method,
                                 keep_flows=True, kernel=kernel, progress=progress)
        appraisals.append(appraisal)
    sizes = {a.flows[next(iter(a.flows))].shape[0] if a.flows else 0 for a in appraisals}
    if len(sizes) > 1:
        msg = ("the appraisals have different numbers of draws; a portfolio pairs draws, so "
               "appraise every bid with the same n_draws and seed")
        raise SpecError(msg)
    seeds = {(repr(a.entropy), a.method, repr(a.provenance.get("spawn_key"))) for a in appraisals}
    if len(seeds) > 1:
        warnings.warn("the bids were appraised with different seeds or methods: their draws "
                      "are not on common random numbers, so the risk of the portfolio (CVaR, "
                      "P(NPV < 0)) is measured on draws that do not belong together",
                      BidWarning, stacklevel=3)
    return appraisals


def _names(problem: Problem, solution: Solution) -> tuple[str, ...]:
    return tuple(name for name, pick in zip(problem.names, solution.chosen, strict=True) if pick)


def _read_only(array: NDArray[np.float64]) -> NDArray[np.float64]:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def _try(problem: Problem) -> Solution | None:
    try:
        return solve(problem)
    except InfeasibleError:
        return None


def _budgets(problem: Problem) -> dict[str, float]:
    limits = {row.name: row.bound for row in problem.rows if row.kind == "budget"}
    limits.update({row.name: row.bound for row in problem.draw_rows if row.kind == "budget"})
    return limits


def _shadow_values(problem: Problem, solution: Solution, step: float
                   ) -> tuple[ShadowValue, ...]:
    out = []
    for name, limit in _budgets(problem).items():
        delta = step * abs(limit) if limit else step
        raised = _try(problem.with_bounds({name: limit + delta}))
        if raised is None:  # pragma: no cover - a larger budget keeps every feasible set
            continue
        out.append(ShadowValue(name, delta, (raised.objective - solution.objective) / delta,
                               _names(problem, raised)))
    return tuple(out)


def _budget_frontier(problem: Problem, npv: NDArray[np.float64], alpha: float, points: int
                     ) -> tuple[FrontierPoint, ...]:
    limits = _budgets(problem)
    if not points or not limits:
        return ()
    out = []
    for scale in np.linspace(0.1, 2.0, points):
        best = _try(problem.with_bounds({name: scale * limit for name, limit in limits.items()}))
        out.append(_point(problem, npv, alpha, best, float(scale), float(scale)))
    return tuple(out)


def _risk_frontier(problem: Problem, npv: NDArray[np.float64], alpha: float, points: int
                   ) -> tuple[FrontierPoint, ...]:
    if not points:
        return ()
    free = Problem(problem.names, problem.values, problem.rows, problem.draw_rows)
    best = _try(free)
    if best is None:
        return ()
    low = cvar(npv @ best.chosen, alpha)
    safest = solve(free, objective="cvar", alpha=alpha, risk=npv)
    high = cvar(npv @ safest.chosen, alpha)
    out = []
    for level in np.linspace(low, high, points) if high > low else [low]:
        row = CVaRRow(f"risk: CVaR{alpha:g} of NPV", npv, alpha, float(level))
        found = _try(Problem(problem.names, problem.values, problem.rows, problem.draw_rows,
                             (row,)))
        out.append(_point(problem, npv, alpha, found, float(level), 1.0))
    return tuple(out)


def _point(problem: Problem, npv: NDArray[np.float64], alpha: float, found: Solution | None,
           level: float, scale: float) -> FrontierPoint:
    if found is None:
        return FrontierPoint(level, scale, math.nan, math.nan, ())
    return FrontierPoint(level, scale, found.objective, cvar(npv @ found.chosen, alpha),
                         _names(problem, found))


def _bootstrap(problem: Problem, n_bootstrap: int, rng: np.random.Generator
               ) -> tuple[dict[str, float], int]:
    if not n_bootstrap:
        return {}, 0
    n_draws = problem.values.shape[0]
    counts = np.zeros(len(problem.names))
    solved = 0
    for _ in range(n_bootstrap):
        index = np.asarray(rng.integers(0, n_draws, size=n_draws), dtype=np.intp)
        found = _try(problem.resample(index))
        if found is not None:
            counts += found.chosen
            solved += 1
    shares = counts / solved if solved else np.full(len(problem.names), math.nan)
    return dict(zip(problem.names, (float(s) for s in shares), strict=True)), n_bootstrap - solved
