"""Tests of bpv.formulas: the node formula language."""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import dataclasses
import pickle
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpv import formulas
from bpv.errors import FormulaError, MissingValueError
from bpv.formulas import (
    FUNCTIONS,
    MAX_FORMULA_DEPTH,
    MAX_FORMULA_LENGTH,
    MAX_FORMULA_NODES,
    RESERVED_NAMES,
    parse_formula,
)

N_DRAWS, N_PERIODS = 5, 4
RNG = np.random.default_rng(20240601)
A = RNG.normal(size=(N_DRAWS, 1))  # a parameter
B = RNG.normal(size=(N_DRAWS, N_PERIODS))  # a node
P = RNG.uniform(0.5, 2.0, size=(N_DRAWS, 1))  # a positive parameter
T = np.arange(float(N_PERIODS))[np.newaxis, :]  # the period index
VALUES = {"a": A, "b": B, "p": P}


def evaluate(text: str, values: dict[str, Any] = VALUES, t: Any = T) -> np.ndarray:
    return parse_formula(text).evaluate(values, t)


def float01(condition: Any) -> np.ndarray:
    return np.asarray(condition, dtype=np.float64)


# -- the public API -----------------------------------------------------------


def test_all_names_exist_and_nothing_private_leaks() -> None:
    for name in formulas.__all__:
        assert hasattr(formulas, name)
        assert not name.startswith("_")
    assert {"Formula", "parse_formula"} <= set(formulas.__all__)


def test_functions_and_reserved_names() -> None:
    assert dict(FUNCTIONS) == {
        "abs": (1, 1),
        "clip": (3, 3),
        "cumulative": (1, 1),
        "exp": (1, 1),
        "lag": (2, 2),
        "log": (1, 1),
        "max": (2, None),
        "min": (2, None),
        "sqrt": (1, 1),
        "where": (3, 3),
    }
    assert frozenset(FUNCTIONS) | {"t"} == RESERVED_NAMES
    with pytest.raises(TypeError):
        FUNCTIONS["open"] = (1, 1)  # type: ignore[index]


def test_limits_are_as_documented() -> None:
    assert (MAX_FORMULA_LENGTH, MAX_FORMULA_DEPTH, MAX_FORMULA_NODES) == (2_000, 100, 1_000)


# -- evaluation against numpy -------------------------------------------------

EXPECTED: list[tuple[str, Callable[[], Any]]] = [
    # arithmetic
    ("a + b", lambda: A + B),
    ("a - b", lambda: A - B),
    ("a * b", lambda: A * B),
    ("a / b", lambda: A / B),
    ("p ** a", lambda: P**A),
    ("p ** 0.5", lambda: np.sqrt(P)),
    ("-a", lambda: -A),
    ("+a", lambda: A),
    ("--a", lambda: A),
    ("a - -b", lambda: A + B),
    # precedence and associativity (Python's)
    ("a + b * p", lambda: A + B * P),
    ("(a + b) * p", lambda: (A + B) * P),
    ("a - b - p", lambda: (A - B) - P),
    ("a / b / p", lambda: (A / B) / P),
    ("-p ** 2", lambda: -(P**2)),
    ("p ** -1", lambda: 1 / P),
    ("p ** 2 ** 3", lambda: P ** (2**3)),
    ("2 * p ** 2", lambda: 2 * P**2),
    ("a + 1 > b", lambda: float01((A + 1) > B)),
    ("not a > b", lambda: float01(~(A > B))),
    ("a > 0 or b > 0 and p > 1", lambda: float01((A > 0) | ((B > 0) & (P > 1)))),
    ("1 if a > 0 else 2 if b > 0 else 3", lambda: np.where(A > 0, 1.0, np.where(B > 0, 2.0, 3.0))),
    # comparisons give 0.0 / 1.0, and chain
    ("a < b", lambda: float01(A < B)),
    ("a <= b", lambda: float01(A <= B)),
    ("a > b", lambda: float01(A > B)),
    ("a >= b", lambda: float01(A >= B)),
    ("a == a", lambda: np.ones_like(A)),
    ("a != b", lambda: float01(A != B)),
    ("a < b < p", lambda: float01((A < B) & (B < P))),
    ("-1 < b <= 0 < p", lambda: float01((B > -1) & (B <= 0) & (P > 0))),
    ("a < b > p", lambda: float01((A < B) & (B > P))),
    # and / or / not, elementwise, 0.0 / 1.0
    ("a > 0 and b > 0", lambda: float01((A > 0) & (B > 0))),
    ("a > 0 or b > 0", lambda: float01((A > 0) | (B > 0))),
    ("a > 0 and b > 0 and p > 1", lambda: float01((A > 0) & (B > 0) & (P > 1))),
    ("a and b", lambda: float01((A != 0) & (B != 0))),
    ("not b", lambda: float01(B == 0)),
    ("not (b > 0)", lambda: float01(B <= 0)),
    # conditional expression
    ("a if b > 0 else p", lambda: np.where(B > 0, A, P)),
    ("b if a else 0", lambda: np.where(A != 0, B, 0.0)),
    # every function
    ("min(a, b)", lambda: np.minimum(A, B)),
    ("max(a, b)", lambda: np.maximum(A, B)),
    ("min(a, b, p, 0.1)", lambda: np.minimum(np.minimum(np.minimum(A, B), P), 0.1)),
    ("max(a, b, p, 0.1)", lambda: np.maximum(np.maximum(np.maximum(A, B), P), 0.1)),
    ("clip(b, -0.5, 0.5)", lambda: np.clip(B, -0.5, 0.5)),
    ("clip(b, a, p)", lambda: np.minimum(np.maximum(B, A), P)),
    ("where(b > 0, a, p)", lambda: np.where(B > 0, A, P)),
    ("where(b, 1, 0)", lambda: float01(B != 0)),
    ("exp(a)", lambda: np.exp(A)),
    ("log(p)", lambda: np.log(P)),
    ("sqrt(p)", lambda: np.sqrt(P)),
    ("abs(b)", lambda: np.abs(B)),
    ("abs(min(a, b)) + exp(-p)", lambda: np.abs(np.minimum(A, B)) + np.exp(-P)),
    # the period index
    ("t", lambda: T),
    ("a * (t == 0)", lambda: A * (T == 0)),
    ("where(t < 2, 0, b)", lambda: np.where(T < 2, 0.0, B)),
    ("a * 1.035 ** -t", lambda: A * 1.035**-T),
    ("min(1, (t + 1) / 2)", lambda: np.minimum(1, (T + 1) / 2)),
    # numbers
    ("1_000 * a", lambda: 1000 * A),
    ("2.5e-3 * a", lambda: 0.0025 * A),
    ("7 / 2", lambda: np.float64(3.5)),
    ("2 ** 10", lambda: np.float64(1024)),
    ("-2 ** 2", lambda: np.float64(-4)),
    ("0.1 + 0.2", lambda: np.float64(0.1) + np.float64(0.2)),
]


