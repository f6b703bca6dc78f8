"""Sensitivity analysis speed on the representative 30-parameter bid.

Run:  python benchmarks/bench_sensitivity.py [--draws 100000] [--sobol 4096 8192 16384]

Prints the time of each part of :func:`bpv.sensitivity` on the same bid as
``bench_engine.py`` (30 uncertain parameters and 2 success gates):

- the appraisal keeping every draw and input (the Monte Carlo sample);
- the tornado and the rank / partial rank correlations;
- single-input EVPPI for every input, and group EVPPI by link, by regression;
- switching values for every input (on 10,000 draws of the others);
- Sobol' indices at several design sizes, with the widest 95% interval, and
  the peak resident memory of the process.

Also times a hand-written reference for the correlations (scipy.stats.spearmanr
on the same matrix), so the figure can be read against what an analyst would
write.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
from scipy import stats

import bpv
from bpv.analysis.evppi import conditional_mean
from bpv.analysis.one_way import switching_values, tornado
from bpv.analysis.sensitivity import _rank_correlations, input_groups
from bpv.analysis.sobol import sobol_indices
from bpv.engine.inputs import input_names

BID = Path(__file__).with_name("representative_bid.yaml")


def _timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    print(f"{label:<52} {time.perf_counter() - start:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--sobol", type=int, nargs="+", default=[4_096, 8_192, 16_384])
    args = parser.parse_args()
    bid = bpv.load(BID)
    names = input_names(bid)
    print(f"bid {bid.id}: {len(names)} inputs; {args.draws:,} draws; metric npv\n")

    result = _timed("appraisal, every draw and input kept", bpv.appraise, bid,
                    n_draws=args.draws, rng=1, keep_inputs=True)
    y = np.asarray(result["npv"])
    x = {name: np.asarray(result.inputs[name]) for name in names}
    _timed("tornado (2 × inputs + 1 evaluations)", tornado, bid)
    _timed("rank and partial rank correlations", _rank_correlations, x, y)
    matrix = np.column_stack(list(x.values()))
    _timed("  reference: scipy.stats.spearmanr, Spearman only", stats.spearmanr, matrix, y)
    _timed(f"EVPPI of each of {len(names)} inputs (regression)",
           lambda: [conditional_mean(y, x[name]) for name in names])
    groups = input_groups(bid, "link")
    _timed(f"EVPPI of {len(groups)} groups by link",
           lambda: [conditional_mean(y, np.column_stack([x[n] for n in members]))
                    for members in groups.values()])
    _timed(f"EVPPI of all {len(names)} inputs together (one group)",
           conditional_mean, y, matrix)
    head = {name: values[:10_000] for name, values in x.items()}
    found = _timed("switching values, every input (10,000 draws)", switching_values, bid, head)
    print(f"  {sum(value.value is not None for value in found)} of {len(found)} inputs "
          "switch within their 1st-99th percentiles")
    for n in args.sobol:
        indices = _timed(f"Sobol' indices, n = {n:,} ({n * (len(names) + 2):,} evaluations)",
                         sobol_indices, bid, n=n, rng=1)
        widest = max(max(index.first_interval[1] - index.first_interval[0],
                         index.total_interval[1] - index.total_interval[0])
                     for index in indices)
        print(f"  widest 95% interval {widest:.3f} (half-width {widest / 2:.3f})")
    whole = _timed("bpv.sensitivity, everything (default settings)", bpv.sensitivity, bid,
                   n_draws=args.draws, rng=1)
    top = whole.inputs[0]
    print(f"  widest tornado bar: {top.input}; EVPI {whole.evpi:,.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
