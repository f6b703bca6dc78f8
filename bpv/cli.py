"""The ``bpv`` command line: one verb per job, plain text by default, ``--json`` for machines.

Exit codes: 0 success; 1 the input is invalid; 2 the command line is wrong;
70 an internal error (a bug in bpv, please report it). A user's mistake
never produces a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bpv._version import __version__
from bpv.analysis.comparison import DEFAULT_THRESHOLDS, Comparison, compare
from bpv.analysis.scenario_table import scenarios
from bpv.analysis.sensitivity import GROUPINGS, sensitivity
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.engine.monte_carlo import KERNELS, METHODS, appraise
from bpv.engine.results import Appraisal
from bpv.errors import BidValidationError, BPVError, Problem
from bpv.io import load
from bpv.reporting.html_comparison import report_comparison
from bpv.reporting.html_report import report
from bpv.reporting.text import appraisal_text
from bpv.spec.bid import Bid
from bpv.spec.lint import lint
from bpv.spec.schema import bid_schema

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Examples
    --------
    >>> main(["validate", "examples/bids/frailty_virtual_ward.yaml"])
    examples/bids/frailty_virtual_ward.yaml: ok
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    command: Callable[[argparse.Namespace, TextIO], int] = args.command
    try:
        return command(args, sys.stdout)
    except BrokenPipeError:  # e.g. `bpv schema | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("bpv: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(f"bpv: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in bpv; please report it with the input that caused it "
              "(run again with --debug for the traceback).", file=sys.stderr)
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bpv",
        description="Best Possible Value appraisal of health and care transformation bids.",
    )
    parser.add_argument("--version", action="version", version=f"bpv {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate", help="check bid files and report every problem with its location",
        description="Check bid files. Prints 'ok' for each valid file, or every problem "
        "with its line and location. Exit code 0 only when all files are valid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path,
                          help="bid files (.yaml, .yml or .json)")
    validate.add_argument("--json", action="store_true", help="print one JSON document")
    validate.add_argument("--strict", action="store_true",
                          help="treat warnings (such as unused parameters) as problems")
    validate.set_defaults(command=_validate)

    appraise = commands.add_parser(
        "appraise", help="appraise a bid by Monte Carlo: quality benefit and return",
        description="Appraise a bid: net present value, return on investment, QALYs and "
        "net monetary benefit for the system and each organisation, with their uncertainty.",
    )
    _add_appraisal_arguments(appraise)
    appraise.add_argument("--json", action="store_true", help="print one JSON document")
    appraise.add_argument("--subsample", type=_positive_int, default=None, metavar="N",
                          help="draws kept for quantiles (default 131072): more for finer "
                          "quantiles, fewer for less memory; means, sds and P(> 0) use every "
                          "draw")
    appraise.add_argument("--kernel", choices=KERNELS, default="numpy",
                          help="evaluate with numpy (default) or with the bid compiled by "
                          "numba (pip install 'bpv[compiled]'): about three times faster on "
                          "large runs; a bid compiles once per machine (1-3.5 s) and loads in "
                          "about 0.3 s after that (kept in $BPV_CACHE_DIR or the user's cache "
                          "folder)")
    appraise.set_defaults(command=_appraise)

    report = commands.add_parser(
        "report", help="appraise a bid, or compare several, and write a self-contained HTML report",
        description="Appraise a bid and write one HTML file: the bid and its settings, the "
        "headline results, the logic model, the hypotheses register, each organisation's net "
        "position, what drives its value (with --sensitivity), figures, the Monte Carlo "
        "settings and the provenance. Given several files, compare them on common random "
        "numbers, as bpv compare does, and write a comparison report instead. The file has no "
        "scripts and no links out; it prints well.",
    )
    report.add_argument("files", nargs="+", metavar="FILE", type=Path,
                        help="bid file (.yaml, .yml, .json); several make a comparison report")
    _add_sampling_arguments(report)
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="HTML file to write (replaced whole, never left half-written)")
    report.add_argument("--sensitivity", action="store_true",
                        help="one file: add 'What drives value' (tornado, rank correlations, "
                        "Sobol' indices, EVPPI, switching values), as bpv sensitivity")
    report.add_argument("--metric",
                        help="with --sensitivity, the metric analysed (default npv); with several "
                        "files, what 'best' means for P(best) and EVPI (default npv, or nmb@L)")
    report.add_argument("--sobol", type=_non_negative_int, metavar="N",
                        help="with --sensitivity: rows of each Sobol' design matrix, a power of "
                        "two (default 8192; 0 skips the Sobol' indices)")
    report.add_argument("--baseline", metavar="ID",
                        help="several files: bid id to compare against (default: doing nothing)")
    report.add_argument("--threshold", type=float, action="append", metavar="L",
                        help="several files: GBP per QALY for net monetary benefit; repeat for "
                        "several (default 20000 25000 30000 35000 70000)")
    report.set_defaults(command=_report)

    compare = commands.add_parser(
        "compare", help="compare bids on common random numbers: who is best, and how sure",
        description="Appraise several bids on the same draws (common random numbers) and "
        "compare them against a baseline (doing nothing unless --baseline names a bid): "
        "incremental NPV, net cost, QALYs and net monetary benefit at each threshold, the "
        "probability each option is best, the cost-effectiveness frontier with ICERs, and "
        "the expected value of perfect information. Increments are option minus baseline.",
    )
    compare.add_argument("files", nargs="+", metavar="FILE", type=Path,
                         help="bid files (.yaml, .yml, .json)")
    compare.add_argument("--baseline", metavar="ID",
                         help="bid id to compare against (default: doing nothing)")
    compare.add_argument("--threshold", type=float, action="append", metavar="L",
                         help="GBP per QALY for net monetary benefit; repeat for several "
                         "(default 20000 25000 30000 35000 70000)")
    compare.add_argument("--metric", default="npv",
                         help="what 'best' means for P(best) and EVPI (default npv; any "
                         "metric, or nmb@L for net monetary benefit at L per QALY)")
    _add_sampling_arguments(compare)
    compare.add_argument("--json", action="store_true", help="print one JSON document")
    compare.set_defaults(command=_compare)

    sensitivity = commands.add_parser(
        "sensitivity", help="what drives a bid's value: tornado, correlations, Sobol', EVPPI",
        description="Find which inputs drive a metric of a bid (NPV by default): a tornado "
        "(each input at its 10th and 90th percentile, the others at their centre), rank and "
        "partial rank correlations, Sobol' first- and total-order indices with bootstrap "
        "intervals, the expected value of partial perfect information of each input and "
        "each group (EVPPI, by regression on the Monte Carlo sample), and switching values "
        "(where the mean crosses zero).",
    )
    _add_appraisal_arguments(sensitivity)
    sensitivity.add_argument("--metric", default="npv",
                             help="metric to analyse (default npv; e.g. nmb, qalys, or a "
                             "metric node's id)")
    sensitivity.add_argument("--organisation", metavar="ID",
                             help="analyse this organisation's metric instead of the system's")
    sensitivity.add_argument("--sobol", type=_non_negative_int, default=8_192, metavar="N",
                             help="rows of each Sobol' design matrix, a power of two "
                             "(default 8192; 0 skips the Sobol' indices)")
    sensitivity.add_argument("--groups", choices=GROUPINGS, default="link",
                             help="group inputs by logic-model link or by success hypothesis "
                             "(default link)")
    sensitivity.add_argument("--no-switching", action="store_true",
                             help="skip the search for switching values")
    sensitivity.add_argument("--json", action="store_true", help="print one JSON document")
    sensitivity.set_defaults(command=_sensitivity)

    scenarios = commands.add_parser(
        "scenarios", help="stress-test a bid: its scenarios beside the base case, same draws",
        description="Appraise the base case and every scenario in the bid's 'scenarios:' "
        "section on the same draws (common random numbers), and print them side by side: "
        "mean, 5th and 95th percentiles of NPV, ROI, QALYs and NMB, P(NPV > 0), and each "
        "scenario's change from the base case (scenario - base, draw by draw) with the Monte "
        "Carlo standard error of that paired difference.",
    )
    _add_appraisal_arguments(scenarios)
    scenarios.add_argument("--json", action="store_true", help="print one JSON document")
    scenarios.set_defaults(command=_scenarios)

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of the bid file format",
        description="Print the JSON Schema (draft 2020-12) of bid files, for editors and "
        "other tools.",
    )
    schema.add_argument("-o", "--output", type=Path, help="write to this file instead")
    schema.set_defaults(command=_schema)
    return parser


def _add_appraisal_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="bid file (.yaml, .yml, .json)")
    _add_sampling_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--draws", type=_positive_int, default=100_000, metavar="N",
                        help="number of draws (default 100000)")
    parser.add_argument("--seed", type=_non_negative_int, default=None, metavar="S",
                        help="seed; the seed used is printed so any run can be replayed")
    parser.add_argument("--method", choices=METHODS, default="mc",
                        help="sampling: plain Monte Carlo, Latin hypercube or Sobol")


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    reports = [_validate_one(path) for path in args.files]
    if args.strict:  # a warning fails the file: it is not reported as ok
        for report in reports:
            report["valid"] = report["valid"] and not report["warnings"]
    all_valid = all(report["valid"] for report in reports)
    if args.json:
        json.dump({"valid": all_valid, "files": reports}, out, indent=2)
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
        report["problems"] = [_problem_dict(Problem("", _reason(exc)))]
        return report
    report["valid"] = True
    report["id"] = bid.id
    report["warnings"] = [_problem_dict(p) for p in lint(bid)]
    return report


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a bid file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {"location": problem.location, "line": problem.line, "message": problem.message}


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    name = report["file"]
    if report["valid"]:
        out.write(f"{name}: ok\n")
    for severity, entries in (("", report["problems"]), ("warning: ", report["warnings"])):
        for entry in entries:
            problem = Problem(entry["location"], entry["message"], entry["line"])
            out.write(_problem_line(name, problem, severity) + "\n")


def _problem_line(file: object, problem: Problem, severity: str = "") -> str:
    """Word a problem as compilers do: ``FILE:LINE: [warning: ]LOCATION: MESSAGE``."""
    line = f":{problem.line}" if problem.line is not None else ""
    location = f"{problem.location}: " if problem.location else ""
    return f"{file}{line}: {severity}{location}{problem.message}"


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _appraise(args: argparse.Namespace, out: TextIO) -> int:
    appraised = _load_and_appraise(args, progress=False if args.quiet or args.json else None)
    if appraised is None:
        return EXIT_INVALID
    bid, result = appraised
    if args.json:
        out.write(result.to_json() + "\n")
    else:

        out.write(appraisal_text(bid, result) + "\n")
    return EXIT_OK


def _report(args: argparse.Namespace, out: TextIO) -> int:

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


    return _guarded(args.file, lambda: sensitivity(
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
    return _reason(exc)


def _load_and_appraise(args: argparse.Namespace, *, progress: bool | None,
                       ) -> tuple[Bid, Appraisal] | None:
    """Load and appraise ``args.file``; print the problems and return None when it is invalid."""
    return _on_bid(args.file, lambda bid: appraise(
        bid, n_draws=args.draws, rng=args.seed, method=args.method, progress=progress,
        keep_draws=getattr(args, "subsample", None) or False,
        kernel=getattr(args, "kernel", "numpy")))


def _on_bid(path: Path, job: Callable[[Bid], T]) -> tuple[Bid, T] | None:
    """Load the bid at ``path`` and run ``job`` on it, guarded; None if either fails."""
    bid = _load_bid(path)
    if bid is None:
        return None
    value = _guarded(path, lambda: job(bid))
    return None if value is None else (bid, value)


def _load_and_compare(args: argparse.Namespace, where: str, *, metric: str
                      ) -> tuple[list[Bid], Comparison] | None:
    """Load every file of ``args.files`` and compare the bids; None when any fails.

    Every file's problems are printed before giving up, then the comparison's
    own errors, located at ``where``.
    """
    loaded = [_load_bid(path) for path in args.files]
    bids = [bid for bid in loaded if bid is not None]
    if len(bids) < len(loaded):
        return None
    comparison = _guarded(where, lambda: compare(
        bids, baseline=args.baseline, thresholds=args.threshold or DEFAULT_THRESHOLDS,
        metric=metric, n_draws=args.draws, rng=args.seed, method=args.method),
        errors=(BPVError,))
    return None if comparison is None else (bids, comparison)


def _guarded(where: object, job: Callable[[], T],
             errors: tuple[type[Exception], ...] = (BPVError,)) -> T | None:
    """Run ``job``; print its warnings (each once) and a user's error, located at ``where``.

    Returns None after a user's error (a bid's problems are listed one per
    line), so the command exits with a reason and never a traceback.
    """
    value: T | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = job()
        except BidValidationError as exc:
            for problem in exc.problems:
                print(_problem_line(where, problem), file=sys.stderr)
        except errors as exc:
            print(f"{where}: {exc}", file=sys.stderr)
    for message in dict.fromkeys(str(warning.message) for warning in caught):
        print(f"{where}: warning: {message}", file=sys.stderr)
    return value


def _load_bid(path: Path) -> Bid | None:
    """Load a bid file; print its problems and return None when it is invalid."""
    try:
        return load(path)
    except BidValidationError as exc:
        for problem in exc.problems:
            print(_problem_line(path, problem), file=sys.stderr)
    except (BPVError, OSError, UnicodeDecodeError) as exc:
        print(f"{path}: {_reason(exc)}", file=sys.stderr)
    return None


def _sensitivity(args: argparse.Namespace, out: TextIO) -> int:

    analysed = _on_bid(args.file, lambda bid: sensitivity(
        bid, metric=args.metric, organisation=args.organisation, n_draws=args.draws,
        rng=args.seed, method=args.method, sobol_n=args.sobol or None, groups=args.groups,
        switching=not args.no_switching, progress=False if args.quiet or args.json else None))
    if analysed is None:
        return EXIT_INVALID
    _, result = analysed
    out.write((result.to_json() if args.json else str(result)) + "\n")
    return EXIT_OK


def _scenarios(args: argparse.Namespace, out: TextIO) -> int:

    run = _on_bid(args.file, lambda bid: scenarios(
        bid, n_draws=args.draws, rng=args.seed, method=args.method,
        progress=False if args.quiet or args.json else None))
    if run is None:
        return EXIT_INVALID
    _, table = run
    out.write((table.to_json() if args.json else table.summary()) + "\n")
    return EXIT_OK


def _compare(args: argparse.Namespace, out: TextIO) -> int:
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
        icer = (f"ICER {row.icer:,.0f} vs {row.compared_with}" if row.icer is not None
                else "")
        out.write(f"  {row.option:<32} net cost {row.cost:>14,.0f}  QALYs {row.effect:>10.2f}"
                  f"  {row.status:<22} {icer}\n")
    return EXIT_OK


def _schema(args: argparse.Namespace, out: TextIO) -> int:

    text = json.dumps(bid_schema(), indent=2) + "\n"
    if args.output is not None:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"bpv: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_INVALID
    else:
        out.write(text)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