@pytest.mark.parametrize(("text", "expected"), EXPECTED, ids=[text for text, _ in EXPECTED])
def test_evaluates_like_numpy(text: str, expected: Callable[[], Any]) -> None:
    want = np.asarray(expected(), dtype=np.float64)
    got = evaluate(text)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


def test_period_index_broadcasts_against_parameters() -> None:
    got = evaluate("a * (t + 1)")
    assert got.shape == (N_DRAWS, N_PERIODS)
    np.testing.assert_array_equal(got, A * (T + 1))


def test_capital_cost_in_the_first_period_only() -> None:
    capex = np.array([[100.0], [200.0]])
    got = parse_formula("capex * (t == 0)").evaluate({"capex": capex}, t=np.arange(3)[None, :])
    np.testing.assert_array_equal(got, [[100.0, 0.0, 0.0], [200.0, 0.0, 0.0]])


def test_a_formula_of_numbers_is_a_0d_array() -> None:
    got = parse_formula("2 * 3 + 1").evaluate({})
    assert got.shape == ()
    assert got.dtype == np.float64
    assert float(got) == 7.0


def test_integer_inputs_are_float64_and_division_is_true_division() -> None:
    got = parse_formula("x / y").evaluate({"x": [1, 2, 3], "y": 2})
    np.testing.assert_array_equal(got, [0.5, 1.0, 1.5])
    assert got.dtype == np.float64


def test_nan_semantics() -> None:
    x = np.array([np.nan, 0.0, 1.0])
    values = {"x": x}
    # comparisons with NaN are false, except !=
    np.testing.assert_array_equal(parse_formula("x < 1").evaluate(values), [0, 1, 0])
    np.testing.assert_array_equal(parse_formula("x == x").evaluate(values), [0, 1, 1])
    np.testing.assert_array_equal(parse_formula("x != 1").evaluate(values), [1, 1, 0])
    # NaN is true as a condition, like any non-zero value
    np.testing.assert_array_equal(parse_formula("where(x, 1, 2)").evaluate(values), [1, 2, 1])
    np.testing.assert_array_equal(parse_formula("1 if x else 2").evaluate(values), [1, 2, 1])
    np.testing.assert_array_equal(parse_formula("not x").evaluate(values), [0, 1, 0])
    np.testing.assert_array_equal(parse_formula("x and 1").evaluate(values), [1, 0, 1])
    # NaN propagates through arithmetic and min / max / clip
    for text in ("x + 1", "min(x, 5)", "max(x, -5)", "clip(x, 0, 1)"):
        assert np.isnan(parse_formula(text).evaluate(values)[0]), text


