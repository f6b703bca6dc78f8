"""Checking a formula's tree against the language and compiling it to numpy closures.

The language itself is described in :mod:`bpv.formulas`.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv._utils.validation import parameter_message
from bpv.errors import FormulaError, MissingValueError, did_you_mean
from bpv.formulas.reading import read_formula, shorten
from bpv.formulas.time_functions import cumulative, lag, lag_periods

__all__ = [
    "FUNCTIONS",
    "RESERVED_NAMES",
    "Formula",
    "parse_formula",
]

# A value inside a compiled formula: numpy returns float64 arrays, 0-d arrays
# or numpy scalars; the ufunc stubs type these as Any.
_Value = Any
_Env = Mapping[str, NDArray[np.float64]]
_Run = Callable[[_Env], _Value]
_RunInto = Callable[[_Env, NDArray[np.float64]], None]


def _minimum(*args: _Value) -> _Value:
    return functools.reduce(np.minimum, args)


def _maximum(*args: _Value) -> _Value:
    return functools.reduce(np.maximum, args)


def _clip(x: _Value, low: _Value, high: _Value) -> _Value:
    # Written out rather than np.clip so the meaning is exactly
    # min(max(x, low), high), whatever the order of low and high.
    return np.minimum(np.maximum(x, low), high)


def _where(condition: _Value, if_true: _Value, if_false: _Value) -> _Value:
    return np.where(np.not_equal(condition, 0.0), if_true, if_false)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Function:
    min_args: int
    max_args: int | None  # None: no upper bound
    signature: str
    apply: Callable[..., _Value]
    #: Reads other periods of its argument (lag, cumulative): needs the period index.
    over_time: bool = False


_FUNCTION_TABLE: Final[Mapping[str, _Function]] = {
    "abs": _Function(min_args=1, max_args=1, signature="abs(x)", apply=np.abs),
    "clip": _Function(min_args=3, max_args=3, signature="clip(x, low, high)", apply=_clip),
    "cumulative": _Function(min_args=1, max_args=1, signature="cumulative(x)",
                            apply=cumulative, over_time=True),
    "exp": _Function(min_args=1, max_args=1, signature="exp(x)", apply=np.exp),
    "lag": _Function(min_args=2, max_args=2, signature="lag(x, k)", apply=lag, over_time=True),
    "log": _Function(min_args=1, max_args=1, signature="log(x)", apply=np.log),
    "max": _Function(min_args=2, max_args=None, signature="max(a, b, ...)", apply=_maximum),
    "min": _Function(min_args=2, max_args=None, signature="min(a, b, ...)", apply=_minimum),
    "sqrt": _Function(min_args=1, max_args=1, signature="sqrt(x)", apply=np.sqrt),
    "where": _Function(min_args=3, max_args=3, signature="where(condition, if_true, if_false)",
                       apply=_where),
}

#: The functions a formula may call, each with its arity ``(min_args, max_args)``;
#: ``max_args`` is None when any number of arguments from ``min_args`` on is allowed.
FUNCTIONS: Final[Mapping[str, tuple[int, int | None]]] = MappingProxyType(
    {name: (f.min_args, f.max_args) for name, f in _FUNCTION_TABLE.items()}
)

#: Names the formula language keeps for itself; parameters and nodes may not take them.
RESERVED_NAMES: Final[frozenset[str]] = frozenset(FUNCTIONS) | {"t"}

_FUNCTION_LIST = ", ".join(sorted(FUNCTIONS))
_ALLOWED = (
    "formulas use numbers, names, arithmetic, comparisons, and/or/not, "
    f"'a if c else b' and the functions {_FUNCTION_LIST}"
)

_BINARY: Final[Mapping[type[ast.operator], Callable[[_Value, _Value], _Value]]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
}
def _power_of_period(base: _Value, t: _Value) -> _Value:
    """Return ``base ** t`` for the period index, multiplying period by period when faster.

    Growth and persistence over periods (``(1 + growth) ** t``,
    ``persistence ** t``) raise a per-draw base to the periods 0 … H−1: a base
    of shape (1, n) with ``t`` of shape (H, 1), as the engine lays values out
    (periods by draws), or a base of shape (n, 1) with ``t`` of shape (1, H).
    Multiplying period by period costs one product per value instead of a
    ``pow`` (several times dearer); the result agrees with ``np.power`` to a
    few ulps per period. Any other shapes or exponents use ``np.power``.
    """
    base_array, periods = np.asarray(base, dtype=np.float64), np.asarray(t, dtype=np.float64)
    n_periods = periods.size
    if n_periods < 2 or base_array.ndim != 2 or periods.ndim != 2 \
            or not np.array_equal(periods.ravel(), np.arange(n_periods)):
        return np.power(base_array, periods)
    if base_array.shape[0] == 1 and periods.shape == (n_periods, 1):
        row = base_array[0]
        out = np.empty((n_periods, row.size))
        out[0] = 1.0
        for period in range(1, n_periods):
            np.multiply(out[period - 1], row, out=out[period])
        return out
    if base_array.shape[1] == 1 and periods.shape == (1, n_periods):
        return _power_of_period(base_array.T, periods.T).T
    return np.power(base_array, periods)


_FORBIDDEN_BINARY: Final[Mapping[type[ast.operator], str]] = {
    ast.Mod: "the operator '%' is not allowed; write a percentage as a decimal (10% is 0.10)",
    ast.FloorDiv: "the operator '//' is not allowed; use '/'",
    ast.MatMult: "the operator '@' is not allowed",
    ast.BitAnd: "the operator '&' is not allowed; use 'and'",
    ast.BitOr: "the operator '|' is not allowed; use 'or'",
    ast.BitXor: "the operator '^' is not allowed; use '**' for a power",
    ast.LShift: "the operator '<<' is not allowed",
    ast.RShift: "the operator '>>' is not allowed",
}
_COMPARE: Final[Mapping[type[ast.cmpop], Callable[[_Value, _Value], _Value]]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_FORBIDDEN_COMPARE: Final[Mapping[type[ast.cmpop], str]] = {
    ast.Is: "'is'",
    ast.IsNot: "'is not'",
    ast.In: "'in'",
    ast.NotIn: "'not in'",
}
# Friendly words for the Python constructs the language leaves out.
_CONSTRUCTS: Final[Mapping[type[ast.AST], str]] = {
    ast.Subscript: "indexing",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.List: "a list",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Starred: "unpacking with '*'",
    ast.NamedExpr: "assignment with ':='",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

_CONSTANTS: Final[Mapping[type, str]] = {type(None): "None", type(...): "an ellipsis"}

@dataclass(frozen=True, kw_only=True)
class Formula:
    """A parsed, compiled node formula; create one with :func:`parse_formula`.

    Attributes
    ----------
    text : str
        The formula as written.
    names : frozenset of str
        Every parameter or node name the formula refers to (not ``t``, not
        function names).
    uses_period : bool
        Whether the formula needs the period index ``t``: it refers to ``t``,
        or calls ``lag`` or ``cumulative``, which find the periods by it.
    functions : frozenset of str
        The functions the formula calls.

    Notes
    -----
    Two formulas are equal when their texts are. A formula pickles as its
    text and is compiled again when unpickled.

    Examples
    --------
    >>> f = parse_formula("patients * admit_rate * admission_reduction")
    >>> sorted(f.names)
    ['admission_reduction', 'admit_rate', 'patients']
    >>> f.uses_period
    False
    """

    text: str
    names: frozenset[str]
    uses_period: bool
    functions: frozenset[str] = frozenset()
    _run: _Run = field(repr=False, compare=False)
    _copy_result: bool = field(default=False, repr=False, compare=False)
    _run_into: _RunInto | None = field(default=None, repr=False, compare=False)
    #: Needs ``t`` only for lag or cumulative (the message says so).
    _over_time: bool = field(default=False, repr=False, compare=False)

    def evaluate(
        self, values: Mapping[str, ArrayLike], t: ArrayLike | None = None, *,
        out: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Evaluate the formula elementwise, with numpy broadcasting.

        Parameters
        ----------
        values : mapping of str to array_like
            A value for each name in ``names``; as the engine lays them
            out, an array of shape (1, n_draws) for a parameter and
            (n_periods, n_draws) for a node. Other entries are ignored. Values
            are converted to float64 and are never modified.
        t : array_like, optional
            The period index, ``np.arange(n_periods)``: as the engine lays it
            out, of shape (n_periods, 1). Needed only when ``uses_period``
            is true. ``lag`` and ``cumulative`` take the periods to be the
            first axis of ``t`` (shape (n_periods,) or (n_periods, 1)), and
            raise ValueError for any other.

        Returns
        -------
        ndarray of float64
            The broadcast shape of the values used (0-d for a formula of
            numbers only). Always a new, writable array that shares no memory
            with ``values`` or ``t``; or ``out``, when given.
        out : ndarray of float64, optional
            Where to write the result, broadcasting it to ``out``'s shape (the
            engine passes a reused buffer, saving the allocation of a result).
            It must not share memory with ``values``.

        Raises
        ------
        MissingValueError
            If ``values`` lacks a name the formula uses, or ``t`` is None and
            the formula uses it. It is both a FormulaError and a KeyError.

        Examples
        --------
        >>> import numpy as np
        >>> f = parse_formula("clip(x, 0, 1) * (t + 1)")
        >>> f.evaluate({"x": np.array([[-0.5, 0.5, 2.0]])}, t=np.arange(2)[:, np.newaxis])
        array([[0. , 0.5, 1. ],
               [0. , 1. , 2. ]])
        >>> parse_formula("cumulative(x) - lag(x, 1)").evaluate(
        ...     {"x": np.array([[1.0, 10.0]])}, t=np.arange(3)[:, np.newaxis])
        array([[ 1., 10.],
               [ 1., 10.],
               [ 2., 20.]])
        """
        missing = sorted(name for name in self.names if name not in values)
        if missing:
            used = ", ".join(sorted(self.names))
            if len(missing) == 1:
                name = missing[0]
                msg = f"no value for '{name}'{did_you_mean(name, values)}; the formula uses {used}"
            else:
                listed = ", ".join(f"'{name}'" for name in missing)
                msg = f"no values for {listed}; the formula uses {used}"
            raise MissingValueError(msg)
        env = {name: np.asarray(values[name], dtype=np.float64) for name in self.names}
        if self.uses_period:
            if t is None:
                msg = ("the formula uses the period index 't', but no t was given"
                       if not self._over_time else
                       "the formula calls lag or cumulative, which need the period index "
                       "'t' to find the periods, but no t was given")
                raise MissingValueError(msg)
            env["t"] = np.asarray(t, dtype=np.float64)
        if out is not None:
            if self._run_into is not None:
                self._run_into(env, out)
            else:
                np.copyto(out, self._run(env))
            return out
        result = np.asarray(self._run(env), dtype=np.float64)
        # Operations always make new arrays; only a bare name hands back its input.
        return result.copy() if self._copy_result else result

    def __reduce__(self) -> tuple[Callable[[str], Formula], tuple[str]]:
        return parse_formula, (self.text,)


