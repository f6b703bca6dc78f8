"""The command line's flags: one builder per verb, and the argument types they share.

The order in which the builders add their arguments is the order ``--help``
lists them; the choices (``--method``, ``--kernel``, ``--groups``) are the
tuples the library declares once and checks its own arguments against.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from bpv._utils.versions import OUTPUT_KINDS
from bpv._version import __version__
from bpv.analysis.sensitivity import GROUPINGS
from bpv.cli._batch import add_batch, add_scheduler_argument
from bpv.cli._commands import (
    run_appraise,
    run_compare,
    run_report,
    run_scenarios,
    run_schema,
    run_sensitivity,
    run_validate,
)
from bpv.cli._output import add_output_arguments
from bpv.cli._portfolio import add_portfolio
from bpv.cli._run_flags import add_run_arguments
from bpv.cli._track import add_track
from bpv.cli._types import non_negative_int

__all__ = ["build_parser"]

if TYPE_CHECKING:
    #: What ``add_subparsers`` returns: its ``add_parser`` makes a verb's parser.
    Verbs: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``bpv`` and its verbs; each verb's ``command`` runs it.

    Examples
    --------
    >>> build_parser().parse_args(["schema"]).command.__name__
    'run_schema'
    """
    parser = argparse.ArgumentParser(
        prog="bpv",
        description="Best Possible Value appraisal of health and care transformation bids.",
    )
    parser.add_argument("--version", action="version", version=f"bpv {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add_verb in (_add_validate, _add_appraise, _add_report, _add_compare,
                     _add_sensitivity, _add_scenarios, add_portfolio, _add_schema, add_track):
        add_verb(commands)
    add_batch(commands)
    return parser


def _add_validate(commands: Verbs) -> None:
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
    validate.set_defaults(command=run_validate)


def _add_appraise(commands: Verbs) -> None:
    appraise = commands.add_parser(
        "appraise", help="appraise a bid by Monte Carlo: quality benefit and return",
        description="Appraise a bid: net present value, return on investment, QALYs and "
        "net monetary benefit for the system and each organisation, with their uncertainty.",
    )
    _add_appraisal_arguments(appraise, subsample=True)
    add_output_arguments(appraise)
    add_scheduler_argument(appraise)
    appraise.set_defaults(command=run_appraise)


def _add_report(commands: Verbs) -> None:
    report = commands.add_parser(
        "report", help="appraise a bid, or compare several, and write a self-contained HTML report",
        description="Appraise a bid and write one HTML file: the bid and its settings, the "
        "headline results, the logic model, the hypotheses register, each organisation's net "
        "position, its stress tests (the scenarios it declares), what drives its value (with "
        "--sensitivity), figures, the Monte Carlo "
        "settings and the provenance. Given several files, compare them on common random "
        "numbers, as bpv compare does, and write a comparison report instead. The file has no "
        "scripts and no links out; it prints well.",
    )
    report.add_argument("files", nargs="+", metavar="FILE", type=Path,
                        help="bid file (.yaml, .yml, .json); several make a comparison report")
    add_run_arguments(report, subsample=True)
    report.add_argument("-o", "--output", type=_output_file, required=True, metavar="FILE",
                        help="HTML file to write (replaced whole, never left half-written)")
    report.add_argument("--sensitivity", action="store_true",
                        help="one file: add 'What drives value' (tornado, rank correlations, "
                        "Sobol' indices, EVPPI, switching values), as bpv sensitivity")
    report.add_argument("--no-scenarios", action="store_true",
                        help="one file: leave out 'Stress tests' (by default the bid's declared "
                        "scenarios are appraised on the same draws, as bpv scenarios does)")
    report.add_argument("--metric",
                        help="with --sensitivity, the metric analysed (default npv); with several "
                        "files, what 'best' means for P(best) and EVPI (default npv, or nmb@L)")
    report.add_argument("--sobol", type=non_negative_int, metavar="N",
                        help="with --sensitivity: rows of each Sobol' design matrix, a power of "
                        "two (default 8192; 0 skips the Sobol' indices)")
    report.add_argument("--baseline", metavar="ID",
                        help="several files: bid id to compare against (default: doing nothing)")
    report.add_argument("--constraints", type=Path, metavar="FILE",
                        help="several files: choose the portfolio to fund within this "
                        "constraints file (as bpv portfolio does, on the same seed and up to "
                        "5000 shared draws) and add a portfolio section")
    report.add_argument("--threshold", type=float, action="append", metavar="L",
                        help="several files: GBP per QALY for net monetary benefit; repeat for "
                        "several (default 20000 25000 30000 35000 70000)")
    report.set_defaults(command=run_report)


