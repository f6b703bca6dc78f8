"""Loading bids and running jobs for the command line, so a user's error never shows a traceback.

Each helper prints what went wrong, located at a file (``FILE:LINE: LOCATION:
MESSAGE``, as compilers word it) or at the command, and returns None; the
verbs then exit with :data:`EXIT_INVALID`.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bpv.errors import BidValidationError, BPVError, BPVWarning, Problem
from bpv.io import load
from bpv.spec.bid import Bid

__all__ = ["EXIT_OK", "EXIT_INVALID", "EXIT_USAGE", "EXIT_INTERNAL", "reason", "problem_line",
           "guarded", "load_bid", "load_file", "on_bid"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70

T = TypeVar("T")
Loaded = TypeVar("Loaded")


def reason(exc: BaseException) -> str:
    """Word why a file could not be read, as a user reads it (``no such file``)."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a bid file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def problem_line(file: object, problem: Problem, severity: str = "") -> str:
    """Word a problem as compilers do: ``FILE:LINE: [warning: ]LOCATION: MESSAGE``."""
    line = f":{problem.line}" if problem.line is not None else ""
    location = f"{problem.location}: " if problem.location else ""
    return f"{file}{line}: {severity}{location}{problem.message}"


def guarded(where: object, job: Callable[[], T],
            errors: tuple[type[Exception], ...] = (BPVError,)) -> T | None:
    """Run ``job``; print its warnings (each once) and a user's error, located at ``where``.

    Returns None after a user's error (a bid's problems are listed one per
    line), so the command exits with a reason and never a traceback.
    """
    value: T | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = job()
        except BidValidationError as exc:
            for problem in exc.problems:
                print(problem_line(where, problem), file=sys.stderr)
        except errors as exc:
            print(f"{where}: {exc}", file=sys.stderr)
    # Only bpv's own warnings, in its own words: numpy's, scipy's and matplotlib's
    # ("overflow encountered in multiply") say nothing a reader of a bid can act on, and
    # what they would have said bpv checks and words itself (docs/security.md).
    ours = (str(warning.message) for warning in caught
            if issubclass(warning.category, BPVWarning))
    for message in dict.fromkeys(ours):
        print(f"{where}: warning: {message}", file=sys.stderr)
    return value


def load_bid(path: Path) -> Bid | None:
    """Load a bid file; print its problems and return None when it is invalid."""
    return load_file(path, load)


def load_file(path: Path, loader: Callable[[Path], Loaded]) -> Loaded | None:
    """Read a file with ``loader``; print its problems, one a line, and return None if any."""
    try:
        return loader(path)
    except BidValidationError as exc:
        for problem in exc.problems:
            print(problem_line(path, problem), file=sys.stderr)
    except (BPVError, OSError, UnicodeDecodeError) as exc:
        print(f"{path}: {reason(exc)}", file=sys.stderr)
    return None


def on_bid(path: Path, job: Callable[[Bid], T]) -> tuple[Bid, T] | None:
    """Load the bid at ``path`` and run ``job`` on it, guarded; None if either fails."""
    bid = load_bid(path)
    if bid is None:
        return None
    value = guarded(path, lambda: job(bid))
    return None if value is None else (bid, value)