@functools.lru_cache(maxsize=4096)
def parse_formula(text: str) -> Formula:
    """Parse and compile a node formula; results are cached by text.

    See the module documentation (:mod:`bpv.formulas`) for the language.

    Parameters
    ----------
    text : str
        The formula, such as ``"patients * admit_rate"``.

    Returns
    -------
    Formula
        The compiled formula, with the names it uses.

    Raises
    ------
    FormulaError
        If the text is too long or too deeply nested, is not valid syntax,
        uses something the language forbids, or has a part made only of
        numbers that is not finite. The message says what is wrong and how
        to fix it, without a location prefix (the caller adds one).
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> f = parse_formula("min(patients, capacity) * (t >= 1)")
    >>> sorted(f.names), f.uses_period
    (['capacity', 'patients'], True)
    >>> parse_formula("mn(a, b)")
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: unknown function 'mn' (did you mean 'min'?); the functions are abs, clip, cumulative, exp, lag, log, max, min, sqrt, where
    >>> parse_formula("x.__class__")
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: attribute access ('.__class__') is not allowed; formulas use numbers, names, arithmetic, comparisons, and/or/not, 'a if c else b' and the functions abs, clip, cumulative, exp, lag, log, max, min, sqrt, where
    >>> parse_formula("9**9**9")
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: constant expression '9**9**9' is not finite: it works out to inf in float64
    """  # noqa: E501 (doctest output is one line)
    if not isinstance(cast(object, text), str):
        # A TypeError, as Python raises for a wrong type, worded as every argument check is.
        raise TypeError(parameter_message("text", "parse_formula", "a str", text))
    tree, source = read_formula(text)
    compiler = _Compiler(source)
    code = compiler.compile(tree.body)
    return Formula(
        text=text,
        names=frozenset(compiler.names),
        uses_period=compiler.uses_period,
        functions=frozenset(compiler.functions),
        _run=code.run,
        _copy_result=isinstance(tree.body, ast.Name),
        _run_into=None if code.constant else code.into,
        _over_time=compiler.over_time and not compiler.names_t,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Code:
    """A compiled piece of a formula: its closure, and whether it is made only of numbers."""

    run: _Run
    constant: bool = False
    #: Writes the result into a given array instead, where the outermost
    #: operation is a ufunc (saves allocating the result); None otherwise.
    into: _RunInto | None = None


def _constant_code(value: np.float64) -> _Code:
    def run(env: _Env) -> _Value:
        return value

    return _Code(run=run, constant=True)


class _Compiler:
    """Turn a checked syntax tree into closures, collecting the names used."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.names: set[str] = set()
        self.uses_period = False
        self.names_t = False  # refers to t by name
        self.functions: set[str] = set()
        self.over_time = False  # calls lag or cumulative

    # -- messages ------------------------------------------------------------

    def snippet(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node)
        if segment is None:
            segment = ast.unparse(node)
        return shorten(segment)

    def not_allowed(self, what: str, node: ast.AST) -> FormulaError:
        return FormulaError(f"{what} ({self.snippet(node)!r}) is not allowed; {_ALLOWED}")

    def check_name(self, node: ast.Name) -> str:
        # The parser normalises identifiers (NFKC), so compare with the text.
        written = ast.get_source_segment(self.source, node) or node.id
        if written != node.id or not node.id.isascii():
            msg = f"name {written!r} is not allowed: use ASCII letters, digits and underscores"
            raise FormulaError(msg)
        return node.id

    def check_value_name(self, node: ast.Name) -> str:
        self.check_name(node)
        if node.id.startswith("_"):
            msg = f"name {node.id!r} is not allowed: names may not start with '_'"
            raise FormulaError(msg)
        return node.id

    # -- compiling -----------------------------------------------------------

    def compile(self, node: ast.AST) -> _Code:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.boolean(node)
        if isinstance(node, ast.IfExp):
            return self.conditional(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            msg = f"attribute access ('.{node.attr}') is not allowed; {_ALLOWED}"
            raise FormulaError(msg)
        if isinstance(node, ast.Tuple):
            msg = (
                f"a comma outside a function call ({self.snippet(node)!r}) is not allowed; "
                "write numbers without thousands separators (1000 or 1_000, not 1,000)"
            )
            raise FormulaError(msg)
        raise self.not_allowed(_CONSTRUCTS.get(type(node), type(node).__name__), node)

    def fold(self, code: _Code, node: ast.AST) -> _Code:
        """Work out a part made only of numbers now, and insist that it is finite."""
        with np.errstate(all="ignore"):
            value = np.float64(np.asarray(code.run({}), dtype=np.float64))
        if not np.isfinite(value):
            msg = (
                f"constant expression {self.snippet(node)!r} is not finite: "
                f"it works out to {value} in float64"
            )
            raise FormulaError(msg)
        return _constant_code(value)

    def combine(self, run: _Run, parts: Sequence[_Code], node: ast.AST,
                into: _RunInto | None = None) -> _Code:
        code = _Code(run=run, into=into)
        return self.fold(code, node) if all(part.constant for part in parts) else code

    def constant(self, node: ast.Constant) -> _Code:
        value = node.value
        if isinstance(value, bool):
            msg = f"{value} is not allowed; write {int(value)} instead ({_ALLOWED})"
            raise FormulaError(msg)
        if isinstance(value, str):
            raise self.not_allowed("text", node)
        if isinstance(value, complex):
            raise self.not_allowed("a complex number", node)
        if not isinstance(value, int | float):  # None, ..., bytes
            raise self.not_allowed(_CONSTANTS.get(type(value), type(value).__name__), node)
        try:
            number = np.float64(value)
        except OverflowError:  # an integer beyond float64's range
            number = np.float64(np.inf)
        return self.fold(_constant_code(number), node)

    def name(self, node: ast.Name) -> _Code:
        name = self.check_value_name(node)
        if name in FUNCTIONS:
            signature = _FUNCTION_TABLE[name].signature
            msg = f"'{name}' is a function; call it, as in {signature}"
            raise FormulaError(msg)
        if name == "t":
            self.uses_period = self.names_t = True
        else:
            self.names.add(name)

        def run(env: _Env) -> _Value:
            return env[name]

        return _Code(run=run)

    def unary(self, node: ast.UnaryOp) -> _Code:
        if isinstance(node.op, ast.Invert):
            msg = "the operator '~' is not allowed; use 'not'"
            raise FormulaError(msg)
        operand = self.compile(node.operand)
        inner = operand.run
        if isinstance(node.op, ast.USub):

            def run(env: _Env) -> _Value:
                return np.negative(inner(env))

        elif isinstance(node.op, ast.UAdd):

            def run(env: _Env) -> _Value:
                return np.positive(inner(env))

        else:  # ast.Not

            def run(env: _Env) -> _Value:
                return np.logical_not(inner(env)).astype(np.float64)

        return self.combine(run, [operand], node)

    def binary(self, node: ast.BinOp) -> _Code:
        forbidden = _FORBIDDEN_BINARY.get(type(node.op))
        if forbidden is not None:
            raise FormulaError(forbidden)
        op = _BINARY[type(node.op)]
        left, right = self.compile(node.left), self.compile(node.right)
        run_left, run_right = left.run, right.run
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Name) \
                and node.right.id == "t":
            op = _power_of_period  # growth over periods, such as (1 + g) ** t

        def run(env: _Env) -> _Value:
            return op(run_left(env), run_right(env))

        into = None
        if isinstance(op, np.ufunc):
            ufunc = op

            def into(env: _Env, out: NDArray[np.float64]) -> None:
                ufunc(run_left(env), run_right(env), out=out)

        return self.combine(run, [left, right], node, into)

    def compare(self, node: ast.Compare) -> _Code:
        ops = []
        for op in node.ops:
            if type(op) in _FORBIDDEN_COMPARE:
                msg = (
                    f"the comparison {_FORBIDDEN_COMPARE[type(op)]} is not allowed; "
                    "use <, <=, >, >=, == or !="
                )
                raise FormulaError(msg)
            ops.append(_COMPARE[type(op)])
        parts = [self.compile(node.left), *(self.compile(c) for c in node.comparators)]
        runs = [part.run for part in parts]

        def run(env: _Env) -> _Value:
            left = runs[0](env)
            holds: _Value = None
            for op, run_right in zip(ops, runs[1:], strict=True):
                right = run_right(env)
                this = op(left, right)
                holds = this if holds is None else np.logical_and(holds, this)
                left = right
            return holds.astype(np.float64)

        return self.combine(run, parts, node)

    def boolean(self, node: ast.BoolOp) -> _Code:
        op = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        parts = [self.compile(value) for value in node.values]
        runs = [part.run for part in parts]

        def run(env: _Env) -> _Value:
            return functools.reduce(op, [r(env) for r in runs]).astype(np.float64)

        return self.combine(run, parts, node)

    def conditional(self, node: ast.IfExp) -> _Code:
        # Python order of appearance: body if test else orelse.
        if_true, condition, if_false = (
            self.compile(node.body),
            self.compile(node.test),
            self.compile(node.orelse),
        )
        run_true, run_condition, run_false = if_true.run, condition.run, if_false.run

        def run(env: _Env) -> _Value:
            return _where(run_condition(env), run_true(env), run_false(env))

        return self.combine(run, [if_true, condition, if_false], node)

    def call(self, node: ast.Call) -> _Code:
        name, function = self.called_function(node)
        self.check_arguments(node, name, function)
        self.functions.add(name)
        if function.over_time:
            return self.call_over_time(node, name)
        parts = [self.compile(arg) for arg in node.args]
        runs = [part.run for part in parts]
        apply = function.apply

        def run(env: _Env) -> _Value:
            return apply(*[r(env) for r in runs])

        return self.combine(run, parts, node)

    def call_over_time(self, node: ast.Call, name: str) -> _Code:
        """Compile ``lag(x, k)`` or ``cumulative(x)``: along the periods, never folded."""
        self.uses_period = self.over_time = True  # t says where the periods are
        if name == "lag":
            periods = lag_periods(node.args[1], self.source)
            run_lagged = self.compile(node.args[0]).run

            def run(env: _Env) -> _Value:
                return lag(run_lagged(env), periods, env["t"])

        else:
            run_summed = self.compile(node.args[0]).run

            def run(env: _Env) -> _Value:
                return cumulative(run_summed(env), env["t"])

        # Not constant even of a number: cumulative(1) grows period by period.
        return _Code(run=run)

    def called_function(self, node: ast.Call) -> tuple[str, _Function]:
        """Return the function a call names, and its name; only the language's, by name."""
        func = node.func
        if isinstance(func, ast.Attribute):
            msg = f"attribute access ('.{func.attr}') is not allowed; {_ALLOWED}"
            raise FormulaError(msg)
        if not isinstance(func, ast.Name):
            msg = (
                f"calling {self.snippet(func)!r} is not allowed; "
                f"call a function by its name: {_FUNCTION_LIST}"
            )
            raise FormulaError(msg)
        name = self.check_name(func)
        if name == "t":
            msg = "'t' is the period index, not a function"
            raise FormulaError(msg)
        function = _FUNCTION_TABLE.get(name)
        if function is None:
            suggestion = did_you_mean(name, FUNCTIONS)
            msg = f"unknown function '{name}'{suggestion}; the functions are {_FUNCTION_LIST}"
            raise FormulaError(msg)
        return name, function

    def check_arguments(self, node: ast.Call, name: str, function: _Function) -> None:
        """Check that a call passes its function the right number of arguments, by position."""
        if node.keywords:
            keyword = node.keywords[0]
            msg = (
                f"keyword argument ({self.snippet(keyword)!r}) is not allowed; "
                f"pass arguments by position: {function.signature}"
            )
            raise FormulaError(msg)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.not_allowed(_CONSTRUCTS[ast.Starred], arg)
        n_args = len(node.args)
        if function.max_args is None and n_args < function.min_args:
            msg = (
                f"{name} needs at least {function.min_args} arguments, got {n_args}: "
                f"{function.signature}"
            )
            raise FormulaError(msg)
        if function.max_args is not None and n_args != function.min_args:
            plural = "" if function.min_args == 1 else "s"
            msg = (
                f"{name} takes exactly {function.min_args} argument{plural}, got {n_args}: "
                f"{function.signature}"
            )
            raise FormulaError(msg)
