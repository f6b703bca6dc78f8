"""Re-forecast speed and memory on the representative bid: reweighting, and SMC.

Run:  python benchmarks/bench_reforecast.py [--draws 100000] [--particles 20000 100000]

Appraises the benchmark bid (``representative_bid.yaml``, as ``bench_engine.py``)
keeping every draw, input and flow, then re-forecasts it with 12 actuals: the
admissions avoided, bed days saved and completers of the first two years, and
the community trust's costs and the acute trust's savings of the first three
years (whole years). Prints, for each run, the wall time, the growth of the
process's peak resident memory during it, the method, the ESS, and for SMC
its steps and evaluations of the bid.

- *reweighting*: actuals near the plan (the ESS stays above the threshold);
- *SMC*: actuals well below plan, which leave few draws of weight
  (``method="auto"`` turns to SMC), with the default particles and with as
  many particles as draws.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

import bpv
from bpv.tracking.observations import Observation
from bpv.tracking.reforecast import reforecast
from bpv.tracking.series import SeriesKey, trajectories

BID = Path(__file__).with_name("representative_bid.yaml")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _actuals(bid, prior, scale: float) -> list[Observation]:
    """12 actuals at ``scale`` times the plan's median."""
    keys = {SeriesKey("admissions_avoided"): (0, 1), SeriesKey("bed_days_saved"): (0, 1),
            SeriesKey("completers"): (0, 1), SeriesKey("costs", "community"): (0, 1, 2),
            SeriesKey("savings", "acute"): (0, 1, 2)}
    paths = trajectories(bid, prior.flows, keys)
    actuals = []
    for key, years in keys.items():
        for year in years:
            median = float(np.median(paths[key][:, year]))
            if key.node in ("costs", "savings"):
                actuals.append(Observation(key, year=year, share=1.0, value=median,
                                           likelihood="normal", cv=0.1))
            elif key.node == "completers":
                actuals.append(Observation(key, year=year, share=1.0, value=scale * median,
                                           likelihood="normal", cv=0.05))
            else:
                actuals.append(Observation(key, year=year, share=1.0,
                                           value=float(round(scale * median)),
                                           likelihood="poisson"))
    return actuals


def _run(label: str, bid, prior, actuals, **options) -> None:
    before = _peak_mb()
    start = time.perf_counter()
    update = reforecast(bid, prior, actuals, rng=1, **options)
    seconds = time.perf_counter() - start
    extra = ""
    if update.method == "smc":
        extra = (f"; {update.smc['n_particles']:,} particles, "
                 f"{len(update.smc['temperatures'])} steps, "
                 f"{update.smc['evaluations']} evaluations")
    npv = update.metrics["system"]["npv"]
    print(f"{label:<34} {seconds:7.2f} s  peak +{_peak_mb() - before:6.0f} MB  "
          f"{update.method}, ESS {update.ess:,.0f}{extra}")
    print(f"{'':<34} NPV mean {npv['prior']['mean']:,.0f} -> {npv['posterior']['mean']:,.0f}; "
          f"top hypothesis {update.hypotheses[0].name} ({update.hypotheses[0].shift:+.2f} sd)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--particles", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    bid = bpv.load(BID)
    start = time.perf_counter()
    prior = bpv.appraise(bid, n_draws=args.draws, rng=1, keep_inputs=True, keep_flows=True,
                         progress=False)
    print(f"bid {bid.id}: {args.draws:,} draws appraised, inputs and flows kept, in "
          f"{time.perf_counter() - start:.2f} s (peak {_peak_mb():,.0f} MB)\n")
    near = _actuals(bid, prior, 1.0)
    print(f"{len(near)} actuals\n")
    _run("reweighting (actuals near plan)", bid, prior, near, method="reweight")
    below = _actuals(bid, prior, 0.6)
    for particles in args.particles:
        _run(f"SMC (actuals 40% below plan), {particles:,}", bid, prior, below,
             n_particles=particles)


if __name__ == "__main__":
    main()
