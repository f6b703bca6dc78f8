"""What each verb of the command line does, given its parsed arguments.

Each ``run_*`` function takes the arguments :mod:`bpv.cli._parser` parsed and
the stream to write to, and returns the exit code. A user's mistake is
printed, located, and exits 1 (or 2 for a misused command line); it never
shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bpv._utils.output import output_problem, write_whole
from bpv._utils.versions import stamped
from bpv.analysis.comparison import DEFAULT_THRESHOLDS, Comparison, compare
from bpv.analysis.scenario_table import scenarios
from bpv.analysis.sensitivity import sensitivity
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.cli._batch import with_cluster
from bpv.cli._guards import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    guarded,
    load_bid,
    on_bid,
    problem_line,
    reason,
)
from bpv.engine.monte_carlo import appraise
from bpv.engine.results import Appraisal
from bpv.errors import BidValidationError, BPVError, Problem
from bpv.io import load
from bpv.outputs.schemas import output_schema
from bpv.reporting.html_comparison import report_comparison
from bpv.reporting.html_report import report
from bpv.reporting.text import appraisal_text
from bpv.spec.bid import Bid
from bpv.spec.lint import lint
from bpv.spec.schema import bid_schema

__all__ = ["run_validate", "run_appraise", "run_report", "run_compare", "run_sensitivity",
           "run_scenarios", "run_schema"]


def run_validate(args: argparse.Namespace, out: TextIO) -> int:
    reports = [_validate_one(path) for path in args.files]
    if args.strict:  # a warning fails the file: it is not reported as ok
        for report in reports:
            report["valid"] = report["valid"] and not report["warnings"]
    all_valid = all(report["valid"] for report in reports)
    if args.json:
        json.dump(stamped("validation", {"valid": all_valid, "files": reports}), out,
                  indent=2)
        out.write("\n")
    else:
        for report in reports:
            _print_report(report, out)
    return EXIT_OK if all_valid else EXIT_INVALID


def _validate_one(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"file": str(path), "valid": False, "problems": [],
                              "warnings": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bid = load(path)
    except BidValidationError as exc:
        report["problems"] = [_problem_dict(p) for p in exc.problems]
        return report
    except (BPVError, OSError, UnicodeDecodeError) as exc:
        report["problems"] = [_problem_dict(Problem("", reason(exc)))]
        return report
    report["valid"] = True
    report["id"] = bid.id
    report["warnings"] = [_problem_dict(p) for p in lint(bid)]
    return report


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {"location": problem.location, "line": problem.line, "message": problem.message}


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    name = report["file"]
    if report["valid"]:
        out.write(f"{name}: ok\n")
    for severity, entries in (("", report["problems"]), ("warning: ", report["warnings"])):
        for entry in entries:
            problem = Problem(entry["location"], entry["message"], entry["line"])
            out.write(problem_line(name, problem, severity) + "\n")


def run_appraise(args: argparse.Namespace, out: TextIO) -> int:
    return with_cluster(args.scheduler, lambda client: _appraise(args, out, client))


def _appraise(args: argparse.Namespace, out: TextIO, client: Any) -> int:
    args.executor = client
    appraised = _load_and_appraise(args, progress=False if args.quiet or args.json else None)
    if appraised is None:
        return EXIT_INVALID
    bid, result = appraised
    if args.json:
        out.write(result.to_json() + "\n")
    else:
        out.write(appraisal_text(bid, result) + "\n")
    return EXIT_OK


def run_report(args: argparse.Namespace, out: TextIO) -> int:
    several = len(args.files) > 1
    misuse = (
        "--sensitivity and --sobol are for one bid; run bpv report FILE --sensitivity for each"
        if several and (args.sensitivity or args.sobol is not None) else
        "--baseline and --threshold compare bids; give two or more files"
        if not several and (args.baseline is not None or args.threshold) else
        "--metric and --sobol with one file need --sensitivity"
        if not several and not args.sensitivity
        and (args.metric is not None or args.sobol is not None) else "")
    if misuse:
        print(f"bpv report: {misuse}", file=sys.stderr)
        return EXIT_USAGE
    if not _writable(args.output, inputs=args.files):
        return EXIT_INVALID
    if several:
        return _report_comparison(args, out)
    args.file = args.files[0]
    appraised = _load_and_appraise(args, progress=False if args.quiet else None)
    if appraised is None:
        return EXIT_INVALID
    bid, result = appraised
    drivers = None
    if args.sensitivity:
        drivers = _report_sensitivity(args, bid, result)
        if drivers is None:
            return EXIT_INVALID
    return _write_html(args.output, out,
                       lambda: report(result, args.output, bid=bid, sensitivity=drivers))


def _report_sensitivity(args: argparse.Namespace, bid: Bid, result: Appraisal,
                        ) -> Sensitivity | None:
    """Find what drives the bid's value for ``bpv report --sensitivity``, on the same draws."""
    import numpy as np

    return guarded(args.file, lambda: sensitivity(
        bid, metric=args.metric or "npv", n_draws=args.draws,
        rng=np.random.SeedSequence(result.entropy),
        method=args.method, sobol_n=8_192 if args.sobol is None else args.sobol or None,
        progress=False if args.quiet else None))


