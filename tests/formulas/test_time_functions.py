"""lag(x, k) and cumulative(x): against a loop over periods, their identities and their errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpv import formulas
from bpv.errors import FormulaError, MissingValueError
from bpv.formulas import FUNCTIONS, RESERVED_NAMES, parse_formula
from bpv.formulas.time_functions import cumulative, lag

# Values as the engine lays them out: periods by draws.
finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)
any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
shapes = st.tuples(st.integers(1, 8), st.integers(1, 5))
arrays = shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=finite))
wild_arrays = shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=any_float))


def periods_of(x: np.ndarray) -> np.ndarray:
    return np.arange(x.shape[0], dtype=np.float64)[:, np.newaxis]


def lag_by_loop(x: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(x)
    for period in range(x.shape[0]):
        if period >= k:
            out[period] = x[period - k]
    return out


def cumulative_by_loop(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    total = np.zeros(x.shape[1:])
    for period in range(x.shape[0]):
        total = x[period] if period == 0 else total + x[period]
        out[period] = total
    return out


def evaluate(text: str, x: np.ndarray, **others: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return parse_formula(text).evaluate({"x": x, **others}, t=periods_of(x))


# -- against a loop over periods ----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(x=wild_arrays, k=st.integers(0, 10))
def test_lag_is_the_value_k_periods_earlier_and_0_before_the_start(x: np.ndarray,
                                                                   k: int) -> None:
    got = evaluate(f"lag(x, {k})", x)
    np.testing.assert_array_equal(got, lag_by_loop(x, k))  # NaN where NaN, to the bit
    assert got.dtype == np.float64
    assert not np.shares_memory(got, x)


@settings(max_examples=200, deadline=None)
@given(x=wild_arrays)
def test_cumulative_is_the_running_total_a_loop_over_periods_makes(x: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        want = cumulative_by_loop(x)
    np.testing.assert_array_equal(evaluate("cumulative(x)", x), want)


@settings(max_examples=100, deadline=None)
@given(x=arrays, k=st.integers(0, 6))
def test_a_parameter_is_repeated_over_the_periods_first(x: np.ndarray, k: int) -> None:
    # A parameter is one row of draws, (1, n): the same value in every period.
    row = x[:1]
    t = periods_of(x)
    repeated = np.repeat(row, x.shape[0], axis=0)
    got = parse_formula(f"lag(p, {k}) + cumulative(p)").evaluate({"p": row}, t=t)
    np.testing.assert_array_equal(got, lag_by_loop(repeated, k) + cumulative_by_loop(repeated))
    # A number too: cumulative(1) counts the periods.
    np.testing.assert_array_equal(
        np.broadcast_to(parse_formula("cumulative(1)").evaluate({}, t=t), x.shape),
        np.broadcast_to(t + 1, x.shape))


@settings(max_examples=100, deadline=None)
@given(x=arrays, y=arrays, k=st.integers(0, 4))
def test_the_argument_may_be_any_expression(x: np.ndarray, y: np.ndarray, k: int) -> None:
    y = np.resize(y, x.shape)
    got = evaluate(f"lag(x * 2 + max(y, 0), {k}) - cumulative(where(x > 0, y, 1))", x, y=y)
    want = lag_by_loop(x * 2 + np.maximum(y, 0), k) - cumulative_by_loop(np.where(x > 0, y, 1))
    np.testing.assert_array_equal(got, want)


# -- identities ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(x=arrays, a=st.integers(0, 6), b=st.integers(0, 6))
def test_lags_add_up(x: np.ndarray, a: int, b: int) -> None:
    np.testing.assert_array_equal(evaluate(f"lag(lag(x, {a}), {b})", x),
                                  evaluate(f"lag(x, {a + b})", x))
    np.testing.assert_array_equal(evaluate("lag(x, 0)", x), x)


@settings(max_examples=200, deadline=None)
@given(x=arrays)
def test_a_running_total_less_its_last_value_is_the_flow(x: np.ndarray) -> None:
    got = evaluate("cumulative(x) - lag(cumulative(x), 1)", x)
    # Exact but for rounding in the totals: at most an ulp or so of the largest total.
    scale = np.abs(cumulative_by_loop(np.abs(x))).max(initial=0.0)
    np.testing.assert_allclose(got, x, rtol=0, atol=4 * np.finfo(float).eps * scale)
    np.testing.assert_array_equal(got[0], x[0])


@settings(max_examples=100, deadline=None)
@given(x=arrays, d=st.integers(1, 9))
def test_the_cohort_pattern_is_a_sum_of_lags(x: np.ndarray, d: int) -> None:
    # Those who stay d periods: started this period or in the d - 1 before.
    staying = evaluate(f"cumulative(x) - lag(cumulative(x), {d})", x)
    sum_of_lags = sum(lag_by_loop(x, k) for k in range(d))
    scale = np.abs(cumulative_by_loop(np.abs(x))).max(initial=0.0)
    np.testing.assert_allclose(staying, sum_of_lags, rtol=0,
                               atol=8 * np.finfo(float).eps * scale)


def test_a_cohort_by_hand() -> None:
    # 100 start in each of the first three periods, none after; each stays 2 periods.
    starts = np.array([100.0, 100.0, 100.0, 0.0, 0.0, 0.0])
    staying = parse_formula("cumulative(starts) - lag(cumulative(starts), 2)").evaluate(
        {"starts": starts}, t=np.arange(6.0))
    np.testing.assert_array_equal(staying, [100, 200, 200, 100, 0, 0])


# -- layouts ------------------------------------------------------------------------------


def test_the_period_axis_is_where_t_runs() -> None:
    x = np.arange(12.0).reshape(3, 4)  # 3 periods by 4 draws
    by_periods = parse_formula("cumulative(x)").evaluate({"x": x}, t=np.arange(3.0)[:, None])
    np.testing.assert_array_equal(by_periods, np.cumsum(x, axis=0))
    # One value per period, t one-dimensional: broadcasting puts t on the last axis
    # of draws by periods, and lag and cumulative follow it there.
    by_draws = parse_formula("cumulative(x)").evaluate({"x": x.T}, t=np.arange(3.0))
    np.testing.assert_array_equal(by_draws, np.cumsum(x.T, axis=1))
    np.testing.assert_array_equal(lag(x.T, 1, t=np.arange(3.0)),
                                  lag(x, 1, np.arange(3.0)[:, None]).T)
    np.testing.assert_array_equal(cumulative(x[0], t=np.arange(4.0)), np.cumsum(x[0]))


def test_t_across_the_draws_is_refused_rather_than_summed_over_draws() -> None:
    x = np.ones((1, 3))
    with pytest.raises(ValueError, match=r"periods on its first axis.*got shape \(1, 3\)"):
        parse_formula("cumulative(x)").evaluate({"x": x}, t=np.arange(3.0)[np.newaxis, :])
    with pytest.raises(MissingValueError, match="calls lag or cumulative, which need the "
                       "period index 't'"):
        parse_formula("lag(x, 1)").evaluate({"x": x})


def test_a_lag_past_the_last_period_is_0_throughout() -> None:
    x = np.ones((4, 2))
    np.testing.assert_array_equal(evaluate("lag(x, 4)", x), np.zeros((4, 2)))
    np.testing.assert_array_equal(evaluate("lag(x, 1e20)", x), np.zeros((4, 2)))


def test_nan_before_the_start_is_not_lagged_in() -> None:
    x = np.array([[np.nan], [1.0], [2.0]])
    np.testing.assert_array_equal(evaluate("lag(x, 1)", x), [[0.0], [np.nan], [1.0]])
    np.testing.assert_array_equal(evaluate("lag(x, 2)", x), [[0.0], [0.0], [np.nan]])


# -- what a formula says about itself ----------------------------------------------------


def test_the_functions_are_listed_with_the_others() -> None:
    assert FUNCTIONS["lag"] == (2, 2)
    assert FUNCTIONS["cumulative"] == (1, 1)
    assert {"lag", "cumulative"} <= RESERVED_NAMES


@pytest.mark.parametrize("text", ["lag(x, 1)", "cumulative(x)", "lag(cumulative(2), 3)"])
def test_a_formula_over_time_uses_the_period_and_its_names(text: str) -> None:
    formula = parse_formula(text)
    assert formula.uses_period
    assert formula.names == ({"x"} if "x" in text else set())
    assert formula.functions <= {"lag", "cumulative"}


def test_a_lag_of_numbers_is_not_worked_out_as_a_constant() -> None:
    # Made only of numbers, yet it changes with the period: not folded.
    got = parse_formula("lag(2 * 3, 1)").evaluate({}, t=np.arange(3.0))
    np.testing.assert_array_equal(got, [0.0, 6.0, 6.0])


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("lag(x, -1)", r"^lag\(x, k\) looks back k periods, so k must be 0 or more; got -1$"),
    ("lag(x, -2.5)", r"k must be 0 or more; got -2.5$"),
    ("lag(x, 1.5)", r"^the periods k of lag\(x, k\) must be a whole number, such as 1 or 2; "
                    r"got 1.5$"),
    ("lag(x, y)", r"^the periods k of lag\(x, k\) must be written as a whole number, such as "
                  r"lag\(x, 1\), the same in every draw; got 'y'$"),
    ("lag(x, 1 + 1)", r"written as a whole number.*got '1 \+ 1'$"),
    ("lag(x, True)", r"written as a whole number.*got 'True'$"),
    ("lag(x)", r"^lag takes exactly 2 arguments, got 1: lag\(x, k\)$"),
    ("lag(x, 1, 2)", r"^lag takes exactly 2 arguments, got 3: lag\(x, k\)$"),
    ("lag(x, k=1)", r"keyword argument \('k=1'\) is not allowed; pass arguments by position: "
                    r"lag\(x, k\)"),
    ("cumulative(x, 1)", r"^cumulative takes exactly 1 argument, got 2: cumulative\(x\)$"),
    ("cumulative()", r"^cumulative takes exactly 1 argument, got 0"),
    ("lag + 1", r"'lag' is a function; call it, as in lag\(x, k\)"),
    ("cumlative(x)", r"unknown function 'cumlative' \(did you mean 'cumulative'\?\)"),
])
def test_a_wrong_call_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)


# -- the documentation --------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_docs_cohort_table_is_what_the_formulas_give() -> None:
    text = (DOCS / "formulas.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([\d |]+) \|$", text, re.MULTILINE))
    table = {label: np.array([float(v) for v in values.split("|")])
             for label, values in rows.items()}
    starts = table["starts"]
    t = np.arange(starts.size, dtype=np.float64)
    for label in ("cumulative(starts)", "lag(cumulative(starts), 2)"):
        np.testing.assert_array_equal(parse_formula(label).evaluate({"starts": starts}, t=t),
                                      table[label], label)
    enrolled = re.search(r'id: enrolled, .*formula: "([^"]+)"', text)
    assert enrolled is not None
    np.testing.assert_array_equal(
        parse_formula(enrolled.group(1)).evaluate({"starts": starts}, t=t), table["enrolled"])
    np.testing.assert_array_equal(
        parse_formula("starts + lag(starts, 1)").evaluate({"starts": starts}, t=t),
        table["enrolled"])  # "the same is a sum of d lags"


def test_the_docs_list_every_function() -> None:
    reference = (DOCS / "formulas.md").read_text(encoding="utf-8")
    design = (DOCS / "design" / "formulas.md").read_text(encoding="utf-8")
    module = formulas.__doc__ or ""
    for name in FUNCTIONS:
        assert f"`{name}(" in reference, name
        assert f"`{name}`" in design, name
        assert f"``{name}(" in module, name
