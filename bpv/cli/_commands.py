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
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bpv._utils.formatting import GLOSSARY, format_money, format_stat
from bpv._utils.output import output_problem, write_whole
from bpv._utils.versions import stamped
from bpv.analysis.comparison import DEFAULT_THRESHOLDS, Comparison, compare
from bpv.analysis.scenario_table import ScenarioTable, scenarios
from bpv.analysis.sensitivity import sensitivity
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.cli._batch import with_cluster
from bpv.cli._findings import finding_lines
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
from bpv.cli._output import check_output, emit
from bpv.cli._portfolio import constraints_file
from bpv.cli._run_flags import run_options
from bpv.engine.monte_carlo import appraise
from bpv.engine.results import Appraisal
from bpv.engine.sanity import check_bid
from bpv.errors import BidValidationError, BPVError, Problem
from bpv.io import load
from bpv.outputs.schemas import output_schema
from bpv.programme.result import Portfolio
from bpv.programme.selection import portfolio
from bpv.reporting.html_comparison import report_comparison
from bpv.reporting.html_report import report
from bpv.reporting.text import appraisal_text
from bpv.spec.bid import Bid
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
    report["id"] = bid.id
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the sample's run would warn, a check reports
        findings = check_bid(bid)
    lines = finding_lines(path, bid, findings)
    for finding, line in zip(findings, lines, strict=True):
        entry = {**_problem_dict(replace(finding, line=line)), "check": finding.check,
                 "severity": finding.severity}
        report["problems" if finding.severity == "error" else "warnings"].append(entry)
    report["valid"] = not report["problems"]
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
    misuse = check_output(args, "bpv appraise", [args.file])
    if misuse is not None:
        return misuse
    return with_cluster(args.scheduler, lambda client: _appraise(args, out, client))


def _appraise(args: argparse.Namespace, out: TextIO, client: Any) -> int:
    args.executor = client
    appraised = _load_and_appraise(args, progress=_progress(args))
    if appraised is None:
        return EXIT_INVALID
    bid, result = appraised
    return emit(args, out, result, text=lambda: appraisal_text(bid, result), bid=bid)


def _for_machines(args: argparse.Namespace) -> bool:
    """Whether a machine reads standard output (JSON or a table on it): then no progress bar."""
    return getattr(args, "output", None) is None and getattr(args, "format", "text") != "text"


def _progress(args: argparse.Namespace) -> bool | None:
    """No progress bar when asked, or when a machine reads standard output."""
    progress: bool | None = run_options(args, quiet=_for_machines(args))["progress"]
    return progress


def run_report(args: argparse.Namespace, out: TextIO) -> int:
    several = len(args.files) > 1
    misuse = (
        "--sensitivity and --sobol are for one bid; run bpv report FILE --sensitivity for each"
        if several and (args.sensitivity or args.sobol is not None) else
        "--baseline and --threshold compare bids; give two or more files"
        if not several and (args.baseline is not None or args.threshold) else
        "--metric and --sobol with one file need --sensitivity"
        if not several and not args.sensitivity
        and (args.metric is not None or args.sobol is not None) else
        "--constraints chooses a portfolio among bids; give two or more files"
        if not several and args.constraints is not None else "")
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
    stress = None
    if bid.scenarios and not args.no_scenarios:
        stress = _report_scenarios(args, bid, result)
        if stress is None:
            return EXIT_INVALID
    return _write_html(args.output, out, lambda: report(
        result, args.output, bid=bid, sensitivity=drivers, scenarios=stress))


def _report_scenarios(args: argparse.Namespace, bid: Bid, result: Appraisal,
                      ) -> ScenarioTable | None:
    """Run the bid's declared scenarios for ``bpv report``, on the appraisal's seed and draws."""
    import numpy as np

    return guarded(args.file, lambda: scenarios(
        bid, **{**run_options(args), "rng": np.random.SeedSequence(result.entropy)}))


def _report_sensitivity(args: argparse.Namespace, bid: Bid, result: Appraisal,
                        ) -> Sensitivity | None:
    """Find what drives the bid's value for ``bpv report --sensitivity``, on the same draws."""
    import numpy as np

    return guarded(args.file, lambda: sensitivity(
        bid, metric=args.metric or "npv",
        sobol_n=8_192 if args.sobol is None else args.sobol or None,
        **{**run_options(args), "rng": np.random.SeedSequence(result.entropy)}))


