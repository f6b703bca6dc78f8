"""Time and memory of the benefits register at programme scale: 500 bids, 100,000 actuals.

Run:  python benchmarks/bench_register.py [--bids 500] [--db URL]

Builds a register (a temporary SQLite file unless ``--db`` names another, such
as an empty PostgreSQL database) of ``--bids`` bids, each with one import of
20 periods × 10 nodes of actuals (500 bids: 100,000 rows) and one status
snapshot of about 15 kB (a RAG table of every node and period), then measures:

- reading the latest status snapshot of every bid, as ``bpv track status`` for
  all bids does (target under 2 s on SQLite), and the Python memory that read
  allocates at its peak (tracemalloc), streaming versus keeping every row;
- reading every bid's current actuals (100,000 rows, one query a bid);
- recording one import of 200 rows (median of 20);
- the streaming read's peak memory at each size the register passes through
  (``--stages``): flat once the register holds more snapshots than one batch,
  because rows are fetched a batch at a time and dropped.

Not a test: the figures depend on the machine (and on other work it does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpv
from bpv.register import Register

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
PERIODS = [f"{2026 + i}/{(27 + i) % 100:02d}" for i in range(20)]
NODES = [f"node_{j}" for j in range(10)]


def _bid(number: int) -> tuple[bpv.Bid, str]:
    data = json.loads(bpv.load(EXAMPLE).to_json())
    data["id"] = f"scheme-{number:04d}"
    data["title"] = f"Scheme {number}"
    text = json.dumps(data)
    return bpv.loads(text, format="json"), text


def _status(number: int) -> dict[str, Any]:
    return {"bid": f"scheme-{number:04d}", "reporting_date": "2027-03-31",
            "rule": "green inside the plan's 50% band; amber inside the 90% band; red beyond",
            "rows": [{"node": node, "period": period, "actual": 100.0 + j, "plan": 101.5,
                      "variance": -1.5, "variance_pct": -0.0148, "rag": "green"}
                     for j, node in enumerate(NODES) for period in PERIODS]}


def _rows(bid_id: str) -> list[dict[str, Any]]:
    return [{"bid": bid_id, "node": node, "period": period, "value": float(i),
             "source": "SUS", "recorded_by": "PMO"}
            for i, (node, period) in enumerate((n, p) for n in NODES for p in PERIODS)]


def _grow(register: Register, start: int, stop: int, summary: dict[str, Any]) -> None:
    for number in range(start, stop):
        bid, text = _bid(number)
        register.add_bid(bid, text=text, approved_by="board", n_draws=1_000, seed=number,
                         summary=summary)
        register.record_actuals(bid.id, _rows(bid.id), recorded_by="PMO",
                                file_name=f"{bid.id}.csv")
        register.save_snapshot(bid.id, "status", _status(number), reporting_date="2027-03-31")


def _measure(job: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """Wall seconds, CPU seconds (without tracing) and peak Python memory (MB) of ``job``.

    Timed once without tracemalloc (which slows allocation), then run again
    under tracemalloc for the peak. CPU time is this process's: with SQLite all
    the work is here, and it is steadier than wall time on a shared machine.
    """
    started, cpu = time.perf_counter(), time.process_time()
    job()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    value = job()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, cpu, peak, value


def _stream(register: Register) -> int:
    reds = 0
    for snapshot in register.snapshots(kind="status"):
        reds += sum(row["rag"] == "red" for row in snapshot.payload["rows"])
    return reds


def _keep(register: Register) -> int:
    return len([snapshot.payload for snapshot in register.snapshots(kind="status")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=500)
    parser.add_argument("--stages", default="100,250,500",
                        help="register sizes (bids) at which to measure the streaming read")
    parser.add_argument("--db", help="an empty database URL (default a temporary SQLite file)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bpv-bench-register-")
    register = Register(args.db or str(Path(folder) / "bpv-register.db"))
    register.init()
    # One appraisal summary serves every bid (each bid's own hash is checked on its text).
    summary = bpv.appraise(bpv.load(EXAMPLE), n_draws=1_000, rng=1).to_dict()
    del summary["provenance"]
    stages = sorted({*(int(s) for s in args.stages.split(",") if int(s) < args.bids),
                     args.bids})
    print(f"register: {register.name}")
    print(f"{'bids':>6} {'actuals':>9}  {'build s':>8}  {'read latest: wall s':>19}  "
          f"{'cpu s':>6}  {'peak MB (streaming)':>19}")
    built = 0
    for stage in stages:
        started = time.perf_counter()
        _grow(register, built, stage, summary)
        build = time.perf_counter() - started
        built = stage
        _stream(register)  # warm the database's cache, as a second run would find it
        seconds, cpu, peak, _ = _measure(lambda: _stream(register))
        print(f"{stage:>6} {stage * len(NODES) * len(PERIODS):>9,}  {build:>8.1f}  "
              f"{seconds:>19.3f}  {cpu:>6.3f}  {peak:>19.2f}")

    seconds, cpu, peak, count = _measure(lambda: _keep(register))
    print(f"\nlatest status of all {count} bids, every payload kept: {seconds:.3f} s "
          f"(cpu {cpu:.3f} s), peak {peak:.1f} MB")
    ids = [stored.bid_id for stored in register.bids()]
    seconds, cpu, peak, rows = _measure(lambda: sum(len(register.actuals(b)) for b in ids))
    print(f"current actuals of all {len(ids)} bids ({rows:,} rows, one query a bid): "
          f"{seconds:.2f} s (cpu {cpu:.2f} s), peak {peak:.1f} MB (each bid's rows dropped "
          "after use)")
    seconds, cpu, peak, rows = _measure(lambda: sum(1 for _ in register.all_actuals()))
    print(f"current actuals of all bids in one streaming query (all_actuals, {rows:,} rows): "
          f"{seconds:.2f} s (cpu {cpu:.2f} s), peak {peak:.1f} MB")
    times = []
    for attempt in range(20):
        rows_200 = [{**row, "period": f"{row['period']} r{attempt}"} for row in _rows(ids[0])]
        started = time.perf_counter()
        register.record_actuals(ids[0], rows_200, recorded_by="PMO", file_name="again.csv")
        times.append(time.perf_counter() - started)
    print(f"one import of 200 rows: median {statistics.median(times) * 1000:.1f} ms, "
          f"slowest {max(times) * 1000:.1f} ms (20 imports)")
    register.close()


if __name__ == "__main__":
    main()