def test_and_or_evaluate_both_sides() -> None:
    # No short-circuit: a zero on the left still evaluates the right, elementwise.
    with np.errstate(divide="ignore"):
        got = parse_formula("x > 0 and 1 / x > 0.5").evaluate({"x": np.array([0.0, 1.0, 4.0])})
    np.testing.assert_array_equal(got, [0.0, 1.0, 0.0])


def test_runtime_floating_point_follows_numpys_error_state() -> None:
    f = parse_formula("x / y")
    values = {"x": np.array([1.0, 0.0]), "y": np.array([0.0, 0.0])}
    with np.errstate(divide="ignore", invalid="ignore"):
        got = f.evaluate(values)
    assert got[0] == np.inf
    assert np.isnan(got[1])
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        f.evaluate(values)
    with np.errstate(divide="warn", invalid="ignore"), pytest.warns(RuntimeWarning):
        f.evaluate(values)


def test_parsing_leaves_numpys_error_state_alone() -> None:
    before = np.geterr()
    with pytest.raises(FormulaError):
        parse_formula("x + 1 / 0")
    parse_formula("x + 2 ** 0.5")
    assert np.geterr() == before


# -- names and uses_period ----------------------------------------------------

NAMES: list[tuple[str, set[str], bool]] = [
    ("patients * admit_rate * admission_reduction",
     {"patients", "admit_rate", "admission_reduction"}, False),
    ("capex * (t == 0)", {"capex"}, True),
    ("where(t < 2, 0, savings)", {"savings"}, True),
    ("min(x, y, x) + max(y, 1)", {"x", "y"}, False),
    ("t", set(), True),
    ("t * t + 1", set(), True),
    ("1 + 2", set(), False),
    ("exp(log(sqrt(abs(clip(a1, lo, hi)))))", {"a1", "lo", "hi"}, False),
    ("a if t else b", {"a", "b"}, True),
    ("tt + t1 + T", {"tt", "t1", "T"}, False),
    ("minimum + maxi + where_", {"minimum", "maxi", "where_"}, False),
    ("x < y <= z", {"x", "y", "z"}, False),
    ("(\n  x +  # a comment\n  y\n)", {"x", "y"}, False),
    ("  x * 2", {"x"}, False),
]


@pytest.mark.parametrize(("text", "names", "uses_period"), NAMES)
def test_names_and_uses_period(text: str, names: set[str], uses_period: bool) -> None:
    formula = parse_formula(text)
    assert formula.names == frozenset(names)
    assert isinstance(formula.names, frozenset)
    assert formula.uses_period is uses_period
    assert formula.text == text


# -- evaluate's contract ------------------------------------------------------


def test_missing_name_is_a_key_error_and_a_formula_error() -> None:
    f = parse_formula("admit_rate * patients")
    message = (r"^no value for 'admit_rate' \(did you mean 'admit_rte'\?\); "
               r"the formula uses admit_rate, patients$")
    with pytest.raises(MissingValueError, match=message):
        f.evaluate({"admit_rte": 1.0, "patients": 2.0})
    with pytest.raises(KeyError):
        f.evaluate({"patients": 2.0})
    with pytest.raises(FormulaError, match="no values for 'admit_rate', 'patients'"):
        f.evaluate({})


def test_missing_period_index() -> None:
    with pytest.raises(MissingValueError, match="uses the period index 't', but no t was given"):
        parse_formula("x * t").evaluate({"x": 1.0})
    # not needed, so not asked for
    np.testing.assert_array_equal(parse_formula("x * 2").evaluate({"x": 1.0}), 2.0)


def test_extra_values_are_ignored() -> None:
    got = parse_formula("x + 1").evaluate({"x": 1.0, "unused": "not even a number"})
    assert float(got) == 2.0


@pytest.mark.parametrize("text", ["a", "t", "+a", "(a)", "a * 1", "min(a, a)", "a if 1 else b",
                                  "where(1, a, b)", "clip(b, -9, 9)", "abs(p)"])
def test_result_is_new_and_inputs_are_untouched(text: str) -> None:
    a, b, p, t = (x.copy() for x in (A, B, P, T))
    for array in (a, b, p, t):
        array.flags.writeable = False  # any write would raise
    got = parse_formula(text).evaluate({"a": a, "b": b, "p": p}, t)
    assert got.flags.writeable
    for array in (a, b, p, t):
        assert not np.shares_memory(got, array)
    got[...] = -1.0
    np.testing.assert_array_equal(a, A)
    np.testing.assert_array_equal(b, B)
    np.testing.assert_array_equal(t, T)


def test_parsing_is_cached_and_formulas_are_frozen_values() -> None:
    f = parse_formula("cached_x * 3")
    assert parse_formula("cached_x * 3") is f
    assert parse_formula("cached_x*3") is not f
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.text = "y"  # type: ignore[misc]
    assert hash(f) == hash(parse_formula("cached_x * 3"))
    assert "cached_x * 3" in repr(f)


