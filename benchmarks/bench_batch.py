"""Batch throughput: many bids on local threads, against one large bid and a Dask cluster.

Run:  python benchmarks/bench_batch.py [--bids 100] [--draws 100000] [--repeat 1]

The bids are variations of benchmarks/representative_bid.yaml: each its own
id and its own figures (staff cost, referrals and the effect on admissions
scaled by up to ±20%), the same 30 uncertain parameters and 12 nodes. Each
measurement runs in a fresh subprocess, so its peak resident memory is its
own (the interpreter and imports included). Kinds:

- ``single``: the single-bid engine, one appraisal of bids × draws draws
  (``keep_draws=False``, default thread pool): the engine's throughput;
- ``loop``: the bids appraised one after another as a script would before
  ``appraise_many`` (each ``bpv.appraise(..., keep_draws=False)`` on the
  default thread pool, then ``to_dict()``: the same results a batch keeps);
- ``batch-threads``: ``bpv.appraise_many`` over the bids on the default
  local threads (whole bids as tasks, one worker thread per core);
- ``batch-dask``: the same on a ``distributed.LocalCluster`` of two worker
  processes with one thread each, started in the measured process; the
  cluster's start-up is timed apart, and the peak memory is the client's
  (each worker is a process of its own).

Prints draws/s, seconds, draws per CPU second of the measured process (steadier
than the wall clock on a shared machine; a Dask cluster's workers are not counted)
and peak RSS of each, the ratio of the batch's
throughput to the single bid's (target: at least 0.8) and to the loop's, and the cluster's
overhead against local threads. ``--bids 10`` gives a quick run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

BID = Path(__file__).with_name("representative_bid.yaml")
KINDS = ("single", "loop", "batch-threads", "batch-dask")


def variations(n_bids: int) -> list:
    """Return ``n_bids`` variations of the benchmark bid, each its own id and figures."""
    import bpv

    base = bpv.load(BID).model_dump(mode="json", by_alias=True)
    bids = []
    for i in range(n_bids):
        scale = 0.8 + 0.4 * i / max(1, n_bids - 1)
        data = json.loads(json.dumps(base))
        data["id"] = f"{base['id']}-{i:03d}"
        parameters = data["parameters"]
        for name in ("staff_cost", "referrals"):
            for key in ("low", "mode", "high"):
                parameters[name][key] *= scale
        parameters["admit_reduction"]["mean"] *= scale
        bids.append(bpv.Bid.model_validate(data))
    return bids


def _one(kind: str, n_bids: int, n_draws: int) -> dict[str, float]:
    import bpv

    bids = variations(n_bids)
    extra: dict[str, float] = {}
    cpu = _cpu_seconds()
    if kind == "single":
        start = time.perf_counter()
        bpv.appraise(bids[0], n_draws=n_bids * n_draws, rng=1, keep_draws=False,
                     progress=False)
        seconds = time.perf_counter() - start
    elif kind == "loop":
        start = time.perf_counter()
        for bid in bids:
            bpv.appraise(bid, n_draws=n_draws, rng=1, keep_draws=False, progress=False).to_dict()
        seconds = time.perf_counter() - start
    elif kind == "batch-threads":
        start = time.perf_counter()
        batch = bpv.appraise_many(bids, n_draws=n_draws, rng=1, progress=False)
        seconds = time.perf_counter() - start
        assert len(batch.records) == n_bids
    else:
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            extra["startup_s"] = time.perf_counter() - start
            start = time.perf_counter()
            batch = bpv.appraise_many(bids, n_draws=n_draws, rng=1, progress=False,
                                      executor=client)
            seconds = time.perf_counter() - start
        assert len(batch.records) == n_bids
    cpu = _cpu_seconds() - cpu  # this process's threads (a Dask cluster's workers are not)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "draws_per_s": n_bids * n_draws / seconds, "peak_mb": peak_mb,
            "draws_per_cpu_s": n_bids * n_draws / cpu, **extra}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100, help="bids in the batch (default 100)")
    parser.add_argument("--draws", type=int, default=100_000, help="draws per bid")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind, interleaved")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--one", nargs=3, metavar=("KIND", "BIDS", "DRAWS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one[0], int(args.one[1]), int(args.one[2]))))
        return
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in args.kinds}
    for _ in range(args.repeat):
        for kind in args.kinds:
            out = subprocess.run([sys.executable, __file__, "--one", kind, str(args.bids),
                                  str(args.draws)], capture_output=True, text=True, check=True)
            results[kind].append(json.loads(out.stdout.splitlines()[-1]))
    print(f"{args.bids} bids x {args.draws:,} draws ({args.bids * args.draws:,} draws in all), "
          f"best of {args.repeat}")
    best = {kind: max(runs, key=lambda r: r["draws_per_s"]) for kind, runs in results.items()}
    for kind, run in best.items():
        startup = f"  cluster start-up {run['startup_s']:.1f} s" if "startup_s" in run else ""
        print(f"  {kind:<14} {run['draws_per_s'] / 1e6:6.2f} M draws/s  {run['seconds']:7.1f} s"
              f"  {run['draws_per_cpu_s'] / 1e6:6.2f} M draws/CPU-s"
              f"  peak {run['peak_mb']:6.0f} MB{startup}")
    if "single" in best and "batch-threads" in best:
        ratio = best["batch-threads"]["draws_per_s"] / best["single"]["draws_per_s"]
        per_cpu = (best["batch-threads"]["draws_per_cpu_s"]
                   / best["single"]["draws_per_cpu_s"])
        print(f"  batch on threads / single bid: {ratio:.2f} (target >= 0.80); per CPU "
              f"second: {per_cpu:.2f}")
    if "loop" in best and "batch-threads" in best:
        ratio = best["batch-threads"]["draws_per_s"] / best["loop"]["draws_per_s"]
        print(f"  batch on threads / one bid after another with its summary: {ratio:.2f}")
    if "batch-dask" in best and "batch-threads" in best:
        dask, local = best["batch-dask"], best["batch-threads"]
        print(f"  two-worker LocalCluster / local threads: "
              f"{dask['draws_per_s'] / local['draws_per_s']:.2f}; overhead "
              f"{dask['seconds'] - local['seconds']:+.1f} s "
              f"({(dask['seconds'] - local['seconds']) / args.bids * 1e3:+.0f} ms a bid) "
              f"plus {dask['startup_s']:.1f} s to start the cluster")


if __name__ == "__main__":
    main()
