"""The MILP on arrays against brute force over every subset, CVaR, chance rows, infeasibility."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpv.errors import InfeasibleError
from bpv.programme.problem import CVaRRow, DrawRow, Problem, Row, cvar, slacks, solve

N_DRAWS = 10  # alpha in tenths: the worst-alpha share is a whole number of draws


def _feasible(problem: Problem, x: np.ndarray) -> bool:
    """Whether the subset x meets every constraint, checked directly on the draws."""
    for row in problem.rows:
        value = row.coefficients @ x
        if (value > row.bound) if row.sense == "<=" else (value < row.bound):
            return False
    for draw_row in problem.draw_rows:
        if np.count_nonzero(draw_row.draws @ x > draw_row.bound) > draw_row.allowed:
            return False
    return all(cvar(c.draws @ x, c.alpha) >= c.floor for c in problem.cvar_rows)


def _brute_force(problem: Problem) -> float | None:
    """Best mean value over all feasible subsets, or None when none is feasible."""
    best = None
    means = problem.values.mean(axis=0)
    for bits in itertools.product((0.0, 1.0), repeat=len(problem.names)):
        x = np.array(bits)
        if _feasible(problem, x):
            value = float(means @ x)
            best = value if best is None else max(best, value)
    return best


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """Random integer values and costs, bounds at a half so that no subset sits on a bound."""
    n = draw(st.integers(1, 12))
    ints = st.integers(-20, 30)
    values = np.array(draw(st.lists(st.lists(ints, min_size=n, max_size=n),
                                    min_size=N_DRAWS, max_size=N_DRAWS)), dtype=float)
    names = tuple(f"b{i}" for i in range(n))
    rows = []
    for k in range(draw(st.integers(0, 3))):  # budgets on expected (here fixed) costs
        cost = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)), float)
        rows.append(Row(f"budget {k}", "budget", "<=", draw(st.integers(0, 40)) + 0.5, cost))
    if draw(st.booleans()):  # an organisation's floor
        share = np.array(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), float)
        rows.append(Row("floor", "floor", ">=", draw(st.integers(-10, 5)) + 0.5, share))
    if n >= 2 and draw(st.booleans()):  # exclusive pair, and a dependency
        i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        pair = np.zeros(n)
        pair[[i, j]] = 1
        rows.append(Row("exclusive", "exclusive", "<=", 1.0, pair, unit="bids"))
        k, m = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        needs = np.zeros(n)
        needs[k], needs[m] = 1, -1
        rows.append(Row("requires", "requires", "<=", 0.0, needs, unit="bids"))
    if draw(st.booleans()):
        mandatory = np.zeros(n)
        mandatory[draw(st.integers(0, n - 1))] = 1
        rows.append(Row("mandatory", "mandatory", ">=", 1.0, mandatory, unit="bids"))
    draw_rows = []
    if draw(st.booleans()):  # a quantile budget, or P(NPV < 0) <= p
        if draw(st.booleans()):
            cost = np.array(draw(st.lists(st.lists(st.integers(0, 10), min_size=n, max_size=n),
                                          min_size=N_DRAWS, max_size=N_DRAWS)), float)
            draw_rows.append(DrawRow("budget q", "budget", cost,
                                     draw(st.integers(0, 40)) + 0.5, draw(st.sampled_from(
                                         [0.1, 0.2, 0.35]))))
        else:
            draw_rows.append(DrawRow("loss", "risk", -values, 0.0,
                                     draw(st.sampled_from([0.0, 0.1, 0.3, 0.5]))))
    cvar_rows = []
    if draw(st.booleans()):
        alpha = draw(st.sampled_from([0.1, 0.2, 0.3, 0.5]))
        cvar_rows.append(CVaRRow("cvar", values, alpha, draw(st.integers(-30, 20)) + 0.37))
    return Problem(names, values, tuple(rows), tuple(draw_rows), tuple(cvar_rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["cuts", "linearised"]))
def test_the_milp_finds_the_brute_force_optimum(problem, method):
    best = _brute_force(problem)
    if best is None:
        with pytest.raises(InfeasibleError, match="no set of bids meets every constraint"):
            solve(problem, cvar_method=method)
        return
    solution = solve(problem, cvar_method=method)
    assert _feasible(problem, solution.chosen.astype(float))
    assert solution.objective == pytest.approx(best, abs=1e-9)
    assert all(entry["slack"] >= -1e-9 for entry in slacks(problem, solution.chosen).values())


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 60), st.floats(0.02, 0.9), st.integers(0, 2**32 - 1),
       st.sampled_from(["cuts", "linearised"]))
def test_the_cvar_lp_equals_the_mean_of_the_worst_share(n_draws, alpha, seed, method):
    # Maximising CVaR over a single mandatory bid gives the LP's CVaR of that bid's draws.
    values = np.random.default_rng(seed).normal(100, 300, size=(n_draws, 1))
    problem = Problem(("a",), values, (Row("m", "mandatory", ">=", 1.0, np.ones(1)),))
    solution = solve(problem, objective="cvar", alpha=alpha, cvar_method=method)
    assert solution.extra["solver_objective"] * _scale(values) == pytest.approx(
        cvar(values[:, 0], alpha), rel=1e-7, abs=1e-6)


def _scale(values):
    return float(np.max(np.abs(values)))


def test_cvar_is_the_mean_of_the_worst_share_with_a_fractional_draw():
    draws = np.array([4.0, -3.0, 10.0, -8.0, 1.0])
    assert cvar(draws, 0.4) == pytest.approx((-8 - 3) / 2)
    assert cvar(draws, 0.3) == pytest.approx((-8 + 0.5 * -3) / 1.5)
    assert cvar(draws, 1.0) == pytest.approx(draws.mean())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.05, 0.1, 0.25]))
def test_the_cvar_of_the_chosen_set_on_its_draws_meets_the_floor_and_the_two_methods_agree(
        seed, alpha):
    rng = np.random.default_rng(seed)
    values = rng.normal(rng.normal(10, 20, 9), rng.uniform(5, 60, 9), size=(200, 9))
    free = solve(Problem(tuple("abcdefghi"), values))
    floor = cvar(values @ free.chosen, alpha) + 5.0  # tighter than the unconstrained best
    problem = Problem(tuple("abcdefghi"), values, (), (), (CVaRRow("cvar", values, alpha, floor),))
    try:
        by_cuts = solve(problem, cvar_method="cuts")
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            solve(problem, cvar_method="linearised")
        return
    by_lp = solve(problem, cvar_method="linearised")
    assert cvar(values @ by_cuts.chosen, alpha) >= floor - 1e-6
    assert cvar(values @ by_lp.chosen, alpha) >= floor - 1e-6
    assert by_cuts.objective == pytest.approx(by_lp.objective, rel=1e-6, abs=1e-6)


def test_the_chance_row_holds_on_the_draws():
    rng = np.random.default_rng(3)
    values = rng.normal(50, 100, size=(400, 8))
    problem = Problem(tuple("abcdefgh"), values, (), (DrawRow("loss", "risk", -values, 0.0, 0.2),))
    solution = solve(problem)
    portfolio_npv = values @ solution.chosen
    assert np.mean(portfolio_npv < 0) <= 0.2
    unconstrained = solve(Problem(tuple("abcdefgh"), values))
    assert solution.objective <= unconstrained.objective + 1e-9


def test_an_infeasible_problem_names_the_binding_constraints():
    values = np.array([[10.0, 5.0, 1.0]] * 4)
    rows = (Row("capital 2025/26", "budget", "<=", 100.0, np.array([80.0, 60.0, 5.0])),
            Row("mandatory: a", "mandatory", ">=", 1.0, np.array([1.0, 0, 0]), unit="bids"),
            Row("mandatory: b", "mandatory", ">=", 1.0, np.array([0, 1.0, 0]), unit="bids"),
            Row("revenue", "budget", "<=", 1e6, np.array([1.0, 1.0, 1.0])))
    with pytest.raises(InfeasibleError) as caught:
        solve(Problem(("a", "b", "c"), values, rows))
    message = str(caught.value)
    # a and b cost 140 against 100: relaxing the budget by £40 (40% of its size) is less
    # than dropping a mandatory bid (all of its size)
    assert caught.value.binding == ("capital 2025/26",)
    assert "capital 2025/26 (short by £40)" in message
    assert "revenue" not in message
    assert "Traceback" not in message
    assert "HiGHS" not in message


def test_a_budget_short_by_an_amount_is_named_with_it():
    values = np.ones((3, 2))
    rows = (Row("capital", "budget", "<=", 100.0, np.array([150.0, 10.0])),
            Row("mandatory: a", "mandatory", ">=", 1.0, np.array([1.0, 0.0]), unit="bids"))
    with pytest.raises(InfeasibleError) as caught:
        solve(Problem(("a", "b"), values, rows))
    # relaxing the budget by £50 costs 50/150 of its scale; relaxing the mandatory bid costs 1
    assert caught.value.binding == ("capital",)
    assert "capital (short by £50)" in str(caught.value)


def test_slacks_are_measured_on_the_original_numbers():
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    problem = Problem(("a", "b"), values,
                      (Row("budget", "budget", "<=", 10.0, np.array([3.0, 4.0])),),
                      (DrawRow("loss", "risk", -values, 0.0, 0.5),),
                      (CVaRRow("cvar", values, 0.5, -1.0),))
    table = slacks(problem, np.array([True, True]))
    assert table["budget"]["slack"] == pytest.approx(3.0)
    assert table["loss"]["slack"] == 1  # one draw allowed, none broken
    assert table["cvar"]["value"] == pytest.approx(3.0)
    assert table["cvar"]["slack"] == pytest.approx(4.0)
    assert math.isclose(table["budget"]["value"], 7.0)


def test_an_infeasible_chance_row_is_named_with_the_draws_it_needs():
    values = np.array([[-5.0, 1.0], [-5.0, 1.0], [-5.0, 1.0], [10.0, 1.0]])
    rows = (Row("mandatory: a", "mandatory", ">=", 1.0, np.array([1.0, 0.0]), unit="bids"),)
    # with a, three draws of four lose money; at most one may
    problem = Problem(("a", "b"), values, rows, (DrawRow("loss", "risk", -values, 0.0, 0.25),))
    with pytest.raises(InfeasibleError) as caught:
        solve(problem)
    assert caught.value.binding == ("loss",)
    assert "loss (short by 2 draws)" in str(caught.value)
