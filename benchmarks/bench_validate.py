"""Time and peak memory of `bpv validate` on hostile and large files of about 1 MB.

Run:  python benchmarks/bench_validate.py [--size-mb 1.0] [--repeats 3]

Each file is written to a temporary folder and validated by `bpv validate` in a
new process, as a reviewer runs it on a file from another organisation; the
table gives the exit status, the best wall time of ``--repeats`` runs and the
process's peak resident memory (from ``wait4``'s resource usage). The target
(docs/limits.md) is at most 5 s and 500 MB for any file of 1 MB or less.

The files: the example bid (a baseline); nested YAML aliases ("billion
laughs", a few hundred bytes for 10**9 items); JSON and YAML nested far past
the depth limit; an empirical distribution of as many values as fit in the
size; as many nodes as fit; a title as long as fits. Not a test: numbers
depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"


def _example() -> dict[str, object]:
    import bpv

    return json.loads(bpv.load(EXAMPLE).to_json())  # type: ignore[no-any-return]


def laughs(size: int) -> tuple[str, str]:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "laughs.yaml", "\n".join(lines) + "\n"


def deep_json(size: int) -> tuple[str, str]:
    half = size // 2
    return "deep.json", "[" * half + "]" * half


def deep_yaml(size: int) -> tuple[str, str]:
    lines, depth = [], 0
    while sum(len(line) + 1 for line in lines) < size - 2 * depth - 10:
        lines.append(" " * depth + f"k{depth}:")
        depth += 1
    return "deep.yaml", "\n".join(lines) + "\n" + " " * depth + "x: 1\n"


def many_values(size: int) -> tuple[str, str]:
    bid = _example()
    n = size // 11
    bid["parameters"]["tariff"] = {  # type: ignore[index]
        "dist": "discrete", "values": [1_000.0 + i / 1_000 for i in range(n)]}
    return "values.json", json.dumps(bid)


def many_nodes(size: int) -> tuple[str, str]:
    bid = _example()
    template = {"id": "n0", "kind": "output", "formula": "patients * 1.0", "measure": "metric",
                "unit": "patients"}
    n = (size - 5_000) // (len(json.dumps(template)) + 12)
    nodes = bid["nodes"]
    nodes += [{**template, "id": f"extra_{i}"} for i in range(n)]  # type: ignore[operator]
    return "nodes.json", json.dumps(bid)


def long_title(size: int) -> tuple[str, str]:
    bid = _example()
    bid["title"] = "A" * (size - 4_000)
    return "title.json", json.dumps(bid)


def example(size: int) -> tuple[str, str]:
    return "example.yaml", EXAMPLE.read_text()


FILES: list[Callable[[int], tuple[str, str]]] = [
    example, laughs, deep_json, deep_yaml, many_values, many_nodes, long_title]


def validate(path: Path) -> tuple[int, float, float]:
    """Run `bpv validate`; return its exit status, wall time (s) and peak memory (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bpv", "validate", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, elapsed, usage.ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    size = int(args.size_mb * 1_000_000)
    print(f"bpv validate, best of {args.repeats}; files of at most {size:,} bytes")
    print(f"{'file':<14}{'bytes':>12}{'exit':>6}{'seconds':>10}{'peak MB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for make in FILES:
            name, text = make(size)
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            runs = [validate(path) for _ in range(args.repeats)]
            code = runs[0][0]
            seconds = min(run[1] for run in runs)
            peak = max(run[2] for run in runs)
            print(f"{name:<14}{path.stat().st_size:>12,}{code:>6}{seconds:>10.2f}{peak:>10.0f}")


if __name__ == "__main__":
    main()