def _report_comparison(args: argparse.Namespace, out: TextIO) -> int:
    """``bpv report FILE FILE ...``: compare the bids and write the comparison report."""
    compared = _load_and_compare(args, "bpv report", metric=args.metric or "npv")
    if compared is None:
        return EXIT_INVALID
    bids, comparison = compared
    chosen = None
    if args.constraints is not None:
        chosen = _report_portfolio(args, bids, comparison)
        if chosen is None:
            return EXIT_INVALID
    return _write_html(args.output, out, lambda: report_comparison(
        comparison, args.output, bids=bids, portfolio=chosen))


#: Shared draws of the portfolio in a comparison report: the MILP grows with them (CVaR).
REPORT_PORTFOLIO_DRAWS = 5_000


def _report_portfolio(args: argparse.Namespace, bids: list[Bid], comparison: Comparison,
                      ) -> Portfolio | None:
    """Choose the portfolio for ``bpv report FILES --constraints``, on the comparison's seed."""
    import numpy as np

    constraints = constraints_file(args.constraints)
    if constraints is None:
        return None
    first = next(iter(comparison.appraisals.values()))
    options = {**run_options(args), "rng": np.random.SeedSequence(first.entropy),
               "n_draws": min(args.draws, REPORT_PORTFOLIO_DRAWS)}
    return guarded("bpv report", lambda: portfolio(
        bids, constraints, objective="npv", **options))


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
        bid, **{**run_options(args), "progress": progress},
        keep_draws=getattr(args, "subsample", None) or False,
        executor=getattr(args, "executor", None)))


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
        metric=metric, **run_options(args, quiet=_for_machines(args))),
        errors=(BPVError,))
    return None if comparison is None else (bids, comparison)


def run_sensitivity(args: argparse.Namespace, out: TextIO) -> int:
    misuse = check_output(args, "bpv sensitivity", [args.file])
    if misuse is not None:
        return misuse
    analysed = on_bid(args.file, lambda bid: sensitivity(
        bid, metric=args.metric, organisation=args.organisation, sobol_n=args.sobol or None,
        sobol_intervals=not args.no_intervals, groups=args.groups,
        switching=not args.no_switching, **run_options(args, quiet=_for_machines(args))))
    if analysed is None:
        return EXIT_INVALID
    _, result = analysed
    return emit(args, out, result, text=lambda: str(result))


def run_scenarios(args: argparse.Namespace, out: TextIO) -> int:
    misuse = check_output(args, "bpv scenarios", [args.file])
    if misuse is not None:
        return misuse
    run = on_bid(args.file, lambda bid: scenarios(
        bid, **run_options(args, quiet=_for_machines(args))))
    if run is None:
        return EXIT_INVALID
    _, table = run
    return emit(args, out, table, text=lambda: str(table))


def run_compare(args: argparse.Namespace, out: TextIO) -> int:
    misuse = check_output(args, "bpv compare", args.files)
    if misuse is not None:
        return misuse
    compared = _load_and_compare(args, "bpv compare", metric=args.metric)
    if compared is None:
        return EXIT_INVALID
    _, comparison = compared
    return emit(args, out, comparison, text=lambda: _comparison_text(comparison))


def _comparison_text(comparison: Comparison) -> str:
    first = next(iter(comparison.appraisals.values()))
    lines = [f"{first.n_draws:,} draws ({first.method}), seed {first.entropy}", "",
             str(comparison), "", "Cost-effectiveness frontier (expected net cost and "
             "QALYs; ICER in pounds per QALY):"]
    for row in comparison.frontier():
        if row.status == "tied":
            icer = f"same expected cost and QALYs as {row.compared_with}: no ICER"
        else:
            icer = (f"ICER {format_money(row.icer)} vs {row.compared_with}"
                    if row.icer is not None else "")
        lines.append(f"  {row.option:<32} net cost {format_money(row.cost):>9}  QALYs "
                     f"{format_stat(row.effect, 'quantity'):>7}  {row.status:<22} {icer}"
                     .rstrip())
    lines += ["", f"What each column and metric means: {GLOSSARY}."]
    return "\n".join(lines)


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
