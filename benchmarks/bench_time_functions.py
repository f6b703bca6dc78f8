"""What lag and cumulative cost: a cohort bid three ways, in both kernels.

Run:  python benchmarks/bench_time_functions.py [--draws 200000] [--repeat 3]

The bid enrols an uncertain number of people a period, each staying three
periods at a cost, over a ten-year horizon. The people enrolled are written
three ways: ``cumulative(starts) - lag(cumulative(starts), 3)`` (the cohort
pattern of docs/formulas.md), ``starts + lag(starts, 1) + lag(starts, 2)`` (a
sum of lags), and ``starts * 3`` (the old workaround: every start's three
periods counted when it starts; not the same numbers, the cost of the
arithmetic alone). Prints the median draws/s of ``--repeat`` runs of each,
streaming (keep_draws=False) on one thread; the compiled kernel is compiled
once before it is timed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import bpv
from bpv.engine.compiled_kernel import available as compiled_available

BID = """
id: cohort-bench
title: Cohort benchmark
start_year: 2025
horizon: 10
organisations: [{{id: org, name: Org, role: provider}}]
parameters:
  referrals: {{dist: pert, low: 800, mode: 1000, high: 1300}}
  uptake: {{dist: beta, mean: 0.5, sd: 0.08}}
  cost_a_period: {{dist: gamma, mean: 300, sd: 60}}
  saving_a_period: {{dist: gamma, mean: 500, sd: 150}}
nodes:
  - {{id: clinic, kind: activity, ramp: 2, success: 0.8}}
  - {{id: starts, kind: output, formula: "referrals * uptake * clinic", measure: metric}}
  - {{id: enrolled, kind: output, formula: "{enrolled}", measure: metric}}
  - {{id: care, kind: output, formula: "enrolled * cost_a_period", measure: cost, cost_type: revenue, organisation: org}}
  - {{id: saving, kind: impact, formula: "enrolled * saving_a_period", measure: cash_releasing, organisation: org}}
"""  # noqa: E501 (one node per line, as bids are written)

WAYS = {
    "cumulative - lag": "cumulative(starts) - lag(cumulative(starts), 3)",
    "sum of lags": "starts + lag(starts, 1) + lag(starts, 2)",
    "no time functions": "starts * 3",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kernels = ["numpy", "compiled"] if compiled_available() else ["numpy"]
    print(f"{'enrolled written as':<20} {'kernel':<9} {'draws/s':>12}")
    for way, formula in WAYS.items():
        bid = bpv.loads(BID.format(enrolled=formula), format="yaml")
        for kernel in kernels:
            bpv.appraise(bid, n_draws=1_000, rng=0, kernel=kernel)  # compile, warm up
            speeds = []
            with ThreadPoolExecutor(max_workers=1) as one_thread:
                for repeat in range(args.repeat):
                    start = time.perf_counter()
                    bpv.appraise(bid, n_draws=args.draws, rng=repeat, kernel=kernel,
                                 keep_draws=False, executor=one_thread, progress=False)
                    speeds.append(args.draws / (time.perf_counter() - start))
            print(f"{way:<20} {kernel:<9} {statistics.median(speeds):>12,.0f}")


if __name__ == "__main__":
    main()
