"""Choose which of eight bids of an ICS to fund, within its budgets, staff and risk appetite.

Run:  python examples/choose_portfolio.py [OUT] [--draws N] [--seed S] [--objective npv|nmb]

Reads the bids in examples/portfolio/bids/ and examples/portfolio/constraints.yaml,
prints the chosen portfolio (every constraint's slack, the value of more
budget, how often each bid is chosen on bootstrap resamples), and with OUT
writes it as JSON. docs/portfolio.md explains the formulation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bpv

FOLDER = Path(__file__).resolve().parent / "portfolio"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="write the portfolio as JSON here")
    parser.add_argument("--draws", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--objective", choices=("npv", "nmb"), default="nmb")
    args = parser.parse_args()
    bids = [bpv.load(path) for path in sorted((FOLDER / "bids").glob("*.yaml"))]
    chosen = bpv.portfolio(bids, FOLDER / "constraints.yaml", objective=args.objective,
                           n_draws=args.draws, rng=args.seed, n_bootstrap=20,
                           frontier_points=5)
    print(chosen)
    print("\nValue against budget (every budget scaled):")
    for point in chosen.budget_frontier:
        value = "no feasible set" if point.value != point.value else f"£{point.value:,.0f}"
        print(f"  x{point.level:.2f}: {value}")
    if args.out is not None:
        args.out.write_text(chosen.to_json() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