def test_formulas_pickle_and_copy_by_text() -> None:
    f = parse_formula("min(x, t) * 2")
    g = pickle.loads(pickle.dumps(f))  # noqa: S301 (our own object, round trip)
    assert g == f
    np.testing.assert_array_equal(g.evaluate({"x": 1.0}, t=[0, 3]), [0.0, 2.0])
    assert copy.deepcopy(f) == f


# -- rejections -----------------------------------------------------------------

ALLOWED_HINT = "formulas use numbers, names, arithmetic, comparisons"
REJECTED: list[tuple[str, str]] = [
    # calls of anything but the whitelisted functions
    ("__import__('os')", r"unknown function '__import__'; the functions are abs, clip, cumulative, "
                         r"exp, lag, log, max, min, sqrt, where$"),
    ("open('f')", "unknown function 'open'"),
    ("exec('1')", "unknown function 'exec'"),
    ("eval('1')", "unknown function 'eval'"),
    ("getattr(x, 'y')", "unknown function 'getattr'"),
    ("f(x=1)", "unknown function 'f'"),
    ("mn(a, b)", r"unknown function 'mn' \(did you mean 'min'\?\)"),
    ("Max(a, b)", r"did you mean 'max'\?"),
    ("(lambda: 1)()", "calling 'lambda: 1' is not allowed; call a function by its name"),
    ("min(a, b)(c)", r"calling 'min\(a, b\)' is not allowed"),
    ("t(1)", "'t' is the period index, not a function"),
    ("min", r"'min' is a function; call it, as in min\(a, b, \.\.\.\)"),
    ("x + exp", r"'exp' is a function; call it, as in exp\(x\)"),
    # attribute access
    ("().__class__", r"attribute access \('\.__class__'\) is not allowed; " + ALLOWED_HINT),
    ("x.__class__", r"attribute access \('\.__class__'\) is not allowed"),
    ("x.real", r"attribute access \('\.real'\)"),
    ("np.exp(x)", r"attribute access \('\.exp'\)"),
    ("(1).__class__.__bases__", r"attribute access \('\.__bases__'\)"),
    # other constructs
    ("x[0]", r"indexing \('x\[0\]'\) is not allowed; " + ALLOWED_HINT),
    ("x[1:2]", r"indexing \('x\[1:2\]'\)"),
    ("lambda: 1", r"a lambda \('lambda: 1'\) is not allowed"),
    ("[x for x in y]", r"a comprehension \('\[x for x in y\]'\)"),
    ("{x for x in y}", "a comprehension"),
    ("sum(x for x in y)", "unknown function 'sum'"),
    ("min(a, (x for x in y))", "a generator expression"),
    ("min(x for x in y)", "min needs at least 2 arguments, got 1"),
    ("[1, 2]", r"a list \('\[1, 2\]'\)"),
    ("{1}", "a set"),
    ("{1: 2}", "a dict"),
    ("1,000", r"a comma outside a function call \('1,000'\) is not allowed; write numbers without "
              "thousands separators"),
    ("(x, y)", "a comma outside a function call"),
    ("*x", "invalid syntax at column 1"),
    ("min(*x)", r"unpacking with '\*' \('\*x'\)"),
    ("min(a, b=1)", r"keyword argument \('b=1'\) is not allowed; pass arguments by position: "
                    r"min\(a, b, \.\.\.\)"),
    ("min(**x)", "keyword argument"),
    ("(x := 1)", "assignment with ':='"),
    ("f'{x}'", "an f-string"),
    ("(yield)", "yield"),
    ("await x", "await"),
    ("x if y", "invalid syntax.*expected 'else'"),
    ("x = 1", "invalid syntax at column 3"),
    # literals that are not numbers
    ('"abc"', r"""text \('"abc"'\) is not allowed"""),
    ("'abc'", "text"),
    ("b'x'", "bytes"),
    ("True", "True is not allowed; write 1 instead"),
    ("False * x", "False is not allowed; write 0 instead"),
    ("None", "None"),
    ("...", "an ellipsis"),
    ("1j", "a complex number"),
    ("x * 2j", "a complex number"),
    # operators left out
    ("x % 2", r"the operator '%' is not allowed; write a percentage as a decimal \(10% is 0\.10\)"),
    ("10%", "a percentage is written as a decimal: write 0.1, not 10%"),
    ("x // 2", "the operator '//' is not allowed"),
    ("x & y", "the operator '&' is not allowed; use 'and'"),
    ("x | y", "the operator '\\|' is not allowed; use 'or'"),
    ("x ^ 2", r"the operator '\^' is not allowed; use '\*\*' for a power"),
    ("~x", "the operator '~' is not allowed; use 'not'"),
    ("x << 1", "the operator '<<'"),
    ("x >> 1", "the operator '>>'"),
    ("x @ y", "the operator '@'"),
    ("x is y", "the comparison 'is' is not allowed; use <, <=, >, >=, == or !="),
    ("x is not y", "the comparison 'is not'"),
    ("x in y", "the comparison 'in'"),
    ("x not in y", "the comparison 'not in'"),
    # names
    ("_private", "name '_private' is not allowed: names may not start with '_'"),
    ("x + __builtins__", "name '__builtins__' is not allowed"),
    ("café", "name 'café' is not allowed: use ASCII letters, digits and underscores"),
    ("ｘ + 1", "name 'ｘ' is not allowed"),  # full-width x, which Python folds to 'x'
    # arity
    ("min(x)", r"^min needs at least 2 arguments, got 1: min\(a, b, \.\.\.\)$"),
    ("max()", "max needs at least 2 arguments, got 0"),
    ("exp(x, y)", r"^exp takes exactly 1 argument, got 2: exp\(x\)$"),
    ("log()", "log takes exactly 1 argument, got 0"),
    ("clip(x, 0)", r"clip takes exactly 3 arguments, got 2: clip\(x, low, high\)"),
    ("where(x, 1)", "where takes exactly 3 arguments, got 2"),
    # constant parts that are not finite
    ("9**9**9",
     r"^constant expression '9\*\*9\*\*9' is not finite: it works out to inf in float64$"),
    ("1e308*10", r"constant expression '1e308\*10' is not finite"),
    ("x + 0/0", "constant expression '0/0' is not finite: it works out to nan"),
    ("x * (1 / 0)", "constant expression '1 / 0' is not finite"),
    ("log(0) + x", r"constant expression 'log\(0\)' is not finite: it works out to -inf"),
    ("sqrt(-1)", "it works out to nan"),
    ("(-8) ** (1/3)", "not finite"),
    ("1e999", "constant expression '1e999' is not finite"),
    ("x * 10**400", "not finite"),
    ("1" * 400, "not finite"),
    ("exp(1000) * x", "not finite"),
    # syntax
    ("", "^formula is empty$"),
    ("   \n ", "^formula is empty$"),
    ("x + * y", r"^invalid syntax at column 5 \(at '\* y'\)$"),
    ("  x + * y", "invalid syntax at column 7"),
    ("(x +\n  (", r"invalid syntax at line 2, column 3 \(at '\('\): '\(' was never closed"),
    ("min(x, y", "'\\(' was never closed"),
    ("x)", "unmatched '\\)'"),
    ("x y", "invalid syntax at column 3"),
    ("x +\n y", "invalid syntax"),
    ("1if x else 2", "invalid decimal literal"),
    ("£1000", r"invalid character '£'"),
    ("x\0", "null bytes"),
    ("\ud800", "formula cannot be read"),
    ("# just a comment", "invalid syntax"),
]


