"""Appraise many bids in one run, as a programme office does, and tabulate them.

Usage::

    python examples/batch_appraise.py [OUT] [--bids FOLDER] [--draws N] [--seed S]
                                      [--processes N] [--kernel auto|numpy|compiled]

Every ``*.yaml``, ``*.yml`` and ``*.json`` bid in FOLDER (default: the
bundled examples) is appraised by :func:`bpv.appraise_many` on one seed: each
bid's numbers are those of ``bpv.appraise`` on that seed, whatever else is in
the folder, and bids that share a parameter name see the same draws of it.
Only each bid's summary is kept, so memory stays bounded whatever
``--draws`` (exact means, sds and P(NPV > 0) over all draws, quantiles from a
subsample). With ``--processes N`` whole bids run on a pool of N worker
processes, which avoids the interpreter lock that threads share (see
docs/appraisal.md#speed-and-memory); without it bpv's default thread pool is
used. ``--kernel compiled`` (``pip install 'bpv[compiled]'``) runs each bid
compiled by numba; a bid compiles once per machine and loads from the kernel
cache in later runs. A bid with mistakes is reported and skipped. OUT, if
given, is where the table is written as CSV. ``bpv batch FOLDER -o OUT.csv``
does the same from the command line (docs/programme-office.md).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import bpv

HERE = Path(__file__).resolve().parent
COLUMNS = ("bid", "title", "mean_npv", "mcse_npv", "p_npv_positive", "mean_qalys",
           "mean_cost_pv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="write the table as CSV here")
    parser.add_argument("--bids", type=Path, default=HERE / "bids", help="folder of bid files")
    parser.add_argument("--draws", type=int, default=200_000, help="draws per bid")
    parser.add_argument("--seed", type=int, default=1, help="one seed for every bid")
    parser.add_argument("--processes", type=int, default=0,
                        help="worker processes (0: bpv's default thread pool)")
    parser.add_argument("--kernel", choices=("auto", "numpy", "compiled"), default="auto",
                        help="auto: compiled from 1,000,000 draws where numba is installed; "
                        "or numpy, or compiled by numba")
    args = parser.parse_args()

    pool = ProcessPoolExecutor(args.processes) if args.processes > 0 else None
    start = time.perf_counter()
    try:
        batch = bpv.appraise_many(args.bids, n_draws=args.draws, rng=args.seed,
                                  kernel=args.kernel, executor=pool, progress=False)
    finally:
        if pool is not None:
            pool.shutdown()
    seconds = time.perf_counter() - start
    for problem in batch.problems:
        print(f"skipped: {problem}", file=sys.stderr)

    rows = [{column: row[column] for column in COLUMNS} for row in batch.summary().rows]
    print(f"{'bid':<28} {'mean NPV (GBP)':>16} {'MCSE':>10} {'P(NPV > 0)':>11} {'QALYs':>9}")
    for row in rows:
        print(f"{row['bid']:<28} {row['mean_npv']:>16,.0f} {row['mcse_npv']:>10,.0f} "
              f"{row['p_npv_positive']:>11.1%} {row['mean_qalys']:>9.1f}")
    print(f"{len(rows)} bids, {args.draws:,} draws each, in {seconds:.1f} s "
          f"({len(rows) * args.draws / seconds / 1e6:.2f} M draws/s)" if rows else "no bids")
    if args.out is not None:
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
