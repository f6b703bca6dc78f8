"""Writing a result to a file other tools read: CSV, Excel, Parquet or JSON, whole or not at all.

:func:`write_table` is what ``--format`` and ``-o FILE`` do on the command
line (and ``bpv.tables.write_table`` in Python):

- **CSV**: the long form, one number a row, columns in the stated order
  :data:`~bpv.engine.long_form.FRAME_COLUMNS` (bid, scope, metric, unit,
  statistic, value, seed, draws, method, bid_hash); for a batch, one row a
  bid (:data:`~bpv.batch.result.SUMMARY_COLUMNS`) unless ``long=True``.
  Numbers are written as Python writes them, so they read back exactly.
- **Parquet** (pyarrow): the long form, with a stated schema
  (:data:`PARQUET_SCHEMA`: text columns, ``value`` float64, ``draws``
  int64) and bpv's version and the result's kind in the file's metadata.
- **Excel** (openpyxl): a workbook (:mod:`bpv.tables.sheets`,
  :mod:`bpv.tables.result_sheets`).
- **JSON**: the result's ``to_json()``.

Each file is written beside its target under a temporary name and renamed
over it (:func:`bpv._utils.output.write_whole_with`), so a reader never sees
half a file. pyarrow and openpyxl are in the tables extra (``pip install
'bpv[tables]'``) and are imported only when such a file is written; CSV and
JSON need nothing more than bpv.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

from bpv._utils.frames import tables_module
from bpv._utils.output import write_whole, write_whole_with
from bpv._version import __version__
from bpv.batch.result import Batch
from bpv.engine.long_form import FRAME_COLUMNS, LongTable
from bpv.engine.results import Appraisal
from bpv.spec.bid import Bid
from bpv.tables.result_sheets import result_sheets
from bpv.tables.sheets import Sheet, appraisal_sheets, batch_sheets, long_sheet
from bpv.tables.status import DeliveryStatus, status_sheets
from bpv.tables.workbook import write_workbook

__all__ = ["FILE_FORMATS", "FORMATS", "PARQUET_SCHEMA", "SUFFIXES", "csv_text", "format_of",
           "sheets_of", "write_table"]

#: Every output format of the command line, ``text`` first (the default).
FORMATS = ("text", "json", "csv", "xlsx", "parquet")
#: The formats :func:`write_table` writes.
FILE_FORMATS = ("json", "csv", "xlsx", "parquet")
#: The format of a file by its suffix, for ``-o FILE`` without ``--format``.
SUFFIXES: Mapping[str, str] = {".txt": "text", ".json": "json", ".csv": "csv",
                               ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
#: The Parquet file's columns and their types (pyarrow type names).
PARQUET_SCHEMA: tuple[tuple[str, str], ...] = (
    ("bid", "string"), ("scope", "string"), ("metric", "string"), ("unit", "string"),
    ("statistic", "string"), ("value", "float64"), ("seed", "string"), ("draws", "int64"),
    ("method", "string"), ("bid_hash", "string"))


def format_of(path: str | os.PathLike[str]) -> str | None:
    """Return the format a file's suffix names, or None.

    Examples
    --------
    >>> format_of("results.xlsx"), format_of("RESULTS.Parquet"), format_of("notes.md")
    ('xlsx', 'parquet', None)
    """
    return SUFFIXES.get(Path(path).suffix.lower())


def csv_text(result: LongTable, *, long: bool = False) -> str:
    """Return a result as CSV text: the long form, columns :data:`FRAME_COLUMNS` in order.

    For a :class:`~bpv.batch.result.Batch`, one row a bid
    (:data:`~bpv.batch.result.SUMMARY_COLUMNS`), unless ``long``. A missing
    value is an empty field.

    Examples
    --------
    >>> import bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> csv_text(result).splitlines()[0]
    'bid,scope,metric,unit,statistic,value,seed,draws,method,bid_hash'
    """
    if isinstance(result, Batch) and not long:
        return result.summary().to_csv()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FRAME_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result.long_rows())
    return buffer.getvalue()


def sheets_of(result: LongTable, *, bid: Bid | None = None,
              bids: Mapping[str, Bid] | None = None) -> list[Sheet]:
    """Return the sheets of a result's workbook (``bid``: an appraisal's; ``bids``: a batch's)."""
    if isinstance(result, Appraisal):
        return appraisal_sheets(result, bid=bid)
    if isinstance(result, Batch):
        return batch_sheets(result, bids=bids)
    if isinstance(result, DeliveryStatus):
        return [*status_sheets(result), long_sheet(result)]
    return result_sheets(result)


def _write_parquet(path: Path, result: LongTable) -> None:
    pa = tables_module("pyarrow")
    parquet = tables_module("pyarrow.parquet")
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in PARQUET_SCHEMA],
                       metadata={"bpv.version": __version__,
                                 "bpv.result": type(result).__name__})
    parquet.write_table(pa.Table.from_pylist(result.long_rows(), schema=schema), str(path))


def write_table(result: LongTable, path: str | os.PathLike[str], *, format: str | None = None,
                bid: Bid | None = None, bids: Mapping[str, Bid] | None = None,
                long: bool = False) -> Path:
    r"""Write a result to ``path`` as CSV, Excel, Parquet or JSON, whole or not at all.

    Parameters
    ----------
    result : LongTable
        An Appraisal, Comparison, Sensitivity, ScenarioTable, Portfolio,
        Batch, Tracking or Reforecast.
    path : path-like
        The file to write (replaced whole).
    format : {'csv', 'xlsx', 'parquet', 'json'}, optional
        Default: from the file's suffix (:data:`SUFFIXES`).
    bid : Bid, optional
        An appraisal's bid: its workbook then has the hypotheses register
        and the bid's settings.
    bids : dict of str to Bid, optional
        A batch's bids by id, for the hypotheses register of its workbook.
    long : bool, default False
        A batch's CSV in long form rather than a row a bid.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If the format is not one of :data:`FILE_FORMATS`.
    ModuleNotFoundError
        If the format needs a library of the tables extra that is not
        installed; the message is one line, ``pip install 'bpv[tables]'``.
    SpecError
        If ``path`` may not be written (a folder, a link, a device).

    Examples
    --------
    >>> import tempfile, bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=1_000, rng=1)
    >>> path = write_table(result, Path(tempfile.mkdtemp()) / "frailty.csv")
    >>> path.read_text().count("\n") == len(result.long_rows()) + 1
    True
    """
    target = Path(path)
    chosen = format or format_of(target)
    if chosen not in FILE_FORMATS:
        msg = (f"cannot tell what to write to '{target}': give format= one of "
               f"{', '.join(FILE_FORMATS)}, or a file name ending in .csv, .xlsx, .parquet "
               "or .json")
        raise ValueError(msg)
    if chosen == "json":
        write_whole(target, result.to_json() + "\n")  # type: ignore[attr-defined]
    elif chosen == "csv":
        write_whole(target, csv_text(result, long=long))
    elif chosen == "parquet":
        tables_module("pyarrow.parquet")  # fail before a temporary file is made
        write_whole_with(target, lambda temporary: _write_parquet(temporary, result))
    else:
        tables_module("openpyxl")
        sheets = sheets_of(result, bid=bid, bids=bids)
        write_whole_with(target, lambda temporary: write_workbook(temporary, sheets))
    return target
