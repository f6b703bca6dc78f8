"""Reading actuals and rating them against the plan: how long a full file takes.

Run:  python benchmarks/bench_tracking.py [--draws 100000] [--rows 20000]

Writes a CSV of ``--rows`` monthly actuals for the frailty ward (spread over
its series and the months 2025-04 to 2030-03, as at 2030-06-30, each series
and month once), times ``bpv.read_actuals`` on it, then the plan of a
``--draws`` appraisal with flows and ``Tracking.status()`` over every actual,
and prints the figures. Also times the largest file accepted (the 2 MiB
limit) being refused when one byte over.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import bpv
from bpv.tracking.actuals import MAX_ACTUALS_BYTES
from bpv.tracking.plan import plan

ROOT = Path(__file__).resolve().parents[1]
AS_AT = "2030-06-30"


def _months() -> list[str]:
    return [f"{year + (month < 4)}-{month:02d}" for year in range(2025, 2030)
            for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    bid = bpv.load(ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml")
    # every node with values, and each organisation's costs and savings, is a series
    series = [(node.id, "") for node in bid.nodes if node.formula is not None]
    series += [("costs", org.id) for org in bid.organisations]
    series += [("savings", org.id) for org in bid.organisations]
    months = _months()
    rows = [(node, org, month) for node, org in series for month in months][:args.rows]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "actuals.csv"
        lines = ["node,organisation,period,value,note"]
        lines += [f"{node},{org},{month},{index % 97 + 1},row {index}"
                  for index, (node, org, month) in enumerate(rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        size = path.stat().st_size
        start = time.perf_counter()
        actuals = bpv.read_actuals(path, bid, as_at=AS_AT)
        read = time.perf_counter() - start
        print(f"read_actuals: {len(actuals):,} rows ({size / 2**20:.2f} MiB) in {read:.2f} s "
              f"({len(actuals) / read:,.0f} rows/s)")
        too_big = Path(folder) / "too_big.csv"
        too_big.write_bytes(b"node,period,value\n" + b"x" * MAX_ACTUALS_BYTES)
        start = time.perf_counter()
        with contextlib.suppress(bpv.ActualsError):
            bpv.read_actuals(too_big, bid, as_at=AS_AT)
        print(f"a file one byte past {MAX_ACTUALS_BYTES:,} bytes refused in "
              f"{time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    result = bpv.appraise(bid, n_draws=args.draws, rng=1, keep_flows=True, progress=False)
    appraised = time.perf_counter() - start
    start = time.perf_counter()
    planned = plan(result, bid, series=[seen.series for seen in actuals.observations])
    planning = time.perf_counter() - start
    tracking = bpv.track(result, actuals)
    start = time.perf_counter()
    table = tracking.status()
    rating = time.perf_counter() - start
    print(f"appraise with flows, {args.draws:,} draws: {appraised:.2f} s; plan of "
          f"{len(planned.series)} series: {planning:.2f} s; status of {len(table.rows):,} "
          f"actuals: {rating:.2f} s")


if __name__ == "__main__":
    main()
