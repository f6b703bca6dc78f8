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
from typing import TYPE_CHECKING, Any, TextIO

from bpv._version import __version__
from bpv.errors import BidValidationError, BPVError, Problem
from bpv.io import load
from bpv.lint import lint

if TYPE_CHECKING:
    from bpv.results import Appraisal
    from bpv.spec.bid import Bid

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


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
    appraise.set_defaults(command=_appraise)

    report = commands.add_parser(
        "report", help="appraise a bid and write a self-contained HTML report",
        description="Appraise a bid and write one HTML file: the bid and its settings, the "
        "headline results, the logic model, the hypotheses register, each organisation's net "
        "position, figures, the Monte Carlo settings and the provenance. The file has no "
        "scripts and no links out; it prints well.",
    )
    _add_appraisal_arguments(report)
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="HTML file to write (replaced whole, never left half-written)")
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
    parser.add_argument("--method", choices=("mc", "lhs", "sobol"), default="mc",
                        help="sampling: plain Monte Carlo, Latin hypercube or Sobol")


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    reports = [_validate_one(path) for path in args.files]
    all_valid = all(
        not report["problems"] and not (args.strict and report["warnings"])
        for report in reports
    )
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
        from bpv.report_text import appraisal_text

        out.write(appraisal_text(bid, result) + "\n")
    return EXIT_OK


def _report(args: argparse.Namespace, out: TextIO) -> int:
    from bpv.html_report import report

    appraised = _load_and_appraise(args, progress=False if args.quiet else None)
    if appraised is None:
        return EXIT_INVALID
    bid, result = appraised
    try:
        report(result, args.output, bid=bid)  # a temporary file beside it, then renamed
    except OSError as exc:
        print(f"bpv: cannot write {args.output}: {_write_reason(exc, args.output)}",
              file=sys.stderr)
        return EXIT_INVALID
    out.write(f"{args.output}\n")
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
    from bpv.engine import appraise

    try:
        bid = load(args.file)
    except BidValidationError as exc:
        for problem in exc.problems:
            print(_problem_line(args.file, problem), file=sys.stderr)
        return None
    except (BPVError, OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: {_reason(exc)}", file=sys.stderr)
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = appraise(bid, n_draws=args.draws, rng=args.seed, method=args.method,
                              progress=progress, keep_draws=False)
        except BPVError as exc:
            print(f"{args.file}: {exc}", file=sys.stderr)
            return None
    for warning in caught:
        print(f"{args.file}: warning: {warning.message}", file=sys.stderr)
    return bid, result


def _compare(args: argparse.Namespace, out: TextIO) -> int:
    from bpv.comparison import DEFAULT_THRESHOLDS, compare

    bids = []
    for path in args.files:  # every file's problems, before giving up
        try:
            bids.append(load(path))
        except BidValidationError as exc:
            for problem in exc.problems:
                print(_problem_line(path, problem), file=sys.stderr)
        except (BPVError, OSError, UnicodeDecodeError) as exc:
            print(f"{path}: {_reason(exc)}", file=sys.stderr)
    if len(bids) < len(args.files):
        return EXIT_INVALID
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            comparison = compare(bids, baseline=args.baseline,
                                 thresholds=args.threshold or DEFAULT_THRESHOLDS,
                                 metric=args.metric, n_draws=args.draws, rng=args.seed,
                                 method=args.method)
        except (BPVError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print(f"bpv compare: {message}", file=sys.stderr)
            return EXIT_INVALID
    for warning in caught:
        print(f"bpv compare: warning: {warning.message}", file=sys.stderr)
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
    from bpv.schema import bid_schema

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
