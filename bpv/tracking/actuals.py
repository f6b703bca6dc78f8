"""Reading actuals: what happened, by series and period, checked against a bid.

Actuals come as a CSV file, a list of records (mappings) or a pandas
DataFrame, with these columns (the first three required, the rest optional):

========================  ===================================================
``node``                  a node id, or ``costs`` / ``savings``
``period``                ``2026/27``, ``2026/27 Q1``, ``2026-05``, ``May 2026``,
                          ``2026-04-01 to 2026-06-30`` (see :mod:`bpv.tracking.periods`)
``value``                 the actual, in the series' unit for that period
``organisation``          for ``costs`` / ``savings``: whose (empty: the system's)
``bid``                   the bid's id; a row for another bid is refused
``unit``                  the unit the value is in; must be the node's
``source``                where the figure comes from (a return, a ledger)
``recorded_by``           who recorded it
``recorded_at``           when (an ISO date or date and time)
``note``                  free text, kept as written (never evaluated)
========================  ===================================================

Every problem is found at once, each with the file and its line (or the
record's number, from 1, for records and DataFrames), and raised as one
:class:`~bpv.errors.ActualsError`: nothing is read from a source with problems.

Examples
--------
>>> import bpv
>>> from datetime import date
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> actuals = read_actuals([{"node": "admissions_avoided", "period": "2025/26 Q1",
...                          "value": 6}], bid, as_at=date(2026, 12, 7))
>>> seen = actuals.observations[0]
>>> seen.series.label, seen.year, seen.likelihood, seen.location
('admissions_avoided', 0, 'poisson', 'records, line 1')
>>> read_actuals([{"node": "admisions_avoided", "period": "2025/26", "value": -3}], bid,
...              as_at=date(2026, 12, 7))
Traceback (most recent call last):
...
bpv.errors.ActualsError: 1 problem found in records:
  line 1: node: unknown node 'admisions_avoided' (did you mean 'admissions_avoided'?)
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from bpv._utils.files import read_regular_file
from bpv._utils.formatting import format_number, json_safe
from bpv._utils.validation import check_instance
from bpv.errors import ActualsError, Problem, SpecError, did_you_mean
from bpv.io import MAX_FILE_BYTES
from bpv.spec.bid import Bid
from bpv.tracking.observations import Observation
from bpv.tracking.periods import Period, parse_period
from bpv.tracking.series import LEDGER_SERIES, SeriesKey
from bpv.tracking.settings import SeriesSettings, series_settings

__all__ = ["COLUMNS", "MAX_ACTUALS_BYTES", "MAX_ACTUALS_ROWS", "MAX_CELL_LENGTH", "as_at_date",
           "MAX_NOTE_LENGTH", "MAX_PROBLEMS_LISTED",
           "REQUIRED_COLUMNS", "ActualRecord", "Actuals", "read_actuals"]

#: Columns an actuals source may have.
COLUMNS = ("bid", "node", "period", "value", "organisation", "unit", "source", "recorded_by",
           "recorded_at", "note")
#: Columns it must have.
REQUIRED_COLUMNS = ("node", "period", "value")
#: Bytes of an actuals file (as for a bid file).
MAX_ACTUALS_BYTES = MAX_FILE_BYTES
#: Rows of actuals in one source.
MAX_ACTUALS_ROWS = 100_000
#: Characters of a note (as of a bid's free text).
MAX_NOTE_LENGTH = 10_000
#: Characters of any other cell (as of a bid's titles).
MAX_CELL_LENGTH = 300
#: Problems listed in one error; the rest are counted.
MAX_PROBLEMS_LISTED = 200

_MONEY_UNITS = frozenset({"gbp", "£", "pounds", "gbp (£)"})
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_LONG_TEXT = frozenset({"note"})


@dataclass(frozen=True)
class ActualRecord:
    """One actual as given, after its checks passed.

    Attributes
    ----------
    bid : str or None
        The bid's id, when the source gave one.
    node : str
        A node id, or ``costs`` / ``savings``.
    period : str
        The period as given (``'2026/27 Q1'``).
    value : float
    organisation, source, recorded_by, recorded_at, note : str or None
        As given; empty cells are None.
    line : int
        The line of the file the record starts on (the header is line 1),
        or the record's number from 1 for records and DataFrames.
    """

    bid: str | None
    node: str
    period: str
    value: float
    organisation: str | None
    source: str | None
    recorded_by: str | None
    recorded_at: str | None
    note: str | None
    line: int


@dataclass(frozen=True)
class Actuals:
    """Actuals read and checked against a bid, each resolved to an :class:`Observation`.

    Attributes
    ----------
    bid : Bid
        The bid they were checked against.
    records : tuple of ActualRecord
        As given, in the source's order.
    observations : tuple of Observation
        One per record, in the same order: series, year, share of the year,
        value and how it is measured.
    periods : tuple of Period
        One per record: the span of days each covers.
    source : str
        The file, ``'records'`` or ``'DataFrame'``.
    as_at : datetime.date
        The date they were read as at: no period ends after it.
    """

    bid: Bid
    records: tuple[ActualRecord, ...]
    observations: tuple[Observation, ...]
    periods: tuple[Period, ...]
    source: str
    as_at: date

    def __len__(self) -> int:
        return len(self.records)

    def to_dict(self) -> dict[str, Any]:
        """Return the actuals as plain data: the bid, the date, and each record resolved."""
        rows = []
        for record, seen in zip(self.records, self.observations, strict=True):
            rows.append({**asdict(record), "series": seen.series.label, "year": seen.year,
                         "share": seen.share, "likelihood": seen.likelihood, "sd": seen.sd,
                         "cv": seen.cv})
        return {"bid": self.bid.id, "source": self.source, "as_at": self.as_at.isoformat(),
                "actuals": rows}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON."""
        return json.dumps(json_safe(self.to_dict()), indent=indent, ensure_ascii=False)


