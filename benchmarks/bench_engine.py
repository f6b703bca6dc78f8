"""Engine speed and memory on a representative bid, against a hand-written numpy reference.

Run:  python benchmarks/bench_engine.py [--draws 100000 1000000 10000000]

Each measurement runs in a fresh subprocess so its peak resident memory is its
own (it includes the interpreter and imports, about 80 MB). The reference is
the same model written by hand as vectorised numpy (Generator sampling,
chunks of 65,536 draws, one thread): what a careful analyst would write
without bpv. bpv runs as ``bpv-stream`` (keep_draws=False: exact moments,
bounded memory; default thread pool), ``bpv-stream-1thread`` (one worker),
``bpv-keep`` (every draw kept) and, when numba is installed, as
``bpv-compiled`` and ``bpv-compiled-1thread`` (``kernel="compiled"``,
streaming) and ``bpv-compiled-keep32k`` (compiled, with a subsample of 32,768
draws kept for quantiles instead of 131,072: less memory). The compile is
timed apart: one process first compiles the bid into a kernel cache of the
benchmark's own, and the measured runs load it, as a user's later processes
would. Prints draws/s, peak RSS and the ratio of
bpv's speed to the reference's, measured in the same run: the median of
``--repeat`` runs of each kind, interleaved, with the range of speeds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bpv.engine.compiled_kernel import available as compiled_available

BID = Path(__file__).with_name("representative_bid.yaml")
CHUNK = 65_536
#: Draws kept for quantiles by the bpv-compiled-keep32k runs (keep_draws=...).
LEAN_SUBSAMPLE = 32_768
Z95 = 1.6448536269514722


def _beta(g, mean, sd, n):
    k = mean * (1 - mean) / sd**2 - 1
    return g.beta(mean * k, (1 - mean) * k, n)


def _pert(g, low, mode, high, n):
    a = 1 + 4 * (mode - low) / (high - low)
    b = 1 + 4 * (high - mode) / (high - low)
    return low + (high - low) * g.beta(a, b, n)


def _lognormal(g, median, p95, n):
    mu = math.log(median)
    return g.lognormal(mu, (math.log(p95) - mu) / Z95, n)


def reference(n_draws: int, seed: int = 0) -> float:
    """Hand-written numpy evaluation of benchmarks/representative_bid.yaml; returns mean NPV."""
    g = np.random.default_rng(seed)
    horizon = 10
    t = np.arange(horizon, dtype=float)[None, :]
    df = 1.035 ** -np.arange(horizon)
    total = 0.0
    for start in range(0, n_draws, CHUNK):
        n = min(CHUNK, n_draws - start)
        c = lambda x: x[:, None]  # noqa: E731 - column
        referrals = c(_pert(g, 4000, 5000, 6500, n))
        uptake, dropout = c(_beta(g, 0.6, 0.08, n)), c(_beta(g, 0.2, 0.05, n))
        admit_rate, admit_reduction = c(_beta(g, 0.12, 0.03, n)), c(_beta(g, 0.25, 0.07, n))
        los = c(g.triangular(3, 5, 9, n))
        bed_day_cost = c(g.normal(420, 40, n))
        marginal = c(_beta(g, 0.4, 0.08, n))
        ae_rate, ae_reduction = c(_beta(g, 0.3, 0.05, n)), c(_pert(g, 0.05, 0.15, 0.3, n))
        ae_cost = c(g.normal(180, 20, n))
        gp_visits, gp_reduction = c(_lognormal(g, 3, 6, n)), c(_beta(g, 0.1, 0.03, n))
        gp_cost = c(g.normal(42, 4, n))
        staff = c(_pert(g, 600e3, 700e3, 900e3, n))
        it_capex = c(_pert(g, 150e3, 200e3, 320e3, n))
        training = c(g.triangular(40e3, 60e3, 100e3, n))
        c(_lognormal(g, 0.015, 0.04, n))  # qaly_per_completer: drawn, not in NPV
        service_ok = c((g.random(n) < 0.85).astype(float))
        digital_ok = c((g.random(n) < 0.9).astype(float))
        growth, uplift = c(g.normal(0.02, 0.005, n)), c(g.normal(0.01, 0.003, n))
        overhead_share = c(_beta(g, 0.15, 0.03, n))
        carer = c(_lognormal(g, 50, 120, n))
        readmit_rate, readmit_reduction = c(_beta(g, 0.08, 0.02, n)), c(_pert(g, 0, 0.1, 0.25, n))
        admin = c(g.triangular(20e3, 35e3, 60e3, n))
        estates = c(g.normal(50e3, 8e3, n))
        evaluation = c(g.triangular(20e3, 30e3, 50e3, n))
        persistence = c(_beta(g, 0.9, 0.04, n))
        gate_service = c((g.random(n) < service_ok[:, 0]).astype(float))
        gate_digital = c((g.random(n) < digital_ok[:, 0]).astype(float))

        service = np.minimum(1.0, (t + 1) / 2) * gate_service
        digital = (t >= 1) * gate_digital
        capex = (it_capex + training) * (t == 0)
        running = (staff + estates) * (1 + growth) ** t
        evaluation_cost = evaluation * (t == 0)
        completers = referrals * uptake * (1 - dropout) * service
        overhead = overhead_share * staff * service
        admissions = completers * admit_rate * admit_reduction * persistence**t
        bed_days = admissions * los
        acute = bed_days * bed_day_cost * marginal * (1 + uplift) ** t
        other = completers * (ae_rate * ae_reduction * ae_cost
                              + gp_visits * gp_reduction * gp_cost * digital
                              + readmit_rate * readmit_reduction * bed_day_cost + carer) \
            + admin * digital
        npv = (acute + other - capex - running - evaluation_cost - overhead) @ df
        total += float(npv.sum())
    return total / n_draws


def _one(kind: str, n_draws: int) -> dict[str, float]:
    import bpv

    bid = bpv.load(BID)
    kernel = "compiled" if kind.startswith("bpv-compiled") or kind == "compile" else "numpy"
    compile_seconds = 0.0
    if kernel == "compiled":  # compiled or loaded once per process and bid: timed on its own
        start = time.perf_counter()
        bpv.appraise(bid, n_draws=1, rng=0, kernel="compiled")
        compile_seconds = time.perf_counter() - start
    if kind == "compile":
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"compile_seconds": compile_seconds, "peak_rss_mb": peak_mb}
    start = time.perf_counter()
    if kind == "reference":
        mean_npv = reference(n_draws)
    else:
        keep: bool | int = {"bpv-keep": True, "bpv-compiled-keep32k": LEAN_SUBSAMPLE}.get(
            kind, False)
        threads = 1 if kind.endswith("1thread") else None
        executor = None if threads is None else ThreadPoolExecutor(max_workers=1)
        result = bpv.appraise(bid, n_draws=n_draws, rng=0, progress=False, keep_draws=keep,
                              executor=executor, kernel=kernel)
        mean_npv = result.summary(metrics=["npv"]).rows["npv"]["mean"]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak_mb, "mean_npv": mean_npv,
            "compile_seconds": compile_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--keep-limit", type=int, default=2_000_000,
                        help="largest run that also keeps every draw (memory grows with draws)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each kind, interleaved; the median is reported (a shared "
                             "or virtual machine's speed drifts by tens of percent)")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one[0], int(args.one[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bpv-bench-kernels-") as cache:
        _measure(args, {**os.environ, "BPV_CACHE_DIR": cache})


def _measure(args: argparse.Namespace, environment: dict[str, str]) -> None:
    if compiled_available():  # the first time on this machine: compiled, then kept
        out = subprocess.run([sys.executable, __file__, "--one", "compile", "1"],
                             capture_output=True, text=True, check=True, env=environment)
        first = json.loads(out.stdout)
        print(f"compiling the bid the first time: {first['compile_seconds']:.2f} s, "
              f"{first['peak_rss_mb']:.0f} MB peak; later processes load it from the kernel cache")
    print(f"median of {args.repeat} interleaved runs; draws/s range in brackets")
    print(f"{'draws':>12} {'what':>20} {'seconds':>9} {'draws/s':>12} {'(min-max)':>17} "
          f"{'peak RSS MB':>12} {'mean NPV':>14} {'speed vs ref':>13}")
    for n in args.draws:
        kinds = ["reference", "bpv-stream-1thread", "bpv-stream"]
        if compiled_available():
            kinds += ["bpv-compiled-1thread", "bpv-compiled"]
            if n > LEAN_SUBSAMPLE:
                kinds.append("bpv-compiled-keep32k")
        if n <= args.keep_limit:
            kinds.append("bpv-keep")
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:  # interleaved, so a drift in machine speed hits every kind
                out = subprocess.run([sys.executable, __file__, "--one", kind, str(n)],
                                     capture_output=True, text=True, check=True,
                                     env=environment)
                runs[kind].append(json.loads(out.stdout))
        median = {kind: statistics.median(run["seconds"] for run in rows)
                  for kind, rows in runs.items()}
        for kind, rows in runs.items():
            speeds = [n / run["seconds"] for run in rows]
            spread = f"({min(speeds) / 1e6:.2f}-{max(speeds) / 1e6:.2f} M)"
            ratio = median["reference"] / median[kind]
            peak = max(run["peak_rss_mb"] for run in rows)
            print(f"{n:>12,} {kind:>20} {median[kind]:>9.2f} {n / median[kind]:>12,.0f} "
                  f"{spread:>17} {peak:>12.0f} {rows[0]['mean_npv']:>14,.0f} {ratio:>12.2f}x")
        compiles = [run["compile_seconds"] for run in runs.get("bpv-compiled", [])]
        if compiles:
            print(f"{'':>12} loading the compiled bid (once per process, not in the times "
                  f"above): {statistics.median(compiles):.2f} s")


if __name__ == "__main__":
    main()
