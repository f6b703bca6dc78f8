"""-o writes a regular file or a new path, never an input, a device, a pipe or a folder.

Run through the command line in a subprocess, as a reviewer runs it; the refused
target is checked to be exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"


def bpv_command(*args: str | Path) -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT, check=False)
    return run.returncode, run.stdout + run.stderr


@pytest.fixture
def bid(tmp_path):
    path = tmp_path / "bid.yaml"
    shutil.copy(FRAILTY, path)
    return path


def test_the_report_never_overwrites_the_bid_it_reports(bid):
    before = bid.read_bytes()
    code, out = bpv_command("report", bid, "--draws", "500", "-o", bid)
    assert code == 1, out
    assert "cannot write" in out
    assert "is one of the input files" in out
    assert bid.read_bytes() == before


def test_the_same_file_by_another_name_is_still_an_input(bid, tmp_path):
    alias = tmp_path / "alias.yaml"
    os.link(bid, alias)  # a hard link: another name for the same file
    before = bid.read_bytes()
    code, out = bpv_command("report", bid, "--draws", "500", "-o", alias)
    assert code == 1, out
    assert "is one of the input files" in out
    assert bid.read_bytes() == before


@pytest.mark.parametrize("verb", ["report", "schema"])
def test_a_pipe_is_left_a_pipe(bid, tmp_path, verb):
    fifo = tmp_path / "out.html"
    os.mkfifo(fifo)
    arguments = ["report", bid, "--draws", "500"] if verb == "report" else ["schema"]
    code, out = bpv_command(*arguments, "-o", fifo)
    assert code == 1, out
    assert "is not a regular file" in out
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # was: replaced by a regular file


def test_a_folder_a_link_and_an_empty_name_are_refused_without_a_traceback(bid, tmp_path):
    target = tmp_path / "real.html"
    target.write_text("kept")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    for output, message in ((tmp_path, "is a folder"),
                            (link, "is a symbolic link")):
        code, out = bpv_command("report", bid, "--draws", "500", "-o", output)
        assert code == 1, out
        assert message in out
    assert target.read_text() == "kept"
    assert link.is_symlink()
    code, out = bpv_command("report", bid, "--draws", "500", "-o", "")
    assert code == 2, out  # a usage error, as argparse reports one
    assert "expected a file name" in out
    assert "internal error" not in out


def test_a_regular_file_is_replaced_whole(bid, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("an older report")
    code, out = bpv_command("report", bid, "--draws", "500", "-o", target)
    assert code == 0, out
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bid.yaml", "report.html"]


def test_the_library_refuses_a_pipe_too(tmp_path):
    fifo = tmp_path / "out.html"
    os.mkfifo(fifo)
    bid = bpv.load(FRAILTY)
    result = bpv.appraise(bid, n_draws=200, rng=1, progress=False)
    with pytest.raises(bpv.SpecError, match="is not a regular file"):
        bpv.report(result, fifo, bid=bid)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
