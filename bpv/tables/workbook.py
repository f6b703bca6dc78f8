"""Writing sheets to an Excel workbook (``.xlsx``) with openpyxl.

Each :class:`~bpv.tables.sheets.Sheet` becomes a worksheet: a bold header
row, frozen so it stays in view; each number with its format (money as
``£#,##0``, probabilities as ``0.0%``); each column as wide as its longest
value (within limits). The workbook is written in openpyxl's streaming
(write-only) mode, so a batch of many bids is written quickly and in little
memory. openpyxl is in the tables extra (``pip install 'bpv[tables]'``) and
is imported only here, when a workbook is written.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from bpv._utils.frames import tables_module
from bpv.tables.sheets import Sheet

__all__ = ["MAX_WIDTH", "MIN_WIDTH", "column_widths", "write_workbook"]

#: Bounds of a column's width, in characters.
MIN_WIDTH, MAX_WIDTH = 8, 60


def _shown(value: Any, number_format: str | None) -> int:
    """Roughly how many characters a cell shows."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return 0
        if number_format and "%" in number_format:
            return len(f"{value:.1%}")
        digits = len(f"{abs(value):,.0f}") + (3 if abs(value) < 1_000 else 0)
        return digits + 2
    return len(str(value))


def column_widths(sheet: Sheet, formats: Sequence[Sequence[str | None]]) -> list[int]:
    """Return each column's width: its longest shown value or header, within bounds.

    Examples
    --------
    >>> sheet = Sheet("S", ("bid", "mean_npv"), [("frailty", 1_234_567.0)])
    >>> column_widths(sheet, sheet.number_formats())
    [8, 12]
    """
    widths = [len(column) + 2 for column in sheet.columns]
    for row, row_formats in zip(sheet.rows, formats, strict=True):
        for index, (value, number_format) in enumerate(zip(row, row_formats, strict=True)):
            widths[index] = max(widths[index], _shown(value, number_format) + 1)
    return [min(MAX_WIDTH, max(MIN_WIDTH, width)) for width in widths]


def write_workbook(path: str | os.PathLike[str], sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to a new Excel workbook at ``path`` (replacing any file there).

    Raises
    ------
    ModuleNotFoundError
        If openpyxl is not installed (one line: ``pip install 'bpv[tables]'``).
    """
    openpyxl = tables_module("openpyxl")
    cell_module = tables_module("openpyxl.cell")
    styles = tables_module("openpyxl.styles")
    utils = tables_module("openpyxl.utils")
    workbook = openpyxl.Workbook(write_only=True)
    bold = styles.Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.name[:31])
        formats = sheet.number_formats()
        for index, width in enumerate(column_widths(sheet, formats), start=1):
            worksheet.column_dimensions[utils.get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        header = []
        for column in sheet.columns:
            cell = cell_module.WriteOnlyCell(worksheet, value=column)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row, row_formats in zip(sheet.rows, formats, strict=True):
            cells: list[Any] = []
            for value, number_format in zip(row, row_formats, strict=True):
                if isinstance(value, float) and not math.isfinite(value):
                    value = None  # an empty cell: Excel has no NaN or infinity
                if number_format is None or value is None:
                    cells.append(value)
                    continue
                cell = cell_module.WriteOnlyCell(worksheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
            worksheet.append(cells)
    workbook.save(os.fspath(path))
