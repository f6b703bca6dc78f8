"""Start-up time: ``import bpv``, ``bpv validate`` and ``bpv --help`` against bare numpy and scipy.

Run:  python benchmarks/bench_startup.py [--runs 11] [--bid examples/bids/frailty_virtual_ward.yaml]

Each command runs in a new process, the four kinds in turn, round after round
(so a drift in the machine's speed touches them alike), after one warm-up
round. The table gives the median wall and CPU (user + system) seconds of
each, and its ratio to the bare baseline ``python -c "import numpy,
scipy.special"`` (what any program using bpv's numerics pays): the median
over rounds of the ratio within each round. Issue 17 set the target:
``bpv validate`` on the example within 2 times the baseline.

The processes run without ``PYTHONDONTWRITEBYTECODE``, so bpv's compiled
bytecode is kept in ``__pycache__`` as in any installation; with it set,
every start compiles bpv's source again (about half a second more here),
while numpy's and scipy's bytecode was written when they were installed.
Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"


def commands(bid: Path) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "bare: import numpy, scipy.special": [python, "-c", "import numpy, scipy.special"],
        "import bpv": [python, "-c", "import bpv"],
        f"bpv validate {bid.name}": [python, "-m", "bpv", "validate", str(bid)],
        "bpv --help": [python, "-m", "bpv", "--help"],
    }


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; return its wall and CPU (user + system) seconds."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        msg = f"{' '.join(command)} failed"
        raise RuntimeError(msg)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="counted rounds (default 11)")
    parser.add_argument("--bid", type=Path, default=EXAMPLE, help="the bid to validate")
    args = parser.parse_args()
    environment = {key: value for key, value in os.environ.items()
                   if key != "PYTHONDONTWRITEBYTECODE"}
    kinds = commands(args.bid.resolve())
    for command in kinds.values():  # warm-up: bytecode written, files in the page cache
        timed(command, environment)
    walls: dict[str, list[float]] = {name: [] for name in kinds}
    cpus: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(args.runs):
        for name, command in kinds.items():
            wall, cpu = timed(command, environment)
            walls[name].append(wall)
            cpus[name].append(cpu)
    bare = next(iter(kinds))
    print(f"Start-up, median of {args.runs} rounds (each command in a new process); "
          f"ratio: to the bare baseline, within each round")
    print(f"{'command':<44}{'wall s':>8}{'cpu s':>8}{'wall ×':>8}{'cpu ×':>8}")
    for name in kinds:
        wall_ratio = statistics.median(w / b for w, b in zip(walls[name], walls[bare],
                                                            strict=True))
        cpu_ratio = statistics.median(c / b for c, b in zip(cpus[name], cpus[bare],
                                                           strict=True))
        print(f"{name:<44}{statistics.median(walls[name]):>8.3f}"
              f"{statistics.median(cpus[name]):>8.3f}{wall_ratio:>8.2f}{cpu_ratio:>8.2f}")


if __name__ == "__main__":
    main()
