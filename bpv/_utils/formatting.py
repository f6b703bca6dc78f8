"""How results are written for people and for machines: numbers as text, values as JSON.

Every text table of bpv formats its numbers here, so the same number reads the
same wherever it appears.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["format_number", "json_safe"]


def format_number(value: float) -> str:
    """Return a number as a summary table shows it.

    Examples
    --------
    >>> [format_number(v) for v in (1234567.8, 42.123456, 0.00012, float("nan"), float("inf"))]
    ['1,234,568', '42.12', '1.200e-04', '-', 'never']
    """
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "never" if value > 0 else "-inf"
    if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
        return f"{value:.3e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def json_safe(value: Any) -> Any:
    """Return ``value`` with numpy floats as floats and non-finite numbers as None, for JSON.

    Mappings, lists and tuples are converted throughout; tuples become lists.

    Examples
    --------
    >>> json_safe({"mean": np.float64(2.5), "p": [1.0, float("nan")], "n": 3})
    {'mean': 2.5, 'p': [1.0, None], 'n': 3}
    """
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
