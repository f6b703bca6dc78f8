"""Speed of bpv's draws: the fast inverse CDF against scipy's ppf, and sample() per distribution.

Run:  python benchmarks/bench_inverse.py [--sizes 1000000 10000000] [--repeats 3]
                                         [--skip-scipy-above 10000000]

Prints three tables, in values per second on one core (best of ``--repeats``):

1. scipy's ``ppf`` (``bpv.sampling.draws.ppf_exact``) against the fast table
   inverse (``inverse_cdf``) for a beta, a PERT and a gamma, with the
   one-off cost of building the table (which is then cached);
2. ``inverse_cdf`` of every kind of distribution (closed forms and tables);
3. ``sample`` of every kind of distribution (numpy's generator methods).

Uniforms are drawn once per size and reused; the time of drawing them is not
counted. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from bpv.sampling import draws
from bpv.sampling.draws import inverse_cdf, ppf_exact, sample
from bpv.spec.distributions import (
    Bernoulli,
    Beta,
    Discrete,
    Fixed,
    Gamma,
    Interval,
    LogNormal,
    Normal,
    Pert,
    Quantiles,
    Triangular,
    Uniform,
)

TABLED = {
    "beta(2, 5)": Beta(a=2, b=5),
    "pert(600, 900, 1200)": Pert(low=600, mode=900, high=1200),
    "gamma(shape 2)": Gamma(shape=2, scale=3),
}

ALL = {
    "normal": Normal(mean=2800, sd=300),
    "lognormal": LogNormal(median=0.02, p95=0.05),
    "beta": Beta(mean=0.35, sd=0.05),
    "gamma": Gamma(mean=12, sd=4),
    "pert": Pert(low=600, mode=900, high=1200),
    "triangular": Triangular(low=0, mode=3, high=6),
    "uniform": Uniform(low=0.3, high=0.5),
    "bernoulli": Bernoulli(p=0.8),
    "fixed": Fixed(value=400000),
    "discrete": Discrete(values=[350000, 400000, 450000], weights=[1, 2, 1]),
    "interval (beta)": Interval(low=0.10, high=0.25, shape="beta"),
    "quantiles (gamma)": Quantiles(probs=[0.1, 0.9], values=[3, 20], shape="gamma"),
}


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e6:8.1f} M/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-scipy-above", type=int, default=10_000_000,
                        help="time scipy's ppf only up to this many values (it is slow)")
    args = parser.parse_args()

    uniforms = {n: np.random.default_rng(n).random(n) for n in args.sizes}

    print("1. Fast inverse CDF against scipy's ppf (values/s, one core)\n")
    print(f"{'distribution':22s} {'n':>11s} {'scipy ppf':>12s} {'fast inverse':>12s} "
          f"{'speed-up':>9s}  table")
    for name, spec in TABLED.items():
        draws._table_inverse.cache_clear()
        draws._unit_table.cache_clear()
        start = time.perf_counter()
        fast = inverse_cdf(spec)
        build_ms = (time.perf_counter() - start) * 1e3
        exact = ppf_exact(spec)
        for n, u in uniforms.items():
            fast_s = best_seconds(lambda f=fast, u=u: f(u), args.repeats)
            if n <= args.skip_scipy_above:
                exact_s = best_seconds(lambda f=exact, u=u: f(u), 1)
                scipy_text, ratio = rate(n, exact_s), f"{exact_s / fast_s:8.0f}x"
            else:
                scipy_text, ratio = f"{'-':>12s}", f"{'-':>9s}"
            print(f"{name:22s} {n:11,d} {scipy_text} {rate(n, fast_s)} {ratio}  "
                  f"{fast!r}, built in {build_ms:.0f} ms")

    print("\n2. inverse_cdf of every kind (values/s)\n")
    print(f"{'distribution':22s} " + " ".join(f"{n:>13,d}" for n in args.sizes))
    for name, spec in ALL.items():
        inverse = inverse_cdf(spec)
        cells = [rate(n, best_seconds(lambda f=inverse, u=u: f(u), args.repeats))
                 for n, u in uniforms.items()]
        print(f"{name:22s} " + " ".join(f"{cell:>13s}" for cell in cells))

    print("\n3. sample of every kind (values/s)\n")
    print(f"{'distribution':22s} " + " ".join(f"{n:>13,d}" for n in args.sizes))
    for name, spec in ALL.items():
        cells = [rate(n, best_seconds(
                     lambda s=spec, n=n: sample(s, np.random.default_rng(0), n), args.repeats))
                 for n in args.sizes]
        print(f"{name:22s} " + " ".join(f"{cell:>13s}" for cell in cells))


if __name__ == "__main__":
    main()
