"""Tidy tables for other tools: rows of plain records as a long pandas DataFrame.

pandas is an extra (``pip install 'bpv[tables]'``) and is imported only when
a table is asked for, so ``import bpv`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["TABLES_EXTRA", "records_frame"]

#: What to install for tables.
TABLES_EXTRA = "pip install 'bpv[tables]'"


def records_frame(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Any:
    """Return ``rows`` as a pandas DataFrame with exactly ``columns``, in that order.

    Parameters
    ----------
    rows : iterable of mapping
        One record per row; a key missing from a record gives a missing value.
    columns : sequence of str
        The columns, in order (the table's stated column order).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ModuleNotFoundError
        If pandas is not installed (the message says how to install it).

    Examples
    --------
    >>> frame = records_frame([{"metric": "npv", "value": 1.5}], ["metric", "value"])
    >>> list(frame.columns), frame["value"].tolist()
    (['metric', 'value'], [1.5])
    """
    try:
        import pandas as pd
    except ModuleNotFoundError as exc:  # pragma: no cover - pandas is in the test extra
        msg = f"tables need pandas: {TABLES_EXTRA}"
        raise ModuleNotFoundError(msg, name="pandas") from exc
    return pd.DataFrame.from_records(list(rows), columns=list(columns))
