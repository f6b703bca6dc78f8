"""Where a problem is: pydantic's error locations as the paths and lines a user sees in the file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from bpv.errors import Problem, format_location
from bpv.spec.distributions import DISTRIBUTIONS

__all__ = ["problems_from_validation_error"]


def problems_from_validation_error(
    exc: ValidationError, lines: Mapping[tuple[str | int, ...], int] | None = None
) -> list[Problem]:
    """Turn a bid's ``ValidationError`` into located problems, in document order.

    Parameters
    ----------
    exc : pydantic.ValidationError
        Raised by ``Bid.model_validate``.
    lines : mapping of path to int, optional
        Line of each path in the source file.

    Returns
    -------
    list of Problem
    """
    lines = lines or {}
    problems = []
    for error in exc.errors():
        path = _document_path(tuple(error["loc"]))
        message = str(error["msg"])
        problems.append(Problem(format_location(path), message, _line_of(path, lines)))
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line if p.line is not None else 0))


def _document_path(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Map a pydantic location to the path a user sees in the file.

    A parameter's distribution is written flat in the file (in
    ``parameters``, and wherever else a parameter is written: a scenario's
    replacement, an additionality factor), so the ``distribution`` level and
    the union tag after it are dropped.

    Examples
    --------
    >>> _document_path(("parameters", "x", "distribution", "normal", "sd"))
    ('parameters', 'x', 'sd')
    >>> _document_path(("settings", "additionality", "leakage", "distribution", "beta", "sd"))
    ('settings', 'additionality', 'leakage', 'sd')
    """
    if "distribution" not in loc[1:]:
        return loc
    path: list[str | int] = []
    skip_tag = False
    for index, part in enumerate(loc):
        if skip_tag:
            skip_tag = False
            if part in DISTRIBUTIONS:
                continue
        if part == "distribution" and index > 0 and loc[index - 1] != "parameters":
            skip_tag = True
            continue
        path.append(part)
    return tuple(path)


def _line_of(path: Sequence[str | int], lines: Mapping[tuple[str | int, ...], int]) -> int | None:
    """Return the line of the path, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None
