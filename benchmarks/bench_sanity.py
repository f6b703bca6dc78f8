"""What the sanity checks add to `bpv validate`: their time on each example bid, in process.

Run:  python benchmarks/bench_sanity.py [--repeats 5]

For every bid of examples/ (and benchmarks/representative_bid.yaml): the best
of ``--repeats`` times to load it (``bpv.load``, the checks a file always
had), to run the checks that read the bid (``bpv.lint``) and to run every
check (``bpv.check_bid``: lint and the checks on a sample of 256 draws), after
one warm-up run (the first pays for the imports). Not a test: numbers depend
on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(job: Callable[[], object], repeats: int) -> float:
    """Return the best wall time of ``repeats`` runs of ``job``, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return 1_000 * min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import bpv

    paths = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if p.name != "constraints.yaml")
    paths.append(ROOT / "benchmarks" / "representative_bid.yaml")
    print(f"best of {args.repeats}, milliseconds")
    print(f"{'bid':<32}{'nodes':>6}{'load':>8}{'lint':>8}{'check_bid':>11}{'findings':>10}")
    for path in paths:
        bid = bpv.load(path)
        bpv.check_bid(bid)  # warm-up
        load = best(lambda path=path: bpv.load(path), args.repeats)
        lint = best(lambda bid=bid: bpv.lint(bid), args.repeats)
        check = best(lambda bid=bid: bpv.check_bid(bid), args.repeats)
        print(f"{path.stem:<32}{len(bid.nodes):>6}{load:>8.1f}{lint:>8.1f}{check:>11.1f}"
              f"{len(bpv.check_bid(bid)):>10}")


if __name__ == "__main__":
    main()
