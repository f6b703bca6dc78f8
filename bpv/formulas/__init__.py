"""Node formulas: a small, safe expression language compiled to vectorised numpy.

A node's formula says how its value follows from parameters, upstream nodes
and the period index ``t``, for example ``patients * admit_rate *
admission_reduction``, ``capex * (t == 0)`` or ``where(t < 2, 0, savings)``.
The text is read with :func:`ast.parse` and checked against a whitelist; it is
never given to ``eval``, ``exec`` or ``compile``. Each formula is compiled once
into a tree of Python closures that call numpy, so evaluating it over 100,000
draws costs a handful of array operations.

The language
------------
The syntax is that of a Python expression, restricted to the following.

Numbers
    Integer and decimal literals as Python writes them: ``3``, ``0.035``,
    ``1e6``, ``1_000_000``. Every value is a float64 (integers included).
    ``True``, ``False``, ``None``, strings and complex numbers are not numbers
    and are rejected. Thousands separators are not allowed (``1,000`` is an
    error; write ``1000`` or ``1_000``), nor is a percent sign (write ``0.10``).
Names
    Parameters and nodes, by name: ASCII letters, digits and underscores, not
    starting with ``_``. ``t`` is the period index (0 for the first period).
    The function names and ``t`` are reserved (:data:`RESERVED_NAMES`).
Operators, from the loosest binding to the tightest (Python's precedence)
    ======================================  ==========================================
    ``a if c else b``                       ``a`` where ``c`` is true, else ``b``
    ``or``                                  1 where either side is true, else 0
    ``and``                                 1 where both sides are true, else 0
    ``not a``                               1 where ``a`` is false, else 0
    ``<  <=  >  >=  ==  !=``                1 where it holds, else 0; chains as in
                                            Python: ``0 < x <= 1`` is
                                            ``(0 < x) and (x <= 1)``
    ``+  -``                                addition, subtraction
    ``*  /``                                multiplication, true division
    ``+a  -a``                              unary plus and minus
    ``**``                                  power, right-associative, binding tighter
                                            than a unary minus on its left:
                                            ``-2**2`` is -4, ``2**-1`` is 0.5
    ``f(a, b)``, ``( )``                    function calls, brackets
    ======================================  ==========================================

    ``%`` is not an operator here, so that ``10%`` cannot be misread as ten
    per cent, nor are ``//``, the bitwise operators (``& | ^ ~ << >>``; write
    ``and``, ``or``, ``not``, and ``**`` for a power), ``@``, ``is`` or ``in``.
Functions, called by name with positional arguments (:data:`FUNCTIONS`)
    ==========================  ==============================================
    ``min(a, b, ...)``          elementwise minimum of two or more arguments
    ``max(a, b, ...)``          elementwise maximum of two or more arguments
    ``clip(x, low, high)``      ``min(max(x, low), high)``
    ``where(c, a, b)``          ``a`` where ``c`` is true, else ``b``
    ``exp(x)``, ``log(x)``      exponential, natural logarithm
    ``sqrt(x)``, ``abs(x)``     square root, absolute value
    ``lag(x, k)``               ``x`` of ``k`` periods earlier; 0 in the first
                                ``k`` periods. ``k`` is a whole number, 0 or
                                more, written as a number (``lag(x, 1)``,
                                not ``lag(x, k)`` of a name)
    ``cumulative(x)``           running total of ``x`` over periods, from
                                the first period to this one
    ==========================  ==============================================

    ``lag`` and ``cumulative`` read other periods of their argument, which
    may be any expression; one that does not vary by period (a parameter, a
    number) is first repeated over the periods, so ``cumulative(1)`` is
    ``t + 1``. A node that uses ``lag(x, k)`` or ``cumulative(x)`` depends on
    ``x`` as on any name it uses: a node may not use its own value, even
    lagged (that is a cycle); a stock is a running total of its flows,
    ``cumulative(inflow) - cumulative(outflow)``. People who stay ``d``
    periods after they start (a cohort) are those started in the last ``d``
    periods: ``cumulative(starts) - lag(cumulative(starts), d)``.

Anything else is an error: attribute access (``x.y``), indexing, lambdas,
comprehensions, lists, tuples, dicts, sets, ``*`` unpacking, keyword
arguments, ``:=``, f-strings, strings, and calls of anything but the functions
above. Python's rules for layout apply: a formula may be split across lines
only inside brackets, and ``#`` starts a comment.

Truth values
    A value is true where it is non-zero, as in Python; NaN counts as true.
    Comparisons, ``and``, ``or`` and ``not`` give 1.0 or 0.0 (not one of their
    operands, unlike Python), so they can be multiplied: ``capex * (t == 0)``.
    Both sides of ``and``, ``or`` and ``a if c else b``, and all arguments of a
    function, are always evaluated, elementwise over whole arrays.
Floating point
    Arithmetic is IEEE float64 through numpy ufuncs, elementwise with numpy
    broadcasting. Division by zero gives ``inf`` or ``nan``, ``log`` of a
    negative number and a negative number to a fractional power give ``nan``,
    NaN propagates through arithmetic, ``min``, ``max`` and ``clip``, and a
    comparison with NaN is false (except ``!=``). Whether numpy warns or raises
    on such values is left to numpy's error state (:func:`numpy.errstate`),
    which this module never changes for evaluation.
Constant folding
    A part of a formula made only of numbers is worked out once, when the
    formula is parsed, with the same float64 arithmetic. If it is not finite
    (``9**9**9``, ``1e308 * 10``, ``1 / 0``, ``log(0)``) the formula is
    rejected: a constant infinity or NaN is always a mistake.
Limits
    A formula may have at most :data:`MAX_FORMULA_LENGTH` (2,000) characters,
    brackets and sub-expressions nested at most :data:`MAX_FORMULA_DEPTH`
    (100) deep, and at most :data:`MAX_FORMULA_NODES` (1,000) sub-expressions.
    These are checked before or while parsing, so hostile text fails quickly
    with a :class:`~bpv.errors.FormulaError`.

Shapes
    The engine lays values out periods by draws: a parameter is an array of
    shape (1, n_draws), a node (n_periods, n_draws) and ``t`` (n_periods, 1).
    The result has whatever shape numpy broadcasting gives (a 0-d array for a
    formula of numbers only), and the caller broadcasts it to (n_periods,
    n_draws). ``lag`` and ``cumulative`` find the periods as the first axis
    of ``t``, wherever broadcasting puts it: one-dimensional values are one
    value per period, with ``t`` of shape (n_periods,).

Examples
--------
>>> import numpy as np
>>> capex = parse_formula("capex * (t == 0)")
>>> sorted(capex.names), capex.uses_period
(['capex'], True)
>>> capex.evaluate({"capex": np.array([[100.0, 120.0]])}, t=np.arange(3.0)[:, np.newaxis])
array([[100., 120.],
       [  0.,   0.],
       [  0.,   0.]])
>>> parse_formula("where(t < 2, 0, savings)").evaluate({"savings": 5.0}, t=np.arange(4.0))
array([0., 0., 5., 5.])
>>> starts = np.array([10.0, 10.0, 20.0, 0.0, 0.0])  # one value per period
>>> parse_formula("lag(starts, 1)").evaluate({"starts": starts}, t=np.arange(5.0))
array([ 0., 10., 10., 20.,  0.])
>>> parse_formula("cumulative(starts) - lag(cumulative(starts), 2)").evaluate(
...     {"starts": starts}, t=np.arange(5.0))  # the people who stay two periods
array([10., 20., 30., 20.,  0.])
>>> parse_formula("0 < x <= 1").evaluate({"x": [-1, 0.5, 1, 2]})
array([0., 1., 1., 0.])
>>> parse_formula("-2**2 + max(1, 2, 3)").evaluate({})
array(-1.)
>>> parse_formula("admit_rte * 2 + __import__('os')")
Traceback (most recent call last):
...
bpv.errors.FormulaError: unknown function '__import__'; the functions are abs, clip, cumulative, exp, lag, log, max, min, sqrt, where
>>> parse_formula("10 % x")
Traceback (most recent call last):
...
bpv.errors.FormulaError: a percentage is written as a decimal: write 0.1, not 10%
"""  # noqa: E501 (doctest output is one line)

from bpv.formulas.compiler import FUNCTIONS, RESERVED_NAMES, Formula, parse_formula
from bpv.formulas.reading import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, MAX_FORMULA_NODES

__all__ = [
    "FUNCTIONS",
    "MAX_FORMULA_DEPTH",
    "MAX_FORMULA_LENGTH",
    "MAX_FORMULA_NODES",
    "RESERVED_NAMES",
    "Formula",
    "parse_formula",
]
