"""Appraise many bids in one run, as a programme office does, and tabulate them.

Usage::

    python examples/batch_appraise.py [OUT] [--bids FOLDER] [--draws N] [--seed S]
                                      [--processes N] [--kernel numpy|compiled]

Every ``*.yaml`` and ``*.json`` bid in FOLDER (default: the bundled examples)
is appraised with the same seed, so bids that share a parameter name see the
same draws of it. Runs keep bounded memory whatever ``--draws``
(``keep_draws=False``: exact means, sds and P(NPV > 0) over all draws,
quantiles from a subsample). With ``--processes N`` the draws run on a pool
of N worker processes kept warm for every bid, which avoids the interpreter
lock that threads share (see docs/appraisal.md#speed-and-memory); without it
bpv's default thread pool is used. ``--kernel compiled`` (``pip install
'bpv[compiled]'``) runs each bid compiled by numba, two to three times faster
on the default threads with no process pool needed; a bid compiles once per
machine and loads from the kernel cache in later runs. A bid with mistakes is
reported and skipped. OUT, if given, is where the table is written as CSV.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import bpv

HERE = Path(__file__).resolve().parent
COLUMNS = ("bid", "title", "mean_npv", "mcse_npv", "p_npv_positive", "mean_qalys",
           "mean_cost_pv", "seconds")


def appraise_all(folder: Path, draws: int, seed: int, executor: Executor | None,
                 kernel: str = "numpy") -> list[dict]:
    """Appraise every bid file in ``folder``; return one row per valid bid."""
    rows = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.json")]):
        try:
            bid = bpv.load(path)
        except bpv.BidValidationError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            continue
        start = time.perf_counter()
        result = bpv.appraise(bid, n_draws=draws, rng=seed, keep_draws=False,
                              executor=executor, progress=False, kernel=kernel)
        seconds = time.perf_counter() - start
        summary = result.summary(metrics=["npv", "qalys", "cost_pv"]).rows
        rows.append({
            "bid": bid.id,
            "title": bid.title,
            "mean_npv": summary["npv"]["mean"],
            "mcse_npv": summary["npv"]["mcse"],
            "p_npv_positive": result.probability("npv", ">", 0),
            "mean_qalys": summary["qalys"]["mean"],
            "mean_cost_pv": summary["cost_pv"]["mean"],
            "seconds": seconds,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="write the table as CSV here")
    parser.add_argument("--bids", type=Path, default=HERE / "bids", help="folder of bid files")
    parser.add_argument("--draws", type=int, default=200_000, help="draws per bid")
    parser.add_argument("--seed", type=int, default=1, help="one seed for every bid")
    parser.add_argument("--processes", type=int, default=0,
                        help="worker processes (0: bpv's default thread pool)")
    parser.add_argument("--kernel", choices=("numpy", "compiled"), default="numpy",
                        help="evaluate with numpy, or with each bid compiled by numba")
    args = parser.parse_args()

    pool = ProcessPoolExecutor(args.processes) if args.processes > 0 else None
    try:
        rows = appraise_all(args.bids, args.draws, args.seed, pool, args.kernel)
    finally:
        if pool is not None:
            pool.shutdown()

    print(f"{'bid':<28} {'mean NPV (GBP)':>16} {'MCSE':>10} {'P(NPV > 0)':>11} "
          f"{'QALYs':>9} {'seconds':>8}")
    for row in rows:
        print(f"{row['bid']:<28} {row['mean_npv']:>16,.0f} {row['mcse_npv']:>10,.0f} "
              f"{row['p_npv_positive']:>11.1%} {row['mean_qalys']:>9.1f} {row['seconds']:>8.2f}")
    total = sum(row["seconds"] for row in rows)
    print(f"{len(rows)} bids, {args.draws:,} draws each, in {total:.1f} s "
          f"({len(rows) * args.draws / total / 1e6:.2f} M draws/s)" if rows else "no bids")
    if args.out is not None:
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
