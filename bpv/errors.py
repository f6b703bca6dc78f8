"""Exceptions and warnings raised by bpv, and the helpers that word them.

Every exception bpv raises for a user's mistake derives from :class:`BPVError`
and from the built-in exception it refines, so ``except ValueError`` keeps
working for code that does not know bpv.

Messages follow one template: what is wrong, the value found, what was
expected, and how to fix it; an unknown name comes with the closest valid
names (``did you mean 'admit_rate'?``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "BPVError",
    "BPVWarning",
    "BidValidationError",
    "BidWarning",
    "EvaluationError",
    "FormulaError",
    "LimitError",
    "MissingValueError",
    "Problem",
    "SpecError",
    "UnknownNameError",
    "did_you_mean",
    "format_location",
]


class BPVError(Exception):
    """Base class of every exception raised by bpv."""


class SpecError(BPVError, ValueError):
    """A specification (a bid, a distribution, an argument) is invalid."""


class FormulaError(SpecError):
    """A node formula cannot be parsed, or uses something the language forbids."""


class EvaluationError(SpecError):
    """A bid's values are not finite or too large where they arise (docs/limits.md).

    A node's formula gives values that are not finite (division by zero, log of
    0, …), a parameter draws values past the largest float, or an amount of
    the ledger (a present value, a net cash flow, a ratio) passes
    :data:`bpv.engine.ledger.MAX_AMOUNT`; the message names which, and the draw.
    """


class LimitError(SpecError):
    """An input is larger than a documented limit (docs/limits.md): a file, its nesting, a run.

    Parameters
    ----------
    message : str
        What is too large, by how much, and the limit.
    line : int, optional
        1-based line of the input where the limit was passed, when known.

    Examples
    --------
    >>> error = LimitError("the file nests 70 levels deep; the limit is 64", line=3)
    >>> str(error), error.line
    ('the file nests 70 levels deep; the limit is 64', 3)
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class MissingValueError(FormulaError, KeyError):
    """A formula was evaluated without a value for a name it uses.

    It is a :class:`FormulaError` and also a :class:`KeyError`, as a missing
    key in the mapping of values is what it is.
    """

    def __str__(self) -> str:
        # KeyError would show the message in quotes, as a key.
        return str(self.args[0]) if self.args else ""


class UnknownNameError(BPVError, KeyError):
    """An id or name asked for is not there: a metric, organisation, node, scenario or input.

    A :class:`KeyError`, as looking up a missing key is what it is; its message
    names the closest valid names.

    Examples
    --------
    >>> str(UnknownNameError("no metric 'npx' (did you mean 'npv'?)"))
    "no metric 'npx' (did you mean 'npv'?)"
    """

    def __str__(self) -> str:
        # KeyError would show the message in quotes, as a key.
        return str(self.args[0]) if self.args else ""


class BPVWarning(UserWarning):
    """Base class of the warnings bpv issues."""


class BidWarning(BPVWarning):
    """A bid is valid but probably not what its author meant."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a bid, with where it is.

    Attributes
    ----------
    location : str
        Path in the document, such as ``nodes[3].formula`` or
        ``parameters.referrals``; empty for the document as a whole.
    message : str
        What is wrong and how to fix it.
    line : int or None
        1-based line in the source file, when the loader could tell.

    Examples
    --------
    >>> str(Problem("parameters.referrals", "pert needs low <= mode <= high", line=12))
    'line 12: parameters.referrals: pert needs low <= mode <= high'
    """

    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        location = f"{self.location}: " if self.location else ""
        return f"{where}{location}{self.message}"


class BidValidationError(SpecError):
    """A bid has one or more problems; all of them are listed.

    Parameters
    ----------
    problems : sequence of Problem
        Every problem found, in document order.
    source : str, optional
        The file (or other source) the bid came from, used in the message.

    Attributes
    ----------
    problems : tuple of Problem
    source : str or None
    """

    def __init__(self, problems: Sequence[Problem], *, source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        origin = f" in {self.source}" if self.source else ""
        head = f"{n} problem{'s' if n != 1 else ''} found{origin}:"
        return "\n".join([head, *(f"  {problem}" for problem in self.problems)])


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return a suggestion suffix for an unknown name, or ``""``.

    Parameters
    ----------
    name : str
        The unknown name as the user wrote it.
    candidates : iterable of str
        The valid names.

    Returns
    -------
    str
        ``" (did you mean 'x'?)"`` or ``" (did you mean 'x' or 'y'?)"`` when
        close matches exist, otherwise ``""``.

    Examples
    --------
    >>> did_you_mean("admit_rte", ["admit_rate", "tariff"])
    " (did you mean 'admit_rate'?)"
    >>> did_you_mean("Max", ["max", "min"])
    " (did you mean 'max'?)"
    >>> did_you_mean("zzz", ["admit_rate"])
    ''
    """
    by_lower: dict[str, str] = {}
    for candidate in sorted(set(candidates)):
        by_lower.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.7)
    matches = [by_lower[match] for match in close]
    if not matches:
        return ""
    quoted = [f"'{match}'" for match in matches]
    options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return f" (did you mean {options}?)"


def format_location(path: Sequence[str | int]) -> str:
    """Write a path into a document the way users read it.

    Examples
    --------
    >>> format_location(("nodes", 3, "formula"))
    'nodes[3].formula'
    >>> format_location(("parameters", "referrals"))
    'parameters.referrals'
    >>> format_location(())
    ''
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