def _report_comparison(args: argparse.Namespace, out: TextIO) -> int:
    """``bpv report FILE FILE ...``: compare the bids and write the comparison report."""
    compared = _load_and_compare(args, "bpv report", metric=args.metric or "npv")
    if compared is None:
        return EXIT_INVALID
    bids, comparison = compared
    return _write_html(args.output, out,
                       lambda: report_comparison(comparison, args.output, bids=bids))


def _writable(path: Path, *, inputs: Sequence[Path] = ()) -> bool:
    """Say why ``path`` must not be written, before any work is done; True when it may be."""
    problem = output_problem(path, inputs)
    if problem is not None:
        print(f"bpv: cannot write {path}: {problem}", file=sys.stderr)
    return problem is None


def _write_html(path: Path, out: TextIO, write: Callable[[], str]) -> int:
    """Run ``write`` (a report to a temporary file beside ``path``, then renamed); say where."""
    try:
        write()
    except OSError as exc:
        print(f"bpv: cannot write {path}: {_write_reason(exc, path)}", file=sys.stderr)
        return EXIT_INVALID
    out.write(f"{path}\n")
    return EXIT_OK


def _write_reason(exc: OSError, path: Path) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"no such directory {str(path.parent)!r}"
    if isinstance(exc, IsADirectoryError):
        return "is a directory; give a file name such as report.html"
    return reason(exc)


def _load_and_appraise(args: argparse.Namespace, *, progress: bool | None,
                       ) -> tuple[Bid, Appraisal] | None:
    """Load and appraise ``args.file``; print the problems and return None when it is invalid."""
    return on_bid(args.file, lambda bid: appraise(
        bid, n_draws=args.draws, rng=args.seed, method=args.method, progress=progress,
        keep_draws=getattr(args, "subsample", None) or False,
        kernel=getattr(args, "kernel", "numpy"), executor=getattr(args, "executor", None)))


def _load_and_compare(args: argparse.Namespace, where: str, *, metric: str
                      ) -> tuple[list[Bid], Comparison] | None:
    """Load every file of ``args.files`` and compare the bids; None when any fails.

    Every file's problems are printed before giving up, then the comparison's
    own errors, located at ``where``.
    """
    loaded = [load_bid(path) for path in args.files]
    bids = [bid for bid in loaded if bid is not None]
    if len(bids) < len(loaded):
        return None
    comparison = guarded(where, lambda: compare(
        bids, baseline=args.baseline, thresholds=args.threshold or DEFAULT_THRESHOLDS,
        metric=metric, n_draws=args.draws, rng=args.seed, method=args.method),
        errors=(BPVError,))
    return None if comparison is None else (bids, comparison)


def run_sensitivity(args: argparse.Namespace, out: TextIO) -> int:
    analysed = on_bid(args.file, lambda bid: sensitivity(
        bid, metric=args.metric, organisation=args.organisation, n_draws=args.draws,
        rng=args.seed, method=args.method, sobol_n=args.sobol or None,
        sobol_intervals=not args.no_intervals, groups=args.groups,
        switching=not args.no_switching, progress=False if args.quiet or args.json else None))
    if analysed is None:
        return EXIT_INVALID
    _, result = analysed
    out.write((result.to_json() if args.json else str(result)) + "\n")
    return EXIT_OK


def run_scenarios(args: argparse.Namespace, out: TextIO) -> int:
    run = on_bid(args.file, lambda bid: scenarios(
        bid, n_draws=args.draws, rng=args.seed, method=args.method,
        progress=False if args.quiet or args.json else None))
    if run is None:
        return EXIT_INVALID
    _, table = run
    out.write((table.to_json() if args.json else str(table)) + "\n")
    return EXIT_OK


def run_compare(args: argparse.Namespace, out: TextIO) -> int:
    compared = _load_and_compare(args, "bpv compare", metric=args.metric)
    if compared is None:
        return EXIT_INVALID
    _, comparison = compared
    if args.json:
        out.write(comparison.to_json() + "\n")
        return EXIT_OK
    first = next(iter(comparison.appraisals.values()))
    out.write(f"{first.n_draws:,} draws ({first.method}), seed {first.entropy}\n\n")
    out.write(str(comparison) + "\n\nCost-effectiveness frontier (expected net cost and "
              "QALYs; ICER in GBP per QALY):\n")
    for row in comparison.frontier():
        if row.status == "tied":
            icer = f"same expected cost and QALYs as {row.compared_with}: no ICER"
        else:
            icer = (f"ICER {row.icer:,.0f} vs {row.compared_with}" if row.icer is not None
                    else "")
        out.write(f"  {row.option:<32} net cost {row.cost:>14,.0f}  QALYs {row.effect:>10.2f}"
                  f"  {row.status:<22} {icer}\n")
    return EXIT_OK


def run_schema(args: argparse.Namespace, out: TextIO) -> int:
    schema = bid_schema() if args.kind == "bid" else output_schema(args.kind)
    text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    if args.output is not None:
        if not _writable(args.output):
            return EXIT_INVALID
        try:
            write_whole(args.output, text)
        except OSError as exc:
            print(f"bpv: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_INVALID
    else:
        out.write(text)
    return EXIT_OK
