"""Exports of a 50-bid batch: Excel workbook, Parquet and CSV, in seconds and memory.

Run:  python benchmarks/bench_export.py [--bids 50] [--draws 20000] [--repeat 3]

The bids are the eight of examples/portfolio/bids/, each repeated under new
ids (``urgent-care-hub-07``) until there are ``--bids``; they are appraised
once with :func:`bpv.appraise_many` (not timed as export), then the batch is
written with :func:`bpv.tables.write_table` as ``bpv batch DIR -o FILE`` does:

- ``xlsx``: the workbook (summary, problems, organisations, metric nodes by
  year, hypotheses registers, settings, long form), openpyxl;
- ``parquet``: the long form, pyarrow;
- ``csv``: the long form, the standard library.

An export's cost does not depend on the draws (a batch keeps summaries).
Prints, for each format: the best of ``--repeat`` runs in seconds, the file's
size, the peak of Python's allocations during one more export (tracemalloc;
pyarrow's own buffers are not Python's and are not counted) and the
process's peak resident memory after it (cumulative: the interpreter, bpv,
the batch and the libraries imported so far), against the target of under
5 s for Excel and for Parquet. openpyxl writes through lxml when it is
installed (the tables extra installs it): about five times faster.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "examples" / "portfolio" / "bids"
TARGET_SECONDS = 5.0


def make_bids(folder: Path, n_bids: int) -> None:
    """Write ``n_bids`` bid files to ``folder``: the portfolio example's, under new ids."""
    import bpv

    originals = [bpv.load(path) for path in sorted(SOURCE.glob("*.yaml"))]
    for index in range(n_bids):
        bid = originals[index % len(originals)]
        data = bid.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["id"] = f"{bid.id}-{index:02d}"
        (folder / f"{data['id']}.yaml").write_text(bpv.dumps(bpv.Bid.model_validate(data)),
                                                   encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=50)
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import bpv
    from bpv.tables import write_table

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "bids").mkdir()
        make_bids(folder / "bids", args.bids)
        start = time.perf_counter()
        batch = bpv.appraise_many(folder / "bids", n_draws=args.draws, rng=1, progress=False)
        appraised = time.perf_counter() - start
        bids = {bid_id: bpv.load(source) for bid_id, source in batch.sources.items()}
        rows = len(batch.long_rows())
        print(f"{len(batch.records)} bids x {args.draws:,} draws appraised in {appraised:.1f} s "
              f"(not part of the export); long form: {rows:,} rows")
        print(f"process peak RSS before the exports: {peak_rss_mb():.0f} MB")
        print(f"{'format':<8} {'seconds':>8} {'size (kB)':>10} {'python peak (MB)':>17} "
              f"{'peak RSS (MB)':>14}  target")
        for fmt in ("xlsx", "parquet", "csv"):
            path = folder / f"results.{fmt}"
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                write_table(batch, path, bids=bids, long=True)
                times.append(time.perf_counter() - start)
            tracemalloc.start()  # a run of its own: tracing slows Python down several times
            write_table(batch, path, bids=bids, long=True)
            _, python_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            met = "met" if min(times) < TARGET_SECONDS else "MISSED"
            target = "" if fmt == "csv" else f"< {TARGET_SECONDS:g} s: {met}"
            print(f"{fmt:<8} {min(times):>8.2f} {path.stat().st_size / 1024:>10,.0f} "
                  f"{python_peak / 2**20:>17.1f} {peak_rss_mb():>14.0f}  {target}")

if __name__ == "__main__":
    main()