@pytest.mark.parametrize(("text", "match"), REJECTED, ids=[repr(text) for text, _ in REJECTED])
def test_rejected(text: str, match: str) -> None:
    with pytest.raises(FormulaError, match=match):
        parse_formula(text)


def test_rejection_messages_carry_no_location_or_chained_errors() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("x + y[0]")
    assert str(info.value).startswith("indexing ('y[0]')")
    assert info.value.__context__ is None
    with pytest.raises(FormulaError) as info:
        parse_formula("x + ")
    assert str(info.value) == "invalid syntax at the end of the formula"
    assert info.value.__suppress_context__  # the SyntaxError is not shown to users


def test_syntax_warnings_become_errors_without_leaking() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FormulaError, match="invalid decimal literal"):
            parse_formula("1if x else 2")
        with pytest.raises(FormulaError, match="invalid hexadecimal literal"):
            parse_formula("0x1for x")
        with pytest.raises(FormulaError):
            parse_formula("'\\d'")
    assert caught == []


# -- limits ---------------------------------------------------------------------


def test_a_very_long_formula_is_rejected_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("ast.parse was called")

    monkeypatch.setattr(ast, "parse", fail)
    text = "x" * 1_000_000
    message = r"^formula is 1,000,000 characters long; the limit is 2,000$"
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)
    with pytest.raises(FormulaError, match="formula is 250,000 characters long"):
        parse_formula("(" * 125_000 + ")" * 125_000)


@pytest.mark.parametrize("depth", [5_000, 999, 101])
def test_deeply_nested_brackets(depth: int) -> None:
    text = "(" * depth + "x" + ")" * depth
    too_long = len(text) > MAX_FORMULA_LENGTH
    match = "characters long" if too_long else f"nests brackets {depth:,} deep"
    with pytest.raises(FormulaError, match=match):
        parse_formula(text)


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = MAX_FORMULA_DEPTH
    assert parse_formula("(" * depth + "x" + ")" * depth).names == {"x"}
    assert float(parse_formula("-" * 99 + "x").evaluate({"x": 1.0})) == -1.0
    unbalanced = "[" * (MAX_FORMULA_DEPTH + 1)
    with pytest.raises(FormulaError, match="nests brackets 101 deep"):
        parse_formula(unbalanced)


