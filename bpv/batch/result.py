"""What a batch appraisal gives: each bid's results, the problems, a summary and tables.

A :class:`Batch` keeps each bid's results as plain data
(:meth:`bpv.Appraisal.to_dict`, a few kilobytes), so a batch of hundreds of
bids stays small whatever the number of draws; the appraisals themselves
(their draws) are kept only when asked for (``keep_draws``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bpv._utils.formatting import format_money, format_stat, json_safe
from bpv._utils.frames import records_frame
from bpv._utils.versions import stamped
from bpv.engine.long_form import FRAME_COLUMNS, LongTable, appraisal_rows
from bpv.engine.results import Appraisal, Summary

__all__ = ["PROBLEM_COLUMNS", "SUMMARY_COLUMNS", "Batch", "BatchProblem", "BatchSummary"]

#: The columns of a batch's summary (one row a bid), in order: the CSV's column order.
SUMMARY_COLUMNS = ("bid", "title", "mean_npv", "mcse_npv", "p5_npv", "p95_npv",
                   "p_npv_positive", "mean_qalys", "mean_cost_pv", "mean_benefit_pv",
                   "mean_nmb", "p_nmb_positive", "mean_roi", "draws", "method", "seed",
                   "bid_hash", "source")

#: The columns of a batch's problems table, in order.
PROBLEM_COLUMNS = ("source", "line", "location", "message")

#: (column, metric, statistic) of the summary's numbers, read off each bid's results.
_NUMBERS = (("mean_npv", "npv", "mean"), ("mcse_npv", "npv", "mcse"), ("p5_npv", "npv", "p5"),
            ("p95_npv", "npv", "p95"), ("mean_qalys", "qalys", "mean"),
            ("mean_cost_pv", "cost_pv", "mean"), ("mean_benefit_pv", "benefit_pv", "mean"),
            ("mean_nmb", "nmb", "mean"), ("mean_roi", "roi", "mean"))


@dataclass(frozen=True, kw_only=True)
class BatchProblem:
    """An input of a batch that was not appraised, and why: one located problem.

    Attributes
    ----------
    source : str
        The file (or ``bids[i]`` for a bid given in Python).
    line : int or None
        The line of the file, when known.
    location : str
        Where in the bid (``parameters.uptake``), or empty.
    message : str
    """

    source: str
    line: int | None
    location: str
    message: str

    def __str__(self) -> str:
        line = f":{self.line}" if self.line is not None else ""
        location = f"{self.location}: " if self.location else ""
        return f"{self.source}{line}: {location}{self.message}"


@dataclass(frozen=True)
class BatchSummary:
    """One row a bid: the headline numbers, in :data:`SUMMARY_COLUMNS` order.

    Attributes
    ----------
    rows : list of dict
        Each row's values by column; a number that is not finite is None.
    """

    rows: list[dict[str, Any]]

    def to_dict(self) -> list[dict[str, Any]]:
        """Return the rows as plain data."""
        return [dict(row) for row in self.rows]

    def to_csv(self) -> str:
        """Return the table as CSV text, columns in :data:`SUMMARY_COLUMNS` order."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()

    def to_frame(self) -> Any:
        """Return the table as a pandas DataFrame (``pip install 'bpv[tables]'``)."""
        return records_frame(self.rows, SUMMARY_COLUMNS)

    def __str__(self) -> str:
        header = (f"{'bid':<32} {'mean NPV':>10} {'MCSE':>9} {'P(NPV>0)':>9} {'QALYs':>10} "
                  f"{'cost PV':>10} {'NMB':>10}")
        lines = [header]
        for row in self.rows:
            npv, mcse, cost, nmb = (
                format_money(_number(row[column])) for column in
                ("mean_npv", "mcse_npv", "mean_cost_pv", "mean_nmb"))
            qalys = format_stat(_number(row["mean_qalys"]), "quantity")
            lines.append(f"{row['bid']:<32} {npv:>10} {mcse:>9} "
                         f"{_percent(row['p_npv_positive']):>9} {qalys:>10} {cost:>10} "
                         f"{nmb:>10}")
        return "\n".join(lines)


def _number(value: float | None) -> float:
    return math.nan if value is None else value


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


