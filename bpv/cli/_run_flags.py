"""The run flags every command that appraises shares, from one place.

``--draws --seed --method --kernel --quiet`` on every such command (appraise,
report, compare, sensitivity, scenarios, batch, portfolio, track add), and
``--subsample`` where a result may keep a subsample of its draws (appraise and
report); the others keep every draw, to pair them or fit to them, or keep
summaries only (batch), so they do not take it. :func:`add_run_arguments` adds them
and :func:`run_options` reads them back as the keyword arguments of the library's
functions (``n_draws``, ``rng``, ``method``, ``kernel``, ``progress``), so a flag
means the same everywhere.
"""

from __future__ import annotations

import argparse
from typing import Any

from bpv.cli._types import non_negative_int, positive_int
from bpv.engine.monte_carlo import COMPILED_FROM_DRAWS, DEFAULT_DRAWS, KERNELS, METHODS

__all__ = ["add_run_arguments", "run_options"]


def add_run_arguments(parser: argparse.ArgumentParser, *, draws: int = DEFAULT_DRAWS,
                      subsample: bool = False, what: str = "draws") -> None:
    """Add ``--draws --seed --method --kernel --quiet`` (and ``--subsample``) to ``parser``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_run_arguments(parser, draws=5_000, subsample=True)
    >>> args = parser.parse_args(["--draws", "20_000", "--seed", "7", "--quiet"])
    >>> run_options(args)
    {'n_draws': 20000, 'rng': 7, 'method': 'mc', 'kernel': 'auto', 'progress': False}
    """
    parser.add_argument("--draws", type=positive_int, default=draws, metavar="N",
                        help=f"number of {what} (default {draws})")
    parser.add_argument("--seed", type=non_negative_int, default=None, metavar="S",
                        help="seed; the seed used is printed so any run can be replayed")
    parser.add_argument("--method", choices=METHODS, default="mc",
                        help="sampling: plain Monte Carlo, Latin hypercube or Sobol")
    parser.add_argument("--kernel", choices=KERNELS, default="auto",
                        help="auto (default): the bid compiled by numba from "
                        f"{COMPILED_FROM_DRAWS:,} draws where numba is installed (pip install "
                        "'bpv[compiled]'), numpy otherwise; numpy or compiled to choose. "
                        "Compiled is about three times faster on large runs; a bid compiles "
                        "once per machine (1-3.5 s) and loads in about 0.3 s after that")
    if subsample:
        parser.add_argument("--subsample", type=positive_int, default=None, metavar="N",
                            help="draws kept for quantiles (default 131072): more for finer "
                            "quantiles, fewer for less memory; means, sds and P(> 0) use "
                            "every draw")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_options(args: argparse.Namespace, *, quiet: bool = False) -> dict[str, Any]:
    """Return the run flags as keyword arguments: ``n_draws, rng, method, kernel, progress``.

    ``progress`` is False with ``--quiet`` (or ``quiet``, e.g. for JSON output),
    and None otherwise: a bar when the work is long enough to need one.
    """
    return {"n_draws": args.draws, "rng": args.seed, "method": args.method,
            "kernel": args.kernel, "progress": False if args.quiet or quiet else None}
