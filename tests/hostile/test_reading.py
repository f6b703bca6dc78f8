"""Hostile bid files: reading is bounded in memory and time, and refused with the limit named.

Each file goes through the command line in a subprocess under an address-space
limit and a timeout, as a reviewer would run it on a file from another
organisation: the exit code is 1 (a user's error, never 70), the message names
the limit, and the run neither hangs nor exhausts memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import bpv
from bpv._utils.yaml_io import MAX_DEPTH, MAX_ITEMS
from bpv.io import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
#: Address space a validation may use: far more than a bid needs, far less than a laugh.
MEMORY_LIMIT = 1_500 * 1024 * 1024
TIMEOUT_S = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def validate(path: Path) -> tuple[int, str]:
    """Run ``bpv validate`` on the file; return its exit code and everything it printed."""
    run = subprocess.run([sys.executable, "-m", "bpv", "validate", str(path)],
                         capture_output=True, text=True, timeout=TIMEOUT_S,
                         preexec_fn=_limit_memory, cwd=ROOT, check=False)
    return run.returncode, run.stdout + run.stderr


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """A few hundred bytes that expand to width**levels items."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_before_they_expand(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    assert path.stat().st_size < 600  # and it stands for 10**9 items
    code, out = validate(path)
    assert code == 1, out
    assert f"more than {MAX_ITEMS:,} keys and items once its aliases" in out
    assert "internal error" not in out


def test_a_bid_may_still_use_an_alias_within_the_limit(tmp_path):
    text = FRAILTY.read_text().replace("title: Frailty virtual ward, North Place",
                                       "title: &title Frailty virtual ward, North Place")
    bid = bpv.loads(text.replace("sponsor: North Place ICS", "sponsor: *title"))
    assert bid.sponsor == "Frailty virtual ward, North Place"


@pytest.mark.parametrize("kind", ["json", "yaml flow", "yaml block"])
def test_deep_nesting_is_refused_without_recursing(tmp_path, kind):
    if kind == "json":
        path = tmp_path / "deep.json"
        path.write_text("[" * 200_000 + "]" * 200_000)
    elif kind == "yaml flow":
        path = tmp_path / "deep.yaml"
        path.write_text("id: [" + "[" * 500 + "]" * 501 + "\n")
    else:
        path = tmp_path / "deep.yaml"
        path.write_text("".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "x: 1\n")
    code, out = validate(path)
    assert code == 1, out
    assert "internal error" not in out
    if kind != "yaml flow":  # libyaml stops flow nesting at its own, lower, limit
        assert f"nests deeper than {MAX_DEPTH} levels" in out


def test_a_device_is_not_read(tmp_path):
    code, out = validate(Path("/dev/zero"))
    assert code == 1, out
    assert "not a regular file" in out


def test_a_pipe_is_not_waited_on(tmp_path):
    fifo = tmp_path / "bid.yaml"
    os.mkfifo(fifo)
    code, out = validate(fifo)  # would block for ever on open() without a writer
    assert code == 1, out
    assert "not a regular file" in out


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("w") as file:
        file.write("id: x\ntitle: '")
        file.write("a" * (MAX_FILE_BYTES + 10))
        file.write("'\n")
    code, out = validate(path)
    assert code == 1, out
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in out


def test_text_past_the_size_limit_is_refused_by_loads():
    with pytest.raises(bpv.BidValidationError, match="longer than"):
        bpv.loads("id: x\n" + "#" * (MAX_FILE_BYTES + 1))


def test_a_large_valid_document_within_the_limits_still_reads():
    # 100,000 values of an empirical distribution: well inside every reading limit.
    bid = json.loads(bpv.load(FRAILTY).to_json())
    bid["parameters"]["tariff"] = {"dist": "discrete",
                                   "values": [1_500.0 + i / 100 for i in range(100_000)]}
    loaded = bpv.loads(json.dumps(bid), format="json")
    assert len(loaded.parameters["tariff"].distribution.values) == 100_000