# -- reading the source into rows -----------------------------------------------------------


def as_at_date(value: date | str | None, *, function: str) -> date:
    """Return an as-at date given as a date, a datetime, ISO text or None (today)."""
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    msg = (f"The 'as_at' parameter of {function} must be a datetime.date or an ISO date "
           f"('2026-09-30'). Got {value!r} instead.")
    raise SpecError(msg)


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    for bom, name in ((codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
                      (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32")):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF8):
            return None, Problem("", f"the file is {name} text; save it as UTF-8 (CSV UTF-8 in "
                                 "Excel)", 1)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem("", f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at byte "
                             f"{exc.start:,} cannot be decoded; save the file as UTF-8", line)


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]], list[Problem]]:
    """Return the header, each row by its first line, and problems of the file's shape."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [], [Problem("", f"the header cannot be read as CSV: {exc}", 1)]
    if header is None:
        return [], [], [Problem("", "the file is empty: it needs a header line naming the "
                                f"columns ({', '.join(REQUIRED_COLUMNS)}, ...)", 1)]
    names = [name.strip().lower() for name in header]
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem("", f"cannot be read as CSV: {exc}", reader.line_num))
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ACTUALS_ROWS:
            problems.append(Problem("", f"more than {MAX_ACTUALS_ROWS:,} rows of actuals, the "
                                    "limit for one file (docs/limits.md); split the file", line))
            break
        if len(cells) > len(names):
            problems.append(Problem("", f"the row has {len(cells)} cells but the header names "
                                    f"{len(names)} columns; quote a value holding a comma",
                                    line))
            continue
        rows.append((line, dict(zip(names, cells, strict=False))))
    return names, rows, problems


def _record_rows(records: Sequence[Any]) -> tuple[list[tuple[int, dict[str, Any]]],
                                                   list[Problem]]:
    """Return each record by its number from 1, and the problems of their keys."""
    if len(records) > MAX_ACTUALS_ROWS:
        return [], [Problem("", f"{len(records):,} records of actuals, more than the limit "
                            f"of {MAX_ACTUALS_ROWS:,} (docs/limits.md)")]
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            problems.append(Problem("", f"a record must be a mapping of column to value, got "
                                    f"{type(record).__name__}", number))
            continue
        row = {str(key).strip().lower(): value for key, value in record.items()}
        unknown = [Problem("", message, number) for message in _unknown_columns(row)]
        problems += unknown
        if not unknown:
            rows.append((number, row))
    return rows, problems


def _frame_records(frame: Any) -> list[dict[str, Any]]:
    import pandas as pd  # optional, and imported only for a DataFrame

    if not isinstance(frame, pd.DataFrame):
        msg = f"expected a pandas DataFrame, got {type(frame).__name__}"
        raise SpecError(msg)
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [dict(record) for record in records]


def _unknown_columns(names: Iterable[str]) -> list[str]:
    messages = []
    for name in names:
        if name not in COLUMNS:
            hint = did_you_mean(name, COLUMNS) or f"; the columns are: {', '.join(COLUMNS)}"
            messages.append(f"unknown column '{name}'{hint}")
    return messages


def _header_problems(names: Sequence[str]) -> list[Problem]:
    problems = [Problem("", f"the column '{name}' appears twice", 1)
                for index, name in enumerate(names) if name in names[:index]]
    problems += [Problem("", message, 1) for message in _unknown_columns(names)]
    problems += [Problem("", f"missing column '{name}' (the columns required are "
                         f"{', '.join(REQUIRED_COLUMNS)})", 1)
                 for name in REQUIRED_COLUMNS if name not in names]
    return problems


# -- checking one row -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """Return a cell as stripped text, or None when it is empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | str:
    """Return a cell's number, or a message saying why it is not one."""
    if isinstance(value, bool):
        return f"expected a number, got the boolean {str(value).lower()}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value)
        if text is None:
            return "missing: give the actual's value"
        cleaned = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
        try:
            number = float(cleaned)
        except (ValueError, OverflowError):
            shown = text if len(text) <= 40 else text[:37] + "..."
            return f"expected a number, got {shown!r}"
    if not math.isfinite(number):
        return f"expected a finite number, got {value!r}"
    return number


