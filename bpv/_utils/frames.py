"""Tidy tables for other tools: rows of plain records as a long pandas DataFrame.

pandas is an extra (``pip install 'bpv[tables]'``) and is imported only when
a table is asked for, so ``import bpv`` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["TABLES_EXTRA", "columns_frame", "records_frame", "tables_module"]

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
    pd = tables_module("pandas")
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


def columns_frame(columns: Mapping[str, Any]) -> Any:
    """Return a pandas DataFrame of ``columns`` (name to equal-length array), in order.

    Examples
    --------
    >>> frame = columns_frame({"draw": [0, 1], "npv": [1.0, -2.0]})
    >>> list(frame.columns), frame["npv"].tolist()
    (['draw', 'npv'], [1.0, -2.0])
    """
    pd = tables_module("pandas")
    return pd.DataFrame(dict(columns), copy=False)


def tables_module(name: str) -> Any:
    """Import one of the tables extra's libraries (pandas, pyarrow, openpyxl) by name.

    Raises
    ------
    ModuleNotFoundError
        If it is not installed; the message names it and says how to install
        the extra, in one line.

    Examples
    --------
    >>> tables_module("pandas").__name__
    'pandas'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        package = name.split(".", 1)[0]
        msg = f"tables need {package}, which is not installed: {TABLES_EXTRA}"
        raise ModuleNotFoundError(msg, name=package) from exc