@dataclass(frozen=True, kw_only=True)
class Batch(LongTable):
    """The result of appraising many bids on one seed (:func:`bpv.appraise_many`).

    Attributes
    ----------
    records : dict of str to dict
        Each appraised bid's results as plain data (:meth:`bpv.Appraisal.to_dict`),
        by bid id, in the order the bids were given.
    appraisals : dict of str to Appraisal
        Each bid's :class:`~bpv.Appraisal`, by bid id, when the batch was asked
        to keep draws (``keep_draws=True`` or an int); empty otherwise, so a
        batch's memory does not grow with its draws.
    problems : tuple of BatchProblem
        Every input that was not appraised, each problem located.
    titles, sources : dict of str to str
        Each bid's title, and the file it came from (``bids[i]`` for a bid
        given in Python).
    entropy : int or tuple of int
        The root seed's entropy: every bid was appraised on it, so
        ``bpv.appraise(bid, rng=numpy.random.SeedSequence(entropy, spawn_key=spawn_key))``
        gives any one bid's numbers again.
    spawn_key : tuple of int
    n_draws : int
    method, kernel : str
    """

    records: Mapping[str, Mapping[str, Any]]
    appraisals: Mapping[str, Appraisal] = field(default_factory=dict)
    problems: tuple[BatchProblem, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    entropy: int | tuple[int, ...] = 0
    spawn_key: tuple[int, ...] = ()
    n_draws: int = 0
    method: str = "mc"
    kernel: str = "numpy"

    @property
    def bids(self) -> tuple[str, ...]:
        """Ids of the bids appraised, in the order given."""
        return tuple(self.records)

    def __repr__(self) -> str:
        return f"<Batch: {len(self.records)} bids appraised, {len(self.problems)} with problems>"

    def _repr_html_(self) -> str:
        """Return :meth:`summary` (a row a bid) as an HTML table, for notebooks."""
        rows = {str(row.get("bid")): {key: value for key, value in row.items() if key != "bid"}
                for row in self.summary().rows}
        return Summary(rows, title="Batch: a row a bid")._repr_html_()

    def summary(self) -> BatchSummary:
        """Return one row a bid: mean NPV with its MCSE, P(NPV > 0), QALYs, cost PV, NMB."""
        rows = []
        for bid, record in self.records.items():
            metrics = record["metrics"]
            provenance = record["provenance"]
            row: dict[str, Any] = {"bid": bid, "title": self.titles.get(bid, "")}
            for column, metric, statistic in _NUMBERS:
                row[column] = metrics[metric][statistic]
            row["p_npv_positive"] = record["probabilities"]["npv > 0"]
            row["p_nmb_positive"] = record["probabilities"]["nmb > 0"]
            row |= {"draws": provenance["n_draws"], "method": provenance["method"],
                    "seed": str(provenance["entropy"]), "bid_hash": provenance["bid_hash"],
                    "source": self.sources.get(bid, "")}
            rows.append({column: row[column] for column in SUMMARY_COLUMNS})
        return BatchSummary(rows)

    def rows(self) -> list[dict[str, Any]]:
        """Return the long-form rows of every bid (columns: ``FRAME_COLUMNS``)."""
        return [row for record in self.records.values() for row in appraisal_rows(record)]

    def long_rows(self) -> list[dict[str, Any]]:
        """Return :meth:`to_frame`'s rows: :meth:`rows`."""
        return self.rows()

    def to_frame(self) -> Any:
        """Return every bid's results as one long pandas DataFrame: one number a row.

        Columns, in order: bid, scope (``'system'`` or an organisation id),
        metric, unit, statistic, value, seed, draws, method, bid_hash — the
        same table as each bid's :meth:`bpv.Appraisal.to_frame`, stacked.
        Needs pandas (``pip install 'bpv[tables]'``).
        """
        return records_frame(self.rows(), FRAME_COLUMNS)

    def problems_frame(self) -> Any:
        """Return the problems as a pandas DataFrame, columns :data:`PROBLEM_COLUMNS`."""
        return records_frame([_problem_dict(p) for p in self.problems], PROBLEM_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """Return the batch as plain data: its settings, each bid's results and the problems."""
        return stamped("batch", {
            "n_draws": self.n_draws, "method": self.method, "kernel": self.kernel,
            "entropy": self.entropy, "spawn_key": list(self.spawn_key),
            "bids": {bid: {"title": self.titles.get(bid, ""),
                           "source": self.sources.get(bid, ""),
                           **{key: value for key, value in record.items()
                              if key != "schema_version"}}  # the batch's version covers it
                     for bid, record in self.records.items()},
            "problems": [_problem_dict(problem) for problem in self.problems],
        })

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON (non-finite numbers as null)."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    def __str__(self) -> str:
        head = (f"{len(self.records)} bids, {self.n_draws:,} draws each ({self.method}), "
                f"seed {self.entropy}; money in present values")
        text = f"{head}\n{self.summary()}"
        if self.problems:
            text += f"\n{len(self.problems)} problem(s); not appraised:\n" + "\n".join(
                f"  {problem}" for problem in self.problems)
        return text


def _problem_dict(problem: BatchProblem) -> dict[str, Any]:
    return {"source": problem.source, "line": problem.line, "location": problem.location,
            "message": problem.message}
