"""``bpv portfolio FILES… --constraints portfolio.yaml``: choose the bids to fund.

The verb's flags and what it does, kept beside each other: it loads every
bid and the constraints file (every problem printed, located), calls
:func:`bpv.portfolio`, and prints the text summary, JSON or CSV, or writes it
(or an Excel workbook, or Parquet) to ``-o FILE`` whole (:mod:`bpv.cli._output`).
An infeasible set of constraints is one line naming the constraints in
conflict, and exit 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from bpv.cli._guards import EXIT_INVALID, guarded, load_bid, load_file
from bpv.cli._output import add_output_arguments, check_output, emit
from bpv.cli._run_flags import add_run_arguments, run_options
from bpv.cli._types import non_negative_int
from bpv.io import load_constraints
from bpv.programme.selection import OBJECTIVES, portfolio
from bpv.spec.portfolio import PortfolioConstraints

if TYPE_CHECKING:
    #: What ``add_subparsers`` returns (as in :mod:`bpv.cli._parser`).
    Verbs: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["add_portfolio", "constraints_file", "run_portfolio"]


def add_portfolio(commands: Verbs) -> None:
    """Add the ``portfolio`` verb and its flags."""
    verb = commands.add_parser(
        "portfolio", help="choose the bids to fund within budgets, capacity and risk appetite",
        description="Appraise bids on common random numbers and choose the set that maximises "
        "the expected system value (NPV, or net monetary benefit) within the constraints "
        "file's budgets (by year, capital or revenue, cash or present value), organisations' "
        "floors, capacity, mandatory, exclusive and dependent bids and risk limits (CVaR, "
        "P(NPV < 0)), by mixed-integer programming (HiGHS). Prints every constraint's slack, "
        "the value of more budget, the efficient frontiers and how often each bid is chosen "
        "on bootstrap resamples of the draws. See docs/portfolio.md.",
    )
    verb.add_argument("files", nargs="+", metavar="FILE", type=Path,
                      help="bid files (.yaml, .yml, .json)")
    verb.add_argument("--constraints", type=Path, metavar="FILE",
                      help="constraints file (portfolio.yaml); default: none")
    verb.add_argument("--objective", choices=OBJECTIVES, default="npv",
                      help="maximise expected system NPV (default) or net monetary benefit")
    verb.add_argument("--threshold", type=float, metavar="L",
                      help="with --objective nmb: GBP per QALY (default each bid's qaly_value)")
    add_run_arguments(verb, draws=5_000, what="shared draws")
    verb.add_argument("--bootstrap", type=non_negative_int, default=50, metavar="B",
                      help="bootstrap resamples of the draws (default 50; 0 skips)")
    verb.add_argument("--frontier", type=non_negative_int, default=11, metavar="K",
                      help="points of each efficient frontier (default 11; 0 skips)")
    verb.add_argument("--budget-step", type=float, default=0.05, metavar="SHARE",
                      help="Δ for the value of more budget, as a share of each budget "
                      "(default 0.05)")
    add_output_arguments(verb, csv="csv: one number a row (bid, scope, metric, unit, "
                         "statistic, value, …): each bid chosen or not, its expected value and "
                         "bootstrap share, every constraint's bound, value and slack")
    verb.set_defaults(command=run_portfolio)


def run_portfolio(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``bpv portfolio``; return the exit code."""
    misuse = check_output(args, "bpv portfolio",
                          [*args.files, *filter(None, [args.constraints])])
    if misuse is not None:
        return misuse
    loaded = [load_bid(path) for path in args.files]
    constraints = constraints_file(args.constraints)
    bids = [bid for bid in loaded if bid is not None]
    if len(bids) < len(loaded) or constraints is None:
        return EXIT_INVALID
    chosen = guarded("bpv portfolio", lambda: portfolio(
        bids, constraints, objective=args.objective, threshold=args.threshold,
        n_bootstrap=args.bootstrap, frontier_points=args.frontier,
        budget_step=args.budget_step, **run_options(args, quiet=args.json)))
    if chosen is None:
        return EXIT_INVALID
    return emit(args, out, chosen, text=lambda: str(chosen))


def constraints_file(path: Path | None) -> PortfolioConstraints | None:
    """Read a constraints file (none: no constraints); print its problems and give None."""
    if path is None:
        return PortfolioConstraints()
    return load_file(path, load_constraints)
