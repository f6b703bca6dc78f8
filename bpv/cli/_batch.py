"""``bpv batch``: appraise a folder of bids on one seed; and connecting to a Dask cluster.

``bpv batch`` is :func:`bpv.appraise_many` on the command line: a text table
by default, ``--json`` for one JSON document, ``--format csv`` for the summary
(one row a bid, columns :data:`~bpv.batch.result.SUMMARY_COLUMNS`; with
``--long``, the long form, columns
:data:`~bpv.engine.long_form.FRAME_COLUMNS`), ``-o FILE`` to write any of
them or an Excel workbook (``-o results.xlsx``: a row a bid, the problems, …)
or Parquet (the long form) — :mod:`bpv.cli._output`. With ``-o``, the table
is printed too. An invalid
bid is skipped and its problems are listed on standard error; the exit code
is then still 0, unless ``--strict``. ``--scheduler`` (here and in ``bpv
appraise``) runs the work on an existing Dask cluster.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bpv.batch.result import Batch
from bpv.batch.run import appraise_many
from bpv.cli._guards import EXIT_INVALID, EXIT_USAGE, guarded
from bpv.cli._output import add_output_arguments, check_output, emit
from bpv.cli._run_flags import add_run_arguments, run_options
from bpv.errors import BidValidationError, BPVError
from bpv.io import load
from bpv.spec.bid import Bid

__all__ = ["add_batch", "add_scheduler_argument", "run_batch",
           "with_cluster"]

#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 10


def add_batch(commands: Any) -> None:
    """Add the ``batch`` verb, with the run flags every appraising verb shares."""
    batch = commands.add_parser(
        "batch", help="appraise every bid of a folder on one seed and tabulate them",
        description="Appraise many bids on one seed, as a programme office receives them: "
        "each bid's numbers are those of 'bpv appraise' on the same seed, whatever else is in "
        "the batch. Prints one row a bid (mean NPV with its Monte Carlo standard error, "
        "P(NPV > 0), QALYs, cost and NMB). An invalid bid is skipped and its problems are "
        "listed on standard error (exit 0; 1 with --strict).",
    )
    batch.add_argument("paths", nargs="+", metavar="DIR|FILE", type=Path,
                       help="folders of bid files (*.yaml, *.yml, *.json) or bid files")
    add_run_arguments(batch)
    batch.add_argument("--strict", action="store_true",
                       help="fail (exit 1, nothing appraised) if any input is not a valid bid")
    add_output_arguments(batch, csv="csv: one row a bid (bid, title, mean_npv, mcse_npv, "
                         "p5_npv, p95_npv, p_npv_positive, mean_qalys, mean_cost_pv, "
                         "mean_benefit_pv, mean_nmb, p_nmb_positive, mean_roi, draws, method, "
                         "seed, bid_hash, source); xlsx: a sheet a bid summary, the problems, "
                         "organisations, metric nodes by year, hypotheses registers, settings "
                         "and the long form")
    batch.add_argument("--long", action="store_true",
                       help="with --format csv, the long form instead: one number a row (bid, "
                       "scope, metric, unit, statistic, value, seed, draws, method, bid_hash)")
    add_scheduler_argument(batch)
    batch.set_defaults(command=run_batch)


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--scheduler ADDRESS``: run on an existing Dask cluster."""
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://HOST:8786 "
                        "(pip install 'bpv[dask]'); the numbers are those of a local run")


def run_batch(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``bpv batch``."""
    misuse = check_output(args, "bpv batch", args.paths)
    if misuse is not None:
        return misuse
    if args.long and args.format != "csv":
        print("bpv batch: --long is for --format csv (or -o FILE.csv)", file=sys.stderr)
        return EXIT_USAGE
    return with_cluster(args.scheduler, lambda client: _batch(args, out, client))


def _batch(args: argparse.Namespace, out: TextIO, client: Any) -> int:
    if args.strict:
        try:
            batch = appraise_many(args.paths, **_settings(args, client), strict=True)
        except BidValidationError as exc:
            for located in exc.problems:
                print(f"{located.location}: {located.message}", file=sys.stderr)
            return EXIT_INVALID
        except BPVError as exc:
            print(f"bpv batch: {exc}", file=sys.stderr)
            return EXIT_INVALID
    else:
        appraised = guarded("bpv batch", lambda: appraise_many(
            args.paths, **_settings(args, client)))
        if appraised is None:
            return EXIT_INVALID
        batch = appraised
    for problem in batch.problems:
        print(problem, file=sys.stderr)
    if not batch.records:
        print("bpv batch: no valid bid to appraise", file=sys.stderr)
        return EXIT_INVALID
    if args.output is not None:  # the table is printed too, then the file written
        out.write(_text(batch) + "\n")
    bids = {bid_id: bid for bid_id, source in batch.sources.items()
            if (bid := _bid_of(source)) is not None} if args.format == "xlsx" else None
    return emit(args, out, batch, text=lambda: _text(batch), bids=bids, long=args.long)


def _bid_of(source: str) -> Bid | None:
    """Read a batch's bid again from its file, for the workbook's hypotheses register."""
    try:
        return load(source) if Path(source).is_file() else None
    except (BPVError, OSError, UnicodeDecodeError):
        return None


def _settings(args: argparse.Namespace, client: Any) -> dict[str, Any]:
    quiet = args.output is None and args.format != "text"
    return {**run_options(args, quiet=quiet), "executor": client}


def _text(batch: Batch) -> str:
    skipped = f"; {len(batch.problems)} problem(s) on standard error" if batch.problems else ""
    return (f"{len(batch.records)} bids, {batch.n_draws:,} draws each ({batch.method}), "
            f"seed {batch.entropy}; money in present values{skipped}\n{batch.summary()}")


def with_cluster(address: str | None, job: Callable[[Any], int]) -> int:
    """Run ``job(client)`` connected to the Dask scheduler at ``address`` (None: locally).

    Without Dask installed, or when the scheduler cannot be reached, says so
    and returns :data:`~bpv.cli._guards.EXIT_INVALID`; the client is closed
    after the job (the cluster keeps running: it is not bpv's).
    """
    if address is None:
        return job(None)
    try:
        import distributed
    except ModuleNotFoundError:
        print("bpv: --scheduler needs Dask: pip install 'bpv[dask]'", file=sys.stderr)
        return EXIT_INVALID
    try:
        connect: Any = distributed.Client
        client = connect(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        print(f"bpv: cannot connect to the Dask scheduler at {address}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        return job(client)
    finally:
        client.close()
