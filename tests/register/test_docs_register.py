"""docs/register.md is true: its commands and its Python run, and print what the page shows.

The page's console blocks are run in order in an empty folder holding a copy of
examples/, then its Python block; ``…`` in a pasted output stands for text that
differs from run to run (times, bpv's version).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "register.md"
_BLOCK = re.compile(r"^```(console|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _sessions(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every ``$`` line of the console blocks."""
    found: list[tuple[str, list[str]]] = []
    for kind, body in _BLOCK.findall(text):
        if kind != "console":
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, actual) is not None


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "BPV_REGISTER"}
    environment["PYTHONPATH"] = str(ROOT)
    return environment


def test_the_pages_commands_and_python_run_as_shown(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    text = PAGE.read_text(encoding="utf-8")
    sessions = _sessions(text)
    assert len(sessions) >= 7
    for command, expected in sessions:
        words = shlex.split(command)
        assert words[0] == "bpv", command
        run = subprocess.run([sys.executable, "-m", "bpv", *words[1:]], cwd=tmp_path,
                             capture_output=True, text=True, check=False, env=_environment())
        assert run.returncode == 0, f"{command}\n{run.stderr}"
        lines = run.stdout.splitlines()
        assert len(lines) == len(expected), f"{command}\n{run.stdout}"
        for want, got in zip(expected, lines, strict=True):
            assert _matches(want, got), f"{command}\nexpected: {want}\n     got: {got}"
    python = [body for kind, body in _BLOCK.findall(text) if kind == "python"]
    assert len(python) == 1
    run = subprocess.run([sys.executable, "-c", python[0]], cwd=tmp_path, capture_output=True,
                         text=True, check=False, env=_environment())
    assert run.returncode == 0, run.stderr
