"""Tables for other tools: results written as CSV, Excel workbooks and Parquet files.

Every result gives a long table through its own ``to_frame()``
(:mod:`bpv.engine.long_form`); this package writes results to files a
programme office's spreadsheets, dashboards and databases read:

- :func:`bpv.tables.writing.write_table` (also ``bpv.tables.write_table``):
  a result to CSV (the long form, columns in a stated order), Parquet
  (pyarrow, a stated schema), an Excel workbook (openpyxl) or JSON, written
  whole or not at all;
- :mod:`bpv.tables.sheets` and :mod:`bpv.tables.result_sheets`: what each
  result's workbook holds, as plain rows (an appraisal's summary,
  organisations, metric nodes by year, hypotheses register, settings and
  long form; a batch's row a bid and problems; …);
- :mod:`bpv.tables.workbook`: sheets to ``.xlsx`` with number formats
  (``£#,##0`` for money, ``0.0%`` for probabilities), frozen headers and
  column widths.

Tables present results and compute none: the package sits beside
:mod:`bpv.plot`, below :mod:`bpv.reporting`. pyarrow and openpyxl are in
the tables extra (``pip install 'bpv[tables]'``), imported only when a file
of theirs is written.
"""

from bpv.tables.writing import FORMATS, format_of, write_table

__all__ = ["FORMATS", "format_of", "write_table"]
