"""``bpv batch``: appraise a folder of bids on one seed; and connecting to a Dask cluster.

``bpv batch`` is :func:`bpv.appraise_many` on the command line: a text table
by default, ``--json`` for one JSON document, ``-o FILE.csv`` for the summary
(one row a bid, columns :data:`~bpv.batch.result.SUMMARY_COLUMNS`; with
``--long``, the long form, columns
:data:`~bpv.engine.long_form.FRAME_COLUMNS`) or ``-o FILE.json``. An invalid
bid is skipped and its problems are listed on standard error; the exit code
is then still 0, unless ``--strict``. ``--scheduler`` (here and in ``bpv
appraise``) runs the work on an existing Dask cluster.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bpv._utils.output import output_problem, write_whole
from bpv.batch.result import Batch
from bpv.batch.run import appraise_many
from bpv.cli._guards import EXIT_INVALID, EXIT_OK, EXIT_USAGE, guarded
from bpv.engine.long_form import FRAME_COLUMNS
from bpv.engine.monte_carlo import KERNELS
from bpv.errors import BidValidationError, BPVError

__all__ = ["OUTPUT_SUFFIXES", "add_batch", "add_scheduler_argument", "run_batch",
           "with_cluster"]

#: What ``bpv batch -o`` writes, by the file's suffix.
OUTPUT_SUFFIXES = (".csv", ".json")

#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 10


def add_batch(commands: Any, sampling: Callable[[argparse.ArgumentParser], None],
              output_file: Callable[[str], Path]) -> None:
    """Add the ``batch`` verb, with the sampling arguments every appraising verb shares."""
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
    sampling(batch)
    batch.add_argument("--kernel", choices=KERNELS, default="numpy",
                       help="evaluate with numpy (default) or with each bid compiled by numba")
    batch.add_argument("--strict", action="store_true",
                       help="fail (exit 1, nothing appraised) if any input is not a valid bid")
    batch.add_argument("--json", action="store_true", help="print one JSON document")
    batch.add_argument("-o", "--output", type=output_file, metavar="FILE",
                       help="write the results: .csv (one row a bid: bid, title, mean_npv, "
                       "mcse_npv, p5_npv, p95_npv, p_npv_positive, mean_qalys, mean_cost_pv, "
                       "mean_benefit_pv, mean_nmb, p_nmb_positive, mean_roi, draws, method, "
                       "seed, bid_hash, source) or .json (every result)")
    batch.add_argument("--long", action="store_true",
                       help="with -o FILE.csv, the long form instead: one number a row (bid, "
                       "scope, metric, unit, statistic, value, seed, draws, method, bid_hash)")
    add_scheduler_argument(batch)
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(command=run_batch)


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--scheduler ADDRESS``: run on an existing Dask cluster."""
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://HOST:8786 "
                        "(pip install 'bpv[dask]'); the numbers are those of a local run")


def run_batch(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``bpv batch``."""
    if args.output is not None:
        suffix = args.output.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES or (args.long and suffix != ".csv"):
            wanted = ".csv" if args.long else " or ".join(OUTPUT_SUFFIXES)
            print(f"bpv batch: -o {args.output}: give a file name ending in {wanted}",
                  file=sys.stderr)
            return EXIT_USAGE
        problem = output_problem(args.output, inputs=[p for p in args.paths if p.is_file()])
        if problem is not None:
            print(f"bpv: cannot write {args.output}: {problem}", file=sys.stderr)
            return EXIT_INVALID
    elif args.long:
        print("bpv batch: --long is for -o FILE.csv", file=sys.stderr)
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
    if args.json:
        out.write(batch.to_json() + "\n")
    else:
        out.write(_text(batch) + "\n")
    if args.output is not None:
        try:
            write_whole(args.output, _file_text(batch, args.output, long=args.long))
        except OSError as exc:
            print(f"bpv: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_INVALID
        if not args.json:
            out.write(f"{args.output}\n")
    return EXIT_OK


def _settings(args: argparse.Namespace, client: Any) -> dict[str, Any]:
    return {"n_draws": args.draws, "rng": args.seed, "method": args.method,
            "kernel": args.kernel, "executor": client,
            "progress": False if args.quiet or args.json else None}


def _text(batch: Batch) -> str:
    skipped = f"; {len(batch.problems)} problem(s) on standard error" if batch.problems else ""
    return (f"{len(batch.records)} bids, {batch.n_draws:,} draws each ({batch.method}), "
            f"seed {batch.entropy}; money in present values{skipped}\n{batch.summary()}")


def _file_text(batch: Batch, path: Path, *, long: bool) -> str:
    if path.suffix.lower() == ".json":
        return batch.to_json() + "\n"
    if not long:
        return batch.summary().to_csv()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FRAME_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(batch.rows())
    return buffer.getvalue()


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
