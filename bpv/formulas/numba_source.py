"""Formulas written as scalar Python for numba: one assignment per operation.

The compiled kernel (:mod:`bpv.engine.compiled_kernel`) writes a bid as one
function over draws; this module writes each formula's part of it, from the
formula's checked syntax tree (never its text): every operation becomes one
assignment to a temporary, names become the identifiers the kernel gives them,
and a part made only of numbers is worked out first exactly as the numpy
compiler works it out, so both kernels see the same constants.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from bpv.formulas.compiler import parse_formula
from bpv.formulas.reading import read_formula
from bpv.formulas.time_functions import lag_periods

__all__ = ["ScalarWriter"]

_COMPARISONS: Mapping[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}
_ARITHMETIC: Mapping[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
}


class ScalarWriter:
    """Write formulas as assignments to temporaries, per draw or per period.

    Parameters
    ----------
    identifiers : mapping of str to str
        The identifier in the written code of each parameter or node name
        (``p3``, ``v5``).
    varying : set of str
        The identifiers whose value changes from period to period.

    Attributes
    ----------
    per_draw, per_period : list of str
        The assignments written so far, to run once per draw and once per
        period.
    powers : list of (str, str)
        Running products ``x ** t`` of per-draw bases: (name, base).
    totals : list of str
        Running totals of ``cumulative(x)``, each set to 0.0 at the start
        of a draw and added to period by period.
    histories : list of str
        Arrays of one value per period that ``lag(x, k)`` keeps ``x`` in, to
        read ``k`` periods later; each is made once per call of the kernel
        (every period of a draw is written before it is read).

    Examples
    --------
    >>> writer = ScalarWriter({"a": "p0", "b": "v1"}, varying={"v1"})
    >>> writer.formula("a * 2 + b")
    ('e1', True)
    >>> writer.per_draw, writer.per_period
    (['e0 = p0 * (2.0)'], ['e1 = e0 + v1'])
    >>> writer.formula("cumulative(a) - lag(b, 2)")
    ('e3', True)
    >>> writer.per_period[1:]
    ['cs0 += p0', 'lg0[t] = v1', 'e2 = lg0[t - 2] if t >= 2 else 0.0', 'e3 = cs0 - e2']
    """

    def __init__(self, identifiers: Mapping[str, str], varying: set[str]) -> None:
        self.identifiers = identifiers  # parameter or node name -> p<i> / v<k>
        self.varying = varying  # identifiers whose value changes by period
        self.per_draw: list[str] = []
        self.per_period: list[str] = []
        self.powers: list[tuple[str, str]] = []  # (running product, its base), per draw
        self.totals: list[str] = []  # cumulative(x): running totals, per draw
        self.histories: list[str] = []  # lag(x, k): x by period, per call
        self._count = 0
        self._source = ""

    def _temporary(self, expression: str, *, varies: bool) -> tuple[str, bool]:
        name = f"e{self._count}"
        self._count += 1
        (self.per_period if varies else self.per_draw).append(f"{name} = {expression}")
        return name, varies

    def formula(self, text: str) -> tuple[str, bool]:
        """Return the atom holding the formula's value and whether it varies by period."""
        tree, self._source = read_formula(text)
        return self.expression(tree.body)

    def expression(self, node: ast.expr) -> tuple[str, bool]:
        """Return the atom holding a checked sub-expression's value, and whether it varies."""
        if not any(isinstance(part, ast.Name) for part in ast.walk(node)) \
                and not _over_time(node):
            # Made only of numbers: the numpy engine folds it once, in float64.
            value = float(parse_formula(ast.unparse(node)).evaluate({}))
            return f"({value!r})", False
        if isinstance(node, ast.Name):
            if node.id == "t":
                return "tt", True
            identifier = self.identifiers[node.id]
            return identifier, identifier in self.varying
        if isinstance(node, ast.UnaryOp):
            operand, varies = self.expression(node.operand)
            if isinstance(node.op, ast.USub):
                return self._temporary(f"-{operand}", varies=varies)
            if isinstance(node.op, ast.UAdd):
                return operand, varies
            return self._temporary(f"1.0 if {operand} == 0.0 else 0.0", varies=varies)  # not
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Compare):
            atoms = [self.expression(part) for part in (node.left, *node.comparators)]
            tests = [f"{left} {_COMPARISONS[type(op)]} {right}" for (left, _), op, (right, _)
                     in zip(atoms, node.ops, atoms[1:], strict=False)]
            return self._temporary(f"1.0 if {' and '.join(tests)} else 0.0",
                                   varies=any(v for _, v in atoms))
        if isinstance(node, ast.BoolOp):
            atoms = [self.expression(part) for part in node.values]
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            truths = joiner.join(f"{atom} != 0.0" for atom, _ in atoms)
            return self._temporary(f"1.0 if {truths} else 0.0",
                                   varies=any(v for _, v in atoms))
        if isinstance(node, ast.IfExp):
            return self._where(node.test, node.body, node.orelse)
        if isinstance(node, ast.Call):
            return self._call(node)
        msg = f"cannot compile {ast.unparse(node)!r}"  # the formula checks forbid it
        raise AssertionError(msg)

    def _binary(self, node: ast.BinOp) -> tuple[str, bool]:
        left, left_varies = self.expression(node.left)
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Name) \
                and node.right.id == "t" and not left_varies:
            # A per-draw base to the period index: a running product, 1, x, x·x, …
            power = f"pw{len(self.powers)}"
            self.powers.append((power, left))
            return power, True
        right, right_varies = self.expression(node.right)
        symbol = _ARITHMETIC[type(node.op)]
        return self._temporary(f"{left} {symbol} {right}",
                               varies=left_varies or right_varies)

    def _where(self, test: ast.expr, if_true: ast.expr, if_false: ast.expr) -> tuple[str, bool]:
        condition, c_varies = self.expression(test)
        yes, y_varies = self.expression(if_true)
        no, n_varies = self.expression(if_false)
        return self._temporary(f"{yes} if {condition} != 0.0 else {no}",
                               varies=c_varies or y_varies or n_varies)

    def _extreme(self, atoms: Sequence[tuple[str, bool]], keep: str) -> tuple[str, bool]:
        """Elementwise minimum (keep='<=') or maximum ('>='), NaN winning, as numpy's."""
        result, varies = atoms[0]
        for atom, atom_varies in atoms[1:]:
            varies = varies or atom_varies
            result, _ = self._temporary(
                f"{result} if ({result} {keep} {atom} or {result} != {result}) else {atom}",
                varies=varies)
        return result, varies

    def _call(self, node: ast.Call) -> tuple[str, bool]:
        assert isinstance(node.func, ast.Name)  # noqa: S101 - the formula checks guarantee it
        name = node.func.id
        if name == "where":
            return self._where(*node.args)
        if name == "lag":
            return self._lag(node.args[0], lag_periods(node.args[1], self._source))
        if name == "cumulative":
            atom, _ = self.expression(node.args[0])
            total = f"cs{len(self.totals)}"
            self.totals.append(total)
            # As the numpy compiler: the total so far plus this period's value.
            self.per_period.append(f"{total} += {atom}")
            return total, True
        atoms = [self.expression(arg) for arg in node.args]
        if name == "min":
            return self._extreme(atoms, "<=")
        if name == "max":
            return self._extreme(atoms, ">=")
        if name == "clip":
            low = self._extreme(atoms[:2], ">=")
            return self._extreme([low, atoms[2]], "<=")
        (atom, varies), = atoms
        function = "abs" if name == "abs" else f"np.{name}"  # exp, log, sqrt
        return self._temporary(f"{function}({atom})", varies=varies)

    def _lag(self, value: ast.expr, periods: int) -> tuple[str, bool]:
        """``x`` of ``periods`` earlier: kept by period in an array, 0.0 before the start."""
        atom, varies = self.expression(value)
        if periods == 0:
            return atom, varies
        history = f"lg{len(self.histories)}"
        self.histories.append(history)
        self.per_period.append(f"{history}[t] = {atom}")
        # Past any horizon a bid may have (the lag is then 0 throughout), and an int64.
        periods = min(periods, _FAR)
        return self._temporary(f"{history}[t - {periods}] if t >= {periods} else 0.0",
                               varies=True)


#: Farther back than any horizon: a lag this long is 0 in every period.
_FAR = 2**31


def _over_time(node: ast.expr) -> bool:
    """Whether a sub-expression calls lag or cumulative (never worked out as a constant)."""
    return any(isinstance(part, ast.Call) and isinstance(part.func, ast.Name)
               and part.func.id in {"lag", "cumulative"} for part in ast.walk(node))
