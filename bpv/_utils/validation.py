"""Checking arguments at the public boundary: one template for every message.

Every public function of bpv checks its arguments once, where a user calls it,
with these helpers; internals trust their inputs. A failed check raises
:class:`~bpv.errors.SpecError` (a ``ValueError``) worded as scikit-learn
words its own::

    The 'n_draws' parameter of appraise must be an int in the range [1, inf). Got 0 instead.

Each set of choices is declared once, as a ``Literal`` type whose values are
read with :func:`typing.get_args` (``METHODS = get_args(Method)``), and both
the check and the command line's ``choices=`` use that tuple.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, TypeVar

from bpv.errors import SpecError, did_you_mean

__all__ = ["check_choice", "check_instance", "check_int", "check_real", "parameter_message"]

_T = TypeVar("_T")
_S = TypeVar("_S", bound=str)


def parameter_message(name: str, function: str | None, expected: str, value: Any,
                      hint: str = "") -> str:
    """Return the one message of a failed argument check.

    Examples
    --------
    >>> parameter_message("n_draws", "appraise", "an int in the range [1, inf)", 0)
    "The 'n_draws' parameter of appraise must be an int in the range [1, inf). Got 0 instead."
    >>> parameter_message("timing", None, "one of 'end', 'mid'", "midd", " (did you mean 'mid'?)")
    "The 'timing' parameter must be one of 'end', 'mid'. Got 'midd' instead (did you mean 'mid'?)."
    """
    of = f" of {function}" if function else ""
    return f"The '{name}' parameter{of} must be {expected}. Got {value!r} instead{hint}."


def check_choice(value: Any, choices: Iterable[_S], *, name: str,
                 function: str | None = None) -> _S:
    """Return ``value`` if it is one of ``choices``; else raise, naming the nearest choice.

    Examples
    --------
    >>> check_choice("lhs", ("mc", "lhs", "sobol"), name="method", function="appraise")
    'lhs'
    >>> check_choice("sobl", ("mc", "lhs", "sobol"), name="method", function="appraise")
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: The 'method' parameter of appraise must be one of 'mc', 'lhs', 'sobol'. Got 'sobl' instead (did you mean 'sobol'?).
    """  # noqa: E501 (doctest output is one line)
    options = tuple(choices)
    if isinstance(value, str) and value in options:
        return value
    hint = did_you_mean(value, options) if isinstance(value, str) else ""
    expected = f"one of {', '.join(map(repr, options))}"
    raise SpecError(parameter_message(name, function, expected, value, hint))


def check_int(value: Any, *, name: str, function: str | None = None, low: int = 0,
              high: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in ``[low, high]``; bools are refused.

    Examples
    --------
    >>> check_int(3, name="n_draws", function="appraise", low=1)
    3
    >>> check_int(True, name="n_draws", function="appraise", low=1)
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: The 'n_draws' parameter of appraise must be an int in the range [1, inf). Got True instead.
    """  # noqa: E501 (doctest output is one line)
    whole = not isinstance(value, bool) and isinstance(value, numbers.Integral)
    if whole and low <= int(value) and (high is None or int(value) <= high):
        return int(value)
    top = "inf)" if high is None else f"{high}]"
    raise SpecError(parameter_message(name, function, f"an int in the range [{low}, {top}",
                                      value))


def check_real(value: Any, *, name: str, function: str | None = None,
               low: float = -math.inf, high: float = math.inf, closed: str = "neither",
               meaning: str = "") -> float:
    """Return ``value`` as a float if it is a finite real number in the range given.

    Parameters
    ----------
    value : object
    name, function : str
        The parameter and the function, for the message.
    low, high : float, default -inf, inf
    closed : {'neither', 'left', 'right', 'both'}, default 'neither'
        Which ends of the range are allowed.
    meaning : str, optional
        Words added after the range (``", an annual rate such as 0.035"``).

    Examples
    --------
    >>> check_real(0.035, name="rate", low=-1)
    0.035
    >>> check_real(-1, name="rate", low=-1, meaning=", an annual rate such as 0.035")
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: The 'rate' parameter must be a float in the range (-1, inf), an annual rate such as 0.035. Got -1 instead.
    """  # noqa: E501 (doctest output is one line)
    real = not isinstance(value, bool) and isinstance(value, numbers.Real) \
        and math.isfinite(float(value))
    if real:
        number = float(value)
        above = number >= low if closed in ("left", "both") else number > low
        below = number <= high if closed in ("right", "both") else number < high
        if above and below:
            return number
    left = "[" if closed in ("left", "both") else "("
    right = "]" if closed in ("right", "both") else ")"
    expected = f"a float in the range {left}{_end(low)}, {_end(high)}{right}{meaning}"
    raise SpecError(parameter_message(name, function, expected, value))


def check_instance(value: Any, kind: type[_T] | tuple[type, ...], *, name: str,
                   function: str | None = None, expected: str) -> _T:
    """Return ``value`` if it is an instance of ``kind``; ``expected`` words what it must be.

    Examples
    --------
    >>> check_instance("bid.yaml", dict, name="bid", function="appraise",
    ...                expected="a bpv.Bid (use bpv.load)")
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: The 'bid' parameter of appraise must be a bpv.Bid (use bpv.load). Got 'bid.yaml' instead.
    """  # noqa: E501 (doctest output is one line)
    if isinstance(value, kind):
        return value  # type: ignore[return-value] # an instance of kind
    shown = value if isinstance(value, str | int | float | type(None)) else _TypeName(value)
    raise SpecError(parameter_message(name, function, expected, shown))


def _end(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"


class _TypeName:
    """Shows an object by its type in a message (``Got a list instead``), not its contents."""

    def __init__(self, value: Any) -> None:
        self.name = type(value).__name__

    def __repr__(self) -> str:
        return f"a {self.name}"
