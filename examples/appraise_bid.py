"""Appraise a bid and print what a panel asks first: value, risk, who gains and who pays.

Usage::

    python examples/appraise_bid.py [OUT] [--bid FILE] [--draws N] [--seed S]

OUT, if given, is where the result is written as JSON (the document
``bpv appraise FILE --json`` prints). Without ``--bid`` the bundled frailty
virtual ward example is appraised. Like every script in ``examples/``, it
runs with no arguments and takes at most one positional argument, the path
it writes to (see examples/README.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bpv

HERE = Path(__file__).resolve().parent
DEFAULT_BID = HERE / "bids" / "frailty_virtual_ward.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="write the result as JSON here")
    parser.add_argument("--bid", type=Path, default=DEFAULT_BID, help="bid file (YAML or JSON)")
    parser.add_argument("--draws", type=int, default=20_000, help="number of draws")
    parser.add_argument("--seed", type=int, default=1, help="seed: same seed, same numbers")
    args = parser.parse_args()

    # 1. Read and check the bid. A file with mistakes raises BidValidationError
    #    listing every problem with its line; print them and stop.
    try:
        bid = bpv.load(args.bid)
    except bpv.BidValidationError as exc:
        raise SystemExit(str(exc)) from None

    # 2. Appraise: draw every uncertain parameter, run the logic model for each
    #    draw and year, discount money and health to present values.
    result = bpv.appraise(bid, n_draws=args.draws, rng=args.seed)

    # 3. The system view: every metric's mean, sd, Monte Carlo error and 90% interval.
    print(result.summary())
    print()

    # 4. The chance the scheme pays: in money alone, and with health valued too.
    print(f"P(NPV > 0) = {result.probability('npv', '>', 0):.1%}")
    print(f"P(NMB > 0) = {result.probability('nmb', '>', 0):.1%}")
    print()

    # 5. Who gains and who pays: each organisation's own ledger, with the income
    #    it gains or loses from the others. Transfers cancel in the system view.
    names = {organisation.id: organisation.name for organisation in bid.organisations}
    print("Net present value by organisation (GBP)")
    for organisation_id in result.organisations:
        view = result.organisation(organisation_id)
        npv = view.summary(metrics=["npv"]).rows["npv"]
        print(f"  {names[organisation_id]:<28} mean {npv['mean']:>12,.0f}   "
              f"90% interval {npv['p5']:>12,.0f} to {npv['p95']:>12,.0f}   "
              f"P(> 0) {view.probability('npv', '>', 0):.1%}")

    # 6. Keep the result: summaries and provenance (seed, bpv version, bid hash) as JSON.
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(result.to_json() + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
