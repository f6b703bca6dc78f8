"""What the engine's check of amounts costs (issue 19, item 6; docs/limits.md).

Run:  python benchmarks/bench_guard.py [--draws 1000000] [--repeat 7]

Two measurements on the representative bid, numpy kernel:

* one slice of 8,192 draws: the time to evaluate it and the time of the
  per-slice check (``bpv.engine.evaluation._ledger_within_bounds``) on it;
* whole runs on one thread with the check on and off, interleaved, as draws/s
  (median and range of ``--repeat`` runs each).

The compiled kernel's check is part of its machine code and cannot be switched
off; compare it across commits with ``benchmarks/bench_engine.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

import bpv
from bpv.engine import evaluation
from bpv.engine.block_draws import BlockDraws
from bpv.engine.plan import make_plan
from bpv.engine.schedule import EVALUATION_SLICE

BID = Path(__file__).with_name("representative_bid.yaml")


def _per_call_ms(function, repeat: int) -> float:
    function()
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1e3


def slice_times(bid: bpv.Bid) -> tuple[float, float]:
    plan = make_plan(bid, np.random.SeedSequence(1), n_draws=EVALUATION_SLICE, method="mc",
                     keep_flows=False, keep_draws=False, keep_inputs=False, kernel="numpy")
    parameters, gates = BlockDraws(plan.sampling, 0, EVALUATION_SLICE).slice(0, EVALUATION_SLICE)
    ev = plan.evaluation
    values, ledger = evaluation._numpy_kernel(ev, parameters, gates, EVALUATION_SLICE)
    evaluate = _per_call_ms(lambda: evaluation._numpy_kernel(ev, parameters, gates,
                                                             EVALUATION_SLICE), 50)
    check = _per_call_ms(lambda: evaluation._ledger_within_bounds(ev, values, ledger), 200)
    return evaluate, check


def run_speed(bid: bpv.Bid, n_draws: int, *, check: bool) -> float:
    real = evaluation._ledger_within_bounds
    if not check:
        evaluation._ledger_within_bounds = lambda *_: True  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(1) as pool:
            start = time.perf_counter()
            bpv.appraise(bid, n_draws=n_draws, rng=1, keep_draws=False, progress=False,
                         executor=pool)
            return n_draws / (time.perf_counter() - start)
    finally:
        evaluation._ledger_within_bounds = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bid = bpv.load(BID)
    evaluate, check = slice_times(bid)
    print(f"one slice of {EVALUATION_SLICE:,} draws: evaluated in {evaluate:.2f} ms, "
          f"checked in {check:.3f} ms ({check / evaluate:.1%})")
    run_speed(bid, 65_536, check=True)  # warm up
    speeds: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.repeat):
        for check_on in (False, True):
            speeds[check_on].append(run_speed(bid, args.draws, check=check_on))
    for check_on, values in speeds.items():
        print(f"{args.draws:,} draws, one thread, check {'on ' if check_on else 'off'}: "
              f"median {statistics.median(values):,.0f} draws/s "
              f"({min(values):,.0f}-{max(values):,.0f})")


if __name__ == "__main__":
    main()