@pytest.mark.parametrize(
    "text",
    [
        "-" * 101 + "x",
        "not " * 150 + "x",
        "+".join(["x"] * 150),
        "x" + " ** x" * 150,
        "-" * 1_990 + "x",
        "-(-" * 60 + "x" + ")" * 60,
        "1 if x else " * 150 + "0",
    ],
    ids=["unary", "not", "sum", "power", "long unary", "mixed", "conditional"],
)
def test_deep_expressions_without_brackets(text: str) -> None:
    with pytest.raises(FormulaError, match=r"nested (more than 100 levels deep|too deeply)"):
        parse_formula(text)


def test_too_many_parts() -> None:
    group = "+".join(["x"] * 40)  # 79 parts, 40 deep
    text = "min(" + ",".join([group] * 20) + ")"
    assert len(text) <= MAX_FORMULA_LENGTH
    with pytest.raises(FormulaError, match="formula has more than 1,000 parts"):
        parse_formula(text)
    fine = "min(" + ",".join([group] * 12) + ")"  # 949 parts
    assert parse_formula(fine).names == {"x"}


@pytest.mark.parametrize("error", [RecursionError, MemoryError])
def test_parser_exhaustion_is_worded(
    monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(ast, "parse", exhausted)
    message = "formula is nested too deeply to read; the limit is 100"
    with pytest.raises(FormulaError, match=message):
        parse_formula(f"x + {error.__name__.lower()}")


# -- property tests ---------------------------------------------------------------


class CodeExecutionError(Exception):
    """Raised by the guards below if anything tries to run code."""


# warnings.filterwarnings imports re on each call; the parser imports unicodedata to
# normalise non-ASCII names.
_ALLOWED_IMPORTS = {"re", "unicodedata"}


@contextlib.contextmanager
def no_code_execution() -> Iterator[None]:
    """Make eval, exec, compile-to-bytecode and imports (other than of ``re``) raise."""
    real_compile, real_import = builtins.compile, builtins.__import__

    def refuse(*args: object, **kwargs: object) -> None:
        raise CodeExecutionError(args)

    def compile_ast_only(source: Any, filename: Any, mode: str, flags: int = 0,
                         *args: Any, **kwargs: Any) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            raise CodeExecutionError(source)
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def import_nothing(name: str, *args: Any, **kwargs: Any) -> Any:
        if name not in _ALLOWED_IMPORTS:
            raise CodeExecutionError(name)
        return real_import(name, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patcher:
        patcher.setattr(builtins, "eval", refuse)
        patcher.setattr(builtins, "exec", refuse)
        patcher.setattr(builtins, "compile", compile_ast_only)
        patcher.setattr(builtins, "__import__", import_nothing)
        yield


def test_the_guard_catches_code_execution() -> None:
    with no_code_execution():
        with pytest.raises(CodeExecutionError):
            compile("1", "<test>", "eval")
        with pytest.raises(CodeExecutionError):
            __import__("os")
        for name in ("eval", "exec"):
            with pytest.raises(CodeExecutionError):
                getattr(builtins, name)("1")
        assert isinstance(ast.parse("1", mode="eval"), ast.Expression)
    assert builtins.compile("1", "<test>", "eval") is not None


FORBIDDEN = [
    "__import__('os')", "__import__('os').system('echo hi')", "().__class__",
    "().__class__.__bases__[0].__subclasses__()", "x.__class__", "open('f')", "x[0]",
    "x[1:2]", "lambda: 1", "(lambda: 1)()", "[x for x in y]", "(x for x in y)", '"abc"',
    "b'abc'", "True", "False", "None", "...", "1j", "f'{x}'", "(x := 1)", "{1: 2}", "{1}",
    "[1]", "(1, 2)", "1,000", "x % 2", "x // 2", "x & y", "x | y", "x ^ y", "~x", "x << 1",
    "x @ y", "x is y", "x in y", "x not in y", "min(*x)", "min(x, y=1)", "min(**x)",
    "exec('1')", "eval('1')", "compile('1', 'f', 'eval')", "globals()", "vars()",
    "breakpoint()", "print(x)", "getattr(x, 'y')", "type(x)", "_x", "__builtins__",
    "x.y(1)", "9**9**9", "1/0", "0/0", "sqrt(-1)", "log(0)", "1e999", "(yield)",
    "(await x)", "min(x)", "exp(x, y)", "clip(x, y)", "where(x, y)", "t(1)", "min", "exp",
    "x if True else y", "x.real", "café", "1if x else 2",
]
TEMPLATES = [
    "{v} + ({bad})", "({bad}) * {v}", "min({v}, ({bad}))", "max(({bad}), {v}, {v})",
    "({bad}) if {v} else {v}", "{v} if ({bad}) else {v}", "-({bad})", "not ({bad})",
    "{v} < ({bad}) <= {v}", "where({v}, ({bad}), 1)", "exp(({bad}))", "({bad}) and {v}",
    "{v} ** ({bad})", "clip({v}, ({bad}), {v})", "({bad})",
]
VALID_PARTS = ["x", "y", "t", "1", "2.5", "(x + y)", "exp(x)", "min(x, t)", "x * (t == 0)"]


@st.composite
def hostile_formulas(draw: st.DrawFn) -> str:
    bad = draw(st.sampled_from(FORBIDDEN))
    for _ in range(draw(st.integers(0, 3))):
        template = draw(st.sampled_from(TEMPLATES))
        bad = template.format(bad=bad, v=draw(st.sampled_from(VALID_PARTS)))
    return bad


@settings(max_examples=200, deadline=None)
@given(hostile_formulas())
def test_hostile_formulas_are_rejected_and_never_run(text: str) -> None:
    with pytest.raises(FormulaError), no_code_execution():
        parse_formula(text)


# Valid expression trees, rendered as text alongside the value numpy gives.
X = RNG.uniform(-3, 3, size=(4, 1))
Y = RNG.uniform(-3, 3, size=(1, 3))
Z = RNG.uniform(-3, 3, size=(4, 3))
Z[0, 0] = 0.0
TREE_VALUES = {"x": X, "y": Y, "z": Z}
TREE_T = np.arange(3.0)[np.newaxis, :]


@dataclasses.dataclass(frozen=True)
class Expr:
    text: str
    value: Any  # what numpy gives, computed independently of bpv
    constant: bool  # made only of numbers
    bad_constant: bool  # has a part made only of numbers that is not finite


def _combine(text: str, value: Any, parts: list[Expr]) -> Expr:
    constant = all(part.constant for part in parts)
    bad = any(part.bad_constant for part in parts)
    if constant and not bad:
        bad = not np.isfinite(value)
    return Expr(text, value, constant, bad)


def _truth(value: Any) -> Any:
    return np.not_equal(value, 0.0)


def _as_float(value: Any) -> Any:
    return np.asarray(value, dtype=np.float64)


BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "**": np.power}
COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": np.equal, "!=": np.not_equal}
UNARY_FUNCTIONS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}

