"""How distribution specifications word their numbers and their problems."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from bpv._utils.formatting import significant

__all__ = [
    "three_point_problems",
    "span_problems",
    "num",
    "numbers",
    "percent",
    "call",
    "listing",
    "distinct",
    "increasing",
]


def three_point_problems(name: str, low: float, mode: float, high: float) -> list[str]:
    got = f"(got low={num(low)}, mode={num(mode)}, high={num(high)})"
    if not low <= mode <= high:
        return [f"{name} needs low <= mode <= high {got}"]
    if not low < high:
        return [f"{name} needs low < high {got}; for a known value use dist: fixed"]
    return span_problems(name, low, high)


def span_problems(name: str, low: float, high: float) -> list[str]:
    """Refuse a range whose width ``high - low`` is past the largest float (docs/limits.md).

    Draws are ``low + u * (high - low)``: such a range cannot be sampled.
    """
    if math.isfinite(high - low):
        return []
    return [f"{name}: the range from low={num(low)} to high={num(high)} is too wide to sample "
            "(high - low is past the largest number, about 1.8e308); narrow it"]


def num(value: float | None) -> str:
    """Write a number exactly but briefly: ``900``, not ``900.0``; ``0.35``; ``1e-07``."""
    if value is None:
        return "None"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def numbers(values: Sequence[float]) -> str:
    return "[" + ", ".join(num(v) for v in values) + "]"


def percent(probability: float) -> str:
    return f"{significant(probability * 100, 10)}%"


def call(name: str, arguments: dict[str, Any]) -> str:
    inner = ", ".join(f"{key}={num(value)}" for key, value in arguments.items())
    return f"{name}({inner})"


def listing(names: Sequence[str]) -> str:
    """``'median only'``, ``'mu, mean and sd'``, ``'nothing'``."""
    if not names:
        return "nothing"
    if len(names) == 1:
        return f"{names[0]} only"
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def distinct(bound: float, found: float) -> tuple[str, str]:
    """Write a bound and a value with as few digits as show them apart (at least 3)."""
    for digits in range(3, 18):
        a, b = f"{bound:.{digits}g}", f"{found:.{digits}g}"
        if a != b:
            return a, b
    return repr(bound), repr(found)


def increasing(values: Sequence[float]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))
