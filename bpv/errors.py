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
from typing import Literal

__all__ = [
    "ActualsError",
    "BPVError",
    "BPVWarning",
    "BidValidationError",
    "BidWarning",
    "EvaluationError",
    "Finding",
    "FormulaError",
    "InfeasibleError",
    "LimitError",
    "MissingValueError",
    "NotARegisterError",
    "PortfolioError",
    "Problem",
    "ReforecastError",
    "RegisterError",
    "RegisterVersionError",
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


class PortfolioError(SpecError):
    """A portfolio cannot be chosen as asked: its constraints name unknown bids or resources."""


class InfeasibleError(PortfolioError):
    """No set of bids meets every constraint of a portfolio; ``binding`` names those in conflict.

    Parameters
    ----------
    message : str
        What conflicts, worded for the user (never a solver's trace).
    binding : sequence of str
        Names of the constraints that had to be relaxed to find any portfolio.

    Examples
    --------
    >>> error = InfeasibleError("no portfolio fits", binding=["budget: total"])
    >>> error.binding
    ('budget: total',)
    """

    def __init__(self, message: str, *, binding: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.binding = tuple(binding)


class MissingValueError(FormulaError, KeyError):
    """A formula was evaluated without a value for a name it uses.

    It is a :class:`FormulaError` and also a :class:`KeyError`, as a missing
    key in the mapping of values is what it is.
    """

    def __str__(self) -> str:
        # KeyError would show the message in quotes, as a key.
        return str(self.args[0]) if self.args else ""


class ReforecastError(BPVError, ValueError):
    """Actuals cannot update a bid's forecast: the bid's hypotheses give them no chance at all.

    Raised by the Bayesian re-forecast (:mod:`bpv.tracking.reforecast`) when
    every draw of the appraisal gives the actuals a likelihood of zero (a
    positive count where every draw expects none, an actual beyond what any
    draw allows), so there is nothing to weight the draws by; the message
    names the series and period.

    Examples
    --------
    >>> str(ReforecastError("the actuals for admissions_avoided in 2026/27 lie outside what "
    ...                     "the bid's hypotheses allow"))[:40]
    'the actuals for admissions_avoided in 20'
    """


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


class RegisterError(BPVError):
    """The benefits register cannot do what was asked (no register there, a read-only view).

    Examples
    --------
    >>> str(RegisterError("no register at bpv-register.db: create one with bpv track init"))
    'no register at bpv-register.db: create one with bpv track init'
    """


class NotARegisterError(RegisterError, ValueError):
    """A file or database given as a register is not one (another SQLite file, a text file)."""


class RegisterVersionError(RegisterError):
    """A register's schema is not the one this bpv reads: newer (upgrade bpv) or older.

    Parameters
    ----------
    message : str
        What was found and what to do.
    found : int
        The register's schema version.
    supported : int
        The newest schema version this bpv reads and writes.
    """

    def __init__(self, message: str, *, found: int, supported: int) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


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


#: How sure a check is: an ``error`` is certainly a mistake (the bid is refused by
#: ``bpv validate``), a ``warning`` probably one (``bpv validate --strict`` refuses it).
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding(Problem):
    """What one sanity check found in a valid bid: a located problem with its severity.

    Attributes
    ----------
    location, message, line
        As for :class:`Problem`; the location names nodes and parameters by id
        (``nodes['beds_saved']``, ``parameters.uptake_share``).
    severity : {'error', 'warning'}, default 'warning'
    check : str
        The check that found it (``share-above-one``), as docs/validation.md lists them.

    Examples
    --------
    >>> finding = Finding("settings.qaly_value", "70 GBP per QALY is implausibly low",
    ...                   check="qaly-value")
    >>> finding.severity, str(finding)
    ('warning', 'settings.qaly_value: 70 GBP per QALY is implausibly low')
    """

    severity: Severity = "warning"
    check: str = ""


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


class ActualsError(BidValidationError):
    """A file (or list) of actuals has one or more problems; all of them are listed.

    Nothing is read from a source with problems. Each problem carries the
    line of the file (or the 1-based number of the record) it was found on,
    and the source names the file.

    Examples
    --------
    >>> error = ActualsError([Problem("value", "expected a number, got 'n/a'", line=4)],
    ...                      source="actuals.csv")
    >>> print(error)
    1 problem found in actuals.csv:
      line 4: value: expected a number, got 'n/a'
    """


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