leaves = st.one_of(
    st.sampled_from(["x", "y", "z", "t"]).map(
        lambda name: Expr(name, TREE_VALUES.get(name, TREE_T), False, False)),
    st.integers(0, 12).map(lambda n: Expr(str(n), np.float64(n), True, False)),
    st.floats(-20, 20, allow_nan=False, allow_infinity=False, width=64).map(
        lambda f: Expr(f"({f!r})", np.float64(f), True, False)),
)


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    def binary(args: tuple[str, Expr, Expr]) -> Expr:
        op, a, b = args
        return _combine(f"({a.text} {op} {b.text})", BINARY[op](a.value, b.value), [a, b])

    def compare(args: tuple[list[str], list[Expr]]) -> Expr:
        ops, parts = args
        text = parts[0].text
        holds: Any = True
        for op, left, right in zip(ops, parts, parts[1:], strict=False):
            text += f" {op} {right.text}"
            holds = np.logical_and(holds, COMPARE[op](left.value, right.value))
        return _combine(f"({text})", _as_float(holds), parts)

    def boolean(args: tuple[str, list[Expr]]) -> Expr:
        op, parts = args
        combine = np.logical_and if op == "and" else np.logical_or
        value: Any = _truth(parts[0].value)
        for part in parts[1:]:
            value = combine(value, _truth(part.value))
        text = f" {op} ".join(part.text for part in parts)
        return _combine(f"({text})", _as_float(value), parts)

    def unary(args: tuple[str, Expr]) -> Expr:
        op, a = args
        if op == "not":
            value = _as_float(np.equal(a.value, 0.0))
        else:
            value = np.negative(a.value) if op == "-" else np.positive(a.value)
        return _combine(f"({op} {a.text})", value, [a])

    def conditional(args: tuple[Expr, Expr, Expr]) -> Expr:
        a, c, b = args
        value = np.where(_truth(c.value), a.value, b.value)
        return _combine(f"({a.text} if {c.text} else {b.text})", value, [a, c, b])

    def function(args: tuple[str, list[Expr]]) -> Expr:
        name, parts = args
        values = [part.value for part in parts]
        if name in UNARY_FUNCTIONS:
            parts = parts[:1]
            value = UNARY_FUNCTIONS[name](values[0])
        elif name in ("min", "max"):
            value = values[0]
            for other in values[1:]:
                value = (np.minimum if name == "min" else np.maximum)(value, other)
        elif name == "clip":
            parts = parts[:3]
            value = np.minimum(np.maximum(values[0], values[1]), values[2])
        else:  # where
            parts = parts[:3]
            value = np.where(_truth(values[0]), values[1], values[2])
        return _combine(f"{name}({', '.join(part.text for part in parts)})", value, parts)

    return st.one_of(
        st.tuples(st.sampled_from(sorted(BINARY)), inner, inner).map(binary),
        st.integers(1, 3).flatmap(lambda n: st.tuples(
            st.lists(st.sampled_from(sorted(COMPARE)), min_size=n, max_size=n),
            st.lists(inner, min_size=n + 1, max_size=n + 1))).map(compare),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3)).map(
            boolean),
        st.tuples(st.sampled_from(["-", "+", "not"]), inner).map(unary),
        st.tuples(inner, inner, inner).map(conditional),
        # lag and cumulative read along the periods: tests/formulas/test_time_functions.py.
        st.tuples(st.sampled_from(sorted(set(FUNCTIONS) - {"lag", "cumulative"})),
                  st.lists(inner, min_size=4, max_size=4)).map(function),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=5)).map(
            function),
    )


