"""Portfolio selection speed: 50 bids on 5,000 shared draws with a CVaR limit, and frontiers.

Run:  python benchmarks/bench_portfolio.py [--bids 50] [--draws 5000] [--linearised]

The 50 bids are the eight of examples/portfolio/ repeated with every formula
of bid k scaled by its own factors (costs by one, benefits by another), so
their values differ while the parameters they share keep them on common
random numbers, as bids of one system are. Constraints: capital by year,
revenue at present value, nurse capacity, the examples' logic (each copy
of a pair exclusive, each analytics bid needing its record) and CVaR at 5%
of the portfolio's NPV at least a floor that binds (half-way between the
CVaR of the best set without it and the safest set's).

Prints, in seconds: appraising the bids (the engine, for scale); one
solve with the CVaR limit (target < 10 s); the same with the budgets'
shadow values; a frontier of 20 budgets (target < 60 s), and 20 risk
levels. ``--linearised`` also times the Rockafellar–Uryasev programme with
every draw's η and s_j at once, which the default exact cuts replace.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import bpv
from bpv.programme.inputs import PortfolioInputs, build_problem
from bpv.programme.problem import CVaRRow, Problem, cvar, solve
from bpv.programme.selection import select
from bpv.spec.portfolio import PortfolioConstraints

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "portfolio" / "bids").glob("*.yaml"))


def _copies(n_bids: int, rng: np.random.Generator) -> list[bpv.Bid]:
    bids = []
    for k in range(n_bids):
        data = bpv.load(EXAMPLES[k % len(EXAMPLES)]).to_dict()
        copy = k // len(EXAMPLES)
        data["id"] = f"{data['id']}-{copy}"
        cost, benefit = rng.uniform(0.6, 1.4), rng.uniform(0.5, 1.6)
        for node in data["nodes"]:
            if "formula" in node and node.get("measure") == "cost":
                node["formula"] = f"({node['formula']}) * {cost:.3f}"
            elif "formula" in node and node.get("kind") in ("outcome", "impact"):
                node["formula"] = f"({node['formula']}) * {benefit:.3f}"
        bids.append(bpv.Bid.model_validate(data))
    return bids


def _constraints(bids: list[bpv.Bid]) -> PortfolioConstraints:
    ids = [bid.id for bid in bids]
    n_copies = len(bids) // len(EXAMPLES) + 1
    scale = len(bids) / len(EXAMPLES)
    exclusive = [[f"virtual-ward-expansion-{c}", f"remote-monitoring-ward-{c}"]
                 for c in range(n_copies)]
    requires = {f"population-health-analytics-{c}": [f"shared-care-record-{c}"]
                for c in range(n_copies)}
    return PortfolioConstraints.model_validate({
        "budgets": [
            {"name": "capital 2025/26", "cost_type": "capital", "year": 2025,
             "limit": 2_000_000 * scale},
            {"name": "capital 2026/27", "cost_type": "capital", "year": 2026,
             "limit": 2_500_000 * scale},
            {"name": "revenue PV", "cost_type": "revenue", "basis": "present_value",
             "limit": 7_000_000 * scale}],
        "capacity": {"nurse_wte": 16 * scale},
        "exclusive": [group for group in exclusive if all(bid in ids for bid in group)],
        "requires": {bid: needs for bid, needs in requires.items()
                     if bid in ids and all(need in ids for need in needs)},
    })


def _timed(label: str, job):
    start = time.perf_counter()
    value = job()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=50)
    parser.add_argument("--draws", type=int, default=5_000)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--linearised", action="store_true")
    args = parser.parse_args()
    bids = _copies(args.bids, np.random.default_rng(2026))
    print(f"{args.bids} bids, {args.draws:,} shared draws, CVaR at {args.alpha:g}")
    appraisals = _timed("appraise every bid (keep_flows, common random numbers)", lambda: [
        bpv.appraise(bid, n_draws=args.draws, rng=1, keep_flows=True, progress=False)
        for bid in bids])
    inputs = PortfolioInputs(tuple(bids), tuple(appraisals))
    base = _timed("build the problem from the flows", lambda: build_problem(
        inputs, _constraints(bids)))
    npv = inputs.npv()
    free = _timed("solve without a risk limit", lambda: solve(base))
    safest = _timed("solve for the highest CVaR (the risk frontier's end)", lambda: solve(
        base, objective="cvar", alpha=args.alpha, risk=npv))
    low, high = cvar(npv @ free.chosen, args.alpha), cvar(npv @ safest.chosen, args.alpha)
    floor = (low + high) / 2
    problem = Problem(base.names, base.values, base.rows, base.draw_rows,
                      (CVaRRow("risk: CVaR", npv, args.alpha, floor),))
    solution = _timed("solve with the CVaR limit (target < 10 s)", lambda: solve(problem))
    print(f"  {solution.chosen.sum()} of {args.bids} chosen; E[NPV] "
          f"{solution.objective:,.0f} (without the limit {free.objective:,.0f}); CVaR "
          f"{cvar(npv @ solution.chosen, args.alpha):,.0f} >= {floor:,.0f}; "
          f"{solution.extra['cuts']} cuts")
    _timed("solve with the CVaR limit, and 3 budgets' shadow values", lambda: select(
        problem, npv=npv, alpha=args.alpha))
    result = _timed("with a frontier of 20 budgets and 20 risk levels (target < 60 s)",
                    lambda: select(problem, npv=npv, alpha=args.alpha, frontier_points=20))
    print(f"  {sum(np.isfinite(p.value) for p in result.budget_frontier)} feasible budget "
          f"points, {sum(np.isfinite(p.value) for p in result.risk_frontier)} risk points")
    if args.linearised:
        _timed("solve with the CVaR limit, linearised (eta, s_j per draw)", lambda: solve(
            problem, cvar_method="linearised"))


if __name__ == "__main__":
    main()
