"""docs/portfolio.md: its command's output and its Python session are what bpv prints today."""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "portfolio.md").read_text(encoding="utf-8")


def _block(language: str) -> str:
    blocks = re.findall(rf"^```{language}\n(.*?)^```", PAGE, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, language
    return blocks[0]


def _expand(argument: str) -> list[str]:
    if "*" in argument:
        return sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(argument))
    return [argument]


def test_the_command_on_the_page_prints_what_the_page_shows():
    command, *output = _block("console").splitlines()
    words = shlex.split(command.removeprefix("$ "))
    assert words[:2] == ["bpv", "portfolio"]
    arguments = [item for word in words[1:] for item in _expand(word)]
    run = subprocess.run([sys.executable, "-m", "bpv", *arguments], capture_output=True,
                         text=True, check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == output


def test_the_python_session_on_the_page_runs_as_shown():
    test = doctest.DocTestParser().get_doctest(_block("python"), {}, "docs/portfolio.md",
                                               str(ROOT / "docs" / "portfolio.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    cwd = Path.cwd()
    try:

        os.chdir(ROOT)
        runner.run(test)
    finally:
        os.chdir(cwd)
        plt.close("all")
    assert runner.failures == 0
    assert runner.tries >= 5


def test_the_infeasible_message_on_the_page_is_bpvs(tmp_path):
    shown = re.search(r"^bpv portfolio: no set of bids.*$", PAGE, re.MULTILINE)
    assert shown is not None
    constraints = tmp_path / "portfolio.yaml"
    constraints.write_text("mandatory: [urgent-care-hub, community-diagnostic-hub]\n"
                           "budgets:\n  - {name: capital 2026/27, cost_type: capital, "
                           "year: 2026, limit: 1_000_000}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bpv", "portfolio",
                          *_expand("examples/portfolio/bids/*.yaml"), "--constraints",
                          str(constraints), "--draws", "500", "--seed", "1"],
                         capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.returncode == 1
    assert run.stderr.strip() == shown.group()