def _numpy_quietly(strategy: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    # The reference values are computed while drawing; keep numpy quiet there.
    def draw_quietly(draw: st.DrawFn) -> Expr:
        with np.errstate(all="ignore"):
            return draw(strategy)

    return st.composite(draw_quietly)()


expressions = _numpy_quietly(st.recursive(leaves, _extend, max_leaves=16))


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_random_expressions_evaluate_like_numpy(expr: Expr) -> None:
    with no_code_execution():
        if expr.bad_constant:
            with pytest.raises(FormulaError, match=r"constant expression .* is not finite"):
                parse_formula(expr.text)
            return
        formula = parse_formula(expr.text)
        with np.errstate(all="ignore"):
            got = formula.evaluate(TREE_VALUES, t=TREE_T)
    want = np.asarray(expr.value, dtype=np.float64)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
    names = set(re.findall(r"\b[xyzt]\b", expr.text))
    assert formula.names == names - {"t"}
    assert formula.uses_period == ("t" in names)


FORMULA_ALPHABET = "xyzt_abc0123456789.e+-*/%()[]{}<>=!,:;'\"#@&|^~ \n\tifelsnotandorminaxwhr"


def _parse_or_reject(text: str) -> None:
    with no_code_execution():
        try:
            formula = parse_formula(text)
        except FormulaError:
            return
        with np.errstate(all="ignore"):
            values = dict.fromkeys(formula.names, Z)
            got = formula.evaluate(values, t=TREE_T)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_parses_or_raises_formula_error(text: str) -> None:
    _parse_or_reject(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=FORMULA_ALPHABET, max_size=120))
def test_formula_like_text_parses_or_raises_formula_error(text: str) -> None:
    _parse_or_reject(text)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="([{-+~ x", min_size=1_000, max_size=2_100))
def test_long_nested_text_fails_cleanly(text: str) -> None:
    _parse_or_reject(text)


def test_power_of_the_period_index_matches_numpy():
    base = np.array([[1.02], [0.9], [-1.5], [0.0], [np.inf], [np.nan]])
    t = np.arange(12.0)[np.newaxis, :]
    with np.errstate(all="ignore"):  # inf and nan bases are part of the check
        got = parse_formula("x ** t").evaluate({"x": base}, t=t)
        expected = np.power(base, t)
    np.testing.assert_allclose(got, expected, rtol=1e-14, equal_nan=True)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    # Other exponents and shapes fall back to numpy's power exactly.
    odd_t = np.array([[0.5, 1.5]])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(parse_formula("x ** t").evaluate({"x": base}, t=odd_t),
                                      np.power(base, odd_t))


@pytest.mark.parametrize("text", ["a * b + c", "a * (1 + b) ** t", "min(a, b) * t", "a", "2 * 3",
                                  "where(t < 2, a, b) / c"])
def test_evaluating_into_a_buffer_gives_the_same_values(text):
    rng = np.random.default_rng(0)
    values = {"a": rng.random((1, 7)), "b": rng.random((1, 7)), "c": rng.random((4, 7)) + 1}
    t = np.arange(4.0)[:, np.newaxis]
    formula = parse_formula(text)
    out = np.full((4, 7), np.nan)
    assert formula.evaluate(values, t, out=out) is out
    np.testing.assert_array_equal(out, np.broadcast_to(formula.evaluate(values, t), (4, 7)))


@pytest.mark.parametrize("orientation", ["periods by draws", "draws by periods"])
def test_growth_over_periods_matches_power_in_either_layout(orientation):
    base = np.random.default_rng(1).uniform(0.5, 1.5, size=(1, 50))
    t = np.arange(12.0)[:, np.newaxis]
    if orientation == "draws by periods":
        base, t = base.T, t.T
    got = parse_formula("x ** t").evaluate({"x": base}, t)
    np.testing.assert_allclose(got, np.power(base, t), rtol=1e-14)


@pytest.mark.parametrize("text", [3, None, 1.5])
def test_a_formula_that_is_not_text_is_a_type_error_worded_as_every_argument_check(text):
    with pytest.raises(TypeError, match=rf"^The 'text' parameter of parse_formula must be a "
                       rf"str\. Got {text!r} instead\.$"):
        parse_formula(text)