class _RowChecker:
    """Checks rows against one bid, collecting problems."""

    def __init__(self, bid: Bid, as_at: date) -> None:
        self.bid = bid
        self.as_at = as_at
        self.organisations = [organisation.id for organisation in bid.organisations]
        self.settings: dict[SeriesKey, SeriesSettings] = {}

    def series(self, node: str | None, organisation: str | None) -> SeriesKey | Problem:
        """Return the series a row names, or the problem (no line) of why it names none."""
        if node is None:
            return Problem("node", "missing: give a node id, costs or savings")
        if node in LEDGER_SERIES and node not in self.bid.node_ids:
            if organisation is not None and organisation not in self.organisations:
                return Problem("organisation", f"unknown organisation '{organisation}'"
                               f"{did_you_mean(organisation, self.organisations)}")
            return SeriesKey(node, organisation)
        if node not in self.bid.node_ids:
            names = [*self.bid.node_ids, *LEDGER_SERIES]
            return Problem("node", f"unknown node '{node}'{did_you_mean(node, names)}")
        spec = self.bid.node(node)
        if spec.formula is None and spec.kind != "activity":
            return Problem("node", f"node '{node}' is qualitative (no formula): it has no "
                           "values to track")
        if organisation is not None and organisation != spec.organisation:
            where = f"falls on '{spec.organisation}'" if spec.organisation else \
                "falls on no organisation"
            return Problem("organisation", f"node '{node}' {where}, not '{organisation}'; leave "
                           "organisation empty for a node (only costs and savings take one)")
        return SeriesKey(node)

    def settings_of(self, key: SeriesKey) -> SeriesSettings:
        if key not in self.settings:
            self.settings[key] = series_settings(self.bid, key)
        return self.settings[key]

    def check(self, line: int, row: Mapping[str, Any],
              problems: list[Problem]) -> tuple[SeriesKey, Period, ActualRecord] | None:
        """Return a row's series, period and record, or None after adding its problems."""
        found = len(problems)
        for name, value in row.items():
            limit = MAX_NOTE_LENGTH if name in _LONG_TEXT else MAX_CELL_LENGTH
            if name != "value" and value is not None and len(str(value)) > limit:
                problems.append(Problem(name, f"text of {len(str(value)):,} characters is longer "
                                        f"than the limit of {limit:,} (docs/limits.md)", line))
        if len(problems) > found:
            return None
        given_bid = _text(row.get("bid"))
        if given_bid is not None and given_bid != self.bid.id:
            problems.append(Problem("bid", f"a row for bid '{given_bid}', but these actuals are "
                                    f"read for bid '{self.bid.id}'", line))
        organisation = _text(row.get("organisation"))
        key = self.series(_text(row.get("node")), organisation)
        if isinstance(key, Problem):
            problems.append(Problem(key.location, key.message, line))
        period: Period | str
        text = _text(row.get("period"))
        if text is None:
            period = "missing: give the period the actual covers, e.g. '2026/27 Q1'"
        else:
            try:
                period = parse_period(text, start_year=self.bid.start_year,
                                      horizon=self.bid.horizon, as_at=self.as_at)
            except SpecError as exc:
                period = str(exc)
        if isinstance(period, str):
            problems.append(Problem("period", period, line))
        value = _number(row.get("value"))
        if isinstance(value, str):
            problems.append(Problem("value", value, line))
        if isinstance(key, SeriesKey):
            self._check_unit(key, _text(row.get("unit")), line, problems)
        recorded_at = _text(row.get("recorded_at"))
        if recorded_at is not None and not _is_iso_time(recorded_at):
            problems.append(Problem("recorded_at", f"'{recorded_at}' is not an ISO date or date "
                                    "and time (2026-07-15 or 2026-07-15T09:30)", line))
        if len(problems) > found or isinstance(key, Problem) or isinstance(period, str) \
                or isinstance(value, str):
            return None
        record = ActualRecord(
            bid=given_bid, node=key.node, period=text or "", value=value,
            organisation=organisation if key.organisation is not None else None,
            source=_text(row.get("source")), recorded_by=_text(row.get("recorded_by")),
            recorded_at=recorded_at, note=_text(row.get("note")), line=line)
        return key, period, record

    def _check_unit(self, key: SeriesKey, unit: str | None, line: int,
                    problems: list[Problem]) -> None:
        settings = self.settings_of(key)
        if unit is None or not settings.unit:
            return
        same = unit.lower() in _MONEY_UNITS if settings.money else \
            unit.lower() == settings.unit.lower()
        if not same:
            problems.append(Problem("unit", f"the unit '{unit}' contradicts {key.label}'s unit "
                                    f"'{settings.unit}'; give the value in {settings.unit}",
                                    line))


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# -- checks across rows -----------------------------------------------------------------------