def _add_compare(commands: Verbs) -> None:
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
    add_run_arguments(compare)
    add_output_arguments(compare)
    compare.set_defaults(command=run_compare)


def _add_sensitivity(commands: Verbs) -> None:
    sensitivity = commands.add_parser(
        "sensitivity", help="what drives a bid's value: tornado, correlations, Sobol', EVPPI",
        description="Find which inputs drive a metric of a bid (NPV by default): a tornado "
        "(each input at its 10th and 90th percentile, the others at their centre), rank and "
        "partial rank correlations, Sobol' first- and total-order indices with intervals from "
        "independently scrambled replicate designs, the expected value of partial perfect "
        "information of each input and each group (EVPPI, by regression on the Monte Carlo "
        "sample; for npv and nmb), and switching values (where the mean crosses zero) with "
        "their Monte Carlo errors.",
    )
    _add_appraisal_arguments(sensitivity)
    sensitivity.add_argument("--metric", default="npv",
                             help="metric to analyse (default npv; e.g. nmb, qalys, or a "
                             "metric node's id)")
    sensitivity.add_argument("--organisation", metavar="ID",
                             help="analyse this organisation's metric instead of the system's")
    sensitivity.add_argument("--sobol", type=non_negative_int, default=8_192, metavar="N",
                             help="rows of the Sobol' design matrices in all, a power of two "
                             "(default 8192; 0 skips the Sobol' indices)")
    sensitivity.add_argument("--no-intervals", action="store_true",
                             help="Sobol' indices from one design, without intervals")
    sensitivity.add_argument("--groups", choices=GROUPINGS, default="link",
                             help="group inputs by logic-model link or by success hypothesis "
                             "(default link)")
    sensitivity.add_argument("--no-switching", action="store_true",
                             help="skip the search for switching values")
    add_output_arguments(sensitivity)
    sensitivity.set_defaults(command=run_sensitivity)


def _add_scenarios(commands: Verbs) -> None:
    scenarios = commands.add_parser(
        "scenarios", help="stress-test a bid: its scenarios beside the base case, same draws",
        description="Appraise the base case and every scenario in the bid's 'scenarios:' "
        "section on the same draws (common random numbers), and print them side by side: "
        "mean, 5th and 95th percentiles of NPV, ROI, QALYs and NMB, P(NPV > 0), and each "
        "scenario's change from the base case (scenario - base, draw by draw) with the Monte "
        "Carlo standard error of that paired difference.",
    )
    _add_appraisal_arguments(scenarios)
    add_output_arguments(scenarios)
    scenarios.set_defaults(command=run_scenarios)


def _add_schema(commands: Verbs) -> None:
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of bid files or of a command's JSON output",
        description="Print a JSON Schema (draft 2020-12): of bid files (the default), for "
        "editors and other tools, or of one kind of JSON document bpv writes, so that tools "
        "can check what they read (docs/json-output.md). Every such document starts with "
        "schema_version, which the schema fixes.",
    )
    schema.add_argument("kind", nargs="?", default="bid", choices=("bid", *OUTPUT_KINDS),
                        metavar="KIND",
                        help="bid (default), or the JSON output of: " + ", ".join(OUTPUT_KINDS))
    schema.add_argument("-o", "--output", type=_output_file, help="write to this file instead")
    schema.set_defaults(command=run_schema)


def _add_appraisal_arguments(parser: argparse.ArgumentParser, *,
                             subsample: bool = False) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="bid file (.yaml, .yml, .json)")
    add_run_arguments(parser, subsample=subsample)


def _output_file(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got an empty one")
    return Path(text)