def _overlap_problems(rows: Sequence[tuple[SeriesKey, Period, ActualRecord]]) -> list[Problem]:
    """Refuse a series given twice for one day: the same period, or overlapping ones."""
    by_series: dict[SeriesKey, list[tuple[Period, ActualRecord]]] = defaultdict(list)
    for key, period, record in rows:
        by_series[key].append((period, record))
    problems: list[Problem] = []
    for key, given in by_series.items():
        latest: tuple[Period, ActualRecord] | None = None
        for period, record in sorted(given, key=lambda item: (item[0].first, item[1].line)):
            if latest is not None and latest[0].overlaps(period):
                first, second = sorted([latest, (period, record)], key=lambda item: item[1].line)
                what = "the same period" if first[0].label == second[0].label else \
                    f"a period overlapping {first[0].label}"
                problems.append(Problem("period", f"{key.label} is given twice for {what} "
                                        f"(line {first[1].line} and this line)", second[1].line))
            if latest is None or period.last > latest[0].last:
                latest = (period, record)
    return problems


def _measurement(checker: _RowChecker,
                 rows: Sequence[tuple[SeriesKey, Period, ActualRecord]],
                 problems: list[Problem]) -> dict[SeriesKey, tuple[Any, ...]]:
    """Resolve how each series is measured, and check its values fit (counts, positives)."""
    values: dict[SeriesKey, list[ActualRecord]] = defaultdict(list)
    for key, _, record in rows:
        values[key].append(record)
    measured: dict[SeriesKey, tuple[Any, ...]] = {}
    for key, records in values.items():
        settings = checker.settings_of(key)
        declared = settings.likelihood
        whole = [record.value for record in records if float(record.value).is_integer()]
        if declared is None and settings.may_count and len(whole) == len(records):
            # a count: whole numbers, so Poisson; a negative count is a mistake
            problems += [Problem("value", f"{key.label} is a count (its actuals are whole "
                                 f"numbers) and cannot be negative, got {_shown(record.value)}; if "
                                 "it may be, say likelihood: normal for it in the bid's "
                                 "tracking: section", record.line)
                         for record in records if record.value < 0]
        elif declared == "poisson":
            problems += [Problem("value", f"{key.label} is measured as a count (poisson) and "
                                 f"needs a whole number, at least 0; got {_shown(record.value)}",
                                 record.line) for record in records
                         if record.value < 0 or not float(record.value).is_integer()]
        elif declared == "lognormal":
            problems += [Problem("value", f"{key.label} is measured as lognormal and needs a "
                                 f"value above 0; got {_shown(record.value)}", record.line)
                         for record in records if record.value <= 0]
        measured[key] = settings.measured_by(record.value for record in records)
    return measured


def read_actuals(source: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any, bid: Bid,
                 *, as_at: date | str | None = None) -> Actuals:
    """Read actuals and check every one against a bid.

    Parameters
    ----------
    source : path, list of mappings, or pandas.DataFrame
        A CSV file (UTF-8, a header line naming the columns), records, or a
        DataFrame with those columns.
    bid : Bid
        The bid the actuals are of.
    as_at : datetime.date or str, optional
        The date the actuals are read as at (default today): a period that
        ends after it is refused.

    Returns
    -------
    Actuals

    Raises
    ------
    ActualsError
        Listing every problem, each with its line; nothing is read.
    SpecError
        If an argument is of the wrong kind.
    OSError
        If the file cannot be opened.
    """
    bid = check_instance(bid, Bid, name="bid", function="read_actuals", expected="a bpv.Bid")
    day = as_at_date(as_at, function="read_actuals")
    problems: list[Problem] = []
    if isinstance(source, str | os.PathLike):
        where = str(source)
        try:
            data = read_regular_file(source, limit=MAX_ACTUALS_BYTES, what="an actuals file")
        except SpecError as exc:
            raise ActualsError([Problem("", str(exc))], source=where) from None
        text, problem = _decode(data)
        if problem is not None or text is None:
            raise ActualsError([problem] if problem else [], source=where)
        names, rows, problems = _csv_rows(text)
        header = _header_problems(names) if names else []
        if any(problem.message.startswith("missing column") for problem in header):
            _raise(header + problems, where)
        problems = header + problems
    elif type(source).__module__.split(".")[0] == "pandas":
        where = "DataFrame"
        rows, problems = _record_rows(_frame_records(source))
    elif isinstance(source, Sequence) and not isinstance(source, str | bytes | bytearray):
        where = "records"
        rows, problems = _record_rows(source)
    else:
        msg = (f"The 'source' parameter of read_actuals must be a CSV file's path, a list of "
               f"records or a pandas DataFrame. Got {type(source).__name__} instead.")
        raise SpecError(msg)
    checker = _RowChecker(bid, day)
    checked = [result for line, row in rows
               if (result := checker.check(line, row, problems)) is not None]
    problems += _overlap_problems(checked)
    measured = _measurement(checker, checked, problems)
    if problems:
        _raise(problems, where)
    label = where if where in {"records", "DataFrame"} else Path(where).name
    observations = tuple(
        Observation(series=key, year=period.year, share=period.share, value=record.value,
                    likelihood=measured[key][0], sd=measured[key][1], cv=measured[key][2],
                    period=period.label, location=f"{label}, line {record.line}")
        for key, period, record in checked)
    return Actuals(bid=bid, records=tuple(record for _, _, record in checked),
                   observations=observations, periods=tuple(period for _, period, _ in checked),
                   source=where, as_at=day)


def _raise(problems: Iterable[Problem], where: str) -> NoReturn:
    ordered = sorted(problems, key=lambda problem: (problem.line or 0))
    if len(ordered) > MAX_PROBLEMS_LISTED:
        more = len(ordered) - MAX_PROBLEMS_LISTED
        ordered = [*ordered[:MAX_PROBLEMS_LISTED],
                   Problem("", f"... and {more:,} more problems, not listed")]
    raise ActualsError(ordered, source=where)


def _shown(value: float) -> str:
    """Write a value of an actual in a message: plain, never in exponent form."""
    return format_number(value, "plain")
